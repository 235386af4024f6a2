//! The deterministic world every protocol runs in: pure Rust, no DOM, no clock, no browser crates.
//!
//! A [`Session`] owns one [`Sim`], the list of recorded interventions and the checkpoints that
//! let the view travel back in time. The UI drives it with two verbs only: advance simulated time,
//! and apply an intervention (which is recorded with its simulated time, so it replays).
//!
//! ```text
//!  animation frame ──advance_to(t)──▶ Session ──▶ Sim { now, rng, nodes, network, flights, queue }
//!  click / key / JS ─intervene(iv)──▶   │ log        │ pop (time, seq) event
//!                                      │ checkpoints ▼
//!  UI components ◀── view model ◀──────┘      protocol.on_message / on_timer / on_command
//!                                               (&mut node state, Ctx: send, set_timer, note)
//!                                                   │ effects
//!                                                   ▼
//!                                     network rules decide: deliver after latency, or drop
//!                                     every outcome is a TraceEvent (bounded window + digest)
//! ```
//!
//! Rules that make the world trustworthy:
//! - time is a `u64` of simulated microseconds ([`SimTime`]), moved only by the driver;
//! - all randomness comes from one seeded ChaCha8 generator ([`SimRng`]) owned by the sim;
//! - the event queue is ordered by (time, sequence number), so ties never depend on a hash map;
//! - faults are values ([`Intervention`]) applied at a simulated time and written to the trace;
//! - same seed + same interventions = the same trace digest, natively and in wasm.

pub mod engine;
pub mod ids;
mod inflight;
pub mod intervention;
pub mod json;
pub mod keysort;
pub mod network;
pub mod protocol;
pub mod rng;
pub mod session;
pub mod time;
pub mod trace;

pub use engine::{Flight, FlightHead, Node, Sim, Violation};
pub use ids::{MsgId, NodeId};
pub use intervention::{Intervention, Recorded};
pub use network::{LinkState, NetConfig, Network};
pub use protocol::{Ctx, MessageInfo, NodeCommand, NodeView, Protocol};
pub use rng::SimRng;
pub use session::Session;
pub use time::{SimTime, MS, SEC};
pub use trace::{DropReason, EventKind, Trace, TraceEvent};
