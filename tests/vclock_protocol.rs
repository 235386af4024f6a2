//! The protocol's behaviour: one event in, the exact clock and message out; faults (duplicates,
//! crashes, loss) keep the rules; automatic chatter follows the settings; how nodes and
//! messages look; settings validation.

use nodescape::protocols::vclock::{
    Chat, Clocks, EventId, EventType, Notebook, Vclock, VclockSettings, VclockTimer, VectorClock,
};
use nodescape::sim::protocol::Effect;
use nodescape::sim::{
    Ctx, Intervention, MessageInfo, NetConfig, NodeCommand, NodeId, Protocol, Sim, SimRng, MS, SEC,
};

fn quiet() -> Vclock {
    Vclock::new(VclockSettings {
        events_per_sec: 0.0,
        ..VclockSettings::default()
    })
}

fn quiet_sim(n: u32) -> Sim<Vclock> {
    Sim::new(quiet(), n, NetConfig::default(), 3)
}

fn clocks(v: &[u32], lamport: u64) -> Clocks {
    Clocks {
        vector: VectorClock::from_entries(v.to_vec()),
        lamport,
    }
}

#[test]
fn a_send_ticks_once_and_the_message_carries_the_new_clock() {
    let proto = quiet();
    let mut rng = SimRng::new(1);
    let mut nb = Notebook::default();
    let mut effects = Vec::new();
    let mut state = clocks(&[1, 4, 0], 6);
    let mut ctx = Ctx::new(5 * MS, NodeId(1), 3, &mut rng, &mut nb, &mut effects);
    proto
        .on_command(
            &mut ctx,
            &mut state,
            &mut (),
            &NodeCommand::SendTo(NodeId(3)),
        )
        .unwrap();
    assert_eq!(state, clocks(&[2, 4, 0], 7));
    assert_eq!(effects.len(), 1);
    match &effects[0] {
        Effect::Send { to, msg } => {
            assert_eq!(*to, NodeId(3));
            assert_eq!(
                *msg,
                Chat {
                    clock: VectorClock::from_entries(vec![2, 4, 0]),
                    lamport: 7,
                    send: EventId(1),
                }
            );
        }
        other => panic!("expected a send, got {other:?}"),
    }
    let e = nb.get(EventId(1)).unwrap();
    assert_eq!(e.what, EventType::Send { to: NodeId(3) });
    assert_eq!(e.t, 5 * MS);
}

#[test]
fn a_receive_takes_the_maximum_then_ticks_its_own_entry() {
    let proto = quiet();
    let mut rng = SimRng::new(1);
    let mut nb = Notebook::default();
    let mut effects = Vec::new();
    let mut state = clocks(&[1, 2, 0], 2);
    let msg = Chat {
        clock: VectorClock::from_entries(vec![3, 0, 5]),
        lamport: 9,
        send: EventId(40),
    };
    let mut ctx = Ctx::new(0, NodeId(2), 3, &mut rng, &mut nb, &mut effects);
    proto.on_message(&mut ctx, &mut state, &mut (), NodeId(3), msg);
    assert_eq!(state, clocks(&[3, 3, 5], 10));
    assert!(effects.is_empty(), "a receive sends nothing");
    assert_eq!(
        nb.get(EventId(1)).unwrap().what,
        EventType::Receive {
            from: NodeId(3),
            send: EventId(40)
        }
    );
}

#[test]
fn a_duplicate_delivery_is_a_second_receive() {
    let mut sim = quiet_sim(3);
    sim.apply(&Intervention::SendMessage {
        from: NodeId(1),
        to: NodeId(2),
    })
    .unwrap();
    let msg = sim.flights().next().unwrap().id;
    sim.apply(&Intervention::Duplicate { msg }).unwrap();
    sim.advance_to(100 * MS);
    let receives: Vec<_> = sim
        .shared()
        .events()
        .filter(|e| e.node == NodeId(2))
        .map(|e| (e.what, e.clock.to_string()))
        .collect();
    let from_send = EventType::Receive {
        from: NodeId(1),
        send: EventId(1),
    };
    assert_eq!(
        receives,
        vec![
            (from_send, "[1,1,0]".to_string()),
            (from_send, "[1,2,0]".to_string())
        ]
    );
}

