//! Bounds on the state a search keeps, and the report of one being reached.
//!
//! Attackers write the logs Tripline reads. A sweep from millions of source addresses makes
//! millions of `stats ... BY src_ip` groups; Splunk spills such a search to disk, Tripline keeps
//! its state in memory, so it bounds it instead: [`Limits::max_groups`] caps the groups one
//! `stats` (and the value combinations one `top` or `rare`) keeps. Once a command is full, rows
//! that would start a new group are left out and counted; the groups it has keep updating. After
//! the run, [`crate::plan::Plan::limits_reached`] gives one [`LimitReached`] per command that
//! left rows out, for the caller to report.
//!
//! Inside a group, the aggregation states have their own bounds (see [`crate::aggregate`]).
//! Commands that hold every row they are given (`eventstats`, `sort`, and `dedup` and
//! `streamstats` behind the time-order buffer) have no group cap: their groups are no more
//! numerous than the rows they hold.

use std::fmt;

/// Bounds on the state of a search's commands. The caller sets them in
/// [`EvalContext::limits`](crate::expr::EvalContext::limits); they are read when a plan is
/// compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most groups one `stats` keeps, and most (BY group, value combination) counters one `top`
    /// or `rare` keeps. At least 1.
    pub max_groups: usize,
}

impl Limits {
    /// The default [`Limits::max_groups`]: a million.
    ///
    /// A `stats` group costs its key, a hash table slot and one state per aggregation. Measured
    /// for the built-in pack's searches (a count, the time span and four to six `values(...)` BY
    /// two or three fields, a few values in each): 1.7 to 2 KB, most of it the value sets'
    /// B-tree nodes; 150 bytes for `stats count BY src_ip`. A million groups is then at most
    /// about 2 GB for one rule (each hunt thread may hold that much until the threads' states
    /// merge), which an attacker cannot exceed, while a real hunt (a group per source address,
    /// user or image of a cluster: thousands, not millions) is never cut short. Lower it on
    /// small machines.
    pub const DEFAULT_MAX_GROUPS: usize = 1_000_000;

    /// These limits with [`Limits::max_groups`] set to `n` (0 counts as 1).
    #[must_use]
    pub fn with_max_groups(mut self, n: usize) -> Limits {
        self.max_groups = n.max(1);
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_groups: Limits::DEFAULT_MAX_GROUPS,
        }
    }
}

/// A command that reached [`Limits::max_groups`] and left rows out: its results lack the groups
/// those rows would have started.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitReached {
    /// The command: `stats`, `top` or `rare`.
    pub command: &'static str,
    /// Its position in the (macro-expanded) pipeline, 0 for the first command.
    pub position: usize,
    /// The limit it reached.
    pub max_groups: usize,
    /// Rows left out. A row with a multivalue BY field counts once per group it could not join,
    /// and a `top` row once per value combination.
    pub dropped_rows: u64,
}

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups = match (self.command, self.max_groups) {
            ("stats", 1) => "group",
            ("stats", _) => "groups",
            (_, 1) => "group (value combination)",
            _ => "groups (value combinations)",
        };
        write!(
            f,
            "`{}` (command {} of the search) reached its limit of {} {groups}; {} {} that would have started a new group {} left out, so results are incomplete",
            self.command,
            self.position + 1,
            self.max_groups,
            self.dropped_rows,
            if self.dropped_rows == 1 { "row" } else { "rows" },
            if self.dropped_rows == 1 { "was" } else { "were" },
        )
    }
}

/// A command's group cap and the rows it has left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GroupCap {
    max: usize,
    dropped: u64,
}

impl GroupCap {
    /// A cap of `max` groups.
    pub(crate) fn new(max: usize) -> GroupCap {
        GroupCap {
            max: max.max(1),
            dropped: 0,
        }
    }

    /// No cap (commands whose groups are bounded by the rows they hold).
    pub(crate) fn unlimited() -> GroupCap {
        GroupCap::new(usize::MAX)
    }

    /// Whether a new group may be added to the `len` there are; if not, `rows` are counted as
    /// left out.
    pub(crate) fn admit(&mut self, len: usize, rows: u64) -> bool {
        if len < self.max {
            true
        } else {
            self.dropped += rows;
            false
        }
    }

    /// Count `rows` left out.
    pub(crate) fn drop_rows(&mut self, rows: u64) {
        self.dropped += rows;
    }

    /// Whether there is room for another group beside `len`.
    pub(crate) fn has_room(&self, len: usize) -> bool {
        len < self.max
    }

    /// Add the rows another instance (of the same command, over other rows) left out.
    pub(crate) fn absorb(&mut self, other: &GroupCap) {
        self.dropped += other.dropped;
    }

    /// The same cap with nothing left out yet.
    pub(crate) fn fresh(&self) -> GroupCap {
        GroupCap::new(self.max)
    }

    /// The report for `command`, when rows were left out (its position is filled in by the plan).
    pub(crate) fn report(&self, command: &'static str) -> Option<LimitReached> {
        (self.dropped > 0).then_some(LimitReached {
            command,
            position: 0,
            max_groups: self.max,
            dropped_rows: self.dropped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_admits_below_the_limit_and_counts_what_it_refuses() {
        let mut cap = GroupCap::new(2);
        assert!(cap.admit(0, 1) && cap.admit(1, 1));
        assert_eq!(cap.report("stats"), None);
        assert!(!cap.admit(2, 3));
        cap.drop_rows(1);
        let mut other = cap.fresh();
        assert!(!other.admit(2, 5));
        cap.absorb(&other);
        assert_eq!(cap.report("stats").map(|r| r.dropped_rows), Some(9));
        assert_eq!(cap.fresh().report("stats"), None);
    }

    #[test]
    fn the_message_says_which_command_what_limit_and_how_many_rows() {
        let r = GroupCap { max: 10, dropped: 1 }.report("stats").unwrap();
        assert_eq!(
            r.to_string(),
            "`stats` (command 1 of the search) reached its limit of 10 groups; 1 row that would have started a new group was left out, so results are incomplete"
        );
        assert_eq!(Limits::default().with_max_groups(0).max_groups, 1);
    }
}
