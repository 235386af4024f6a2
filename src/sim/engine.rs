//! The discrete-event engine: a queue ordered by (time, sequence), nodes running a protocol,
//! the network deciding each message's fate, and interventions applied as values.

use super::ids::{MsgId, NodeId};
use super::inflight::InFlight;
use super::intervention::Intervention;
use super::network::{LinkState, NetConfig, Network, Verdict};
use super::protocol::{Ctx, Effect, MessageInfo, NodeCommand, Protocol};
use super::rng::SimRng;
use super::time::SimTime;
use super::trace::{DropReason, EventKind, Trace, TraceMark};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Largest cluster the engine accepts (the picture is designed for 3 to 9; 64 is for stress).
pub const MAX_NODES: u32 = 64;

/// A running timer of a node.
#[derive(Clone, Debug)]
pub struct TimerSlot<T> {
    /// Which timer.
    pub timer: T,
    /// When it was set.
    pub set_at: SimTime,
    /// When it fires.
    pub fire_at: SimTime,
    /// The `seq` the timer's event has: the one it was set with.
    token: u64,
    /// The queue entry standing for the timer, its time and `seq`: an entry of an earlier
    /// setting of the same timer that was due no later than this one, or the timer's own.
    queued_at: SimTime,
    queued: u64,
}

/// One node: its durable state, its volatile state while up, and its timers.
#[derive(Clone, Debug)]
pub struct Node<P: Protocol> {
    /// Its identity.
    pub id: NodeId,
    /// Up or crashed.
    pub up: bool,
    /// State that survives a crash.
    pub durable: P::Durable,
    /// State that lives only while up.
    pub volatile: Option<P::Volatile>,
    /// Running timers (empty while crashed).
    pub timers: Vec<TimerSlot<P::Timer>>,
}

impl<P: Protocol> Node<P> {
    /// How much of a running timer is left: 1 just set, 0 about to fire.
    pub fn timer_left(&self, timer: &P::Timer, now: SimTime) -> Option<f32> {
        self.timers.iter().find(|s| &s.timer == timer).map(|s| {
            let span = s.fire_at.saturating_sub(s.set_at).max(1);
            (s.fire_at.saturating_sub(now) as f32 / span as f32).clamp(0.0, 1.0)
        })
    }
}

/// A message on the wire: its [`FlightHead`] (read through `Deref`: `f.from`, `f.arrive`) and
/// its payload.
#[derive(Clone, Debug)]
pub struct Flight<M> {
    head: FlightHead,
    /// Payload.
    pub msg: M,
}

/// Everything about a message on the wire but its payload: the part the protocol-independent
/// code of the engine reads and changes (compiled once, not once per protocol).
#[derive(Clone, Copy, Debug)]
pub struct FlightHead {
    /// Its number.
    pub id: MsgId,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// When it left (shifted forward when a hold is released, so its position is continuous).
    pub sent: SimTime,
    /// When it arrives.
    pub arrive: SimTime,
    /// Frozen since this moment (by a user or a held link).
    pub held_at: Option<SimTime>,
    /// Lost at random: it flies, then vanishes at arrival.
    pub doomed: bool,
    /// Released by hand: a held link does not stop it again.
    released: bool,
    token: u64,
}

impl FlightHead {
    /// Where it is along its link at `now`, from 0 (sender) to 1 (receiver).
    pub fn progress(&self, now: SimTime) -> f32 {
        let at = self.held_at.unwrap_or(now);
        let span = self.arrive.saturating_sub(self.sent).max(1);
        (at.saturating_sub(self.sent) as f32 / span as f32).clamp(0.0, 1.0)
    }
}

impl<M> std::ops::Deref for Flight<M> {
    type Target = FlightHead;

    #[inline(always)]
    fn deref(&self) -> &FlightHead {
        &self.head
    }
}

impl<M> std::ops::DerefMut for Flight<M> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut FlightHead {
        &mut self.head
    }
}

/// The same JSON as before the head was split off: `id, from, to, msg, sent, arrive, held_at,
/// doomed`.
impl<M: Serialize> Serialize for Flight<M> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let h = &self.head;
        let mut st = s.serialize_struct("Flight", 8)?;
        st.serialize_field("id", &h.id)?;
        st.serialize_field("from", &h.from)?;
        st.serialize_field("to", &h.to)?;
        st.serialize_field("msg", &self.msg)?;
        st.serialize_field("sent", &h.sent)?;
        st.serialize_field("arrive", &h.arrive)?;
        st.serialize_field("held_at", &h.held_at)?;
        st.serialize_field("doomed", &h.doomed)?;
        st.end()
    }
}

/// A broken safety property.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    /// When it was seen.
    pub t: SimTime,
    /// Property name (`Election Safety`).
    pub property: &'static str,
    /// What broke, in words: which nodes, terms and indexes.
    pub text: String,
}

