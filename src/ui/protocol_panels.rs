//! Panels specific to each protocol: the space-time diagram and causality inspector (vector
//! clocks), the logs and safety badges (Raft), and the ring (hash ring). Each protocol has a
//! pane under the cluster picture and a section in the side panel.

use super::click as cb;
use super::download::download;
use super::geometry::math;
use super::model::{Action, Model};
use super::shell::Shell;
use crate::protocols::raft::{checker_status, log_panel};
use crate::protocols::vclock::{compare_events, shiviz_log};
use crate::sim::{SimTime, MS, SEC};
use crate::world::{Settings, World};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Term colours: Okabe-Ito, ordered so that consecutive terms stay far apart (CIE76 ≥ 48) even
/// under simulated deuteranopia and protanopia (`tests/palette.rs`); the term number is also
/// written in every cell, so colour is never the only cue.
pub const TERM_COLOURS: [&str; 8] = [
    "#e69f00", "#56b4e9", "#009e73", "#0072b2", "#f0e442", "#cc79a7", "#d55e00", "#999999",
];

/// Black or white text, whichever reads better on `hex` (WCAG relative luminance).
pub fn text_on(hex: &str) -> &'static str {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    let lin = |s: u32| {
        let c = ((v >> s) & 0xff) as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            math::pow((c + 0.055) / 1.055, 2.4)
        }
    };
    let l = 0.2126 * lin(16) + 0.7152 * lin(8) + 0.0722 * lin(0);
    // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05).
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "#000"
    } else {
        "#fff"
    }
}

fn settings_change(
    m: &Model,
    d: &Callback<Action>,
    f: impl Fn(&mut Settings, &web_sys::HtmlInputElement) + 'static,
) -> Callback<Event> {
    let d = d.clone();
    let base = m.base.settings.clone();
    Callback::from(move |e: Event| {
        if let Some(i) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            let mut s = base.clone();
            f(&mut s, &i);
            d.emit(Action::SetSettings(Box::new(s)));
        }
    })
}

/// The pane under the cluster picture.
pub fn protocol_pane(m: &Model, shell: &Rc<Shell>, d: &Callback<Action>) -> Html {
    match &m.world {
        World::Vclock(_) => vclock_pane(m, shell, d),
        World::Raft(_) => raft_pane(m),
        World::Ring(_) => super::ring_panel::ring_pane(m, d),
    }
}

