//! The guided lessons tell the truth: every lesson builds, and at each step the claim its
//! caption makes (and the answer of each question) is what the simulation shows.

use nodescape::lessons::{self, scenario_for, Lesson};
use nodescape::protocols::raft::{checker_status, log_panel, NodePanel, RaftPanel};
use nodescape::protocols::ring::view::{balance, ring_view, RingView};
use nodescape::protocols::vclock::{compare_events, EventId, Relation};
use nodescape::world::{Scenario, World};

fn raft(w: &World) -> RaftPanel {
    let World::Raft(s) = w else {
        panic!("not a Raft world")
    };
    log_panel(s.sim())
}

fn node(p: &RaftPanel, id: u32) -> &NodePanel {
    &p.nodes[id as usize - 1]
}

/// Role, term and log (term:command, `*` when committed) of one node, e.g. `leader 1 [1:no-op*]`.
fn show(p: &RaftPanel, id: u32) -> String {
    let n = node(p, id);
    let log: Vec<String> = n
        .entries
        .iter()
        .map(|e| {
            format!(
                "{}:{}{}",
                e.term,
                e.command,
                if e.committed { "*" } else { "" }
            )
        })
        .collect();
    format!("{} {} [{}]", n.role, n.term, log.join(","))
}

fn leaders(p: &RaftPanel) -> Vec<(u32, u64)> {
    p.nodes
        .iter()
        .filter(|n| n.role == "leader")
        .map(|n| (n.id, n.term))
        .collect()
}

fn ring(w: &World) -> RingView {
    let World::Ring(s) = w else {
        panic!("not a ring world")
    };
    ring_view(s.sim())
}

/// Walks a lesson's steps forward, calling `check(step, world)` at each.
fn walk(id: &str, mut check: impl FnMut(usize, &World)) -> Lesson {
    let lesson = lessons::find(id).unwrap_or_else(|| panic!("lesson {id} exists"));
    let mut w = lesson.world().expect("the lesson builds");
    for k in 0..lesson.len() {
        lesson.show(&mut w, k);
        assert_eq!(w.now(), lesson.steps[k].at_us, "{id} step {k}");
        check(k, &w);
    }
    lesson
}

fn answer(lesson: &Lesson, k: usize) -> &str {
    let q = lesson.steps[k].question.as_ref().expect("a question");
    &q.choices[q.answer]
}

#[test]
fn lesson_ids_are_unique_and_url_safe() {
    let all = lessons::all();
    let mut ids: Vec<&str> = all.iter().map(|l| l.id).collect();
    for id in &ids {
        assert!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{id} is not URL-safe"
        );
        assert_eq!(lessons::find(id).map(|l| l.id), Some(*id));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "lesson ids must be unique");
    assert!(lessons::find("no-such-lesson").is_none());
}

#[test]
fn every_lesson_validates_builds_and_has_four_to_eight_steps_with_a_question() {
    for lesson in lessons::all() {
        let id = lesson.id;
        assert!(
            (4..=8).contains(&lesson.len()),
            "{id}: {} steps",
            lesson.len()
        );
        assert!(
            lesson.steps.windows(2).all(|w| w[0].at_us < w[1].at_us),
            "{id}: steps must go forward in time"
        );
        assert!(lesson.steps.iter().any(|s| s.question.is_some()), "{id}");
        for (k, s) in lesson.steps.iter().enumerate() {
            assert!(!s.caption.trim().is_empty(), "{id} step {k}");
            if let Some(q) = &s.question {
                assert!(q.choices.len() >= 2, "{id} step {k}");
                assert!(
                    q.answer < q.choices.len(),
                    "{id} step {k}: answer out of range"
                );
            }
        }
        let sc = scenario_for(&lesson);
        assert_eq!(sc.protocol, lesson.protocol, "{id}");
        sc.validate().unwrap_or_else(|e| panic!("{id}: {e}"));
        let actions: usize = lesson.steps.iter().map(|s| s.actions.len()).sum();
        assert_eq!(
            sc.interventions.len(),
            actions + lesson.scenario.interventions.len(),
            "{id}"
        );
        // The scenario survives its JSON form (files and share links).
        let back = Scenario::from_json(&sc.to_json()).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(back, sc, "{id}");
        let w = World::from_scenario(&sc).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(
            w.replay_errors().is_empty(),
            "{id}: {:?}",
            w.replay_errors()
        );
    }
}

