//! The ring protocol in the simulated world: joins, leaves, crashes and restarts move keys as
//! `Transfer` messages, retried until acknowledged, until every key has its R replicas.

use nodescape::protocols::ring::view::{self, KeyState, BALANCE_TOKENS};
use nodescape::protocols::ring::{Ring, RingSettings};
use nodescape::sim::{EventKind, Intervention, NetConfig, NodeId, Protocol, Sim, MS, SEC};

fn world(settings: RingSettings, n: u32, seed: u64) -> Sim<Ring> {
    settings.validate().expect("valid settings");
    Sim::new(Ring::new(settings), n, NetConfig::default(), seed)
}

fn transfers_sent(sim: &Sim<Ring>, after: u64) -> usize {
    sim.trace()
        .events()
        .filter(|e| e.t >= after)
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Sent {
                    kind: "Transfer",
                    ..
                }
            )
        })
        .count()
}

fn noted(sim: &Sim<Ring>, tag: &str) -> bool {
    sim.trace()
        .events()
        .any(|e| matches!(&e.kind, EventKind::Note { tag: t, .. } if *t == tag))
}

/// Every up node stores exactly the keys its live ring gives it.
fn assert_settled(sim: &Sim<Ring>, what: &str) {
    let v = view::ring_view(sim);
    assert!(v.settled, "{what}: not settled: {:?}", v.counts);
    assert_eq!(
        v.counts.complete,
        sim.proto.keys().len(),
        "{what}: {:?}",
        v.counts
    );
    for l in &v.load.per_node {
        if l.up {
            assert_eq!(
                l.held, l.target,
                "{what}: node {} holds {} of {}",
                l.node, l.held, l.target
            );
        }
    }
}

#[test]
fn the_ring_starts_balanced_with_the_last_node_on_standby() {
    let sim = world(RingSettings::default(), 5, 1);
    let v = view::ring_view(&sim);
    assert_eq!(v.members, vec![NodeId(1), NodeId(2), NodeId(3), NodeId(4)]);
    assert_eq!(v.tokens.len(), 5 * 8);
    assert_settled(&sim, "start");
    let standby = sim.proto.view_node(sim.node(NodeId(5)).unwrap(), 0);
    assert_eq!(standby.role, "standby");
    let member = sim.proto.view_node(sim.node(NodeId(1)).unwrap(), 0);
    assert_eq!(member.role, "member");
    let held = sim.node(NodeId(1)).unwrap().durable.held.count();
    assert_eq!(member.caption, format!("{held} keys"));
    assert_eq!(member.aria, format!("ring member, {held} keys, 8 tokens"));
}

#[test]
fn a_join_moves_keys_as_transfers_only_to_the_new_node() {
    let mut sim = world(RingSettings::default(), 5, 2);
    sim.advance_to(200 * MS);
    sim.apply(&Intervention::Join { node: NodeId(5) }).unwrap();
    let report = sim
        .shared()
        .last_change()
        .cloned()
        .expect("a change report");
    assert_eq!(report.moved_elsewhere, 0);
    assert_eq!(report.owners_moved, report.keys_of_node);
    assert!(report.copies_to_create > 0);
    sim.advance_to(260 * MS);
    let v = view::ring_view(&sim);
    assert!(!v.settled, "keys need time to travel");
    assert!(v.counts.in_transit > 0, "{:?}", v.counts);
    sim.advance_to(3 * SEC);
    assert_settled(&sim, "after join");
    assert!(noted(&sim, "join") && noted(&sim, "rebalanced"));
    // Only node 5 received data: every transfer went to it.
    for e in sim.trace().events() {
        if let EventKind::Sent {
            kind: "Transfer",
            to,
            ..
        } = e.kind
        {
            assert_eq!(to, NodeId(5));
        }
    }
    let received = sim.node(NodeId(5)).unwrap().durable.held.count();
    assert_eq!(received, report.copies_to_create);
}

