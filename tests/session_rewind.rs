//! Sessions: the recorded interventions replay the run exactly, travelling back and forth in
//! time lands on the same world as a straight run, acting in the past forks history, a refused
//! action in the past keeps the future, and checkpoints stay bounded however long the run.

mod common;

use common::*;
use nodescape::sim::{
    Intervention, LinkState, MsgId, NetConfig, NodeId, Recorded, Session, Sim, SimRng, SimTime, MS,
    SEC,
};

fn n(i: u32) -> NodeId {
    NodeId(i)
}

/// Everything observable about the world at the moment viewed.
fn state(sim: &Sim<Gossip>) -> String {
    let nodes: Vec<String> = sim
        .nodes()
        .iter()
        .map(|nd| {
            let timers: Vec<(SimTime, SimTime)> =
                nd.timers.iter().map(|t| (t.set_at, t.fire_at)).collect();
            format!(
                "{} {} {:?} {:?} {timers:?}",
                nd.id, nd.up, nd.durable, nd.volatile
            )
        })
        .collect();
    let flights = serde_json::to_string(&sim.flights().collect::<Vec<_>>()).unwrap();
    format!(
        "now={} events={} total={} digest={} next={:?} {nodes:?} {flights} {:?}",
        sim.now(),
        sim.events(),
        sim.trace().total(),
        sim.trace().digest(),
        sim.next_event_time(),
        sim.network()
    )
}

/// A random intervention, some of which the world will refuse (crashing a crashed node,
/// dropping a message that has arrived): a learner clicking around.
fn random_intervention(rng: &mut SimRng, sim: &Sim<Gossip>) -> Intervention {
    let node = |rng: &mut SimRng| n(rng.range(1, 5) as u32);
    let msg = |rng: &mut SimRng| {
        let flying: Vec<MsgId> = sim.flights().map(|f| f.id).collect();
        if flying.is_empty() || rng.chance(0.1) {
            MsgId(rng.range(1, 500))
        } else {
            flying[rng.range(0, flying.len() as u64 - 1) as usize]
        }
    };
    match rng.range(0, 11) {
        0 => Intervention::Crash { node: node(rng) },
        1 => Intervention::Restart { node: node(rng) },
        2 => Intervention::Partition {
            groups: vec![vec![node(rng), node(rng)]],
        },
        3 => Intervention::Heal {
            links: rng.chance(0.5),
        },
        4 => Intervention::SetLink {
            from: node(rng),
            to: node(rng),
            link: match rng.range(0, 2) {
                0 => LinkState::Healthy,
                1 => LinkState::Cut,
                _ => LinkState::Lossy { loss: 0.5 },
            },
            both: rng.chance(0.5),
        },
        5 => Intervention::HoldLink {
            from: node(rng),
            to: node(rng),
        },
        6 => Intervention::ReleaseLink {
            from: node(rng),
            to: node(rng),
        },
        7 => Intervention::Drop { msg: msg(rng) },
        8 => Intervention::Duplicate { msg: msg(rng) },
        9 => Intervention::Hold { msg: msg(rng) },
        10 => Intervention::Release { msg: msg(rng) },
        _ => Intervention::SendMessage {
            from: node(rng),
            to: node(rng),
        },
    }
}

/// A session of `until` simulated time with about `count` random interventions (refused ones
/// are not recorded); returns it at its end.
fn clicked_session(seed: u64, until: SimTime, count: u64) -> Session<Gossip> {
    let mut rng = SimRng::new(seed ^ 0x5eed);
    let mut s = Session::new(gossip(seed));
    let mut times: Vec<SimTime> = (0..count).map(|_| rng.range(0, until)).collect();
    times.sort();
    for t in times {
        s.advance_to(t);
        let iv = random_intervention(&mut rng, s.sim());
        let _ = s.intervene(iv);
        if rng.chance(0.3) {
            // Several actions in the same instant, as a quick learner does.
            let iv = random_intervention(&mut rng, s.sim());
            let _ = s.intervene(iv);
        }
    }
    s.advance_to(until);
    s
}

/// A fresh run of the same scenario straight to `t`, replaying `log`.
fn straight(seed: u64, log: &[Recorded], t: SimTime) -> Session<Gossip> {
    let mut s = Session::with_log(gossip(seed), log.to_vec());
    s.advance_to(t);
    s
}

#[test]
fn replaying_the_recorded_interventions_reproduces_the_run() {
    for seed in 1..=6 {
        let live = clicked_session(seed, 5 * SEC, 40);
        assert!(
            live.log().len() >= 20,
            "seed {seed}: only {} interventions applied",
            live.log().len()
        );
        let replay = straight(seed, live.log(), 5 * SEC);
        assert!(
            replay.replay_errors().is_empty(),
            "seed {seed}: {:?}",
            replay.replay_errors()
        );
        assert_eq!(state(replay.sim()), state(live.sim()), "seed {seed}");
        // And the log itself survives JSON, as in a scenario file.
        let json = serde_json::to_string(live.log()).unwrap();
        let back: Vec<Recorded> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, live.log(), "seed {seed}");
    }
}

