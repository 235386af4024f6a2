//! The hash-ring pane: the ring drawn on a canvas, "Look up a key", and the numbers beside it
//! (what the last membership change moved against the ideal and against modulo hashing, load
//! per node, and balance against the number of tokens per node).
//!
//! ```text
//!  ring_pane(&Model) ──▶ cached PaneData { RingView, balance table } ──props──▶ RingPane
//!      (rebuilt only when the sim's trace total,       (component: lookup text in use_state,
//!       time, interventions or settings change;        canvases redrawn in effects when the
//!       the balance table only when the settings       data's generation or the lookup changes,
//!       or the live members change)                    and when a canvas's box resizes)
//! ```
//!
//! It reads the ring only through `crate::protocols::ring::view` and changes the world only by
//! dispatching [`Action`]s.

use super::model::{Action, Model, Selection};
use super::ring_canvas::{draw_cv_chart, draw_load_chart, draw_ring, node_colour};
use super::shell::Shell;
use crate::protocols::ring::figures::{BalanceRow, ChangeKind, ChangeReport};
use crate::protocols::ring::view::{
    balance, lookup, ring_view, KeyLookup, KeyState, RingView, BALANCE_TOKENS,
};
use crate::protocols::ring::{Ring, RingSettings};
use crate::sim::time::format_time;
use crate::sim::{Intervention, NodeId, Sim, SimTime};
use crate::world::World;
use gloo::events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What the pane shows, rebuilt only when the world changes.
pub struct PaneData {
    /// Bumped every time the data is rebuilt (what the canvases' effects depend on).
    pub generation: u64,
    /// The ring's view model.
    pub view: RingView,
    /// The balance table for [`BALANCE_TOKENS`].
    pub balance: Rc<Vec<BalanceRow>>,
    /// Bumped every time the balance table is recomputed.
    pub balance_generation: u64,
}

/// Everything the ring view depends on, cheap to compare.
#[derive(Clone, PartialEq)]
struct Stamp {
    seed: String,
    nodes: u32,
    settings: RingSettings,
    trace_total: u64,
    now: SimTime,
    applied: usize,
    log_len: usize,
}

/// What the balance table depends on: the keys (settings) and the live members.
#[derive(Clone, PartialEq)]
struct BalanceStamp {
    settings: RingSettings,
    live: Vec<NodeId>,
}

#[derive(Default)]
struct Cache {
    stamp: Option<Stamp>,
    data: Option<Rc<PaneData>>,
    balance: Option<(BalanceStamp, Rc<Vec<BalanceRow>>, u64)>,
    generation: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
    /// The name being looked up on the ring, if any (the PNG export draws it too).
    static QUERY: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// What the ring picture shows now, for the PNG export: the ring's view model and the key
/// being looked up (`None` unless the hash ring runs).
pub fn picture(m: &Model) -> Option<(Rc<PaneData>, Option<KeyLookup>)> {
    let World::Ring(s) = &m.world else {
        return None;
    };
    let found = QUERY.with(|q| q.borrow().as_deref().map(|name| lookup(s.sim(), name)));
    Some((pane_data(m, s.sim()), found))
}

fn pane_data(m: &Model, sim: &Sim<Ring>) -> Rc<PaneData> {
    let stamp = Stamp {
        seed: m.base.seed.clone(),
        nodes: sim.n(),
        settings: sim.proto.settings.clone(),
        trace_total: sim.trace().total(),
        now: sim.now(),
        applied: m.world.applied(),
        log_len: m.world.log().len(),
    };
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let (Some(s), Some(d)) = (&c.stamp, &c.data) {
            if *s == stamp {
                return d.clone();
            }
        }
        let view = ring_view(sim);
        let bstamp = BalanceStamp {
            settings: sim.proto.settings.clone(),
            live: view.live.clone(),
        };
        let (rows, bgen) = match &c.balance {
            Some((s, rows, g)) if *s == bstamp => (rows.clone(), *g),
            _ => {
                let rows = Rc::new(balance(sim, &BALANCE_TOKENS));
                let g = c.balance.as_ref().map_or(1, |b| b.2 + 1);
                c.balance = Some((bstamp, rows.clone(), g));
                (rows, g)
            }
        };
        c.generation += 1;
        let data = Rc::new(PaneData {
            generation: c.generation,
            view,
            balance: rows,
            balance_generation: bgen,
        });
        c.stamp = Some(stamp);
        c.data = Some(data.clone());
        data
    })
}

