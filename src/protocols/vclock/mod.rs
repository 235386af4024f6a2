//! Vector clocks and causality: nodes do local events and chat with each other, and every event
//! is stamped with a vector clock (Fidge 1988, Mattern 1989) and a Lamport clock (Lamport 1978).
//!
//! Rules, one tick per logged event:
//! - local event or send: the node's own entry goes up by one (Lamport: plus one); a send
//!   carries the clocks as they are after that tick;
//! - receive: the component-wise maximum with the message's clock, then the own entry plus one
//!   (Lamport: the maximum of both, plus one).
//!
//! Faults keep the rules: a duplicate delivery is a second receive (a second tick); a lost or
//! dropped message is simply never received. **Crash choice:** the clocks are durable, as if
//! written to stable storage with every event, so a crashed node keeps its vector and Lamport
//! clock and counts on from them after a restart; a restart is not itself an event (no tick).
//! Nodes that forgot their clock would reuse numbers and break the "one number, one event"
//! property that the diagram and the ShiViz export rely on.
//!
//! Nodes act on their own at `events_per_sec` (each event is a send to a random peer with
//! probability `send_ratio`, else a local event), and on command: [`NodeCommand::LocalEvent`]
//! and [`NodeCommand::SendTo`].
//!
//! ```text
//!  Auto timer / command ──▶ tick own entry ──▶ Notebook::record ──▶ (send) Chat { clock }
//!  Chat arrives ─────────▶ merge, tick ──────▶ Notebook::record
//!  Notebook + trace + flights ──▶ diagram::build_diagram  (dots, arrows, crosses)
//!  Notebook ──▶ causality::{causal_sets, compare_events}   Notebook ──▶ shiviz::shiviz_log
//! ```
//!
//! Submodules: [`clock`] (the vector clock), [`notebook`] (the bounded event log, `Shared`),
//! [`diagram`] (the space-time diagram's model), [`causality`] (queries), [`shiviz`] (export).

pub mod causality;
pub mod clock;
pub mod diagram;
pub mod notebook;
pub mod shiviz;

pub use causality::{causal_sets, compare_events, CausalSets, Comparison, Relation};
pub use clock::{explain, VectorClock};
pub use diagram::{build_diagram, diagram_of, Arrow, ArrowEnd, Diagram, DiagramEvent, Outage};
pub use notebook::{Event, EventId, EventType, Notebook};
pub use shiviz::{shiviz_log, SHIVIZ_REGEX};

use crate::sim::{Ctx, MessageInfo, Node, NodeCommand, NodeId, NodeView, Protocol, SimTime, SEC};
use serde::{Deserialize, Serialize};

/// Settings of the vector-clock protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VclockSettings {
    /// Automatic events per second at each node (0 = only on command); 0 to 100.
    pub events_per_sec: f64,
    /// Probability that an automatic event is a send to a random peer; 0 to 1.
    pub send_ratio: f64,
    /// Show Lamport clocks under the nodes instead of vectors (display only).
    pub show_lamport: bool,
}

impl Default for VclockSettings {
    fn default() -> Self {
        VclockSettings {
            events_per_sec: 8.0,
            send_ratio: 0.5,
            show_lamport: false,
        }
    }
}

impl VclockSettings {
    /// Highest automatic event rate per node.
    pub const MAX_EVENTS_PER_SEC: f64 = 100.0;

    /// Checks the settings; the error names the field and the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=Self::MAX_EVENTS_PER_SEC).contains(&self.events_per_sec) {
            return Err(format!(
                "events_per_sec must be between 0 and {}, got {}",
                Self::MAX_EVENTS_PER_SEC,
                self.events_per_sec
            ));
        }
        if !(0.0..=1.0).contains(&self.send_ratio) {
            return Err(format!(
                "send_ratio must be between 0 and 1, got {}",
                self.send_ratio
            ));
        }
        Ok(())
    }

    /// Mean time between automatic events at one node, in microseconds (`None` when off);
    /// at most one simulated day, so a vanishingly small rate cannot overflow the timer.
    pub fn mean_interval_us(&self) -> Option<SimTime> {
        (self.events_per_sec > 0.0)
            .then(|| ((SEC as f64 / self.events_per_sec) as SimTime).clamp(2, 86_400 * SEC))
    }
}

