//! The pure consistent-hash ring: monotonicity, locality, order independence, boundaries,
//! collisions, preference lists and balance against theory (Karger et al. 1997).

use nodescape::protocols::ring::figures::{
    arc_shares, balance_table, expected_cv, modulo_moved, spread,
};
use nodescape::protocols::ring::hashring::{
    hash_position, token_label, token_position, HashRing, Token,
};
use nodescape::sim::NodeId;
use xxhash_rust::xxh3::xxh3_64;

fn nodes(ids: impl IntoIterator<Item = u32>) -> Vec<NodeId> {
    ids.into_iter().map(NodeId).collect()
}

fn key_positions(count: u32) -> Vec<u64> {
    (1..=count)
        .map(|i| hash_position(&format!("key-{i}")))
        .collect()
}

#[test]
fn positions_are_xxh3_of_the_documented_strings() {
    assert_eq!(token_label(NodeId(3), 0), "node3#0");
    assert_eq!(token_position(NodeId(3), 0), xxh3_64(b"node3#0"));
    assert_eq!(token_position(NodeId(12), 255), xxh3_64(b"node12#255"));
    assert_eq!(hash_position("key-17"), xxh3_64(b"key-17"));
}

#[test]
fn adding_a_node_moves_about_one_in_n_plus_one_keys_and_all_to_the_new_node() {
    let keys = key_positions(100_000);
    let before = HashRing::new(nodes(1..=10), 100);
    let after = HashRing::new(nodes(1..=11), 100);
    let mut moved = 0u32;
    for &p in &keys {
        let (old, new) = (before.owner(p), after.owner(p));
        if old != new {
            moved += 1;
            assert_eq!(
                new,
                Some(NodeId(11)),
                "key at {p:#x} moved to {new:?}, not the new node"
            );
        }
    }
    let share = moved as f64 / keys.len() as f64;
    let ideal = 1.0 / 11.0;
    assert!(
        (share - ideal).abs() < 0.3 * ideal,
        "moved {share:.4} of the keys, ideal {ideal:.4}"
    );
}

#[test]
fn removing_a_node_moves_only_its_keys() {
    let keys = key_positions(20_000);
    let before = HashRing::new(nodes(1..=6), 32);
    let after = HashRing::new(nodes([1, 2, 3, 5, 6]), 32);
    for &p in &keys {
        let old = before.owner(p).unwrap();
        let new = after.owner(p).unwrap();
        if old != NodeId(4) {
            assert_eq!(old, new, "key at {p:#x} moved though node 4 did not own it");
        }
    }
}

#[test]
fn removing_a_node_changes_preference_lists_only_where_it_was() {
    let keys = key_positions(5_000);
    let before = HashRing::new(nodes(1..=6), 8);
    let after = HashRing::new(nodes([1, 2, 3, 5, 6]), 8);
    for &p in &keys {
        let old = before.preference(p, 3);
        let new = after.preference(p, 3);
        if !old.contains(&NodeId(4)) {
            assert_eq!(old, new, "preference list of {p:#x} changed without node 4");
        } else {
            let kept: Vec<NodeId> = old.into_iter().filter(|&n| n != NodeId(4)).collect();
            assert_eq!(&new[..2], &kept[..], "survivors keep their order at {p:#x}");
        }
    }
}

#[test]
fn the_ring_is_the_same_whatever_the_join_order() {
    let a = HashRing::new(nodes([1, 2, 3, 4, 5, 6]), 16);
    let b = HashRing::new(nodes([6, 3, 5, 1, 4, 2]), 16);
    let c = HashRing::new(nodes([2, 5, 1, 6, 4, 3]), 16);
    assert_eq!(a, b);
    assert_eq!(a, c);
    for p in key_positions(1_000) {
        assert_eq!(a.preference(p, 3), b.preference(p, 3));
    }
}

#[test]
fn a_key_exactly_on_a_token_belongs_to_that_token() {
    let ring = HashRing::new(nodes(1..=4), 8);
    let tokens = ring.tokens();
    for (i, t) in tokens.iter().enumerate() {
        assert_eq!(ring.owner_token(t.position), Some(i), "token {t:?}");
        assert_eq!(ring.owner(t.position), Some(t.node));
        let next = &tokens[(i + 1) % tokens.len()];
        assert_eq!(
            ring.owner(t.position.wrapping_add(1)),
            Some(next.node),
            "just after {t:?}"
        );
    }
}

