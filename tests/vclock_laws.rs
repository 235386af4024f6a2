//! Laws of vector clocks: merge is the least upper bound (commutative, associative, idempotent),
//! the order is a partial order whose `None` is exactly "concurrent", a tick moves strictly
//! forward, and the explanation in words agrees with the order.

use nodescape::protocols::vclock::{explain, VectorClock};
use nodescape::sim::{NodeId, SimRng};
use std::cmp::Ordering;

const SEEDS: u64 = 300;

fn random_clock(rng: &mut SimRng, n: u32) -> VectorClock {
    // Small entries, so that many pairs are comparable.
    VectorClock::from_entries((0..n).map(|_| rng.range(0, 3) as u32).collect())
}

fn triples() -> impl Iterator<Item = (u64, VectorClock, VectorClock, VectorClock)> {
    (0..SEEDS).map(|seed| {
        let mut rng = SimRng::new(seed);
        let n = 1 + (seed % 5) as u32;
        let a = random_clock(&mut rng, n);
        let b = random_clock(&mut rng, n);
        let c = random_clock(&mut rng, n);
        (seed, a, b, c)
    })
}

#[test]
fn merge_is_commutative_associative_and_idempotent() {
    for (seed, a, b, c) in triples() {
        assert_eq!(a.merged(&b), b.merged(&a), "seed {seed}");
        assert_eq!(
            a.merged(&b).merged(&c),
            a.merged(&b.merged(&c)),
            "seed {seed}"
        );
        assert_eq!(a.merged(&a), a, "seed {seed}");
    }
}

#[test]
fn merge_is_the_least_upper_bound() {
    for (seed, a, b, c) in triples() {
        let m = a.merged(&b);
        assert!(a <= m && b <= m, "seed {seed}: {a} {b} -> {m}");
        if a <= c && b <= c {
            assert!(m <= c, "seed {seed}: {m} not below upper bound {c}");
        }
    }
}

#[test]
fn order_is_a_partial_order_and_none_means_concurrent() {
    for (seed, a, b, c) in triples() {
        assert_eq!(a.partial_cmp(&a), Some(Ordering::Equal), "seed {seed}");
        assert_eq!(
            a.partial_cmp(&b),
            b.partial_cmp(&a).map(Ordering::reverse),
            "seed {seed}: {a} vs {b}"
        );
        if a <= b && b <= a {
            assert_eq!(a, b, "seed {seed}: antisymmetry");
        }
        if a <= b && b <= c {
            assert!(a <= c, "seed {seed}: transitivity {a} {b} {c}");
        }
        let concurrent = a.concurrent_with(&b);
        let ahead_somewhere = |x: &VectorClock, y: &VectorClock| {
            x.entries().iter().zip(y.entries()).any(|(p, q)| p > q)
        };
        assert_eq!(
            concurrent,
            ahead_somewhere(&a, &b) && ahead_somewhere(&b, &a),
            "seed {seed}: {a} vs {b}"
        );
        assert_eq!(concurrent, b.concurrent_with(&a), "seed {seed}");
    }
}

#[test]
fn a_tick_moves_strictly_forward_by_one_in_one_entry() {
    for (seed, a, _, _) in triples() {
        for i in 1..=a.len() {
            let mut t = a.clone();
            t.tick(NodeId(i));
            assert!(a.happened_before(&t), "seed {seed}: {a} -> {t}");
            let grown: u32 = t.entries().iter().sum::<u32>() - a.entries().iter().sum::<u32>();
            assert_eq!(grown, 1, "seed {seed}");
        }
    }
}

#[test]
fn explanation_agrees_with_the_order() {
    for (seed, a, b, _) in triples() {
        let text = explain(&a, &b, "a", "b");
        let expected = match a.partial_cmp(&b) {
            Some(Ordering::Less) => "so a happened before b",
            Some(Ordering::Greater) => "so b happened before a",
            Some(Ordering::Equal) => "the same event",
            None => "a and b are concurrent",
        };
        assert!(text.contains(expected), "seed {seed}: {text}");
    }
}

#[test]
fn clocks_print_as_brackets_and_serialise_as_json_arrays() {
    let v = VectorClock::from_entries(vec![2, 0, 1]);
    assert_eq!(v.to_string(), "[2,0,1]");
    assert_eq!(v.spoken(), "2, 0, 1");
    assert_eq!(serde_json::to_string(&v).unwrap(), "[2,0,1]");
    let back: VectorClock = serde_json::from_str("[2,0,1]").unwrap();
    assert_eq!(back, v);
}
