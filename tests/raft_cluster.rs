//! Raft on the simulated network: elections, failover, partitions, one-way links, commitment,
//! and the teaching switches caught by the live safety checker.

mod raft_support;

use nodescape::protocols::raft::{checker_status, log_panel, Raft, RaftSettings, Role};
use nodescape::sim::{Intervention, LinkState, NetConfig, NodeId, Protocol, Sim, MS, SEC};
use raft_support::{commit_of, leader, role_of, run_until, undisputed_leader};

fn sim(n: u32, settings: RaftSettings, seed: u64) -> Sim<Raft> {
    Sim::new(Raft::new(settings), n, NetConfig::default(), seed)
}

fn elect(s: &mut Sim<Raft>, seed: u64) -> (NodeId, u64) {
    run_until(s, 5 * SEC, |s| undisputed_leader(s).is_some())
        .unwrap_or_else(|| panic!("seed {seed}: no leader within 5 s"));
    undisputed_leader(s).unwrap()
}

fn apply(s: &mut Sim<Raft>, iv: Intervention) {
    s.apply(&iv)
        .unwrap_or_else(|e| panic!("{iv:?} refused: {e}"));
}

fn no_violations(s: &Sim<Raft>, seed: u64) {
    assert!(
        s.violations().is_empty(),
        "seed {seed}: {:?}",
        s.violations()
    );
}

#[test]
fn a_leader_is_elected_within_5_seconds_of_the_start() {
    for seed in 0..30 {
        let n = 3 + 2 * (seed % 3) as u32;
        let mut s = sim(n, RaftSettings::default(), seed);
        elect(&mut s, seed);
        no_violations(&s, seed);
    }
}

#[test]
fn a_new_leader_with_a_higher_term_follows_a_crash_or_isolation_of_the_leader() {
    for seed in 0..20 {
        for isolate in [false, true] {
            let mut s = sim(5, RaftSettings::default(), seed);
            let (old, term) = elect(&mut s, seed);
            let iv = if isolate {
                Intervention::Partition {
                    groups: vec![vec![old]],
                }
            } else {
                Intervention::Crash { node: old }
            };
            apply(&mut s, iv);
            let found = run_until(&mut s, 5 * SEC, |s| {
                s.nodes().iter().any(|n| {
                    n.id != old
                        && n.volatile.as_ref().is_some_and(|v| v.role == Role::Leader)
                        && n.durable.current_term > term
                })
            });
            assert!(
                found.is_some(),
                "seed {seed} isolate {isolate}: no new leader in 5 s"
            );
            no_violations(&s, seed);
        }
    }
}

#[test]
fn a_minority_partition_never_elects_a_leader_or_commits() {
    for seed in 0..10 {
        let mut s = sim(5, RaftSettings::default(), seed);
        let (_, term) = elect(&mut s, seed);
        let minority = [NodeId(1), NodeId(2)];
        apply(
            &mut s,
            Intervention::Partition {
                groups: vec![minority.to_vec()],
            },
        );
        let commits: Vec<u64> = minority.iter().map(|&m| commit_of(&s, m)).collect();
        for step in 0..50 {
            s.advance_to(s.now() + 100 * MS);
            for &m in &minority {
                let _ = s.apply(&Intervention::ClientRequest { node: m });
                if step % 10 == 0 {
                    let _ = s.apply(&Intervention::TimeoutNow { node: m });
                }
                let n = s.node(m).unwrap();
                let leads = role_of(&s, m) == Some(Role::Leader);
                assert!(
                    !(leads && n.durable.current_term > term),
                    "seed {seed}: node {m} won an election in the minority"
                );
            }
            let now: Vec<u64> = minority.iter().map(|&m| commit_of(&s, m)).collect();
            assert_eq!(
                now, commits,
                "seed {seed}: the minority committed something"
            );
        }
        no_violations(&s, seed);
    }
}

