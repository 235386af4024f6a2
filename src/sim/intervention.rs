//! Interventions: everything a learner can do to the world, as values with a simulated time.

use super::ids::{MsgId, NodeId};
use super::json::{keyed_opt, Keyed};
use super::network::{LinkState, NetConfig};
use super::time::SimTime;
use serde::{Deserialize, Serialize};

/// One thing done to the world. The JSON form is the same in scenario files, share links and
/// the page's `intervene()` API: `{"type": "crash", "node": 3}`.
///
/// Reading goes through [`Wire`], a flat record of every field, rather than serde's internally
/// tagged enums, which buffer the whole object first and cost about 40 KB of wasm (issue 2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "Keyed<Wire>")]
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
        /// Also heal links (default true when read).
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
        /// Apply to `to -> from` as well (default false when read).
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

/// The intervention types, as written in `"type"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Crash,
    Restart,
    Partition,
    Heal,
    SetLink,
    HoldLink,
    ReleaseLink,
    Drop,
    Duplicate,
    Hold,
    Release,
    Network,
    LocalEvent,
    SendMessage,
    ClientRequest,
    TimeoutNow,
    Join,
    Leave,
}

/// The `"type"` of each [`Kind`], in declaration order.
const KIND_NAMES: [&str; 18] = [
    "crash",
    "restart",
    "partition",
    "heal",
    "set_link",
    "hold_link",
    "release_link",
    "drop",
    "duplicate",
    "hold",
    "release",
    "network",
    "local_event",
    "send_message",
    "client_request",
    "timeout_now",
    "join",
    "leave",
];

/// Every field any intervention has; [`Intervention`]'s `TryFrom` checks that an object has
/// exactly the fields of its type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "type")]
    kind: Kind,
    node: Option<NodeId>,
    groups: Option<Vec<Vec<NodeId>>>,
    links: Option<bool>,
    from: Option<NodeId>,
    to: Option<NodeId>,
    link: Option<LinkState>,
    both: Option<bool>,
    msg: Option<MsgId>,
    #[serde(default, deserialize_with = "keyed_opt")]
    config: Option<NetConfig>,
}

/// A required field of `ty`, or serde's words for its absence.
fn need<T>(v: Option<T>, name: &str, ty: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("missing field `{name}` in a `{ty}` intervention"))
}

impl TryFrom<Keyed<Wire>> for Intervention {
    type Error = String;

