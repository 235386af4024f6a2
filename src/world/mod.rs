//! The three protocols behind one type, so the page can switch between them on the same
//! network; the scenario files; and the plain view models (and JSON) the page reads.
//!
//! Pure Rust: no DOM, no clock. The UI and the page's JavaScript API both go through [`World`].

pub mod scenario;
pub mod share;

use crate::protocols::raft::Raft;
use crate::protocols::ring::Ring;
use crate::protocols::vclock::Vclock;
use crate::sim::{
    Intervention, LinkState, MessageInfo, Network, NodeId, NodeView, Protocol, Recorded, Session,
    Sim, SimTime, Trace, Violation,
};
pub use scenario::{JsonDoc, ProtocolKind, Scenario, ScenarioError, Settings};
use serde::Serialize;

/// A session of whichever protocol is running.
#[derive(Clone, Debug)]
pub enum World {
    /// Vector clocks.
    Vclock(Session<Vclock>),
    /// Raft.
    Raft(Session<Raft>),
    /// Hash ring.
    Ring(Session<Ring>),
}

/// Runs `$body` with `$s` bound to the session, whatever the protocol.
macro_rules! each {
    ($w:expr, $s:ident => $body:expr) => {
        match $w {
            World::Vclock($s) => $body,
            World::Raft($s) => $body,
            World::Ring($s) => $body,
        }
    };
}

/// One node as the cluster picture shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeCard {
    /// Its number.
    pub id: NodeId,
    /// Up or crashed.
    pub up: bool,
    /// The protocol's picture of it.
    pub view: NodeView,
    /// The full accessible label: `Node 3, leader, term 4` or `Node 2, crashed`.
    pub label: String,
    /// Its partition island (0 when there is no partition).
    pub group: u32,
}

/// One undirected link and the state of each direction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkCard {
    /// Smaller node id.
    pub a: NodeId,
    /// Larger node id.
    pub b: NodeId,
    /// Direction a -> b.
    pub ab: LinkState,
    /// Direction b -> a.
    pub ba: LinkState,
    /// a -> b holds its messages.
    pub held_ab: bool,
    /// b -> a holds its messages.
    pub held_ba: bool,
    /// Across a partition.
    pub partitioned: bool,
    /// The accessible label: `Link 1 to 3, cut`.
    pub label: String,
}

impl LinkCard {
    /// True when both directions pass messages freely.
    pub fn healthy(&self) -> bool {
        self.ab == LinkState::Healthy
            && self.ba == LinkState::Healthy
            && !self.held_ab
            && !self.held_ba
            && !self.partitioned
    }
}

/// The cluster picture's model: changes only when something discrete changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterView {
    /// Nodes in id order.
    pub nodes: Vec<NodeCard>,
    /// Links between every pair, (1,2), (1,3), …
    pub links: Vec<LinkCard>,
    /// Safety violations so far.
    pub violations: Vec<Violation>,
}

/// A message in flight, as the inspector and the accessible list describe it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlightCard {
    /// Its number.
    pub id: u64,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Kind in one word.
    pub kind: &'static str,
    /// Contents in words.
    pub summary: String,
    /// Position along the link, 0 to 1 (in JSON as the f64 it widens to, as before).
    #[serde(serialize_with = "f32_as_f64")]
    pub progress: f32,
    /// Frozen.
    pub held: bool,
    /// Will be lost on arrival.
    pub doomed: bool,
    /// Sent at, microseconds.
    pub sent: SimTime,
    /// Arrives at, microseconds.
    pub arrive: SimTime,
}

fn f32_as_f64<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(f64::from(*v))
}

/// The geometry of one message for the per-frame drawing (no strings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlightDot {
    /// Its number.
    pub id: u64,
    /// Sender index, from 0.
    pub from: u32,
    /// Receiver index, from 0.
    pub to: u32,
    /// Position along the link.
    pub progress: f32,
    /// Kind in one word (chooses the glyph).
    pub kind: &'static str,
    /// Frozen.
    pub held: bool,
}