/// The ring pane for the running world (empty unless the hash ring runs). The lead places it
/// in the picture area, beside or under the cluster.
pub fn ring_pane(m: &Model, d: &Callback<Action>) -> Html {
    let World::Ring(session) = &m.world else {
        return html! {};
    };
    let data = pane_data(m, session.sim());
    let selected = match m.selected {
        Selection::Node(n) => Some(n),
        _ => None,
    };
    html! { <RingPane {data} {selected} dispatch={d.clone()} /> }
}

/// Properties of the [`RingPane`] component.
#[derive(Properties)]
pub struct RingPaneProps {
    /// The ring's data (compared by identity: a new generation is a new `Rc`).
    pub data: Rc<PaneData>,
    /// The node selected in the cluster, if any.
    pub selected: Option<NodeId>,
    /// Where node actions go.
    pub dispatch: Callback<Action>,
}

impl PartialEq for RingPaneProps {
    fn eq(&self, other: &Self) -> bool {
        // The dispatcher always reaches the same shell, so it does not count.
        Rc::ptr_eq(&self.data, &other.data) && self.selected == other.selected
    }
}

/// Looks `name` up in the running ring (`None` if the ring is not running or the model is busy).
fn run_lookup(name: &str) -> Option<KeyLookup> {
    let shell = Shell::get()?;
    let m = shell.model.try_borrow().ok()?;
    match &m.world {
        World::Ring(s) => Some(lookup(s.sim(), name)),
        _ => None,
    }
}

