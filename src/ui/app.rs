//! The app component: header (protocol switcher, time controls), the cluster picture, the side
//! panels, the timeline, the keyboard, and the animation loop.

use super::cluster::cluster_view;
use super::model::{Action, Model, Selection, DEFAULT_SPEED};
use super::panels::{leader, side_panel};
use super::shell::{now_ms, Shell};
use crate::sim::time::format_time;
use crate::sim::{Intervention, NodeId};
use crate::world::{ProtocolKind, Scenario};
use gloo::events::EventListener;
use gloo::render::{request_animation_frame, AnimationFrame};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Speed as people read it: `1/100×`, `2×`.
pub fn speed_label(s: f64) -> String {
    if s >= 1.0 {
        format!("{}×", (s * 10.0).round() / 10.0)
    } else {
        format!("1/{}×", (1.0 / s).round())
    }
}

/// The keys and what they do, for the `?` overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("Space", "play or pause"),
    (". or →", "step to the next event"),
    (", or ←", "step back to the previous event"),
    (
        "N",
        "run to the next notable event (election, commit, membership, violation)",
    ),
    ("[ and ]", "slower, faster"),
    ("F", "fast-forward the chosen span (10 s unless changed)"),
    ("1 to 9", "select that node"),
    ("X", "crash the selected node"),
    ("R", "restart the selected node"),
    ("T", "Raft: time out the selected node now"),
    (
        "C",
        "Raft: client request to the leader (or the selected node)",
    ),
    ("L", "vector clocks: local event at the selected node"),
    ("I", "isolate the leader or the selected node"),
    (
        "Shift-click",
        "mark nodes; I then isolates the marked nodes",
    ),
    (
        "P",
        "presenter mode: full screen, large text, high contrast",
    ),
    ("PageDown / PageUp", "lesson: next / back (otherwise step)"),
    ("B", "blank the screen (a clicker's black-screen key)"),
    ("H", "heal all partitions and links"),
    ("Delete", "drop the selected message"),
    ("Home / End", "go to the start / back to the present"),
    ("Escape", "clear the selection"),
    ("?", "show or hide this list"),
];

fn key_action(m: &Model, key: &str) -> Option<Action> {
    let sel_node = match m.selected {
        Selection::Node(n) => Some(n),
        _ => None,
    };
    let c = m.world.cluster();
    Some(match key {
        " " => Action::TogglePlay,
        "." | "ArrowRight" => Action::Step,
        "," | "ArrowLeft" => Action::StepBack,
        "n" | "N" => Action::NextNotable,
        "[" => Action::Slower,
        "]" => Action::Faster,
        "f" | "F" => Action::FastForward(m.ff_span),
        "?" => Action::ToggleHelp,
        "Escape" if m.help => Action::ToggleHelp,
        "Escape" if m.share_open => Action::ToggleShare,
        "Escape" if m.lessons_open => Action::ToggleLessons,
        "Escape" if m.blank => Action::ToggleBlank,
        "Escape" => Action::Select(Selection::None),
        "Home" => Action::Seek(0),
        "End" => Action::GoLive,
        "h" | "H" => Action::Intervene(Intervention::Heal { links: true }),
        "x" | "X" => Action::Intervene(Intervention::Crash { node: sel_node? }),
        "r" | "R" => Action::Intervene(Intervention::Restart { node: sel_node? }),
        "t" | "T" => Action::Intervene(Intervention::TimeoutNow { node: sel_node? }),
        "l" | "L" => Action::Intervene(Intervention::LocalEvent { node: sel_node? }),
        "c" | "C" => Action::Intervene(Intervention::ClientRequest {
            node: leader(&c).or(sel_node)?,
        }),
        "i" | "I" if !m.marked.is_empty() => Action::Intervene(Intervention::Partition {
            groups: vec![m.marked.iter().copied().collect()],
        }),
        "i" | "I" => Action::Intervene(Intervention::Partition {
            groups: vec![vec![leader(&c).or(sel_node)?]],
        }),
        "p" | "P" => Action::TogglePresenter,
        "b" | "B" => Action::ToggleBlank,
        "PageDown" if m.lesson.is_some() => Action::LessonNext,
        "PageUp" if m.lesson.is_some() => Action::LessonBack,
        "PageDown" => Action::Step,
        "PageUp" => Action::Seek(m.world.now().saturating_sub(1_000_000)),
        "Delete" | "Backspace" => match m.selected {
            Selection::Message(id) => Action::Intervene(Intervention::Drop {
                msg: crate::sim::MsgId(id),
            }),
            _ => return None,
        },
        k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() && k != "0" => {
            let id = NodeId(k.parse().ok()?);
            if id.0 > m.world.n() {
                return None;
            }
            Action::Select(Selection::Node(id))
        }
        _ => return None,
    })
}

