//! The trace: every event of a run with its simulated time, kept in a bounded window, plus a
//! running digest over all events ever emitted (so two runs can be compared byte for byte
//! without keeping them).
//!
//! The window keeps the newest [`Trace::DEFAULT_CAP`] events (50,000); older ones are dropped
//! and counted in [`Trace::dropped_before`]. The digest is xxh3-64 over a fixed little-endian
//! encoding of each event, the same on every platform.

use super::ids::{MsgId, NodeId};
use super::time::SimTime;
use serde::Serialize;
use std::collections::VecDeque;
use xxhash_rust::xxh3::Xxh3;

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random loss (network or lossy link).
    Lost,
    /// A cut link.
    Cut,
    /// A partition between sender and receiver.
    Partitioned,
    /// The receiver was down when it arrived.
    ReceiverDown,
    /// Dropped by a user.
    ByUser,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A message left its sender; it arrives at `arrive` unless something stops it.
    Sent {
        /// Message.
        msg: MsgId,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Message kind.
        kind: &'static str,
        /// Planned arrival.
        arrive: SimTime,
    },
    /// A message reached its receiver.
    Delivered {
        /// Message.
        msg: MsgId,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Message kind.
        kind: &'static str,
    },
    /// A message was lost.
    Dropped {
        /// Message.
        msg: MsgId,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Why.
        reason: DropReason,
    },
    /// A message got a second copy.
    Duplicated {
        /// Original.
        msg: MsgId,
        /// The copy.
        copy: MsgId,
    },
    /// A message was frozen.
    Held {
        /// Message.
        msg: MsgId,
    },
    /// A frozen message continues.
    Released {
        /// Message.
        msg: MsgId,
    },
    /// A timer fired.
    TimerFired {
        /// Node.
        node: NodeId,
    },
    /// A node crashed.
    Crashed {
        /// Node.
        node: NodeId,
    },
    /// A node restarted.
    Restarted {
        /// Node.
        node: NodeId,
    },
    /// A partition, link or network change.
    NetworkChanged {
        /// In words.
        what: String,
    },
    /// The network healed.
    Healed,
    /// A user's protocol command.
    Commanded {
        /// Node.
        node: NodeId,
        /// In words.
        what: String,
    },
    /// A protocol's notable change (role, commit, membership).
    Note {
        /// Node.
        node: NodeId,
        /// Short tag.
        tag: &'static str,
        /// Words.
        text: String,
    },
    /// A safety property broke.
    Violated {
        /// Property name.
        property: &'static str,
        /// Words.
        text: String,
    },
}

/// One event with its time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Simulated microseconds.
    pub t: SimTime,
    /// Sequence number among all events of the run, from 0.
    pub seq: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The bounded window of recent events and the digest of all of them.
#[derive(Clone)]
pub struct Trace {
    window: VecDeque<TraceEvent>,
    cap: usize,
    total: u64,
    digest: Xxh3,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Trace({} events, {} kept)",
            self.total,
            self.window.len()
        )
    }
}

impl Default for Trace {
    fn default() -> Self {
        Trace::with_cap(Self::DEFAULT_CAP)
    }
}

/// A point to which a trace can be cut back (taken with a checkpoint).
#[derive(Clone)]
pub struct TraceMark {
    total: u64,
    digest: Xxh3,
}

impl Trace {
    /// How many events the window keeps by default.
    pub const DEFAULT_CAP: usize = 50_000;

    /// An empty trace that keeps at most `cap` events.
    pub fn with_cap(cap: usize) -> Self {
        Trace {
            window: VecDeque::new(),
            cap: cap.max(1),
            total: 0,
            digest: Xxh3::new(),
        }
    }

    /// Adds an event.
    pub fn push(&mut self, t: SimTime, kind: EventKind) {
        let ev = TraceEvent {
            t,
            seq: self.total,
            kind,
        };
        fold(&mut self.digest, &ev);
        self.total += 1;
        if self.window.len() == self.cap {
            self.window.pop_front();
        }
        self.window.push_back(ev);
    }