/// `12.3%`.
fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `Node 3`, `nodes 2, 4 and 5`, `no node`.
pub fn nodes_in_words(nodes: &[NodeId]) -> String {
    match nodes {
        [] => "no node".to_string(),
        [one] => format!("Node {one}"),
        [init @ .., last] => format!(
            "nodes {} and {last}",
            init.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn state_words(s: KeyState) -> &'static str {
    match s {
        KeyState::Complete => "complete: every replica holds it",
        KeyState::InTransit => "in transit: a copy is on its way",
        KeyState::MissingReplica => "missing a replica, nothing on the way yet",
        KeyState::Unavailable => "unavailable: every holder is crashed",
        KeyState::Lost => "lost: nobody holds it",
    }
}

/// The ring in words, for the canvas's `aria-label`.
pub fn ring_summary(view: &RingView, found: Option<&KeyLookup>) -> String {
    let c = &view.counts;
    let mut s = format!(
        "Hash ring: {} live of {} members ({}), {} tokens each, {} replicas per key. {} keys: {} complete, {} in transit, {} missing a replica, {} unavailable, {} lost. {}.",
        view.live.len(),
        view.members.len(),
        nodes_in_words(&view.live),
        view.tokens_per_node,
        view.replicas,
        view.keys.len(),
        c.complete,
        c.in_transit,
        c.missing_replica,
        c.unavailable,
        c.lost,
        if view.settled { "Rebalanced" } else { "Rebalancing" },
    );
    if let Some(l) = found {
        s.push_str(&format!(
            " Key {} is highlighted at {} of the way round; owner {}.",
            l.name,
            pct(l.fraction),
            l.owner.map_or("none".to_string(), |o| format!("Node {o}"))
        ));
    }
    s
}

/// The hash-ring pane: ring canvas, key lookup, node actions and the numbers.
#[function_component(RingPane)]
pub fn ring_pane_component(p: &RingPaneProps) -> Html {
    let draft = use_state(String::new);
    let query = use_state(|| None::<String>);
    let generation = p.data.generation;
    let found: Rc<Option<KeyLookup>> = use_memo(((*query).clone(), generation), |(q, _)| {
        QUERY.with(|cur| cur.borrow_mut().clone_from(q));
        q.as_deref().and_then(run_lookup)
    });
    let ring_ref = use_node_ref();
    let load_ref = use_node_ref();
    let cv_ref = use_node_ref();

    // What to draw when a canvas's box resizes: the latest data, whatever render it came from.
    let latest = use_mut_ref(|| (p.data.clone(), found.clone()));
    *latest.borrow_mut() = (p.data.clone(), found.clone());

    let redraw_ring = {
        let (ring_ref, load_ref) = (ring_ref.clone(), load_ref.clone());
        move |data: &PaneData, found: Option<&KeyLookup>| {
            if let Some(c) = ring_ref.cast::<web_sys::HtmlCanvasElement>() {
                draw_ring(&c, &data.view, found);
            }
            if let Some(c) = load_ref.cast::<web_sys::HtmlCanvasElement>() {
                draw_load_chart(&c, &data.view.load.per_node, data.view.load.held.mean);
            }
        }
    };
    let redraw_cv = {
        let cv_ref = cv_ref.clone();
        move |data: &PaneData| {
            if let Some(c) = cv_ref.cast::<web_sys::HtmlCanvasElement>() {
                draw_cv_chart(&c, &data.balance, data.view.tokens_per_node);
            }
        }
    };
    {
        let (data, found, redraw) = (p.data.clone(), found.clone(), redraw_ring.clone());
        use_effect_with((generation, (*query).clone()), move |_| {
            redraw(&data, (*found).as_ref());
        });
    }
    {
        let (data, redraw) = (p.data.clone(), redraw_cv.clone());
        use_effect_with(
            (p.data.balance_generation, p.data.view.tokens_per_node),
            move |_| redraw(&data),
        );
    }
    {
        let latest = latest.clone();
        use_effect_with((), move |_| {
            // Redrawn when a canvas's box changes size (a window resize included).
            let listener = EventListener::new(
                &gloo::utils::window(),
                super::canvas::BOXES_CHANGED,
                move |_| {
                    let (data, found) = latest.borrow().clone();
                    redraw_ring(&data, (*found).as_ref());
                    redraw_cv(&data);
                },
            );
            move || drop(listener)
        });
    }

    let on_input = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                draft.set(i.value());
            }
        })
    };
    let on_submit = {
        let (draft, query) = (draft.clone(), query.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = draft.trim().to_string();
            query.set((!name.is_empty()).then_some(name));
        })
    };
    let on_clear = {
        let (draft, query) = (draft.clone(), query.clone());
        Callback::from(move |_: MouseEvent| {
            draft.set(String::new());
            query.set(None);
        })
    };

    let on_key = {
        let (draft, query) = (draft.clone(), query.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                draft.set(String::new());
                query.set(None);
            }
        })
    };
    let view = &p.data.view;
    let summary = ring_summary(view, (*found).as_ref());
    html! {
        <section class="ring-pane" aria-label="Hash ring">
          <div class="ring-layout">
            <div class="ring-main">
                <div class="ring-picture">
                    <canvas ref={ring_ref} class="ring-canvas" role="img" aria-label={summary}></canvas>
                </div>
                { legend(view) }
                <form class="ring-lookup" onsubmit={on_submit} role="search" aria-label="Look up a key">
                    <label for="ring-key">{ "Look up a key" }</label>
                    <input id="ring-key" type="text" value={(*draft).clone()} oninput={on_input} onkeydown={on_key}
                        aria-keyshortcuts="/" title="Look up a key (/ comes here; Escape clears)"
                        placeholder="e.g. key-7 or apple" autocomplete="off" spellcheck="false" />
                    <button type="submit" class="primary">{ "Look up" }</button>
                    if query.is_some() {
                        <button type="button" onclick={on_clear} title="Clear the lookup (Escape in the box)">{ "Clear" }</button>
                    }
                </form>
                { lookup_words((*found).as_ref()) }
            </div>
            <div class="ring-numbers">
                { node_actions(view, p.selected, &p.dispatch) }
                { change_card(view.last_change.as_ref()) }
                { load_card(view, load_ref) }
                { balance_card(view, &p.data.balance, cv_ref) }
            </div>
          </div>
        </section>
    }
}

/// A small inline picture of a key's shape, matching the canvas.
fn key_icon(state: KeyState) -> Html {
    let shape = match state {
        KeyState::Complete => html! { <circle cx="8" cy="8" r="5" fill="#0072B2" /> },
        KeyState::InTransit => {
            html! { <circle cx="8" cy="8" r="5" fill="#fff" stroke="#0072B2" stroke-width="2.5" /> }
        }
        KeyState::MissingReplica => {
            html! { <path d="M8 2 L14 13 L2 13 Z" fill="#0072B2" stroke="#1b1f24" stroke-width="1.5" /> }
        }
        KeyState::Unavailable => {
            html! { <rect x="3" y="3" width="10" height="10" fill="#9aa3b0" stroke="#1b1f24" stroke-width="1.5" /> }
        }
        KeyState::Lost => {
            html! { <path d="M3 3 L13 13 M13 3 L3 13" stroke="#c62828" stroke-width="3" /> }
        }
    };
    html! { <svg class="ring-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">{ shape }</svg> }
}