/// Runs the animation loop while mounted: each frame dispatches the real time elapsed.
#[hook]
fn use_animation_loop(shell: Rc<Shell>) {
    use_effect_with((), move |_| {
        let handle: Rc<RefCell<Option<AnimationFrame>>> = Rc::new(RefCell::new(None));
        let last = Rc::new(RefCell::new(None::<f64>));
        fn schedule(
            shell: Rc<Shell>,
            handle: Rc<RefCell<Option<AnimationFrame>>>,
            last: Rc<RefCell<Option<f64>>>,
        ) {
            let h2 = handle.clone();
            let frame = request_animation_frame(move |ts| {
                let prev = last.borrow_mut().replace(ts);
                if let Some(prev) = prev {
                    shell.dispatch(Action::Frame(ts - prev));
                }
                schedule(shell, h2, last);
            });
            *handle.borrow_mut() = Some(frame);
        }
        schedule(shell, handle.clone(), last);
        move || {
            handle.borrow_mut().take();
        }
    });
}

/// Keyboard shortcuts and pausing when the tab is hidden.
#[hook]
fn use_page_listeners(shell: Rc<Shell>) {
    use_effect_with((), move |_| {
        let doc = gloo::utils::document();
        let s1 = shell.clone();
        let active = gloo::events::EventListenerOptions::enable_prevent_default();
        let keys = EventListener::new_with_options(&doc, "keydown", active, move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            // Typing in a field is not a shortcut.
            if let Some(t) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let tag = t.tag_name();
                if tag == "INPUT" || tag == "SELECT" || tag == "TEXTAREA" {
                    return;
                }
            }
            let action = {
                let m = s1.model.borrow();
                key_action(&m, &e.key())
            };
            if let Some(a) = action {
                e.prevent_default();
                if a == Action::TogglePresenter {
                    let on = !s1.model.borrow().presenter;
                    super::classroom::set_fullscreen(on);
                }
                s1.dispatch(a);
            }
        });
        let s2 = shell.clone();
        let vis = EventListener::new(&doc, "visibilitychange", move |_| {
            if gloo::utils::document().hidden() {
                s2.dispatch(Action::Pause);
            }
        });
        let s3 = shell.clone();
        let resize = EventListener::new(&gloo::utils::window(), "resize", move |_| s3.draw());
        move || {
            drop(keys);
            drop(vis);
            drop(resize);
        }
    });
}