/// The state without the furthest moment reached, which rightly grows as the learner moves on.
fn without_horizon(text: String) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("state is JSON");
    v.as_object_mut()
        .expect("state is an object")
        .remove("horizon");
    v
}

#[test]
fn going_back_a_step_restores_the_exact_earlier_state() {
    for lesson in lessons::all() {
        let mut w = lesson.world().unwrap();
        let mut states = Vec::new();
        for k in 0..lesson.len() {
            lesson.show(&mut w, k);
            states.push(without_horizon(w.state_json()));
        }
        for k in (0..lesson.len()).rev() {
            lesson.show(&mut w, k);
            let state = without_horizon(w.state_json());
            assert_eq!(state, states[k], "{} step {k}", lesson.id);
        }
        assert!(w.replay_errors().is_empty(), "{}", lesson.id);
    }
}

#[test]
fn vclock_concurrency_lesson_shows_what_lamport_cannot() {
    let lesson = walk("vclock-concurrency", |k, w| {
        let World::Vclock(s) = w else { panic!() };
        let sim = s.sim();
        let clock = |id: u32| sim.nodes()[id as usize - 1].durable.vector.to_string();
        let lamport = |id: u32| sim.nodes()[id as usize - 1].durable.lamport;
        let nb = sim.shared();
        match k {
            0 => assert_eq!((clock(1), lamport(1)), ("[1,0,0]".into(), 1)),
            1 => assert_eq!(clock(1), "[2,0,0]"),
            2 => assert_eq!((clock(2), lamport(2)), ("[2,1,0]".into(), 3)),
            3 => {
                assert_eq!((clock(3), lamport(3)), ("[0,0,1]".into(), 1));
                let c = compare_events(nb, EventId(4), EventId(3)).unwrap();
                assert_eq!(c.relation, Relation::Concurrent);
            }
            4 => {
                let c = compare_events(nb, EventId(1), EventId(3)).unwrap();
                assert_eq!(c.relation, Relation::HappenedBefore);
                let (e1, e3, e4) = (
                    nb.get(EventId(1)).unwrap(),
                    nb.get(EventId(3)).unwrap(),
                    nb.get(EventId(4)).unwrap(),
                );
                assert_eq!((e1.lamport, e3.lamport, e4.lamport), (1, 3, 1));
            }
            5 => assert_eq!(clock(3), "[0,0,2]"),
            6 => {
                assert_eq!(clock(2), "[2,2,2]");
                for e in [4, 5] {
                    let c = compare_events(nb, EventId(e), EventId(6)).unwrap();
                    assert_eq!(c.relation, Relation::HappenedBefore, "e{e}");
                }
            }
            _ => unreachable!(),
        }
    });
    assert_eq!(answer(&lesson, 1), "[2,1,0]");
    assert_eq!(answer(&lesson, 3), "Neither: they are concurrent");
    assert_eq!(answer(&lesson, 5), "[2,2,2]");
}

