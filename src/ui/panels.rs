//! The side panels: the inspector (node, message, link), fault presets, network settings, the
//! messages in flight as a keyboard-reachable list, and the intervention log.

use super::model::{Action, DragMode, Model, Selection};
use crate::sim::time::format_time;
use crate::sim::{Intervention, LinkState, MsgId, NetConfig, NodeId, MS};
use crate::world::{ClusterView, ProtocolKind};
use yew::prelude::*;

fn button(label: &str, title: &str, action: Action, d: &Callback<Action>) -> Html {
    kbutton(label, title, "", action, d)
}

/// A button with its key: `keys` goes to `aria-keyshortcuts` and, in brackets, to the title.
pub fn kbutton(label: &str, title: &str, keys: &str, action: Action, d: &Callback<Action>) -> Html {
    let d = d.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.emit(action.clone());
    });
    let title = if keys.is_empty() {
        title.to_string()
    } else {
        format!("{title} ({keys})")
    };
    html! {
        <button type="button" {title} aria-keyshortcuts={(!keys.is_empty()).then(|| keys.to_string())} {onclick}>
            { label.to_string() }
        </button>
    }
}

fn iv(i: Intervention) -> Action {
    Action::Intervene(i)
}

/// The leader, if the protocol has one and exactly one node claims it.
pub fn leader(c: &ClusterView) -> Option<NodeId> {
    // With several self-declared leaders (different terms), pick the one with the highest id
    // deterministically; the caption shows which term each is in.
    c.nodes
        .iter()
        .rev()
        .find(|n| n.up && n.view.role == "leader")
        .map(|n| n.id)
}

fn node_inspector(m: &Model, c: &ClusterView, id: NodeId, d: &Callback<Action>) -> Html {
    let Some(n) = c.nodes.iter().find(|n| n.id == id) else {
        return html! {};
    };
    let mut actions = Vec::new();
    if n.up {
        actions.push(kbutton(
            "Crash",
            "Crash this node",
            "X",
            iv(Intervention::Crash { node: id }),
            d,
        ));
        match m.world.kind() {
            ProtocolKind::Raft => {
                actions.push(kbutton(
                    "Time out now",
                    "Start an election at once",
                    "T",
                    iv(Intervention::TimeoutNow { node: id }),
                    d,
                ));
                actions.push(kbutton(
                    "Client request",
                    "Send a client command to this node (C sends it to the leader)",
                    "",
                    iv(Intervention::ClientRequest { node: id }),
                    d,
                ));
            }
            ProtocolKind::Vclock => {
                actions.push(kbutton(
                    "Local event",
                    "Record a local event",
                    "L",
                    iv(Intervention::LocalEvent { node: id }),
                    d,
                ));
                for to in c.nodes.iter().filter(|o| o.id != id) {
                    actions.push(button(
                        &format!("Send to {}", to.id),
                        &format!("Send a message (M then {})", to.id.0),
                        iv(Intervention::SendMessage {
                            from: id,
                            to: to.id,
                        }),
                        d,
                    ));
                }
            }
            ProtocolKind::Ring => {
                if n.view.role == "standby" {
                    actions.push(kbutton(
                        "Join ring",
                        "Add this node to the ring",
                        "J",
                        iv(Intervention::Join { node: id }),
                        d,
                    ));
                } else {
                    actions.push(kbutton(
                        "Leave ring",
                        "Remove this node gracefully",
                        "Shift+J",
                        iv(Intervention::Leave { node: id }),
                        d,
                    ));
                }
            }
        }
    } else {
        actions.push(kbutton(
            "Restart",
            "Restart from durable state",
            "R",
            iv(Intervention::Restart { node: id }),
            d,
        ));
    }
    actions.push(kbutton(
        "Isolate",
        "Partition this node from the rest",
        "I",
        iv(Intervention::Partition {
            groups: vec![vec![id]],
        }),
        d,
    ));
    // A large cluster's links are a picture, not elements (see `LinkPainter`): the keyboard
    // reaches each of them from either end's inspector.
    let links = (c.links.len() > super::canvas::LinkPainter::MAX_ELEMENTS).then(|| {
        html! {
            <>
                <h3>{ "Links" }</h3>
                <ul class="node-links">
                    { for c.links.iter().filter(|l| l.a == id || l.b == id).map(|l| html! {
                        <li>{ button(&l.label, "Select this link to cut, hold or heal it", Action::Select(Selection::Link(l.a, l.b)), d) }</li>
                    }) }
                </ul>
            </>
        }
    });
    html! {
        <section class="inspector" aria-label="Inspector">
            <h2>{ n.label.clone() }</h2>
            <div class="actions">{ for actions }</div>
            if !n.view.details.is_empty() {
                <ul class="details">{ for n.view.details.iter().map(|l| html!{ <li>{ l.clone() }</li> }) }</ul>
            }
            { for links }
        </section>
    }
}

