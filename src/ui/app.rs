//! The app component: header (protocol switcher, time controls), the cluster picture, the side
//! panels, the timeline, the keyboard, and the animation loop.

use super::cluster::cluster_view;
use super::keys::KeyInput;
use super::model::{Action, Model, DEFAULT_SPEED};
use super::panels::side_panel;
use super::shell::{now_ms, Shell};
use crate::sim::time::format_time;
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
            if e.ctrl_key() || e.meta_key() || e.alt_key() || e.is_composing() {
                return;
            }
            let key = e.key();
            if !is_shortcut_target(e.target(), &key) {
                return;
            }
            let input = KeyInput {
                key,
                code: e.code(),
                shift: e.shift_key(),
            };
            let outcome = {
                let m = s1.model.borrow();
                super::keys::handle(&m, &input)
            };
            if let Some(out) = outcome {
                e.prevent_default();
                for a in out.actions {
                    s1.dispatch(a);
                }
                if let Some(effect) = out.effect {
                    super::classroom::run_effect(&s1, effect);
                }
            }
        });
        let s2 = shell.clone();
        let vis = EventListener::new(&doc, "visibilitychange", move |_| {
            if gloo::utils::document().hidden() {
                s2.dispatch(Action::Pause);
            }
        });
        // A window resize reaches the canvases through the boxes it changes (the observer
        // reports after the browser's layout; the window's own event comes before it).
        let s3 = shell.clone();
        let boxes = EventListener::new(
            &gloo::utils::window(),
            super::canvas::BOXES_CHANGED,
            move |_| s3.draw(),
        );
        move || {
            drop(keys);
            drop(vis);
            drop(boxes);
        }
    });
}

/// Whether a key pressed in `target` is for the page's shortcuts: never while typing in a text
/// field, a list box or editable text; on sliders, check boxes and buttons, the keys they use
/// themselves (Space, Enter, arrows, Home, End, PageUp, PageDown) stay theirs.
fn is_shortcut_target(target: Option<web_sys::EventTarget>, key: &str) -> bool {
    let Some(el) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else {
        return true;
    };
    if el.is_content_editable() {
        return false;
    }
    let native = matches!(
        key,
        " " | "Enter"
            | "ArrowLeft"
            | "ArrowRight"
            | "ArrowUp"
            | "ArrowDown"
            | "Home"
            | "End"
            | "PageUp"
            | "PageDown"
    );
    match el.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => false,
        "INPUT" => {
            let kind = el
                .get_attribute("type")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let typing = matches!(
                kind.as_str(),
                "" | "text" | "search" | "number" | "email" | "url" | "password" | "tel"
            );
            !typing && !native
        }
        "BUTTON" | "A" | "SUMMARY" => !matches!(key, " " | "Enter"),
        _ if el.get_attribute("role").as_deref() == Some("button") => !matches!(key, " " | "Enter"),
        _ => true,
    }
}

