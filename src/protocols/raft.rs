//! Placeholder for the raft protocol (being written on its own branch).

use crate::sim::{Ctx, MessageInfo, Node, NodeCommand, NodeId, NodeView, Protocol, SimTime};
use serde::{Deserialize, Serialize};

/// Settings of the protocol.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RaftSettings {}

impl RaftSettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The protocol.
#[derive(Clone, Debug)]
pub struct Raft {
    /// Its settings.
    pub settings: RaftSettings,
}

impl Raft {
    /// A protocol with these settings.
    pub fn new(settings: RaftSettings) -> Self {
        Raft { settings }
    }
}

/// A message.
#[derive(Clone, Debug, Serialize)]
pub struct Msg;

impl MessageInfo for Msg {
    fn kind(&self) -> &'static str {
        "Msg"
    }
    fn summary(&self) -> String {
        String::new()
    }
}

impl Protocol for Raft {
    type Msg = Msg;
    type Timer = ();
    type Durable = ();
    type Volatile = ();
    type Shared = ();

    fn name(&self) -> &'static str {
        "raft"
    }
    fn init_durable(&self, _id: NodeId, _n: u32) {}
    fn on_start(&self, _ctx: &mut Ctx<Self>, _d: &mut ()) {}
    fn on_message(&self, _c: &mut Ctx<Self>, _d: &mut (), _v: &mut (), _f: NodeId, _m: Msg) {}
    fn on_timer(&self, _c: &mut Ctx<Self>, _d: &mut (), _v: &mut (), _t: ()) {}
    fn on_command(
        &self,
        _c: &mut Ctx<Self>,
        _d: &mut (),
        _v: &mut (),
        _cmd: &NodeCommand,
    ) -> Result<(), String> {
        Err("not yet".into())
    }
    fn view_node(&self, _node: &Node<Self>, _now: SimTime) -> NodeView {
        NodeView::default()
    }
}
