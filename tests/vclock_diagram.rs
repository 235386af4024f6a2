//! The space-time diagram's model: arrows from send to receive carry the engine's message
//! numbers, dropped messages end in a cross, messages in flight end at "now", crashes show as
//! outages, and a time window keeps only what it shows.

mod vclock_support;

use nodescape::protocols::vclock::{
    diagram_of, ArrowEnd, EventId, Notebook, Vclock, VclockSettings,
};
use nodescape::sim::{DropReason, EventKind, Intervention, MsgId, NetConfig, NodeId, Sim, MS, SEC};
use std::collections::BTreeMap;
use vclock_support::{run, Faults, ALL_FAULTS};

fn quiet_sim(n: u32) -> Sim<Vclock> {
    let quiet = VclockSettings {
        events_per_sec: 0.0,
        ..VclockSettings::default()
    };
    Sim::new(Vclock::new(quiet), n, NetConfig::default(), 9)
}

fn send(sim: &mut Sim<Vclock>, from: u32, to: u32) {
    sim.apply(&Intervention::SendMessage {
        from: NodeId(from),
        to: NodeId(to),
    })
    .unwrap();
}

#[test]
fn a_delivered_message_is_an_arrow_from_its_send_to_its_receive() {
    let mut sim = quiet_sim(3);
    sim.apply(&Intervention::LocalEvent { node: NodeId(1) })
        .unwrap();
    send(&mut sim, 1, 2);
    sim.advance_to(50 * MS);
    let d = diagram_of(&sim, None);
    assert_eq!(d.events.len(), 3);
    assert_eq!(d.arrows.len(), 1);
    let a = &d.arrows[0];
    assert_eq!(
        (a.from, a.to, a.send, a.msg),
        (NodeId(1), NodeId(2), EventId(2), Some(MsgId(1)))
    );
    let ArrowEnd::Received { event, at } = a.end else {
        panic!("expected a receive, got {:?}", a.end)
    };
    assert_eq!(event, EventId(3));
    assert!((10 * MS..=15 * MS).contains(&at));
    assert_eq!(
        d.events[1].label,
        "e2 at node 1, 0.0 ms: send to node 2 (message #1); vector [2,0,0], Lamport 2"
    );
    assert!(d.events[2]
        .label
        .contains("receive from node 1 (message #1)"));
}

#[test]
fn a_dropped_message_ends_in_a_cross_where_it_was_lost() {
    let mut sim = quiet_sim(3);
    send(&mut sim, 1, 3);
    sim.advance_to(5 * MS);
    sim.apply(&Intervention::Drop { msg: MsgId(1) }).unwrap();
    sim.apply(&Intervention::Partition {
        groups: vec![vec![NodeId(2)]],
    })
    .unwrap();
    send(&mut sim, 2, 3);
    sim.advance_to(100 * MS);
    let d = diagram_of(&sim, None);
    let ends: Vec<_> = d
        .arrows
        .iter()
        .map(|a| (a.msg, a.send, a.end.clone()))
        .collect();
    assert_eq!(
        ends,
        vec![
            (
                Some(MsgId(1)),
                EventId(1),
                ArrowEnd::Dropped {
                    at: 5 * MS,
                    reason: DropReason::ByUser
                }
            ),
            (
                Some(MsgId(2)),
                EventId(2),
                ArrowEnd::Dropped {
                    at: 5 * MS,
                    reason: DropReason::Partitioned
                }
            ),
        ]
    );
}

#[test]
fn a_message_in_flight_is_drawn_to_now_and_shows_when_held() {
    let mut sim = quiet_sim(3);
    send(&mut sim, 2, 1);
    sim.advance_to(5 * MS);
    let d = diagram_of(&sim, None);
    let ArrowEnd::InFlight { progress, held, .. } = d.arrows[0].end else {
        panic!("expected in flight, got {:?}", d.arrows[0].end)
    };
    assert!(progress > 0.2 && progress < 0.6, "{progress}");
    assert!(!held);
    assert_eq!(d.arrows[0].end_time(d.now), 5 * MS);
    sim.apply(&Intervention::Hold { msg: MsgId(1) }).unwrap();
    let d = diagram_of(&sim, None);
    assert!(matches!(
        d.arrows[0].end,
        ArrowEnd::InFlight { held: true, .. }
    ));
}

#[test]
fn a_duplicated_message_draws_two_arrows_from_one_send() {
    let mut sim = quiet_sim(2);
    send(&mut sim, 1, 2);
    sim.apply(&Intervention::Duplicate { msg: MsgId(1) })
        .unwrap();
    sim.advance_to(100 * MS);
    let d = diagram_of(&sim, None);
    let mut msgs: Vec<_> = d
        .arrows
        .iter()
        .map(|a| {
            assert_eq!(a.send, EventId(1));
            assert!(matches!(a.end, ArrowEnd::Received { .. }));
            a.msg.unwrap().0
        })
        .collect();
    msgs.sort();
    assert_eq!(msgs, vec![1, 2]);
}