/// One pending event. Events run in order of time, then of `seq` (the order they were
/// scheduled in); `seq` also identifies the event: a flight or a timer remembers the `seq` of
/// its live entry, and an entry whose flight or timer has moved on is skipped.
///
/// A timer set again while its entry waits keeps that entry when it is due no later than the
/// new time (an election timer is set again on every heartbeat): when the entry comes up, it
/// goes back into the queue under the timer's own time and `seq`, which is still ahead. Every
/// entry that came up before it was earlier than the timer's own, so events run in exactly the
/// order they would with one entry per setting, with far fewer entries.
#[derive(Clone, Copy, Debug)]
struct Queued {
    t: SimTime,
    seq: u64,
    /// The flight's slot (a delivery) or the node's index (a timer).
    target: u32,
    timer: bool,
}

impl Queued {
    /// The order key: time, then `seq`.
    #[inline(always)]
    fn key(&self) -> (SimTime, u64) {
        (self.t, self.seq)
    }
}

impl PartialEq for Queued {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        self.t == other.t && self.seq == other.seq
    }
}

impl Eq for Queued {}

/// Reversed, so that the `BinaryHeap` (a max-heap) gives the earliest event first. The heap
/// compares with `<=` and `>=`; those are written out so that each is a couple of integer
/// comparisons in place, not calls through `cmp` (the release build optimises for size).
impl PartialOrd for Queued {
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }

    #[inline(always)]
    fn lt(&self, other: &Self) -> bool {
        other.t < self.t || (other.t == self.t && other.seq < self.seq)
    }

    #[inline(always)]
    fn le(&self, other: &Self) -> bool {
        other.t < self.t || (other.t == self.t && other.seq <= self.seq)
    }

    #[inline(always)]
    fn gt(&self, other: &Self) -> bool {
        other.lt(self)
    }

    #[inline(always)]
    fn ge(&self, other: &Self) -> bool {
        other.le(self)
    }
}

impl Ord for Queued {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// The world: a protocol on `n` nodes over a faulty network, driven event by event.
/// The world: a protocol on `n` nodes over a faulty network, driven event by event.
#[derive(Clone, Debug)]
pub struct Sim<P: Protocol> {
    /// The protocol and its settings.
    pub proto: P,
    core: Core,
    nodes: Vec<Node<P>>,
    flights: InFlight<P::Msg>,
    shared: P::Shared,
    effects: Vec<Effect<P::Msg, P::Timer>>,
}

/// The part of a [`Sim`] that does not depend on the protocol: the clock, the queue, the
/// generator, the network and the trace. Its code is compiled once for every protocol.
#[derive(Clone, Debug)]
struct Core {
    seed: u64,
    now: SimTime,
    seq: u64,
    rng: SimRng,
    queue: BinaryHeap<Queued>,
    net: Network,
    next_msg: u64,
    trace: Trace,
    events: u64,
    violations: Vec<Violation>,
    /// The next check after an event looks at every node, not only the one that handled it
    /// (set by construction: `on_start` ran on every node without a check after it).
    check_all: bool,
    /// While an event is processed: its entry, at the top of the queue, is spent but still in
    /// place, and the first entry scheduled meanwhile takes its place (one sift down instead of
    /// a pop and a push; the order of events is the queue's order of (time, seq) either way).
    /// Always false between events.
    top_spent: bool,
}

/// What happens to a message at the end of its flight.
enum Arrival {
    /// It is dropped (already written to the trace).
    Dropped,
    /// A held link stops it (already marked and written to the trace).
    Held,
    /// It reaches the receiver's handler.
    Delivered,
}

/// A message just sent that the network lets fly.
struct Route {
    id: MsgId,
    latency: SimTime,
    doomed: bool,
    duplicate: bool,
}

impl Core {
    /// Schedules an event for `target` at `t`; returns its `seq`.
    #[inline(always)]
    fn push(&mut self, t: SimTime, target: u32, timer: bool) -> u64 {
        self.seq += 1;
        self.enqueue(Queued {
            t,
            seq: self.seq,
            target,
            timer,
        });
        self.seq
    }

    /// Puts an entry in the queue: in place of the spent top entry if there is one.
    #[inline(always)]
    fn enqueue(&mut self, q: Queued) {
        if self.top_spent {
            self.top_spent = false;
            if let Some(mut top) = self.queue.peek_mut() {
                // Sifted down when `top` goes out of scope.
                *top = q;
            }
        } else {
            self.queue.push(q);
        }
    }

    /// Drops the spent top entry, if the event did not put another in its place.
    #[inline(always)]
    fn pop_spent(&mut self) {
        if self.top_spent {
            self.top_spent = false;
            self.queue.pop();
        }
    }

