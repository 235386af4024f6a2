//! Crash and restart: a crash loses volatile state, timers and the messages arriving while the
//! node is down, keeps durable state; a restart runs `on_start` again. Commands the world
//! cannot carry out are refused in words and change nothing.

mod common;

use common::*;
use nodescape::sim::{DropReason, EventKind, Intervention, NodeId, Session, Sim, SimTime, MS, SEC};

fn n(i: u32) -> NodeId {
    NodeId(i)
}

/// Everything observable about a world, for "nothing changed" comparisons.
fn fingerprint(sim: &Sim<Gossip>) -> String {
    let nodes: Vec<String> = sim
        .nodes()
        .iter()
        .map(|nd| {
            let timers: Vec<(SimTime, SimTime)> =
                nd.timers.iter().map(|t| (t.set_at, t.fire_at)).collect();
            format!(
                "{} up={} {:?} {:?} {:?}",
                nd.id, nd.up, nd.durable, nd.volatile, timers
            )
        })
        .collect();
    let flights = serde_json::to_string(&sim.flights().collect::<Vec<_>>()).unwrap();
    format!(
        "now={} events={} trace={} {} {nodes:?} {flights} {:?}",
        sim.now(),
        sim.events(),
        sim.trace().total(),
        sim.trace().digest(),
        sim.network()
    )
}

#[test]
fn a_crash_loses_volatile_state_and_timers_but_keeps_durable_state() {
    for seed in 1..=5 {
        let mut sim = gossip(seed);
        sim.advance_to(SEC);
        let before = sim.nodes()[1].clone();
        assert!(before.durable.pings > 0 && before.volatile.as_ref().unwrap().pongs > 0);
        sim.apply(&Intervention::Crash { node: n(2) }).unwrap();
        let down = &sim.nodes()[1];
        assert!(!down.up, "seed {seed}");
        assert!(
            down.volatile.is_none(),
            "seed {seed}: volatile state survived"
        );
        assert!(down.timers.is_empty(), "seed {seed}: timers survived");
        assert_eq!(
            down.durable, before.durable,
            "seed {seed}: durable state changed"
        );
        let crashed_at = sim.now();
        sim.advance_to(3 * SEC);
        assert_eq!(sim.nodes()[1].durable, before.durable, "seed {seed}");
        for e in sim.trace().events().filter(|e| e.t > crashed_at) {
            match e.kind {
                EventKind::TimerFired { node } | EventKind::Commanded { node, .. } => {
                    assert_ne!(node, n(2), "seed {seed}: a crashed node acted at {}", e.t)
                }
                EventKind::Sent { from, .. } => {
                    assert_ne!(from, n(2), "seed {seed}: a crashed node sent at {}", e.t)
                }
                _ => {}
            }
        }
    }
}

#[test]
fn messages_arriving_at_a_crashed_node_are_dropped_as_receiver_down() {
    for seed in 1..=5 {
        let mut sim = gossip(seed);
        sim.advance_to(500 * MS);
        sim.apply(&Intervention::Crash { node: n(3) }).unwrap();
        let (down, up) = (sim.now(), 2 * SEC);
        sim.advance_to(up);
        sim.apply(&Intervention::Restart { node: n(3) }).unwrap();
        sim.advance_to(3 * SEC);
        let mut refused = 0;
        let mut after = 0;
        for e in sim.trace().events() {
            match e.kind {
                EventKind::Delivered { to, msg, .. } if to == n(3) => {
                    assert!(
                        e.t <= down || e.t > up,
                        "seed {seed}: #{msg} delivered to a crashed node at {}",
                        e.t
                    );
                    after += (e.t > up) as u32;
                }
                EventKind::Dropped {
                    to, reason, msg, ..
                } => {
                    assert_eq!(to, n(3), "seed {seed}: #{msg} dropped ({reason:?})");
                    assert_eq!(reason, DropReason::ReceiverDown, "seed {seed}: #{msg}");
                    assert!(e.t > down && e.t <= up, "seed {seed}: #{msg} at {}", e.t);
                    refused += 1;
                }
                _ => {}
            }
        }
        assert!(refused > 0, "seed {seed}: nobody wrote to the crashed node");
        assert!(after > 0, "seed {seed}: nothing arrived after the restart");
    }
}

#[test]
fn restart_runs_on_start_again_from_durable_state_only() {
    let mut sim = gossip(4);
    sim.advance_to(SEC);
    let durable = sim.nodes()[0].durable.clone();
    assert_eq!(durable.starts, 1);
    sim.apply(&Intervention::Crash { node: n(1) }).unwrap();
    sim.advance_to(SEC + 100 * MS);
    sim.apply(&Intervention::Restart { node: n(1) }).unwrap();
    let node = &sim.nodes()[0];
    assert!(node.up);
    assert_eq!(node.durable.starts, 2, "on_start ran again");
    assert_eq!(node.durable.pings, durable.pings, "durable state kept");
    assert_eq!(
        node.volatile,
        Some(Volatile::default()),
        "volatile state rebuilt from nothing"
    );
    assert_eq!(node.timers.len(), 1, "on_start set its timer again");
    assert!(sim
        .trace()
        .events()
        .any(|e| e.kind == EventKind::Restarted { node: n(1) } && e.t == SEC + 100 * MS));
    sim.advance_to(2 * SEC);
    assert!(
        sim.nodes()[0].volatile.as_ref().unwrap().sent > 0,
        "it runs again"
    );
}