fn card_for<P: Protocol>(sim: &Sim<P>) -> ClusterView {
    let now = sim.now();
    let net = sim.network();
    let nodes = sim
        .nodes()
        .iter()
        .map(|n| node_card(n.id, n.up, sim.proto.view_node(n, now), net))
        .collect();
    ClusterView {
        nodes,
        links: links_of(net, sim.n()),
        violations: sim.violations().to_vec(),
    }
}

/// The card of one node (whatever the protocol).
fn node_card(id: NodeId, up: bool, view: NodeView, net: &Network) -> NodeCard {
    let label = if up {
        format!("Node {id}, {}", view.aria)
    } else {
        format!("Node {id}, crashed")
    };
    NodeCard {
        id,
        up,
        view,
        label,
        group: net.group_of(id),
    }
}

/// The cards of the links between every pair of `count` nodes (whatever the protocol).
fn links_of(net: &Network, count: u32) -> Vec<LinkCard> {
    let mut links = Vec::new();
    for a in 1..=count {
        for b in a + 1..=count {
            let (a, b) = (NodeId(a), NodeId(b));
            let ab = net.link(a, b);
            let ba = net.link(b, a);
            let partitioned = net.group_of(a) != net.group_of(b);
            let (held_ab, held_ba) = (net.is_held(a, b), net.is_held(b, a));
            let state = if partitioned {
                "partitioned".to_string()
            } else if ab == ba {
                ab.describe()
            } else {
                format!("{a} to {b} {}, {b} to {a} {}", ab.describe(), ba.describe())
            };
            let held = match (held_ab, held_ba) {
                (true, true) => ", holding messages both ways".to_string(),
                (true, false) => format!(", holding messages to {b}"),
                (false, true) => format!(", holding messages to {a}"),
                _ => String::new(),
            };
            links.push(LinkCard {
                a,
                b,
                ab,
                ba,
                held_ab,
                held_ba,
                partitioned,
                label: format!("Link {a} to {b}, {state}{held}"),
            });
        }
    }
    links
}

fn flights_for<P: Protocol>(sim: &Sim<P>) -> Vec<FlightCard> {
    let now = sim.now();
    sim.flights()
        .map(|f| FlightCard {
            id: f.id.0,
            from: f.from,
            to: f.to,
            kind: f.msg.kind(),
            summary: f.msg.summary(),
            progress: f.progress(now),
            held: f.held_at.is_some(),
            doomed: f.doomed,
            sent: f.sent,
            arrive: f.arrive,
        })
        .collect()
}

/// One node in the page's `state()` (fields in the order earlier builds wrote them).
#[derive(Serialize)]
#[serde(bound = "")]
struct NodeJson<'a, P: Protocol> {
    caption: &'a str,
    durable: &'a P::Durable,
    id: u32,
    label: &'a str,
    role: &'static str,
    up: bool,
    volatile: Option<&'a P::Volatile>,
}

/// The page's `state()`: the world's JSON before the page's own fields.
#[derive(Serialize)]
#[serde(bound = "")]
struct StateJson<'a, P: Protocol> {
    events: u64,
    groups: Vec<Vec<NodeId>>,
    horizon: f64,
    interventions: usize,
    links: &'a [LinkCard],
    messages: Vec<FlightCard>,
    network: &'a crate::sim::NetConfig,
    nodes: Vec<NodeJson<'a, P>>,
    now: f64,
    protocol: &'static str,
    violations: &'a [Violation],
}

fn state_json<P: Protocol>(w: &World, sim: &Sim<P>, cluster: &ClusterView) -> String {
    let now = sim.now();
    // The cluster's cards already hold each node's view and label.
    let nodes = sim
        .nodes()
        .iter()
        .zip(&cluster.nodes)
        .map(|(n, card)| NodeJson::<P> {
            label: &card.label,
            role: if n.up { card.view.role } else { "crashed" },
            caption: &card.view.caption,
            durable: &n.durable,
            id: n.id.0,
            up: n.up,
            volatile: n.volatile.as_ref(),
        })
        .collect();
    let state = StateJson::<P> {
        events: w.events(),
        groups: sim.network().groups(),
        horizon: w.horizon() as f64 / 1000.0,
        interventions: w.log().len(),
        links: &cluster.links,
        messages: w.flights(),
        network: &sim.network().config,
        nodes,
        now: now as f64 / 1000.0,
        protocol: w.kind().id(),
        violations: &cluster.violations,
    };
    crate::sim::json::to_string(&state)
}