#[test]
fn a_crashed_node_keeps_its_clock_and_counts_on_after_restart() {
    let mut sim = quiet_sim(3);
    for _ in 0..3 {
        sim.apply(&Intervention::LocalEvent { node: NodeId(1) })
            .unwrap();
    }
    sim.apply(&Intervention::Crash { node: NodeId(1) }).unwrap();
    let err = sim
        .apply(&Intervention::LocalEvent { node: NodeId(1) })
        .unwrap_err();
    assert!(err.contains("crashed"), "{err}");
    let view = sim.proto.view_node(sim.node(NodeId(1)).unwrap(), sim.now());
    assert_eq!(view.aria, "crashed, vector clock 3, 0, 0");
    sim.advance_to(SEC);
    sim.apply(&Intervention::Restart { node: NodeId(1) })
        .unwrap();
    assert_eq!(sim.shared().total(), 3, "a restart is not an event");
    sim.apply(&Intervention::LocalEvent { node: NodeId(1) })
        .unwrap();
    let last = sim.shared().last_of(NodeId(1)).unwrap();
    assert_eq!(last.clock.to_string(), "[4,0,0]");
    assert_eq!(last.lamport, 4);
}

#[test]
fn a_message_to_a_crashed_node_is_never_received() {
    let mut sim = quiet_sim(3);
    sim.apply(&Intervention::SendMessage {
        from: NodeId(1),
        to: NodeId(2),
    })
    .unwrap();
    sim.apply(&Intervention::Crash { node: NodeId(2) }).unwrap();
    sim.advance_to(100 * MS);
    assert_eq!(sim.shared().total(), 1);
    assert_eq!(sim.node(NodeId(2)).unwrap().durable, clocks(&[0, 0, 0], 0));
}

#[test]
fn commands_of_other_protocols_and_sends_to_self_are_refused_in_words() {
    let mut sim = quiet_sim(3);
    let err = sim
        .apply(&Intervention::ClientRequest { node: NodeId(1) })
        .unwrap_err();
    assert!(
        err.contains("only do local events and send messages"),
        "{err}"
    );
    let err = sim
        .apply(&Intervention::SendMessage {
            from: NodeId(2),
            to: NodeId(2),
        })
        .unwrap_err();
    assert!(err.contains("itself"), "{err}");
    assert_eq!(sim.shared().total(), 0, "refused commands log nothing");
}

#[test]
fn nodes_chat_on_their_own_at_the_set_rate() {
    let settings = VclockSettings {
        events_per_sec: 10.0,
        send_ratio: 0.5,
        show_lamport: false,
    };
    let mut sim = Sim::new(Vclock::new(settings), 5, NetConfig::default(), 11);
    sim.advance_to(10 * SEC);
    let nb = sim.shared();
    let own = nb
        .events()
        .filter(|e| !matches!(e.what, EventType::Receive { .. }))
        .count();
    // 5 nodes x 10 per second x 10 seconds, give or take the random gaps.
    assert!((400..=600).contains(&own), "{own} own events");
    let sends = nb
        .events()
        .filter(|e| matches!(e.what, EventType::Send { .. }))
        .count();
    assert!(
        sends * 10 > own * 3 && sends * 10 < own * 7,
        "{sends} of {own}"
    );
}

#[test]
fn send_ratio_zero_means_only_local_events_and_rate_zero_means_silence() {
    let only_local = VclockSettings {
        events_per_sec: 20.0,
        send_ratio: 0.0,
        show_lamport: false,
    };
    let mut sim = Sim::new(Vclock::new(only_local), 3, NetConfig::default(), 5);
    sim.advance_to(2 * SEC);
    assert!(sim.shared().total() > 50);
    assert!(sim.shared().events().all(|e| e.what == EventType::Local));
    let mut silent = quiet_sim(3);
    silent.advance_to(60 * SEC);
    assert_eq!(silent.shared().total(), 0);
    assert_eq!(silent.next_event_time(), None, "no timer runs at rate 0");
}

#[test]
fn same_seed_gives_the_same_run() {
    let run = |seed| {
        let mut sim = Sim::new(
            Vclock::new(VclockSettings::default()),
            5,
            NetConfig::default(),
            seed,
        );
        sim.advance_to(30 * SEC);
        (sim.trace().digest(), sim.shared().total())
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42).0, run(43).0);
}

