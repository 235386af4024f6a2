//! What the UI reads about the ring: plain, serialisable view models built from a
//! [`Sim<Ring>`](crate::sim::Sim), never the protocol's internals.
//!
//! - [`ring_view`]: tokens and key dots (fractions of the circle, owner, state), counts of keys
//!   complete / in transit / missing a replica, load per node with its spread, and the figures
//!   of the last membership change; cheap enough to rebuild when the sim changes.
//! - [`lookup`]: a typed key's position, owner and replicas (and its status if it is stored).
//! - [`key_status`]: one stored key: who holds it, where it is in transit, which replicas miss.
//! - [`balance`]: the balance table for several token counts (rebuild only on settings change).

use super::figures::{self, BalanceRow, ChangeReport, Spread};
use super::hashring::{fraction, hash_position, token_position, HashRing};
use super::placement::{bit, nodes_of, Placement};
use super::{Ring, RingMsg};
use crate::sim::{keysort, NodeId, Sim};
use serde::Serialize;
use std::sync::Arc;

/// Token counts the balance table shows by default.
pub const BALANCE_TOKENS: [u32; 5] = [1, 8, 32, 128, 256];

/// One token on the ring.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TokenView {
    /// Its node.
    pub node: NodeId,
    /// Which of the node's tokens, from 0.
    pub index: u32,
    /// Where it sits, as a fraction of the circle clockwise from the top.
    pub fraction: f64,
    /// The node is a ring member (standby tokens can be drawn faint).
    pub member: bool,
    /// The node is a member and up: the token owns keys now.
    pub live: bool,
}

/// Where a stored key stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Every live replica of its preference list holds it (an old holder may still hand off).
    Complete,
    /// Some replicas miss it, and every missing one has a transfer of it in flight.
    InTransit,
    /// Some replica misses it with no transfer in flight (stalled, or about to be sent).
    MissingReplica,
    /// Every holder is crashed: it comes back when one restarts.
    Unavailable,
    /// No node holds it at all (the protocol guarantees this never happens).
    Lost,
}

/// A key as a dot on the ring.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyDot {
    /// Its index (see [`key_status`] for its name and details).
    pub key: u32,
    /// Where it sits, as a fraction of the circle.
    pub fraction: f64,
    /// The node that owns it in the live ring (colour of the dot).
    pub owner: Option<NodeId>,
    /// Where it stands.
    pub state: KeyState,
}

/// How many stored keys are in each state.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeyCounts {
    /// Fully replicated.
    pub complete: u32,
    /// Waiting only for transfers in flight.
    pub in_transit: u32,
    /// Missing a replica with nothing in flight.
    pub missing_replica: u32,
    /// All holders crashed.
    pub unavailable: u32,
    /// Held by nobody.
    pub lost: u32,
}

/// One node's load.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeLoad {
    /// The node.
    pub node: NodeId,
    /// A ring member.
    pub member: bool,
    /// Up (not crashed).
    pub up: bool,
    /// Keys it stores now (bar height).
    pub held: u32,
    /// Keys it should store once rebalanced (its replicas in the live ring).
    pub target: u32,
    /// Keys it owns (first replica) in the live ring.
    pub owned: u32,
}

/// Load per node and its spread over the live members.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadView {
    /// Every node, by id.
    pub per_node: Vec<NodeLoad>,
    /// Spread of the keys each live member owns (first replicas): compare with theory.
    pub owned: Spread,
    /// Spread of the keys each live member stores now.
    pub held: Spread,
    /// Theory's coefficient of variation for this many live members and tokens.
    pub expected_cv: f64,
}

/// Everything the ring picture and its numbers need.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RingView {
    /// The membership epoch.
    pub epoch: u32,
    /// Replicas per key now (R, capped at the live members).
    pub replicas: u32,
    /// Tokens per node.
    pub tokens_per_node: u32,
    /// Ring members, by id.
    pub members: Vec<NodeId>,
    /// Members that are up: the live ring.
    pub live: Vec<NodeId>,
    /// Every node's tokens (standby nodes' too), clockwise.
    pub tokens: Vec<TokenView>,
    /// Every stored key, in index order.
    pub keys: Vec<KeyDot>,
    /// Keys per state.
    pub counts: KeyCounts,
    /// True when every up node stores exactly what it should.
    pub settled: bool,
    /// Load per node.
    pub load: LoadView,
    /// Figures of the last change of the live ring.
    pub last_change: Option<ChangeReport>,
}