#[test]
fn a_crash_shows_as_an_outage_on_the_node_line() {
    let mut sim = quiet_sim(3);
    sim.advance_to(SEC);
    sim.apply(&Intervention::Crash { node: NodeId(2) }).unwrap();
    sim.advance_to(2 * SEC);
    let d = diagram_of(&sim, None);
    assert_eq!(d.outages.len(), 1);
    assert_eq!(
        (d.outages[0].node, d.outages[0].from, d.outages[0].until),
        (NodeId(2), SEC, None)
    );
    sim.apply(&Intervention::Restart { node: NodeId(2) })
        .unwrap();
    let d = diagram_of(&sim, None);
    assert_eq!(d.outages[0].until, Some(2 * SEC));
}

#[test]
fn a_window_keeps_its_events_and_the_arrows_that_cross_it() {
    let mut sim = quiet_sim(3);
    sim.apply(&Intervention::LocalEvent { node: NodeId(1) })
        .unwrap();
    send(&mut sim, 1, 2);
    sim.advance_to(SEC);
    sim.apply(&Intervention::LocalEvent { node: NodeId(3) })
        .unwrap();
    // From 5 ms to 1 s: the arrow sent at 0 and received after 10 ms crosses it.
    let d = diagram_of(&sim, Some((5 * MS, SEC)));
    let ids: Vec<u64> = d.events.iter().map(|e| e.id.0).collect();
    assert_eq!(ids, vec![3, 4]);
    assert_eq!(d.arrows.len(), 1);
    let d = diagram_of(&sim, Some((500 * MS, 2 * SEC)));
    assert_eq!(d.events.len(), 1);
    assert!(d.arrows.is_empty());
}

#[test]
fn every_message_number_agrees_with_the_trace_over_seeds_and_faults() {
    for faults in ALL_FAULTS {
        for seed in 0..20 {
            let sim = run(seed, 4, 25.0, 1_000, faults);
            let d = diagram_of(&sim, None);
            let mut sent: BTreeMap<u64, (NodeId, NodeId, u64)> = BTreeMap::new();
            let mut fate: BTreeMap<u64, (u64, bool)> = BTreeMap::new();
            for ev in sim.trace().events() {
                match &ev.kind {
                    EventKind::Sent { msg, from, to, .. } => {
                        sent.insert(msg.0, (*from, *to, ev.t));
                    }
                    EventKind::Delivered { msg, .. } => {
                        fate.insert(msg.0, (ev.t, true));
                    }
                    EventKind::Dropped { msg, .. } => {
                        fate.insert(msg.0, (ev.t, false));
                    }
                    _ => {}
                }
            }
            let nb: &Notebook = sim.shared();
            let mut drawn = 0;
            for a in &d.arrows {
                let m = a
                    .msg
                    .unwrap_or_else(|| panic!("seed {seed} {faults:?}: arrow without number"));
                let (from, to, t) = sent[&m.0];
                let send = nb.get(a.send).unwrap();
                assert_eq!(
                    (from, to),
                    (a.from, a.to),
                    "seed {seed} {faults:?}: message {m}"
                );
                assert!(
                    t >= send.t,
                    "seed {seed} {faults:?}: message {m} traced before its send"
                );
                match a.end {
                    ArrowEnd::Received { at, .. } => {
                        assert_eq!(fate[&m.0], (at, true), "seed {seed} {faults:?}: {m}")
                    }
                    ArrowEnd::Dropped { at, .. } => {
                        assert_eq!(fate[&m.0], (at, false), "seed {seed} {faults:?}: {m}")
                    }
                    ArrowEnd::InFlight { .. } => {
                        assert!(!fate.contains_key(&m.0), "seed {seed} {faults:?}: {m}")
                    }
                }
                drawn += 1;
            }
            // Every message the trace saw has exactly one arrow.
            assert_eq!(drawn, sent.len(), "seed {seed} {faults:?}");
            if faults == Faults::Calm {
                assert!(d
                    .arrows
                    .iter()
                    .all(|a| !matches!(a.end, ArrowEnd::Dropped { .. })));
            }
        }
    }
}

#[test]
fn message_numbers_stay_right_when_the_notebook_and_trace_have_forgotten_their_oldest() {
    let busy = VclockSettings {
        events_per_sec: 100.0,
        send_ratio: 0.6,
        show_lamport: false,
    };
    let mut sim = Sim::new(Vclock::new(busy), 5, NetConfig::default(), 8);
    sim.advance_to(60 * SEC);
    assert!(sim.shared().forgotten() > 0 && sim.trace().dropped_before() > 0);
    let started = std::time::Instant::now();
    let d = diagram_of(&sim, None);
    let took = started.elapsed();
    let delivered: BTreeMap<u64, (NodeId, u64)> = sim
        .trace()
        .events()
        .filter_map(|ev| match ev.kind {
            EventKind::Delivered { msg, to, .. } => Some((msg.0, (to, ev.t))),
            _ => None,
        })
        .collect();
    let mut checked = 0;
    for a in &d.arrows {
        if let (Some(m), ArrowEnd::Received { at, .. }) = (a.msg, &a.end) {
            assert_eq!(delivered[&m.0], (a.to, *at), "seed 8: message {m}");
            checked += 1;
        }
    }
    assert!(checked > 5_000, "only {checked} arrows numbered");
    let started = std::time::Instant::now();
    let w = diagram_of(&sim, Some((50 * SEC, 60 * SEC)));
    eprintln!(
        "diagram of {} events built in {took:?}; a 10 s window of {} in {:?}",
        d.events.len(),
        w.events.len(),
        started.elapsed()
    );
}
