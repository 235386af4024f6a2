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
///
/// The window is a ring: once full, each new event is written over the oldest one in place,
/// so an event is copied once on its way in (a deque's pop-and-push moved every event several
/// times, and in WebAssembly each move of an event is a call to the memory-copy builtin). The
/// bytes of events for the digest are gathered in a batch and fed to the hasher a batch at a
/// time, for the same reason.
#[derive(Clone)]
pub struct Trace {
    /// The events, oldest at `start` once the ring is full (`start` is 0 until then).
    ring: Vec<TraceEvent>,
    start: usize,
    cap: usize,
    total: u64,
    /// The digest of every event except those whose bytes wait in `words` and `part`.
    digest: Xxh3,
    /// Whole 8-byte words of bytes not yet fed to the hasher, `filled` of them.
    words: Box<[[u8; 8]; WORDS]>,
    filled: usize,
    /// The bytes after the last whole word (0 to 7 of them), in the low `bits` bits of `part`,
    /// whose other bits are 0. Each word is written whole and once, at `filled`, from `part`
    /// and the new bytes: a few shifts, with no load back and no call to copy memory.
    part: u64,
    bits: u32,
}

/// Words of event bytes gathered before the hasher is fed (1 KiB).
const WORDS: usize = 128;

/// Words always left free in the batch for the numbers of one event (at most 6).
const NUM_WORDS: usize = 8;

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Trace({} events, {} kept)", self.total, self.ring.len())
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

/// The events of the window, oldest first.
#[derive(Clone, Debug)]
pub struct Events<'a> {
    older: std::slice::Iter<'a, TraceEvent>,
    newer: std::slice::Iter<'a, TraceEvent>,
}

impl<'a> Iterator for Events<'a> {
    type Item = &'a TraceEvent;

    fn next(&mut self) -> Option<Self::Item> {
        self.older.next().or_else(|| self.newer.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.older.len() + self.newer.len();
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Events<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.newer.next_back().or_else(|| self.older.next_back())
    }
}

impl ExactSizeIterator for Events<'_> {}

impl Trace {
    /// How many events the window keeps by default.
    pub const DEFAULT_CAP: usize = 50_000;

    /// An empty trace that keeps at most `cap` events.
    pub fn with_cap(cap: usize) -> Self {
        Trace {
            ring: Vec::new(),
            start: 0,
            cap: cap.max(1),
            total: 0,
            digest: Xxh3::new(),
            words: Box::new([[0; 8]; WORDS]),
            filled: 0,
            part: 0,
            bits: 0,
        }
    }

    /// Adds an event.
    pub fn push(&mut self, t: SimTime, kind: EventKind) {
        self.fold(t, &kind);
        let seq = self.total;
        self.total += 1;
        let len = self.ring.len();
        if len < self.cap {
            if len == self.ring.capacity() {
                // Grow by doubling, but never past the cap.
                self.ring.reserve_exact(len.max(64).min(self.cap - len));
            }
            self.ring.push(TraceEvent { t, seq, kind });
            return;
        }
        let slot = &mut self.ring[self.start];
        slot.t = t;
        slot.seq = seq;
        slot.kind = kind;
        self.start += 1;
        if self.start == len {
            self.start = 0;
        }
    }

    /// Events ever emitted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Events no longer in the window.
    pub fn dropped_before(&self) -> u64 {
        self.total - self.ring.len() as u64
    }

    /// The window's capacity.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The events in the window, oldest first.
    pub fn events(&self) -> Events<'_> {
        let (newer, older) = self.ring.split_at(self.start);
        Events {
            older: older.iter(),
            newer: newer.iter(),
        }
    }

    /// The hasher fed with every event so far.
    fn hasher(&self) -> Xxh3 {
        let mut h = self.digest.clone();
        h.update(&self.words.as_flattened()[..self.filled * 8]);
        h.update(&self.part.to_le_bytes()[..self.bits as usize / 8]);
        h
    }

    /// The digest of every event so far, as 16 hex digits.
    pub fn digest(&self) -> String {
        format!("{:016x}", self.hasher().digest())
    }

    /// A mark to cut back to.
    pub fn mark(&self) -> TraceMark {
        TraceMark {
            total: self.total,
            digest: self.hasher(),
        }
    }

    /// Cuts the trace back to `mark` (events after it are forgotten; the digest is restored).
    pub fn rewind(&mut self, mark: &TraceMark) {
        self.ring.rotate_left(self.start);
        self.start = 0;
        while self.ring.last().is_some_and(|e| e.seq >= mark.total) {
            self.ring.pop();
        }
        self.total = mark.total;
        self.digest = mark.digest.clone();
        (self.filled, self.part, self.bits) = (0, 0, 0);
    }