fn header(m: &Model, d: &Callback<Action>) -> Html {
    let kind = m.world.kind();
    let tabs = ProtocolKind::ALL.iter().map(|&k| {
        let d = d.clone();
        let onclick = Callback::from(move |_: MouseEvent| d.emit(Action::SwitchProtocol(k)));
        html! {
            <button type="button" role="tab" aria-selected={(k == kind).to_string()}
                class={classes!("tab", (k == kind).then_some("active"))} {onclick} data-protocol={k.id()}>
                { k.title() }
            </button>
        }
    });
    let play = super::click(d, Action::TogglePlay);
    let step = super::click(d, Action::Step);
    let back = super::click(d, Action::StepBack);
    let notable = super::click(d, Action::NextNotable);
    let ff_span = super::on_value::<u64, Event>(d, Action::SetFastForwardSpan);
    let ff = {
        let d = d.clone();
        let span = m.ff_span;
        Callback::from(move |_: MouseEvent| d.emit(Action::FastForward(span)))
    };
    let speed = super::on_value::<f64, InputEvent>(d, |v| {
        Action::SetSpeed(super::geometry::math::pow(10.0, v))
    });
    let help = super::click(d, Action::ToggleHelp);
    let lessons = super::click(d, Action::ToggleLessons);
    let share = super::click(d, Action::ToggleShare);
    let present = {
        let d = d.clone();
        let on = !m.presenter;
        Callback::from(move |_: MouseEvent| {
            super::classroom::set_fullscreen(on);
            d.emit(Action::TogglePresenter)
        })
    };
    html! {
        <header class="top">
            <h1 class="brand">{ "Nodescape" }</h1>
            <nav class="tabs" role="tablist" aria-label="Protocol">{ for tabs }</nav>
            <div class="time" role="group" aria-label="Time">
                <button type="button" id="play" class="primary" onclick={play} aria-keyshortcuts="Space"
                    aria-pressed={m.playing.to_string()}>{ if m.playing { "Pause" } else { "Play" } }</button>
                <button type="button" id="back" onclick={back} aria-keyshortcuts="," title="Step back to the previous event (, or ←)">{ "◀" }</button>
                <button type="button" id="step" onclick={step} aria-keyshortcuts="." title="Step to the next event (. or →)">{ "Step ▶" }</button>
                <button type="button" id="notable" onclick={notable} aria-keyshortcuts="N" title="Run to the next notable event: election, commit, membership change, violation (N)" aria-label="Run to the next notable event">{ "Next ★" }</button>
                <button type="button" id="ff" onclick={ff} title="Fast-forward the chosen span (F)" aria-label="Fast-forward">
                    { match m.fast_forward {
                        Some((a, b)) => format!("{}%", ((m.world.now() - a) * 100 / (b - a).max(1))),
                        None => "»".to_string(),
                    } }
                </button>
                <select id="ff-span" aria-label="Fast-forward span" onchange={ff_span}>
                    { for [1u64, 10, 60, 600].iter().map(|s| html! {
                        <option value={(s * 1_000_000).to_string()} selected={m.ff_span == s * 1_000_000}>{ if *s >= 60 { format!("{} min", s / 60) } else { format!("{s} s") } }</option>
                    }) }
                </select>
                <label class="speed" title="Playback speed ([ and ])">
                    <span class="sr-only">{ "Speed" }</span>
                    <input id="speed" type="range" min="-3" max="1" step="0.1" value={m.speed.log10().to_string()} oninput={speed}
                        aria-valuetext={speed_label(m.speed)} />
                    <output id="speed-label">{ speed_label(m.speed) }</output>
                </label>
                <output id="clock" class="clock" aria-label="Simulated time"></output>
            </div>
            <div class="run" role="group" aria-label="Classroom">
                <button type="button" onclick={lessons} title="Guided lessons">{ "Lessons" }</button>
                <button type="button" id="share" onclick={share} title="Copy a link, show a QR code, export or import files">{ "Share" }</button>
                <button type="button" id="present" onclick={present} aria-pressed={m.presenter.to_string()} aria-keyshortcuts="P" title="Presenter mode (P)">{ "Present" }</button>
                <button type="button" onclick={help} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">{ "?" }</button>
            </div>
        </header>
    }
}

/// The run's settings: seed, cluster size, reset.
pub fn run_section(m: &Model, d: &Callback<Action>) -> Html {
    let seed = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                d.emit(Action::SetSeed(i.value()));
            }
        })
    };
    let new_seed = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            d.emit(Action::NewSeed((js_sys::Math::random() * 1e15) as u64))
        })
    };
    let reset = super::click(d, Action::Reset);
    let nodes = super::on_value::<u32, Event>(d, Action::SetNodes);
    let n = m.world.n();
    html! {
        <section class="run-section" aria-label="Run">
            <h2>{ "Run" }</h2>
            <div class="actions">
                <label>{ "Seed " }<input id="seed" type="text" inputmode="numeric" size="6" value={m.base.seed.clone()} onchange={seed} /></label>
                <button type="button" onclick={new_seed} title="A fresh random seed">{ "New seed" }</button>
                <label>{ "Nodes " }
                    <select id="nodes" onchange={nodes}>
                        { for (3..=9u32).map(|k| html!{ <option value={k.to_string()} selected={k == n}>{ k }</option> }) }
                    </select>
                </label>
                <button type="button" onclick={reset} title="Start again: same seed, no interventions">{ "Reset" }</button>
            </div>
        </section>
    }
}