fn header(m: &Model, d: &Callback<Action>) -> Html {
    let kind = m.world.kind();
    let tabs = ProtocolKind::ALL.iter().map(|&k| {
        let d = d.clone();
        let onclick = Callback::from(move |_: MouseEvent| d.emit(Action::SwitchProtocol(k)));
        html! {
            <button type="button" role="tab" aria-selected={(k == kind).to_string()} aria-keyshortcuts="V Shift+V"
                title={format!("{} (V: next protocol, Shift+V: previous)", k.title())}
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
    let speed = super::on_number::<InputEvent>(d, |v| {
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
                <button type="button" id="play" class="primary" onclick={play} aria-keyshortcuts="Space" title="Play or pause (Space)"
                    aria-pressed={m.playing.to_string()}>{ if m.playing { "Pause" } else { "Play" } }</button>
                <button type="button" id="back" onclick={back} aria-keyshortcuts=", ArrowLeft" title="Step back to the previous event (, or ←)">{ "◀" }</button>
                <button type="button" id="step" onclick={step} aria-keyshortcuts=". ArrowRight" title="Step to the next event (. or →)">{ "Step ▶" }</button>
                <button type="button" id="notable" onclick={notable} aria-keyshortcuts="N" title="Run to the next notable event: election, commit, membership change, violation (N)" aria-label="Run to the next notable event">{ "Next ★" }</button>
                <button type="button" id="ff" onclick={ff} aria-keyshortcuts="F" title="Fast-forward the chosen span (F)" aria-label="Fast-forward">
                    { match m.fast_forward {
                        Some((a, b)) => format!("{}%", ((m.world.now() - a) * 100 / (b - a).max(1))),
                        None => "»".to_string(),
                    } }
                </button>
                <select id="ff-span" aria-label="Fast-forward span" title="Fast-forward span (Shift+F changes it)" aria-keyshortcuts="Shift+F" onchange={ff_span}>
                    { for [1u64, 10, 60, 600].iter().map(|s| html! {
                        <option value={(s * 1_000_000).to_string()} selected={m.ff_span == s * 1_000_000}>{ if *s >= 60 { format!("{} min", s / 60) } else { format!("{s} s") } }</option>
                    }) }
                </select>
                <label class="speed" title="Playback speed ([ and ])">
                    <span class="sr-only">{ "Speed" }</span>
                    <input id="speed" aria-keyshortcuts="[ ]" type="range" min="-3" max="1" step="0.1" value={m.speed.log10().to_string()} oninput={speed}
                        aria-valuetext={speed_label(m.speed)} />
                    <output id="speed-label">{ speed_label(m.speed) }</output>
                </label>
                <output id="clock" class="clock" aria-label="Simulated time"></output>
            </div>
            <div class="run" role="group" aria-label="Classroom">
                <button type="button" id="lessons" onclick={lessons} aria-keyshortcuts="G" title="Guided lessons (G)">{ "Lessons" }</button>
                <button type="button" id="share" onclick={share} aria-keyshortcuts="S" title="Copy a link, show a QR code, export or import files, save the picture (S)">{ "Share" }</button>
                <button type="button" id="present" onclick={present} aria-pressed={m.presenter.to_string()} aria-keyshortcuts="P" title="Presenter mode (P)">{ "Present" }</button>
                <button type="button" id="help" onclick={help} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">{ "?" }</button>
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
                <label title="The run's seed (E edits it; Enter applies)">{ "Seed " }<input id="seed" type="text" inputmode="numeric" size="6" aria-keyshortcuts="E" value={m.base.seed.clone()} onchange={seed} /></label>
                <button type="button" onclick={new_seed} aria-keyshortcuts="Shift+E" title="A fresh random seed (Shift+E)">{ "New seed" }</button>
                <label title="Number of nodes (+ and −)">{ "Nodes " }
                    <select id="nodes" aria-keyshortcuts="+ -" onchange={nodes}>
                        { for (3..=9u32).map(|k| html!{ <option value={k.to_string()} selected={k == n}>{ k }</option> }) }
                    </select>
                </label>
                <button type="button" onclick={reset} aria-keyshortcuts="Shift+R" title="Start again: same seed, no interventions (Shift+R)">{ "Reset" }</button>
            </div>
        </section>
    }
}

fn timeline(m: &Model, d: &Callback<Action>) -> Html {
    let horizon = m.world.horizon().max(1);
    let now = m.world.now();
    let seek = super::on_number::<InputEvent>(d, |v| Action::Seek(v.max(0.0) as u64));
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
                    oninput={seek} aria-label="Scrub through time" aria-keyshortcuts="Home End PageUp PageDown" aria-valuetext={format_time(now)} />
            </div>
            <div class="timeline-info">
                <span>{ format!("{} of {}", format_time(now), format_time(horizon)) }</span>
                if past && m.lesson.is_none() {
                    <span class="past-note" role="status">{ "Viewing the past: acting now forks history and discards what followed." }</span>
                    <button type="button" onclick={live} aria-keyshortcuts="End" title="Back to the present (End)">{ "Back to the present" }</button>
                }
            </div>
        </footer>
    }
}

fn help_overlay(d: &Callback<Action>) -> Html {
    let close = super::click(d, Action::ToggleHelp);
    let groups = super::keys::GROUPS.iter().map(|(title, lines)| {
        html! {
            <section class="key-group" aria-label={*title}>
                <h3>{ *title }</h3>
                <dl class="keys">
                    { for lines.iter().map(|l| html! { <>
                        <dt data-press={l.press} data-ctx={l.ctx.id()}><kbd>{ l.keys }</kbd></dt>
                        <dd>{ l.what }</dd>
                    </> }) }
                </dl>
            </section>
        }
    });
    let count = super::keys::all().count();
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
            <div class="card keys-card">
                <h2>{ format!("Keyboard shortcuts ({count})") }</h2>
                <div class="key-groups">{ for groups }</div>
                <p class="hint">{ "Keys do nothing while you type in a field. Tab reaches every control; on a slider, ← and → change it." }</p>
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
            shell.after_render();
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
            if let Some(p) = m.pending {
                <div class="pending-key" role="status" id="pending-key">{ p.prompt() }</div>
            }
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
