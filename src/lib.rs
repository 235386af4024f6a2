//! Nodescape: see distributed protocols work and fail.
//!
//! Simulated nodes exchange messages on screen; the learner watches vector clocks and
//! causality, Raft elections and log replication, and consistent-hash ring rebalancing, and
//! breaks things by clicking.
//!
//! The crate has three layers, and nothing crosses the boundary the wrong way:
//! - [`sim`]: the deterministic world (time, seeded randomness, event queue, network and
//!   faults, trace, checkpoints). Pure Rust.
//! - [`protocols`]: one sans-IO module per protocol, plugged into the world through
//!   [`sim::Protocol`]. Pure Rust.
//! - [`world`]: the three protocols behind one type, scenario files and the JSON views the page
//!   and its JavaScript API read. Pure Rust.
//! - [`ui`]: the Yew app, which reads views and dispatches interventions.

pub mod lessons;
pub mod protocols;
pub mod sim;
pub mod world;

#[cfg(feature = "web")]
pub mod ui;