#[test]
fn raft_first_election_lesson_matches_the_run() {
    let lesson = walk("raft-first-election", |k, w| {
        let p = raft(w);
        let all = |s: &str| (1..=5).all(|i| show(&p, i) == s || node(&p, i).role == "leader");
        match k {
            0 => {
                assert!(leaders(&p).is_empty() && p.nodes.iter().all(|n| n.term == 0));
                // Node 2's arc is the shortest, so the question can be answered by looking.
                let mut arcs = Vec::new();
                w.timer_arcs(&mut arcs);
                let arcs: Vec<f32> = arcs.into_iter().map(|a| a.unwrap()).collect();
                let min = arcs.iter().cloned().fold(f32::MAX, f32::min);
                assert_eq!(arcs[1], min, "{arcs:?}");
            }
            1 => {
                assert_eq!(show(&p, 2), "candidate 1 []");
                assert_eq!(node(&p, 2).votes, vec![2]);
                assert!([1, 3, 4, 5].iter().all(|&i| node(&p, i).role == "follower"));
            }
            2 => {
                assert_eq!(leaders(&p), vec![(2, 1)]);
                assert_eq!(node(&p, 2).votes, vec![1, 2, 3]);
            }
            3 => {
                assert_eq!(show(&p, 2), "leader 1 [1:no-op*]");
                assert!(all("follower 1 [1:no-op*]"));
            }
            4 => assert_eq!(show(&p, 2), "leader 1 [1:no-op*,1:y=6]"),
            5 | 6 => {
                assert_eq!(show(&p, 2), "leader 1 [1:no-op*,1:y=6*]");
                assert!(all("follower 1 [1:no-op*,1:y=6*]"), "{p:?}");
            }
            _ => unreachable!(),
        }
    });
    assert_eq!(answer(&lesson, 0), "Node 2");
    assert_eq!(answer(&lesson, 1), "3");
    // Entry 2 is committed by the leader once 3 of 5 hold it, before all five do.
    let mut w = lesson.world().unwrap();
    w.seek(326_600);
    let p = raft(&w);
    assert_eq!(node(&p, 2).commit_index, 2);
    let acked: Vec<u32> = node(&p, 2)
        .progress
        .iter()
        .filter(|f| f.match_index >= 2)
        .map(|f| f.follower)
        .collect();
    assert_eq!(acked, vec![1, 3], "committed on the replies of a majority");
}

#[test]
fn raft_split_vote_lesson_matches_the_run() {
    let lesson = walk("raft-split-vote", |k, w| {
        let p = raft(w);
        match k {
            0 => assert!(leaders(&p).is_empty()),
            1 => {
                assert_eq!(show(&p, 3), "candidate 1 []");
                assert_eq!(show(&p, 4), "candidate 1 []");
            }
            2 | 3 => {
                assert!(leaders(&p).is_empty());
                assert_eq!(node(&p, 3).votes, vec![2, 3]);
                assert_eq!(node(&p, 4).votes, vec![1, 4]);
                assert_eq!(node(&p, 2).voted_for, Some(3));
                assert_eq!(node(&p, 1).voted_for, Some(4));
            }
            4 => {
                assert_eq!(show(&p, 3), "candidate 2 []");
                assert_eq!(show(&p, 4), "candidate 1 []");
            }
            5 => {
                assert_eq!(leaders(&p), vec![(3, 2)]);
                assert_eq!(node(&p, 3).votes, vec![1, 2, 3]);
            }
            6 => {
                assert_eq!(leaders(&p), vec![(3, 2)]);
                assert_eq!(node(&p, 4).role, "follower");
                assert_eq!(node(&p, 4).term, 2);
            }
            _ => unreachable!(),
        }
    });
    assert_eq!(answer(&lesson, 1), "Nobody: the votes split");
    assert_eq!(answer(&lesson, 3), "Node 3");
}

#[test]
fn raft_leader_crash_lesson_matches_the_run() {
    let lesson = walk("raft-leader-crash", |k, w| {
        let p = raft(w);
        match k {
            0 => {
                assert_eq!(show(&p, 2), "leader 1 [1:no-op*,1:y=6*]");
                assert!((1..=5).all(|i| node(&p, i).commit_index == 2));
            }
            1 => assert!(!node(&p, 2).up),
            2 => {
                assert_eq!(show(&p, 1), "candidate 2 [1:no-op*,1:y=6*]");
                assert!(leaders(&p).is_empty());
            }
            3 => {
                assert_eq!(leaders(&p), vec![(1, 2)]);
                assert_eq!(node(&p, 1).votes, vec![1, 3, 4]);
                assert_eq!(node(&p, 1).entries[1].command, "y=6");
            }
            4 => {
                for i in [1, 3, 4, 5] {
                    assert_eq!(node(&p, i).commit_index, 3, "node {i}");
                    assert_eq!(node(&p, i).entries[2].command, "no-op");
                }
                assert!(!node(&p, 2).up);
            }
            5 => assert_eq!(
                (node(&p, 2).role, node(&p, 2).term, node(&p, 2).commit_index),
                ("follower", 1, 0)
            ),
            6 => {
                assert_eq!(show(&p, 2), "follower 2 [1:no-op*,1:y=6*,2:no-op*]");
                assert_eq!(node(&p, 2).leader, Some(1));
            }
            _ => unreachable!(),
        }
        assert!(w.violations().is_empty());
    });
    assert_eq!(answer(&lesson, 1), "No: any new leader will have it");
    assert_eq!(answer(&lesson, 5), "It adopts term 2 and follows node 1");
}