fn message_inspector(m: &Model, id: u64, d: &Callback<Action>) -> Html {
    let flights = m.world.flights();
    let Some(f) = flights.iter().find(|f| f.id == id) else {
        return html! {};
    };
    let msg = MsgId(id);
    let hold = if f.held {
        kbutton(
            "Release",
            "Let it continue",
            "Shift+H",
            iv(Intervention::Release { msg }),
            d,
        )
    } else {
        kbutton(
            "Hold",
            "Freeze it where it is",
            "Shift+H",
            iv(Intervention::Hold { msg }),
            d,
        )
    };
    html! {
        <section class="inspector" aria-label="Inspector">
            <h2>{ format!("Message {} from {} to {}", f.kind, f.from, f.to) }</h2>
            <p class="summary">{ f.summary.clone() }</p>
            <p class="meta">{ format!("#{} · sent {} · arrives {}{}", f.id, format_time(f.sent), format_time(f.arrive), if f.held { " · held" } else { "" }) }</p>
            <div class="actions">
                { kbutton("Drop", "Lose this message", "Delete", iv(Intervention::Drop { msg }), d) }
                { kbutton("Duplicate", "Send a second copy", "Shift+D", iv(Intervention::Duplicate { msg }), d) }
                { hold }
            </div>
        </section>
    }
}

fn link_inspector(c: &ClusterView, a: NodeId, b: NodeId, d: &Callback<Action>) -> Html {
    let Some(l) = c.links.iter().find(|l| l.a == a && l.b == b) else {
        return html! {};
    };
    let set = |link: LinkState, from: NodeId, to: NodeId, both: bool| {
        iv(Intervention::SetLink {
            from,
            to,
            link,
            both,
        })
    };
    html! {
        <section class="inspector" aria-label="Inspector">
            <h2>{ l.label.clone() }</h2>
            <div class="actions">
                { button("Cut both ways", "No message passes", set(LinkState::Cut, a, b, true), d) }
                { button(&format!("Cut {a}→{b}"), "One-way cut", set(LinkState::Cut, a, b, false), d) }
                { button(&format!("Cut {b}→{a}"), "One-way cut", set(LinkState::Cut, b, a, false), d) }
                { button("Lossy 30%", "Lose 30% of messages both ways", set(LinkState::Lossy { loss: 0.3 }, a, b, true), d) }
                { if l.held_ab || l.held_ba {
                    html! { <>
                        { kbutton("Release held", "Deliver the waiting messages (Shift+H releases both directions)", "", iv(Intervention::ReleaseLink { from: a, to: b }), d) }
                        { button("Release held ←", "Deliver the waiting messages", iv(Intervention::ReleaseLink { from: b, to: a }), d) }
                    </> }
                } else {
                    kbutton(&format!("Hold {a}→{b}"), "Messages wait at the end of the link", "Shift+H", iv(Intervention::HoldLink { from: a, to: b }), d)
                } }
                { button("Heal link", "Both directions healthy", set(LinkState::Healthy, a, b, true), d) }
            </div>
            <p class="hint">{ format!("Keys: K {} {} cycles this link through cut both ways, cut one way, the other way, lossy and healthy; Shift+H holds or releases its messages.", a.0, b.0) }</p>
        </section>
    }
}

