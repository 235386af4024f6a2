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

/// A message on the wire.
#[derive(Clone, Debug, Serialize)]
pub struct Flight<M> {
    /// Its number.
    pub id: MsgId,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Payload.
    pub msg: M,
    /// When it left (shifted forward when a hold is released, so its position is continuous).
    pub sent: SimTime,
    /// When it arrives.
    pub arrive: SimTime,
    /// Frozen since this moment (by a user or a held link).
    pub held_at: Option<SimTime>,
    /// Lost at random: it flies, then vanishes at arrival.
    pub doomed: bool,
    /// Released by hand: a held link does not stop it again.
    #[serde(skip)]
    released: bool,
    #[serde(skip)]
    token: u64,
}

impl<M> Flight<M> {
    /// Where it is along its link at `now`, from 0 (sender) to 1 (receiver).
    pub fn progress(&self, now: SimTime) -> f32 {
        let at = self.held_at.unwrap_or(now);
        let span = self.arrive.saturating_sub(self.sent).max(1);
        (at.saturating_sub(self.sent) as f32 / span as f32).clamp(0.0, 1.0)
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
#[derive(Clone, Debug)]
pub struct Sim<P: Protocol> {
    /// The protocol and its settings.
    pub proto: P,
    seed: u64,
    now: SimTime,
    seq: u64,
    rng: SimRng,
    queue: BinaryHeap<Queued>,
    nodes: Vec<Node<P>>,
    net: Network,
    flights: InFlight<P::Msg>,
    next_msg: u64,
    shared: P::Shared,
    trace: Trace,
    events: u64,
    violations: Vec<Violation>,
    effects: Vec<Effect<P::Msg, P::Timer>>,
    /// The next check after an event looks at every node, not only the one that handled it
    /// (set by construction: `on_start` ran on every node without a check after it).
    check_all: bool,
    /// While an event is processed: its entry, at the top of the queue, is spent but still in
    /// place, and the first entry scheduled meanwhile takes its place (one sift down instead of
    /// a pop and a push; the order of events is the queue's order of (time, seq) either way).
    /// Always false between events.
    top_spent: bool,
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
        self.sim.now
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
            seed,
            now: 0,
            seq: 0,
            rng: SimRng::new(seed),
            queue: BinaryHeap::new(),
            nodes,
            net: Network::new(n as usize, config),
            flights: InFlight::default(),
            next_msg: 1,
            shared: P::Shared::default(),
            trace,
            events: 0,
            violations: Vec::new(),
            effects: Vec::new(),
            check_all: true,
            top_spent: false,
        };
        for i in 0..n as usize {
            sim.start_node(i);
        }
        sim
    }

    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Now, in simulated microseconds.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events processed so far (deliveries, drops at arrival, timers).
    pub fn events(&self) -> u64 {
        self.events
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
        &self.net
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
        &self.trace
    }

