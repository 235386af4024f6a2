//! The simulated network: latency, jitter, loss and duplication for everyone, a state per
//! directed link, partitions as groups, and links that hold their messages.
//!
//! Rules are checked in order and the first verdict that is not "pass" decides (as in turmoil):
//! sender or receiver crashed, partition, the directed link's state, then random loss.

use super::ids::NodeId;
use super::json::Keyed;
use super::rng::SimRng;
use super::time::{SimTime, MS};
use serde::{Deserialize, Serialize};

/// Settings that apply to every message on the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetConfig {
    /// Smallest one-way latency, microseconds (default 10 ms, as in RaftScope).
    pub latency_min_us: u64,
    /// Largest one-way latency, microseconds (default 15 ms).
    pub latency_max_us: u64,
    /// Extra random delay added on top, microseconds: more reordering (default 0).
    pub jitter_us: u64,
    /// Probability that a message is lost (0 to 1).
    pub loss: f64,
    /// Probability that a message is delivered twice (0 to 1).
    pub duplicate: f64,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            latency_min_us: 10 * MS,
            latency_max_us: 15 * MS,
            jitter_us: 0,
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

impl NetConfig {
    /// Largest latency or jitter a setting may ask for: 10 simulated seconds.
    pub const MAX_DELAY_US: u64 = 10_000 * MS;

    /// Checks the ranges; the message says which field is wrong, in words.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_min_us == 0 {
            return Err("network.latency_min_us must be at least 1 microsecond".into());
        }
        if self.latency_max_us > Self::MAX_DELAY_US || self.jitter_us > Self::MAX_DELAY_US {
            return Err(format!(
                "network latency and jitter must be at most {} ms",
                Self::MAX_DELAY_US / MS
            ));
        }
        if self.latency_min_us > self.latency_max_us {
            return Err(format!(
                "network.latency_min_us ({}) is larger than latency_max_us ({})",
                self.latency_min_us, self.latency_max_us
            ));
        }
        for (name, p) in [("loss", self.loss), ("duplicate", self.duplicate)] {
            if !(0.0..=1.0).contains(&p) || p.is_nan() {
                return Err(format!("network.{name} must be between 0 and 1, got {p}"));
            }
        }
        Ok(())
    }

    /// Draws one message's flight time.
    pub fn draw_latency(&self, rng: &mut SimRng) -> SimTime {
        let base = rng.range(self.latency_min_us, self.latency_max_us);
        if self.jitter_us > 0 {
            base + rng.range(0, self.jitter_us)
        } else {
            base
        }
    }
}

/// The state of one direction of a link.
///
/// Read through a flat record, like [`Intervention`](super::Intervention), to keep serde's
/// buffering of internally tagged enums out of the wasm.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "Keyed<LinkWire>")]
pub enum LinkState {
    /// Messages pass (subject to the network's settings).
    Healthy,
    /// Nothing passes.
    Cut,
    /// Each message is lost with probability `loss`, on top of the network's loss.
    Lossy {
        /// Probability of loss on this link, 0 to 1.
        loss: f64,
    },
}

/// The states, as written in `"state"`.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LinkKind {
    Healthy,
    Cut,
    Lossy,
}

/// The JSON form of a [`LinkState`]: `{"state": "lossy", "loss": 0.3}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkWire {
    state: LinkKind,
    loss: Option<f64>,
}

impl TryFrom<Keyed<LinkWire>> for LinkState {
    type Error = &'static str;

    fn try_from(Keyed(w): Keyed<LinkWire>) -> Result<Self, &'static str> {
        match (w.state, w.loss) {
            (LinkKind::Healthy, None) => Ok(LinkState::Healthy),
            (LinkKind::Cut, None) => Ok(LinkState::Cut),
            (LinkKind::Lossy, Some(loss)) => Ok(LinkState::Lossy { loss }),
            (LinkKind::Lossy, None) => Err("missing field `loss` in a lossy link state"),
            (_, Some(_)) => Err("unknown field `loss`: only a lossy link state has a loss"),
        }
    }
}

impl LinkState {
    /// Words for labels: `healthy`, `cut`, `lossy 30%`.
    pub fn describe(&self) -> String {
        match self {
            LinkState::Healthy => "healthy".into(),
            LinkState::Cut => "cut".into(),
            LinkState::Lossy { loss } => format!("lossy {:.0}%", loss * 100.0),
        }
    }
}

/// What the network decides for one message at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The message may pass.
    Pass,
    /// Blocked by a partition.
    Partitioned,
    /// Blocked by a cut link.
    Cut,
}

/// Partitions, per-link states and held links, for a cluster of `n` nodes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    /// Settings for every message.
    pub config: NetConfig,
    n: usize,
    /// `links[from][to]`, zero-based.
    links: Vec<Vec<LinkState>>,
    /// `held[from][to]`: messages arriving over this direction wait until released.
    held: Vec<Vec<bool>>,
    /// Group number of each node; nodes in different groups cannot talk. All zero = no partition.
    group: Vec<u32>,
    /// True when there is no partition and every link is healthy and not held: then the
    /// verdict of every message is "pass" and only the network's settings apply, which spares
    /// the event loop three lookups in nested tables per message. Kept by every method that
    /// changes the tables.
    #[serde(skip)]
    plain: bool,
}

impl Network {
    /// A healthy network of `n` nodes.
    pub fn new(n: usize, config: NetConfig) -> Self {
        Network {
            config,
            n,
            links: vec![vec![LinkState::Healthy; n]; n],
            held: vec![vec![false; n]; n],
            group: vec![0; n],
            plain: true,
        }
    }

