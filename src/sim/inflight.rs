//! The messages in flight: slots reused through a free list, so a send and a delivery cost a
//! few instructions and no allocation once the run is warm, linked in send order so the
//! messages can be listed oldest first without sorting.

use super::engine::{Flight, FlightHead};
use super::ids::MsgId;

/// No slot.
const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Slot<M> {
    flight: Option<Flight<M>>,
    prev: u32,
    next: u32,
}

/// Messages in flight, each in a numbered slot that stays its own until it is removed.
#[derive(Clone, Debug)]
pub(crate) struct InFlight<M> {
    slots: Vec<Slot<M>>,
    free: Vec<u32>,
    head: u32,
    tail: u32,
}

impl<M> Default for InFlight<M> {
    fn default() -> Self {
        InFlight {
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
        }
    }
}

impl<M> InFlight<M> {
    /// Adds a message after every other one; returns its slot.
    #[inline(always)]
    pub(crate) fn push(&mut self, flight: Flight<M>) -> u32 {
        let slot = Slot {
            flight: Some(flight),
            prev: self.tail,
            next: NIL,
        };
        let k = match self.free.pop() {
            Some(k) => {
                self.slots[k as usize] = slot;
                k
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        match self.tail {
            NIL => self.head = k,
            t => self.slots[t as usize].next = k,
        }
        self.tail = k;
        k
    }

    /// The message in slot `k`, if any.
    #[inline(always)]
    pub(crate) fn get(&self, k: u32) -> Option<&Flight<M>> {
        self.slots.get(k as usize).and_then(|s| s.flight.as_ref())
    }

    /// The message in slot `k`, if any, to change.
    #[inline(always)]
    pub(crate) fn get_mut(&mut self, k: u32) -> Option<&mut Flight<M>> {
        self.slots
            .get_mut(k as usize)
            .and_then(|s| s.flight.as_mut())
    }

    /// Takes the message out of slot `k` (which must hold one).
    #[inline(always)]
    pub(crate) fn remove(&mut self, k: u32) -> Flight<M> {
        let s = &mut self.slots[k as usize];
        // Not `expect`: an out-of-line `Option::expect` copies the whole flight once more.
        let Some(flight) = s.flight.take() else {
            panic!("slot {k} holds no message");
        };
        let (prev, next) = (s.prev, s.next);
        match prev {
            NIL => self.head = next,
            p => self.slots[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n as usize].prev = prev,
        }
        self.free.push(k);
        flight
    }

    /// The slot of message `id` (a walk over the slots: for interventions and views, not for
    /// the event loop).
    pub(crate) fn find(&self, id: MsgId) -> Option<u32> {
        let k = self
            .slots
            .iter()
            .position(|s| s.flight.as_ref().is_some_and(|f| f.id == id))?;
        Some(k as u32)
    }

    /// The slots of the messages `pick` chooses, oldest first (for interventions).
    pub(crate) fn pick(&self, pick: &mut dyn FnMut(&FlightHead) -> bool) -> Vec<u32> {
        self.slots_in_order()
            .filter(|&k| self.get(k).is_some_and(|f| pick(f)))
            .collect()
    }

    /// The messages, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Flight<M>> {
        self.slots_in_order().filter_map(|k| self.get(k))
    }

    fn slots_in_order(&self) -> impl Iterator<Item = u32> + '_ {
        let mut k = self.head;
        std::iter::from_fn(move || {
            if k == NIL {
                return None;
            }
            let here = k;
            k = self.slots[k as usize].next;
            Some(here)
        })
    }
}
