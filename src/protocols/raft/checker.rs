//! The live safety checker: Raft's five guarantees of Figure 3 (Election Safety, Leader
//! Append-Only, Log Matching, Leader Completeness, State Machine Safety) plus monotonic terms
//! and applied indexes, checked over the whole run after every event.
//!
//! It lives in the sim's `Shared` notebook, so it sees every node, crashed ones included, and
//! remembers history (which node led which term, which entry was applied at which index). It is
//! incremental: handlers tell it the lowest log index they changed ([`RaftChecker::log_changed`]),
//! and each check looks only at what changed since the last one, so it stays cheap.
//!
//! How each property is checked:
//! - Election Safety: the first leader seen in each term is remembered; another node seen
//!   leading the same term later is a violation, even if the first has crashed since.
//! - Leader Append-Only: a node that was leader of term T at the last check and still is must
//!   not have changed any entry at or below its previous last index.
//! - Log Matching: every (index, term) ever stored anywhere is remembered with its command and
//!   the term of the entry before it; by induction on the index, agreement on that pair for
//!   every stored entry is exactly Log Matching.
//! - Leader Completeness: each entry applied anywhere is remembered with the term in which it
//!   was seen committed; a node newly seen as leader of a later term must hold all of them.
//! - State Machine Safety: two nodes never apply different entries at the same index.
//! - Monotonic terms and applied indexes: a node's term never goes down (crashes included);
//!   its applied index never goes down while it runs (a restart rebuilds the state machine).

use super::{Entry, Raft, RaftDurable, Role, Term};
use crate::sim::{Node, NodeId, SimTime, Violation};
use serde::Serialize;

/// Names of the checked properties, in the order the page shows their badges.
pub const PROPERTIES: [&str; 7] = [
    ELECTION_SAFETY,
    LEADER_APPEND_ONLY,
    LOG_MATCHING,
    LEADER_COMPLETENESS,
    STATE_MACHINE_SAFETY,
    MONOTONIC_TERMS,
    MONOTONIC_APPLIED,
];

const ELECTION_SAFETY: &str = "Election Safety";
const LEADER_APPEND_ONLY: &str = "Leader Append-Only";
const LOG_MATCHING: &str = "Log Matching";
const LEADER_COMPLETENESS: &str = "Leader Completeness";
const STATE_MACHINE_SAFETY: &str = "State Machine Safety";
const MONOTONIC_TERMS: &str = "Monotonic Terms";
const MONOTONIC_APPLIED: &str = "Monotonic Applied Index";

/// One property's badge: its name, whether it still holds, and why in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyStatus {
    /// Property name (`Election Safety`).
    pub name: &'static str,
    /// True while no violation has been seen.
    pub ok: bool,
    /// What it means and what was checked, or the first violation in words.
    pub explanation: String,
}

/// What the checker remembers about one node since the last check.
#[derive(Clone, Debug, Default)]
struct Watch {
    term: Term,
    len: u64,
    /// Lowest index changed by a handler since the last check.
    dirty: Option<u64>,
    /// Term it was leader of at the last check.
    leading: Option<Term>,
    applied: u64,
}

/// An entry seen at some index of some log.
#[derive(Clone, Copy, Debug)]
struct Seen {
    entry: Entry,
    prev_term: Term,
    node: NodeId,
}

/// An entry applied by some node.
#[derive(Clone, Copy, Debug)]
struct Applied {
    entry: Entry,
    /// Term of the node that was first seen applying it (the term it was committed in, or a
    /// later one).
    term: Term,
    node: NodeId,
}

/// The observer's notebook for Raft: the safety checker's memory of the whole run.
#[derive(Clone, Debug, Default)]
pub struct RaftChecker {
    watch: Vec<Watch>,
    /// First leader seen in each term, sorted by term (a sorted vector rather than a map: one
    /// `BTreeMap` type fewer in the wasm, issue 2).
    leaders: Vec<(Term, NodeId)>,
    /// `seen[i]`: the distinct entries ever stored at index `i + 1`.
    seen: Vec<Vec<Seen>>,
    /// `applied[i]`: the entry first applied at index `i + 1`.
    applied: Vec<Applied>,
    /// Violations already reported (index in [`PROPERTIES`], two identifying numbers), sorted,
    /// so each is told once.
    reported: Vec<(usize, u64, u64)>,
    /// The first violation of each property, by index in [`PROPERTIES`].
    first: [Option<String>; PROPERTIES.len()],
}

impl RaftChecker {
    /// A handler changed `node`'s log from `index` on (appended at, or truncated from, it).
    pub fn log_changed(&mut self, node: NodeId, index: u64) {
        let w = self.watch_mut(node);
        w.dirty = Some(w.dirty.map_or(index, |d| d.min(index)));
    }

    /// A node crashed: its leadership and state machine are gone (its term and log are not).
    pub fn node_crashed(&mut self, node: NodeId) {
        let w = self.watch_mut(node);
        w.leading = None;
        w.applied = 0;
    }

