//! Export of a run as a ShiViz log (Beschastnikh et al., "Debugging distributed systems",
//! CACM 2016; the tool at bestchai.bitbucket.io/shiviz).
//!
//! Format: the first line is the parser regex [`SHIVIZ_REGEX`], the second line is empty (no
//! delimiter between executions), then two lines per event, in the order events happened:
//!
//! ```text
//! node1 {"node1":2,"node3":1}
//! e12 send to node2 (Lamport 3)
//! ```
//!
//! Hosts are `node1`, `node2`, ... (no spaces); a clock lists the hosts with a non-zero entry,
//! always including the event's own host. ShiViz requires each host's own entry to start at 1
//! and rise by 1, and every referenced host event to be in the log.
//!
//! **Truncated windows.** When the notebook has forgotten its oldest events, the export starts
//! at the oldest kept event and rebases every clock: for each host `h`, `base[h]` is the number
//! of `h`'s events that were forgotten, and each entry becomes `max(0, entry - base[h])`. Event
//! numbers follow the order of the run, which respects happened-before, so the forgotten events
//! are closed under "happened before": a kept event's rebased clock counts exactly the kept
//! events in its causal past. Each host's own entries then run 1, 2, 3, ...; references to
//! forgotten events become 0 and vanish; a receive whose send was forgotten looks like a local
//! event. The log is the exact vector-clock log of the kept part of the run.

use super::notebook::{EventType, Notebook};
use crate::sim::NodeId;
use std::fmt::Write;

/// The ShiViz parser regex, the log's first line.
pub const SHIVIZ_REGEX: &str = r"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)";

/// The ShiViz name of a node: `node3`.
pub fn host_name(node: NodeId) -> String {
    format!("node{node}")
}

/// The kept part of the run as a ShiViz log (see the module docs for the format and for how a
/// truncated window is rebased).
pub fn shiviz_log(nb: &Notebook) -> String {
    let mut base: Vec<Option<u32>> = Vec::new();
    for e in nb.events() {
        let i = e.node.index();
        if base.len() <= i {
            base.resize(i + 1, None);
        }
        if base[i].is_none() {
            base[i] = Some(e.own_count() - 1);
        }
    }
    let mut out = String::with_capacity(64 + nb.len() * 48);
    out.push_str(SHIVIZ_REGEX);
    out.push_str("\n\n");
    for e in nb.events() {
        out.push_str(&host_name(e.node));
        out.push_str(" {");
        let mut first = true;
        for (i, &entry) in e.clock.entries().iter().enumerate() {
            // A host with no kept event is referenced only through forgotten events.
            let rebased = match base.get(i).copied().flatten() {
                Some(b) => entry.saturating_sub(b),
                None => 0,
            };
            if rebased == 0 {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "\"{}\":{rebased}", host_name(NodeId::from_index(i)));
        }
        out.push_str("}\n");
        let what = match e.what {
            EventType::Local => "local event".to_string(),
            EventType::Send { to } => format!("send to {}", host_name(to)),
            EventType::Receive { from, send } => {
                format!("receive from {} (sent at {send})", host_name(from))
            }
        };
        let _ = writeln!(out, "{} {what} (Lamport {})", e.id, e.lamport);
    }
    out
}
