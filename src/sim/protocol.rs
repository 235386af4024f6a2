//! The one trait every protocol implements, sans-IO: handlers change the node's state and write
//! effects (send, set or cancel a timer, a note for the trace) through a [`Ctx`]; the sim
//! carries them out afterwards.
//!
//! State is split: `Durable` survives a crash (Raft's term, vote and log), `Volatile` does not
//! and is rebuilt by `on_start` after a restart. `Shared` is the omniscient observer's notebook
//! (the safety checker's history, the space-time diagram's events, the ring's membership table):
//! it is cloned into every checkpoint, so it must stay small or share its storage.

use super::ids::NodeId;
use super::rng::SimRng;
use super::time::SimTime;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// What a message tells people about itself.
pub trait MessageInfo {
    /// Its kind in one word (`RequestVote`, `Append`, `Chat`): chooses the glyph and the colour.
    fn kind(&self) -> &'static str;
    /// Its contents in one line of words.
    fn summary(&self) -> String;
}

/// A protocol-specific action a user asks a node to do (a click, a key or the JS API).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NodeCommand {
    /// Vector clocks: a local event.
    LocalEvent,
    /// Vector clocks: send a message to `to`.
    SendTo(NodeId),
    /// Raft: a client asks this node to replicate a command.
    ClientRequest,
    /// Raft: the election timer fires now.
    TimeoutNow,
    /// Hash ring: this node joins the ring.
    Join,
    /// Hash ring: this node leaves the ring gracefully.
    Leave,
}

/// One effect a handler asks for; the sim carries it out after the handler returns.
#[derive(Clone, Debug)]
pub enum Effect<M, T> {
    /// Send a message over the network.
    Send {
        /// Receiver.
        to: NodeId,
        /// Payload.
        msg: M,
    },
    /// Start (or restart) a timer; a timer equal to a running one replaces it.
    SetTimer {
        /// Which timer.
        timer: T,
        /// Fires this long from now, in microseconds.
        after: SimTime,
    },
    /// Cancel a running timer, if any.
    CancelTimer(T),
    /// Something worth telling people happened (a role change, a commit): written to the trace.
    Note {
        /// Short machine tag (`leader`, `commit`, `join`), used for timeline markers.
        tag: &'static str,
        /// Words.
        text: String,
    },
}

/// What a handler may use: the time, its identity, the cluster size, the run's generator, the
/// observer's notebook, and the effect list.
pub struct Ctx<'a, P: Protocol> {
    /// Now, in simulated microseconds.
    pub now: SimTime,
    /// The node the handler runs on.
    pub id: NodeId,
    /// Number of nodes in the cluster.
    pub n: u32,
    /// The run's only random generator.
    pub rng: &'a mut SimRng,
    /// The observer's notebook.
    pub shared: &'a mut P::Shared,
    pub(crate) effects: &'a mut Vec<Effect<P::Msg, P::Timer>>,
}

impl<'a, P: Protocol> Ctx<'a, P> {
    /// A context that collects effects into `effects` (for the engine and for unit tests).
    pub fn new(
        now: SimTime,
        id: NodeId,
        n: u32,
        rng: &'a mut SimRng,
        shared: &'a mut P::Shared,
        effects: &'a mut Vec<Effect<P::Msg, P::Timer>>,
    ) -> Self {
        Ctx {
            now,
            id,
            n,
            rng,
            shared,
            effects,
        }
    }

    /// Sends `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Sends `msg` to every other node.
    pub fn broadcast(&mut self, msg: P::Msg) {
        for i in 1..=self.n {
            if NodeId(i) != self.id {
                self.send(NodeId(i), msg.clone());
            }
        }
    }

    /// Starts `timer`, firing `after` microseconds from now (replacing an equal running timer).
    pub fn set_timer(&mut self, timer: P::Timer, after: SimTime) {
        self.effects.push(Effect::SetTimer { timer, after });
    }