fn legend(view: &RingView) -> Html {
    let c = &view.counts;
    let nodes = view.load.per_node.iter().filter(|l| l.member).map(|l| {
        let note = match (l.up, view.live.contains(&l.node)) {
            (false, _) => " (down)",
            (true, false) => " (not live)",
            _ => "",
        };
        html! {
            <li>
                <span class="ring-swatch" style={format!("background:{}", node_colour(l.node))} aria-hidden="true"></span>
                { format!("Node {}{note}", l.node) }
            </li>
        }
    });
    let states = [
        (KeyState::Complete, "complete", c.complete),
        (KeyState::InTransit, "in transit", c.in_transit),
        (
            KeyState::MissingReplica,
            "missing a replica",
            c.missing_replica,
        ),
        (KeyState::Unavailable, "unavailable", c.unavailable),
        (KeyState::Lost, "lost", c.lost),
    ];
    let states = states.iter().map(|&(s, label, n)| {
        html! {
            <li class={classes!((n == 0 && s != KeyState::Complete).then_some("ring-zero"), (s == KeyState::Lost && n > 0).then_some("ring-bad"))}>
                { key_icon(s) }<span class="ring-count">{ n }</span>{ format!(" {label}") }
            </li>
        }
    });
    html! {
        <div class="ring-legend">
            <ul class="ring-legend-nodes" aria-label="Node colours">
                { for nodes }
                <li class="ring-legend-note">{ "ticks = tokens, dots = keys (colour of the owner)" }</li>
            </ul>
            <ul class="ring-legend-states" aria-label="Keys by state">{ for states }</ul>
        </div>
    }
}

fn lookup_words(found: Option<&KeyLookup>) -> Html {
    let Some(l) = found else {
        return html! {
            <p class="ring-lookup-result ring-muted">{ "Type any name: its position, owner and replicas light up on the ring." }</p>
        };
    };
    let replicas = l
        .replicas
        .iter()
        .enumerate()
        .map(|(i, n)| {
            html! {
                <li>
                    <span class="ring-swatch" style={format!("background:{}", node_colour(*n))} aria-hidden="true"></span>
                    { if i == 0 { format!("Node {n} (owner)") } else { format!("Node {n}") } }
                </li>
            }
        });
    let status = match &l.status {
        None => {
            html! { <p>{ "Not one of this run's keys, so no node stores it; it would go to these nodes." }</p> }
        }
        Some(s) => {
            let mut parts = vec![format!("Stored on {}", nodes_in_words(&s.held_by))];
            if !s.in_transit_to.is_empty() {
                parts.push(format!(
                    "on its way to {}",
                    nodes_in_words(&s.in_transit_to)
                ));
            }
            if !s.missing_on.is_empty() {
                parts.push(format!("missing on {}", nodes_in_words(&s.missing_on)));
            }
            if !s.extra_on.is_empty() {
                parts.push(format!(
                    "still handed off by {}",
                    nodes_in_words(&s.extra_on)
                ));
            }
            html! { <p>{ format!("{}. State: {}.", parts.join("; "), state_words(s.state)) }</p> }
        }
    };
    html! {
        <div class="ring-lookup-result" aria-live="polite">
            <p>
                <strong>{ l.name.clone() }</strong>
                { " sits at " }<code>{ l.position_hex.clone() }</code>
                { format!(", {} of the way round.", pct(l.fraction)) }
            </p>
            <p>{ "Walking clockwise, its replicas are:" }</p>
            <ol class="ring-replicas">{ for replicas }</ol>
            { status }
        </div>
    }
}

