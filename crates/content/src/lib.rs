//! Tripline's content model (being built).