#[test]
fn a_graceful_leave_hands_off_every_key_then_goes_on_standby() {
    let mut sim = world(RingSettings::default(), 5, 3);
    sim.advance_to(100 * MS);
    sim.apply(&Intervention::Leave { node: NodeId(2) }).unwrap();
    let report = sim.shared().last_change().cloned().unwrap();
    assert_eq!(report.moved_elsewhere, 0, "only node 2's keys change owner");
    let role = sim
        .proto
        .view_node(sim.node(NodeId(2)).unwrap(), sim.now())
        .role;
    assert_eq!(role, "leaving");
    sim.advance_to(3 * SEC);
    assert_settled(&sim, "after leave");
    assert_eq!(sim.node(NodeId(2)).unwrap().durable.held.count(), 0);
    assert_eq!(
        sim.proto
            .view_node(sim.node(NodeId(2)).unwrap(), sim.now())
            .role,
        "standby"
    );
    assert!(noted(&sim, "left"));
}

#[test]
fn a_crash_recreates_replicas_from_survivors_and_a_restart_resends_nothing() {
    let mut sim = world(RingSettings::default(), 5, 4);
    sim.advance_to(100 * MS);
    sim.apply(&Intervention::Crash { node: NodeId(1) }).unwrap();
    sim.advance_to(3 * SEC);
    assert_settled(&sim, "after crash");
    assert!(sim.violations().is_empty());
    let before_restart = sim.now();
    sim.apply(&Intervention::Restart { node: NodeId(1) })
        .unwrap();
    sim.advance_to(6 * SEC);
    assert_settled(&sim, "after restart");
    assert_eq!(
        transfers_sent(&sim, before_restart),
        0,
        "the restarted node kept its keys on disk"
    );
}

#[test]
fn a_partition_stalls_a_join_until_healed() {
    let mut sim = world(RingSettings::default(), 5, 5);
    sim.advance_to(100 * MS);
    sim.apply(&Intervention::Partition {
        groups: vec![vec![NodeId(5)]],
    })
    .unwrap();
    sim.apply(&Intervention::Join { node: NodeId(5) }).unwrap();
    sim.advance_to(3 * SEC);
    let v = view::ring_view(&sim);
    assert!(!v.settled);
    assert!(v.counts.missing_replica > 0, "{:?}", v.counts);
    assert_eq!(v.counts.lost, 0);
    sim.apply(&Intervention::Heal { links: true }).unwrap();
    sim.advance_to(6 * SEC);
    assert_settled(&sim, "after heal");
}

#[test]
fn transfers_are_retried_until_acknowledged_on_a_lossy_network() {
    let mut sim = world(RingSettings::default(), 5, 6);
    let lossy = NetConfig {
        loss: 0.4,
        ..NetConfig::default()
    };
    sim.apply(&Intervention::Network { config: lossy }).unwrap();
    sim.apply(&Intervention::Join { node: NodeId(5) }).unwrap();
    sim.advance_to(20 * SEC);
    assert_settled(&sim, "lossy join");
    let dropped = sim
        .trace()
        .events()
        .filter(|e| matches!(e.kind, EventKind::Dropped { .. }))
        .count();
    assert!(dropped > 0, "the network lost something");
}

#[test]
fn replication_above_the_membership_keeps_every_key_on_every_member() {
    let settings = RingSettings {
        replication: 5,
        ..RingSettings::default()
    };
    let mut sim = world(settings, 4, 7);
    assert_eq!(view::ring_view(&sim).replicas, 3);
    sim.apply(&Intervention::Join { node: NodeId(4) }).unwrap();
    sim.advance_to(3 * SEC);
    assert_settled(&sim, "R=5 on 4 nodes");
    for node in sim.nodes() {
        assert_eq!(node.durable.held.count(), 100);
    }
}

#[test]
fn commands_the_ring_cannot_take_are_refused_in_words() {
    let mut sim = world(RingSettings::default(), 3, 8);
    let err = sim
        .apply(&Intervention::Join { node: NodeId(1) })
        .unwrap_err();
    assert!(err.contains("already a ring member"), "{err}");
    let err = sim
        .apply(&Intervention::Leave { node: NodeId(3) })
        .unwrap_err();
    assert!(err.contains("standby"), "{err}");
    sim.apply(&Intervention::Leave { node: NodeId(2) }).unwrap();
    let err = sim
        .apply(&Intervention::Leave { node: NodeId(1) })
        .unwrap_err();
    assert!(err.contains("last ring member"), "{err}");
    let err = sim
        .apply(&Intervention::LocalEvent { node: NodeId(1) })
        .unwrap_err();
    assert!(err.contains("join"), "{err}");
}

