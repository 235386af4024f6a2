//! The Raft lessons: the first election, a split vote, the leader crashes (and comes back), a
//! minority partition, and Figure 8 with and without the commit rule. Seeds and times come from
//! running the simulation; `tests/lessons.rs` checks each caption.

use super::{Lesson, Step};
use crate::protocols::raft::RaftSettings;
use crate::sim::{Intervention, NodeId, Recorded, MS};
use crate::world::{ProtocolKind, Scenario, Settings};

fn scenario(seed: u64, nodes: u32, raft: RaftSettings) -> Scenario {
    Scenario {
        protocol: ProtocolKind::Raft,
        seed: seed.to_string(),
        nodes,
        settings: Settings {
            raft,
            ..Settings::default()
        },
        ..Scenario::default()
    }
}

fn n(id: u32) -> NodeId {
    NodeId(id)
}

fn request(node: u32) -> Intervention {
    Intervention::ClientRequest { node: n(node) }
}

fn timeout(node: u32) -> Intervention {
    Intervention::TimeoutNow { node: n(node) }
}

fn partition(groups: &[&[u32]]) -> Intervention {
    Intervention::Partition {
        groups: groups
            .iter()
            .map(|g| g.iter().map(|&i| n(i)).collect())
            .collect(),
    }
}

/// Every Raft lesson, simplest first.
pub fn lessons() -> Vec<Lesson> {
    vec![
        first_election(),
        split_vote(),
        leader_crash(),
        minority_partition(),
        figure_8(true),
        figure_8(false),
    ]
}

fn first_election() -> Lesson {
    Lesson {
        id: "raft-first-election",
        protocol: ProtocolKind::Raft,
        title: "Raft: the first election".into(),
        summary: "Five nodes start as followers with no leader. Watch one time out, collect \
                  votes from a majority and start replicating a log."
            .into(),
        scenario: scenario(1, 5, RaftSettings::default()),
        steps: vec![
            Step::new(
                100 * MS,
                vec![],
                "Five followers in term 0, no leader yet. Each waits a random election timeout \
                 between 150 and 300 ms: the arc around a node is the time it has left.",
            )
            .ask(
                "Which node will run out of time first and ask for votes?",
                &["Node 1", "Node 2", "Node 3", "Node 4", "Node 5"],
                1,
                "Node 2: its arc is the shortest. Its timer fires at 162 ms.",
            ),
            Step::new(
                170 * MS,
                vec![],
                "Node 2 timed out. It is now a candidate in term 1: it voted for itself and sent \
                 a RequestVote message to every other node.",
            )
            .ask(
                "How many votes, its own included, does node 2 need to become leader?",
                &["2", "3", "4", "5"],
                1,
                "3 of 5: a majority. Two majorities always share a node, and a node votes only \
                 once per term, so there can never be two leaders in one term.",
            ),
            Step::new(
                186 * MS,
                vec![],
                "Nodes 1 and 3 voted for node 2. With its own vote that is 3 of 5: node 2 is the \
                 leader of term 1.",
            ),
            Step::new(
                260 * MS,
                vec![],
                "A new leader first adds a no-op entry of its term at index 1 and sends it to \
                 everyone. It is stored on a majority, so it is committed (a filled cell).",
            ),
            Step::new(
                300 * MS,
                vec![request(2)],
                "A client asks node 2 to write y=6. Node 2 appends it at index 2 and sends it \
                 to the followers. It is not committed yet.",
            )
            .ask(
                "When does node 2 mark entry 2 committed?",
                &[
                    "At once: the leader has it",
                    "When a majority (3 of 5) store it",
                    "Only when all five store it",
                ],
                1,
                "When a majority store it: at 326 ms the replies of nodes 1 and 3 tell node 2 \
                 that 3 of 5 hold it, and it commits without waiting for the other replies.",
            ),
            Step::new(
                360 * MS,
                vec![],
                "Entry 2 is committed on every node now. The leader tells the followers its \
                 commit index in the next message, and they apply y=6 too.",
            ),
            Step::new(
                700 * MS,
                vec![],
                "Heartbeats every 50 ms keep the followers' timers from running out: node 2 \
                 stays the leader of term 1 and no one starts another election.",
            ),
        ],
    }
}

