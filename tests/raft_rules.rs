//! The rules of the Raft paper (Ongaro and Ousterhout, extended version), one table per rule,
//! each row citing the section it checks; handlers are driven by hand, one message at a time.

mod raft_support;

use nodescape::protocols::raft::{Command, Entry, Raft, RaftMsg, RaftSettings, Role, PROPERTIES};
use nodescape::sim::{MessageInfo, NodeId};
use raft_support::Script;

fn entries(terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .map(|&term| Entry {
            term,
            command: Command::Noop,
        })
        .collect()
}

/// A 5-node script whose node 1 has the given term, vote and log.
fn voter(term: u64, voted_for: Option<u32>, log: &[u64]) -> Script {
    let mut s = Script::new(5, RaftSettings::default());
    let d = &mut s.nodes[0].durable;
    d.current_term = term;
    d.voted_for = voted_for.map(NodeId);
    d.log = entries(log);
    s
}

#[test]
fn votes_are_granted_by_term_by_one_vote_per_term_and_by_the_up_to_date_check() {
    // (why, voter term, voter voted for, voter log terms, candidate, request term,
    //  candidate last index, candidate last term, granted, voter term after)
    type Row = (
        &'static str,
        u64,
        Option<u32>,
        &'static [u64],
        u32,
        u64,
        u64,
        u64,
        bool,
        u64,
    );
    let table: &[Row] = &[
        (
            "5.1: a request from an older term is refused",
            3,
            None,
            &[1, 1],
            2,
            2,
            5,
            2,
            false,
            3,
        ),
        (
            "5.2: first request of a new term with an up-to-date log is granted",
            2,
            None,
            &[1, 2],
            2,
            3,
            2,
            2,
            true,
            3,
        ),
        (
            "5.2: at most one vote per term: already voted for node 4",
            3,
            Some(4),
            &[1],
            2,
            3,
            5,
            3,
            false,
            3,
        ),
        (
            "5.2: the same candidate asking again gets the same vote",
            3,
            Some(2),
            &[1],
            2,
            3,
            1,
            1,
            true,
            3,
        ),
        (
            "Figure 2: a higher term resets the vote, so a new vote is possible",
            3,
            Some(4),
            &[1],
            2,
            4,
            1,
            1,
            true,
            4,
        ),
        (
            "5.4.1: candidate's last term older than the voter's: refused",
            3,
            None,
            &[1, 3],
            2,
            4,
            5,
            2,
            false,
            4,
        ),
        (
            "5.4.1: same last term but a shorter log: refused",
            3,
            None,
            &[1, 2, 2],
            2,
            4,
            2,
            2,
            false,
            4,
        ),
        (
            "5.4.1: same last term and the same length: granted",
            3,
            None,
            &[1, 2, 2],
            2,
            4,
            3,
            2,
            true,
            4,
        ),
        (
            "5.4.1: a later last term wins even with a shorter log",
            3,
            None,
            &[1, 1, 1, 1],
            2,
            4,
            2,
            2,
            true,
            4,
        ),
        (
            "5.4.1: an empty log is behind any non-empty one",
            3,
            None,
            &[1],
            2,
            4,
            0,
            0,
            false,
            4,
        ),
    ];
    for &(why, term, voted, log, cand, req_term, lli, llt, granted, term_after) in table {
        let mut s = voter(term, voted, log);
        let replies = s.deliver(
            cand,
            1,
            RaftMsg::RequestVote {
                term: req_term,
                last_log_index: lli,
                last_log_term: llt,
            },
        );
        assert_eq!(
            replies,
            vec![RaftMsg::Vote {
                term: term_after,
                granted
            }],
            "{why}"
        );
        assert_eq!(s.term(1), term_after, "{why}: voter's term");
        if granted {
            assert_eq!(
                s.nodes[0].durable.voted_for,
                Some(NodeId(cand)),
                "{why}: vote recorded"
            );
        }
    }
}

