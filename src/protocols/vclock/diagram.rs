//! The space-time diagram's model, built purely from the notebook, the trace and the messages in
//! flight: one line per node with its events as dots, arrows from each send to its receive,
//! arrows of messages still in flight drawn to "now", dropped messages ending in a cross, and
//! the spans when a node was down.
//!
//! The notebook knows events and which send each receive came from (the message carries its
//! send event); the engine numbers messages ([`MsgId`]) and writes their fate to the trace. The
//! two are joined here: each handler of this protocol sends at most one message, and the engine
//! writes its `Sent` right after the handler, so the original `Sent` trace events of one
//! (sender, receiver, time) match the notebook's send events of the same key in the same order.
//! Groups are aligned from their newest end, because both stores forget their oldest entries
//! first. Copies made by duplication are traced as `Duplicated { msg, copy }` before their own
//! `Sent`, and map to the send event of their original.

use super::clock::VectorClock;
use super::notebook::{EventId, EventType, Notebook};
use super::Chat;
use super::Vclock;
use crate::sim::time::format_time;
use crate::sim::{keysort, DropReason, EventKind, Flight, MsgId, NodeId, Sim, SimTime, Trace};
use serde::Serialize;

/// Everything the diagram draws for a window of time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagram {
    /// Number of node lines.
    pub nodes: u32,
    /// The present moment (where in-flight arrows end and the diagram's right edge is).
    pub now: SimTime,
    /// Events forgotten by the notebook (older than the oldest kept one).
    pub forgotten: u64,
    /// The events in the window, in the order they happened.
    pub events: Vec<DiagramEvent>,
    /// Messages whose arrow crosses the window (their send event is kept).
    pub arrows: Vec<Arrow>,
    /// Spans when a node was crashed, overlapping the window.
    pub outages: Vec<Outage>,
}

/// One dot on a node's line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiagramEvent {
    /// Its number.
    pub id: EventId,
    /// Its line.
    pub node: NodeId,
    /// When.
    pub t: SimTime,
    /// What it was.
    pub what: EventType,
    /// For a send, the message it sent; for a receive, the message that arrived (when known).
    pub msg: Option<MsgId>,
    /// Vector clock after the event.
    pub clock: VectorClock,
    /// Lamport clock after the event.
    pub lamport: u64,
    /// The hover text: `e12 at node 1, 1.234 s: send to node 3 (message #14); vector [2,0,1],
    /// Lamport 3`.
    pub label: String,
}

/// A message's arrow, from its send event to wherever it ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arrow {
    /// The engine's message number, when the trace still knows it.
    pub msg: Option<MsgId>,
    /// Sender's line.
    pub from: NodeId,
    /// Receiver's line.
    pub to: NodeId,
    /// The send event.
    pub send: EventId,
    /// When it was sent.
    pub sent_at: SimTime,
    /// Where the arrow ends.
    pub end: ArrowEnd,
}

/// Where an arrow ends.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum ArrowEnd {
    /// At a receive event on the receiver's line.
    Received {
        /// The receive event.
        event: EventId,
        /// When.
        at: SimTime,
    },
    /// Still travelling: draw it to "now", `progress` of the way (0 to 1) to the receiver.
    InFlight {
        /// Planned arrival.
        arrive: SimTime,
        /// Fraction of the way done.
        progress: f32,
        /// Frozen by a hold.
        held: bool,
    },
    /// Lost: draw a cross at the receiver's line at `at`.
    Dropped {
        /// When it was lost.
        at: SimTime,
        /// Why.
        reason: DropReason,
    },
}

impl Arrow {
    /// When the arrow ends on the time axis (`now` for a message in flight).
    pub fn end_time(&self, now: SimTime) -> SimTime {
        match self.end {
            ArrowEnd::Received { at, .. } | ArrowEnd::Dropped { at, .. } => at,
            ArrowEnd::InFlight { .. } => now,
        }
    }
}

/// A span when a node was down.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outage {
    /// The node.
    pub node: NodeId,
    /// Crash time (the trace window's first time when the crash itself was forgotten).
    pub from: SimTime,
    /// Restart time, `None` while still down.
    pub until: Option<SimTime>,
}