    /// A message from `from` to `to` leaves: its number, and whether the network lets it fly
    /// (a drop at the sender is written to the trace), with its fate drawn.
    #[inline(always)]
    fn route(&mut self, from: NodeId, to: NodeId, kind: &'static str) -> Option<Route> {
        let id = MsgId(self.next_msg);
        self.next_msg += 1;
        let verdict = self.net.verdict(from, to);
        if verdict != Verdict::Pass {
            self.refused(id, from, to, kind, verdict);
            return None;
        }
        let latency = self.net.config.draw_latency(&mut self.rng);
        let doomed = self.rng.chance(self.net.loss(from, to));
        let duplicate = self.rng.chance(self.net.config.duplicate);
        Some(Route {
            id,
            latency,
            doomed,
            duplicate,
        })
    }

    /// The network refuses a message as it leaves: written to the trace.
    #[cold]
    #[inline(never)]
    fn refused(
        &mut self,
        id: MsgId,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        verdict: Verdict,
    ) {
        // Written as sent, arriving at once, then dropped.
        self.take_off(id, from, to, kind, 0);
        let reason = if verdict == Verdict::Cut {
            DropReason::Cut
        } else {
            DropReason::Partitioned
        };
        self.dropped(id, from, to, reason);
    }

    /// Writes that message `id` from `from` to `to` was dropped.
    fn dropped(&mut self, id: MsgId, from: NodeId, to: NodeId, reason: DropReason) {
        self.trace.push(
            self.now,
            EventKind::Dropped {
                msg: id,
                from,
                to,
                reason,
            },
        );
    }

    /// A copy of message `msg` is made: the copy's number and flight time.
    fn duplicate(&mut self, msg: MsgId) -> (MsgId, SimTime) {
        let copy = MsgId(self.next_msg);
        self.next_msg += 1;
        let latency = self.net.config.draw_latency(&mut self.rng);
        self.trace
            .push(self.now, EventKind::Duplicated { msg, copy });
        (copy, latency)
    }

    #[inline(always)]
    /// A message takes off: writes it to the trace; returns when it arrives.
    fn take_off(
        &mut self,
        id: MsgId,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        latency: SimTime,
    ) -> SimTime {
        let arrive = self.now + latency;
        self.trace.push(
            self.now,
            EventKind::Sent {
                msg: id,
                from,
                to,
                kind,
                arrive,
            },
        );
        arrive
    }

    /// A message reaches the end of its flight: decides its fate; a drop or a hold is written
    /// to the trace (and a hold marked on `f`).
    #[inline(always)]
    fn arrival(&mut self, f: &mut FlightHead, receiver_up: bool) -> Arrival {
        let (from, to) = (f.from, f.to);
        if f.doomed
            || !receiver_up
            || self.net.verdict(from, to) != Verdict::Pass
            || (self.net.is_held(from, to) && !f.released)
        {
            return self.stopped(f, receiver_up);
        }
        Arrival::Delivered
    }

    /// The rarer fates of a message at the end of its flight: dropped or held.
    #[cold]
    #[inline(never)]
    fn stopped(&mut self, f: &mut FlightHead, receiver_up: bool) -> Arrival {
        let (id, from, to) = (f.id, f.from, f.to);
        let reason = if f.doomed {
            Some(DropReason::Lost)
        } else if !receiver_up {
            Some(DropReason::ReceiverDown)
        } else {
            match self.net.verdict(from, to) {
                Verdict::Partitioned => Some(DropReason::Partitioned),
                Verdict::Cut => Some(DropReason::Cut),
                Verdict::Pass => None,
            }
        };
        if let Some(reason) = reason {
            self.dropped(id, from, to, reason);
            return Arrival::Dropped;
        }
        f.held_at = Some(self.now);
        self.trace.push(self.now, EventKind::Held { msg: id });
        Arrival::Held
    }

    /// Writes violations found by a check to the trace (most checks find none: that case is
    /// decided where the check ran, without a call).
    #[inline(always)]
    fn report(&mut self, found: Vec<Violation>) {
        if found.capacity() == 0 {
            // Nothing found and nothing to free: skip the call that drops an empty list.
            std::mem::forget(found);
        } else {
            self.report_found(found);
        }
    }

    fn report_found(&mut self, found: Vec<Violation>) {
        for v in found {
            self.trace.push(
                self.now,
                EventKind::Violated {
                    property: v.property,
                    text: v.text.clone(),
                },
            );
            self.violations.push(v);
        }
    }