fn split_vote() -> Lesson {
    Lesson {
        id: "raft-split-vote",
        protocol: ProtocolKind::Raft,
        title: "Raft: a split vote".into(),
        summary: "Four nodes, two candidates at almost the same moment, two votes each: nobody \
                  wins term 1. Random timeouts break the tie in term 2."
            .into(),
        scenario: scenario(106, 4, RaftSettings::default()),
        steps: vec![
            Step::new(
                100 * MS,
                vec![],
                "Four followers in term 0. With four nodes a majority is 3 votes: a candidate \
                 needs two votes besides its own.",
            ),
            Step::new(
                180 * MS,
                vec![],
                "Node 3 timed out at 175 ms and node 4 at 179 ms. Both are candidates in term 1, \
                 each with its own vote.",
            )
            .ask(
                "Who becomes leader of term 1?",
                &[
                    "Node 3, it asked first",
                    "Node 4",
                    "Nobody: the votes split",
                ],
                2,
                "Nobody. Node 2 voted for node 3 and node 1 for node 4, and each node votes once \
                 per term: 2 votes each, and 3 are needed.",
            ),
            Step::new(
                210 * MS,
                vec![],
                "Node 2 voted for node 3, node 1 voted for node 4. Two votes each, three \
                 needed: term 1 has no leader.",
            ),
            Step::new(
                400 * MS,
                vec![],
                "Still no leader. Both candidates wait for a fresh random timeout and then try \
                 again with a new term. Look at their arcs.",
            )
            .ask(
                "Who wins term 2?",
                &["Node 3", "Node 4", "Nobody again"],
                0,
                "Node 3: its new timeout ran out first (411 ms, node 4 at 413 ms), and its \
                 RequestVote for term 2 reached nodes 1 and 2 before node 4's.",
            ),
            Step::new(
                412 * MS,
                vec![],
                "Node 3 timed out again first: it is a candidate in term 2. Node 4 follows at \
                 413 ms, also in term 2.",
            ),
            Step::new(
                437 * MS,
                vec![],
                "Nodes 1 and 2 voted for node 3: it is the leader of term 2.",
            ),
            Step::new(
                460 * MS,
                vec![],
                "Node 4 heard from the leader of term 2 and became a follower. Because each \
                 timeout is a fresh random draw, repeated splits are rare.",
            ),
        ],
    }
}

fn leader_crash() -> Lesson {
    Lesson {
        id: "raft-leader-crash",
        protocol: ProtocolKind::Raft,
        title: "Raft: the leader crashes, and comes back".into(),
        summary: "The leader crashes after committing an entry. The others elect a new leader \
                  that still has it; the old leader restarts and becomes a follower."
            .into(),
        scenario: Scenario {
            // The write of the first-election lesson, before this lesson's first step.
            interventions: vec![Recorded {
                at: 300 * MS,
                action: request(2),
            }],
            ..scenario(1, 5, RaftSettings::default())
        },
        steps: vec![
            Step::new(
                360 * MS,
                vec![],
                "Node 2 is the leader of term 1. Its log holds a no-op at index 1 and y=6 at \
                 index 2, both committed on all five nodes.",
            ),
            Step::new(
                400 * MS,
                vec![Intervention::Crash { node: n(2) }],
                "Node 2 crashes. The followers stop hearing heartbeats, and their election \
                 timers run down.",
            )
            .ask(
                "Is the committed entry y=6 at index 2 lost with the leader?",
                &[
                    "Yes: the leader had it",
                    "No: any new leader will have it",
                    "Only if node 2 never comes back",
                ],
                1,
                "No. It is on a majority, and a node only votes for a candidate whose log is at \
                 least as up to date as its own, so any winner holds every committed entry.",
            ),
            Step::new(
                565 * MS,
                vec![],
                "Node 1 timed out first: it is a candidate in term 2. Four nodes are up, so it \
                 can still collect 3 votes.",
            ),
            Step::new(
                590 * MS,
                vec![],
                "Nodes 3 and 4 voted for node 1: it is the leader of term 2, and its log still \
                 has y=6 at index 2.",
            ),
            Step::new(
                660 * MS,
                vec![],
                "Node 1 added a no-op of term 2 at index 3; it is committed on nodes 1, 3, 4 \
                 and 5. Node 2 is still down.",
            ),
            Step::new(
                700 * MS,
                vec![Intervention::Restart { node: n(2) }],
                "The old leader, node 2, restarts. Its term (1) and log survived on disk, but it \
                 starts as a follower and has forgotten what was committed.",
            )
            .ask(
                "Node 2 was leader before it crashed. What happens now?",
                &[
                    "It takes back the leadership",
                    "It adopts term 2 and follows node 1",
                    "It starts an election for term 2",
                ],
                1,
                "Node 1's next heartbeat carries term 2. Node 2 sees a higher term, adopts it, \
                 follows node 1 and receives the entry it missed.",
            ),
            Step::new(
                750 * MS,
                vec![],
                "Node 2 follows node 1 in term 2 and has the no-op at index 3: every log is the \
                 same again.",
            ),
        ],
    }
}

