//! Property over many seeds and fault mixes: happened-before computed by reachability in the
//! space-time graph (program order plus send → receive) equals the vector-clock order, for every
//! pair of events (Mattern 1989, Theorem 10; Fidge 1988). Each run also obeys the update rules,
//! the Lamport clock condition and ShiViz's rules for its export.

mod vclock_support;

use nodescape::protocols::vclock::{shiviz_log, Event, EventType, Notebook};
use std::collections::BTreeMap;
use vclock_support::{check_shiviz_rules, parse_shiviz, run, Faults, ALL_FAULTS};

const SEEDS: u64 = 200;

/// Happened-before by graph reachability: `past[i]` has bit `k` when event `k` reaches event
/// `i` through program order and send → receive edges (events are in a topological order).
fn reachability(events: &[&Event]) -> Vec<Vec<u64>> {
    let words = events.len().div_ceil(64);
    let index: BTreeMap<u64, usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.0, i))
        .collect();
    let mut last_of_node: BTreeMap<u32, usize> = BTreeMap::new();
    let mut past: Vec<Vec<u64>> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let mut mine = vec![0u64; words];
        let mut preds = Vec::new();
        if let Some(&p) = last_of_node.get(&e.node.0) {
            preds.push(p);
        }
        if let EventType::Receive { send, .. } = e.what {
            let s = index[&send.0];
            assert!(s < i, "receive {} logged before its send {}", e.id, send);
            preds.push(s);
        }
        for p in preds {
            for (w, x) in mine.iter_mut().zip(&past[p]) {
                *w |= x;
            }
            mine[p / 64] |= 1 << (p % 64);
        }
        past.push(mine);
        last_of_node.insert(e.node.0, i);
    }
    past
}

/// Checks one run; returns (pairs checked, concurrent pairs) or a failure in words.
fn check_run(nb: &Notebook) -> Result<(u64, u64), String> {
    assert_eq!(nb.forgotten(), 0, "the property needs the whole run");
    let events: Vec<&Event> = nb.events().collect();
    let past = reachability(&events);
    let mut last: BTreeMap<u32, &Event> = BTreeMap::new();
    for e in &events {
        // The update rule, one tick per event.
        let prev_clock = last
            .get(&e.node.0)
            .map(|p| p.clock.clone())
            .unwrap_or_default();
        let prev_lamport = last.get(&e.node.0).map_or(0, |p| p.lamport);
        let mut expected = prev_clock;
        let mut lamport = prev_lamport;
        if let EventType::Receive { send, .. } = e.what {
            let s = nb.get(send).expect("send kept");
            expected.merge(&s.clock);
            lamport = lamport.max(s.lamport);
        }
        expected.tick(e.node);
        if e.clock != expected || e.lamport != lamport + 1 {
            return Err(format!(
                "{} at node {}: clock {} Lamport {}, rules give {} Lamport {}",
                e.id,
                e.node,
                e.clock,
                e.lamport,
                expected,
                lamport + 1
            ));
        }
        last.insert(e.node.0, e);
    }
    // Event numbers follow the run's order, so only an earlier event can reach a later one.
    let (mut pairs, mut concurrent) = (0, 0);
    for (j, b) in events.iter().enumerate() {
        for (i, a) in events[..j].iter().enumerate() {
            let reaches = past[j][i / 64] >> (i % 64) & 1 == 1;
            let order = a.clock.partial_cmp(&b.clock);
            let vc = order == Some(std::cmp::Ordering::Less);
            if reaches != vc || order == Some(std::cmp::Ordering::Greater) {
                return Err(format!(
                    "{} {} vs {} {}: reachability says {reaches}, vector clocks say {order:?}",
                    a.id, a.clock, b.id, b.clock
                ));
            }
            if reaches && a.lamport >= b.lamport {
                return Err(format!(
                    "{} happened before {} but Lamport {} >= {}",
                    a.id, b.id, a.lamport, b.lamport
                ));
            }
            pairs += 1;
            concurrent += u64::from(order.is_none());
        }
    }
    let log = parse_shiviz(&shiviz_log(nb))?;
    check_shiviz_rules(&log)?;
    Ok((pairs, concurrent))
}

#[test]
fn reachability_equals_vector_clock_order_over_seeds_and_fault_mixes() {
    let mut per_mix: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for faults in ALL_FAULTS {
        for seed in 0..SEEDS {
            let n = 3 + (seed % 3) as u32;
            let sim = run(seed, n, 25.0, 800, faults);
            let nb = sim.shared();
            let (pairs, concurrent) = check_run(nb)
                .unwrap_or_else(|e| panic!("seed {seed}, faults {faults:?}, {n} nodes: {e}"));
            let receives = nb
                .events()
                .filter(|e| matches!(e.what, EventType::Receive { .. }))
                .count() as u64;
            let slot = per_mix.entry(format!("{faults:?}")).or_default();
            slot.0 += pairs;
            slot.1 += concurrent;
            slot.2 += receives;
        }
    }
    // Not vacuous: every mix saw messages received, and pairs both ordered and concurrent.
    for (mix, (pairs, concurrent, receives)) in &per_mix {
        assert!(*receives > 1_000, "{mix}: only {receives} receives");
        assert!(
            *concurrent > 0 && *concurrent < *pairs,
            "{mix}: {concurrent} of {pairs}"
        );
    }
}

#[test]
fn crashed_nodes_keep_counting_in_the_property_runs() {
    let sim = run(7, 3, 25.0, 1_000, Faults::Crashing);
    let restarts = sim
        .trace()
        .events()
        .filter(|e| matches!(e.kind, nodescape::sim::EventKind::Restarted { .. }))
        .count();
    assert_eq!(restarts, 2);
    // Node 2's own entries run 1, 2, 3, ... across its crash and restart.
    let own: Vec<u32> = sim
        .shared()
        .events()
        .filter(|e| e.node.0 == 2)
        .map(|e| e.own_count())
        .collect();
    assert!(
        own.iter().enumerate().all(|(i, &c)| c == i as u32 + 1),
        "seed 7: {own:?}"
    );
}