fn vclock_pane(m: &Model, shell: &Rc<Shell>, d: &Callback<Action>) -> Html {
    let onclick = {
        let shell = shell.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(el) = super::event_element(&e, "canvas.diagram") else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let hit = shell.diagram.borrow().event_at(
                e.client_x() as f64 - r.left(),
                e.client_y() as f64 - r.top(),
            );
            shell.dispatch(Action::ChooseEvent {
                id: hit,
                second: e.shift_key(),
            });
        })
    };
    let onmousemove = {
        let shell = shell.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(el) = super::event_element(&e, "canvas.diagram")
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let p = shell.diagram.borrow();
            let m = shell.model.borrow();
            let label = p
                .event_at(
                    e.client_x() as f64 - r.left(),
                    e.client_y() as f64 - r.top(),
                )
                .zip(match &m.world {
                    World::Vclock(s) => Some(s.sim()),
                    _ => None,
                })
                .and_then(|(id, sim)| p.label_of(sim, id))
                .unwrap_or_default();
            if el.title() != label {
                el.set_title(&label);
            }
        })
    };
    let span = m.diagram_span;
    let zoom_in = cb(d, Action::DiagramSpan(span / 2));
    let zoom_out = cb(d, Action::DiagramSpan(span * 2));
    let back = cb(d, Action::DiagramScroll((span / 2) as i64));
    let fwd = cb(d, Action::DiagramScroll(-((span / 2) as i64)));
    let live = cb(d, Action::DiagramScroll(-(m.world.now() as i64)));
    let onwheel = {
        let d = d.clone();
        Callback::from(move |e: WheelEvent| {
            let dx = if e.delta_x().abs() > e.delta_y().abs() {
                e.delta_x()
            } else {
                e.delta_y()
            };
            let step = (span as f64 * dx / 1000.0) as i64;
            d.emit(Action::DiagramScroll(-step));
        })
    };
    html! {
        <section class="pane diagram-pane" aria-label="Space-time diagram">
            <div class="pane-head">
                <h2>{ "Space-time diagram" }</h2>
                <span class="legend">
                    <span class="dot past"></span>{ "causal past " }
                    <span class="dot future"></span>{ "future " }
                    <span class="dot concurrent"></span>{ "concurrent" }
                </span>
                <div class="actions">
                    <button type="button" onclick={back} aria-keyshortcuts="Shift+ArrowLeft" title="Scroll back in time (Shift+←)">{ "◀" }</button>
                    <button type="button" onclick={fwd} aria-keyshortcuts="Shift+ArrowRight" title="Scroll forward (Shift+→)">{ "▶" }</button>
                    <button type="button" onclick={live} disabled={m.diagram_back == 0} aria-keyshortcuts="Shift+End" title="Follow the present (Shift+End)">{ "Now" }</button>
                    <button type="button" onclick={zoom_in} aria-keyshortcuts="Z" title="Show less time (Z)">{ "+" }</button>
                    <button type="button" onclick={zoom_out} aria-keyshortcuts="Shift+Z" title="Show more time (Shift+Z)">{ "−" }</button>
                    <span class="span-label" title="Time the diagram shows">{ crate::sim::time::format_time(span) }</span>
                    if m.diagram_back > 0 {
                        <span class="span-label" id="diagram-end" title="The diagram's right edge (scrolled back from the present)">
                            { format!("to {}", crate::sim::time::format_time(m.world.now().saturating_sub(m.diagram_back))) }
                        </span>
                    }
                </div>
            </div>
            <canvas id="diagram" class="diagram" ref={shell.diagram_canvas.clone()} {onclick} {onmousemove} {onwheel}
                role="img" aria-label="Space-time diagram: one line per node, events as dots, messages as arrows. Click an event (or press < and >) to highlight its causal past and future; shift-click a second event (or press { and }) to compare them."></canvas>
        </section>
    }
}

fn vclock_side(m: &Model, d: &Callback<Action>) -> Html {
    let World::Vclock(s) = &m.world else {
        return html! {};
    };
    let nb = s.sim().shared();
    let chosen = m.chosen_event.and_then(|id| nb.get(id).map(|e| (id, e)));
    let info = match chosen {
        None => {
            html! { <p class="hint">{ "Click an event in the diagram to see its causal past (blue), future (orange squares) and the events concurrent with it (green rings). Shift-click a second event to compare the two." }</p> }
        }
        Some((id, e)) => {
            let cmp = m.second_event.and_then(|b| compare_events(nb, id, b).ok());
            html! {
                <div class="event-info" role="status">
                    <p><strong>{ format!("{id}") }</strong>{ format!(" at node {}: {} · vector {} · Lamport {}", e.node, e.what.describe(), e.clock, e.lamport) }</p>
                    <p class="hint">{ "In the cluster, a thick orange ring marks nodes that have heard of this event (they are in its causal future), a thick blue ring nodes that only hold its past, a thin green ring nodes whose every event is concurrent with it." }</p>
                    if let Some(c) = cmp {
                        <p class="relation"><strong>{ c.headline.clone() }</strong></p>
                        <p class="proof">{ c.proof.clone() }</p>
                        <p class="lamport-note">{ c.lamport.clone() }</p>
                    }
                </div>
            }
        }
    };
    let st = m.base.settings.vclock.clone();
    let rate = settings_change(m, d, |s, i| {
        if let Some(v) = super::number_of(i) {
            s.vclock.events_per_sec = v;
        }
    });
    let lamport = settings_change(m, d, |s, i| s.vclock.show_lamport = i.checked());
    let shiviz = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(shell) = Shell::get() else { return };
            let text = match &shell.model.borrow().world {
                World::Vclock(s) => shiviz_log(s.sim().shared()),
                _ => return,
            };
            if let Err(e) = download("nodescape-shiviz.log", "text/plain", &text) {
                d.emit(Action::Notify(format!(
                    "Could not save the ShiViz log: {e}"
                )));
            }
        })
    };
    html! {
        <section class="protocol-side" aria-label="Vector clocks">
            <h2>{ "Causality" }</h2>
            <p class="hint">{ "Click a node for a local event (or select it and press L); drag from one node to another to send a message (or M, then the other node's number). O moves to the options below." }</p>
            { info }
            <label class="slider">
                <span>{ "Events/s" }</span>
                <input id="opt-rate" type="range" min="0" max="40" step="1" value={st.events_per_sec.to_string()} onchange={rate} aria-label="Automatic events per simulated second per node" aria-keyshortcuts="O" />
                <output>{ format!("{}", st.events_per_sec) }</output>
            </label>
            <label class="check"><input type="checkbox" checked={st.show_lamport} onchange={lamport} />{ " Show Lamport clocks instead of vectors" }</label>
            <div class="actions">
                <button type="button" onclick={shiviz} title="A log that ShiViz opens (S, then L)">{ "Export ShiViz log" }</button>
            </div>
        </section>
    }
}

