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

/// The bytes of one event for the digest, gathered on the stack so the hasher is fed once per
/// event (feeding it field by field cost more than the hashing itself). The encoding is the
/// same as ever: the time, a variant number and the fields, each number as 8 little-endian
/// bytes, then any text.
struct Encoder {
    words: [[u8; 8]; Encoder::WORDS],
    len: usize,
}

impl Encoder {
    const WORDS: usize = 8;

    /// Starts with the fixed numbers of an event (at most [`Encoder::WORDS`] of them).
    #[inline(always)]
    fn new<const N: usize>(nums: [u64; N]) -> Self {
        let mut words = [[0; 8]; Self::WORDS];
        let mut k = 0;
        while k < N {
            words[k] = nums[k].to_le_bytes();
            k += 1;
        }
        Encoder { words, len: N * 8 }
    }

    fn text(&mut self, h: &mut Xxh3, s: &str) {
        let b = s.as_bytes();
        let buf = self.words.as_flattened_mut();
        if let Some(room) = buf.get_mut(self.len..self.len + b.len()) {
            room.copy_from_slice(b);
            self.len += b.len();
        } else {
            self.flush(h);
            h.update(b);
        }
    }

    fn flush(&mut self, h: &mut Xxh3) {
        if self.len > 0 {
            h.update(&self.words.as_flattened()[..self.len]);
            self.len = 0;
        }
    }
}

fn fold(h: &mut Xxh3, ev: &TraceEvent) {
    use EventKind::*;
    let t = ev.t;
    let node = |n: &NodeId| n.0 as u64;
    let mut e = match &ev.kind {
        Sent {
            msg,
            from,
            to,
            kind,
            arrive,
        } => {
            let mut e = Encoder::new([t, 1, msg.0, node(from), node(to), *arrive]);
            e.text(h, kind);
            e
        }
        Delivered { msg, from, to, .. } => Encoder::new([t, 2, msg.0, node(from), node(to)]),
        Dropped {
            msg,
            from,
            to,
            reason,
        } => Encoder::new([t, 3, msg.0, node(from), node(to), *reason as u64]),
        Duplicated { msg, copy } => Encoder::new([t, 4, msg.0, copy.0]),
        Held { msg } => Encoder::new([t, 5, msg.0]),
        Released { msg } => Encoder::new([t, 6, msg.0]),
        TimerFired { node: n } => Encoder::new([t, 7, node(n)]),
        Crashed { node: n } => Encoder::new([t, 8, node(n)]),
        Restarted { node: n } => Encoder::new([t, 9, node(n)]),
        NetworkChanged { what } => {
            let mut e = Encoder::new([t, 10]);
            e.text(h, what);
            e
        }
        Healed => Encoder::new([t, 11]),
        Commanded { node: n, what } => {
            let mut e = Encoder::new([t, 12, node(n)]);
            e.text(h, what);
            e
        }
        Note { node: n, tag, text } => {
            let mut e = Encoder::new([t, 13, node(n)]);
            e.text(h, tag);
            e.text(h, text);
            e
        }
        Violated { property, text } => {
            let mut e = Encoder::new([t, 14]);
            e.text(h, property);
            e.text(h, text);
            e
        }
    };
    e.flush(h);
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

    /// The digest is xxh3-64 of every event's bytes in a row: the time, the variant's number and
    /// each number field as 8 little-endian bytes, then its text. Pinned here so that faster
    /// ways of feeding the hasher cannot change the digests of recorded runs.
    #[test]
    fn digest_is_xxh3_of_the_documented_encoding() {
        let long = "x".repeat(200);
        let mut tr = Trace::default();
        tr.push(
            5,
            EventKind::Sent {
                msg: MsgId(3),
                from: NodeId(1),
                to: NodeId(2),
                kind: "AppendEntries",
                arrive: 12_000,
            },
        );
        tr.push(
            6,
            EventKind::Note {
                node: NodeId(4),
                tag: "leader",
                text: long.clone(),
            },
        );
        tr.push(7, EventKind::Healed);
        let mut bytes = Vec::new();
        let num = |b: &mut Vec<u8>, x: u64| b.extend_from_slice(&x.to_le_bytes());
        for x in [5, 1, 3, 1, 2, 12_000] {
            num(&mut bytes, x);
        }
        bytes.extend_from_slice(b"AppendEntries");
        for x in [6, 13, 4] {
            num(&mut bytes, x);
        }
        bytes.extend_from_slice(b"leader");
        bytes.extend_from_slice(long.as_bytes());
        for x in [7, 11] {
            num(&mut bytes, x);
        }
        let expected = xxhash_rust::xxh3::xxh3_64(&bytes);
        assert_eq!(tr.digest(), format!("{expected:016x}"));
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