    /// The first leader seen in each term, in term order.
    pub fn leaders(&self) -> &[(Term, NodeId)] {
        &self.leaders
    }

    /// Number of log indexes applied somewhere so far.
    pub fn applied_len(&self) -> u64 {
        self.applied.len() as u64
    }

    /// The badges: each property, whether it holds, and why.
    pub fn status(&self) -> Vec<PropertyStatus> {
        PROPERTIES
            .iter()
            .zip(&self.first)
            .map(|(&name, first)| match first {
                Some(text) => PropertyStatus {
                    name,
                    ok: false,
                    explanation: text.clone(),
                },
                None => PropertyStatus {
                    name,
                    ok: true,
                    explanation: self.holds(name),
                },
            })
            .collect()
    }

    fn holds(&self, name: &str) -> String {
        match name {
            ELECTION_SAFETY => format!(
                "At most one leader per term: {} term(s) have had a leader, each only one.",
                self.leaders.len()
            ),
            LEADER_APPEND_ONLY => {
                "A leader never overwrites or deletes entries in its log; it only appends.".into()
            }
            LOG_MATCHING => "Two logs with an entry of the same index and term agree on every \
                             entry up to that index."
                .into(),
            LEADER_COMPLETENESS => format!(
                "Every leader holds every entry committed in an earlier term ({} committed \
                 entries so far).",
                self.applied.len()
            ),
            STATE_MACHINE_SAFETY => format!(
                "No two nodes apply different entries at the same index ({} indexes applied).",
                self.applied.len()
            ),
            MONOTONIC_TERMS => "No node's term ever goes down, not even across a crash.".into(),
            _ => "No running node's applied index ever goes down.".into(),
        }
    }

    fn watch_mut(&mut self, node: NodeId) -> &mut Watch {
        let i = node.index();
        if self.watch.len() <= i {
            self.watch.resize(i + 1, Watch::default());
        }
        &mut self.watch[i]
    }

    fn report(
        &mut self,
        out: &mut Vec<Violation>,
        now: SimTime,
        property: &'static str,
        key: (u64, u64),
        text: String,
    ) {
        let p = PROPERTIES
            .iter()
            .position(|&name| name == property)
            .expect("a checked property");
        let Err(at) = self.reported.binary_search(&(p, key.0, key.1)) else {
            return;
        };
        self.reported.insert(at, (p, key.0, key.1));
        self.first[p].get_or_insert_with(|| text.clone());
        out.push(Violation {
            t: now,
            property,
            text,
        });
    }