fn raft_pane(m: &Model) -> Html {
    let World::Raft(s) = &m.world else {
        return html! {};
    };
    let panel = log_panel(s.sim());
    let max_index = panel
        .nodes
        .iter()
        .flat_map(|n| n.entries.last().map(|e| e.index))
        .max()
        .unwrap_or(0);
    let shown: u64 = 14;
    let first = max_index.saturating_sub(shown - 1).max(1);
    // With two leaders of different terms (an old one cut off by a partition), the current
    // term's leader is the one whose view of the followers matters.
    let leader = panel
        .nodes
        .iter()
        .filter(|n| n.role == "leader")
        .max_by_key(|n| n.term);
    html! {
        <section class="pane raft-pane" aria-label="Raft logs" tabindex="0">
            <div class="pane-head"><h2>{ "Logs" }</h2>
                <span class="legend">{ "cell: term · command; solid = committed, dashed = not yet; ▌ commit index" }
                    if leader.is_some() { { "; leader's view of each follower: M = matchIndex, N = nextIndex" } }</span>
            </div>
            { presenter_safety_row(m, s.sim()) }
            <table class="logs">
                <thead><tr><th scope="col">{ "node" }</th>
                    { for (first..first + shown).map(|i| html!{ <th scope="col">{ i }</th> }) }
                </tr></thead>
                <tbody>
                { for panel.nodes.iter().map(|n| {
                    let prog = leader.and_then(|l| l.progress.iter().find(|p| p.follower == n.id));
                    html! {
                    <tr class={classes!(n.role)}>
                        <th scope="row">{ format!("N{} T{} {}", n.id, n.term, n.role) }</th>
                        { for (first..first + shown).map(|i| {
                            let e = n.entries.iter().find(|e| e.index == i);
                            let commit_edge = i == n.commit_index;
                            let mark = match prog {
                                Some(p) if p.match_index == i && p.next_index == i + 1 => "M",
                                Some(p) if p.match_index == i => "M",
                                Some(p) if p.next_index == i => "N",
                                _ => "",
                            };
                            match e {
                                Some(e) => html! {
                                    <td class={classes!("entry", e.committed.then_some("committed"), commit_edge.then_some("commit-edge"))}
                                        style={{
                                            let c = TERM_COLOURS[(e.term as usize) % TERM_COLOURS.len()];
                                            format!("--term:{c};--on-term:{}", text_on(c))
                                        }}
                                        title={format!("index {}, term {}, {}{}", e.index, e.term, e.command, if e.committed { ", committed" } else { ", not committed" })}>
                                        <span class="t">{ format!("T{}", e.term) }</span>
                                        <span class="c">{ e.command.clone() }</span>
                                        if !mark.is_empty() { <span class="mk">{ mark }</span> }
                                    </td>
                                },
                                None => html! { <td class={classes!("empty", commit_edge.then_some("commit-edge"))}>
                                    if !mark.is_empty() { <span class="mk">{ mark }</span> }
                                </td> },
                            }
                        }) }
                    </tr>
                }}) }
                </tbody>
            </table>
        </section>
    }
}

