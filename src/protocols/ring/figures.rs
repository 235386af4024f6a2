//! The numbers beside the ring: load and its spread, what a membership change moved against the
//! ideal, what modulo hashing would have moved, and balance as the number of tokens varies.
//!
//! All pure functions of the ring and the keys. Theory for the spread (Karger et al. 1997; the
//! Dynamo paper's virtual nodes): with `n` nodes of `v` random tokens each, a node's share of
//! the circle has mean `1/n` and coefficient of variation `sqrt((n-1)/(n*v+1))`.

use super::hashring::{fraction, HashRing};
use super::placement::Placement;
use crate::sim::NodeId;
use serde::Serialize;

/// The coefficient of variation theory expects for `n` nodes with `v` tokens each.
pub fn expected_cv(n: u32, v: u32) -> f64 {
    if n == 0 || v == 0 {
        return 0.0;
    }
    ((n as f64 - 1.0) / (n as f64 * v as f64 + 1.0)).sqrt()
}

/// Mean, max/mean and coefficient of variation (standard deviation / mean) of some loads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Mean load.
    pub mean: f64,
    /// Largest load.
    pub max: f64,
    /// Largest over mean (1 is perfect balance).
    pub max_over_mean: f64,
    /// Population standard deviation over mean (0 is perfect balance).
    pub cv: f64,
}

/// The spread of `loads` (all zero when empty or the mean is zero).
pub fn spread(loads: &[f64]) -> Spread {
    if loads.is_empty() {
        return Spread::default();
    }
    let n = loads.len() as f64;
    let mean = loads.iter().sum::<f64>() / n;
    let max = loads.iter().cloned().fold(f64::MIN, f64::max);
    if mean <= 0.0 {
        return Spread {
            mean,
            max,
            ..Spread::default()
        };
    }
    let var = loads.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Spread {
        mean,
        max,
        max_over_mean: max / mean,
        cv: var.sqrt() / mean,
    }
}

/// Each member's share of the circle: the arcs ending at its tokens, in member order.
pub fn arc_shares(ring: &HashRing) -> Vec<(NodeId, f64)> {
    let members = ring.members();
    let mut share = vec![0.0; members.len()];
    let tokens = ring.tokens();
    for (i, t) in tokens.iter().enumerate() {
        let prev = if i == 0 {
            tokens[tokens.len() - 1].position
        } else {
            tokens[i - 1].position
        };
        // The arc (prev, t] wraps when i == 0; with one token it is the whole circle.
        let arc = if tokens.len() == 1 {
            1.0
        } else {
            fraction(t.position.wrapping_sub(prev))
        };
        let m = members.binary_search(&t.node).expect("token of a member");
        share[m] += arc;
    }
    members.into_iter().zip(share).collect()
}

/// How many of `positions` each member owns (primary copies), in member order.
pub fn owned_counts(ring: &HashRing, positions: &[u64]) -> Vec<(NodeId, u32)> {
    let members = ring.members();
    let mut count = vec![0u32; members.len()];
    for &p in positions {
        if let Some(owner) = ring.owner(p) {
            let m = members.binary_search(&owner).expect("owner is a member");
            count[m] += 1;
        }
    }
    members.into_iter().zip(count).collect()
}

/// One row of the balance table: the spread for one number of tokens per node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BalanceRow {
    /// Tokens per node.
    pub tokens: u32,
    /// Spread of the keys each node owns (primary copies).
    pub keys: Spread,
    /// Spread of each node's share of the circle (no sampling noise from the keys).
    pub arcs: Spread,
    /// What theory expects for the coefficient of variation: `sqrt((n-1)/(n*v+1))`.
    pub expected_cv: f64,
}

/// The balance of `members` holding keys at `positions`, once per entry of `token_counts`.
pub fn balance_table(
    members: &[NodeId],
    positions: &[u64],
    token_counts: &[u32],
) -> Vec<BalanceRow> {
    token_counts
        .iter()
        .map(|&v| {
            let ring = HashRing::new(members.iter().copied(), v);
            let keys: Vec<f64> = owned_counts(&ring, positions)
                .into_iter()
                .map(|(_, c)| c as f64)
                .collect();
            let arcs: Vec<f64> = arc_shares(&ring).into_iter().map(|(_, s)| s).collect();
            BalanceRow {
                tokens: v,
                keys: spread(&keys),
                arcs: spread(&arcs),
                expected_cv: expected_cv(members.len() as u32, v),
            }
        })
        .collect()
}