/// The fault presets (Jepsen's catalogue) and the marked-nodes partition.
fn faults(m: &Model, c: &ClusterView, d: &Callback<Action>) -> Html {
    let n = m.world.n();
    let target = leader(c).or(match m.selected {
        Selection::Node(id) => Some(id),
        _ => None,
    });
    let marked: Vec<NodeId> = m.marked.iter().collect();
    let dd = d.clone();
    let many = |ivs: Vec<Intervention>| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            for i in &ivs {
                d.emit(iv(i.clone()));
            }
        })
    };
    let bridge = many(super::model::bridge_cuts(n));
    let ring = many(super::model::ring_cuts(n));
    html! {
        <section class="faults" aria-label="Faults">
            <h2>{ "Faults" }</h2>
            <div class="actions">
                { match target {
                    Some(t) => kbutton(&format!("Isolate node {t}"), "Partition the leader (or the selected node) from the rest", "I", iv(Intervention::Partition { groups: vec![vec![t]] }), &dd),
                    None => html! { <button type="button" disabled=true>{ "Isolate leader" }</button> },
                } }
                { kbutton("Split in halves", "Two islands", "Shift+S", iv(super::model::halves(n)), &dd) }
                <button type="button" title="Two majorities that share one node (Shift+B)" aria-keyshortcuts="Shift+B" onclick={bridge}>{ "Bridge" }</button>
                <button type="button" title="Each node sees only its neighbours (Shift+O)" aria-keyshortcuts="Shift+O" onclick={ring}>{ "Ring of majorities" }</button>
                if !marked.is_empty() {
                    { kbutton(&format!("Isolate marked ({})", marked.len()), "Partition the marked nodes from the rest", "I", iv(Intervention::Partition { groups: vec![marked.clone()] }), &dd) }
                }
                { kbutton("Heal all", "Remove every partition and link fault", "H", iv(Intervention::Heal { links: true }), &dd) }
            </div>
            <div class="drag-mode" role="radiogroup" aria-label="Dragging on the picture">
                <span>{ "Drag on the picture to " }</span>
                <button type="button" role="radio" aria-checked={(m.drag_mode == DragMode::Select).to_string()} aria-keyshortcuts="D" title="Dragging marks nodes (D switches)"
                    class={classes!((m.drag_mode == DragMode::Select).then_some("on"))}
                    onclick={let d = d.clone(); Callback::from(move |_: MouseEvent| d.emit(Action::SetDragMode(DragMode::Select)))}>{ "mark nodes" }</button>
                <button type="button" role="radio" aria-checked={(m.drag_mode == DragMode::Cut).to_string()} aria-keyshortcuts="D" title="Dragging cuts links (D switches)"
                    class={classes!((m.drag_mode == DragMode::Cut).then_some("on"))}
                    onclick={let d = d.clone(); Callback::from(move |_: MouseEvent| d.emit(Action::SetDragMode(DragMode::Cut)))}>{ "cut links" }</button>
            </div>
            <p class="hint">{ "Mark nodes (drag a box, shift-click, or Shift+number), then isolate them (I). Draw a line to cut every link it crosses. Click a link or a message to act on it." }</p>
        </section>
    }
}

#[allow(clippy::too_many_arguments)]
fn slider(
    label: &str,
    id: &str,
    min: f64,
    max: f64,
    step: f64,
    value: f64,
    unit: &str,
    on: Callback<f64>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = super::input_number(&e) {
            on.emit(v);
        }
    });
    html! {
        <label class="slider" for={id.to_string()}>
            <span>{ label.to_string() }</span>
            <input type="range" id={id.to_string()} min={min.to_string()} max={max.to_string()} step={step.to_string()} value={value.to_string()} {onchange} />
            <output>{ format!("{value}{unit}") }</output>
        </label>
    }
}

