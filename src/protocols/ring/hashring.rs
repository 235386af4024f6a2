//! The pure consistent-hash ring: token and key positions, ownership and preference lists.
//!
//! Everything here is a function of its inputs, with no simulation in sight, so a learner (or a
//! test) can compute any answer by hand:
//!
//! - a position is `xxh3_64` (XXH3, 64-bit, seed 0, from the `xxhash-rust` crate) of a UTF-8
//!   string: the key's own name (`key-17`), or `node<N>#<i>` for token `i` (counted from 0) of
//!   node `N` (counted from 1), e.g. `node3#0`;
//! - a key belongs to the first token clockwise at or after its position, wrapping past
//!   `u64::MAX` to the smallest token;
//! - tokens at the same position are ordered by node id, then token index, so the lowest node id
//!   wins a tie and no token is ever lost (tokens are kept in a sorted vector, not a map);
//! - a key's preference list is the first `r` distinct nodes met walking clockwise from its
//!   owner's token, skipping tokens of nodes already chosen; with `r` above the number of
//!   members, it lists every member once.
//!
//! The ring depends only on the set of members, never on the order they joined in.

use crate::sim::{keysort, NodeId};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

/// The position of any string on the ring: `xxh3_64` of its UTF-8 bytes.
pub fn hash_position(text: &str) -> u64 {
    xxh3_64(text.as_bytes())
}

/// The string hashed for token `index` of `node`: `node3#0`.
pub fn token_label(node: NodeId, index: u32) -> String {
    format!("node{}#{}", node.0, index)
}

/// The position of token `index` of `node`.
pub fn token_position(node: NodeId, index: u32) -> u64 {
    hash_position(&token_label(node, index))
}

/// A position as a fraction of the circle, from 0 (inclusive) to 1 (exclusive).
pub fn fraction(position: u64) -> f64 {
    position as f64 / 18_446_744_073_709_551_616.0
}

/// One virtual node: a point on the ring owned by a physical node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Token {
    /// Where it sits (first field: tokens sort by position, then node, then index).
    pub position: u64,
    /// The physical node it belongs to.
    pub node: NodeId,
    /// Which of the node's tokens it is, from 0.
    pub index: u32,
}

/// A ring: every member's tokens, sorted clockwise.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HashRing {
    tokens: Vec<Token>,
}

impl HashRing {
    /// The ring of `members`, each with `tokens_per_node` tokens at their documented positions.
    pub fn new(members: impl IntoIterator<Item = NodeId>, tokens_per_node: u32) -> Self {
        let tokens = members
            .into_iter()
            .flat_map(|node| {
                (0..tokens_per_node).map(move |index| Token {
                    position: token_position(node, index),
                    node,
                    index,
                })
            })
            .collect();
        Self::from_tokens(tokens)
    }

    /// A ring of arbitrary tokens (tests use it to force collisions); duplicates are kept.
    pub fn from_tokens(tokens: Vec<Token>) -> Self {
        // Sorted as `Token`'s `Ord` (position, node, index) through the program's one sort:
        // the packed key orders as the tuple and holds the whole token.
        let mut keys: Vec<u128> = tokens
            .iter()
            .map(|t| (t.position as u128) << 64 | (t.node.0 as u128) << 32 | t.index as u128)
            .collect();
        keysort::sort_keys(&mut keys);
        let tokens = keys
            .into_iter()
            .map(|k| Token {
                position: (k >> 64) as u64,
                node: NodeId((k >> 32) as u32),
                index: k as u32,
            })
            .collect();
        HashRing { tokens }
    }

    /// The tokens, clockwise from position 0 (ties by node id, then token index).
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// True when the ring has no tokens (no members).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The distinct members, by id.
    pub fn members(&self) -> Vec<NodeId> {
        let mut m: Vec<u128> = self.tokens.iter().map(|t| t.node.0 as u128).collect();
        keysort::sort_keys(&mut m);
        m.dedup();
        m.into_iter().map(|n| NodeId(n as u32)).collect()
    }

    /// Index into [`HashRing::tokens`] of the token owning `position`, if the ring has any.
    pub fn owner_token(&self, position: u64) -> Option<usize> {
        if self.tokens.is_empty() {
            return None;
        }
        let i = self.tokens.partition_point(|t| t.position < position);
        Some(if i == self.tokens.len() { 0 } else { i })
    }

    /// The node owning `position`.
    pub fn owner(&self, position: u64) -> Option<NodeId> {
        self.owner_token(position).map(|i| self.tokens[i].node)
    }

    /// The first `r` distinct nodes clockwise from `position` (all members when `r` is larger).
    pub fn preference(&self, position: u64, r: u32) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(r as usize);
        let Some(start) = self.owner_token(position) else {
            return out;
        };
        let len = self.tokens.len();
        for step in 0..len {
            if out.len() as u32 >= r {
                break;
            }
            let node = self.tokens[(start + step) % len].node;
            if !out.contains(&node) {
                out.push(node);
            }
        }
        out
    }
}