/// A typed key, stored or not.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyLookup {
    /// The name typed.
    pub name: String,
    /// `xxh3_64(name)` in hexadecimal (`0x…`, 16 digits), to check by hand.
    pub position_hex: String,
    /// The position as a fraction of the circle.
    pub fraction: f64,
    /// Its owner in the live ring.
    pub owner: Option<NodeId>,
    /// Its preference list in the live ring, owner first.
    pub replicas: Vec<NodeId>,
    /// Its status, when it is one of the run's keys.
    pub status: Option<KeyStatus>,
}

/// One stored key in detail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyStatus {
    /// Its index.
    pub key: u32,
    /// Its name.
    pub name: String,
    /// Its preference list in the live ring, owner first.
    pub preference: Vec<NodeId>,
    /// Nodes storing it (crashed ones included).
    pub held_by: Vec<NodeId>,
    /// Nodes a transfer of it is flying to.
    pub in_transit_to: Vec<NodeId>,
    /// Replicas of its preference list that do not store it yet.
    pub missing_on: Vec<NodeId>,
    /// Up nodes storing it outside its preference list (handing it off).
    pub extra_on: Vec<NodeId>,
    /// Where it stands.
    pub state: KeyState,
}

struct Masks {
    placement: Arc<Placement>,
    up: u64,
    holders: Vec<u64>,
    transit: Vec<u64>,
}

fn placement_of(sim: &Sim<Ring>) -> Arc<Placement> {
    let shared = sim.shared();
    match shared.current() {
        Some(p) => p.clone(),
        None => Arc::new(sim.proto.compute_placement(shared.live(), sim.n())),
    }
}

fn masks(sim: &Sim<Ring>) -> Masks {
    let keys = sim.proto.keys().len() as usize;
    let mut holders = vec![0u64; keys];
    for node in sim.nodes() {
        for k in node.durable.held.iter() {
            holders[k as usize] |= bit(node.id);
        }
    }
    let mut transit = vec![0u64; keys];
    for f in sim.flights() {
        if let RingMsg::Transfer { keys, .. } = &f.msg {
            for &k in keys {
                transit[k as usize] |= bit(f.to);
            }
        }
    }
    Masks {
        placement: placement_of(sim),
        up: sim.shared().up(),
        holders,
        transit,
    }
}

fn state_of(m: &Masks, k: u32) -> KeyState {
    let holders = m.holders[k as usize];
    let missing = m.placement.preference_mask(k) & !holders;
    if holders == 0 {
        KeyState::Lost
    } else if holders & m.up == 0 {
        KeyState::Unavailable
    } else if missing & !m.transit[k as usize] != 0 {
        KeyState::MissingReplica
    } else if missing != 0 {
        KeyState::InTransit
    } else {
        KeyState::Complete
    }
}

fn status_of(sim: &Sim<Ring>, m: &Masks, k: u32) -> KeyStatus {
    let pmask = m.placement.preference_mask(k);
    let holders = m.holders[k as usize];
    KeyStatus {
        key: k,
        name: sim.proto.keys().name(k).to_string(),
        preference: m.placement.preference(k).collect(),
        held_by: nodes_of(holders).collect(),
        in_transit_to: nodes_of(m.transit[k as usize]).collect(),
        missing_on: nodes_of(pmask & !holders).collect(),
        extra_on: nodes_of(holders & m.up & !pmask).collect(),
        state: state_of(m, k),
    }
}

