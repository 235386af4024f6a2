//! The classroom: guided lessons (caption bar with Back and Next, "predict, then reveal"),
//! the lesson menu, the share dialog (link, QR code, files), and presenter mode.

use super::api::share_url;
use super::click;
use super::download::download;
use super::model::{Action, Model};
use super::shell::Shell;
use crate::lessons;
use crate::world::Scenario;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The caption bar of a lesson.
pub fn lesson_bar(m: &Model, d: &Callback<Action>) -> Html {
    let Some(ls) = &m.lesson else {
        return html! {};
    };
    let step = &ls.lesson.steps[ls.step];
    let n = ls.lesson.len();
    let question = step.question.as_ref().map(|q| {
        let choices = q.choices.iter().enumerate().map(|(k, c)| {
            let class = match ls.answered {
                Some(_) if k == q.answer => "choice right",
                Some(a) if a == k => "choice wrong",
                _ => "choice",
            };
            html! {
                <button type="button" class={class} disabled={ls.answered.is_some()} onclick={click(d, Action::LessonAnswer(k))}>
                    { c.clone() }
                    if ls.answered.is_some() && k == q.answer { { " ✓" } }
                    if ls.answered == Some(k) && k != q.answer { { " ✗" } }
                </button>
            }
        });
        html! {
            <div class="question">
                <p class="prompt"><strong>{ "Predict: " }</strong>{ q.prompt.clone() }</p>
                <div class="choices">{ for choices }</div>
                if let Some(a) = ls.answered {
                    <p class="reveal" role="status">
                        <strong>{ if a == q.answer { "Right. " } else { "Not quite. " } }</strong>
                        { q.reveal.clone() }
                    </p>
                } else {
                    <p class="hint">{ "Choose an answer to reveal what happens; Next also reveals it." }</p>
                }
            </div>
        }
    });
    html! {
        <section class="lesson-bar" aria-label="Lesson" aria-live="polite">
            <div class="lesson-head">
                <strong>{ ls.lesson.title.clone() }</strong>
                <span class="step-count">{ format!("step {} of {}", ls.step + 1, n) }</span>
                <span class="grow"></span>
                <button type="button" onclick={click(d, Action::LessonBack)} disabled={ls.step == 0} aria-keyshortcuts="PageUp">{ "◀ Back" }</button>
                <button type="button" class="primary" onclick={click(d, Action::LessonNext)} disabled={ls.step + 1 >= n} aria-keyshortcuts="PageDown">{ "Next ▶" }</button>
                <button type="button" onclick={click(d, Action::CloseLesson)} aria-label="Close the lesson">{ "×" }</button>
            </div>
            <p class="caption">{ step.caption.clone() }</p>
            { for question }
        </section>
    }
}

/// The lesson menu.
pub fn lesson_menu(m: &Model, d: &Callback<Action>) -> Html {
    if !m.lessons_open {
        return html! {};
    }
    let all = lessons::all();
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Lessons" onclick={click(d, Action::ToggleLessons)}>
            <div class="card lessons-card" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2>{ "Guided lessons" }</h2>
                <ul class="lesson-list">
                    { for all.iter().map(|l| html! {
                        <li>
                            <button type="button" class="linkish" onclick={click(d, Action::OpenLesson(l.id.to_string(), 0))}>
                                <strong>{ l.title.clone() }</strong>
                            </button>
                            <span class="tag">{ l.protocol.title() }</span>
                            <p>{ l.summary.clone() }</p>
                        </li>
                    }) }
                </ul>
                <p class="hint">{ "Each lesson has its own link: add ?lesson=<id> to the page's address (for example ?lesson=raft-first-election)." }</p>
                <button type="button" onclick={click(d, Action::ToggleLessons)}>{ "Close" }</button>
            </div>
        </div>
    }
}

/// A QR code of `text` as one SVG path (no markup from the text is ever rendered).
fn qr(text: &str) -> Html {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L)
    else {
        return html! { <p class="hint">{ "This link is too long for a QR code; share it as text." }</p> };
    };
    let w = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % w + 4, i / w + 4));
        }
    }
    let size = w + 8;
    html! {
        <svg class="qr" viewBox={format!("0 0 {size} {size}")} role="img" aria-label="QR code of the share link" shape-rendering="crispEdges">
            <rect width={size.to_string()} height={size.to_string()} fill="#fff" />
            <path d={d} fill="#000" />
        </svg>
    }
}