#[test]
fn raft_minority_partition_lesson_matches_the_run() {
    let lesson = walk("raft-minority-partition", |k, w| {
        let p = raft(w);
        match k {
            0 => assert_eq!(leaders(&p), vec![(2, 1)]),
            1 => assert_eq!(show(&p, 2), "leader 1 [1:no-op*,1:y=4]"),
            2 => {
                assert_eq!(show(&p, 1), "follower 1 [1:no-op*,1:y=4]");
                assert_eq!(node(&p, 2).commit_index, 1, "not committed in the minority");
            }
            3 => {
                assert_eq!(leaders(&p), vec![(2, 1), (5, 2)]);
                assert_eq!(node(&p, 5).votes, vec![3, 4, 5]);
                assert_eq!(node(&p, 2).commit_index, 1);
            }
            4 => assert_eq!(node(&p, 5).entries[2].command, "z=1"),
            5 => {
                assert_eq!(node(&p, 5).commit_index, 3);
                assert_eq!(node(&p, 2).commit_index, 1);
            }
            6 => {
                let want = "[1:no-op*,2:no-op*,2:z=1*]";
                assert_eq!(show(&p, 2), format!("follower 2 {want}"));
                assert!((1..=4).all(|i| show(&p, i) == format!("follower 2 {want}")));
                assert_eq!(leaders(&p), vec![(5, 2)]);
            }
            _ => {}
        }
        assert!(w.violations().is_empty());
    });
    assert_eq!(answer(&lesson, 1), "No: only 2 of 5 nodes can store it");
    assert_eq!(answer(&lesson, 4), "It is replaced by node 5's entry 2");
}

fn figure_8(id: &str, broken: bool) {
    let lesson = walk(id, |k, w| {
        let p = raft(w);
        let World::Raft(s) = w else { panic!() };
        let badges = checker_status(s.sim());
        let red: Vec<&str> = badges.iter().filter(|b| !b.ok).map(|b| b.name).collect();
        match k {
            0 => assert_eq!(show(&p, 1), "leader 1 [1:no-op*,1:y=3]"),
            1 => {
                assert_eq!(node(&p, 2).entries.len(), 2);
                assert!((3..=5).all(|i| node(&p, i).entries.len() == 1));
                assert_eq!(node(&p, 5).role, "candidate");
            }
            2 => assert_eq!(show(&p, 5), "leader 2 [1:no-op*,2:no-op]"),
            3 => assert_eq!(node(&p, 1).role, "candidate"),
            4 => {
                assert_eq!(leaders(&p), vec![(1, 3)]);
                assert_eq!(node(&p, 1).entries.len(), 3);
                assert_eq!(node(&p, 3).entries.len(), 1);
            }
            5 => {
                assert!([1, 2, 3].iter().all(|&i| node(&p, i).entries[1].term == 1));
                let committed = node(&p, 1).commit_index >= 2;
                assert_eq!(committed, broken, "entry 2 committed by counting");
            }
            6 => {
                assert_eq!(node(&p, 5).role, "leader");
                assert_eq!(node(&p, 5).term, 4);
                assert_eq!(red.contains(&"Leader Completeness"), broken, "{red:?}");
            }
            7 => {
                for i in 2..=5 {
                    assert_eq!(node(&p, i).entries[1].term, 2, "node {i}");
                }
                if broken {
                    assert!(red.contains(&"State Machine Safety"), "{red:?}");
                } else {
                    assert!(red.is_empty(), "{red:?}");
                }
            }
            _ => unreachable!(),
        }
        if k < 6 {
            assert!(red.is_empty(), "step {k}: {red:?}");
        }
    });
    let want = if broken {
        "Yes: it is on a majority"
    } else {
        "No: it is from an earlier term"
    };
    assert_eq!(answer(&lesson, 4), want);
    assert_eq!(answer(&lesson, 6), "Replace it with its own entry 2");
}