#[test]
fn a_key_after_the_last_token_wraps_to_the_first() {
    let ring = HashRing::new(nodes(1..=4), 8);
    let first = ring.tokens()[0];
    let last = *ring.tokens().last().unwrap();
    assert!(last.position < u64::MAX);
    assert_eq!(ring.owner(u64::MAX), Some(first.node));
    assert_eq!(ring.owner(last.position + 1), Some(first.node));
    assert_eq!(
        ring.owner(0),
        Some(first.node),
        "position 0 is at or before the first token"
    );
}

#[test]
fn colliding_token_positions_keep_every_token_and_the_lowest_node_wins() {
    let t = |position, node, index| Token {
        position,
        node: NodeId(node),
        index,
    };
    let ring = HashRing::from_tokens(vec![t(500, 3, 0), t(100, 2, 0), t(500, 1, 0), t(500, 1, 1)]);
    assert_eq!(ring.tokens().len(), 4, "no token is lost to a collision");
    assert_eq!(ring.tokens()[1], t(500, 1, 0));
    assert_eq!(ring.tokens()[2], t(500, 1, 1));
    assert_eq!(ring.tokens()[3], t(500, 3, 0));
    assert_eq!(ring.owner(300), Some(NodeId(1)));
    assert_eq!(ring.owner(500), Some(NodeId(1)));
    assert_eq!(ring.preference(300, 3), nodes([1, 3, 2]));
    assert_eq!(
        ring.owner(501),
        Some(NodeId(2)),
        "past the tie it wraps to node 2"
    );
}

#[test]
fn preference_lists_are_distinct_nodes_clockwise_from_the_owner() {
    let ring = HashRing::new(nodes(1..=7), 8);
    for p in key_positions(2_000) {
        let list = ring.preference(p, 3);
        assert_eq!(list.len(), 3);
        assert_eq!(list[0], ring.owner(p).unwrap());
        let mut sorted = list.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 3, "repeated node in {list:?}");
        // Walking clockwise by hand finds the same nodes in the same order.
        let start = ring.owner_token(p).unwrap();
        let mut walk = Vec::new();
        for step in 0..ring.tokens().len() {
            let n = ring.tokens()[(start + step) % ring.tokens().len()].node;
            if !walk.contains(&n) {
                walk.push(n);
            }
        }
        assert_eq!(&walk[..3], &list[..]);
    }
}

#[test]
fn replication_above_the_membership_lists_every_member_once() {
    let ring = HashRing::new(nodes([2, 5, 7]), 4);
    for p in key_positions(200) {
        let mut list = ring.preference(p, 5);
        assert_eq!(list.len(), 3);
        list.sort();
        assert_eq!(list, nodes([2, 5, 7]));
    }
    assert!(HashRing::new(nodes([]), 4).preference(7, 3).is_empty());
}

#[test]
fn balance_follows_theory_as_tokens_grow() {
    // One ring gives one sample of the spread, so average over 16 disjoint sets of 10 node ids.
    let n = 10u32;
    for v in [1u32, 8, 32, 128] {
        let mut total = 0.0;
        let sets = 16;
        for s in 0..sets {
            let ring = HashRing::new(nodes(s * n + 1..=s * n + n), v);
            let shares: Vec<f64> = arc_shares(&ring).into_iter().map(|(_, x)| x).collect();
            assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            total += spread(&shares).cv;
        }
        let mean = total / sets as f64;
        let theory = expected_cv(n, v);
        assert!(
            mean > 0.6 * theory && mean < 1.4 * theory,
            "n={n} v={v}: mean CV {mean:.4}, theory {theory:.4}"
        );
    }
}

#[test]
fn the_balance_table_shows_spread_falling_as_tokens_rise() {
    let keys = key_positions(10_000);
    let rows = balance_table(&nodes(1..=5), &keys, &[1, 8, 32, 128, 256]);
    assert_eq!(rows.len(), 5);
    assert!(rows[0].arcs.cv > rows[4].arcs.cv * 3.0, "{rows:?}");
    assert!(
        rows[0].keys.max_over_mean > rows[4].keys.max_over_mean,
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.expected_cv > 0.0));
}

#[test]
fn modulo_hashing_moves_most_keys_where_the_ring_moves_few() {
    let keys = key_positions(20_000);
    let moved = modulo_moved(&keys, &nodes(1..=10), &nodes(1..=11)) as f64 / keys.len() as f64;
    assert!(
        (moved - 10.0 / 11.0).abs() < 0.02,
        "modulo moved {moved:.3}"
    );
}