fn timeline(m: &Model, d: &Callback<Action>) -> Html {
    let horizon = m.world.horizon().max(1);
    let now = m.world.now();
    let seek = super::on_value::<f64, InputEvent>(d, |v| Action::Seek(v.max(0.0) as u64));
    let live = super::click(d, Action::GoLive);
    let markers = m.world.log().iter().map(|r| {
        let x = r.at as f64 / horizon as f64 * 100.0;
        html! { <span class="marker iv" style={format!("left:{x:.2}%")} title={format!("{} {}", format_time(r.at), r.action.describe())}></span> }
    });
    let notes = m.world.notes();
    let note_marks = notes.iter().rev().take(200).map(|(t, tag, text)| {
        let x = *t as f64 / horizon as f64 * 100.0;
        html! { <span class={classes!("marker", "note", *tag)} style={format!("left:{x:.2}%")} title={format!("{} {}", format_time(*t), text)}></span> }
    });
    let past = m.world.in_past();
    html! {
        <footer class="timeline" aria-label="Timeline">
            <div class="track">
                { for markers }
                { for note_marks }
                <input id="scrub" type="range" min="0" max={horizon.to_string()} step="1000" value={now.to_string()}
                    oninput={seek} aria-label="Scrub through time" aria-valuetext={format_time(now)} />
            </div>
            <div class="timeline-info">
                <span>{ format!("{} of {}", format_time(now), format_time(horizon)) }</span>
                if past && m.lesson.is_none() {
                    <span class="past-note" role="status">{ "Viewing the past: acting now forks history and discards what followed." }</span>
                    <button type="button" onclick={live}>{ "Back to the present" }</button>
                }
            </div>
        </footer>
    }
}

fn help_overlay(d: &Callback<Action>) -> Html {
    let close = super::click(d, Action::ToggleHelp);
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
            <div class="card">
                <h2>{ "Keyboard shortcuts" }</h2>
                <dl class="keys">
                    { for KEYS.iter().map(|(k, v)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *v }</dd></> }) }
                </dl>
                <button type="button" onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}

fn banner(m: &Model, d: &Callback<Action>) -> Html {
    let Some(b) = &m.banner else {
        return html! {};
    };
    let dismiss = super::click(d, Action::Dismiss);
    html! {
        <div id="banner" class={classes!("banner", b.error.then_some("error"))} role={if b.error { "alert" } else { "status" }}>
            <span>{ b.text.clone() }</span>
            <button type="button" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    }
}

fn violations(m: &Model) -> Html {
    let v = m.world.violations();
    if v.is_empty() {
        return html! {};
    }
    html! {
        <div class="violations" role="alert">
            { for v.iter().take(5).map(|v| html! {
                <p><strong>{ format!("{} broken at {}: ", v.property, format_time(v.t)) }</strong>{ v.text.clone() }</p>
            }) }
        </div>
    }
}

/// Properties of the app.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The scenario to open.
    pub scenario: Scenario,
}

/// The Nodescape app.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let shell = use_memo((), {
        let sc = props.scenario.clone();
        move |_| Shell::install(sc)
    });
    let shell: Rc<Shell> = (*shell).clone();
    let force = use_force_update();
    shell.set_rerender(Callback::from(move |_| force.force_update()));
    use_animation_loop(shell.clone());
    use_page_listeners(shell.clone());
    {
        let shell = shell.clone();
        use_effect(move || {
            shell.draw();
        });
    }
    let d = shell.callback();
    let m = shell.model.borrow();
    let protocol_panel = super::protocol_panels::protocol_panel(&m, &d);
    let _ = DEFAULT_SPEED;
    let _ = now_ms;
    html! {
        <main id="app" class={classes!("app", m.world.kind().id(), m.presenter.then_some("presenter"))}>
            { header(&m, &d) }
            { banner(&m, &d) }
            { violations(&m) }
            <div class="stage">
                <div class="picture">
                    { cluster_view(&m, &shell) }
                    { super::protocol_panels::protocol_pane(&m, &shell, &d) }
                </div>
                { side_panel(&m, &d, protocol_panel) }
            </div>
            <div class="sr-only" role="status" aria-live="polite" id="announce">
                { m.world.notes().last().map(|(t, _, text)| format!("At {}: {text}", format_time(*t))).unwrap_or_default() }
            </div>
            { super::classroom::lesson_bar(&m, &d) }
            { timeline(&m, &d) }
            if m.help { { help_overlay(&d) } }
            { super::classroom::lesson_menu(&m, &d) }
            { super::classroom::share_dialog(&m, &d) }
            if m.blank { <div class="blank" aria-label="Screen blanked; press B to show it again"></div> }
        </main>
    }
}