fn raft_side(m: &Model, d: &Callback<Action>) -> Html {
    let World::Raft(s) = &m.world else {
        return html! {};
    };
    let badges = checker_status(s.sim());
    let st = m.base.settings.raft.clone();
    let toggle = |f: fn(&mut Settings, bool)| settings_change(m, d, move |s, i| f(s, i.checked()));
    html! {
        <section class="protocol-side" aria-label="Raft safety">
            <h2>{ "Safety checker" }</h2>
            <ul class="badges">
                { for badges.iter().map(|b| html! {
                    <li class={classes!("badge", if b.ok { "ok" } else { "broken" })} title={b.explanation.clone()}>
                        <span class="mark" aria-hidden="true">{ if b.ok { "✓" } else { "✗" } }</span>
                        <span class="name">{ b.name }</span>
                        if !b.ok { <span class="why">{ b.explanation.clone() }</span> }
                        <span class="sr-only">{ if b.ok { ": holds" } else { ": BROKEN" } }</span>
                    </li>
                }) }
            </ul>
            <h2>{ "Options" }</h2>
            <p class="hint">{ "O moves here; Tab goes from option to option, Space switches one." }</p>
            <label class="check"><input id="opt-prevote" type="checkbox" aria-keyshortcuts="O" checked={st.prevote} onchange={toggle(|s, v| s.raft.prevote = v)} />{ " PreVote (§9.6)" }</label>
            <label class="check"><input type="checkbox" checked={st.check_quorum} onchange={toggle(|s, v| s.raft.check_quorum = v)} />{ " CheckQuorum" }</label>
            <label class="check"><input type="checkbox" checked={st.noop_on_election} onchange={toggle(|s, v| s.raft.noop_on_election = v)} />{ " New leader appends a no-op (§8)" }</label>
            <p class="hint">{ "Teaching switches that break Raft on purpose:" }</p>
            <label class="check danger"><input type="checkbox" checked={st.unsafe_vote_no_uptodate_check} onchange={toggle(|s, v| s.raft.unsafe_vote_no_uptodate_check = v)} />{ " Grant votes without the up-to-date check" }</label>
            <label class="check danger"><input type="checkbox" checked={st.unsafe_commit_old_terms} onchange={toggle(|s, v| s.raft.unsafe_commit_old_terms = v)} />{ " Commit old-term entries by counting replicas (Figure 8)" }</label>
        </section>
    }
}

/// Presenter mode folds the side panel away; the Raft safety checker stays on screen as large
/// badges at the top of the logs pane.
fn presenter_safety_row(m: &Model, sim: &crate::sim::Sim<crate::protocols::raft::Raft>) -> Html {
    if !m.presenter {
        return html! {};
    }
    let badges = checker_status(sim);
    html! {
        <ul class="safety-row" aria-label="Raft safety checker">
            { for badges.iter().map(|b| html! {
                <li class={classes!("badge", if b.ok { "ok" } else { "broken" })} title={b.explanation.clone()}>
                    <span class="mark" aria-hidden="true">{ if b.ok { "✓" } else { "✗" } }</span>
                    <span class="name">{ b.name }</span>
                    <span class="sr-only">{ if b.ok { ": holds" } else { ": BROKEN" } }</span>
                </li>
            }) }
        </ul>
    }
}

/// The side panel's section for the running protocol.
pub fn protocol_panel(m: &Model, d: &Callback<Action>) -> Html {
    match &m.world {
        World::Vclock(_) => vclock_side(m, d),
        World::Raft(_) => raft_side(m, d),
        World::Ring(_) => html! {},
    }
}

/// Spans the diagram zoom offers, for reference in tests.
pub const SPANS: [SimTime; 3] = [100 * MS, SEC, 10 * SEC];