/// What a node keeps across a crash: its clocks (see the module docs for why).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clocks {
    /// The vector clock after the node's latest event.
    pub vector: VectorClock,
    /// The Lamport clock after the node's latest event.
    pub lamport: u64,
}

/// The vector-clock protocol's only timer: the next automatic event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VclockTimer {
    /// Time for an automatic local event or send.
    Auto,
}

/// The one message: a chat carrying the sender's clocks after its send event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    /// The sender's vector clock right after the send.
    pub clock: VectorClock,
    /// The sender's Lamport clock right after the send.
    pub lamport: u64,
    /// The send event, so the diagram can draw the arrow from it.
    pub send: EventId,
}

impl MessageInfo for Chat {
    fn kind(&self) -> &'static str {
        "Chat"
    }

    fn summary(&self) -> String {
        format!(
            "carries vector clock {} (Lamport {}), sent at {}",
            self.clock, self.lamport, self.send
        )
    }
}

/// The vector-clock protocol with its settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Vclock {
    /// The settings.
    pub settings: VclockSettings,
}

impl Vclock {
    /// The protocol with these settings.
    pub fn new(settings: VclockSettings) -> Self {
        Vclock { settings }
    }

    fn arm(&self, ctx: &mut Ctx<Self>) {
        if let Some(mean) = self.mean_interval() {
            let after = ctx.rng.range(mean / 2, mean + mean / 2).max(1);
            ctx.set_timer(VclockTimer::Auto, after);
        }
    }

    fn mean_interval(&self) -> Option<SimTime> {
        self.settings.mean_interval_us()
    }

    fn local(&self, ctx: &mut Ctx<Self>, clocks: &mut Clocks) {
        clocks.vector.tick(ctx.id);
        clocks.lamport += 1;
        ctx.shared.record(
            ctx.id,
            ctx.now,
            EventType::Local,
            clocks.vector.clone(),
            clocks.lamport,
        );
    }

    fn send(&self, ctx: &mut Ctx<Self>, clocks: &mut Clocks, to: NodeId) {
        clocks.vector.tick(ctx.id);
        clocks.lamport += 1;
        let send = ctx.shared.record(
            ctx.id,
            ctx.now,
            EventType::Send { to },
            clocks.vector.clone(),
            clocks.lamport,
        );
        ctx.send(
            to,
            Chat {
                clock: clocks.vector.clone(),
                lamport: clocks.lamport,
                send,
            },
        );
    }
}

impl Protocol for Vclock {
    type Msg = Chat;
    type Timer = VclockTimer;
    type Durable = Clocks;
    type Volatile = ();
    type Shared = Notebook;