#[test]
fn an_isolated_old_leader_steps_down_when_healed_and_loses_its_uncommitted_entries() {
    for seed in 0..10 {
        let mut s = sim(5, RaftSettings::default(), seed);
        let (old, term) = elect(&mut s, seed);
        apply(
            &mut s,
            Intervention::Partition {
                groups: vec![vec![old]],
            },
        );
        for _ in 0..3 {
            apply(&mut s, Intervention::ClientRequest { node: old });
        }
        let stale: Vec<(u64, u64)> = s
            .node(old)
            .unwrap()
            .durable
            .log
            .iter()
            .enumerate()
            .filter(|(_, e)| e.term == term)
            .map(|(k, e)| (k as u64 + 1, e.term))
            .skip(1) // the no-op, committed before the partition
            .collect();
        assert_eq!(stale.len(), 3);
        run_until(&mut s, 5 * SEC, |s| {
            undisputed_leader(s).is_some_and(|(l, t)| l != old && t > term)
        })
        .unwrap_or_else(|| panic!("seed {seed}: the majority elected no leader"));
        let (new, _) = undisputed_leader(&s).unwrap();
        apply(&mut s, Intervention::ClientRequest { node: new });
        apply(&mut s, Intervention::Heal { links: true });
        run_until(&mut s, 2 * SEC, |s| {
            s.node(old).unwrap().durable.log == s.node(new).unwrap().durable.log
                && role_of(s, old) == Some(Role::Follower)
        })
        .unwrap_or_else(|| panic!("seed {seed}: node {old} did not catch up with node {new}"));
        let log = &s.node(old).unwrap().durable.log;
        for (index, t) in &stale {
            assert!(
                log.get(*index as usize - 1).is_none_or(|e| e.term != *t),
                "seed {seed}: uncommitted entry {index} of term {t} survived"
            );
        }
        no_violations(&s, seed);
    }
}

#[test]
fn partial_connectivity_and_one_way_links_keep_raft_safe() {
    for seed in 0..10 {
        let mut s = sim(5, RaftSettings::default(), seed);
        let (l, _) = elect(&mut s, seed);
        // The leader can send but not hear; a bridge node links two halves.
        for to in 1..=5u32 {
            if NodeId(to) != l {
                apply(
                    &mut s,
                    Intervention::SetLink {
                        from: NodeId(to),
                        to: l,
                        link: LinkState::Cut,
                        both: false,
                    },
                );
            }
        }
        for round in 0..40 {
            s.advance_to(s.now() + 100 * MS);
            if let Some((x, _)) = leader(&s) {
                let _ = s.apply(&Intervention::ClientRequest { node: x });
            }
            if round == 20 {
                apply(&mut s, Intervention::Heal { links: true });
                apply(
                    &mut s,
                    Intervention::Partition {
                        groups: vec![vec![NodeId(1), NodeId(2)], vec![NodeId(4), NodeId(5)]],
                    },
                );
                // Node 3 is left on its own: no side holds a majority.
            }
        }
        no_violations(&s, seed);
    }
}

#[test]
fn every_proposal_to_a_stable_leader_commits_on_all_connected_nodes_within_10_seconds() {
    for seed in 0..10 {
        let mut s = sim(5, RaftSettings::default(), seed);
        let (l, _) = elect(&mut s, seed);
        // One follower is down; the other four are a connected majority.
        let down = NodeId(l.0 % 5 + 1);
        apply(&mut s, Intervention::Crash { node: down });
        let start = s.now();
        for _ in 0..10 {
            apply(&mut s, Intervention::ClientRequest { node: l });
            s.advance_to(s.now() + 20 * MS);
        }
        let last = s.node(l).unwrap().durable.last_index();
        let left = 10 * SEC - (s.now() - start);
        run_until(&mut s, left, |s| {
            s.nodes()
                .iter()
                .filter(|n| n.up)
                .all(|n| commit_of(s, n.id) >= last)
        })
        .unwrap_or_else(|| panic!("seed {seed}: proposals not committed everywhere in 10 s"));
        let leader_log = &s.node(l).unwrap().durable.log;
        for n in s.nodes().iter().filter(|n| n.up) {
            assert_eq!(
                &n.durable.log[..last as usize],
                &leader_log[..last as usize],
                "seed {seed}"
            );
        }
        no_violations(&s, seed);
    }
}