    /// Events ever emitted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Events no longer in the window.
    pub fn dropped_before(&self) -> u64 {
        self.total - self.window.len() as u64
    }

    /// The window's capacity.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The events in the window, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &TraceEvent> + ExactSizeIterator {
        self.window.iter()
    }

    /// The digest of every event so far, as 16 hex digits.
    pub fn digest(&self) -> String {
        format!("{:016x}", self.digest.digest())
    }

    /// A mark to cut back to.
    pub fn mark(&self) -> TraceMark {
        TraceMark {
            total: self.total,
            digest: self.digest.clone(),
        }
    }

    /// Cuts the trace back to `mark` (events after it are forgotten; the digest is restored).
    pub fn rewind(&mut self, mark: &TraceMark) {
        while self.window.back().is_some_and(|e| e.seq >= mark.total) {
            self.window.pop_back();
        }
        self.total = mark.total;
        self.digest = mark.digest.clone();
    }

    /// The window as JSON Lines, one event per line.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for ev in &self.window {
            out.push_str(&serde_json::to_string(ev).expect("trace events serialise"));
            out.push('\n');
        }
        out
    }
}

fn fold(h: &mut Xxh3, ev: &TraceEvent) {
    let mut w = |x: u64| h.update(&x.to_le_bytes());
    w(ev.t);
    use EventKind::*;
    match &ev.kind {
        Sent {
            msg,
            from,
            to,
            kind,
            arrive,
        } => {
            w(1);
            w(msg.0);
            w(from.0 as u64);
            w(to.0 as u64);
            w(*arrive);
            h.update(kind.as_bytes());
        }
        Delivered { msg, from, to, .. } => {
            w(2);
            w(msg.0);
            w(from.0 as u64);
            w(to.0 as u64);
        }
        Dropped {
            msg,
            from,
            to,
            reason,
        } => {
            w(3);
            w(msg.0);
            w(from.0 as u64);
            w(to.0 as u64);
            w(*reason as u64);
        }
        Duplicated { msg, copy } => {
            w(4);
            w(msg.0);
            w(copy.0);
        }
        Held { msg } => {
            w(5);
            w(msg.0);
        }
        Released { msg } => {
            w(6);
            w(msg.0);
        }
        TimerFired { node } => {
            w(7);
            w(node.0 as u64);
        }
        Crashed { node } => {
            w(8);
            w(node.0 as u64);
        }
        Restarted { node } => {
            w(9);
            w(node.0 as u64);
        }
        NetworkChanged { what } => {
            w(10);
            h.update(what.as_bytes());
        }
        Healed => w(11),
        Commanded { node, what } => {
            w(12);
            w(node.0 as u64);
            h.update(what.as_bytes());
        }
        Note { node, tag, text } => {
            w(13);
            w(node.0 as u64);
            h.update(tag.as_bytes());
            h.update(text.as_bytes());
        }
        Violated { property, text } => {
            w(14);
            h.update(property.as_bytes());
            h.update(text.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_newest_events_up_to_its_cap() {
        let mut tr = Trace::with_cap(3);
        for i in 0..10 {
            tr.push(i, EventKind::TimerFired { node: NodeId(1) });
        }
        assert_eq!(tr.total(), 10);
        assert_eq!(tr.events().len(), 3);
        assert_eq!(tr.events().next().unwrap().seq, 7);
        assert_eq!(tr.dropped_before(), 7);
    }

    #[test]
    fn rewind_restores_the_digest() {
        let mut tr = Trace::default();
        tr.push(1, EventKind::Healed);
        let mark = tr.mark();
        let d = tr.digest();
        tr.push(2, EventKind::Healed);
        assert_ne!(tr.digest(), d);
        tr.rewind(&mark);
        assert_eq!(tr.digest(), d);
        assert_eq!(tr.events().len(), 1);
    }
}
