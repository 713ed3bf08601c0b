//! Tripline's seeded generator of realistic Kubernetes cluster traffic with labelled attack
//! scenarios, in every input format Tripline reads.
//!
//! This crate is being built; the simulate issue defines its scope.