#[test]
fn restarted_nodes_never_vote_twice_in_a_term() {
    for seed in 0..20 {
        let mut s = sim(5, RaftSettings::default(), seed);
        let mut votes: std::collections::BTreeMap<(u32, u64), NodeId> = Default::default();
        let mut rng = nodescape::sim::SimRng::new(seed ^ 0xfeed);
        for _ in 0..100 {
            s.advance_to(s.now() + rng.range(5, 60) * MS);
            let victim = NodeId(rng.range(1, 5) as u32);
            let iv = if s.node(victim).unwrap().up {
                Intervention::Crash { node: victim }
            } else {
                Intervention::Restart { node: victim }
            };
            apply(&mut s, iv);
            for n in s.nodes() {
                if let Some(c) = n.durable.voted_for {
                    let prev = *votes.entry((n.id.0, n.durable.current_term)).or_insert(c);
                    assert_eq!(
                        prev, c,
                        "seed {seed}: node {} voted twice in term {}",
                        n.id, n.durable.current_term
                    );
                }
            }
        }
        no_violations(&s, seed);
    }
}

#[test]
fn client_requests_at_a_follower_are_refused_with_the_leaders_name() {
    let mut s = sim(5, RaftSettings::default(), 3);
    let (l, _) = elect(&mut s, 3);
    s.advance_to(s.now() + 200 * MS);
    let f = NodeId(l.0 % 5 + 1);
    let e = s
        .apply(&Intervention::ClientRequest { node: f })
        .unwrap_err();
    assert_eq!(
        e,
        format!("node {f} is not the leader; the leader is node {l}")
    );
    let e = s.apply(&Intervention::TimeoutNow { node: l }).unwrap_err();
    assert!(e.contains("already the leader"), "{e}");
    let e = s.apply(&Intervention::LocalEvent { node: l }).unwrap_err();
    assert!(e.contains("Raft"), "{e}");
}

#[test]
fn time_out_now_starts_an_election_at_once() {
    let mut s = sim(5, RaftSettings::default(), 4);
    let (l, term) = elect(&mut s, 4);
    let f = NodeId(l.0 % 5 + 1);
    apply(&mut s, Intervention::TimeoutNow { node: f });
    assert_eq!(role_of(&s, f), Some(Role::Candidate));
    assert_eq!(s.node(f).unwrap().durable.current_term, term + 1);
    run_until(&mut s, SEC, |s| {
        undisputed_leader(s).is_some_and(|(_, t)| t > term)
    })
    .unwrap();
}

#[test]
fn with_check_quorum_an_isolated_leader_steps_down() {
    let settings = RaftSettings {
        check_quorum: true,
        ..RaftSettings::default()
    };
    let mut s = sim(5, settings, 5);
    let (l, _) = elect(&mut s, 5);
    apply(
        &mut s,
        Intervention::Partition {
            groups: vec![vec![l]],
        },
    );
    run_until(&mut s, SEC, |s| role_of(s, l) != Some(Role::Leader))
        .expect("CheckQuorum: the isolated leader steps down within an election timeout or two");
    no_violations(&s, 5);
}

#[test]
fn with_prevote_a_rejoining_node_does_not_disrupt_the_leader() {
    for prevote in [true, false] {
        let settings = RaftSettings {
            prevote,
            ..RaftSettings::default()
        };
        let mut s = sim(5, settings, 6);
        let (l, term) = elect(&mut s, 6);
        let loner = NodeId(l.0 % 5 + 1);
        apply(
            &mut s,
            Intervention::Partition {
                groups: vec![vec![loner]],
            },
        );
        s.advance_to(s.now() + 2 * SEC);
        apply(&mut s, Intervention::Heal { links: true });
        s.advance_to(s.now() + SEC);
        let lt = undisputed_leader(&s).expect("a leader after healing");
        if prevote {
            assert_eq!(lt, (l, term), "PreVote: the leader keeps its term");
            assert_eq!(s.node(loner).unwrap().durable.current_term, term);
        } else {
            assert!(
                lt.1 > term,
                "without PreVote the loner's higher term forces an election"
            );
        }
        no_violations(&s, 6);
    }
}