#[test]
fn a_node_shows_its_vector_or_its_lamport_clock() {
    let mut sim = quiet_sim(3);
    sim.apply(&Intervention::LocalEvent { node: NodeId(3) })
        .unwrap();
    sim.apply(&Intervention::SendMessage {
        from: NodeId(3),
        to: NodeId(1),
    })
    .unwrap();
    sim.advance_to(50 * MS);
    sim.apply(&Intervention::LocalEvent { node: NodeId(1) })
        .unwrap();
    let node = sim.node(NodeId(1)).unwrap();
    let view = sim.proto.view_node(node, sim.now());
    assert_eq!(view.role, "member");
    assert_eq!(view.caption, "[2,0,2]");
    assert_eq!(view.aria, "vector clock 2, 0, 2");
    assert!(view.details.contains(&"Lamport clock 4".to_string()));
    let lamport = Vclock::new(VclockSettings {
        show_lamport: true,
        ..VclockSettings::default()
    });
    let view = lamport.view_node(node, sim.now());
    assert_eq!(view.caption, "L4");
    assert_eq!(view.aria, "Lamport clock 4");
}

#[test]
fn a_long_vector_caption_is_broken_into_lines_that_fit_under_the_node() {
    use nodescape::protocols::vclock::{short_caption, CAPTION_LINES, CAPTION_MAX};
    assert_eq!(short_caption("[12,10,3,14,9]"), "[12,10,3,14,9]");
    // Nine nodes, two digits: the whole vector, on two lines of about equal length broken
    // after a comma.
    assert_eq!(
        short_caption("[12,10,3,14,9,22,7,31,5]"),
        "[12,10,3,14,9,\n22,7,31,5]"
    );
    assert_eq!(short_caption("[32,18,33,28,23]"), "[32,18,33,\n28,23]");
    // Nine nodes, three digits: still whole, on three lines.
    let v = "[123,456,789,101,112,131,415,161,718]";
    let c = short_caption(v);
    assert_eq!(c.replace('\n', ""), v);
    assert_eq!(c.lines().count(), 3);
    // Longer than three lines: cut, and says so.
    let c = short_caption("[1234,5678,9101,1121,3141,5161,7181,9202,1222]");
    assert_eq!(c.lines().count(), CAPTION_LINES);
    assert!(c.ends_with('…'), "{c}");
    for c in [c, short_caption(v)] {
        assert!(
            c.lines().all(|l| l.chars().count() <= CAPTION_MAX + 1),
            "{c}"
        );
    }
}

#[test]
fn a_chat_message_shows_the_vector_it_carries() {
    let msg = Chat {
        clock: VectorClock::from_entries(vec![2, 0, 1]),
        lamport: 3,
        send: EventId(7),
    };
    assert_eq!(msg.kind(), "Chat");
    assert_eq!(
        msg.summary(),
        "carries vector clock [2,0,1] (Lamport 3), sent at e7"
    );
}

#[test]
fn settings_default_validate_and_reject_unknown_fields() {
    let d = VclockSettings::default();
    assert_eq!(
        (d.events_per_sec, d.send_ratio, d.show_lamport),
        (8.0, 0.5, false)
    );
    assert_eq!(d.validate(), Ok(()));
    let partial: VclockSettings = serde_json::from_str(r#"{"send_ratio": 0.9}"#).unwrap();
    assert_eq!(partial.events_per_sec, 8.0);
    let err = serde_json::from_str::<VclockSettings>(r#"{"rate": 2}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
    let fast = VclockSettings {
        events_per_sec: 1e6,
        ..d.clone()
    };
    assert!(fast.validate().unwrap_err().contains("events_per_sec"));
    let nan = VclockSettings {
        send_ratio: f64::NAN,
        ..d
    };
    assert!(nan.validate().unwrap_err().contains("send_ratio"));
}

#[test]
fn the_auto_timer_is_the_only_timer() {
    let sim = Sim::new(
        Vclock::new(VclockSettings::default()),
        3,
        NetConfig::default(),
        1,
    );
    for node in sim.nodes() {
        let timers: Vec<_> = node.timers.iter().map(|s| s.timer.clone()).collect();
        assert_eq!(timers, vec![VclockTimer::Auto]);
    }
}