    fn name(&self) -> &'static str {
        "Vector clocks"
    }

    fn init_durable(&self, _id: NodeId, n: u32) -> Clocks {
        Clocks {
            vector: VectorClock::new(n),
            lamport: 0,
        }
    }

    fn on_start(&self, ctx: &mut Ctx<Self>, _clocks: &mut Clocks) {
        self.arm(ctx);
    }

    fn on_message(
        &self,
        ctx: &mut Ctx<Self>,
        clocks: &mut Clocks,
        _volatile: &mut (),
        from: NodeId,
        msg: Chat,
    ) {
        clocks.vector.merge(&msg.clock);
        clocks.vector.tick(ctx.id);
        clocks.lamport = clocks.lamport.max(msg.lamport) + 1;
        ctx.shared.record(
            ctx.id,
            ctx.now,
            EventType::Receive {
                from,
                send: msg.send,
            },
            clocks.vector.clone(),
            clocks.lamport,
        );
    }

    fn on_timer(
        &self,
        ctx: &mut Ctx<Self>,
        clocks: &mut Clocks,
        _volatile: &mut (),
        _timer: VclockTimer,
    ) {
        let peers = ctx.n.saturating_sub(1);
        if peers > 0 && ctx.rng.chance(self.settings.send_ratio) {
            let k = ctx.rng.range(1, peers as u64) as u32;
            let to = if k >= ctx.id.0 {
                NodeId(k + 1)
            } else {
                NodeId(k)
            };
            self.send(ctx, clocks, to);
        } else {
            self.local(ctx, clocks);
        }
        self.arm(ctx);
    }

    fn on_command(
        &self,
        ctx: &mut Ctx<Self>,
        clocks: &mut Clocks,
        _volatile: &mut (),
        command: &NodeCommand,
    ) -> Result<(), String> {
        match command {
            NodeCommand::LocalEvent => self.local(ctx, clocks),
            NodeCommand::SendTo(to) => {
                if *to == ctx.id {
                    return Err("a node cannot send a message to itself".into());
                }
                if to.0 < 1 || to.0 > ctx.n {
                    return Err(format!(
                        "there is no node {to}: nodes are numbered 1 to {}",
                        ctx.n
                    ));
                }
                self.send(ctx, clocks, *to);
            }
            other => {
                return Err(format!(
                    "vector-clock nodes only do local events and send messages; {other:?} \
                     belongs to another protocol"
                ))
            }
        }
        Ok(())
    }

    fn view_node(&self, node: &Node<Self>, _now: SimTime) -> NodeView {
        let clocks = &node.durable;
        let vector = clocks.vector.to_string();
        let (caption, aria) = if self.settings.show_lamport {
            (
                format!("L{}", clocks.lamport),
                format!("Lamport clock {}", clocks.lamport),
            )
        } else {
            (
                short_caption(&vector),
                format!("vector clock {}", clocks.vector.spoken()),
            )
        };
        let aria = if node.up {
            aria
        } else {
            format!("crashed, {aria}")
        };
        NodeView {
            role: "member",
            caption,
            aria,
            timer: None,
            details: vec![
                format!("vector clock {vector}"),
                format!("Lamport clock {}", clocks.lamport),
                format!("{} events of its own so far", clocks.vector.get(node.id)),
            ],
        }
    }
}

/// Longest line of a caption under a node circle, in characters.
pub const CAPTION_MAX: usize = 14;
/// Most lines of a caption under a node circle.
pub const CAPTION_LINES: usize = 3;

/// The vector as a caption under the node: broken after commas into lines of at most
/// [`CAPTION_MAX`] characters (separated by `'\n'`), so that a whole vector of up to nine
/// nodes shows; past [`CAPTION_LINES`] lines it is cut with "…" (the full vector is in the
/// node's details and its ARIA label).
pub fn short_caption(vector: &str) -> String {
    let wrap = |width: usize| {
        let mut lines: Vec<String> = vec![String::new()];
        for (i, part) in vector.split_inclusive(',').enumerate() {
            let line = lines.last_mut().expect("one line at least");
            if i > 0 && line.chars().count() + part.chars().count() > width {
                lines.push(part.to_string());
            } else {
                line.push_str(part);
            }
        }
        lines
    };
    let mut lines = wrap(CAPTION_MAX);
    // Lines of about equal length read better than a full line and a stub.
    let even = vector.chars().count().div_ceil(lines.len()) + 2;
    if lines.len() > 1 && even < CAPTION_MAX {
        let balanced = wrap(even);
        if balanced.len() == lines.len() {
            lines = balanced;
        }
    }
    if lines.len() > CAPTION_LINES {
        lines.truncate(CAPTION_LINES);
        lines[CAPTION_LINES - 1].push('…');
    }
    lines.join("\n")
}
