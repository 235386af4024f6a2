//! The vector clock (Fidge 1988, Mattern 1989): one counter per node, a partial order in which
//! `None` means "concurrent", and the comparison explained in words for the learner.
//!
//! Entries are `u32`. Clocks of one run all have one entry per node; a clock with fewer entries
//! reads the missing ones as zero, so equality and order never depend on trailing zeros.

use crate::sim::NodeId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// A vector clock: entry `i` counts the events of node `i + 1` that this one knows of.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VectorClock(Vec<u32>);

impl VectorClock {
    /// The clock of a node that has seen nothing: `n` zeros.
    pub fn new(n: u32) -> Self {
        VectorClock(vec![0; n as usize])
    }

    /// A clock with the given entries (entry 0 belongs to node 1).
    pub fn from_entries(entries: Vec<u32>) -> Self {
        VectorClock(entries)
    }

    /// The entries, node 1 first.
    pub fn entries(&self) -> &[u32] {
        &self.0
    }

    /// Number of entries.
    pub fn len(&self) -> u32 {
        self.0.len() as u32
    }

    /// True when the clock has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entry of `node` (zero when the clock is shorter).
    pub fn get(&self, node: NodeId) -> u32 {
        self.0.get(node.index()).copied().unwrap_or(0)
    }

    /// Counts one more event of `node` (its own entry plus one).
    pub fn tick(&mut self, node: NodeId) {
        let i = node.index();
        if self.0.len() <= i {
            self.0.resize(i + 1, 0);
        }
        self.0[i] = self.0[i]
            .checked_add(1)
            .unwrap_or_else(|| panic!("vector clock entry of node {node} overflowed u32"));
    }

    /// Takes the component-wise maximum with `other` (what a receive does before its tick).
    pub fn merge(&mut self, other: &VectorClock) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// The component-wise maximum of two clocks.
    pub fn merged(&self, other: &VectorClock) -> VectorClock {
        let mut out = self.clone();
        out.merge(other);
        out
    }

    /// True when `self` happened before `other`: `self ≤ other` component-wise and they differ.
    pub fn happened_before(&self, other: &VectorClock) -> bool {
        self.partial_cmp(other) == Some(Ordering::Less)
    }

    /// True when neither clock is `≤` the other.
    pub fn concurrent_with(&self, other: &VectorClock) -> bool {
        self.partial_cmp(other).is_none()
    }

    /// The entries as a comma-separated list without brackets (`2, 0, 1`), for screen readers.
    pub fn spoken(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        parts.join(", ")
    }

    fn pairs<'a>(&'a self, other: &'a VectorClock) -> impl Iterator<Item = (u32, u32)> + 'a {
        let len = self.0.len().max(other.0.len());
        (0..len).map(move |i| {
            (
                self.0.get(i).copied().unwrap_or(0),
                other.0.get(i).copied().unwrap_or(0),
            )
        })
    }
}

impl PartialEq for VectorClock {
    fn eq(&self, other: &Self) -> bool {
        self.pairs(other).all(|(a, b)| a == b)
    }
}

impl Eq for VectorClock {}

impl PartialOrd for VectorClock {
    /// `Less` when every entry is `≤` and one is `<`; `None` when each is ahead somewhere.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        let (mut some_less, mut some_greater) = (false, false);
        let mut see = |a: u32, b: u32| {
            some_less |= a < b;
            some_greater |= a > b;
        };
        if self.0.len() == other.0.len() {
            // The usual case in one run: a plain loop, fast even in debug builds.
            for i in 0..self.0.len() {
                see(self.0[i], other.0[i]);
            }
        } else {
            for (a, b) in self.pairs(other) {
                see(a, b);
            }
        }
        match (some_less, some_greater) {
            (false, false) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (true, true) => None,
        }
    }
}

impl fmt::Display for VectorClock {
    /// `[2,0,1]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{e}")?;
        }
        f.write_str("]")
    }
}

/// Explains in words how the clocks of events `a` and `b` compare and what that proves, e.g.
/// `[2,1,0] ≤ [2,3,1] component-wise and they differ, so a happened before b`.
pub fn explain(a: &VectorClock, b: &VectorClock, a_name: &str, b_name: &str) -> String {
    match a.partial_cmp(b) {
        Some(Ordering::Equal) => format!(
            "{a} = {b} in every component, so {a_name} and {b_name} are the same event \
             (two different events never share a vector clock)"
        ),
        Some(Ordering::Less) => format!(
            "{a} ≤ {b} component-wise and they differ, so {a_name} happened before {b_name}"
        ),
        Some(Ordering::Greater) => format!(
            "{a} ≥ {b} component-wise and they differ, so {b_name} happened before {a_name}"
        ),
        None => {
            let ahead = |x: &VectorClock, y: &VectorClock| {
                x.pairs(y)
                    .enumerate()
                    .find(|(_, (p, q))| p > q)
                    .map(|(i, (p, q))| (i + 1, p, q))
                    .expect("a concurrent clock is ahead somewhere")
            };
            let (i, p, q) = ahead(a, b);
            let (j, r, s) = ahead(b, a);
            format!(
                "{a} vs {b}: {a_name} is ahead at node {i} ({p} > {q}) and {b_name} is ahead at \
                 node {j} ({r} > {s}), so neither happened before the other: {a_name} and \
                 {b_name} are concurrent"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc(e: &[u32]) -> VectorClock {
        VectorClock::from_entries(e.to_vec())
    }

    #[test]
    fn missing_entries_read_as_zero() {
        assert_eq!(vc(&[1, 0]), vc(&[1]));
        assert_eq!(vc(&[1]).partial_cmp(&vc(&[1, 0, 0])), Some(Ordering::Equal));
        assert!(vc(&[1]).happened_before(&vc(&[1, 0, 1])));
    }

    #[test]
    fn explanation_names_the_components_that_decide() {
        assert_eq!(
            explain(&vc(&[2, 1, 0]), &vc(&[2, 3, 1]), "a", "b"),
            "[2,1,0] ≤ [2,3,1] component-wise and they differ, so a happened before b"
        );
        let text = explain(&vc(&[2, 0, 0]), &vc(&[0, 1, 0]), "a", "b");
        assert!(text.contains("a is ahead at node 1 (2 > 0)"), "{text}");
        assert!(text.contains("b is ahead at node 2 (1 > 0)"), "{text}");
        assert!(text.ends_with("concurrent"), "{text}");
    }
}