    /// Cancels `timer` if it runs.
    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.effects.push(Effect::CancelTimer(timer));
    }

    /// Writes a notable change to the trace.
    pub fn note(&mut self, tag: &'static str, text: impl Into<String>) {
        self.effects.push(Effect::Note {
            tag,
            text: text.into(),
        });
    }

    /// The nodes other than this one.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        (1..=self.n).map(NodeId).filter(move |&p| p != self.id)
    }
}

/// How one node looks in the cluster picture, whatever the protocol.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeView {
    /// A CSS class for the node's role (`leader`, `follower`, `candidate`, `member`).
    pub role: &'static str,
    /// The text under the node's number (`leader T4`, `[2,0,1]`).
    pub caption: String,
    /// The accessible label after "Node 3, " (`leader, term 4`).
    pub aria: String,
    /// Progress of the node's main timer, 1 = just set, 0 = about to fire (Raft's election arc).
    pub timer: Option<f32>,
    /// Lines of detail for the inspector.
    pub details: Vec<String>,
}

/// A protocol: message, timer and state types, and the handlers that run on each node.
pub trait Protocol: Clone + Debug + 'static {
    /// The message payload.
    type Msg: Clone + Debug + Serialize + MessageInfo;
    /// A timer's identity.
    type Timer: Clone + Debug + PartialEq + Serialize;
    /// State that survives a crash.
    type Durable: Clone + Debug + Serialize;
    /// State lost on a crash, rebuilt by `on_start`.
    type Volatile: Clone + Debug + Serialize;
    /// The observer's notebook, shared by the whole run (cloned into checkpoints).
    type Shared: Clone + Debug + Default;

    /// The protocol's name in words.
    fn name(&self) -> &'static str;

    /// Durable state of a node that has never run.
    fn init_durable(&self, id: NodeId, n: u32) -> Self::Durable;

    /// Starts (or restarts after a crash) a node from its durable state.
    fn on_start(&self, ctx: &mut Ctx<Self>, durable: &mut Self::Durable) -> Self::Volatile;

    /// A message arrives.
    fn on_message(
        &self,
        ctx: &mut Ctx<Self>,
        durable: &mut Self::Durable,
        volatile: &mut Self::Volatile,
        from: NodeId,
        msg: Self::Msg,
    );

    /// A timer fires.
    fn on_timer(
        &self,
        ctx: &mut Ctx<Self>,
        durable: &mut Self::Durable,
        volatile: &mut Self::Volatile,
        timer: Self::Timer,
    );

    /// A user's command; `Err` says in words why this protocol or node cannot do it. Refuse
    /// before changing anything: on a refusal the engine restores the node and the generator
    /// and drops the effects, but it does not restore `Shared`.
    fn on_command(
        &self,
        ctx: &mut Ctx<Self>,
        durable: &mut Self::Durable,
        volatile: &mut Self::Volatile,
        command: &NodeCommand,
    ) -> Result<(), String>;

    /// The observer learns that a node crashed (its volatile state is already gone).
    fn on_crash(&self, _shared: &mut Self::Shared, _id: NodeId, _now: SimTime) {}

    /// Checks the protocol's invariants after an event; returns the properties that broke.
    fn check(
        &self,
        _shared: &mut Self::Shared,
        _nodes: &[super::engine::Node<Self>],
        _now: SimTime,
    ) -> Vec<super::engine::Violation> {
        Vec::new()
    }

    /// As [`Protocol::check`], after an event whose handler ran on node `index` (zero-based)
    /// only: the engine's hot path. A protocol whose checks look at each node on its own may
    /// look at that node alone, since no other node changed; the default checks them all.
    fn check_node(
        &self,
        shared: &mut Self::Shared,
        nodes: &[super::engine::Node<Self>],
        _index: usize,
        now: SimTime,
    ) -> Vec<super::engine::Violation> {
        self.check(shared, nodes, now)
    }

    /// How a node looks in the picture.
    fn view_node(&self, node: &super::engine::Node<Self>, now: SimTime) -> NodeView;
}