    /// Writes that the network changed, in the words of the intervention that changed it.
    fn network_changed(&mut self, iv: &Intervention) {
        self.trace.push(
            self.now,
            EventKind::NetworkChanged {
                what: iv.describe(),
            },
        );
    }
}

/// What the protocol-independent handling of interventions ([`apply`]) asks of a [`Sim`],
/// through `&mut dyn` so that it is compiled once: the operations on nodes and messages whose
/// types depend on the protocol.
trait Parts {
    fn core(&mut self) -> &mut Core;
    fn core_ref(&self) -> &Core;
    fn node_count(&self) -> usize;
    fn is_up(&self, i: usize) -> bool;
    /// Crashes running node `i` and tells the observer.
    fn crash(&mut self, i: usize);
    /// Restarts crashed node `i`.
    fn restart(&mut self, i: usize);
    /// A user's command to running node `i`.
    fn command(&mut self, i: usize, cmd: &NodeCommand, iv: &Intervention) -> Result<(), String>;
    /// Checks every node after an intervention.
    fn check(&mut self);
    /// The slot of message `id` in flight.
    fn find_flight(&self, id: MsgId) -> Option<u32>;
    /// The message in slot `k` (which holds one).
    fn flight_at(&mut self, k: u32) -> &mut FlightHead;
    /// Removes the message in slot `k`.
    fn remove_flight(&mut self, k: u32);
    /// The slots of the messages `pick` chooses, in send order.
    fn pick_flights(&self, pick: &mut dyn FnMut(&FlightHead) -> bool) -> Vec<u32>;
    /// Sends a copy of the message in slot `k` as message `copy`.
    fn copy_flight(&mut self, k: u32, copy: MsgId, latency: SimTime);
}

impl<P: Protocol> Parts for Sim<P> {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn core_ref(&self) -> &Core {
        &self.core
    }

    fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn is_up(&self, i: usize) -> bool {
        self.nodes[i].up
    }

    fn crash(&mut self, i: usize) {
        let n = &mut self.nodes[i];
        n.up = false;
        n.volatile = None;
        n.timers.clear();
        self.proto.on_crash(&mut self.shared, n.id, self.core.now);
    }

    fn restart(&mut self, i: usize) {
        self.nodes[i].up = true;
        self.start_node(i);
    }

    fn command(&mut self, i: usize, cmd: &NodeCommand, iv: &Intervention) -> Result<(), String> {
        // A refused command must change nothing: keep the node and the generator, and carry out
        // the effects only when it accepts. The shared notebook is not copied (it can be large
        // and commands are frequent): protocols refuse before they touch it.
        let saved_rng = self.core.rng.clone();
        let saved_node = self.nodes[i].clone();
        let mut effects = std::mem::take(&mut self.effects);
        let n = self.nodes.len() as u32;
        let result = {
            let nd = &mut self.nodes[i];
            let volatile = nd
                .volatile
                .as_mut()
                .expect("a running node has volatile state");
            let mut ctx = Ctx::new(
                self.core.now,
                nd.id,
                n,
                &mut self.core.rng,
                &mut self.shared,
                &mut effects,
            );
            self.proto
                .on_command(&mut ctx, &mut nd.durable, volatile, cmd)
        };
        match result {
            Ok(()) => {
                self.core.trace.push(
                    self.core.now,
                    EventKind::Commanded {
                        node: NodeId::from_index(i),
                        what: iv.describe(),
                    },
                );
                self.execute(i, &mut effects);
                self.effects = effects;
                Ok(())
            }
            Err(e) => {
                effects.clear();
                self.effects = effects;
                self.core.rng = saved_rng;
                self.nodes[i] = saved_node;
                Err(e)
            }
        }
    }

    fn check(&mut self) {
        let found = self
            .proto
            .check(&mut self.shared, &self.nodes, self.core.now);
        self.core.report(found);
    }

    fn find_flight(&self, id: MsgId) -> Option<u32> {
        self.flights.find(id)
    }

    fn flight_at(&mut self, k: u32) -> &mut FlightHead {
        self.flights.get_mut(k).expect("a live flight")
    }

    fn remove_flight(&mut self, k: u32) {
        self.flights.remove(k);
    }

    fn pick_flights(&self, pick: &mut dyn FnMut(&FlightHead) -> bool) -> Vec<u32> {
        self.flights.pick(pick)
    }

    fn copy_flight(&mut self, k: u32, copy: MsgId, latency: SimTime) {
        let f = self.flights.get(k).expect("a live flight");
        let (from, to, payload) = (f.from, f.to, f.msg.clone());
        let kind = payload.kind();
        self.launch(copy, from, to, payload, kind, latency, false);
    }
}

/// A saved moment of a [`Sim`], without its trace window (only a mark into it).
#[derive(Clone, Debug)]
pub struct Snapshot<P: Protocol> {
    sim: Sim<P>,
    mark: TraceMarkBox,
}

#[derive(Clone)]
struct TraceMarkBox(TraceMark);

impl std::fmt::Debug for TraceMarkBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceMark")
    }
}

impl<P: Protocol> Snapshot<P> {
    /// The simulated time of the snapshot.
    pub fn now(&self) -> SimTime {
        self.sim.core.now
    }
}