    /// Looks at every node after an event; returns the violations not reported before.
    pub fn check(&mut self, nodes: &[Node<Raft>], now: SimTime) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.watch.len() < nodes.len() {
            self.watch.resize(nodes.len(), Watch::default());
        }
        for node in nodes {
            self.check_node(node, now, &mut out);
        }
        out
    }

    /// As [`RaftChecker::check`] for one node (zero-based `index`), when no other node has
    /// changed since the last check: every check of a node is about that node's own change
    /// against the run's history, so an unchanged node has nothing new to report.
    pub fn check_one(
        &mut self,
        nodes: &[Node<Raft>],
        index: usize,
        now: SimTime,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.watch.len() < nodes.len() {
            self.watch.resize(nodes.len(), Watch::default());
        }
        self.check_node(&nodes[index], now, &mut out);
        out
    }

    fn check_node(&mut self, node: &Node<Raft>, now: SimTime, out: &mut Vec<Violation>) {
        let id = node.id;
        let d = &node.durable;
        let i = id.index();
        let w = self.watch[i].clone();
        let len = d.last_index();
        let role = node.volatile.as_ref().map(|v| v.role);
        let leading = (role == Some(Role::Leader)).then_some(d.current_term);
        let applied = node.volatile.as_ref().map_or(0, |v| v.last_applied);

        // Most events (heartbeats and their replies) change nothing the checks look at; every
        // check below compares with the last one and would find nothing new.
        if w.dirty.is_none()
            && d.current_term == w.term
            && len == w.len
            && leading == w.leading
            && applied == w.applied
        {
            return;
        }

        // Monotonic terms.
        if d.current_term < w.term {
            self.report(
                out,
                now,
                MONOTONIC_TERMS,
                (id.0 as u64, w.term),
                format!(
                    "node {id}'s term went down from {} to {}",
                    w.term, d.current_term
                ),
            );
        }

        // Which part of the log changed: what handlers said, or (if the log's length changed
        // without a word) everything past the shorter length.
        let mut from = w.dirty.unwrap_or(len + 1);
        if len != w.len {
            from = from.min(len.min(w.len) + 1);
        }

        // Leader Append-Only: a leader that stayed leader of the same term only appends.
        if leading.is_some() && leading == w.leading && (from <= w.len || len < w.len) {
            self.report(
                out,
                now,
                LEADER_APPEND_ONLY,
                (id.0 as u64, d.current_term),
                format!(
                    "node {id}, leader of term {}, changed its log at index {} (its log had {} \
                     entries and now has {len})",
                    d.current_term, from, w.len
                ),
            );
        }

        // Log Matching over the entries that changed.
        for index in from..=len {
            self.note_entry(d, id, index, now, out);
        }

        // Election Safety and Leader Completeness, when a node is first seen leading a term.
        if let Some(term) = leading {
            if w.leading != Some(term) {
                self.new_leader(d, id, term, now, out);
            }
        }

        // State Machine Safety and monotonic applied index.
        if node.up && applied < w.applied {
            self.report(
                out,
                now,
                MONOTONIC_APPLIED,
                (id.0 as u64, w.applied),
                format!(
                    "node {id}'s applied index went down from {} to {applied} while it ran",
                    w.applied
                ),
            );
        }
        if applied > w.applied {
            for index in w.applied + 1..=applied.min(len) {
                self.note_applied(d, id, index, now, out);
            }
        }

        let w = &mut self.watch[i];
        w.term = d.current_term;
        w.len = len;
        w.dirty = None;
        w.leading = leading;
        w.applied = applied;
    }

    fn note_entry(
        &mut self,
        d: &RaftDurable,
        id: NodeId,
        index: u64,
        now: SimTime,
        out: &mut Vec<Violation>,
    ) {
        let entry = *d.entry(index).expect("index within the log");
        let prev_term = d.term_at(index - 1).expect("previous index within the log");
        let slot = index as usize - 1;
        if self.seen.len() <= slot {
            self.seen.resize(slot + 1, Vec::new());
        }
        let found = self.seen[slot]
            .iter()
            .find(|s| s.entry.term == entry.term)
            .copied();
        match found {
            None => self.seen[slot].push(Seen {
                entry,
                prev_term,
                node: id,
            }),
            Some(s) if s.entry == entry && s.prev_term == prev_term => {}
            Some(s) => {
                let earlier = if s.node == id {
                    "earlier on the same node".to_string()
                } else {
                    format!("on node {}", s.node)
                };
                self.report(
                    out,
                    now,
                    LOG_MATCHING,
                    (index, entry.term),
                    format!(
                        "node {id} holds {entry} at index {index} after an entry of term \
                         {prev_term}, but the term-{} entry seen at index {index} {earlier} was \
                         {} after an entry of term {}",
                        entry.term, s.entry, s.prev_term
                    ),
                );
            }
        }
    }

    fn new_leader(
        &mut self,
        d: &RaftDurable,
        id: NodeId,
        term: Term,
        now: SimTime,
        out: &mut Vec<Violation>,
    ) {
        match self.leaders.binary_search_by_key(&term, |&(t, _)| t) {
            Ok(i) if self.leaders[i].1 != id => {
                let other = self.leaders[i].1;
                self.report(
                    out,
                    now,
                    ELECTION_SAFETY,
                    (term, 0),
                    format!("node {other} and node {id} were both leader of term {term}"),
                )
            }
            Ok(_) => {}
            Err(i) => self.leaders.insert(i, (term, id)),
        }
        let missing = self
            .applied
            .iter()
            .enumerate()
            .find(|(k, a)| a.term < term && d.entry(*k as u64 + 1) != Some(&a.entry))
            .map(|(k, a)| (k as u64 + 1, *a));
        if let Some((index, a)) = missing {
            let has = match d.entry(index) {
                Some(e) => format!("it has {e} there"),
                None => format!("its log ends at index {}", d.last_index()),
            };
            self.report(
                out,
                now,
                LEADER_COMPLETENESS,
                (term, index),
                format!(
                    "node {id} became leader of term {term} without the entry at index {index} \
                     ({}) that node {} applied as committed in term {}; {has}",
                    a.entry, a.node, a.term
                ),
            );
        }
    }

    fn note_applied(
        &mut self,
        d: &RaftDurable,
        id: NodeId,
        index: u64,
        now: SimTime,
        out: &mut Vec<Violation>,
    ) {
        let entry = *d.entry(index).expect("index within the log");
        let slot = index as usize - 1;
        if slot > self.applied.len() {
            // Only after a log was cut below its applied index (a broken run): nothing to
            // compare against yet, and a gap cannot be recorded.
            return;
        }
        if slot == self.applied.len() {
            self.applied.push(Applied {
                entry,
                term: d.current_term,
                node: id,
            });
            return;
        }
        let first = self.applied[slot];
        if first.entry != entry {
            self.report(
                out,
                now,
                STATE_MACHINE_SAFETY,
                (index, 0),
                format!(
                    "node {id} applied {entry} at index {index}, but node {} applied {} at that \
                     index",
                    first.node, first.entry
                ),
            );
        }
    }
}
