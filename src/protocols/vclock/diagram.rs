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
use crate::sim::{DropReason, EventKind, Flight, MsgId, NodeId, Sim, SimTime, Trace};
use serde::Serialize;
use std::collections::BTreeMap;

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

/// Message numbers joined to the notebook's send and receive events.
#[derive(Default)]
struct Join {
    msg_to_send: BTreeMap<MsgId, EventId>,
    send_to_msg: BTreeMap<EventId, MsgId>,
    receive_to_msg: BTreeMap<EventId, MsgId>,
}

fn align<A: Copy, B: Copy>(older_first_a: &[A], older_first_b: &[B], mut pair: impl FnMut(A, B)) {
    for (a, b) in older_first_a.iter().rev().zip(older_first_b.iter().rev()) {
        pair(*a, *b);
    }
}

/// The maps' keys: (node, node, time) for sends, (node, time, send event) for receives, both
/// widened to one type so the four maps share one `BTreeMap` instantiation (issue 2); the
/// widening keeps their order.
type Key = (u64, u64, u64);

fn join(nb: &Notebook, trace: &Trace) -> Join {
    let mut traced: BTreeMap<Key, Vec<MsgId>> = BTreeMap::new();
    let mut copy_of: BTreeMap<MsgId, MsgId> = BTreeMap::new();
    let mut delivered: Vec<(MsgId, NodeId, SimTime)> = Vec::new();
    for ev in trace.events() {
        match &ev.kind {
            EventKind::Duplicated { msg, copy } => {
                let root = copy_of.get(msg).copied().unwrap_or(*msg);
                copy_of.insert(*copy, root);
            }
            EventKind::Sent { msg, from, to, .. } if !copy_of.contains_key(msg) => {
                traced
                    .entry((from.0.into(), to.0.into(), ev.t))
                    .or_default()
                    .push(*msg);
            }
            EventKind::Delivered { msg, to, .. } => delivered.push((*msg, *to, ev.t)),
            _ => {}
        }
    }
    let mut sends: BTreeMap<Key, Vec<EventId>> = BTreeMap::new();
    let mut receives: BTreeMap<Key, Vec<EventId>> = BTreeMap::new();
    for e in nb.events() {
        match e.what {
            EventType::Send { to } => sends
                .entry((e.node.0.into(), to.0.into(), e.t))
                .or_default()
                .push(e.id),
            EventType::Receive { send, .. } => receives
                .entry((e.node.0.into(), e.t, send.0))
                .or_default()
                .push(e.id),
            EventType::Local => {}
        }
    }
    let mut j = Join::default();
    for (key, msgs) in &traced {
        if let Some(events) = sends.get(key) {
            align(msgs, events, |m, e| {
                j.msg_to_send.insert(m, e);
                j.send_to_msg.insert(e, m);
            });
        }
    }
    for (copy, root) in &copy_of {
        if let Some(&e) = j.msg_to_send.get(root) {
            j.msg_to_send.insert(*copy, e);
        }
    }
    let mut arrivals: BTreeMap<Key, Vec<MsgId>> = BTreeMap::new();
    for (msg, to, t) in delivered {
        if let Some(&send) = j.msg_to_send.get(&msg) {
            arrivals
                .entry((to.0.into(), t, send.0))
                .or_default()
                .push(msg);
        }
    }
    for (key, msgs) in &arrivals {
        if let Some(events) = receives.get(key) {
            align(msgs, events, |m, e| {
                j.receive_to_msg.insert(e, m);
            });
        }
    }
    j
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
            EventType::Send { .. } => j.send_to_msg.get(&e.id).copied(),
            EventType::Receive { .. } => j.receive_to_msg.get(&e.id).copied(),
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
                let Some(&send) = j.msg_to_send.get(msg) else {
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