fn network(m: &Model, d: &Callback<Action>) -> Html {
    let cfg = m.world.net_config();
    let with = |f: fn(&mut NetConfig, f64)| {
        let d = d.clone();
        let cfg = cfg.clone();
        Callback::from(move |v: f64| {
            let mut c = cfg.clone();
            f(&mut c, v);
            if c.latency_min_us > c.latency_max_us {
                c.latency_max_us = c.latency_min_us;
            }
            d.emit(iv(Intervention::Network { config: c }));
        })
    };
    let ms = |us: u64| us as f64 / MS as f64;
    html! {
        <section class="network" aria-label="Network">
            <h2>{ "Network" }</h2>
            <p class="hint">{ "W moves here; Tab goes from slider to slider, ← and → change the value." }</p>
            { slider("Latency min", "lat-min", 1.0, 200.0, 1.0, ms(cfg.latency_min_us), " ms", with(|c, v| c.latency_min_us = (v * 1000.0) as u64)) }
            { slider("Latency max", "lat-max", 1.0, 200.0, 1.0, ms(cfg.latency_max_us), " ms", with(|c, v| { c.latency_max_us = (v * 1000.0) as u64; if c.latency_min_us > c.latency_max_us { c.latency_min_us = c.latency_max_us; } })) }
            { slider("Jitter", "jitter", 0.0, 200.0, 1.0, ms(cfg.jitter_us), " ms", with(|c, v| c.jitter_us = (v * 1000.0) as u64)) }
            { slider("Loss", "loss", 0.0, 100.0, 1.0, (cfg.loss * 100.0).round(), "%", with(|c, v| c.loss = v / 100.0)) }
            { slider("Duplication", "dup", 0.0, 100.0, 1.0, (cfg.duplicate * 100.0).round(), "%", with(|c, v| c.duplicate = v / 100.0)) }
            <div class="actions">
                { kbutton("Reset network", "Back to 10–15 ms, no loss, no duplication", "Shift+W", iv(Intervention::Network { config: NetConfig::default() }), d) }
            </div>
        </section>
    }
}

fn messages(m: &Model, d: &Callback<Action>) -> Html {
    let flights = m.world.flights();
    let total = flights.len();
    html! {
        <section class="messages" aria-label="Messages in flight">
            <h2>{ format!("Messages in flight ({total})") }</h2>
            if total > 0 { <p class="hint">{ "Q selects the next one, Shift+Q the previous." }</p> }
            <ul>
                { for flights.iter().take(24).map(|f| {
                    let id = f.id;
                    let d = d.clone();
                    let onclick = Callback::from(move |_: MouseEvent| d.emit(Action::Select(Selection::Message(id))));
                    let label = format!("Message {} from {} to {}{}", f.kind, f.from, f.to, if f.held { ", held" } else { "" });
                    html! { <li><button type="button" class="linkish" aria-label={label.clone()} {onclick}>{ label }</button></li> }
                }) }
                if total > 24 { <li class="more">{ format!("and {} more", total - 24) }</li> }
            </ul>
        </section>
    }
}

fn log(m: &Model) -> Html {
    let log = m.world.log();
    let applied = m.world.applied();
    html! {
        <section class="log" aria-label="Intervention log">
            <h2>{ format!("Interventions ({})", log.len()) }</h2>
            <ol>
                { for log.iter().enumerate().rev().take(40).map(|(i, r)| html! {
                    <li class={classes!((i >= applied).then_some("future"))}>
                        <time>{ format_time(r.at) }</time>{ " " }{ r.action.describe() }
                    </li>
                }) }
            </ol>
        </section>
    }
}

/// The side panel.
pub fn side_panel(m: &Model, d: &Callback<Action>, protocol_panel: Html) -> Html {
    let c = m.world.cluster();
    let inspector = match m.selected {
        Selection::Node(id) => node_inspector(m, &c, id, d),
        Selection::Message(id) => message_inspector(m, id, d),
        Selection::Link(a, b) => link_inspector(&c, a, b, d),
        Selection::None => html! {
            <section class="inspector empty" aria-label="Inspector">
                <p>{ "Click a node, a link or a message to inspect it and act on it." }</p>
            </section>
        },
    };
    html! {
        <aside class="side">
            { inspector }
            { protocol_panel }
            { faults(m, &c, d) }
            { super::app::run_section(m, d) }
            { network(m, d) }
            { messages(m, d) }
            { log(m) }
        </aside>
    }
}