    fn try_from(Keyed(w): Keyed<Wire>) -> Result<Self, String> {
        use Intervention as I;
        let ty = KIND_NAMES[w.kind as usize];
        // The fields this type takes; any other field present is refused, as serde would.
        let takes: &[&str] = match w.kind {
            Kind::Partition => &["groups"],
            Kind::Heal => &["links"],
            Kind::SetLink => &["from", "to", "link", "both"],
            Kind::HoldLink | Kind::ReleaseLink | Kind::SendMessage => &["from", "to"],
            Kind::Drop | Kind::Duplicate | Kind::Hold | Kind::Release => &["msg"],
            Kind::Network => &["config"],
            _ => &["node"],
        };
        let present = [
            ("node", w.node.is_some()),
            ("groups", w.groups.is_some()),
            ("links", w.links.is_some()),
            ("from", w.from.is_some()),
            ("to", w.to.is_some()),
            ("link", w.link.is_some()),
            ("both", w.both.is_some()),
            ("msg", w.msg.is_some()),
            ("config", w.config.is_some()),
        ];
        if let Some((name, _)) = present.iter().find(|(n, p)| *p && !takes.contains(n)) {
            let expected: Vec<String> = takes.iter().map(|t| format!("`{t}`")).collect();
            return Err(format!(
                "unknown field `{name}` in a `{ty}` intervention, expected {}",
                expected.join(" or ")
            ));
        }
        let node = || need(w.node, "node", ty);
        let msg = || need(w.msg, "msg", ty);
        let ends = || Ok::<_, String>((need(w.from, "from", ty)?, need(w.to, "to", ty)?));
        Ok(match w.kind {
            Kind::Crash => I::Crash { node: node()? },
            Kind::Restart => I::Restart { node: node()? },
            Kind::Partition => I::Partition {
                groups: need(w.groups.clone(), "groups", ty)?,
            },
            Kind::Heal => I::Heal {
                links: w.links.unwrap_or(true),
            },
            Kind::SetLink => {
                let (from, to) = ends()?;
                I::SetLink {
                    from,
                    to,
                    link: need(w.link, "link", ty)?,
                    both: w.both.unwrap_or(false),
                }
            }
            Kind::HoldLink => {
                let (from, to) = ends()?;
                I::HoldLink { from, to }
            }
            Kind::ReleaseLink => {
                let (from, to) = ends()?;
                I::ReleaseLink { from, to }
            }
            Kind::Drop => I::Drop { msg: msg()? },
            Kind::Duplicate => I::Duplicate { msg: msg()? },
            Kind::Hold => I::Hold { msg: msg()? },
            Kind::Release => I::Release { msg: msg()? },
            Kind::Network => I::Network {
                config: need(w.config.clone(), "config", ty)?,
            },
            Kind::LocalEvent => I::LocalEvent { node: node()? },
            Kind::SendMessage => {
                let (from, to) = ends()?;
                I::SendMessage { from, to }
            }
            Kind::ClientRequest => I::ClientRequest { node: node()? },
            Kind::TimeoutNow => I::TimeoutNow { node: node()? },
            Kind::Join => I::Join { node: node()? },
            Kind::Leave => I::Leave { node: node()? },
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every intervention type.
    fn every_type() -> Vec<Intervention> {
        use Intervention as I;
        let (a, b, m) = (NodeId(1), NodeId(2), MsgId(7));
        vec![
            I::Crash { node: a },
            I::Restart { node: a },
            I::Partition {
                groups: vec![vec![a, b]],
            },
            I::Heal { links: false },
            I::SetLink {
                from: a,
                to: b,
                link: LinkState::Lossy { loss: 0.3 },
                both: true,
            },
            I::HoldLink { from: a, to: b },
            I::ReleaseLink { from: a, to: b },
            I::Drop { msg: m },
            I::Duplicate { msg: m },
            I::Hold { msg: m },
            I::Release { msg: m },
            I::Network {
                config: NetConfig::default(),
            },
            I::LocalEvent { node: a },
            I::SendMessage { from: a, to: b },
            I::ClientRequest { node: a },
            I::TimeoutNow { node: a },
            I::Join { node: a },
            I::Leave { node: a },
        ]
    }

    #[test]
    fn every_type_reads_back_what_it_writes() {
        let all = every_type();
        assert_eq!(all.len(), KIND_NAMES.len());
        for (iv, name) in all.iter().zip(KIND_NAMES) {
            let text = serde_json::to_string(iv).unwrap();
            assert!(text.contains(&format!("\"type\":\"{name}\"")), "{text}");
            let back: Intervention = serde_json::from_str(&text).unwrap();
            assert_eq!(&back, iv, "{text}");
        }
    }

    #[test]
    fn defaults_apply_when_reading() {
        let heal: Intervention = serde_json::from_str(r#"{"type":"heal"}"#).unwrap();
        assert_eq!(heal, Intervention::Heal { links: true });
        let set: Intervention =
            serde_json::from_str(r#"{"type":"set_link","from":1,"to":2,"link":{"state":"cut"}}"#)
                .unwrap();
        assert_eq!(
            set,
            Intervention::SetLink {
                from: NodeId(1),
                to: NodeId(2),
                link: LinkState::Cut,
                both: false
            }
        );
    }

    #[test]
    fn wrong_fields_are_named_in_the_error() {
        let cases = [
            (r#"{"type":"crash"}"#, "missing field `node`"),
            (
                r#"{"type":"crash","node":1,"msg":3}"#,
                "unknown field `msg`",
            ),
            (
                r#"{"type":"crash","node":1,"force":true}"#,
                "unknown field `force`",
            ),
            (r#"{"node":1}"#, "missing field `type`"),
            (
                r#"{"type":"explode","node":1}"#,
                "unknown variant `explode`",
            ),
            (
                r#"{"type":"set_link","from":1,"to":2,"link":{"state":"lossy"}}"#,
                "missing field `loss`",
            ),
            (
                r#"{"type":"set_link","from":1,"to":2,"link":{"state":"cut","loss":1}}"#,
                "unknown field `loss`",
            ),
        ];
        for (text, want) in cases {
            let err = serde_json::from_str::<Intervention>(text).unwrap_err();
            assert!(err.to_string().contains(want), "{text}: {err}");
        }
    }
}