/// Figure 8 reached on the simulated network with interventions a learner can make (time out
/// now, crash, restart, partition), with one entry per AppendEntries. Returns the run.
fn figure_8_on_the_network(unsafe_commit: bool, seed: u64) -> Sim<Raft> {
    let settings = RaftSettings {
        // Long timeouts: only the script starts elections.
        election_min_ms: 20_000,
        election_max_ms: 30_000,
        max_entries_per_append: 1,
        unsafe_commit_old_terms: unsafe_commit,
        ..RaftSettings::default()
    };
    let mut s = sim(5, settings, seed);
    let (n1, n2, n3, n4, n5) = (NodeId(1), NodeId(2), NodeId(3), NodeId(4), NodeId(5));
    let leads = |s: &Sim<Raft>, id| role_of(s, id) == Some(Role::Leader);
    // Node 1 leads term 1; its no-op commits everywhere.
    apply(&mut s, Intervention::TimeoutNow { node: n1 });
    s.advance_to(s.now() + 300 * MS);
    assert!(leads(&s, n1));
    // Node 1 and node 2 are cut off; node 1 takes a request that only node 2 stores.
    apply(
        &mut s,
        Intervention::Partition {
            groups: vec![vec![n1, n2], vec![n3, n4], vec![n5]],
        },
    );
    apply(&mut s, Intervention::ClientRequest { node: n1 });
    s.advance_to(s.now() + 300 * MS);
    apply(&mut s, Intervention::Crash { node: n1 });
    // Node 5 wins term 2 with nodes 3 and 4, then is cut off before its no-op leaves.
    apply(
        &mut s,
        Intervention::Partition {
            groups: vec![vec![n3, n4, n5], vec![n2]],
        },
    );
    apply(&mut s, Intervention::TimeoutNow { node: n5 });
    run_until(&mut s, SEC, |s| leads(s, n5)).unwrap();
    apply(
        &mut s,
        Intervention::Partition {
            groups: vec![vec![n5], vec![n3, n4]],
        },
    );
    s.advance_to(s.now() + 300 * MS);
    apply(&mut s, Intervention::Crash { node: n5 });
    // Node 1 restarts and wins term 3 (its term-2 attempt is refused), and sends its old
    // entry to node 3 one entry at a time.
    apply(&mut s, Intervention::Restart { node: n1 });
    apply(&mut s, Intervention::Heal { links: true });
    apply(&mut s, Intervention::TimeoutNow { node: n1 });
    s.advance_to(s.now() + 100 * MS);
    if !leads(&s, n1) {
        apply(&mut s, Intervention::TimeoutNow { node: n1 });
    }
    run_until(&mut s, SEC, |s| leads(s, n1)).unwrap();
    // The moment node 3 matches index 2, node 1 is cut off from everyone.
    run_until(&mut s, SEC, |s| {
        s.node(n1)
            .unwrap()
            .volatile
            .as_ref()
            .is_some_and(|v| v.match_index[2] >= 2)
    })
    .unwrap();
    apply(
        &mut s,
        Intervention::Partition {
            groups: vec![vec![n1]],
        },
    );
    // Node 5 restarts and, with nodes 3 and 4 whose last entry is older than its own, wins.
    apply(&mut s, Intervention::Restart { node: n5 });
    for _ in 0..3 {
        if !leads(&s, n5) {
            apply(&mut s, Intervention::TimeoutNow { node: n5 });
            s.advance_to(s.now() + 100 * MS);
        }
    }
    assert!(leads(&s, n5), "node 5 wins with votes from nodes 3 and 4");
    let _ = n4;
    s.advance_to(s.now() + SEC);
    s
}