/// The ring picture's model: tokens, keys, counts, load and the last change's figures.
pub fn ring_view(sim: &Sim<Ring>) -> RingView {
    let shared = sim.shared();
    let m = masks(sim);
    let tokens_per_node = sim.proto.settings.tokens_per_node;
    let mut tokens: Vec<TokenView> = sim
        .nodes()
        .iter()
        .flat_map(|node| {
            let member = shared.members() & bit(node.id) != 0;
            let live = shared.live() & bit(node.id) != 0;
            (0..tokens_per_node)
                .map(move |index| (token_position(node.id, index), node.id, index, member, live))
        })
        .map(|(pos, node, index, member, live)| TokenView {
            node,
            index,
            fraction: fraction(pos),
            member,
            live,
        })
        .collect();
    // Stable, by fraction (as `f64::total_cmp` orders) then node.
    keysort::stable_sort_by_key(&mut tokens, |t| (keysort::f64_key(t.fraction), t.node.0));
    let table = sim.proto.keys();
    let mut counts = KeyCounts::default();
    let keys: Vec<KeyDot> = (0..table.len())
        .map(|k| {
            let state = state_of(&m, k);
            match state {
                KeyState::Complete => counts.complete += 1,
                KeyState::InTransit => counts.in_transit += 1,
                KeyState::MissingReplica => counts.missing_replica += 1,
                KeyState::Unavailable => counts.unavailable += 1,
                KeyState::Lost => counts.lost += 1,
            }
            KeyDot {
                key: k,
                fraction: fraction(table.position(k)),
                owner: m.placement.owner(k),
                state,
            }
        })
        .collect();
    let live: Vec<NodeId> = nodes_of(shared.live()).collect();
    let per_node: Vec<NodeLoad> = sim
        .nodes()
        .iter()
        .map(|node| NodeLoad {
            node: node.id,
            member: shared.members() & bit(node.id) != 0,
            up: node.up,
            held: node.durable.held.count(),
            target: m.placement.should_hold(node.id).count(),
            owned: 0,
        })
        .collect();
    let mut per_node = per_node;
    for k in 0..table.len() {
        if let Some(o) = m.placement.owner(k) {
            per_node[o.index()].owned += 1;
        }
    }
    let of_live = |f: fn(&NodeLoad) -> u32| -> Vec<f64> {
        per_node
            .iter()
            .filter(|l| shared.live() & bit(l.node) != 0)
            .map(|l| f(l) as f64)
            .collect()
    };
    let load = LoadView {
        owned: figures::spread(&of_live(|l| l.owned)),
        held: figures::spread(&of_live(|l| l.held)),
        expected_cv: figures::expected_cv(live.len() as u32, tokens_per_node),
        per_node,
    };
    RingView {
        epoch: shared.epoch(),
        replicas: m.placement.replicas(),
        tokens_per_node,
        members: nodes_of(shared.members()).collect(),
        live,
        tokens,
        keys,
        counts,
        settled: shared.settled(),
        load,
        last_change: shared.last_change().cloned(),
    }
}

/// One stored key's status, by index (`None` when there is no such key).
pub fn key_status(sim: &Sim<Ring>, key: u32) -> Option<KeyStatus> {
    if key >= sim.proto.keys().len() {
        return None;
    }
    Some(status_of(sim, &masks(sim), key))
}

/// Looks up a typed key: position, owner and replicas in the live ring, and its status if it is
/// one of the run's keys.
pub fn lookup(sim: &Sim<Ring>, name: &str) -> KeyLookup {
    let position = hash_position(name);
    let placement = placement_of(sim);
    let ring: &HashRing = placement.ring();
    let replicas = ring.preference(position, placement.replicas());
    let status = sim
        .proto
        .keys()
        .find(name)
        .map(|k| status_of(sim, &masks(sim), k));
    KeyLookup {
        name: name.to_string(),
        position_hex: format!("{position:#018x}"),
        fraction: fraction(position),
        owner: replicas.first().copied(),
        replicas,
        status,
    }
}

/// The balance table of the live members with the run's keys, for each of `token_counts`
/// (e.g. [`BALANCE_TOKENS`]); falls back to all members when none is live.
pub fn balance(sim: &Sim<Ring>, token_counts: &[u32]) -> Vec<BalanceRow> {
    let shared = sim.shared();
    let mask = if shared.live() != 0 {
        shared.live()
    } else {
        shared.members()
    };
    let members: Vec<NodeId> = nodes_of(mask).collect();
    figures::balance_table(&members, sim.proto.keys().positions(), token_counts)
}
