//! Native simulation speed, the figure `scripts/bench.mjs` sets beside the browser's: runs the
//! default 5-node Raft scenario (seed 1) in six steps of 600 simulated seconds, exactly as the
//! benchmark drives the page (`nodescape.advance(600000)` six times), and prints one JSON line
//! with the events processed, the wall time, events per second and the run's digest (equal
//! digests mean the browser ran the same events).
//!
//! `cargo run --release --no-default-features --example bench_events [steps]`

use nodescape::world::{ProtocolKind, Scenario, World};
use std::time::Instant;

/// Simulated time per step, microseconds (the page's largest `advance`).
const STEP_US: u64 = 600_000_000;

fn main() {
    let steps: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("steps must be a whole number"))
        .unwrap_or(6);
    let scenario = Scenario {
        protocol: ProtocolKind::Raft,
        seed: "1".into(),
        nodes: 5,
        ..Scenario::default()
    };
    let mut world = World::from_scenario(&scenario).expect("the default Raft scenario loads");
    let start_events = world.events();
    let started = Instant::now();
    for _ in 0..steps {
        let t = world.now() + STEP_US;
        world.advance_to(t);
    }
    let seconds = started.elapsed().as_secs_f64();
    let events = world.events() - start_events;
    println!(
        "{{\"events\":{events},\"seconds\":{seconds:.6},\"events_per_sec\":{:.0},\"sim_seconds\":{},\"digest\":\"{}\"}}",
        events as f64 / seconds,
        steps * STEP_US / 1_000_000,
        world.digest()
    );
}
