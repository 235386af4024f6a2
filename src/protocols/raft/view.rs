//! Pure views of a Raft run for the page: each node's picture ([`node_view`]), the log panel
//! ([`log_panel`]) and the safety checker's badges ([`checker_status`]). Plain, serialisable
//! structs; nothing here changes the run.

use super::{PropertyStatus, Raft, RaftTimer, Role};
use crate::sim::{Node, NodeView, Sim, SimTime};
use serde::Serialize;

/// The whole log panel: one row per node, in id order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaftPanel {
    /// Every node, crashed ones included.
    pub nodes: Vec<NodePanel>,
    /// Highest index applied anywhere in the cluster (the checker's view).
    pub cluster_applied: u64,
}

/// One node's row in the log panel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodePanel {
    /// Node number (1-based).
    pub id: u32,
    /// False while crashed.
    pub up: bool,
    /// `leader`, `candidate`, `pre-candidate`, `follower`, or `crashed`.
    pub role: &'static str,
    /// Current term (durable).
    pub term: u64,
    /// Whom it voted for in this term (durable).
    pub voted_for: Option<u32>,
    /// Votes received in its current election (self included), if campaigning or leading.
    pub votes: Vec<u32>,
    /// The leader it knows of in this term.
    pub leader: Option<u32>,
    /// Commit index (0 while crashed: it is volatile).
    pub commit_index: u64,
    /// Last applied index (0 while crashed).
    pub last_applied: u64,
    /// The log, oldest first.
    pub entries: Vec<EntryView>,
    /// Leader only: nextIndex and matchIndex of every other node.
    pub progress: Vec<FollowerProgress>,
    /// The state machine as `x=3` strings, in key order.
    pub state_machine: Vec<String>,
}

/// One log cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntryView {
    /// 1-based index.
    pub index: u64,
    /// Term it was created in (colour it by this).
    pub term: u64,
    /// `x=3` or `no-op`.
    pub command: String,
    /// At or below this node's commit index.
    pub committed: bool,
}

/// A leader's view of one follower (Figure 2, "Volatile state on leaders").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FollowerProgress {
    /// The follower.
    pub follower: u32,
    /// Next log index the leader will send it.
    pub next_index: u64,
    /// Highest index known to be replicated on it.
    pub match_index: u64,
}

/// The log panel of a run: every node's role, term, vote, votes, commit index, log and (for a
/// leader) next and match index per follower.
pub fn log_panel(sim: &Sim<Raft>) -> RaftPanel {
    let nodes = sim
        .nodes()
        .iter()
        .map(|node| {
            let d = &node.durable;
            let v = node.volatile.as_ref();
            let commit = v.map_or(0, |v| v.commit_index);
            let progress = match v {
                Some(v) if v.role == Role::Leader => (0..v.next_index.len())
                    .filter(|&i| i != node.id.index())
                    .map(|i| FollowerProgress {
                        follower: i as u32 + 1,
                        next_index: v.next_index[i],
                        match_index: v.match_index[i],
                    })
                    .collect(),
                _ => Vec::new(),
            };
            NodePanel {
                id: node.id.0,
                up: node.up,
                role: v.map_or("crashed", |v| v.role.word()),
                term: d.current_term,
                voted_for: d.voted_for.map(|n| n.0),
                votes: v.map_or(Vec::new(), |v| v.votes.iter().map(|n| n.0).collect()),
                leader: v.and_then(|v| v.leader).map(|n| n.0),
                commit_index: commit,
                last_applied: v.map_or(0, |v| v.last_applied),
                entries: d
                    .log
                    .iter()
                    .enumerate()
                    .map(|(k, e)| EntryView {
                        index: k as u64 + 1,
                        term: e.term,
                        command: e.command.to_string(),
                        committed: (k as u64) < commit,
                    })
                    .collect(),
                progress,
                state_machine: v.map_or(Vec::new(), |v| {
                    v.state_machine
                        .iter()
                        .map(|(k, x)| format!("{k}={x}"))
                        .collect()
                }),
            }
        })
        .collect();
    RaftPanel {
        nodes,
        cluster_applied: sim.shared().applied_len(),
    }
}

/// The safety checker's badges: each property, whether it still holds, and why in words.
pub fn checker_status(sim: &Sim<Raft>) -> Vec<PropertyStatus> {
    sim.shared().status()
}

/// How one Raft node looks: role class, `T4 leader` caption, `leader, term 4` label, the
/// election timer's arc, and inspector lines.
pub(super) fn node_view(node: &Node<Raft>, now: SimTime) -> NodeView {
    let d = &node.durable;
    let Some(v) = node.volatile.as_ref() else {
        return NodeView {
            role: "crashed",
            caption: format!("T{} down", d.current_term),
            aria: format!("crashed, term {}", d.current_term),
            timer: None,
            details: vec![
                format!("crashed; term {} and log survive", d.current_term),
                format!("log: {} entries", d.last_index()),
            ],
        };
    };
    let word = match v.role {
        Role::PreCandidate => "pre-vote",
        r => r.word(),
    };
    let mut aria = format!("{}, term {}", v.role.word(), d.current_term);
    if matches!(v.role, Role::Candidate | Role::PreCandidate) {
        let k = v.votes.len();
        aria.push_str(&format!(", {k} vote{}", if k == 1 { "" } else { "s" }));
    }
    let mut details = vec![
        format!("{} in term {}", v.role.word(), d.current_term),
        match d.voted_for {
            Some(c) => format!("voted for node {c} in term {}", d.current_term),
            None => format!("has not voted in term {}", d.current_term),
        },
    ];
    if !v.votes.is_empty() {
        let ids: Vec<String> = v.votes.iter().map(|n| n.to_string()).collect();
        details.push(format!("votes from {}", ids.join(", ")));
    }
    details.push(match v.leader {
        Some(l) => format!("leader: node {l}"),
        None => "leader: unknown".into(),
    });
    details.push(format!(
        "log: {} entries, commit index {}, applied {}",
        d.last_index(),
        v.commit_index,
        v.last_applied
    ));
    if !v.state_machine.is_empty() {
        let kv: Vec<String> = v
            .state_machine
            .iter()
            .map(|(k, x)| format!("{k}={x}"))
            .collect();
        details.push(format!("state: {}", kv.join(" ")));
    }
    NodeView {
        role: v.role.css(),
        caption: format!("T{} {word}", d.current_term),
        aria,
        timer: node.timer_left(&RaftTimer::Election, now),
        details,
    }
}