#[test]
fn teaching_switch_grants_votes_to_candidates_with_stale_logs() {
    let settings = RaftSettings {
        unsafe_vote_no_uptodate_check: true,
        ..RaftSettings::default()
    };
    let mut s = Script::new(5, settings);
    s.nodes[0].durable.current_term = 3;
    s.nodes[0].durable.log = entries(&[1, 3, 3]);
    let replies = s.deliver(
        2,
        1,
        RaftMsg::RequestVote {
            term: 4,
            last_log_index: 1,
            last_log_term: 1,
        },
    );
    assert_eq!(
        replies,
        vec![RaftMsg::Vote {
            term: 4,
            granted: true
        }]
    );
}

#[test]
fn append_entries_checks_consistency_truncates_conflicts_and_follows_the_commit_rule() {
    // (why, follower term, follower log, AE term, prev index, prev term, entries' terms,
    //  leader commit, success, follower log after, commit index after)
    type Row = (
        &'static str,
        u64,
        &'static [u64],
        u64,
        u64,
        u64,
        &'static [u64],
        u64,
        bool,
        &'static [u64],
        u64,
    );
    let table: &[Row] = &[
        (
            "Figure 2 AE rule 1 (5.1): a leader of an older term is refused",
            3,
            &[1, 1],
            2,
            2,
            1,
            &[],
            0,
            false,
            &[1, 1],
            0,
        ),
        (
            "AE rule 2 (5.3): no entry at prevLogIndex: refused",
            1,
            &[1],
            2,
            3,
            1,
            &[2],
            0,
            false,
            &[1],
            0,
        ),
        (
            "AE rule 2 (5.3): entry at prevLogIndex of another term: refused",
            2,
            &[1, 1, 1],
            3,
            3,
            2,
            &[3],
            0,
            false,
            &[1, 1, 1],
            0,
        ),
        (
            "AE rule 4 (5.3): new entries appended after a match",
            1,
            &[1, 1],
            2,
            2,
            1,
            &[2, 2],
            0,
            true,
            &[1, 1, 2, 2],
            0,
        ),
        (
            "AE rule 3 (5.3): a conflict deletes that entry and all that follow",
            2,
            &[1, 1, 2, 2],
            3,
            1,
            1,
            &[3],
            0,
            true,
            &[1, 3],
            0,
        ),
        (
            "AE rule 3 (5.3): entries that match stay; a late short message truncates nothing",
            2,
            &[1, 2, 2, 2],
            2,
            1,
            1,
            &[2],
            0,
            true,
            &[1, 2, 2, 2],
            0,
        ),
        (
            "AE rule 2 (5.3): prevLogIndex 0 always matches",
            1,
            &[1, 1],
            2,
            0,
            0,
            &[2],
            0,
            true,
            &[2],
            0,
        ),
        (
            "AE rule 5: commitIndex = min(leaderCommit, index of last new entry)",
            1,
            &[1, 1, 1],
            1,
            1,
            1,
            &[1],
            3,
            true,
            &[1, 1, 1],
            2,
        ),
        (
            "AE rule 5: a heartbeat carries the leader's commit index",
            1,
            &[1, 1, 1],
            1,
            3,
            1,
            &[],
            2,
            true,
            &[1, 1, 1],
            2,
        ),
    ];
    for &(why, fterm, flog, term, prev, prev_term, new, commit, success, after, commit_after) in
        table
    {
        let mut s = voter(fterm, None, flog);
        let replies = s.deliver(
            2,
            1,
            RaftMsg::AppendEntries {
                term,
                prev_log_index: prev,
                prev_log_term: prev_term,
                entries: entries(new),
                leader_commit: commit,
            },
        );
        match replies.as_slice() {
            [RaftMsg::AppendReply { success: got, .. }] => assert_eq!(*got, success, "{why}"),
            other => panic!("{why}: expected one AppendReply, got {other:?}"),
        }
        assert_eq!(s.log_terms(1), after, "{why}: log");
        assert_eq!(s.commit(1), commit_after, "{why}: commit index");
    }
}