    /// Safety violations seen so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek().map(|q| q.t)
    }

    /// Processes every event up to and including `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        while let Some(q) = self.queue.peek() {
            if q.t > t {
                break;
            }
            self.process_next();
        }
        self.now = self.now.max(t);
    }

    /// Processes at most `budget` events up to `t`; returns true when `t` was reached.
    pub fn advance_bounded(&mut self, t: SimTime, budget: u64) -> bool {
        let start = self.events;
        while let Some(q) = self.queue.peek() {
            if q.t > t {
                break;
            }
            if self.events - start >= budget {
                return false;
            }
            self.process_next();
        }
        self.now = self.now.max(t);
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
        let trace = std::mem::replace(&mut self.trace, Trace::with_cap(1));
        let mark = trace.mark();
        let sim = self.clone();
        self.trace = trace;
        Snapshot {
            sim,
            mark: TraceMarkBox(mark),
        }
    }

    /// Returns to a snapshot taken from this run; the trace is cut back to that moment.
    pub fn restore(&mut self, snap: &Snapshot<P>) {
        let mut trace = std::mem::replace(&mut self.trace, Trace::with_cap(1));
        *self = snap.sim.clone();
        trace.rewind(&snap.mark.0);
        self.trace = trace;
    }

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

    fn process_next(&mut self) {
        self.process_top();
        if self.top_spent {
            self.top_spent = false;
            self.queue.pop();
        }
    }

    /// Processes the event at the top of the queue, leaving its entry spent (`top_spent`).
    fn process_top(&mut self) {
        let Some(mut top) = self.queue.peek_mut() else {
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
        self.top_spent = true;
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
                self.now = q.t;
                self.arrive(k)
            }
            true => {
                let i = q.target as usize;
                let Some(pos) = self.nodes[i].timers.iter().position(|s| s.token == q.seq) else {
                    return;
                };
                self.now = q.t;
                let slot = self.nodes[i].timers.remove(pos);
                let id = NodeId::from_index(i);
                self.trace
                    .push(self.now, EventKind::TimerFired { node: id });
                self.run_handler(i, |p, ctx, d, v| p.on_timer(ctx, d, v, slot.timer));
                Some(i)
            }
        };
        self.events += 1;
        if self.check_all {
            self.check_all = false;
            self.check();
        } else if let Some(i) = handled {
            let found = self
                .proto
                .check_node(&mut self.shared, &self.nodes, i, self.now);
            self.report(found);
        }
    }

    /// A message reaches the end of its flight (slot `k` of `flights`); returns the receiver's
    /// index when its handler ran.
    fn arrive(&mut self, k: u32) -> Option<usize> {
        let f = self.flights.get(k).expect("a live flight");
        let (id, from, to) = (f.id, f.from, f.to);
        let reason = if f.doomed {
            Some(DropReason::Lost)
        } else if !self.nodes[to.index()].up {
            Some(DropReason::ReceiverDown)
        } else {
            match self.net.verdict(from, to) {
                Verdict::Partitioned => Some(DropReason::Partitioned),
                Verdict::Cut => Some(DropReason::Cut),
                Verdict::Pass => None,
            }
        };
        if let Some(reason) = reason {
            self.flights.remove(k);
            self.trace.push(
                self.now,
                EventKind::Dropped {
                    msg: id,
                    from,
                    to,
                    reason,
                },
            );
            return None;
        }
        if self.net.is_held(from, to) && !f.released {
            let now = self.now;
            self.flights.get_mut(k).expect("a live flight").held_at = Some(now);
            self.trace.push(now, EventKind::Held { msg: id });
            return None;
        }
        let f = self.flights.remove(k);
        self.trace.push(
            self.now,
            EventKind::Delivered {
                msg: id,
                from,
                to,
                kind: f.msg.kind(),
            },
        );
        let msg = f.msg;
        self.run_handler(to.index(), |p, ctx, d, v| {
            p.on_message(ctx, d, v, from, msg)
        });
        Some(to.index())
    }

    fn start_node(&mut self, i: usize) {
        let mut effects = std::mem::take(&mut self.effects);
        let n = self.nodes.len() as u32;
        let node = &mut self.nodes[i];
        let mut ctx = Ctx::new(
            self.now,
            node.id,
            n,
            &mut self.rng,
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
            self.now,
            node.id,
            n,
            &mut self.rng,
            &mut self.shared,
            &mut effects,
        );
        let r = f(&self.proto, &mut ctx, &mut node.durable, volatile);
        self.execute(i, &mut effects);
        self.put_back_effects(effects);
        Some(r)
    }

    fn execute(&mut self, i: usize, effects: &mut Vec<Effect<P::Msg, P::Timer>>) {
        let me = NodeId::from_index(i);
        for e in effects.drain(..) {
            match e {
                Effect::Send { to, msg } => self.send(me, to, msg),
                Effect::SetTimer { timer, after } => {
                    let fire_at = self.now + after;
                    self.seq += 1;
                    let token = self.seq;
                    let timers = &mut self.nodes[i].timers;
                    let slot = TimerSlot {
                        timer,
                        set_at: self.now,
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
                        self.enqueue(Queued {
                            t: fire_at,
                            seq: token,
                            target: i as u32,
                            timer: true,
                        });
                    }
                }
                Effect::CancelTimer(timer) => self.nodes[i].timers.retain(|s| s.timer != timer),
                Effect::Note { tag, text } => {
                    self.trace.push(
                        self.now,
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
        let id = MsgId(self.next_msg);
        self.next_msg += 1;
        let kind = msg.kind();
        let verdict = self.net.verdict(from, to);
        if verdict != Verdict::Pass {
            self.trace.push(
                self.now,
                EventKind::Sent {
                    msg: id,
                    from,
                    to,
                    kind,
                    arrive: self.now,
                },
            );
            let reason = if verdict == Verdict::Cut {
                DropReason::Cut
            } else {
                DropReason::Partitioned
            };
            self.trace.push(
                self.now,
                EventKind::Dropped {
                    msg: id,
                    from,
                    to,
                    reason,
                },
            );
            return;
        }
        let latency = self.net.config.draw_latency(&mut self.rng);
        let doomed = self.rng.chance(self.net.loss(from, to));
        let dup = self.rng.chance(self.net.config.duplicate);
        if !dup {
            self.launch(id, from, to, msg, latency, doomed);
            return;
        }
        self.launch(id, from, to, msg.clone(), latency, doomed);
        let copy = MsgId(self.next_msg);
        self.next_msg += 1;
        let latency = self.net.config.draw_latency(&mut self.rng);
        self.trace
            .push(self.now, EventKind::Duplicated { msg: id, copy });
        self.launch(copy, from, to, msg, latency, false);
    }

    fn launch(
        &mut self,
        id: MsgId,
        from: NodeId,
        to: NodeId,
        msg: P::Msg,
        latency: SimTime,
        doomed: bool,
    ) {
        let arrive = self.now + latency;
        self.trace.push(
            self.now,
            EventKind::Sent {
                msg: id,
                from,
                to,
                kind: msg.kind(),
                arrive,
            },
        );
        // The entry pushed below gets the next `seq`.
        let token = self.seq + 1;
        let k = self.flights.push(Flight {
            id,
            from,
            to,
            msg,
            sent: self.now,
            arrive,
            held_at: None,
            doomed,
            released: false,
            token,
        });
        self.push(arrive, k, false);
    }

    fn check(&mut self) {
        let found = self.proto.check(&mut self.shared, &self.nodes, self.now);
        self.report(found);
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

    /// Puts the effect list back after a handler; what it replaces is the empty list that
    /// `take` left, which holds no memory (so it is not dropped: no call to free nothing).
    #[inline(always)]
    fn put_back_effects(&mut self, effects: Vec<Effect<P::Msg, P::Timer>>) {
        let empty = std::mem::replace(&mut self.effects, effects);
        if empty.capacity() == 0 {
            std::mem::forget(empty);
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

    fn valid_node(&self, node: NodeId) -> Result<usize, String> {
        if node.0 >= 1 && node.index() < self.nodes.len() {
            Ok(node.index())
        } else {
            Err(format!(
                "there is no node {node}: nodes are numbered 1 to {}",
                self.nodes.len()
            ))
        }
    }

    fn flight_mut(&mut self, msg: MsgId) -> Result<&mut Flight<P::Msg>, String> {
        match self.flights.find(msg) {
            Some(k) => Ok(self.flights.get_mut(k).expect("found")),
            None => Err(format!("message #{msg} is not in flight")),
        }
    }

    /// Applies an intervention now. On `Err` nothing changed and the message says why.
    pub fn apply(&mut self, iv: &Intervention) -> Result<(), String> {
        use Intervention as I;
        let now = self.now;
        match iv {
            I::Crash { node } => {
                let i = self.valid_node(*node)?;
                if !self.nodes[i].up {
                    return Err(format!("node {node} is already crashed"));
                }
                let n = &mut self.nodes[i];
                n.up = false;
                n.volatile = None;
                n.timers.clear();
                self.proto.on_crash(&mut self.shared, *node, now);
                self.trace.push(now, EventKind::Crashed { node: *node });
            }
            I::Restart { node } => {
                let i = self.valid_node(*node)?;
                if self.nodes[i].up {
                    return Err(format!("node {node} is running; crash it first"));
                }
                self.nodes[i].up = true;
                self.trace.push(now, EventKind::Restarted { node: *node });
                self.start_node(i);
            }
            I::Partition { groups } => {
                let mut seen = vec![false; self.nodes.len()];
                if groups.iter().all(|g| g.is_empty()) {
                    return Err("a partition needs at least one node in a group".into());
                }
                for g in groups {
                    for m in g {
                        let i = self.valid_node(*m)?;
                        if seen[i] {
                            return Err(format!("node {m} is in two groups of the partition"));
                        }
                        seen[i] = true;
                    }
                }
                self.net.partition(groups);
                self.trace.push(
                    now,
                    EventKind::NetworkChanged {
                        what: iv.describe(),
                    },
                );
            }
            I::Heal { links } => {
                let released: Vec<MsgId> = if *links {
                    self.flights
                        .iter()
                        .filter(|f| f.held_at.is_some() && self.net.is_held(f.from, f.to))
                        .map(|f| f.id)
                        .collect()
                } else {
                    Vec::new()
                };
                self.net.heal(*links);
                self.trace.push(now, EventKind::Healed);
                for id in released {
                    self.release(id);
                }
            }
            I::SetLink {
                from,
                to,
                link,
                both,
            } => {
                self.valid_node(*from)?;
                self.valid_node(*to)?;
                if from == to {
                    return Err("a link joins two different nodes".into());
                }
                if let LinkState::Lossy { loss } = link {
                    if !(0.0..=1.0).contains(loss) || loss.is_nan() {
                        return Err(format!("link loss must be between 0 and 1, got {loss}"));
                    }
                }
                self.net.set_link(*from, *to, *link);
                if *both {
                    self.net.set_link(*to, *from, *link);
                }
                self.trace.push(
                    now,
                    EventKind::NetworkChanged {
                        what: iv.describe(),
                    },
                );
            }
            I::HoldLink { from, to } | I::ReleaseLink { from, to } => {
                self.valid_node(*from)?;
                self.valid_node(*to)?;
                if from == to {
                    return Err("a link joins two different nodes".into());
                }
                let hold = matches!(iv, I::HoldLink { .. });
                self.net.set_held(*from, *to, hold);
                self.trace.push(
                    now,
                    EventKind::NetworkChanged {
                        what: iv.describe(),
                    },
                );
                if !hold {
                    let waiting: Vec<MsgId> = self
                        .flights
                        .iter()
                        .filter(|f| f.from == *from && f.to == *to && f.held_at == Some(f.arrive))
                        .map(|f| f.id)
                        .collect();
                    for id in waiting {
                        self.release(id);
                    }
                }
            }
            I::Drop { msg } => {
                let f = self.flight_mut(*msg)?;
                let (from, to) = (f.from, f.to);
                let k = self.flights.find(*msg).expect("the flight was just found");
                self.flights.remove(k);
                self.trace.push(
                    now,
                    EventKind::Dropped {
                        msg: *msg,
                        from,
                        to,
                        reason: DropReason::ByUser,
                    },
                );
            }
            I::Duplicate { msg } => {
                let f = self.flight_mut(*msg)?;
                let (from, to, payload) = (f.from, f.to, f.msg.clone());
                let copy = MsgId(self.next_msg);
                self.next_msg += 1;
                let latency = self.net.config.draw_latency(&mut self.rng);
                self.trace
                    .push(now, EventKind::Duplicated { msg: *msg, copy });
                self.launch(copy, from, to, payload, latency, false);
            }
            I::Hold { msg } => {
                let f = self.flight_mut(*msg)?;
                if f.held_at.is_some() {
                    return Err(format!("message #{msg} is already held"));
                }
                f.held_at = Some(now);
                self.trace.push(now, EventKind::Held { msg: *msg });
            }
            I::Release { msg } => {
                let f = self.flight_mut(*msg)?;
                if f.held_at.is_none() {
                    return Err(format!("message #{msg} is not held"));
                }
                self.release(*msg);
            }
            I::Network { config } => {
                config.validate()?;
                self.net.config = config.clone();
                self.trace.push(
                    now,
                    EventKind::NetworkChanged {
                        what: iv.describe(),
                    },
                );
            }
            I::LocalEvent { node } => self.command(*node, NodeCommand::LocalEvent, iv)?,
            I::SendMessage { from, to } => {
                self.valid_node(*to)?;
                if from == to {
                    return Err("a node cannot send a message to itself".into());
                }
                self.command(*from, NodeCommand::SendTo(*to), iv)?
            }
            I::ClientRequest { node } => self.command(*node, NodeCommand::ClientRequest, iv)?,
            I::TimeoutNow { node } => self.command(*node, NodeCommand::TimeoutNow, iv)?,
            I::Join { node } => self.command(*node, NodeCommand::Join, iv)?,
            I::Leave { node } => self.command(*node, NodeCommand::Leave, iv)?,
        }
        self.check();
        Ok(())
    }

    fn release(&mut self, id: MsgId) {
        let now = self.now;
        let k = self.flights.find(id).expect("released flight exists");
        // The entry pushed below gets the next `seq`.
        let token = self.seq + 1;
        let f = self.flights.get_mut(k).expect("released flight exists");
        let held_at = f.held_at.take().expect("released flight was held");
        let left = f.arrive.saturating_sub(held_at);
        f.sent = now - held_at.saturating_sub(f.sent).min(now);
        f.arrive = now + left;
        f.released = true;
        f.token = token;
        let arrive = f.arrive;
        self.trace.push(now, EventKind::Released { msg: id });
        self.push(arrive, k, false);
    }

    fn command(&mut self, node: NodeId, cmd: NodeCommand, iv: &Intervention) -> Result<(), String> {
        let i = self.valid_node(node)?;
        if !self.nodes[i].up {
            return Err(format!("node {node} is crashed; restart it first"));
        }
        // A refused command must change nothing: keep the node and the generator, and carry out
        // the effects only when it accepts. The shared notebook is not copied (it can be large
        // and commands are frequent): protocols refuse before they touch it.
        let saved_rng = self.rng.clone();
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
                self.now,
                nd.id,
                n,
                &mut self.rng,
                &mut self.shared,
                &mut effects,
            );
            self.proto
                .on_command(&mut ctx, &mut nd.durable, volatile, &cmd)
        };
        match result {
            Ok(()) => {
                self.trace.push(
                    self.now,
                    EventKind::Commanded {
                        node,
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
                self.rng = saved_rng;
                self.nodes[i] = saved_node;
                Err(e)
            }
        }
    }
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