#[test]
fn figure_8_breaks_state_machine_safety_with_the_switch() {
    figure_8("raft-figure-8-broken", true);
}

#[test]
fn figure_8_stays_safe_with_the_commit_rule() {
    figure_8("raft-figure-8-safe", false);
}

#[test]
fn ring_add_node_lesson_moves_about_one_key_in_five() {
    let lesson = walk("ring-add-node", |k, w| {
        let v = ring(w);
        assert_eq!(v.counts.lost, 0);
        match k {
            0 => {
                assert_eq!(v.live.len(), 4);
                assert_eq!((v.tokens_per_node, v.replicas, v.keys.len()), (8, 2, 100));
                assert!(v.settled);
            }
            1 => {
                let c = v.last_change.clone().unwrap();
                assert_eq!((c.owners_moved, c.moved_elsewhere), (18, 0));
                assert!((c.ideal_share - 0.2).abs() < 1e-9);
                assert!((c.modulo_moved_share - 0.82).abs() < 1e-9);
                assert_eq!(v.counts.missing_replica + v.counts.in_transit, 38);
            }
            2 => assert!(v.counts.in_transit > 0),
            3 => {
                assert!(v.settled);
                assert_eq!(v.counts.complete, 100);
                assert_eq!(v.load.per_node[4].held, 38);
            }
            _ => unreachable!(),
        }
    });
    assert_eq!(answer(&lesson, 1), "About 1 in 5");
}

#[test]
fn ring_virtual_nodes_lesson_shows_uneven_arcs_and_one_neighbour_giving() {
    let mut before = Vec::new();
    let lesson = walk("ring-virtual-nodes", |k, w| {
        let v = ring(w);
        let owned: Vec<u32> = v.load.per_node.iter().map(|l| l.owned).collect();
        match k {
            0 => {
                assert_eq!((owned[0], owned[2]), (49, 1));
                let World::Ring(s) = w else { panic!() };
                let rows = balance(s.sim(), &[1, 128]);
                assert!(
                    rows[1].arcs.max_over_mean < rows[0].arcs.max_over_mean,
                    "{rows:?}"
                );
                before = owned;
            }
            1 => {
                let World::Ring(s) = w else { panic!() };
                let rows = balance(s.sim(), &[1, 8, 128]);
                assert!(
                    rows[2].arcs.max_over_mean < rows[0].arcs.max_over_mean,
                    "{rows:?}"
                );
            }
            2 => {
                let gave: Vec<usize> = (0..4).filter(|&i| owned[i] < before[i]).collect();
                assert_eq!(
                    gave,
                    vec![3],
                    "only node 4 gives keys: {before:?} -> {owned:?}"
                );
                assert_eq!((before[3], owned[3], owned[4]), (35, 32, 3));
            }
            3 => {
                assert!(v.settled);
                assert_eq!((v.load.per_node[4].held, v.load.per_node[0].held), (4, 81));
            }
            _ => unreachable!(),
        }
    });
    assert_eq!(answer(&lesson, 0), "Yes");
    assert_eq!(answer(&lesson, 2), "All from one node");
}

#[test]
fn ring_crash_during_rebalance_loses_no_key() {
    let lesson = walk("ring-crash-rebalance", |k, w| {
        let v = ring(w);
        assert_eq!(v.counts.lost + v.counts.unavailable, 0, "step {k}");
        match k {
            0 => assert!(v.settled && v.live.len() == 4),
            1 => assert_eq!(v.counts.missing_replica, 38),
            2 => assert!(v.counts.in_transit > 0 && !v.settled),
            3 => {
                assert!(!v.load.per_node[1].up);
                assert_eq!(v.load.per_node[1].held, 67);
                assert_eq!(v.counts.missing_replica + v.counts.in_transit, 47);
            }
            4 => assert!(!v.settled),
            5 => {
                assert!(v.settled && v.counts.complete == 100);
                assert_eq!(v.live.len(), 4);
            }
            6 => assert!(v.live.len() == 5 && !v.settled),
            7 => {
                assert!(v.settled && v.counts.complete == 100);
                assert!(v.load.per_node.iter().all(|l| l.held == l.target));
            }
            _ => unreachable!(),
        }
    });
    assert_eq!(answer(&lesson, 3), "No");
}