#[test]
fn a_candidate_that_hears_from_the_leader_of_its_term_becomes_a_follower() {
    // 5.2: "If the leader's term is at least as large as the candidate's current term, then
    // the candidate recognizes the leader as legitimate and returns to follower state."
    let mut s = Script::new(3, RaftSettings::default());
    s.timeout(1);
    assert_eq!(s.role(1), Some(Role::Candidate));
    s.deliver(
        2,
        1,
        RaftMsg::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![],
            leader_commit: 0,
        },
    );
    assert_eq!(s.role(1), Some(Role::Follower));
    assert_eq!(
        s.nodes[0].volatile.as_ref().unwrap().leader,
        Some(NodeId(2))
    );
}

/// A 5-node script whose node 1 leads `term` with log `log`; replies from followers come next.
fn leader_with(term: u64, log: &[u64], settings: RaftSettings) -> Script {
    let mut s = Script::new(5, settings);
    let d = &mut s.nodes[0].durable;
    d.current_term = term;
    d.log = entries(log);
    let last = log.len() as u64;
    let v = s.nodes[0].volatile.as_mut().unwrap();
    v.role = Role::Leader;
    v.leader = Some(NodeId(1));
    v.next_index = vec![last + 1; 5];
    v.match_index = vec![0; 5];
    v.heard_from = vec![false; 5];
    s
}

#[test]
fn leaders_commit_only_by_counting_replicas_of_current_term_entries() {
    // (why, leader term, leader log, follower match indexes (nodes 2..5), commit safe,
    //  commit with the Figure 8 teaching switch)
    type Row = (&'static str, u64, &'static [u64], [u64; 4], u64, u64);
    let table: &[Row] = &[
        (
            "5.3: a current-term entry stored on a majority is committed",
            2,
            &[1, 2, 2],
            [3, 3, 0, 0],
            3,
            3,
        ),
        (
            "5.3: stored on a minority it is not",
            2,
            &[1, 2, 2],
            [3, 0, 0, 0],
            0,
            0,
        ),
        (
            "5.3: the highest index on a majority is the one committed",
            4,
            &[4, 4, 4, 4],
            [4, 2, 1, 0],
            2,
            2,
        ),
        (
            "5.4.2: an older-term entry on a majority is not committed by counting",
            4,
            &[2, 2],
            [2, 2, 0, 0],
            0,
            2,
        ),
        (
            "5.4.2: committing a current-term entry commits the older ones before it",
            4,
            &[2, 4],
            [2, 2, 0, 0],
            2,
            2,
        ),
    ];
    for &(why, term, log, matches, safe, unsafe_commit) in table {
        for (switch, expected) in [(false, safe), (true, unsafe_commit)] {
            let settings = RaftSettings {
                unsafe_commit_old_terms: switch,
                ..RaftSettings::default()
            };
            let mut s = leader_with(term, log, settings);
            for (k, &m) in matches.iter().enumerate() {
                if m > 0 {
                    s.deliver(
                        k as u32 + 2,
                        1,
                        RaftMsg::AppendReply {
                            term,
                            success: true,
                            index: m,
                            last_log_index: m,
                        },
                    );
                }
            }
            assert_eq!(s.commit(1), expected, "{why} (teaching switch {switch})");
        }
    }
}