fn minority_partition() -> Lesson {
    Lesson {
        id: "raft-minority-partition",
        protocol: ProtocolKind::Raft,
        title: "Raft: a minority partition cannot commit".into(),
        summary: "The leader is cut off with one follower. It accepts a write it can never \
                  commit, while the majority elects a new leader. When the network heals, the \
                  old leader steps down."
            .into(),
        scenario: scenario(1, 5, RaftSettings::default()),
        steps: vec![
            Step::new(
                300 * MS,
                vec![partition(&[&[1, 2]])],
                "Node 2 leads term 1. A partition cuts nodes 1 and 2 off from nodes 3, 4 and 5. \
                 The leader is on the minority side.",
            ),
            Step::new(
                320 * MS,
                vec![request(2)],
                "A client writes y=4 to node 2, which still thinks it is leader. It appends the \
                 entry at index 2 and sends it to the others.",
            )
            .ask(
                "Will node 2 commit entry 2?",
                &[
                    "Yes, it is the leader",
                    "No: only 2 of 5 nodes can store it",
                    "Yes, once node 1 stores it",
                ],
                1,
                "No. Only nodes 1 and 2 can store it, and a commit needs a majority: 3 of 5.",
            ),
            Step::new(
                420 * MS,
                vec![],
                "Entry 2 is on nodes 1 and 2 but not committed. Nodes 3, 4 and 5 no longer hear \
                 heartbeats.",
            ),
            Step::new(
                460 * MS,
                vec![],
                "On the majority side, node 5 timed out and won term 2 with votes from nodes 3 \
                 and 4. Node 2 still leads term 1: two leaders, but in different terms.",
            ),
            Step::new(
                600 * MS,
                vec![request(5)],
                "A client writes to node 5. It appends z=1 at index 3; it reaches nodes 3 and 4, a majority: \
                 committed in a moment. The majority side makes progress.",
            )
            .ask(
                "What happens to node 2's uncommitted entry 2 when the partition heals?",
                &[
                    "It is kept: node 2 was the leader",
                    "It is replaced by node 5's entry 2",
                    "Both leaders merge their logs",
                ],
                1,
                "Node 2 hears term 2, steps down, and node 5 overwrites the conflicting entry: \
                 it was never committed, so no promise is broken.",
            ),
            Step::new(
                700 * MS,
                vec![Intervention::Heal { links: true }],
                "The partition heals. Node 5's next heartbeat reaches nodes 1 and 2.",
            ),
            Step::new(
                720 * MS,
                vec![],
                "Node 2 stepped down: it follows node 5 in term 2. Its y=4 at index 2 was \
                 replaced by node 5's no-op, and all five logs agree.",
            ),
        ],
    }
}

