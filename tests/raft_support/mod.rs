//! Test helpers for the Raft tests: a hand-driven cluster for step-by-step scripts (the test
//! decides which message is delivered and which is lost), and small queries over a `Sim`.

#![allow(dead_code)]

use nodescape::protocols::raft::{Raft, RaftChecker, RaftMsg, RaftSettings, RaftTimer, Role};
use nodescape::sim::protocol::Effect;
use nodescape::sim::{Ctx, NodeCommand, NodeId, Protocol, Sim, SimRng, Violation};

/// A cluster driven by hand: handlers run only when the script says so; timers never fire by
/// themselves (`timeout` fires the election timer), and messages wait in `outbox` until the
/// script delivers or discards them. The safety checker runs after every step.
pub struct Script {
    pub raft: Raft,
    pub nodes: Vec<nodescape::sim::Node<Raft>>,
    pub shared: RaftChecker,
    pub rng: SimRng,
    pub outbox: Vec<(NodeId, NodeId, RaftMsg)>,
    pub violations: Vec<Violation>,
    pub now: u64,
}

impl Script {
    /// `n` nodes, all started.
    pub fn new(n: u32, settings: RaftSettings) -> Self {
        let raft = Raft::new(settings);
        let nodes = (1..=n)
            .map(|i| nodescape::sim::Node {
                id: NodeId(i),
                up: false,
                durable: raft.init_durable(NodeId(i), n),
                volatile: None,
                timers: Vec::new(),
            })
            .collect();
        let mut s = Script {
            raft,
            nodes,
            shared: RaftChecker::default(),
            rng: SimRng::new(7),
            outbox: Vec::new(),
            violations: Vec::new(),
            now: 0,
        };
        for i in 1..=n {
            s.restart(i);
        }
        s
    }

    fn n(&self) -> u32 {
        self.nodes.len() as u32
    }

    fn run(
        &mut self,
        i: u32,
        f: impl FnOnce(
            &Raft,
            &mut Ctx<Raft>,
            &mut nodescape::protocols::raft::RaftDurable,
            &mut nodescape::protocols::raft::RaftVolatile,
        ),
    ) {
        self.now += 1_000;
        let n = self.n();
        let mut effects: Vec<Effect<RaftMsg, RaftTimer>> = Vec::new();
        let node = &mut self.nodes[i as usize - 1];
        let v = node
            .volatile
            .as_mut()
            .expect("script runs handlers on running nodes");
        let mut ctx = Ctx::new(
            self.now,
            NodeId(i),
            n,
            &mut self.rng,
            &mut self.shared,
            &mut effects,
        );
        f(&self.raft, &mut ctx, &mut node.durable, v);
        for e in effects {
            if let Effect::Send { to, msg } = e {
                self.outbox.push((NodeId(i), to, msg));
            }
        }
        let found = self.shared.check(&self.nodes, self.now);
        self.violations.extend(found);
    }

    /// Delivers one message to node `to` now; returns the messages it sent in answer (they
    /// stay in the outbox too).
    pub fn deliver(&mut self, from: u32, to: u32, msg: RaftMsg) -> Vec<RaftMsg> {
        let before = self.outbox.len();
        self.run(to, |p, ctx, d, v| {
            p.on_message(ctx, d, v, NodeId(from), msg)
        });
        self.outbox[before..]
            .iter()
            .map(|(_, _, m)| m.clone())
            .collect()
    }

    /// Node `i`'s election timer fires.
    pub fn timeout(&mut self, i: u32) {
        self.run(i, |p, ctx, d, v| p.on_timer(ctx, d, v, RaftTimer::Election));
    }

    /// Node `i`'s heartbeat timer fires.
    pub fn heartbeat(&mut self, i: u32) {
        self.run(i, |p, ctx, d, v| {
            p.on_timer(ctx, d, v, RaftTimer::Heartbeat)
        });
    }

    /// A client request at node `i`.
    pub fn request(&mut self, i: u32) -> Result<(), String> {
        let mut out = Ok(());
        self.run(i, |p, ctx, d, v| {
            out = p.on_command(ctx, d, v, &NodeCommand::ClientRequest)
        });
        out
    }