#[test]
fn a_refused_append_moves_next_index_back_and_retries_at_once() {
    // 5.3: "After a rejection, the leader decrements nextIndex and retries."
    let mut s = leader_with(3, &[1, 1, 3, 3], RaftSettings::default());
    let replies = s.deliver(
        2,
        1,
        RaftMsg::AppendReply {
            term: 3,
            success: false,
            index: 4,
            last_log_index: 9,
        },
    );
    assert_eq!(s.nodes[0].volatile.as_ref().unwrap().next_index[1], 4);
    match replies.as_slice() {
        [RaftMsg::AppendEntries {
            prev_log_index: 3,
            entries,
            ..
        }] => assert_eq!(entries.len(), 1),
        other => panic!("expected a retry after index 3, got {other:?}"),
    }
    // A follower whose log is shorter lets the leader skip straight to its end.
    s.deliver(
        2,
        1,
        RaftMsg::AppendReply {
            term: 3,
            success: false,
            index: 3,
            last_log_index: 1,
        },
    );
    assert_eq!(s.nodes[0].volatile.as_ref().unwrap().next_index[1], 2);
}

#[test]
fn a_restarted_node_never_votes_twice_in_one_term() {
    // Figure 2: votedFor is persistent state, so a crash cannot free the vote.
    let mut s = Script::new(5, RaftSettings::default());
    s.deliver(
        2,
        1,
        RaftMsg::RequestVote {
            term: 5,
            last_log_index: 0,
            last_log_term: 0,
        },
    );
    assert_eq!(s.nodes[0].durable.voted_for, Some(NodeId(2)));
    s.crash(1);
    s.restart(1);
    let replies = s.deliver(
        3,
        1,
        RaftMsg::RequestVote {
            term: 5,
            last_log_index: 0,
            last_log_term: 0,
        },
    );
    assert_eq!(
        replies,
        vec![RaftMsg::Vote {
            term: 5,
            granted: false
        }]
    );
}

#[test]
fn a_crash_keeps_term_vote_and_log_but_loses_commit_index_and_leadership() {
    let mut s = Script::new(3, RaftSettings::default());
    s.timeout(1);
    s.pump(|_, _, _| true);
    s.request(1).unwrap();
    s.pump(|_, _, _| true);
    assert_eq!(s.role(1), Some(Role::Leader));
    assert_eq!(s.commit(1), 2);
    s.crash(1);
    s.restart(1);
    assert_eq!(s.role(1), Some(Role::Follower));
    assert_eq!(s.term(1), 1);
    assert_eq!(s.nodes[0].durable.voted_for, Some(NodeId(1)));
    assert_eq!(s.log_terms(1), vec![1, 1]);
    assert_eq!(s.commit(1), 0);
}

#[test]
fn a_new_leader_appends_a_no_op_of_its_term() {
    // Section 8: a leader commits a blank entry of its term at the start of its term.
    let mut s = Script::new(3, RaftSettings::default());
    s.timeout(2);
    s.pump(|_, _, _| true);
    assert_eq!(s.role(2), Some(Role::Leader));
    assert_eq!(s.nodes[1].durable.log[0].command, Command::Noop);
    assert_eq!(s.log_terms(1), vec![1]);
    s.heartbeat(2);
    s.pump(|_, _, _| true);
    assert_eq!(s.commit(1), 1, "followers learn the no-op is committed");
}

#[test]
fn a_pre_vote_changes_no_ones_term() {
    // Dissertation 9.6: PreVote asks without raising anybody's term.
    let settings = RaftSettings {
        prevote: true,
        ..RaftSettings::default()
    };
    let mut s = Script::new(3, settings);
    s.timeout(1);
    assert_eq!(s.role(1), Some(Role::PreCandidate));
    assert_eq!(s.term(1), 0);
    s.pump(|_, _, m| matches!(m, RaftMsg::PreVote { .. }));
    assert_eq!((s.term(2), s.term(3)), (0, 0));
    // With the replies, the pre-candidate starts the real election and wins.
    s.timeout(1);
    s.pump(|_, _, _| true);
    assert_eq!(s.role(1), Some(Role::Leader));
    assert_eq!(s.term(1), 1);
}

