//! Interventions: everything a learner can do to the world, as values with a simulated time.

use super::ids::{MsgId, NodeId};
use super::network::{LinkState, NetConfig};
use super::time::SimTime;
use serde::{Deserialize, Serialize};

/// One thing done to the world. The JSON form is the same in scenario files, share links and
/// the page's `intervene()` API: `{"type": "crash", "node": 3}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Intervention {
    /// Crash a node: volatile state, timers and arriving messages are lost.
    Crash {
        /// Which node.
        node: NodeId,
    },
    /// Restart a crashed node from its durable state.
    Restart {
        /// Which node.
        node: NodeId,
    },
    /// Split the cluster into islands; nodes not listed form one more island.
    Partition {
        /// The islands.
        groups: Vec<Vec<NodeId>>,
    },
    /// Heal every partition, and with `links` every cut, lossy or held link too.
    Heal {
        /// Also heal links.
        #[serde(default = "yes")]
        links: bool,
    },
    /// Set one direction of a link, or both with `both`.
    SetLink {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
        /// New state.
        link: LinkState,
        /// Apply to `to -> from` as well.
        #[serde(default)]
        both: bool,
    },
    /// Hold every message arriving over `from -> to` until released.
    HoldLink {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Release a held link: its waiting messages arrive now.
    ReleaseLink {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Drop a message in flight.
    Drop {
        /// Which message.
        msg: MsgId,
    },
    /// Send a second copy of a message in flight (it takes a fresh latency).
    Duplicate {
        /// Which message.
        msg: MsgId,
    },
    /// Freeze a message where it is.
    Hold {
        /// Which message.
        msg: MsgId,
    },
    /// Let a held message continue from where it froze.
    Release {
        /// Which message.
        msg: MsgId,
    },
    /// Change the whole network's settings.
    Network {
        /// New settings.
        config: NetConfig,
    },
    /// Vector clocks: a local event at a node.
    LocalEvent {
        /// Which node.
        node: NodeId,
    },
    /// Vector clocks: a node sends a message to another.
    SendMessage {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
    },
    /// Raft: a client request sent to a node.
    ClientRequest {
        /// Which node.
        node: NodeId,
    },
    /// Raft: a node's election timer fires now.
    TimeoutNow {
        /// Which node.
        node: NodeId,
    },
    /// Hash ring: a node joins the ring.
    Join {
        /// Which node.
        node: NodeId,
    },
    /// Hash ring: a node leaves the ring gracefully.
    Leave {
        /// Which node.
        node: NodeId,
    },
}

fn yes() -> bool {
    true
}

impl Intervention {
    /// The intervention in words, for the intervention log.
    pub fn describe(&self) -> String {
        use Intervention::*;
        match self {
            Crash { node } => format!("crash node {node}"),
            Restart { node } => format!("restart node {node}"),
            Partition { groups } => {
                let parts: Vec<String> = groups
                    .iter()
                    .map(|g| {
                        let ids: Vec<String> = g.iter().map(|n| n.to_string()).collect();
                        format!("{{{}}}", ids.join(","))
                    })
                    .collect();
                format!("partition {} from the rest", parts.join(" | "))
            }
            Heal { links: true } => "heal all".into(),
            Heal { links: false } => "heal partitions".into(),
            SetLink {
                from,
                to,
                link,
                both,
            } => {
                let arrow = if *both { "<->" } else { "->" };
                format!("link {from}{arrow}{to} {}", link.describe())
            }
            HoldLink { from, to } => format!("hold link {from}->{to}"),
            ReleaseLink { from, to } => format!("release link {from}->{to}"),
            Drop { msg } => format!("drop message #{msg}"),
            Duplicate { msg } => format!("duplicate message #{msg}"),
            Hold { msg } => format!("hold message #{msg}"),
            Release { msg } => format!("release message #{msg}"),
            Network { config } => format!(
                "network: latency {}-{} ms, jitter {} ms, loss {:.0}%, duplication {:.0}%",
                config.latency_min_us / 1000,
                config.latency_max_us / 1000,
                config.jitter_us / 1000,
                config.loss * 100.0,
                config.duplicate * 100.0
            ),
            LocalEvent { node } => format!("local event at node {node}"),
            SendMessage { from, to } => format!("node {from} sends to node {to}"),
            ClientRequest { node } => format!("client request at node {node}"),
            TimeoutNow { node } => format!("time out node {node} now"),
            Join { node } => format!("node {node} joins the ring"),
            Leave { node } => format!("node {node} leaves the ring"),
        }
    }
}

/// An intervention with the simulated time it was applied at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// When, in simulated microseconds.
    pub at: SimTime,
    /// What.
    #[serde(rename = "do")]
    pub action: Intervention,
}