/// Message and event numbers joined, `u64` to `u64`, in a vector sorted by key rather than a
/// `BTreeMap` (one map type fewer in the wasm, issue 2). Built by [`IdMap::push`] then
/// [`IdMap::sorted`], or by [`IdMap::insert`]; as with a map's insert, a key given twice keeps
/// its last value.
#[derive(Default)]
struct IdMap(Vec<(u64, u64)>);

impl IdMap {
    fn find(&self, k: u64) -> Result<usize, usize> {
        self.0.binary_search_by_key(&k, |p| p.0)
    }

    fn get(&self, k: u64) -> Option<u64> {
        self.find(k).ok().map(|i| self.0[i].1)
    }

    fn insert(&mut self, k: u64, v: u64) {
        match self.find(k) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.0.insert(i, (k, v)),
        }
    }

    fn push(&mut self, k: u64, v: u64) {
        self.0.push((k, v));
    }

    /// Sorts the pushed pairs by key; of equal keys, the last pushed wins.
    fn sorted(mut self) -> Self {
        keysort::stable_sort_by_key(&mut self.0, |p| (p.0, 0));
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(self.0.len());
        for p in self.0 {
            match out.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => out.push(p),
            }
        }
        IdMap(out)
    }
}

/// Message numbers joined to the notebook's send and receive events.
struct Join {
    msg_to_send: IdMap,
    send_to_msg: IdMap,
    receive_to_msg: IdMap,
}

fn align<A: Copy, B: Copy>(older_first_a: &[A], older_first_b: &[B], mut pair: impl FnMut(A, B)) {
    for (a, b) in older_first_a.iter().rev().zip(older_first_b.iter().rev()) {
        pair(*a, *b);
    }
}

/// The groups' keys: (node, node, time) for sends, (node, time, send event) for receives, both
/// widened to one type, which keeps their order.
type Key = (u64, u64, u64);

/// Message or event numbers grouped by key: sorted by key, each key's numbers in the order
/// pushed (what a `BTreeMap<Key, Vec<_>>` held, without a map type in the wasm, issue 2).
#[derive(Default)]
struct Groups {
    keys: Vec<Key>,
    ids: Vec<u64>,
}

impl Groups {
    fn push(&mut self, k: Key, id: u64) {
        self.keys.push(k);
        self.ids.push(id);
    }

    /// Sorts by key, keeping the pushed order within a key: stable sorts by the key's last
    /// part, then its middle, then its first.
    fn sorted(self) -> Self {
        let mut pairs: Vec<(Key, u64)> = self.keys.into_iter().zip(self.ids).collect();
        for part in [2, 1, 0] {
            keysort::stable_sort_by_key(&mut pairs, |(k, _)| ([k.0, k.1, k.2][part], 0));
        }
        let (keys, ids) = pairs.into_iter().unzip();
        Groups { keys, ids }
    }

    /// The numbers pushed under `k`, in order (empty if none).
    fn get(&self, k: &Key) -> &[u64] {
        let lo = self.keys.partition_point(|x| x < k);
        let n = self.keys[lo..].partition_point(|x| x == k);
        &self.ids[lo..lo + n]
    }

    /// Each key with its numbers, by key.
    fn groups(&self) -> impl Iterator<Item = (&Key, &[u64])> {
        let mut i = 0;
        std::iter::from_fn(move || {
            let k = self.keys.get(i)?;
            let n = self.keys[i..].partition_point(|x| x == k);
            let group = (k, &self.ids[i..i + n]);
            i += n;
            Some(group)
        })
    }
}

