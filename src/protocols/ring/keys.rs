//! The keys of a run and sets of them.
//!
//! The keys are fixed by the settings, so every node and the observer share one [`KeyTable`]
//! (names and positions) behind an `Arc`, and a key is named inside the protocol by its index
//! (`u32`). A node's store is a [`KeySet`]: a bitset (`fixedbitset`) behind an `Arc`, copied only
//! when written (`Arc::make_mut`). 10,000 keys take 1.25 kB per set, and the 128 checkpoints of a
//! session share every set that did not change between them, so a quiet ring costs almost
//! nothing to checkpoint.

use super::hashring::hash_position;
use fixedbitset::FixedBitSet;
use serde::{Serialize, Serializer};
use std::sync::Arc;

/// The names and ring positions of every key, in index order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyTable {
    names: Vec<String>,
    positions: Vec<u64>,
}

impl KeyTable {
    /// A table of the given names (their order gives the indexes).
    pub fn new(names: Vec<String>) -> Self {
        let positions = names.iter().map(|n| hash_position(n)).collect();
        KeyTable { names, positions }
    }

    /// `key-1` to `key-<count>`.
    pub fn numbered(count: u32) -> Self {
        Self::new((1..=count).map(|i| format!("key-{i}")).collect())
    }

    /// Number of keys.
    pub fn len(&self) -> u32 {
        self.names.len() as u32
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of key `id`.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// The ring position of key `id`.
    pub fn position(&self, id: u32) -> u64 {
        self.positions[id as usize]
    }

    /// Every key's position, in index order.
    pub fn positions(&self) -> &[u64] {
        &self.positions
    }

    /// The index of the key called `name`, if it is one of the run's keys.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }
}

/// A set of key indexes, cheap to clone (shared until written).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct KeySet(Arc<FixedBitSet>);

impl KeySet {
    /// An empty set able to hold keys `0..capacity`.
    pub fn empty(capacity: u32) -> Self {
        KeySet(Arc::new(FixedBitSet::with_capacity(capacity as usize)))
    }

    /// Whether key `id` is in the set.
    pub fn contains(&self, id: u32) -> bool {
        self.0.contains(id as usize)
    }

    /// Adds key `id`.
    pub fn insert(&mut self, id: u32) {
        if !self.contains(id) {
            Arc::make_mut(&mut self.0).insert(id as usize);
        }
    }

    /// Removes key `id`.
    pub fn remove(&mut self, id: u32) {
        if self.contains(id) {
            Arc::make_mut(&mut self.0).set(id as usize, false);
        }
    }

    /// Number of keys in the set.
    pub fn count(&self) -> u32 {
        self.0.count_ones(..) as u32
    }

    /// True when the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_clear()
    }

    /// The keys, in index order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.ones().map(|i| i as u32)
    }

    /// Whether every key of `self` is in `other`.
    pub fn is_subset(&self, other: &KeySet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Keeps only the keys also in `other` (no copy when nothing changes).
    pub fn retain_in(&mut self, other: &KeySet) {
        if !self.is_subset(other) {
            Arc::make_mut(&mut self.0).intersect_with(&other.0);
        }
    }

    /// Adds every key of `other` (no copy when nothing changes).
    pub fn add_all(&mut self, other: &KeySet) {
        if !other.is_subset(self) {
            Arc::make_mut(&mut self.0).union_with(&other.0);
        }
    }

    /// True when both sets share their storage (a checkpoint did not copy it).
    pub fn shares_storage_with(&self, other: &KeySet) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Serialised as the list of key indexes.
impl Serialize for KeySet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}