    /// Works out `plain` again after a change to the tables.
    fn update_plain(&mut self) {
        self.plain = !self.is_partitioned()
            && self
                .links
                .iter()
                .flatten()
                .all(|l| *l == LinkState::Healthy)
            && self.held.iter().flatten().all(|h| !h);
    }

    /// Number of nodes the network connects.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for a network of no nodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Adds one node, healthy and in group 0.
    pub fn add_node(&mut self) {
        self.n += 1;
        for row in &mut self.links {
            row.push(LinkState::Healthy);
        }
        for row in &mut self.held {
            row.push(false);
        }
        self.links.push(vec![LinkState::Healthy; self.n]);
        self.held.push(vec![false; self.n]);
        self.group.push(0);
        self.update_plain();
    }

    /// The state of the direction `from -> to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkState {
        self.links[from.index()][to.index()]
    }

    /// Sets the state of the direction `from -> to`.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, state: LinkState) {
        self.links[from.index()][to.index()] = state;
        self.update_plain();
    }

    /// True when messages over `from -> to` are held.
    #[inline(always)]
    pub fn is_held(&self, from: NodeId, to: NodeId) -> bool {
        !self.plain && self.held[from.index()][to.index()]
    }

    /// Holds or releases the direction `from -> to`.
    pub fn set_held(&mut self, from: NodeId, to: NodeId, held: bool) {
        self.held[from.index()][to.index()] = held;
        self.update_plain();
    }

    /// The partition group of a node (0 when there is no partition).
    pub fn group_of(&self, node: NodeId) -> u32 {
        self.group[node.index()]
    }

    /// True while any partition is in force.
    pub fn is_partitioned(&self) -> bool {
        self.group.iter().any(|&g| g != self.group[0])
    }

    /// The groups as lists of nodes, in order of their smallest member.
    pub fn groups(&self) -> Vec<Vec<NodeId>> {
        let mut out: Vec<(u32, Vec<NodeId>)> = Vec::new();
        for (i, &g) in self.group.iter().enumerate() {
            match out.iter_mut().find(|(k, _)| *k == g) {
                Some((_, v)) => v.push(NodeId::from_index(i)),
                None => out.push((g, vec![NodeId::from_index(i)])),
            }
        }
        out.into_iter().map(|(_, v)| v).collect()
    }

    /// Splits the cluster: each listed group is an island; unlisted nodes form one more island.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        let rest = groups.len() as u32 + 1;
        self.group.iter_mut().for_each(|g| *g = rest);
        for (k, members) in groups.iter().enumerate() {
            for m in members {
                self.group[m.index()] = k as u32 + 1;
            }
        }
        // Renumber so that "no partition" is always all zeros.
        if !self.is_partitioned() {
            self.group.iter_mut().for_each(|g| *g = 0);
        }
        self.update_plain();
    }

    /// Removes partitions, and with `links` also every cut, lossy or held link.
    pub fn heal(&mut self, links: bool) {
        self.group.iter_mut().for_each(|g| *g = 0);
        if links {
            for row in &mut self.links {
                row.iter_mut().for_each(|l| *l = LinkState::Healthy);
            }
            for row in &mut self.held {
                row.iter_mut().for_each(|h| *h = false);
            }
        }
        self.update_plain();
    }

    /// The deterministic part of the decision (partition, cut); random loss is decided by the sim.
    #[inline(always)]
    pub fn verdict(&self, from: NodeId, to: NodeId) -> Verdict {
        if self.plain {
            Verdict::Pass
        } else if self.group_of(from) != self.group_of(to) {
            Verdict::Partitioned
        } else if matches!(self.link(from, to), LinkState::Cut) {
            Verdict::Cut
        } else {
            Verdict::Pass
        }
    }

    /// The probability a message on `from -> to` is lost at random.
    #[inline(always)]
    pub fn loss(&self, from: NodeId, to: NodeId) -> f64 {
        // The same formula on a plain network (1 - (1 - loss) is not always `loss` exactly).
        let link = match self.plain {
            true => 0.0,
            false => match self.link(from, to) {
                LinkState::Lossy { loss } => loss,
                _ => 0.0,
            },
        };
        1.0 - (1.0 - self.config.loss) * (1.0 - link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> NodeId {
        NodeId(i)
    }

    #[test]
    fn partition_blocks_across_groups_only() {
        let mut net = Network::new(5, NetConfig::default());
        net.partition(&[vec![n(1), n(2)]]);
        assert_eq!(net.verdict(n(1), n(2)), Verdict::Pass);
        assert_eq!(net.verdict(n(1), n(3)), Verdict::Partitioned);
        assert_eq!(net.verdict(n(4), n(5)), Verdict::Pass);
        assert_eq!(net.groups(), vec![vec![n(1), n(2)], vec![n(3), n(4), n(5)]]);
        net.heal(false);
        assert_eq!(net.verdict(n(1), n(3)), Verdict::Pass);
        assert!(!net.is_partitioned());
    }

    #[test]
    fn one_way_cut_blocks_one_direction() {
        let mut net = Network::new(3, NetConfig::default());
        net.set_link(n(1), n(2), LinkState::Cut);
        assert_eq!(net.verdict(n(1), n(2)), Verdict::Cut);
        assert_eq!(net.verdict(n(2), n(1)), Verdict::Pass);
    }

    #[test]
    fn bad_settings_are_refused_with_words() {
        let bad = NetConfig {
            loss: 1.5,
            ..NetConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("loss"));
        let swapped = NetConfig {
            latency_min_us: 20 * MS,
            ..NetConfig::default()
        };
        assert!(swapped.validate().unwrap_err().contains("larger"));
    }
}