fn node_actions(view: &RingView, selected: Option<NodeId>, d: &Callback<Action>) -> Html {
    let standby = view
        .load
        .per_node
        .iter()
        .find(|l| !l.member && l.up)
        .map(|l| l.node);
    let add = match standby {
        Some(node) => {
            let d = d.clone();
            let onclick = Callback::from(move |_: MouseEvent| {
                d.emit(Action::Intervene(Intervention::Join { node }))
            });
            html! { <button type="button" class="primary" {onclick} title="Add this standby node to the ring (J)" aria-keyshortcuts="J">{ format!("Add node {node}") }</button> }
        }
        None => html! { <span class="ring-muted">{ "No standby node to add" }</span> },
    };
    let remove = match selected.filter(|n| view.members.contains(n)) {
        Some(node) => {
            let d = d.clone();
            let onclick = Callback::from(move |_: MouseEvent| {
                d.emit(Action::Intervene(Intervention::Leave { node }))
            });
            html! { <button type="button" {onclick} title="Remove this node gracefully: it hands its keys off first (Shift+J)" aria-keyshortcuts="Shift+J">{ format!("Remove node {node}") }</button> }
        }
        None => html! { <span class="ring-muted">{ "Select a member node to remove it" }</span> },
    };
    html! {
        <div class="ring-actions" role="group" aria-label="Ring membership">
            { add }{ remove }
        </div>
    }
}

/// A horizontal bar with its label and value in words (accessible as text).
fn share_bar(label: &str, share: f64, value: String, class: &'static str) -> Html {
    let width = (share * 100.0).clamp(0.0, 100.0);
    html! {
        <div class={classes!("ring-bar-row", class)}>
            <span class="ring-bar-label">{ label.to_string() }</span>
            <span class="ring-bar" aria-hidden="true"><span style={format!("width:{width:.1}%")}></span></span>
            <span class="ring-bar-value">{ value }</span>
        </div>
    }
}

fn change_card(change: Option<&ChangeReport>) -> Html {
    let Some(c) = change else {
        return html! {
            <section class="ring-card" aria-label="Last change">
                <h3>{ "Last change" }</h3>
                <p class="ring-muted">{ "No membership change yet. Add or remove a node to see how many keys move." }</p>
            </section>
        };
    };
    let verb = match c.kind {
        ChangeKind::Join => "joined",
        ChangeKind::Leave => "left",
        ChangeKind::Crash => "crashed",
        ChangeKind::Restart => "restarted",
    };
    let adds = c.kind.adds();
    let of = |x: u32, share: f64| format!("{x} of {} ({})", c.keys, pct(share));
    let ideal_label = if adds {
        format!("Ideal 1/(n+1) = 1/{}", c.members_after)
    } else {
        format!("Ideal: only Node {}'s keys", c.node)
    };
    let ideal_value = if adds {
        pct(c.ideal_share)
    } else {
        format!("{} ({})", c.keys_of_node, pct(c.ideal_share))
    };
    let elsewhere_label = if adds {
        format!("Moved to a node other than Node {}", c.node)
    } else {
        format!("Moved away from a node other than Node {}", c.node)
    };
    html! {
        <section class="ring-card" aria-label="Last change">
            <h3>{ format!("Last change: Node {} {verb} at {}", c.node, format_time(c.at_us)) }</h3>
            <p class="ring-sub">{ format!("{} → {} live nodes, {} keys", c.members_before, c.members_after, c.keys) }</p>
            <div class="ring-bars">
                { share_bar("Keys that changed owner", c.owners_moved_share, of(c.owners_moved, c.owners_moved_share), "ring-bar-moved") }
                { share_bar(&ideal_label, c.ideal_share, ideal_value, "ring-bar-ideal") }
                { share_bar("Modulo hashing (hash mod n) would move", c.modulo_moved_share, of(c.modulo_moved, c.modulo_moved_share), "ring-bar-modulo") }
            </div>
            <p class={classes!("ring-check", (c.moved_elsewhere == 0).then_some("ring-ok"), (c.moved_elsewhere > 0).then_some("ring-bad"))}>
                { format!("{elsewhere_label}: ") }
                <span class="ring-big">{ c.moved_elsewhere }</span>
                { if c.moved_elsewhere == 0 { " ✓ (must be 0)" } else { " ✗ must be 0" } }
            </p>
            <p class="ring-sub">{ format!("Replica copies to send as transfers: {}", c.copies_to_create) }</p>
        </section>
    }
}

