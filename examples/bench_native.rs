//! Native benchmark of the deterministic core: simulated events per second for 5-node Raft and
//! for busy vector clocks, the time to fast-forward 10 simulated minutes in a session (with its
//! checkpoints), and the time to seek to random moments of a 10-minute run. Printed, never
//! asserted. Run with:
//!
//! ```text
//! cargo run --release --example bench_native --no-default-features
//! ```

use nodescape::protocols::raft::{Raft, RaftSettings};
use nodescape::protocols::vclock::{Vclock, VclockSettings};
use nodescape::sim::{
    Intervention, NetConfig, NodeId, Protocol, Session, Sim, SimRng, SimTime, MS, SEC,
};
use std::time::{Duration, Instant};

const TEN_MINUTES: SimTime = 600 * SEC;

fn raft() -> Sim<Raft> {
    Sim::new(
        Raft::new(RaftSettings::default()),
        5,
        NetConfig::default(),
        1,
    )
}

fn vclock() -> Sim<Vclock> {
    let settings = VclockSettings {
        events_per_sec: VclockSettings::MAX_EVENTS_PER_SEC,
        send_ratio: 1.0,
        ..VclockSettings::default()
    };
    Sim::new(Vclock::new(settings), 5, NetConfig::default(), 1)
}

/// Every `every` of simulated time, a client request goes to whichever node accepts it
/// (the leader); returns the session at `until`.
fn raft_under_load(until: SimTime, every: SimTime) -> Session<Raft> {
    let mut s = Session::new(raft());
    let mut t = every;
    while t <= until {
        s.advance_to(t);
        for node in 1..=5 {
            if s.intervene(Intervention::ClientRequest { node: NodeId(node) })
                .is_ok()
            {
                break;
            }
        }
        t += every;
    }
    s
}

fn events_per_sec<P: Protocol>(name: &str, mut sim: Sim<P>, until: SimTime) {
    let start = Instant::now();
    sim.advance_to(until);
    let took = start.elapsed();
    println!(
        "{name:<44} {:>10} events in {:>8.3} s = {:>12.0} events/s",
        sim.events(),
        took.as_secs_f64(),
        sim.events() as f64 / took.as_secs_f64()
    );
}

fn fast_forward<P: Protocol>(name: &str, sim: Sim<P>) -> Session<P> {
    let mut s = Session::new(sim);
    let start = Instant::now();
    s.advance_to(TEN_MINUTES);
    println!(
        "{name:<44} fast-forward 10 simulated minutes: {:>8.3} s ({} events, {} checkpoints)",
        start.elapsed().as_secs_f64(),
        s.sim().events(),
        s.checkpoint_count()
    );
    s
}

fn seeks<P: Protocol>(name: &str, s: &mut Session<P>) {
    let mut rng = SimRng::new(7);
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..40 {
        let t = rng.range(0, TEN_MINUTES);
        let start = Instant::now();
        s.seek(t);
        times.push(start.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{name:<44} seek to 40 random moments: mean {:>7.2} ms, median {:>7.2} ms, max {:>7.2} ms",
        mean.as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    println!("Nodescape native benchmark (5 nodes, default network: 10-15 ms latency)\n");
    events_per_sec("Raft, idle leader (heartbeats)", raft(), TEN_MINUTES);
    events_per_sec("Vector clocks, 100 sends/s per node", vclock(), TEN_MINUTES);
    let start = Instant::now();
    let loaded = raft_under_load(TEN_MINUTES, 100 * MS);
    let took = start.elapsed();
    println!(
        "{:<44} {:>10} events in {:>8.3} s = {:>12.0} events/s (session, {} requests)",
        "Raft, a client request every 100 ms",
        loaded.sim().events(),
        took.as_secs_f64(),
        loaded.sim().events() as f64 / took.as_secs_f64(),
        loaded.log().len()
    );
    // The same world idling on: does the cost per event grow with the log?
    let mut idle = loaded.sim().clone();
    let (before, start) = (idle.events(), Instant::now());
    idle.advance_to(2 * TEN_MINUTES);
    let took = start.elapsed();
    println!(
        "{:<44} {:>10} events in {:>8.3} s = {:>12.0} events/s",
        "Raft, idle after those requests",
        idle.events() - before,
        took.as_secs_f64(),
        (idle.events() - before) as f64 / took.as_secs_f64()
    );
    println!();
    let mut r = fast_forward("Raft, idle leader", raft());
    let mut v = fast_forward("Vector clocks, 100 sends/s per node", vclock());
    println!();
    seeks("Raft, idle leader", &mut r);
    seeks("Vector clocks, 100 sends/s per node", &mut v);
    let mut loaded = loaded;
    seeks("Raft, a client request every 100 ms", &mut loaded);
}
