//! The observer's notebook for vector clocks: every logged event (who, when, what, its vector
//! and Lamport clocks), kept in a bounded store that is cheap to clone.
//!
//! The store keeps the newest [`Notebook::CAP`] events (20,000); older ones are forgotten and
//! counted. It is cloned into every checkpoint (up to 128), so events live in immutable chunks
//! of [`CHUNK`] behind `Arc`: a clone copies a list of about 80 pointers and the unfinished tail
//! chunk, never the events themselves. Forgetting advances an offset into the oldest chunk and
//! releases the chunk when it is used up. (A persistent vector crate would do too; whole chunks
//! behind `Arc` need no dependency and make eviction trivial.)

use super::clock::VectorClock;
use crate::sim::{NodeId, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// Events per immutable chunk of the store.
pub const CHUNK: usize = 256;

/// An event's number: events are numbered 1, 2, 3, ... in the order they happen in the run,
/// which is always a linear extension of happened-before.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub u64);

impl fmt::Display for EventId {
    /// `e12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e{}", self.0)
    }
}

/// What an event was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventType {
    /// Something happened inside the node.
    Local,
    /// The node sent a message to `to`.
    Send {
        /// Receiver.
        to: NodeId,
    },
    /// The node received the message sent by event `send` of node `from` (a duplicate delivery
    /// is a second receive of the same send).
    Receive {
        /// Sender.
        from: NodeId,
        /// The send event that the message came from.
        send: EventId,
    },
}

impl EventType {
    /// The event in words: "local event", "send to node 3", "receive from node 2 (sent at e7)".
    pub fn describe(&self) -> String {
        match self {
            EventType::Local => "local event".into(),
            EventType::Send { to } => format!("send to node {to}"),
            EventType::Receive { from, send } => {
                format!("receive from node {from} (sent at {send})")
            }
        }
    }
}

/// One logged event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Its number in the run.
    pub id: EventId,
    /// Where it happened.
    pub node: NodeId,
    /// When, in simulated microseconds.
    pub t: SimTime,
    /// What it was.
    pub what: EventType,
    /// The node's vector clock right after the event.
    pub clock: VectorClock,
    /// The node's Lamport clock right after the event.
    pub lamport: u64,
}

impl Event {
    /// The event's position among its node's events: 1 for the node's first event.
    pub fn own_count(&self) -> u32 {
        self.clock.get(self.node)
    }
}

/// The bounded, cheaply cloned log of events, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Notebook {
    chunks: VecDeque<Arc<[Event]>>,
    tail: Vec<Event>,
    skip: usize,
    len: usize,
    total: u64,
}

impl Notebook {
    /// Most events kept; older ones are forgotten (and counted in [`Notebook::forgotten`]).
    pub const CAP: usize = 20_000;

    /// Logs an event at `node`, numbering it; returns its number.
    pub fn record(
        &mut self,
        node: NodeId,
        t: SimTime,
        what: EventType,
        clock: VectorClock,
        lamport: u64,
    ) -> EventId {
        self.total += 1;
        let id = EventId(self.total);
        self.tail.push(Event {
            id,
            node,
            t,
            what,
            clock,
            lamport,
        });
        self.len += 1;
        if self.tail.len() == CHUNK {
            let full: Arc<[Event]> = std::mem::take(&mut self.tail).into();
            self.chunks.push_back(full);
        }
        if self.len > Self::CAP {
            self.len -= 1;
            self.skip += 1;
            if self.skip == CHUNK {
                self.chunks.pop_front();
                self.skip = 0;
            }
        }
        id
    }

    /// Events ever logged (the number of the newest event).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Events no longer kept.
    pub fn forgotten(&self) -> u64 {
        self.total - self.len as u64
    }

    /// Number of events kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of the oldest kept event, if any.
    pub fn first_kept(&self) -> Option<EventId> {
        (self.len > 0).then(|| EventId(self.forgotten() + 1))
    }

    /// The event numbered `id`, if it is still kept.
    pub fn get(&self, id: EventId) -> Option<&Event> {
        let first = self.forgotten() + 1;
        if id.0 < first || id.0 > self.total {
            return None;
        }
        let pos = (id.0 - first) as usize + self.skip;
        let in_chunks = self.chunks.len() * CHUNK;
        let ev = if pos < in_chunks {
            &self.chunks[pos / CHUNK][pos % CHUNK]
        } else {
            &self.tail[pos - in_chunks]
        };
        debug_assert_eq!(ev.id, id, "notebook index arithmetic is off");
        Some(ev)
    }

    /// The kept events, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &Event> + '_ {
        let skip = self.skip;
        self.chunks
            .iter()
            .enumerate()
            .flat_map(move |(i, c)| c[if i == 0 { skip } else { 0 }..].iter())
            .chain(self.tail.iter())
    }

    /// The newest kept event of `node`, if any.
    pub fn last_of(&self, node: NodeId) -> Option<&Event> {
        self.events().rev().find(|e| e.node == node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_exactly_the_newest_cap_events_and_finds_them_by_number() {
        let mut nb = Notebook::default();
        let extra = 3 * CHUNK as u64 + 17;
        for i in 0..Notebook::CAP as u64 + extra {
            nb.record(
                NodeId(1),
                i,
                EventType::Local,
                VectorClock::from_entries(vec![i as u32 + 1]),
                i + 1,
            );
        }
        assert_eq!(nb.len(), Notebook::CAP);
        assert_eq!(nb.forgotten(), extra);
        assert_eq!(nb.first_kept(), Some(EventId(extra + 1)));
        assert!(nb.get(EventId(extra)).is_none());
        assert_eq!(nb.get(EventId(extra + 1)).unwrap().t, extra);
        assert_eq!(nb.get(EventId(nb.total())).unwrap().id, EventId(nb.total()));
        let ids: Vec<u64> = nb.events().map(|e| e.id.0).collect();
        assert_eq!(ids.len(), Notebook::CAP);
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
        // A clone shares the full chunks instead of copying events.
        let copy = nb.clone();
        assert!(Arc::ptr_eq(&copy.chunks[0], &nb.chunks[0]));
    }
}
