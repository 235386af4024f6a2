//! Causality queries on the notebook: an event's causal past, future and concurrent set, and the
//! relation between two events with its proof in words, beside what a Lamport clock can tell.
//!
//! Everything is read off the vector clocks (e → f iff VC(e) < VC(f)); the property test
//! `tests/vclock_causality_property.rs` checks that this equals reachability in the
//! space-time graph.

use super::clock::{explain, VectorClock};
use super::notebook::{Event, EventId, Notebook};
use crate::sim::NodeId;
use serde::Serialize;
use std::cmp::Ordering;

/// An event's causal neighbourhood among the kept events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CausalSets {
    /// The chosen event.
    pub event: EventId,
    /// Kept events that happened before it, oldest first.
    pub past: Vec<EventId>,
    /// Kept events that happened after it, oldest first.
    pub future: Vec<EventId>,
    /// Kept events concurrent with it, oldest first.
    pub concurrent: Vec<EventId>,
    /// Per node, how far its history reaches into the chosen event's past and future (for
    /// highlighting nodes in the cluster picture).
    pub nodes: Vec<NodeReach>,
}

/// How one node's events relate to a chosen event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeReach {
    /// The node.
    pub node: NodeId,
    /// Its first this-many events are in the chosen event's past (or are the event itself).
    pub past_upto: u32,
    /// Its events from this count on are in the chosen event's future (`None`: none kept yet).
    pub future_from: Option<u32>,
}

/// How two events are related.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The same event.
    Same,
    /// The first happened before the second.
    HappenedBefore,
    /// The first happened after the second.
    HappenedAfter,
    /// Neither happened before the other.
    Concurrent,
}

impl Relation {
    /// The relation of two vector clocks.
    pub fn of(a: &VectorClock, b: &VectorClock) -> Relation {
        match a.partial_cmp(b) {
            Some(Ordering::Equal) => Relation::Same,
            Some(Ordering::Less) => Relation::HappenedBefore,
            Some(Ordering::Greater) => Relation::HappenedAfter,
            None => Relation::Concurrent,
        }
    }

    /// In words: "happened before", "happened after", "is concurrent with", "is the same as".
    pub fn words(self) -> &'static str {
        match self {
            Relation::Same => "is the same event as",
            Relation::HappenedBefore => "happened before",
            Relation::HappenedAfter => "happened after",
            Relation::Concurrent => "is concurrent with",
        }
    }
}

/// Two events compared, with the proof and the Lamport view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The first event.
    pub a: EventId,
    /// The second event.
    pub b: EventId,
    /// How `a` relates to `b`.
    pub relation: Relation,
    /// One sentence: "e3 happened before e9".
    pub headline: String,
    /// The component-wise comparison that proves it, in words.
    pub proof: String,
    /// What the two Lamport clocks say, and what they cannot tell.
    pub lamport: String,
}

fn kept(nb: &Notebook, id: EventId) -> Result<&Event, String> {
    nb.get(id).ok_or_else(|| match nb.first_kept() {
        Some(first) if id < first => format!(
            "event {id} is no longer kept: the diagram keeps the newest {} events, from {first}",
            Notebook::CAP
        ),
        _ => format!("there is no event {id} (events so far: {})", nb.total()),
    })
}

/// The causal past, future and concurrent set of event `id`; `Err` in words when it is unknown
/// or no longer kept.
pub fn causal_sets(nb: &Notebook, id: EventId) -> Result<CausalSets, String> {
    let chosen = kept(nb, id)?;
    let n = chosen.clock.len();
    let (mut past, mut future, mut concurrent) = (Vec::new(), Vec::new(), Vec::new());
    let mut future_from: Vec<Option<u32>> = vec![None; n as usize];
    for e in nb.events() {
        match e.clock.partial_cmp(&chosen.clock) {
            Some(Ordering::Less) => past.push(e.id),
            Some(Ordering::Greater) => {
                future.push(e.id);
                let slot = &mut future_from[e.node.index()];
                if slot.is_none() {
                    *slot = Some(e.own_count());
                }
            }
            Some(Ordering::Equal) => {}
            None => concurrent.push(e.id),
        }
    }
    let nodes = (1..=n)
        .map(|i| NodeReach {
            node: NodeId(i),
            past_upto: chosen.clock.get(NodeId(i)),
            future_from: future_from[(i - 1) as usize],
        })
        .collect();
    Ok(CausalSets {
        event: id,
        past,
        future,
        concurrent,
        nodes,
    })
}

/// The relation between events `a` and `b` with its proof in words and what Lamport clocks
/// say; `Err` in words when either is unknown or no longer kept.
pub fn compare_events(nb: &Notebook, a: EventId, b: EventId) -> Result<Comparison, String> {
    let ea = kept(nb, a)?;
    let eb = kept(nb, b)?;
    let (an, bn) = (a.to_string(), b.to_string());
    let relation = Relation::of(&ea.clock, &eb.clock);
    let proof = explain(&ea.clock, &eb.clock, &an, &bn);
    let lamport = lamport_view(ea.lamport, eb.lamport, &an, &bn, relation);
    Ok(Comparison {
        a,
        b,
        relation,
        headline: format!("{an} {} {bn}", relation.words()),
        proof,
        lamport,
    })
}

fn lamport_view(la: u64, lb: u64, a: &str, b: &str, rel: Relation) -> String {
    let truth = match rel {
        Relation::Same => return format!("Lamport {la} = {lb}: the same event"),
        Relation::HappenedBefore => format!("the vectors show {a} happened before {b}"),
        Relation::HappenedAfter => format!("the vectors show {b} happened before {a}"),
        Relation::Concurrent => "the vectors show they are concurrent".to_string(),
    };
    let (lo, hi, l_lo, l_hi) = if la <= lb {
        (a, b, la, lb)
    } else {
        (b, a, lb, la)
    };
    if la == lb {
        format!(
            "Lamport {la} = {lb}: equal Lamport clocks at different events mean neither happened \
             before the other, but only because they tie; {truth}"
        )
    } else {
        format!(
            "Lamport {l_lo} < {l_hi} only rules out {hi} happening before {lo}; a scalar clock \
             cannot tell whether {lo} happened before {hi} or they are concurrent: {truth}"
        )
    }
}