fn join(nb: &Notebook, trace: &Trace) -> Join {
    let mut traced = Groups::default();
    // Copy to original message (copies are numbered as made, so inserts are mostly appends).
    let mut copy_of = IdMap::default();
    let mut delivered: Vec<(MsgId, NodeId, SimTime)> = Vec::new();
    for ev in trace.events() {
        match &ev.kind {
            EventKind::Duplicated { msg, copy } => {
                let root = copy_of.get(msg.0).unwrap_or(msg.0);
                copy_of.insert(copy.0, root);
            }
            EventKind::Sent { msg, from, to, .. } if copy_of.find(msg.0).is_err() => {
                traced.push((from.0.into(), to.0.into(), ev.t), msg.0);
            }
            EventKind::Delivered { msg, to, .. } => delivered.push((*msg, *to, ev.t)),
            _ => {}
        }
    }
    let (mut sends, mut receives) = (Groups::default(), Groups::default());
    for e in nb.events() {
        match e.what {
            EventType::Send { to } => sends.push((e.node.0.into(), to.0.into(), e.t), e.id.0),
            EventType::Receive { send, .. } => {
                receives.push((e.node.0.into(), e.t, send.0), e.id.0)
            }
            EventType::Local => {}
        }
    }
    let (traced, sends, receives) = (traced.sorted(), sends.sorted(), receives.sorted());
    let (mut msg_to_send, mut send_to_msg) = (IdMap::default(), IdMap::default());
    for (key, msgs) in traced.groups() {
        align(msgs, sends.get(key), |m, e| {
            msg_to_send.push(m, e);
            send_to_msg.push(e, m);
        });
    }
    let mut msg_to_send = msg_to_send.sorted();
    // Copies join their original's send (looked up among the originals only, as before).
    let copies: Vec<(u64, u64)> = copy_of
        .0
        .iter()
        .filter_map(|&(copy, root)| Some((copy, msg_to_send.get(root)?)))
        .collect();
    for (copy, e) in copies {
        msg_to_send.push(copy, e);
    }
    let msg_to_send = msg_to_send.sorted();
    let mut arrivals = Groups::default();
    for (msg, to, t) in delivered {
        if let Some(send) = msg_to_send.get(msg.0) {
            arrivals.push((to.0.into(), t, send), msg.0);
        }
    }
    let mut receive_to_msg = IdMap::default();
    for (key, msgs) in arrivals.sorted().groups() {
        align(msgs, receives.get(key), |m, e| receive_to_msg.push(e, m));
    }
    Join {
        msg_to_send,
        send_to_msg: send_to_msg.sorted(),
        receive_to_msg: receive_to_msg.sorted(),
    }
}

fn label(id: EventId, node: NodeId, t: SimTime, what: &EventType, msg: Option<MsgId>) -> String {
    let what_text = match (what, msg) {
        (EventType::Local, _) => "local event".to_string(),
        (EventType::Send { to }, Some(m)) => format!("send to node {to} (message #{m})"),
        (EventType::Receive { from, .. }, Some(m)) => {
            format!("receive from node {from} (message #{m})")
        }
        (other, None) => other.describe(),
    };
    format!("{id} at node {node}, {}: {what_text}", format_time(t))
}