/// Figure 8 of the Raft paper, reached on the network (see `docs/raft.md`), with the teaching
/// switch that commits old-term entries by counting replicas (`broken`) or without it.
fn figure_8(broken: bool) -> Lesson {
    let raft = RaftSettings {
        election_min_ms: 20_000,
        election_max_ms: 30_000,
        max_entries_per_append: 1,
        unsafe_commit_old_terms: broken,
        ..RaftSettings::default()
    };
    let mut sc = scenario(0, 5, raft);
    // The second click of each double election, not shown as a step of its own.
    sc.interventions = vec![
        Recorded {
            at: 100 * MS,
            action: timeout(1),
        },
        Recorded {
            at: 1_125_391,
            action: timeout(1),
        },
        Recorded {
            at: 1_299_028,
            action: timeout(5),
        },
    ];
    let (id, title, summary) = if broken {
        (
            "raft-figure-8-broken",
            "Raft: Figure 8, with the commit rule switched off",
            "With a teaching switch on, a leader commits an entry of an earlier term just \
             because a majority store it. A later leader overwrites it: the safety checker \
             turns red.",
        )
    } else {
        (
            "raft-figure-8-safe",
            "Raft: Figure 8, with the commit rule",
            "The same clicks as the broken version, with Raft's rule: a leader commits only \
             entries of its own term by counting. The old entry is overwritten, and that is safe.",
        )
    };
    let commit_step = if broken {
        "Entry 2 is on nodes 1, 2 and 3: a majority. With the switch on, node 1 counted the \
         copies, committed it and applied y=3. Now we cut node 1 off and restart node 5."
    } else {
        "Entry 2 is on nodes 1, 2 and 3, yet node 1 did not commit it: it is from term 1, and a \
         leader only commits entries of its own term by counting. We cut node 1 off and restart \
         node 5."
    };
    let won = if broken {
        "Node 5 won term 4 with votes from nodes 3 and 4: its last entry is from term 2, newer \
         than theirs (term 1). The Leader Completeness badge turns red: the new leader lacks an \
         entry node 1 committed."
    } else {
        "Node 5 won term 4 with votes from nodes 3 and 4: its last entry is from term 2, newer \
         than theirs (term 1). That is allowed: entry 2 was never committed."
    };
    let end = if broken {
        "Node 5 overwrote entry 2 on nodes 2, 3 and 4 with its own and committed it. State \
         Machine Safety turns red: node 1 applied y=3 at index 2, the others a no-op. This is \
         the paper's Figure 8."
    } else {
        "Node 5 overwrote entry 2 on nodes 2, 3 and 4 with its own and committed it. Every \
         badge stays green: no node had applied the old entry."
    };
    let (answer, reveal) = if broken {
        (
            0,
            "Yes, with the switch on: node 1 commits it as soon as node 3 answers. That is the \
             bug: a majority holding an old entry does not stop a later leader from replacing it.",
        )
    } else {
        (
            1,
            "No. Raft commits an entry of an earlier term only indirectly, when an entry of the \
             leader's own term (the no-op at index 3) is on a majority.",
        )
    };
    Lesson {
        id,
        protocol: ProtocolKind::Raft,
        title: title.into(),
        summary: summary.into(),
        scenario: sc,
        steps: vec![
            Step::new(
                400 * MS,
                vec![partition(&[&[1, 2], &[3, 4], &[5]]), request(1)],
                "Election timeouts are 20 to 30 s here, so only our clicks start elections. \
                 Node 1 leads term 1. We split the nodes {1,2} | {3,4} | {5}, and a client \
                 writes y=3 to node 1: entry 2, term 1.",
            ),
            Step::new(
                700 * MS,
                vec![
                    Intervention::Crash { node: n(1) },
                    partition(&[&[3, 4, 5], &[2]]),
                    timeout(5),
                ],
                "Entry 2 reached only node 2. Node 1 crashes, and node 5 starts an election for \
                 term 2 with nodes 3 and 4.",
            ),
            Step::new(
                725_391,
                vec![partition(&[&[5], &[3, 4]])],
                "Node 5 won term 2 and appended its own entry 2 (a no-op of term 2). We cut it \
                 off at once: that entry never leaves node 5.",
            ),
            Step::new(
                1_025_391,
                vec![
                    Intervention::Crash { node: n(5) },
                    Intervention::Restart { node: n(1) },
                    Intervention::Heal { links: true },
                    timeout(1),
                ],
                "Node 5 crashes. Node 1 restarts and campaigns. Its first try, term 2, fails: \
                 nodes 3 and 4 already voted in term 2. We make it try again at 1125 ms.",
            ),
            Step::new(
                1_160 * MS,
                vec![],
                "Node 1 leads term 3. It appended a no-op at index 3 and copies its old entry 2 \
                 (term 1) to the others, one entry per message.",
            )
            .ask(
                "When node 3 stores entry 2, three of five nodes hold it. Will node 1 mark it \
                 committed?",
                &["Yes: it is on a majority", "No: it is from an earlier term"],
                answer,
                reveal,
            ),
            Step::new(
                1_199_028,
                vec![
                    partition(&[&[1]]),
                    Intervention::Restart { node: n(5) },
                    timeout(5),
                ],
                commit_step,
            ),
            Step::new(1_330 * MS, vec![], won).ask(
                "What will node 5 do with entry 2 on nodes 3 and 4?",
                &[
                    "Keep it: it is on a majority",
                    "Replace it with its own entry 2",
                ],
                1,
                "Replace it: a follower's log must match its leader's, and node 5 has a \
                 different entry at index 2.",
            ),
            Step::new(1_440 * MS, vec![], end),
        ],
    }
}