#[test]
fn seeking_back_and_forth_lands_on_the_same_world_as_a_straight_run() {
    for seed in [3, 14, 15, 92] {
        let until = 8 * SEC;
        let mut s = clicked_session(seed, until, 30);
        let log = s.log().to_vec();
        let mut rng = SimRng::new(seed);
        let mut targets: Vec<SimTime> = (0..12).map(|_| rng.range(0, until)).collect();
        // Moments that are easy to get wrong: the start, the end, checkpoint boundaries and
        // the exact times of interventions.
        targets.extend([0, until, SEC, 2 * SEC, SEC - 1, SEC + 1]);
        targets.extend(log.iter().step_by(7).map(|r| r.at));
        for t in targets {
            s.seek(t);
            let reference = straight(seed, &log, t);
            assert_eq!(
                state(s.sim()),
                state(reference.sim()),
                "seed {seed}: seek to {t} us differs from a straight run"
            );
            assert_eq!(s.log(), &log[..], "seed {seed}: seeking changed the log");
            assert_eq!(s.applied(), reference.applied(), "seed {seed}: at {t}");
        }
        s.seek(until);
        assert!(!s.in_past(), "seed {seed}: back at the end");
    }
}

#[test]
fn stepping_after_a_seek_matches_the_straight_run() {
    let until = 3 * SEC;
    let mut s = clicked_session(21, until, 20);
    let log = s.log().to_vec();
    s.seek(1234 * MS);
    for _ in 0..50 {
        s.step();
    }
    let reference = straight(21, &log, s.now());
    assert_eq!(state(s.sim()), state(reference.sim()));
}

#[test]
fn acting_in_the_past_forks_history() {
    let mut s = Session::new(gossip(8));
    for (at, node) in [(SEC, 1), (2 * SEC, 2), (3 * SEC, 3)] {
        s.advance_to(at);
        s.intervene(Intervention::Crash { node: n(node) }).unwrap();
    }
    s.advance_to(5 * SEC);
    let old_end = state(s.sim());
    s.seek(1500 * MS);
    assert!(s.in_past());
    assert_eq!(s.applied(), 1);
    s.intervene(Intervention::Crash { node: n(4) }).unwrap();
    assert!(!s.in_past(), "the present is now");
    assert_eq!(s.horizon(), 1500 * MS, "the later history is gone");
    assert_eq!(
        s.log(),
        &[
            Recorded {
                at: SEC,
                action: Intervention::Crash { node: n(1) }
            },
            Recorded {
                at: 1500 * MS,
                action: Intervention::Crash { node: n(4) }
            },
        ][..]
    );
    s.advance_to(5 * SEC);
    assert!(s.sim().nodes()[1].up, "node 2's crash was discarded");
    assert!(!s.sim().nodes()[3].up);
    assert_ne!(state(s.sim()), old_end);
    let log = s.log().to_vec();
    assert_eq!(state(s.sim()), state(straight(8, &log, 5 * SEC).sim()));
    // Seeking inside the new branch still works.
    s.seek(1200 * MS);
    assert_eq!(state(s.sim()), state(straight(8, &log, 1200 * MS).sim()));
}

#[test]
fn a_refused_intervention_in_the_past_keeps_the_future() {
    let mut s = clicked_session(5, 4 * SEC, 20);
    let log = s.log().to_vec();
    let horizon = s.horizon();
    let end = state(s.sim());
    s.seek(2 * SEC);
    let here = state(s.sim());
    let e = s
        .intervene(Intervention::Drop {
            msg: MsgId(1_000_000),
        })
        .unwrap_err();
    assert!(e.contains("not in flight"), "{e}");
    assert_eq!(s.log(), &log[..], "the future's interventions are kept");
    assert_eq!(s.horizon(), horizon);
    assert!(s.in_past());
    assert_eq!(state(s.sim()), here, "nothing changed at the moment viewed");
    s.seek(4 * SEC);
    assert_eq!(state(s.sim()), end, "the future is as it was");
}

#[test]
fn checkpoints_stay_bounded_over_a_long_run_and_seeking_still_lands_right() {
    // A slow gossip keeps four simulated hours cheap to run.
    let slow = || {
        Sim::new(
            Gossip {
                tick: (2 * SEC, 4 * SEC),
            },
            5,
            NetConfig::default(),
            77,
        )
    };
    let mut s = Session::new(slow());
    let hours = 4 * 3600 * SEC;
    let mut most = 0;
    let mut t = 0;
    while t < hours {
        t += 60 * SEC;
        s.advance_to(t);
        if t == 3600 * SEC {
            s.intervene(Intervention::Crash { node: n(2) }).unwrap();
        }
        most = most.max(s.checkpoint_count());
        assert!(
            s.checkpoint_count() <= Session::<Gossip>::MAX_CHECKPOINTS,
            "{} checkpoints at {t} us",
            s.checkpoint_count()
        );
    }
    assert!(most > Session::<Gossip>::MAX_CHECKPOINTS / 2, "only {most}");
    let log = s.log().to_vec();
    for target in [
        0,
        1800 * SEC + 7,
        3600 * SEC,
        3600 * SEC + 1,
        3 * 3600 * SEC + 12_345,
    ] {
        s.seek(target);
        let mut reference = Session::with_log(slow(), log.clone());
        reference.advance_to(target);
        assert_eq!(state(s.sim()), state(reference.sim()), "seek to {target}");
    }
}

#[test]
fn two_actions_in_the_same_instant_replay_in_the_order_they_happened() {
    // Regression: a link released at the end of a message's flight delivers it "now"; a crash of
    // the receiver in the same instant must meet the same world live and in replay.
    let mut live = Session::new(gossip(2));
    live.advance_to(100 * MS);
    live.intervene(Intervention::HoldLink {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    live.intervene(Intervention::SendMessage {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    live.advance_to(200 * MS);
    live.intervene(Intervention::ReleaseLink {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    live.intervene(Intervention::Crash { node: n(2) }).unwrap();
    live.advance_to(SEC);
    let replay = straight(2, live.log(), SEC);
    assert!(
        replay.replay_errors().is_empty(),
        "{:?}",
        replay.replay_errors()
    );
    assert_eq!(state(replay.sim()), state(live.sim()));
}