fn load_card(view: &RingView, canvas: NodeRef) -> Html {
    let l = &view.load;
    let rows = l.per_node.iter().map(|n| {
        html! {
            <tr>
                <th scope="row">{ format!("Node {}{}", n.node, if !n.up { " (down)" } else if !n.member { " (standby)" } else { "" }) }</th>
                <td>{ n.held }</td><td>{ n.target }</td><td>{ n.owned }</td>
            </tr>
        }
    });
    html! {
        <section class="ring-card" aria-label="Load per node">
            <h3>{ "Load per node" }</h3>
            <div class="ring-stats">
                <div><span class="ring-big">{ format!("{:.2}", l.owned.max_over_mean) }</span><span>{ "max / mean (owned)" }</span></div>
                <div><span class="ring-big">{ format!("{:.2}", l.owned.cv) }</span><span>{ "CV of keys owned" }</span></div>
                <div><span class="ring-big">{ format!("{:.2}", l.expected_cv) }</span><span>{ format!("theory, {} nodes × {} tokens", view.live.len(), view.tokens_per_node) }</span></div>
            </div>
            <canvas ref={canvas} id="ring-load-chart" class="ring-chart" role="img"
                aria-label="Bar chart of keys stored per node; the table below gives the numbers"></canvas>
            <p class="ring-sub">{ format!(
                "Bars: keys stored now (all replicas). Black tick: what the node should store once rebalanced. Dashed: mean {:.0}. Stored: max/mean {:.2}, CV {:.2}.",
                l.held.mean, l.held.max_over_mean, l.held.cv) }</p>
            <table class="sr-only">
                <caption>{ "Keys per node" }</caption>
                <thead><tr><th scope="col">{ "Node" }</th><th scope="col">{ "Stored now" }</th><th scope="col">{ "Should store" }</th><th scope="col">{ "Owns" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

fn balance_card(view: &RingView, rows: &[BalanceRow], canvas: NodeRef) -> Html {
    let body = rows.iter().map(|r| {
        let current = r.tokens == view.tokens_per_node;
        html! {
            <tr class={classes!(current.then_some("ring-current"))}>
                <th scope="row">{ r.tokens }{ if current { " (now)" } else { "" } }</th>
                <td>{ format!("{:.2}", r.keys.max_over_mean) }</td>
                <td>{ format!("{:.3}", r.keys.cv) }</td>
                <td>{ format!("{:.3}", r.expected_cv) }</td>
            </tr>
        }
    });
    let n = view.live.len().max(1);
    html! {
        <section class="ring-card" aria-label="Balance against tokens per node">
            <h3>{ format!("More tokens, better balance ({n} nodes, same keys)") }</h3>
            <canvas ref={canvas} id="ring-cv-chart" class="ring-chart" role="img"
                aria-label="Line chart of the coefficient of variation against tokens per node, measured and in theory; the table beside gives the numbers"></canvas>
            <p class="ring-sub">{ "CV, the coefficient of variation: the standard deviation of the keys each node owns over their mean. Lower is more even." }</p>
            <table class="ring-table">
                <thead><tr>
                    <th scope="col">{ "Tokens per node" }</th>
                    <th scope="col">{ "max / mean" }</th>
                    <th scope="col">{ "CV measured" }</th>
                    <th scope="col">{ "CV theory" }</th>
                </tr></thead>
                <tbody>{ for body }</tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{ProtocolKind, Scenario};

    fn ring_world() -> World {
        let sc = Scenario {
            protocol: ProtocolKind::Ring,
            nodes: 5,
            ..Scenario::default()
        };
        World::from_scenario(&sc).expect("the ring scenario is valid")
    }

    #[test]
    fn the_canvas_label_names_the_members_keys_and_state_in_words() {
        let mut w = ring_world();
        w.advance_to(2_000_000);
        let World::Ring(s) = &w else { unreachable!() };
        let view = ring_view(s.sim());
        let text = ring_summary(&view, None);
        assert!(
            text.contains("4 live of 4 members (nodes 1, 2, 3 and 4)"),
            "{text}"
        );
        assert!(text.contains("100 keys: 100 complete"), "{text}");
        assert!(text.ends_with("Rebalanced."), "{text}");
    }

    #[test]
    fn a_looked_up_key_lights_its_owner_token_first_and_one_token_per_replica() {
        let mut w = ring_world();
        w.advance_to(2_000_000);
        let World::Ring(s) = &w else { unreachable!() };
        let view = ring_view(s.sim());
        for name in ["apple", "key-7", "zebra"] {
            let l = lookup(s.sim(), name);
            let marks = super::super::ring_canvas::replica_tokens(&view, &l);
            assert_eq!(marks.len(), l.replicas.len(), "{name}");
            assert_eq!(marks[0].1, l.owner.unwrap(), "{name}: owner first");
            let nodes: Vec<NodeId> = marks.iter().map(|m| m.1).collect();
            assert_eq!(nodes, l.replicas, "{name}: replicas in clockwise order");
        }
    }
}