#[test]
fn timers_set_before_a_crash_never_fire_after_a_quick_restart() {
    // Crash just before a node's timer is due and restart at once: the old timer must not fire
    // (the new one, set by on_start, is at least 20 ms away).
    let mut checked = 0;
    for seed in 1..=20 {
        let mut sim = gossip(seed);
        sim.advance_to(300 * MS);
        let due = sim.nodes()[1].timers[0].fire_at;
        sim.advance_to(due - 1);
        if sim.nodes()[1].timers.first().map(|t| t.fire_at) != Some(due) {
            continue;
        }
        sim.apply(&Intervention::Crash { node: n(2) }).unwrap();
        sim.apply(&Intervention::Restart { node: n(2) }).unwrap();
        let restarted = sim.now();
        sim.advance_to(restarted + 20 * MS - 1);
        let fired = sim
            .trace()
            .events()
            .filter(|e| e.t >= restarted && e.kind == EventKind::TimerFired { node: n(2) })
            .count();
        assert_eq!(fired, 0, "seed {seed}: a timer from before the crash fired");
        assert_eq!(sim.nodes()[1].timers.len(), 1, "seed {seed}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} seeds had a timer due");
}

#[test]
fn commands_the_world_cannot_carry_out_are_refused_in_words_and_change_nothing() {
    let mut sim = gossip(6);
    sim.advance_to(SEC);
    sim.apply(&Intervention::Crash { node: n(2) }).unwrap();
    sim.advance_to(SEC + 5 * MS);
    let some_flight = sim.flights().next().map(|f| f.id);
    let before = fingerprint(&sim);
    let cases: Vec<(Intervention, &str)> = vec![
        (
            Intervention::SendMessage {
                from: n(2),
                to: n(1),
            },
            "crashed; restart it first",
        ),
        (Intervention::Crash { node: n(2) }, "already crashed"),
        (Intervention::Restart { node: n(1) }, "is running"),
        (Intervention::Crash { node: n(9) }, "no node 9"),
        (Intervention::Crash { node: n(0) }, "no node 0"),
        (Intervention::LocalEvent { node: n(1) }, "gossip cannot do"),
        (
            Intervention::SendMessage {
                from: n(1),
                to: n(1),
            },
            "itself",
        ),
        (
            Intervention::SendMessage {
                from: n(1),
                to: n(6),
            },
            "no node 6",
        ),
        (
            Intervention::Partition {
                groups: vec![vec![n(1)], vec![n(1), n(2)]],
            },
            "in two groups",
        ),
        (
            Intervention::Partition {
                groups: vec![vec![]],
            },
            "at least one node",
        ),
        (
            Intervention::SetLink {
                from: n(1),
                to: n(1),
                link: nodescape::sim::LinkState::Cut,
                both: false,
            },
            "two different nodes",
        ),
        (
            Intervention::SetLink {
                from: n(1),
                to: n(2),
                link: nodescape::sim::LinkState::Lossy { loss: 2.0 },
                both: false,
            },
            "between 0 and 1",
        ),
        (
            Intervention::Drop {
                msg: nodescape::sim::MsgId(999_999),
            },
            "not in flight",
        ),
        (
            Intervention::Release {
                msg: some_flight.expect("something is in flight"),
            },
            "not held",
        ),
        (
            Intervention::Network {
                config: nodescape::sim::NetConfig {
                    loss: 1.5,
                    ..Default::default()
                },
            },
            "loss",
        ),
    ];
    for (iv, words) in cases {
        let e = sim.apply(&iv).unwrap_err();
        assert!(e.contains(words), "{iv:?}: {e:?} should say {words:?}");
        assert_eq!(fingerprint(&sim), before, "{iv:?} changed the world");
    }
}

#[test]
fn a_refused_command_leaves_the_rest_of_the_run_unchanged() {
    // The refusal must not even draw from the random generator.
    let mut plain = Session::new(gossip(3));
    plain.advance_to(2 * SEC);
    let mut refused = Session::new(gossip(3));
    refused.advance_to(SEC);
    assert!(refused
        .intervene(Intervention::LocalEvent { node: n(1) })
        .is_err());
    assert!(refused
        .intervene(Intervention::Restart { node: n(4) })
        .is_err());
    assert!(refused.log().is_empty(), "a refused action is not recorded");
    refused.advance_to(2 * SEC);
    assert_eq!(refused.sim().trace().digest(), plain.sim().trace().digest());
}