    /// Node `i` crashes: volatile state gone, its unsent and undelivered messages too.
    pub fn crash(&mut self, i: u32) {
        let node = &mut self.nodes[i as usize - 1];
        node.up = false;
        node.volatile = None;
        self.raft.on_crash(&mut self.shared, NodeId(i), self.now);
        self.outbox.retain(|(f, t, _)| f.0 != i && t.0 != i);
    }

    /// Node `i` restarts from its durable state.
    pub fn restart(&mut self, i: u32) {
        let n = self.n();
        let mut effects = Vec::new();
        let node = &mut self.nodes[i as usize - 1];
        let mut ctx = Ctx::new(
            self.now,
            NodeId(i),
            n,
            &mut self.rng,
            &mut self.shared,
            &mut effects,
        );
        node.volatile = Some(self.raft.on_start(&mut ctx, &mut node.durable));
        node.up = true;
    }

    /// Delivers waiting messages that `allow` lets through (and the messages they cause, and
    /// so on) until none is left; the others are lost.
    pub fn pump(&mut self, allow: impl Fn(u32, u32, &RaftMsg) -> bool) {
        while !self.outbox.is_empty() {
            let batch = std::mem::take(&mut self.outbox);
            for (from, to, msg) in batch {
                if !allow(from.0, to.0, &msg) || !self.nodes[to.index()].up {
                    continue;
                }
                self.run(to.0, |p, ctx, d, v| p.on_message(ctx, d, v, from, msg));
            }
        }
    }

    /// Delivers only messages among the nodes in `group`.
    pub fn pump_within(&mut self, group: &[u32]) {
        let g = group.to_vec();
        self.pump(move |f, t, _| g.contains(&f) && g.contains(&t));
    }

    pub fn role(&self, i: u32) -> Option<Role> {
        self.nodes[i as usize - 1].volatile.as_ref().map(|v| v.role)
    }

    pub fn term(&self, i: u32) -> u64 {
        self.nodes[i as usize - 1].durable.current_term
    }

    pub fn commit(&self, i: u32) -> u64 {
        self.nodes[i as usize - 1]
            .volatile
            .as_ref()
            .map_or(0, |v| v.commit_index)
    }

    /// Node `i`'s log as the terms of its entries.
    pub fn log_terms(&self, i: u32) -> Vec<u64> {
        self.nodes[i as usize - 1]
            .durable
            .log
            .iter()
            .map(|e| e.term)
            .collect()
    }

    pub fn properties_broken(&self) -> Vec<&'static str> {
        self.violations.iter().map(|v| v.property).collect()
    }
}

/// The running leader with the highest term, if any.
pub fn leader(sim: &Sim<Raft>) -> Option<(NodeId, u64)> {
    sim.nodes()
        .iter()
        .filter(|n| n.volatile.as_ref().is_some_and(|v| v.role == Role::Leader))
        .map(|n| (n.id, n.durable.current_term))
        .max_by_key(|&(_, t)| t)
}

/// A leader that no running node has overtaken: its term is the highest among running nodes.
pub fn undisputed_leader(sim: &Sim<Raft>) -> Option<(NodeId, u64)> {
    let (id, term) = leader(sim)?;
    let top = sim
        .nodes()
        .iter()
        .filter(|n| n.up)
        .map(|n| n.durable.current_term)
        .max()
        .unwrap_or(0);
    (term >= top).then_some((id, term))
}

/// Advances in 5 ms steps until `pred` holds or `limit` microseconds pass; returns the time.
pub fn run_until(
    sim: &mut Sim<Raft>,
    limit: u64,
    mut pred: impl FnMut(&Sim<Raft>) -> bool,
) -> Option<u64> {
    let end = sim.now() + limit;
    loop {
        if pred(sim) {
            return Some(sim.now());
        }
        if sim.now() >= end {
            return None;
        }
        let t = (sim.now() + 5_000).min(end);
        sim.advance_to(t);
    }
}

/// The commit index of a running node (0 while crashed).
pub fn commit_of(sim: &Sim<Raft>, id: NodeId) -> u64 {
    sim.node(id)
        .and_then(|n| n.volatile.as_ref())
        .map_or(0, |v| v.commit_index)
}

/// The role of a running node.
pub fn role_of(sim: &Sim<Raft>, id: NodeId) -> Option<Role> {
    sim.node(id)
        .and_then(|n| n.volatile.as_ref())
        .map(|v| v.role)
}