#[test]
fn settings_out_of_range_are_refused_naming_the_field() {
    let bad = |s: RingSettings, field: &str| {
        let err = s.validate().unwrap_err();
        assert!(err.contains(field), "{err}");
    };
    let d = RingSettings::default;
    bad(RingSettings { keys: 0, ..d() }, "ring.keys");
    bad(
        RingSettings {
            keys: 10_001,
            ..d()
        },
        "ring.keys",
    );
    bad(
        RingSettings {
            tokens_per_node: 257,
            ..d()
        },
        "tokens_per_node",
    );
    bad(
        RingSettings {
            replication: 0,
            ..d()
        },
        "replication",
    );
    bad(
        RingSettings {
            replication: 6,
            ..d()
        },
        "replication",
    );
    bad(
        RingSettings {
            initial_members: Some(0),
            ..d()
        },
        "initial_members",
    );
    bad(
        RingSettings {
            key_names: vec!["a".into(), "a".into()],
            ..d()
        },
        "key_names",
    );
    let parsed: Result<RingSettings, _> = serde_json::from_str(r#"{"tokenz": 3}"#);
    assert!(parsed.is_err(), "unknown fields are refused");
    let parsed: RingSettings = serde_json::from_str(r#"{"tokens_per_node": 3}"#).unwrap();
    assert_eq!(parsed.replication, RingSettings::default().replication);
}

#[test]
fn a_typed_key_lights_up_its_position_owner_and_replicas() {
    let settings = RingSettings {
        key_names: vec!["apple".into(), "banana".into(), "cherry".into()],
        ..RingSettings::default()
    };
    let sim = world(settings, 5, 9);
    let found = view::lookup(&sim, "banana");
    assert_eq!(
        found.position_hex,
        format!("{:#018x}", xxhash_rust::xxh3::xxh3_64(b"banana"))
    );
    assert_eq!(found.replicas.len(), 2);
    assert_eq!(found.owner, Some(found.replicas[0]));
    let status = found.status.expect("banana is stored");
    let mut replicas = status.preference.clone();
    replicas.sort();
    assert_eq!(status.held_by, replicas);
    assert_eq!(status.state, KeyState::Complete);
    let other = view::lookup(&sim, "durian");
    assert!(other.status.is_none());
    assert_eq!(other.replicas.len(), 2);
}

#[test]
fn checkpoints_share_the_key_stores_that_did_not_change() {
    let settings = RingSettings {
        keys: 10_000,
        ..RingSettings::default()
    };
    let mut sim = world(settings, 5, 10);
    sim.advance_to(SEC);
    let snap = sim.clone();
    sim.apply(&Intervention::Join { node: NodeId(5) }).unwrap();
    sim.advance_to(1100 * MS);
    for (a, b) in snap.nodes().iter().zip(sim.nodes()) {
        if a.durable.held == b.durable.held {
            assert!(
                a.durable.held.shares_storage_with(&b.durable.held),
                "node {}",
                a.id
            );
        }
    }
    assert!(!snap.nodes()[4]
        .durable
        .held
        .shares_storage_with(&sim.nodes()[4].durable.held));
}

#[test]
fn ten_thousand_keys_rebalance_after_a_join() {
    let settings = RingSettings {
        keys: 10_000,
        tokens_per_node: 64,
        replication: 3,
        batch_keys: 200,
        ..RingSettings::default()
    };
    let mut sim = world(settings, 5, 11);
    sim.apply(&Intervention::Join { node: NodeId(5) }).unwrap();
    let report = sim.shared().last_change().cloned().unwrap();
    assert_eq!(report.moved_elsewhere, 0);
    let share = report.owners_moved_share;
    assert!((share - 0.2).abs() < 0.08, "moved {share}");
    assert!(report.modulo_moved_share > 0.7);
    sim.advance_to(5 * SEC);
    assert_settled(&sim, "10,000 keys");
    let rows = view::balance(&sim, &BALANCE_TOKENS);
    assert!(rows[0].arcs.cv > rows[4].arcs.cv);
}