impl<P: Protocol> Sim<P> {
    /// A new world of `n` nodes, each started with `on_start` at time 0 in node order.
    pub fn new(proto: P, n: u32, config: NetConfig, seed: u64) -> Self {
        Self::with_trace(proto, n, config, seed, Trace::default())
    }

    /// As [`Sim::new`], with a trace of a chosen capacity.
    pub fn with_trace(proto: P, n: u32, config: NetConfig, seed: u64, trace: Trace) -> Self {
        assert!(
            (1..=MAX_NODES).contains(&n),
            "cluster size {n} outside 1..={MAX_NODES}"
        );
        let nodes = (1..=n)
            .map(|i| Node {
                id: NodeId(i),
                up: true,
                durable: proto.init_durable(NodeId(i), n),
                volatile: None,
                timers: Vec::new(),
            })
            .collect();
        let mut sim = Sim {
            proto,
            core: Core {
                seed,
                now: 0,
                seq: 0,
                rng: SimRng::new(seed),
                queue: BinaryHeap::new(),
                net: Network::new(n as usize, config),
                next_msg: 1,
                trace,
                events: 0,
                violations: Vec::new(),
                check_all: true,
                top_spent: false,
            },
            nodes,
            flights: InFlight::default(),
            shared: P::Shared::default(),
            effects: Vec::new(),
        };
        for i in 0..n as usize {
            sim.start_node(i);
        }
        sim
    }

    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.core.seed
    }

    /// Now, in simulated microseconds.
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// Events processed so far (deliveries, drops at arrival, timers).
    pub fn events(&self) -> u64 {
        self.core.events
    }

    /// The nodes, in id order.
    pub fn nodes(&self) -> &[Node<P>] {
        &self.nodes
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> Option<&Node<P>> {
        self.nodes.get(id.index())
    }

    /// Number of nodes.
    pub fn n(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.core.net
    }

    /// Messages in flight (held ones included), in send order.
    pub fn flights(&self) -> impl Iterator<Item = &Flight<P::Msg>> {
        self.flights.iter()
    }

    /// One message in flight.
    pub fn flight(&self, id: MsgId) -> Option<&Flight<P::Msg>> {
        self.flights.find(id).and_then(|k| self.flights.get(k))
    }

    /// The observer's notebook.
    pub fn shared(&self) -> &P::Shared {
        &self.shared
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.core.trace
    }

    /// Safety violations seen so far.
    pub fn violations(&self) -> &[Violation] {
        &self.core.violations
    }

    /// The time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.core.queue.peek().map(|q| q.t)
    }

    /// Processes every event up to and including `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        self.advance_bounded(t, u64::MAX);
    }

    /// Processes at most `budget` events up to `t`; returns true when `t` was reached.
    pub fn advance_bounded(&mut self, t: SimTime, budget: u64) -> bool {
        let start = self.core.events;
        while let Some(q) = self.core.queue.peek() {
            if q.t > t {
                break;
            }
            if self.core.events - start >= budget {
                return false;
            }
            self.process_top();
            self.core.pop_spent();
        }
        self.core.now = self.core.now.max(t);
        true
    }

    /// Moves to the next event's time and processes every event at that time; returns the time.
    pub fn step(&mut self) -> Option<SimTime> {
        let t = self.next_event_time()?;
        self.advance_to(t);
        Some(t)
    }

    /// A snapshot to come back to (the trace window is not copied, only a mark into it).
    pub fn snapshot(&mut self) -> Snapshot<P> {
        let trace = std::mem::replace(&mut self.core.trace, Trace::with_cap(1));
        let mark = trace.mark();
        let sim = self.clone();
        self.core.trace = trace;
        Snapshot {
            sim,
            mark: TraceMarkBox(mark),
        }
    }

    /// Returns to a snapshot taken from this run; the trace is cut back to that moment.
    pub fn restore(&mut self, snap: &Snapshot<P>) {
        let mut trace = std::mem::replace(&mut self.core.trace, Trace::with_cap(1));
        *self = snap.sim.clone();
        trace.rewind(&snap.mark.0);
        self.core.trace = trace;
    }

    /// Processes the event at the top of the queue, leaving its entry spent (`top_spent`).
    fn process_top(&mut self) {
        let Some(mut top) = self.core.queue.peek_mut() else {
            return;
        };
        if top.timer {
            // A timer's stand-in entry whose timer was set again since: it becomes the timer's
            // own entry (its time and seq), in place, which costs one sift instead of a pop and
            // a push.
            let slot = self.nodes[top.target as usize]
                .timers
                .iter_mut()
                .find(|s| s.queued == top.seq);
            if let Some(s) = slot.filter(|s| s.token != top.seq) {
                (s.queued_at, s.queued) = (s.fire_at, s.token);
                (top.t, top.seq) = (s.fire_at, s.token);
                return;
            }
        }
        let q = *top;
        drop(top);
        self.core.top_spent = true;
        // The node whose handler ran, if any: only its state can have changed.
        let handled = match q.timer {
            false => {
                let k = q.target;
                let live = self
                    .flights
                    .get(k)
                    .is_some_and(|f| f.token == q.seq && f.held_at.is_none());
                if !live {
                    return;
                }
                self.core.now = q.t;
                self.arrive(k)
            }
            true => {
                let i = q.target as usize;
                let Some(pos) = self.nodes[i].timers.iter().position(|s| s.token == q.seq) else {
                    return;
                };
                self.core.now = q.t;
                let slot = self.nodes[i].timers.remove(pos);
                let id = NodeId::from_index(i);
                self.core
                    .trace
                    .push(self.core.now, EventKind::TimerFired { node: id });
                self.run_handler(i, |p, ctx, d, v| p.on_timer(ctx, d, v, slot.timer));
                Some(i)
            }
        };
        self.core.events += 1;
        if self.core.check_all {
            self.core.check_all = false;
            Parts::check(self);
        } else if let Some(i) = handled {
            let found = self
                .proto
                .check_node(&mut self.shared, &self.nodes, i, self.core.now);
            self.core.report(found);
        }
    }

    /// A message reaches the end of its flight (slot `k` of `flights`); returns the receiver's
    /// index when its handler ran.
    fn arrive(&mut self, k: u32) -> Option<usize> {
        let f = self.flights.get_mut(k).expect("a live flight");
        let up = self.nodes[f.to.index()].up;
        match self.core.arrival(f, up) {
            Arrival::Dropped => {
                self.flights.remove(k);
                return None;
            }
            Arrival::Held => return None,
            Arrival::Delivered => {}
        }
        let Flight { head: f, msg } = self.flights.remove(k);
        self.core.trace.push(
            self.core.now,
            EventKind::Delivered {
                msg: f.id,
                from: f.from,
                to: f.to,
                kind: msg.kind(),
            },
        );
        let from = f.from;
        self.run_handler(f.to.index(), |p, ctx, d, v| {
            p.on_message(ctx, d, v, from, msg)
        });
        Some(f.to.index())
    }

    fn start_node(&mut self, i: usize) {
        let mut effects = std::mem::take(&mut self.effects);
        let n = self.nodes.len() as u32;
        let node = &mut self.nodes[i];
        let mut ctx = Ctx::new(
            self.core.now,
            node.id,
            n,
            &mut self.core.rng,
            &mut self.shared,
            &mut effects,
        );
        let v = self.proto.on_start(&mut ctx, &mut node.durable);
        node.volatile = Some(v);
        self.execute(i, &mut effects);
        self.put_back_effects(effects);
    }

    fn run_handler<R>(
        &mut self,
        i: usize,
        f: impl FnOnce(&P, &mut Ctx<P>, &mut P::Durable, &mut P::Volatile) -> R,
    ) -> Option<R> {
        let mut effects = std::mem::take(&mut self.effects);
        let n = self.nodes.len() as u32;
        let node = &mut self.nodes[i];
        let volatile = node.volatile.as_mut()?;
        let mut ctx = Ctx::new(
            self.core.now,
            node.id,
            n,
            &mut self.core.rng,
            &mut self.shared,
            &mut effects,
        );
        let r = f(&self.proto, &mut ctx, &mut node.durable, volatile);
        self.execute(i, &mut effects);
        self.put_back_effects(effects);
        Some(r)
    }

    /// Puts the effect list back after a handler; what it replaces is the empty list that
    /// `take` left, which holds no memory (so it is not dropped: no call to free nothing).
    #[inline(always)]
    fn put_back_effects(&mut self, effects: Vec<Effect<P::Msg, P::Timer>>) {
        let empty = std::mem::replace(&mut self.effects, effects);
        if empty.capacity() == 0 {
            std::mem::forget(empty);
        }
    }

    fn execute(&mut self, i: usize, effects: &mut Vec<Effect<P::Msg, P::Timer>>) {
        let me = NodeId::from_index(i);
        for e in effects.drain(..) {
            match e {
                Effect::Send { to, msg } => self.send(me, to, msg),
                Effect::SetTimer { timer, after } => {
                    let now = self.core.now;
                    let fire_at = now + after;
                    self.core.seq += 1;
                    let token = self.core.seq;
                    let timers = &mut self.nodes[i].timers;
                    let slot = TimerSlot {
                        timer,
                        set_at: now,
                        fire_at,
                        token,
                        queued_at: fire_at,
                        queued: token,
                    };
                    // A running timer is set again in its own place (no shift of the others).
                    let queued = match timers.iter_mut().find(|s| s.timer == slot.timer) {
                        Some(old) => {
                            let keep = old.queued_at <= fire_at;
                            let (queued_at, queued) = (old.queued_at, old.queued);
                            *old = slot;
                            if keep {
                                (old.queued_at, old.queued) = (queued_at, queued);
                            }
                            old.queued
                        }
                        None => {
                            timers.push(slot);
                            token
                        }
                    };
                    if queued == token {
                        self.core.enqueue(Queued {
                            t: fire_at,
                            seq: token,
                            target: i as u32,
                            timer: true,
                        });
                    }
                }
                Effect::CancelTimer(timer) => self.nodes[i].timers.retain(|s| s.timer != timer),
                Effect::Note { tag, text } => {
                    self.core.trace.push(
                        self.core.now,
                        EventKind::Note {
                            node: me,
                            tag,
                            text,
                        },
                    );
                }
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        assert!(
            to.index() < self.nodes.len() && to != from,
            "node {from} sent to invalid node {to}"
        );
        let kind = msg.kind();
        let Some(r) = self.core.route(from, to, kind) else {
            return;
        };
        if !r.duplicate {
            self.launch(r.id, from, to, msg, kind, r.latency, r.doomed);
            return;
        }
        self.launch(r.id, from, to, msg.clone(), kind, r.latency, r.doomed);
        let (copy, latency) = self.core.duplicate(r.id);
        self.launch(copy, from, to, msg, kind, latency, false);
    }

    #[allow(clippy::too_many_arguments)]
    fn launch(
        &mut self,
        id: MsgId,
        from: NodeId,
        to: NodeId,
        msg: P::Msg,
        kind: &'static str,
        latency: SimTime,
        doomed: bool,
    ) {
        let arrive = self.core.take_off(id, from, to, kind, latency);
        // The entry pushed below gets the next `seq`.
        let token = self.core.seq + 1;
        let k = self.flights.push(Flight {
            head: FlightHead {
                id,
                from,
                to,
                sent: self.core.now,
                arrive,
                held_at: None,
                doomed,
                released: false,
                token,
            },
            msg,
        });
        self.core.push(arrive, k, false);
    }

    /// Applies an intervention now. On `Err` nothing changed and the message says why.
    pub fn apply(&mut self, iv: &Intervention) -> Result<(), String> {
        apply(self, iv)
    }
}

fn valid_node(s: &dyn Parts, node: NodeId) -> Result<usize, String> {
    let n = s.node_count();
    if node.0 >= 1 && node.index() < n {
        Ok(node.index())
    } else {
        Err(format!(
            "there is no node {node}: nodes are numbered 1 to {n}"
        ))
    }
}

fn valid_link(s: &dyn Parts, from: NodeId, to: NodeId) -> Result<(), String> {
    valid_node(s, from)?;
    valid_node(s, to)?;
    if from == to {
        return Err("a link joins two different nodes".into());
    }
    Ok(())
}

fn find_flight(s: &dyn Parts, msg: MsgId) -> Result<u32, String> {
    s.find_flight(msg)
        .ok_or_else(|| format!("message #{msg} is not in flight"))
}

/// Applies an intervention now (the body of [`Sim::apply`], compiled once for every protocol).
fn apply(s: &mut dyn Parts, iv: &Intervention) -> Result<(), String> {
    use Intervention as I;
    let now = s.core().now;
    match iv {
        I::Crash { node } => {
            let i = valid_node(s, *node)?;
            if !s.is_up(i) {
                return Err(format!("node {node} is already crashed"));
            }
            s.crash(i);
            s.core().trace.push(now, EventKind::Crashed { node: *node });
        }
        I::Restart { node } => {
            let i = valid_node(s, *node)?;
            if s.is_up(i) {
                return Err(format!("node {node} is running; crash it first"));
            }
            s.core()
                .trace
                .push(now, EventKind::Restarted { node: *node });
            s.restart(i);
        }
        I::Partition { groups } => {
            let mut seen = vec![false; s.node_count()];
            if groups.iter().all(|g| g.is_empty()) {
                return Err("a partition needs at least one node in a group".into());
            }
            for g in groups {
                for m in g {
                    let i = valid_node(s, *m)?;
                    if seen[i] {
                        return Err(format!("node {m} is in two groups of the partition"));
                    }
                    seen[i] = true;
                }
            }
            let c = s.core();
            c.net.partition(groups);
            c.network_changed(iv);
        }
        I::Heal { links } => {
            let released = if *links {
                let net = &s.core_ref().net;
                s.pick_flights(&mut |f| f.held_at.is_some() && net.is_held(f.from, f.to))
            } else {
                Vec::new()
            };
            let c = s.core();
            c.net.heal(*links);
            c.trace.push(now, EventKind::Healed);
            for k in released {
                release(s, k);
            }
        }
        I::SetLink {
            from,
            to,
            link,
            both,
        } => {
            valid_link(s, *from, *to)?;
            if let LinkState::Lossy { loss } = link {
                if !(0.0..=1.0).contains(loss) || loss.is_nan() {
                    return Err(format!("link loss must be between 0 and 1, got {loss}"));
                }
            }
            let c = s.core();
            c.net.set_link(*from, *to, *link);
            if *both {
                c.net.set_link(*to, *from, *link);
            }
            c.network_changed(iv);
        }
        I::HoldLink { from, to } | I::ReleaseLink { from, to } => {
            valid_link(s, *from, *to)?;
            let hold = matches!(iv, I::HoldLink { .. });
            let c = s.core();
            c.net.set_held(*from, *to, hold);
            c.network_changed(iv);
            if !hold {
                let waiting = s.pick_flights(&mut |f| {
                    f.from == *from && f.to == *to && f.held_at == Some(f.arrive)
                });
                for k in waiting {
                    release(s, k);
                }
            }
        }
        I::Drop { msg } => {
            let k = find_flight(s, *msg)?;
            let f = *s.flight_at(k);
            s.remove_flight(k);
            s.core().trace.push(
                now,
                EventKind::Dropped {
                    msg: *msg,
                    from: f.from,
                    to: f.to,
                    reason: DropReason::ByUser,
                },
            );
        }
        I::Duplicate { msg } => {
            let k = find_flight(s, *msg)?;
            let (copy, latency) = s.core().duplicate(*msg);
            s.copy_flight(k, copy, latency);
        }
        I::Hold { msg } => {
            let k = find_flight(s, *msg)?;
            let f = s.flight_at(k);
            if f.held_at.is_some() {
                return Err(format!("message #{msg} is already held"));
            }
            f.held_at = Some(now);
            s.core().trace.push(now, EventKind::Held { msg: *msg });
        }
        I::Release { msg } => {
            let k = find_flight(s, *msg)?;
            if s.flight_at(k).held_at.is_none() {
                return Err(format!("message #{msg} is not held"));
            }
            release(s, k);
        }
        I::Network { config } => {
            config.validate()?;
            let c = s.core();
            c.net.config = config.clone();
            c.network_changed(iv);
        }
        I::LocalEvent { node } => command(s, *node, NodeCommand::LocalEvent, iv)?,
        I::SendMessage { from, to } => {
            valid_node(s, *to)?;
            if from == to {
                return Err("a node cannot send a message to itself".into());
            }
            command(s, *from, NodeCommand::SendTo(*to), iv)?
        }
        I::ClientRequest { node } => command(s, *node, NodeCommand::ClientRequest, iv)?,
        I::TimeoutNow { node } => command(s, *node, NodeCommand::TimeoutNow, iv)?,
        I::Join { node } => command(s, *node, NodeCommand::Join, iv)?,
        I::Leave { node } => command(s, *node, NodeCommand::Leave, iv)?,
    }
    s.check();
    Ok(())
}

/// Lets the held message in slot `k` fly on for the rest of its flight.
fn release(s: &mut dyn Parts, k: u32) {
    let c = s.core();
    let now = c.now;
    // The entry pushed below gets the next `seq`.
    let token = c.seq + 1;
    let f = s.flight_at(k);
    let held_at = f.held_at.take().expect("released flight was held");
    let left = f.arrive.saturating_sub(held_at);
    f.sent = now - held_at.saturating_sub(f.sent).min(now);
    f.arrive = now + left;
    f.released = true;
    f.token = token;
    let (id, arrive) = (f.id, f.arrive);
    let c = s.core();
    c.trace.push(now, EventKind::Released { msg: id });
    c.push(arrive, k, false);
}

fn command(
    s: &mut dyn Parts,
    node: NodeId,
    cmd: NodeCommand,
    iv: &Intervention,
) -> Result<(), String> {
    let i = valid_node(s, node)?;
    if !s.is_up(i) {
        return Err(format!("node {node} is crashed; restart it first"));
    }
    s.command(i, &cmd, iv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written comparisons of queue entries agree with `cmp` (the heap uses both).
    #[test]
    fn queue_order_comparisons_agree_with_cmp() {
        let q = |t, seq| Queued {
            t,
            seq,
            target: 0,
            timer: false,
        };
        let all = [
            q(0, 0),
            q(0, 1),
            q(1, 0),
            q(1, 1),
            q(2, 5),
            q(u64::MAX, u64::MAX),
        ];
        for a in &all {
            for b in &all {
                let c = a.cmp(b);
                assert_eq!(a.partial_cmp(b), Some(c));
                assert_eq!(a < b, c == Ordering::Less, "{a:?} < {b:?}");
                assert_eq!(a <= b, c != Ordering::Greater, "{a:?} <= {b:?}");
                assert_eq!(a > b, c == Ordering::Greater, "{a:?} > {b:?}");
                assert_eq!(a >= b, c != Ordering::Less, "{a:?} >= {b:?}");
                assert_eq!(a == b, c == Ordering::Equal, "{a:?} == {b:?}");
            }
        }
        // Earlier times come out of the max-heap first.
        assert!(q(1, 9) > q(2, 0));
    }
}