#[test]
fn followers_that_hear_from_a_leader_refuse_pre_votes() {
    let settings = RaftSettings {
        prevote: true,
        ..RaftSettings::default()
    };
    let mut s = Script::new(3, settings);
    s.timeout(1);
    s.pump(|_, _, _| true);
    s.timeout(1);
    s.pump(|_, _, _| true);
    assert_eq!(s.role(1), Some(Role::Leader));
    // Node 3 was cut off and times out; node 2 heard from the leader moments ago.
    let replies = s.deliver(
        3,
        2,
        RaftMsg::PreVote {
            term: 2,
            last_log_index: 1,
            last_log_term: 1,
        },
    );
    assert_eq!(
        replies,
        vec![RaftMsg::PreVoteReply {
            term: 1,
            granted: false
        }]
    );
}

#[test]
fn figure_8_old_term_entries_are_not_committed_by_counting_replicas() {
    // The scenario of Figure 8 (section 5.4.2), step by step, without the no-op (as in the
    // figure) and with one entry per AppendEntries. Run safely, then with the teaching switch.
    for unsafe_commit in [false, true] {
        let settings = RaftSettings {
            noop_on_election: false,
            max_entries_per_append: 1,
            unsafe_commit_old_terms: unsafe_commit,
            ..RaftSettings::default()
        };
        let all = |_: u32, _: u32, _: &RaftMsg| true;
        let mut s = Script::new(5, settings);
        // Term 1: S1 leads and index 1 reaches everyone.
        s.timeout(1);
        s.pump(all);
        s.request(1).unwrap();
        s.pump(all);
        assert_eq!(s.log_terms(5), vec![1]);

        // (a) S1 is leader of term 2 and replicates index 2 only to S2.
        s.crash(1);
        s.restart(1);
        s.timeout(1);
        s.pump(all);
        assert_eq!((s.role(1), s.term(1)), (Some(Role::Leader), 2));
        s.request(1).unwrap();
        s.pump_within(&[1, 2]);
        assert_eq!(s.log_terms(2), vec![1, 2]);
        assert_eq!(s.log_terms(3), vec![1]);

        // (b) S1 crashes; S5 is elected in term 3 by S3, S4 and itself, and accepts a
        //     different entry at index 2.
        s.crash(1);
        s.timeout(5);
        s.pump_within(&[3, 4, 5]);
        assert_eq!((s.role(5), s.term(5)), (Some(Role::Leader), 3));
        s.request(5).unwrap();
        s.pump(|_, _, _| false);
        assert_eq!(s.log_terms(5), vec![1, 3]);

        // (c) S5 crashes; S1 restarts, is elected in term 4 (the term-3 attempt fails: S3 and S4
        //     voted for S5), and its term-2 entry reaches S3: now on a majority (S1, S2, S3).
        s.crash(5);
        s.restart(1);
        s.timeout(1);
        s.pump_within(&[1, 2, 3, 4]);
        assert_ne!(
            s.role(1),
            Some(Role::Leader),
            "S3 and S4 already voted in term 3"
        );
        s.timeout(1);
        s.pump_within(&[1, 2, 3]);
        assert_eq!((s.role(1), s.term(1)), (Some(Role::Leader), 4));
        assert_eq!(s.log_terms(3), vec![1, 2]);
        if unsafe_commit {
            assert_eq!(
                s.commit(1),
                2,
                "the buggy rule commits the term-2 entry by counting"
            );
        } else {
            assert_eq!(
                s.commit(1),
                0,
                "5.4.2: a term-2 entry is not committed by counting"
            );
        }

        // (d) S1 crashes; S5 restarts and is elected in term 5 by S2, S3 and S4 (its last log
        //     term, 3, beats their 2), then overwrites index 2 everywhere.
        s.crash(1);
        s.restart(5);
        s.timeout(5);
        s.pump_within(&[2, 3, 4, 5]);
        s.timeout(5);
        s.pump_within(&[2, 3, 4, 5]);
        assert_eq!((s.role(5), s.term(5)), (Some(Role::Leader), 5));
        s.request(5).unwrap();
        s.pump_within(&[2, 3, 4, 5]);
        assert_eq!(s.log_terms(2), vec![1, 3, 5]);
        assert_eq!(s.log_terms(3), vec![1, 3, 5]);
        assert_eq!(s.commit(5), 3);

        let broken = s.properties_broken();
        if unsafe_commit {
            assert!(
                broken.contains(&"Leader Completeness") && broken.contains(&"State Machine Safety"),
                "the checker must catch Figure 8's bug, saw {:?}",
                s.violations
            );
        } else {
            assert!(broken.is_empty(), "safe Raft broke: {:?}", s.violations);
        }
    }
}

