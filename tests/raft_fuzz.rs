//! Raft under random faults, over many seeds: crashes, restarts, partitions, one-way cuts,
//! loss, duplication, reordering (jitter), and messages held by hand and released late. No
//! safety property may ever break, and once every fault is healed a leader must appear within
//! 5 s. A failure prints the seed that replays it.
//!
//! The benchmark command runs more seeds (about 80 s for 20,000 in the debug profile):
//! `RAFT_FUZZ_SEEDS=20000 cargo test --no-default-features --test raft_fuzz`.

mod raft_support;

use nodescape::protocols::raft::{Raft, RaftSettings};
use nodescape::sim::{Intervention, LinkState, NetConfig, NodeId, Sim, SimRng, Trace, MS, SEC};
use raft_support::{run_until, undisputed_leader};

/// Runs one seed: 5 s of random faults, then healing, a leader, and one more second with a
/// client request; returns a failure in words.
fn run_seed(seed: u64) -> Result<(), String> {
    let mut pick = SimRng::new(seed ^ 0x5eed_f00d);
    let n = if pick.chance(0.5) { 3 } else { 5 };
    let settings = RaftSettings {
        prevote: pick.chance(0.3),
        check_quorum: pick.chance(0.3),
        max_entries_per_append: pick.range(1, 4) as u32,
        ..RaftSettings::default()
    };
    let faulty = NetConfig {
        loss: pick.range(0, 20) as f64 / 100.0,
        duplicate: pick.range(0, 20) as f64 / 100.0,
        jitter_us: pick.range(0, 30) * MS,
        ..NetConfig::default()
    };
    let mut sim = Sim::with_trace(Raft::new(settings), n, faulty, seed, Trace::with_cap(64));
    let node = |p: &mut SimRng| NodeId(p.range(1, n as u64) as u32);
    let fault_end = 5 * SEC;
    while sim.now() < fault_end {
        sim.advance_to(sim.now() + pick.range(10, 150) * MS);
        let iv = match pick.range(0, 10) {
            0 => Intervention::Crash {
                node: node(&mut pick),
            },
            1 => Intervention::Restart {
                node: node(&mut pick),
            },
            2 => {
                let group: Vec<NodeId> = (1..=n).filter(|_| pick.chance(0.4)).map(NodeId).collect();
                if group.is_empty() {
                    continue;
                }
                Intervention::Partition {
                    groups: vec![group],
                }
            }
            3 => Intervention::Heal {
                links: pick.chance(0.5),
            },
            4 => {
                let (from, to) = (node(&mut pick), node(&mut pick));
                if from == to {
                    continue;
                }
                Intervention::SetLink {
                    from,
                    to,
                    link: LinkState::Cut,
                    both: false,
                }
            }
            5 => Intervention::TimeoutNow {
                node: node(&mut pick),
            },
            _ => Intervention::ClientRequest {
                node: node(&mut pick),
            },
        };
        // Refusals (crashing a crashed node, a request at a follower) change nothing.
        let _ = sim.apply(&iv);
    }
    if let Some(v) = sim.violations().first() {
        return Err(format!("{} at {} us: {}", v.property, v.t, v.text));
    }
    // Heal everything: links, partitions, the network, crashed nodes. Messages held by hand are
    // released now, long after they were sent: stale terms and logs must be harmless.
    sim.apply(&Intervention::Heal { links: true })?;
    let held: Vec<_> = sim
        .flights()
        .filter(|f| f.held_at.is_some())
        .map(|f| f.id)
        .collect();
    for msg in held {
        sim.apply(&Intervention::Release { msg })?;
    }
    sim.apply(&Intervention::Network {
        config: NetConfig::default(),
    })?;
    for i in 1..=n {
        let _ = sim.apply(&Intervention::Restart { node: NodeId(i) });
    }
    let healed = sim.now();
    let found = run_until(&mut sim, 5 * SEC, |s| undisputed_leader(s).is_some());
    if found.is_none() {
        return Err(format!("no leader within 5 s after healing at {healed} us"));
    }
    let (leader, _) = undisputed_leader(&sim).expect("found above");
    sim.apply(&Intervention::ClientRequest { node: leader })?;
    sim.advance_to(sim.now() + SEC);
    if let Some(v) = sim.violations().first() {
        return Err(format!("{} at {} us: {}", v.property, v.t, v.text));
    }
    Ok(())
}

#[test]
fn no_invariant_breaks_under_random_faults_and_a_leader_returns_after_healing() {
    let seeds: u64 = std::env::var("RAFT_FUZZ_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000);
    for seed in 0..seeds {
        if let Err(e) = run_seed(seed) {
            panic!("seed {seed}: {e}");
        }
    }
}
