//! Identifiers of nodes and messages.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A node, numbered from 1 as people count them ("Node 3").
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The node's position in a vector indexed from zero.
    pub fn index(self) -> usize {
        (self.0 as usize).wrapping_sub(1)
    }

    /// The node at zero-based position `i`.
    pub fn from_index(i: usize) -> Self {
        NodeId(i as u32 + 1)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A message, numbered in the order it was sent (duplicates get fresh numbers).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MsgId(pub u64);

impl fmt::Display for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