/// Builds the diagram for the time window `[from, to]` (`None`: everything kept) from the
/// notebook (`sim.shared()`), the trace (`sim.trace()`) and the messages in flight
/// (`sim.flights()`), at time `now` (`sim.now()`).
pub fn build_diagram<'a>(
    nb: &Notebook,
    trace: &Trace,
    flights: impl IntoIterator<Item = &'a Flight<Chat>>,
    nodes: u32,
    now: SimTime,
    window: Option<(SimTime, SimTime)>,
) -> Diagram {
    let (lo, hi) = window.unwrap_or((0, SimTime::MAX));
    let j = join(nb, trace);
    let mut events = Vec::new();
    let mut arrows = Vec::new();
    let overlaps = |a: SimTime, b: SimTime| a <= hi && b >= lo;
    for e in nb.events() {
        let msg = match e.what {
            EventType::Send { .. } => j.send_to_msg.get(e.id.0).map(MsgId),
            EventType::Receive { .. } => j.receive_to_msg.get(e.id.0).map(MsgId),
            EventType::Local => None,
        };
        if let EventType::Receive { from, send } = e.what {
            if let Some(s) = nb.get(send) {
                if overlaps(s.t, e.t) {
                    arrows.push(Arrow {
                        msg,
                        from,
                        to: e.node,
                        send,
                        sent_at: s.t,
                        end: ArrowEnd::Received {
                            event: e.id,
                            at: e.t,
                        },
                    });
                }
            }
        }
        if (lo..=hi).contains(&e.t) {
            let mut text = label(e.id, e.node, e.t, &e.what, msg);
            text.push_str(&format!("; vector {}, Lamport {}", e.clock, e.lamport));
            events.push(DiagramEvent {
                id: e.id,
                node: e.node,
                t: e.t,
                what: e.what,
                msg,
                clock: e.clock.clone(),
                lamport: e.lamport,
                label: text,
            });
        }
    }
    let mut outages: Vec<Outage> = Vec::new();
    let trace_start = trace.events().next().map_or(0, |e| e.t);
    for ev in trace.events() {
        match &ev.kind {
            EventKind::Dropped {
                msg,
                from,
                to,
                reason,
            } => {
                let Some(send) = j.msg_to_send.get(msg.0).map(EventId) else {
                    continue;
                };
                let Some(s) = nb.get(send) else { continue };
                if overlaps(s.t, ev.t) {
                    arrows.push(Arrow {
                        msg: Some(*msg),
                        from: *from,
                        to: *to,
                        send,
                        sent_at: s.t,
                        end: ArrowEnd::Dropped {
                            at: ev.t,
                            reason: *reason,
                        },
                    });
                }
            }
            EventKind::Crashed { node } => outages.push(Outage {
                node: *node,
                from: ev.t,
                until: None,
            }),
            EventKind::Restarted { node } => {
                match outages
                    .iter_mut()
                    .rev()
                    .find(|o| o.node == *node && o.until.is_none())
                {
                    Some(o) => o.until = Some(ev.t),
                    None => outages.push(Outage {
                        node: *node,
                        from: trace_start,
                        until: Some(ev.t),
                    }),
                }
            }
            _ => {}
        }
    }
    outages.retain(|o| overlaps(o.from, o.until.unwrap_or(now)));
    for f in flights {
        let Some(s) = nb.get(f.msg.send) else {
            continue;
        };
        if overlaps(s.t, now) {
            arrows.push(Arrow {
                msg: Some(f.id),
                from: f.from,
                to: f.to,
                send: f.msg.send,
                sent_at: s.t,
                end: ArrowEnd::InFlight {
                    arrive: f.arrive,
                    progress: f.progress(now),
                    held: f.held_at.is_some(),
                },
            });
        }
    }
    Diagram {
        nodes,
        now,
        forgotten: nb.forgotten(),
        events,
        arrows,
        outages,
    }
}

/// The diagram of a running sim for the time window `[from, to]` (`None`: everything kept).
pub fn diagram_of(sim: &Sim<Vclock>, window: Option<(SimTime, SimTime)>) -> Diagram {
    build_diagram(
        sim.shared(),
        sim.trace(),
        sim.flights(),
        sim.n(),
        sim.now(),
        window,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Keys with many ties in every part, so the stable passes are exercised.
    fn data() -> Vec<(Key, u64)> {
        let mut state = 12345u64;
        (0..400)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = state >> 33;
                ((r % 3, (r >> 4) % 4 * (u64::MAX / 3), (r >> 8) % 5), i)
            })
            .collect()
    }

    #[test]
    fn groups_hold_what_a_map_of_vectors_held() {
        let mut map: BTreeMap<Key, Vec<u64>> = BTreeMap::new();
        let mut groups = Groups::default();
        for (k, id) in data() {
            map.entry(k).or_default().push(id);
            groups.push(k, id);
        }
        let groups = groups.sorted();
        let ours: Vec<(Key, Vec<u64>)> = groups.groups().map(|(k, v)| (*k, v.to_vec())).collect();
        let theirs: Vec<(Key, Vec<u64>)> = map.iter().map(|(k, v)| (*k, v.clone())).collect();
        assert_eq!(ours, theirs);
        for (k, v) in &map {
            assert_eq!(groups.get(k), v.as_slice());
        }
        assert!(groups.get(&(7, 0, 0)).is_empty());
        assert!(Groups::default().sorted().groups().next().is_none());
    }

    #[test]
    fn id_maps_act_as_maps_whose_last_insert_wins() {
        let mut map: BTreeMap<u64, u64> = BTreeMap::new();
        let (mut pushed, mut inserted) = (IdMap::default(), IdMap::default());
        for ((k, _, _), v) in data() {
            map.insert(k * 7 + v % 3, v);
            pushed.push(k * 7 + v % 3, v);
            inserted.insert(k * 7 + v % 3, v);
        }
        let pushed = pushed.sorted();
        let theirs: Vec<(u64, u64)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(pushed.0, theirs);
        assert_eq!(inserted.0, theirs);
        for k in 0..30 {
            assert_eq!(pushed.get(k), map.get(&k).copied());
        }
    }
}
