//! The protocols, each a sans-IO state machine plugged into the world through
//! [`crate::sim::Protocol`].

pub mod raft;
pub mod ring;
pub mod vclock;
