//! Where every key should live for one set of live members: the ring, each key's preference
//! list, and each node's share, computed once per membership and shared behind an `Arc`.

use super::hashring::HashRing;
use super::keys::{KeySet, KeyTable};
use crate::sim::NodeId;

/// The bit of `node` in a membership mask (node 1 is bit 0).
pub fn bit(node: NodeId) -> u64 {
    1u64 << node.index()
}

/// The nodes of a mask, by id.
pub fn nodes_of(mask: u64) -> impl Iterator<Item = NodeId> {
    (0..64u32)
        .filter(move |i| mask & (1u64 << i) != 0)
        .map(|i| NodeId(i + 1))
}

/// The ring and every key's preference list for one set of live members.
#[derive(Clone, Debug)]
pub struct Placement {
    live: u64,
    ring: HashRing,
    r: u32,
    prefs: Vec<u8>,
    should_hold: Vec<KeySet>,
}

impl Placement {
    /// The placement of `keys` on the ring of the nodes in `live` (of `n` nodes in all), with
    /// `tokens_per_node` tokens each and replication `r` (capped at the number of live nodes).
    pub fn compute(keys: &KeyTable, live: u64, n: u32, tokens_per_node: u32, r: u32) -> Self {
        let ring = HashRing::new(nodes_of(live), tokens_per_node);
        let r = r.min(live.count_ones());
        let mut prefs = Vec::with_capacity(keys.len() as usize * r as usize);
        let mut should_hold = vec![KeySet::empty(keys.len()); n as usize];
        for (k, &pos) in keys.positions().iter().enumerate() {
            for node in ring.preference(pos, r) {
                prefs.push(node.0 as u8);
                should_hold[node.index()].insert(k as u32);
            }
        }
        Placement {
            live,
            ring,
            r,
            prefs,
            should_hold,
        }
    }

    /// The live members this placement is for, as a mask.
    pub fn live(&self) -> u64 {
        self.live
    }

    /// The ring of the live members.
    pub fn ring(&self) -> &HashRing {
        &self.ring
    }

    /// Replicas per key: the setting, capped at the number of live members.
    pub fn replicas(&self) -> u32 {
        self.r
    }

    /// Key `key`'s preference list, owner first.
    pub fn preference(&self, key: u32) -> impl Iterator<Item = NodeId> + '_ {
        let r = self.r as usize;
        self.prefs[key as usize * r..(key as usize + 1) * r]
            .iter()
            .map(|&b| NodeId(b as u32))
    }

    /// Key `key`'s preference list as a mask.
    pub fn preference_mask(&self, key: u32) -> u64 {
        self.preference(key).fold(0, |m, n| m | bit(n))
    }

    /// Key `key`'s owner (first of its preference list).
    pub fn owner(&self, key: u32) -> Option<NodeId> {
        self.preference(key).next()
    }

    /// The keys `node` should hold.
    pub fn should_hold(&self, node: NodeId) -> &KeySet {
        &self.should_hold[node.index()]
    }
}