impl World {
    /// Builds the world a scenario describes, replaying its interventions up to `view_at`
    /// (or the last intervention). Refuses scenarios whose interventions cannot be applied.
    pub fn from_scenario(sc: &Scenario) -> Result<World, ScenarioError> {
        sc.validate()?;
        let seed = sc.seed_u64()?;
        let n = sc.nodes;
        let log = sc.interventions.clone();
        let mut w = match sc.protocol {
            ProtocolKind::Vclock => World::Vclock(Session::with_log(
                Sim::new(
                    Vclock::new(sc.settings.vclock.clone()),
                    n,
                    sc.network.clone(),
                    seed,
                ),
                log,
            )),
            ProtocolKind::Raft => World::Raft(Session::with_log(
                Sim::new(
                    Raft::new(sc.settings.raft.clone()),
                    n,
                    sc.network.clone(),
                    seed,
                ),
                log,
            )),
            ProtocolKind::Ring => World::Ring(Session::with_log(
                Sim::new(
                    Ring::new(sc.settings.ring.clone()),
                    n,
                    sc.network.clone(),
                    seed,
                ),
                log,
            )),
        };
        let last = sc.interventions.last().map_or(0, |r| r.at);
        w.advance_to(last);
        if let Some(e) = w.replay_errors().first() {
            return Err(ScenarioError(format!("the scenario does not replay: {e}")));
        }
        let view = sc.view_at.unwrap_or(last);
        w.seek(view);
        Ok(w)
    }

    /// The scenario that reproduces this run (settings, seed and every intervention).
    pub fn scenario(&self, base: &Scenario) -> Scenario {
        Scenario {
            protocol: self.kind(),
            interventions: self.log().to_vec(),
            view_at: Some(self.now()),
            ..base.clone()
        }
    }

    /// Which protocol runs.
    pub fn kind(&self) -> ProtocolKind {
        match self {
            World::Vclock(_) => ProtocolKind::Vclock,
            World::Raft(_) => ProtocolKind::Raft,
            World::Ring(_) => ProtocolKind::Ring,
        }
    }

    /// The trace of the run.
    pub fn trace(&self) -> &Trace {
        each!(self, s => s.sim().trace())
    }

    /// The network.
    pub fn network(&self) -> &Network {
        each!(self, s => s.sim().network())
    }

    /// Now, at the moment being viewed (microseconds).
    pub fn now(&self) -> SimTime {
        each!(self, s => s.now())
    }

    /// The furthest moment reached.
    pub fn horizon(&self) -> SimTime {
        each!(self, s => s.horizon())
    }

    /// True when acting now would discard later history.
    pub fn in_past(&self) -> bool {
        each!(self, s => s.in_past())
    }

    /// Every recorded intervention.
    pub fn log(&self) -> &[Recorded] {
        each!(self, s => s.log())
    }

    /// How many of the log's interventions are in effect at the moment viewed.
    pub fn applied(&self) -> usize {
        each!(self, s => s.applied())
    }

    /// Problems met replaying a loaded log.
    pub fn replay_errors(&self) -> &[String] {
        each!(self, s => s.replay_errors())
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        each!(self, s => s.sim().events())
    }

    /// Number of nodes.
    pub fn n(&self) -> u32 {
        each!(self, s => s.sim().n())
    }

