//! Fuzz of rebalancing under faults: many seeds of joins, leaves, crashes, restarts,
//! partitions, cut links, loss and dropped transfers, with R >= 2 and never more than R-1
//! nodes down at once. No key may be lost, and once everything heals every key must reach its
//! R holders (and no more).

use nodescape::protocols::ring::view;
use nodescape::protocols::ring::{Ring, RingMsg, RingSettings};
use nodescape::sim::{Intervention, LinkState, NetConfig, NodeId, Sim, SimRng, MS, SEC};

fn pick(rng: &mut SimRng, n: u32) -> NodeId {
    NodeId(rng.range(1, n as u64) as u32)
}

/// Runs one seed; returns what went wrong, in words.
fn run(seed: u64) -> Result<(), String> {
    let mut rng = SimRng::new(seed ^ 0x5eed);
    let n = rng.range(4, 6) as u32;
    let r = rng.range(2, 3) as u32;
    let settings = RingSettings {
        keys: 150,
        tokens_per_node: 8,
        replication: r,
        batch_keys: 8,
        ..RingSettings::default()
    };
    let mut sim = Sim::new(Ring::new(settings), n, NetConfig::default(), seed);
    let mut t = 0;
    for _ in 0..40 {
        t += rng.range(20, 150) * MS;
        sim.advance_to(t);
        let down = sim.nodes().iter().filter(|x| !x.up).count() as u32;
        let node = pick(&mut rng, n);
        let iv = match rng.range(0, 9) {
            0 => Intervention::Join { node },
            1 => Intervention::Leave { node },
            2 if down < r - 1 => Intervention::Crash { node },
            2 | 3 => Intervention::Restart { node },
            4 => Intervention::Partition {
                groups: vec![vec![node, pick(&mut rng, n)]],
            },
            5 => Intervention::Heal { links: true },
            6 => Intervention::SetLink {
                from: node,
                to: pick(&mut rng, n),
                link: LinkState::Cut,
                both: rng.chance(0.5),
            },
            7 => Intervention::Network {
                config: NetConfig {
                    loss: 0.3,
                    duplicate: 0.1,
                    ..NetConfig::default()
                },
            },
            _ => {
                let transfers: Vec<_> = sim
                    .flights()
                    .filter(|f| matches!(f.msg, RingMsg::Transfer { .. }))
                    .map(|f| f.id)
                    .collect();
                match transfers.first() {
                    Some(&msg) => Intervention::Drop { msg },
                    None => continue,
                }
            }
        };
        // Refused interventions (joining a member, restarting a running node) change nothing.
        let _ = sim.apply(&iv);
        if let Some(v) = sim.violations().first() {
            return Err(format!("{} at {} us: {}", v.property, v.t, v.text));
        }
    }
    sim.apply(&Intervention::Heal { links: true }).unwrap();
    sim.apply(&Intervention::Network {
        config: NetConfig::default(),
    })
    .unwrap();
    for i in 1..=n {
        let _ = sim.apply(&Intervention::Restart { node: NodeId(i) });
    }
    sim.advance_to(t + 15 * SEC);
    if let Some(v) = sim.violations().first() {
        return Err(format!("{} at {} us: {}", v.property, v.t, v.text));
    }
    let rv = view::ring_view(&sim);
    if !rv.settled || rv.counts.complete != 150 {
        return Err(format!("not rebalanced after healing: {:?}", rv.counts));
    }
    for l in &rv.load.per_node {
        if l.held != l.target {
            return Err(format!(
                "node {} holds {} keys, should {}",
                l.node, l.held, l.target
            ));
        }
    }
    let want = r.min(rv.live.len() as u32);
    for k in 0..150 {
        let s = view::key_status(&sim, k).unwrap();
        if s.held_by.len() as u32 != want {
            return Err(format!(
                "{} has {} holders, want {want}",
                s.name,
                s.held_by.len()
            ));
        }
    }
    Ok(())
}

#[test]
fn no_key_is_lost_and_every_key_regains_its_replicas_under_faults() {
    for seed in 0..150 {
        if let Err(e) = run(seed) {
            panic!("seed {seed}: {e}");
        }
    }
}
