//! The worked example of three processes from Coulouris, Dollimore, Kindberg and Blair,
//! "Distributed Systems: Concepts and Design" (5th ed., §14.4, Figures 14.5 to 14.7): events
//! a, b at p1 (b sends m1 to p2), c, d at p2 (c receives m1, d sends m2 to p3), e, f at p3
//! (f receives m2). Expected vectors, Lamport timestamps and relations are the book's.

use nodescape::protocols::vclock::{
    causal_sets, compare_events, shiviz_log, EventId, Relation, Vclock, VclockSettings,
};
use nodescape::sim::{Intervention, NetConfig, NodeId, Sim, MS};

const A: EventId = EventId(1);
const B: EventId = EventId(2);
const E: EventId = EventId(3);
const C: EventId = EventId(4);
const D: EventId = EventId(5);
const F: EventId = EventId(6);

fn book_run() -> Sim<Vclock> {
    let quiet = VclockSettings {
        events_per_sec: 0.0,
        ..VclockSettings::default()
    };
    let mut sim = Sim::new(Vclock::new(quiet), 3, NetConfig::default(), 1);
    let p = NodeId;
    sim.apply(&Intervention::LocalEvent { node: p(1) }).unwrap(); // a
    sim.apply(&Intervention::SendMessage {
        from: p(1),
        to: p(2),
    })
    .unwrap(); // b: m1
    sim.apply(&Intervention::LocalEvent { node: p(3) }).unwrap(); // e
    sim.advance_to(20 * MS); // c: m1 arrives
    sim.apply(&Intervention::SendMessage {
        from: p(2),
        to: p(3),
    })
    .unwrap(); // d: m2
    sim.advance_to(40 * MS); // f: m2 arrives
    sim
}

#[test]
fn vectors_and_lamport_timestamps_match_the_book() {
    let sim = book_run();
    let nb = sim.shared();
    let table = [
        (A, 1, [1, 0, 0], 1),
        (B, 1, [2, 0, 0], 2),
        (C, 2, [2, 1, 0], 3),
        (D, 2, [2, 2, 0], 4),
        (E, 3, [0, 0, 1], 1),
        (F, 3, [2, 2, 2], 5),
    ];
    assert_eq!(nb.total(), 6);
    for (id, node, vector, lamport) in table {
        let e = nb.get(id).unwrap();
        assert_eq!(e.node, NodeId(node), "{id}");
        assert_eq!(e.clock.entries(), vector, "{id}");
        assert_eq!(e.lamport, lamport, "{id}");
    }
}

#[test]
fn relations_match_the_book() {
    let sim = book_run();
    let nb = sim.shared();
    let table = [
        (A, B, Relation::HappenedBefore),
        (B, C, Relation::HappenedBefore),
        (C, D, Relation::HappenedBefore),
        (D, F, Relation::HappenedBefore),
        (A, F, Relation::HappenedBefore),
        (F, A, Relation::HappenedAfter),
        (C, E, Relation::Concurrent),
        (E, A, Relation::Concurrent),
        (B, E, Relation::Concurrent),
        (E, F, Relation::HappenedBefore),
        (D, D, Relation::Same),
    ];
    for (a, b, rel) in table {
        assert_eq!(
            compare_events(nb, a, b).unwrap().relation,
            rel,
            "{a} vs {b}"
        );
    }
}

#[test]
fn the_proof_is_the_component_wise_comparison_in_words() {
    let sim = book_run();
    let cmp = compare_events(sim.shared(), C, F).unwrap();
    assert_eq!(cmp.headline, "e4 happened before e6");
    assert_eq!(
        cmp.proof,
        "[2,1,0] ≤ [2,2,2] component-wise and they differ, so e4 happened before e6"
    );
    let cmp = compare_events(sim.shared(), C, E).unwrap();
    assert_eq!(cmp.headline, "e4 is concurrent with e3");
    assert_eq!(
        cmp.proof,
        "[2,1,0] vs [0,0,1]: e4 is ahead at node 1 (2 > 0) and e3 is ahead at node 3 (1 > 0), \
         so neither happened before the other: e4 and e3 are concurrent"
    );
}

#[test]
fn lamport_order_of_e_and_b_does_not_mean_e_happened_before_b() {
    // The book's point: L(e) = 1 < L(b) = 2, yet e and b are concurrent.
    let sim = book_run();
    let cmp = compare_events(sim.shared(), E, B).unwrap();
    assert_eq!(cmp.relation, Relation::Concurrent);
    assert_eq!(
        cmp.lamport,
        "Lamport 1 < 2 only rules out e2 happening before e3; a scalar clock cannot tell \
         whether e3 happened before e2 or they are concurrent: the vectors show they are \
         concurrent"
    );
}

#[test]
fn causal_past_future_and_concurrent_sets_of_c() {
    let sim = book_run();
    let sets = causal_sets(sim.shared(), C).unwrap();
    assert_eq!(sets.past, vec![A, B]);
    assert_eq!(sets.future, vec![D, F]);
    assert_eq!(sets.concurrent, vec![E]);
    let reach: Vec<(u32, Option<u32>)> = sets
        .nodes
        .iter()
        .map(|r| (r.past_upto, r.future_from))
        .collect();
    assert_eq!(reach, vec![(2, None), (1, Some(2)), (0, Some(2))]);
}

#[test]
fn shiviz_log_of_the_book_example() {
    let sim = book_run();
    let expected = r#"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)

node1 {"node1":1}
e1 local event (Lamport 1)
node1 {"node1":2}
e2 send to node2 (Lamport 2)
node3 {"node3":1}
e3 local event (Lamport 1)
node2 {"node1":2,"node2":1}
e4 receive from node1 (sent at e2) (Lamport 3)
node2 {"node1":2,"node2":2}
e5 send to node3 (Lamport 4)
node3 {"node1":2,"node2":2,"node3":2}
e6 receive from node2 (sent at e5) (Lamport 5)
"#;
    assert_eq!(shiviz_log(sim.shared()), expected);
}