#[test]
fn a_follower_refuses_client_requests_and_names_the_leader() {
    let mut s = Script::new(3, RaftSettings::default());
    s.timeout(3);
    s.pump(|_, _, _| true);
    assert_eq!(
        s.request(2),
        Err("node 2 is not the leader; the leader is node 3".into())
    );
    s.request(3).unwrap();
    let last = *s.nodes[2].durable.log.last().unwrap();
    assert!(matches!(last.command, Command::Set { .. }));
    assert!(
        last.command.to_string().contains('='),
        "readable command like x=3"
    );
}

#[test]
fn settings_are_validated_in_words_naming_the_field() {
    let ok = RaftSettings::default();
    assert_eq!(ok.validate(), Ok(()));
    let cases: &[(RaftSettings, &str)] = &[
        (
            RaftSettings {
                election_min_ms: 0,
                ..ok.clone()
            },
            "election_min_ms",
        ),
        (
            RaftSettings {
                election_min_ms: 400,
                ..ok.clone()
            },
            "election_min_ms (400) is larger",
        ),
        (
            RaftSettings {
                heartbeat_ms: 150,
                ..ok.clone()
            },
            "heartbeat_ms (150) must be smaller",
        ),
        (
            RaftSettings {
                max_entries_per_append: 0,
                ..ok.clone()
            },
            "max_entries_per_append",
        ),
        (
            RaftSettings {
                election_max_ms: 1_000_000,
                ..ok.clone()
            },
            "election_max_ms",
        ),
    ];
    for (s, words) in cases {
        let e = s.validate().expect_err(words);
        assert!(e.contains(words), "{e:?} should mention {words:?}");
    }
    let parsed: Result<RaftSettings, _> = serde_json::from_str(r#"{"prevote": true}"#);
    assert!(parsed.unwrap().prevote);
    let unknown: Result<RaftSettings, _> = serde_json::from_str(r#"{"prevoet": true}"#);
    assert!(unknown.is_err(), "unknown fields are refused");
}

#[test]
fn messages_describe_themselves_in_words() {
    let ae = RaftMsg::AppendEntries {
        term: 4,
        prev_log_index: 5,
        prev_log_term: 3,
        entries: vec![
            Entry {
                term: 4,
                command: Command::Set { key: 'x', value: 3 },
            },
            Entry {
                term: 4,
                command: Command::Noop,
            },
        ],
        leader_commit: 5,
    };
    assert_eq!(ae.kind(), "AppendEntries");
    assert_eq!(
        ae.summary(),
        "AppendEntries term 4: entries 6-7 [T4 x=3, T4 no-op] after index 5 term 3, leader commit 5"
    );
    let hb = RaftMsg::AppendEntries {
        term: 4,
        prev_log_index: 7,
        prev_log_term: 4,
        entries: vec![],
        leader_commit: 7,
    };
    assert!(hb.summary().contains("heartbeat"));
    assert_eq!(
        RaftMsg::Vote {
            term: 4,
            granted: false
        }
        .summary(),
        "vote refused, term 4"
    );
    assert_eq!(
        RaftMsg::RequestVote {
            term: 2,
            last_log_index: 0,
            last_log_term: 0
        }
        .kind(),
        "RequestVote"
    );
    assert_eq!(PROPERTIES.len(), 7);
    let _ = Raft::new(RaftSettings::default());
}