    /// Runs forward to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        each!(self, s => s.advance_to(t))
    }

    /// Runs forward to `t`, stopping after about `budget` events; true when `t` was reached.
    pub fn advance_bounded(&mut self, t: SimTime, budget: u64) -> bool {
        each!(self, s => s.advance_bounded(t, budget))
    }

    /// Moves to the next event; returns its time.
    pub fn step(&mut self) -> Option<SimTime> {
        each!(self, s => s.step())
    }

    /// Shows moment `t`.
    pub fn seek(&mut self, t: SimTime) {
        each!(self, s => s.seek(t))
    }

    /// Applies an intervention now (forking history if in the past).
    pub fn intervene(&mut self, iv: Intervention) -> Result<(), String> {
        each!(self, s => s.intervene(iv))
    }

    /// The cluster picture's model.
    pub fn cluster(&self) -> ClusterView {
        each!(self, s => card_for(s.sim()))
    }

    /// Messages in flight, described.
    pub fn flights(&self) -> Vec<FlightCard> {
        each!(self, s => flights_for(s.sim()))
    }

    /// Fills `out` with the geometry of every message in flight (reuses its allocation).
    pub fn flight_dots(&self, out: &mut Vec<FlightDot>) {
        out.clear();
        each!(self, s => {
            let now = s.sim().now();
            out.extend(s.sim().flights().map(|f| FlightDot {
                id: f.id.0,
                from: f.from.0 - 1,
                to: f.to.0 - 1,
                progress: f.progress(now),
                kind: f.msg.kind(),
                held: f.held_at.is_some(),
            }))
        })
    }

    /// Each node's main timer left (1 just set, 0 firing), for the arcs drawn every frame.
    pub fn timer_arcs(&self, out: &mut Vec<Option<f32>>) {
        out.clear();
        each!(self, s => {
            let sim = s.sim();
            out.extend(sim.nodes().iter().map(|n| if n.up { sim.proto.view_node(n, sim.now()).timer } else { None }))
        })
    }

    /// The network's current settings.
    pub fn net_config(&self) -> crate::sim::NetConfig {
        self.network().config.clone()
    }

    /// Safety violations so far.
    pub fn violations(&self) -> Vec<Violation> {
        each!(self, s => s.sim().violations().to_vec())
    }

    /// The trace window as JSON Lines.
    pub fn trace_jsonl(&self) -> String {
        self.trace().to_json_lines()
    }

    /// The trace digest of everything so far.
    pub fn digest(&self) -> String {
        self.trace().digest()
    }

    /// Notable events in the trace window (time, tag, words), for timeline markers.
    pub fn notes(&self) -> Vec<(SimTime, &'static str, String)> {
        use crate::sim::EventKind;
        self.trace()
            .events()
            .filter_map(|e| match &e.kind {
                EventKind::Note { tag, text, node } => {
                    Some((e.t, *tag, format!("node {node}: {text}")))
                }
                EventKind::Violated { property, text } => {
                    Some((e.t, "violation", format!("{property}: {text}")))
                }
                _ => None,
            })
            .collect()
    }

    /// The time of the last event before the moment viewed (for "step back"), if the trace
    /// window still holds one.
    pub fn previous_event_time(&self) -> Option<SimTime> {
        let now = self.now();
        self.trace().events().rev().map(|e| e.t).find(|&t| t < now)
    }

    /// Runs forward until the next notable event (a note or a violation), at most `limit` of
    /// simulated time; returns its time, or `None` if nothing notable happened.
    pub fn run_to_next_notable(&mut self, limit: SimTime) -> Option<SimTime> {
        use crate::sim::EventKind;
        let start = self.now();
        while self.now() < start + limit {
            let mark = self.trace().total();
            self.step()?;
            let found = self
                .trace()
                .events()
                .rev()
                .take_while(|e| e.seq >= mark)
                .any(|e| matches!(e.kind, EventKind::Note { .. } | EventKind::Violated { .. }));
            if found {
                return Some(self.now());
            }
        }
        None
    }

    /// The whole state as JSON object text, for the page's `state()` API.
    pub fn state_json(&self) -> String {
        let cluster = self.cluster();
        each!(self, s => state_json(self, s.sim(), &cluster))
    }

    /// The interventions that recreate this world's faults at time 0 in another protocol:
    /// network settings, partitions, link states, held links and crashed nodes.
    pub fn faults_now(&self) -> Vec<Recorded> {
        let crashed: Vec<NodeId> =
            each!(self, s => s.sim().nodes().iter().filter(|n| !n.up).map(|n| n.id).collect());
        faults_of(self.network(), self.n(), &crashed)
    }
}

