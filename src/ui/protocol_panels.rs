//! Panels specific to each protocol (Raft's logs and safety badges, the space-time diagram,
//! the ring and its charts).

use super::model::{Action, Model};
use yew::prelude::*;

/// The panel of the running protocol.
pub fn protocol_panel(_m: &Model, _d: &Callback<Action>) -> Html {
    html! {}
}