/// The node modulo hashing picks for `position`: `members[position % members.len()]`, members
/// sorted by id.
pub fn modulo_owner(position: u64, members: &[NodeId]) -> Option<NodeId> {
    if members.is_empty() {
        None
    } else {
        Some(members[(position % members.len() as u64) as usize])
    }
}

/// How many of `positions` change node under modulo hashing when `before` becomes `after`.
pub fn modulo_moved(positions: &[u64], before: &[NodeId], after: &[NodeId]) -> u32 {
    positions
        .iter()
        .filter(|&&p| modulo_owner(p, before) != modulo_owner(p, after))
        .count() as u32
}

/// What kind of membership change happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A node joined the ring.
    Join,
    /// A node left gracefully.
    Leave,
    /// A member crashed: the ring routes around it.
    Crash,
    /// A crashed member came back.
    Restart,
}

impl ChangeKind {
    /// True for changes that add a node to the live ring.
    pub fn adds(self) -> bool {
        matches!(self, ChangeKind::Join | ChangeKind::Restart)
    }
}

/// The figures of one membership change, computed from the rings before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangeReport {
    /// Simulated time of the change, microseconds.
    pub at_us: u64,
    /// What happened.
    pub kind: ChangeKind,
    /// To which node.
    pub node: NodeId,
    /// Live members before.
    pub members_before: u32,
    /// Live members after.
    pub members_after: u32,
    /// Number of keys.
    pub keys: u32,
    /// Keys whose owner (first replica) changed.
    pub owners_moved: u32,
    /// `owners_moved / keys`.
    pub owners_moved_share: f64,
    /// The ideal share: `1/(n+1)` on an add (n members before), `1/n` on a removal.
    pub ideal_share: f64,
    /// On an add, keys the new node now owns; on a removal, keys the removed node owned.
    pub keys_of_node: u32,
    /// Keys whose owner changed to (add) or from (removal) some other node: must be zero.
    pub moved_elsewhere: u32,
    /// New (key, holder) pairs: the replicas that must travel as transfers.
    pub copies_to_create: u32,
    /// Keys whose owner modulo hashing (`hash % n`) would change for the same change.
    pub modulo_moved: u32,
    /// `modulo_moved / keys`.
    pub modulo_moved_share: f64,
}

/// The report for `node`'s change `kind` at `at_us`, from placement `before` to `after`.
pub fn change_report(
    before: &Placement,
    after: &Placement,
    positions: &[u64],
    kind: ChangeKind,
    node: NodeId,
    at_us: u64,
) -> ChangeReport {
    let keys = positions.len() as u32;
    let (mut owners_moved, mut keys_of_node, mut moved_elsewhere, mut copies) = (0, 0, 0, 0);
    for k in 0..keys {
        let (old, new) = (before.owner(k), after.owner(k));
        let related = if kind.adds() { new } else { old } == Some(node);
        if related {
            keys_of_node += 1;
        }
        if old != new {
            owners_moved += 1;
            if !related {
                moved_elsewhere += 1;
            }
        }
        copies += (after.preference_mask(k) & !before.preference_mask(k)).count_ones();
    }
    let members_before = before.live().count_ones();
    let members_after = after.live().count_ones();
    let share = |x: u32| {
        if keys == 0 {
            0.0
        } else {
            x as f64 / keys as f64
        }
    };
    let ideal_share = if kind.adds() {
        1.0 / members_after.max(1) as f64
    } else {
        1.0 / members_before.max(1) as f64
    };
    let list = |p: &Placement| -> Vec<NodeId> { super::placement::nodes_of(p.live()).collect() };
    let modulo = modulo_moved(positions, &list(before), &list(after));
    ChangeReport {
        at_us,
        kind,
        node,
        members_before,
        members_after,
        keys,
        owners_moved,
        owners_moved_share: share(owners_moved),
        ideal_share,
        keys_of_node,
        moved_elsewhere,
        copies_to_create: copies,
        modulo_moved: modulo,
        modulo_moved_share: share(modulo),
    }
}