fn clipboard(text: String, d: Callback<Action>) {
    let nav = gloo::utils::window().navigator();
    let promise = nav.clipboard().write_text(&text);
    wasm_bindgen_futures_spawn(promise, d);
}

fn wasm_bindgen_futures_spawn(promise: js_sys::Promise, d: Callback<Action>) {
    let ok = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
    let err = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        d.emit(Action::Notify(
            "The browser did not allow copying; select the link and copy it by hand.".into(),
        ))
    });
    let _ = promise.then2(&ok, &err);
    ok.forget();
    err.forget();
}

/// Reads a chosen scenario file and loads it (the session is kept if it is refused).
fn import_file(input: web_sys::HtmlInputElement, d: Callback<Action>) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    if file.size() > crate::world::scenario::MAX_SCENARIO_BYTES as f64 {
        d.emit(Action::Notify(format!(
            "That file is too large ({} KB) to be a scenario; the current session is unchanged.",
            (file.size() / 1024.0) as u64
        )));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let r2 = reader.clone();
    let onload = Closure::once_into_js(move |_: JsValue| {
        let text = r2
            .result()
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        match Scenario::from_json(&text) {
            Ok(sc) => d.emit(Action::Load(Box::new(sc))),
            Err(e) => d.emit(Action::Notify(format!(
                "That file could not be opened: {e}. The current session is unchanged."
            ))),
        }
    });
    reader.set_onload(Some(onload.unchecked_ref()));
    let _ = reader.read_as_text(&file);
    input.set_value("");
}

/// The share dialog: link, copy, QR code, and files.
pub fn share_dialog(m: &Model, d: &Callback<Action>) -> Html {
    if !m.share_open {
        return html! {};
    }
    let url = share_url(m);
    let copy = {
        let url = url.clone();
        let d = d.clone();
        Callback::from(move |_: MouseEvent| clipboard(url.clone(), d.clone()))
    };
    let save = |name: &'static str, mime: &'static str, what: fn(&Model) -> String| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(shell) = Shell::get() else { return };
            let text = what(&shell.model.borrow());
            if let Err(e) = download(name, mime, &text) {
                d.emit(Action::Notify(format!("Could not save the file: {e}")));
            }
        })
    };
    let import = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                import_file(i, d.clone());
            }
        })
    };
    let len = url.len();
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Share" onclick={click(d, Action::ToggleShare)}>
            <div class="card share-card" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2>{ "Share this run" }</h2>
                <p class="hint">{ format!("The link holds the protocol, settings, seed, all {} interventions and this moment; opening it replays the run exactly. {} characters.", m.world.log().len(), len) }</p>
                <div class="share-row">
                    <input id="share-url" type="text" readonly=true value={url.clone()} aria-label="Share link" />
                    <button type="button" class="primary" onclick={copy}>{ "Copy link" }</button>
                </div>
                { qr(&url) }
                <h3>{ "Files" }</h3>
                <div class="actions">
                    <button type="button" onclick={save("nodescape-scenario.json", "application/json", |m| m.scenario().to_json())}>{ "Export scenario" }</button>
                    <label class="button file">{ "Import scenario…" }<input type="file" accept=".json,application/json" onchange={import} /></label>
                    <button type="button" onclick={save("nodescape-trace.jsonl", "application/x-ndjson", |m| m.world.trace_jsonl())}>{ "Export trace (JSON Lines)" }</button>
                    <button type="button" onclick={save("nodescape-cluster.svg", "image/svg+xml", super::export::cluster_svg)}>{ "Save picture (SVG)" }</button>
                </div>
                <button type="button" onclick={click(d, Action::ToggleShare)}>{ "Close" }</button>
            </div>
        </div>
    }
}

/// Enters or leaves full screen with presenter mode.
pub fn set_fullscreen(on: bool) {
    let doc = gloo::utils::document();
    if on {
        if let Some(el) = doc.document_element() {
            let _ = el.request_fullscreen();
        }
    } else if doc.fullscreen_element().is_some() {
        doc.exit_fullscreen();
    }
}
