//! Small test protocols for engine tests: they exercise every engine feature without the
//! complexity of a real protocol. Shared by native tests and the wasm-bindgen-test lane.
#![allow(dead_code)]

use nodescape::sim::{
    Ctx, Intervention, MessageInfo, NetConfig, Node, NodeCommand, NodeId, NodeView, Protocol,
    Session, Sim, SimTime, MS, SEC,
};
use serde::Serialize;

/// Gossip: every node ticks on a random timer and pings a random peer, which answers with a
/// pong; counts what it sent and received. Durable: pings received; volatile: pongs received.
#[derive(Clone, Debug)]
pub struct Gossip {
    /// Tick interval bounds, microseconds.
    pub tick: (SimTime, SimTime),
}

impl Default for Gossip {
    fn default() -> Self {
        Gossip {
            tick: (20 * MS, 60 * MS),
        }
    }
}

/// A gossip message.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub enum Ping {
    /// A ping with a number.
    Ping(u64),
    /// The answer.
    Pong(u64),
}

impl MessageInfo for Ping {
    fn kind(&self) -> &'static str {
        match self {
            Ping::Ping(_) => "Ping",
            Ping::Pong(_) => "Pong",
        }
    }
    fn summary(&self) -> String {
        format!("{self:?}")
    }
}

/// Durable part: pings received ever.
#[derive(Clone, Debug, Serialize, Default, PartialEq)]
pub struct Durable {
    /// Pings received.
    pub pings: u64,
    /// Times started.
    pub starts: u64,
}

/// Volatile part: pongs received since start.
#[derive(Clone, Debug, Serialize, Default, PartialEq)]
pub struct Volatile {
    /// Pongs received.
    pub pongs: u64,
    /// Pings sent.
    pub sent: u64,
}

impl Protocol for Gossip {
    type Msg = Ping;
    type Timer = ();
    type Durable = Durable;
    type Volatile = Volatile;
    type Shared = ();

    fn name(&self) -> &'static str {
        "gossip"
    }

    fn init_durable(&self, _id: NodeId, _n: u32) -> Durable {
        Durable::default()
    }

    fn on_start(&self, ctx: &mut Ctx<Self>, durable: &mut Durable) -> Volatile {
        durable.starts += 1;
        let d = ctx.rng.range(self.tick.0, self.tick.1);
        ctx.set_timer((), d);
        Volatile::default()
    }

    fn on_message(
        &self,
        ctx: &mut Ctx<Self>,
        durable: &mut Durable,
        volatile: &mut Volatile,
        from: NodeId,
        msg: Ping,
    ) {
        match msg {
            Ping::Ping(k) => {
                durable.pings += 1;
                ctx.send(from, Ping::Pong(k));
            }
            Ping::Pong(_) => volatile.pongs += 1,
        }
    }

    fn on_timer(&self, ctx: &mut Ctx<Self>, _d: &mut Durable, v: &mut Volatile, _t: ()) {
        let peers: Vec<NodeId> = ctx.peers().collect();
        let to = peers[ctx.rng.range(0, peers.len() as u64 - 1) as usize];
        v.sent += 1;
        ctx.send(to, Ping::Ping(v.sent));
        let d = ctx.rng.range(self.tick.0, self.tick.1);
        ctx.set_timer((), d);
    }

    fn on_command(
        &self,
        ctx: &mut Ctx<Self>,
        _d: &mut Durable,
        v: &mut Volatile,
        command: &NodeCommand,
    ) -> Result<(), String> {
        match command {
            NodeCommand::SendTo(to) => {
                v.sent += 1;
                ctx.send(*to, Ping::Ping(v.sent));
                Ok(())
            }
            other => Err(format!("gossip cannot do {other:?}")),
        }
    }

    fn view_node(&self, node: &Node<Self>, _now: SimTime) -> NodeView {
        NodeView {
            role: "member",
            caption: format!("{} pings", node.durable.pings),
            aria: format!("{} pings received", node.durable.pings),
            ..NodeView::default()
        }
    }
}

/// A 5-node gossip world on the default network.
pub fn gossip(seed: u64) -> Sim<Gossip> {
    Sim::new(Gossip::default(), 5, NetConfig::default(), seed)
}

/// A lossy, duplicating, jittery network.
pub fn rough_network() -> NetConfig {
    NetConfig {
        loss: 0.1,
        duplicate: 0.1,
        jitter_us: 20 * MS,
        ..NetConfig::default()
    }
}

/// The fixed script of interventions the determinism tests replay: a bit of everything.
pub fn script() -> Vec<(SimTime, Intervention)> {
    use Intervention::*;
    let n = NodeId;
    vec![
        (100 * MS, Crash { node: n(2) }),
        (
            200 * MS,
            Partition {
                groups: vec![vec![n(1), n(3)]],
            },
        ),
        (
            300 * MS,
            Network {
                config: rough_network(),
            },
        ),
        (450 * MS, Restart { node: n(2) }),
        (
            500 * MS,
            SetLink {
                from: n(4),
                to: n(5),
                link: nodescape::sim::LinkState::Cut,
                both: false,
            },
        ),
        (600 * MS, Heal { links: true }),
        (
            700 * MS,
            SendMessage {
                from: n(1),
                to: n(4),
            },
        ),
    ]
}

/// Runs the script for `until` of simulated time in one session, advancing in frames of
/// `frame` microseconds; returns the trace digest.
pub fn scripted_digest(seed: u64, until: SimTime, frame: SimTime) -> String {
    let mut s = Session::new(gossip(seed));
    let script = script();
    let mut next = 0;
    let mut t = 0;
    while t < until {
        t = (t + frame).min(until);
        while next < script.len() && script[next].0 <= t {
            s.advance_to(script[next].0);
            s.intervene(script[next].1.clone()).expect("script applies");
            next += 1;
        }
        s.advance_to(t);
    }
    s.sim().trace().digest()
}

/// Two seconds of the script, the reference run for cross-platform determinism.
pub fn reference_digest() -> String {
    scripted_digest(42, 2 * SEC, 16_667)
}