#[test]
fn the_checker_catches_the_figure_8_commit_bug_that_a_learner_can_reach() {
    for seed in 0..10 {
        let bad = figure_8_on_the_network(true, seed);
        let broken: Vec<&str> = bad.violations().iter().map(|v| v.property).collect();
        assert!(
            broken.contains(&"State Machine Safety") && broken.contains(&"Leader Completeness"),
            "seed {seed}: the teaching switch must be caught: {:?}",
            bad.violations()
        );
        let badges = checker_status(&bad);
        assert!(
            badges
                .iter()
                .any(|b| !b.ok && b.explanation.contains("index 2")),
            "seed {seed}: {badges:?}"
        );
        let good = figure_8_on_the_network(false, seed);
        assert!(
            good.violations().is_empty(),
            "seed {seed}: safe Raft: {:?}",
            good.violations()
        );
        assert!(checker_status(&good).iter().all(|b| b.ok));
    }
}

#[test]
fn the_checker_catches_votes_granted_without_the_up_to_date_check() {
    for unsafe_vote in [true, false] {
        let settings = RaftSettings {
            election_min_ms: 20_000,
            election_max_ms: 30_000,
            unsafe_vote_no_uptodate_check: unsafe_vote,
            ..RaftSettings::default()
        };
        let mut s = sim(5, settings, 9);
        let n5 = NodeId(5);
        apply(&mut s, Intervention::Crash { node: n5 });
        apply(&mut s, Intervention::TimeoutNow { node: NodeId(1) });
        s.advance_to(s.now() + 200 * MS);
        for _ in 0..3 {
            apply(&mut s, Intervention::ClientRequest { node: NodeId(1) });
        }
        s.advance_to(s.now() + 300 * MS);
        assert!(commit_of(&s, NodeId(1)) >= 4);
        // Node 5 comes back with an empty log, deaf to the leader (a one-way cut), and forces
        // elections until its term is high enough for the others to consider it.
        apply(
            &mut s,
            Intervention::SetLink {
                from: NodeId(1),
                to: n5,
                link: LinkState::Cut,
                both: false,
            },
        );
        apply(&mut s, Intervention::Restart { node: n5 });
        for _ in 0..4 {
            if role_of(&s, n5) != Some(Role::Leader) {
                apply(&mut s, Intervention::TimeoutNow { node: n5 });
                s.advance_to(s.now() + 100 * MS);
            }
        }
        let broken: Vec<&str> = s.violations().iter().map(|v| v.property).collect();
        if unsafe_vote {
            assert!(
                broken.contains(&"Leader Completeness"),
                "{:?}",
                s.violations()
            );
        } else {
            assert!(broken.is_empty(), "{:?}", s.violations());
            assert_ne!(role_of(&s, n5), Some(Role::Leader));
        }
    }
}

#[test]
fn the_views_show_roles_logs_and_leader_progress() {
    let mut s = sim(3, RaftSettings::default(), 10);
    let (l, term) = elect(&mut s, 10);
    apply(&mut s, Intervention::ClientRequest { node: l });
    s.advance_to(s.now() + 200 * MS);
    let panel = log_panel(&s);
    let row = &panel.nodes[l.index()];
    assert_eq!(row.role, "leader");
    assert_eq!(row.entries.len(), 2);
    assert!(row.entries.iter().all(|e| e.committed));
    assert_eq!(row.entries[0].command, "no-op");
    assert_eq!(row.progress.len(), 2);
    assert!(row
        .progress
        .iter()
        .all(|p| p.match_index == 2 && p.next_index == 3));
    let v = s.proto.view_node(s.node(l).unwrap(), s.now());
    assert_eq!(v.role, "leader");
    assert_eq!(v.caption, format!("T{term} leader"));
    assert_eq!(v.aria, format!("leader, term {term}"));
    let f = NodeId(l.0 % 3 + 1);
    let fv = s.proto.view_node(s.node(f).unwrap(), s.now());
    assert_eq!(fv.role, "follower");
    assert!(fv.timer.is_some_and(|t| (0.0..=1.0).contains(&t)));
    apply(&mut s, Intervention::Crash { node: f });
    assert_eq!(
        s.proto.view_node(s.node(f).unwrap(), s.now()).role,
        "crashed"
    );
    assert_eq!(log_panel(&s).nodes[f.index()].role, "crashed");
    assert_eq!(checker_status(&s).len(), 7);
}