/// The interventions that recreate a network's faults and the crashed nodes at time 0.
fn faults_of(net: &Network, n: u32, crashed: &[NodeId]) -> Vec<Recorded> {
    let mut out = Vec::new();
    let mut push = |action| out.push(Recorded { at: 0, action });
    if net.config != crate::sim::NetConfig::default() {
        push(Intervention::Network {
            config: net.config.clone(),
        });
    }
    if net.is_partitioned() {
        let mut groups = net.groups();
        groups.pop();
        push(Intervention::Partition { groups });
    }
    for a in 1..=n {
        for b in 1..=n {
            if a == b {
                continue;
            }
            let (a, b) = (NodeId(a), NodeId(b));
            let link = net.link(a, b);
            if link != LinkState::Healthy {
                push(Intervention::SetLink {
                    from: a,
                    to: b,
                    link,
                    both: false,
                });
            }
            if net.is_held(a, b) {
                push(Intervention::HoldLink { from: a, to: b });
            }
        }
    }
    for &node in crashed {
        push(Intervention::Crash { node });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// `state_json` as earlier builds made it, through `json!` and `to_value`.
    fn reference_state<P: Protocol>(w: &World, sim: &Sim<P>) -> Value {
        let now = sim.now();
        let nodes: Vec<Value> = sim.nodes()
            .iter()
            .map(|n| {
                let view = sim.proto.view_node(n, now);
                json!({
                    "id": n.id.0,
                    "label": if n.up { format!("Node {}, {}", n.id, view.aria) } else { format!("Node {}, crashed", n.id) },
                    "up": n.up,
                    "role": if n.up { view.role } else { "crashed" },
                    "caption": view.caption,
                    "durable": serde_json::to_value(&n.durable).unwrap_or(Value::Null),
                    "volatile": n.volatile.as_ref().map(|v| serde_json::to_value(v).unwrap_or(Value::Null)),
                })
            })
            .collect();
        let cluster = w.cluster();
        let links: Vec<Value> = cluster
            .links
            .iter()
            .map(|l| {
                json!({
                    "a": l.a.0, "b": l.b.0,
                    "ab": l.ab, "ba": l.ba,
                    "held_ab": l.held_ab, "held_ba": l.held_ba,
                    "partitioned": l.partitioned,
                    "label": l.label,
                })
            })
            .collect();
        json!({
            "protocol": w.kind().id(),
            "now": w.now() as f64 / 1000.0,
            "horizon": w.horizon() as f64 / 1000.0,
            "events": w.events(),
            "nodes": nodes,
            "links": links,
            "groups": sim.network().groups(),
            "network": sim.network().config.clone(),
            "messages": w.flights(),
            "violations": cluster.violations,
            "interventions": w.log().len(),
        })
    }

    #[test]
    fn the_state_json_holds_what_it_held_before() {
        use crate::sim::{Intervention as I, LinkState};
        for kind in ProtocolKind::ALL {
            let sc = Scenario {
                protocol: kind,
                ..Scenario::default()
            };
            let mut w = World::from_scenario(&sc).unwrap();
            let steps = [
                I::Crash { node: NodeId(2) },
                I::Partition {
                    groups: vec![vec![NodeId(1), NodeId(3)]],
                },
                I::SetLink {
                    from: NodeId(4),
                    to: NodeId(5),
                    link: LinkState::Cut,
                    both: false,
                },
                I::HoldLink {
                    from: NodeId(5),
                    to: NodeId(4),
                },
                I::Heal { links: false },
                I::Restart { node: NodeId(2) },
            ];
            for (i, iv) in steps.into_iter().enumerate() {
                w.advance_to(w.now() + 137_000 + i as u64 * 91_000);
                let reference = each!(&w, s => reference_state(&w, s.sim()));
                let ours: Value = serde_json::from_str(&w.state_json()).unwrap();
                assert_eq!(ours, reference, "{kind:?} step {i}");
                w.intervene(iv).unwrap();
            }
            w.advance_to(w.now() + 2_000_000);
            let reference = each!(&w, s => reference_state(&w, s.sim()));
            let ours: Value = serde_json::from_str(&w.state_json()).unwrap();
            assert_eq!(ours, reference, "{kind:?} at the end");
        }
    }

    #[test]
    fn default_scenario_builds_every_protocol() {
        for kind in ProtocolKind::ALL {
            let sc = Scenario {
                protocol: kind,
                ..Scenario::default()
            };
            let w = World::from_scenario(&sc).unwrap();
            assert_eq!(w.kind(), kind);
            assert_eq!(w.cluster().nodes.len(), 5);
            assert_eq!(w.cluster().links.len(), 10);
        }
    }
}