    /// The window as JSON Lines, one event per line.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for ev in self.events() {
            out.push_str(&super::json::to_string(ev));
            out.push('\n');
        }
        out
    }

    /// Feeds the whole words of the batch to the hasher (the bytes in `part` wait).
    fn flush(&mut self) {
        self.digest
            .update(&self.words.as_flattened()[..self.filled * 8]);
        self.filled = 0;
    }

    /// Appends the 8 bytes of `x`, little-endian, to the batch, which must have room.
    #[inline(always)]
    fn put(&mut self, x: u64) {
        self.words[self.filled] = (self.part | x << self.bits).to_le_bytes();
        // The bytes of `x` that did not fit: `x >> (64 - bits)`, or none when `bits` is 0
        // (written in two shifts, as a shift by 64 is not allowed).
        self.part = (x >> 1) >> (63 - self.bits);
        self.filled += 1;
    }

    /// Appends the low `len` bytes of `x` (1 to 7; its other bytes are 0) to the batch, which
    /// must have room.
    #[inline(always)]
    fn put_bytes(&mut self, x: u64, len: u32) {
        let bits = self.bits + 8 * len;
        let joined = self.part | x << self.bits;
        if bits >= 64 {
            self.words[self.filled] = joined.to_le_bytes();
            self.filled += 1;
            self.part = (x >> 1) >> (63 - self.bits);
            self.bits = bits - 64;
        } else {
            self.part = joined;
            self.bits = bits;
        }
    }

    /// Adds numbers to the digest's bytes, each as 8 little-endian bytes (there is room for
    /// [`NUM_WORDS`] words: `fold` made it).
    #[inline(always)]
    fn nums(&mut self, nums: &[u64]) {
        for &x in nums {
            self.put(x);
        }
    }

    /// Adds text to the digest's bytes.
    fn text(&mut self, s: &str) {
        let b = s.as_bytes();
        // Its whole words, and one more for its last bytes with those waiting in `part`.
        let need = b.len() / 8 + 1;
        if self.filled + need > WORDS {
            self.flush();
            if need > WORDS - NUM_WORDS {
                // A long text goes to the hasher in one piece, after the bytes before it.
                self.digest
                    .update(&self.part.to_le_bytes()[..self.bits as usize / 8]);
                (self.part, self.bits) = (0, 0);
                self.digest.update(b);
                return;
            }
        }
        let mut rest = b;
        while let Some((word, tail)) = rest.split_first_chunk::<8>() {
            self.put(u64::from_le_bytes(*word));
            rest = tail;
        }
        if !rest.is_empty() {
            let x = rest.iter().rev().fold(0, |x, &b| x << 8 | b as u64);
            self.put_bytes(x, rest.len() as u32);
        }
    }

    /// Adds one event's bytes to the digest: the time, a variant number and the fields, each
    /// number as 8 little-endian bytes, then any text.
    fn fold(&mut self, t: SimTime, kind: &EventKind) {
        use EventKind::*;
        if self.filled > WORDS - NUM_WORDS {
            self.flush();
        }
        let node = |n: &NodeId| n.0 as u64;
        match kind {
            Sent {
                msg,
                from,
                to,
                kind,
                arrive,
            } => {
                self.nums(&[t, 1, msg.0, node(from), node(to), *arrive]);
                self.text(kind);
            }
            Delivered { msg, from, to, .. } => self.nums(&[t, 2, msg.0, node(from), node(to)]),
            Dropped {
                msg,
                from,
                to,
                reason,
            } => self.nums(&[t, 3, msg.0, node(from), node(to), *reason as u64]),
            Duplicated { msg, copy } => self.nums(&[t, 4, msg.0, copy.0]),
            Held { msg } => self.nums(&[t, 5, msg.0]),
            Released { msg } => self.nums(&[t, 6, msg.0]),
            TimerFired { node: n } => self.nums(&[t, 7, node(n)]),
            Crashed { node: n } => self.nums(&[t, 8, node(n)]),
            Restarted { node: n } => self.nums(&[t, 9, node(n)]),
            NetworkChanged { what } => {
                self.nums(&[t, 10]);
                self.text(what);
            }
            Healed => self.nums(&[t, 11]),
            Commanded { node: n, what } => {
                self.nums(&[t, 12, node(n)]);
                self.text(what);
            }
            Note { node: n, tag, text } => {
                self.nums(&[t, 13, node(n)]);
                self.text(tag);
                self.text(text);
            }
            Violated { property, text } => {
                self.nums(&[t, 14]);
                self.text(property);
                self.text(text);
            }
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
    fn window_wraps_around_and_lists_in_order_both_ways() {
        let mut tr = Trace::with_cap(4);
        for i in 0..11 {
            tr.push(i, EventKind::TimerFired { node: NodeId(1) });
        }
        let seqs: Vec<u64> = tr.events().map(|e| e.seq).collect();
        assert_eq!(seqs, [7, 8, 9, 10]);
        let back: Vec<u64> = tr.events().rev().map(|e| e.seq).collect();
        assert_eq!(back, [10, 9, 8, 7]);
        let mut it = tr.events();
        assert_eq!(it.len(), 4);
        it.next();
        it.next_back();
        assert_eq!(it.len(), 2);
        assert_eq!(it.map(|e| e.t).collect::<Vec<_>>(), [8, 9]);
    }

    #[test]
    fn rewind_after_the_window_wrapped_keeps_the_older_events_in_order() {
        let mut tr = Trace::with_cap(5);
        for i in 0..8 {
            tr.push(i, EventKind::Healed);
        }
        let mark = tr.mark();
        let d = tr.digest();
        for i in 8..11 {
            tr.push(i, EventKind::Healed);
        }
        tr.rewind(&mark);
        assert_eq!(tr.digest(), d);
        assert_eq!(tr.total(), 8);
        let seqs: Vec<u64> = tr.events().map(|e| e.seq).collect();
        assert_eq!(seqs, [6, 7]);
        for i in 8..12 {
            tr.push(i, EventKind::Healed);
        }
        let seqs: Vec<u64> = tr.events().map(|e| e.seq).collect();
        assert_eq!(seqs, [7, 8, 9, 10, 11]);
    }

    /// Many events of every length, texts short and longer than the digest's batch: the digest
    /// is the hash of all their bytes in one piece, whichever way they were batched.
    #[test]
    fn digest_over_many_batches_equals_the_hash_of_all_bytes() {
        let mut tr = Trace::with_cap(7);
        let mut bytes = Vec::new();
        let num = |b: &mut Vec<u8>, x: u64| b.extend_from_slice(&x.to_le_bytes());
        for i in 0..3000u64 {
            let text = "abcdefghij".repeat((i % 7) as usize * (1 + (i % 131 == 0) as usize * 40));
            match i % 3 {
                0 => {
                    tr.push(
                        i,
                        EventKind::Sent {
                            msg: MsgId(i),
                            from: NodeId(1),
                            to: NodeId(2),
                            kind: &"Append"[..(i % 7) as usize],
                            arrive: i + 9,
                        },
                    );
                    for x in [i, 1, i, 1, 2, i + 9] {
                        num(&mut bytes, x);
                    }
                    bytes.extend_from_slice(&b"Append"[..(i % 7) as usize]);
                }
                1 => {
                    tr.push(
                        i,
                        EventKind::Note {
                            node: NodeId(3),
                            tag: "commit",
                            text: text.clone(),
                        },
                    );
                    for x in [i, 13, 3] {
                        num(&mut bytes, x);
                    }
                    bytes.extend_from_slice(b"commit");
                    bytes.extend_from_slice(text.as_bytes());
                }
                _ => {
                    tr.push(i, EventKind::Held { msg: MsgId(i) });
                    for x in [i, 5, i] {
                        num(&mut bytes, x);
                    }
                }
            }
            if i % 97 == 0 {
                let expected = xxhash_rust::xxh3::xxh3_64(&bytes);
                assert_eq!(tr.digest(), format!("{expected:016x}"), "after event {i}");
            }
        }
        let expected = xxhash_rust::xxh3::xxh3_64(&bytes);
        assert_eq!(tr.digest(), format!("{expected:016x}"));
    }

    /// A mark taken while the batch holds a partial word, then a rewind and other events: the
    /// digest is that of the bytes up to the mark followed by the new ones.
    #[test]
    fn rewind_with_bytes_waiting_continues_the_same_byte_stream() {
        let mut tr = Trace::default();
        let mut bytes = Vec::new();
        let sent = |tr: &mut Trace, bytes: &mut Vec<u8>, t: u64, kind: &'static str| {
            tr.push(
                t,
                EventKind::Sent {
                    msg: MsgId(t),
                    from: NodeId(1),
                    to: NodeId(2),
                    kind,
                    arrive: t,
                },
            );
            for x in [t, 1, t, 1, 2, t] {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
            bytes.extend_from_slice(kind.as_bytes());
        };
        for t in 0..200 {
            sent(&mut tr, &mut bytes, t, "Vote");
        }
        let mark = tr.mark();
        let kept = bytes.len();
        sent(&mut tr, &mut bytes, 500, "PreVoteReply");
        tr.rewind(&mark);
        bytes.truncate(kept);
        for t in 200..400 {
            sent(&mut tr, &mut bytes, t, "AppendEntries");
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
