//! The classroom: guided lessons (caption bar with Back and Next, "predict, then reveal"),
//! the lesson menu, the share dialog (link, QR code, files), and presenter mode.

use super::api::{settle, share_url};
use super::click;
use super::download::download;
use super::keys::Effect;
use super::model::{Action, Model};
use super::shell::Shell;
use crate::lessons;
use crate::protocols::vclock::shiviz_log;
use crate::world::World;
use std::rc::Rc;
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
                <button type="button" class={class} disabled={ls.answered.is_some()} onclick={click(d, Action::LessonAnswer(k))}
                    aria-keyshortcuts={(k < 9).then(|| (k + 1).to_string())} title={(k < 9).then(|| format!("Answer ({})", k + 1))}>
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
                    <p class="hint">{ "Choose an answer (or press its number) to reveal what happens; Next also reveals it." }</p>
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
                <button type="button" onclick={click(d, Action::CloseLesson)} aria-label="Close the lesson" title="Close the lesson (Escape, once nothing is selected)">{ "×" }</button>
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
                    { for all.iter().enumerate().map(|(i, l)| html! {
                        <li>
                            if i < 10 { <kbd class="lesson-key">{ (i + 1) % 10 }</kbd> }
                            <button type="button" class="linkish" onclick={click(d, Action::OpenLesson(l.id.to_string(), 0))}
                                aria-keyshortcuts={(i < 10).then(|| ((i + 1) % 10).to_string())}>
                                <strong>{ l.title.clone() }</strong>
                            </button>
                            <span class="tag">{ l.protocol.title() }</span>
                            <p>{ l.summary.clone() }</p>
                        </li>
                    }) }
                </ul>
                <p class="hint">{ "Each lesson has its own link: add ?lesson=<id> to the page's address (for example ?lesson=raft-first-election)." }</p>
                <button type="button" onclick={click(d, Action::ToggleLessons)} aria-keyshortcuts="G Escape" title="Close (G or Escape)">{ "Close" }</button>
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

/// What the page says when the browser cannot make a share link (`CompressionStream` is in
/// Chrome 80, Firefox 113 and Safari 16.4).
const NO_LINK: &str =
    "This browser could not make the share link; export the scenario as a file instead.";

/// Has the browser make the share link of the run whose link JSON is `json`, then passes it
/// to `then`; says so in the page if the browser cannot.
fn with_share_link(json: String, d: Callback<Action>, then: impl FnOnce(String) + 'static) {
    share_url(
        &json,
        Box::new(move |made| match made {
            Ok(url) => then(url),
            Err(_) => d.emit(Action::Notify(NO_LINK.into())),
        }),
    );
}

/// Has the browser make the share link of the run whose link JSON is `json`, and hands it to
/// the model when it is ready. The dialog asks on every render: a link already asked for is not
/// asked again.
fn make_share_link(json: String, d: Callback<Action>) {
    thread_local! {
        static ASKED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    if ASKED.with_borrow(|asked| *asked == json) {
        return;
    }
    ASKED.with_borrow_mut(|asked| asked.clone_from(&json));
    let (made, ready) = (json.clone(), d.clone());
    with_share_link(json, d, move |url| ready.emit(Action::ShareLink(made, url)));
}

/// Copies the share link of the run as it is now.
fn copy_link(shell: &Shell, d: Callback<Action>) {
    let json = shell.model.borrow().scenario().to_link_json();
    let copied = d.clone();
    with_share_link(json, d, move |url| clipboard(url, copied));
}

fn clipboard(text: String, d: Callback<Action>) {
    let nav = gloo::utils::window().navigator();
    let promise = nav.clipboard().write_text(&text);
    settle(
        &promise,
        Box::new(move |v| {
            d.emit(if v.is_undefined() {
                Action::Hint("Link copied: paste it anywhere to open this exact run.".into())
            } else {
                Action::Notify(
                    "The browser did not allow copying; select the link and copy it by hand."
                        .into(),
                )
            })
        }),
    );
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
        match super::json::scenario(&text) {
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

/// A file the share dialog (or its key) saves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// The scenario, as JSON.
    Scenario,
    /// The trace, as JSON Lines.
    Trace,
    /// The picture, as SVG.
    Svg,
    /// The picture, as PNG.
    Png,
    /// The vector clocks' ShiViz log.
    Shiviz,
}

/// Saves one of the files; problems are shown in words.
pub fn save_file(shell: &Rc<Shell>, kind: FileKind) {
    let d = shell.callback();
    let text = {
        let m = shell.model.borrow();
        match kind {
            FileKind::Scenario => Some((
                "nodescape-scenario.json",
                "application/json",
                m.scenario().to_json(),
            )),
            FileKind::Trace => Some((
                "nodescape-trace.jsonl",
                "application/x-ndjson",
                m.world.trace_jsonl(),
            )),
            FileKind::Svg => Some((
                "nodescape-cluster.svg",
                "image/svg+xml",
                super::export::cluster_svg(&m),
            )),
            FileKind::Shiviz => match &m.world {
                World::Vclock(s) => Some((
                    "nodescape-shiviz.log",
                    "text/plain",
                    shiviz_log(s.sim().shared()),
                )),
                _ => {
                    drop(m);
                    d.emit(Action::Notify(
                        "The ShiViz log is for the vector-clock view.".into(),
                    ));
                    return;
                }
            },
            FileKind::Png => None,
        }
    };
    match text {
        Some((name, mime, text)) => {
            if let Err(e) = download(name, mime, &text) {
                d.emit(Action::Notify(format!("Could not save the file: {e}")));
            }
        }
        None => super::png::save_png(shell.clone(), move |r| match r {
            Ok(()) => d.emit(Action::Hint(format!(
                "Saved {} ({}× the picture's size).",
                super::png::FILE,
                super::png::SCALE
            ))),
            Err(e) => d.emit(Action::Notify(format!("Could not save the PNG: {e}"))),
        }),
    }
}

/// Performs a key's page effect.
pub fn run_effect(shell: &Rc<Shell>, effect: Effect) {
    let d = shell.callback();
    match effect {
        Effect::CopyLink => copy_link(shell, d),
        Effect::ExportScenario => save_file(shell, FileKind::Scenario),
        Effect::ExportTrace => save_file(shell, FileKind::Trace),
        Effect::SaveSvg => save_file(shell, FileKind::Svg),
        Effect::SavePng => save_file(shell, FileKind::Png),
        Effect::ExportShiviz => save_file(shell, FileKind::Shiviz),
        Effect::ImportScenario => {
            if let Some(i) = gloo::utils::document()
                .get_element_by_id("import-file")
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                i.click();
            }
        }
        Effect::NewSeed => d.emit(Action::NewSeed((js_sys::Math::random() * 1e15) as u64)),
        Effect::Fullscreen(on) => set_fullscreen(on),
        Effect::Focus(id) => {
            let el = gloo::utils::document()
                .get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            match el.filter(|e| e.offset_parent().is_some()) {
                Some(e) => {
                    let _ = e.focus();
                }
                None if shell.model.borrow().presenter => d.emit(Action::Hint(
                    "Presenter mode hides the side panel: P leaves it.".into(),
                )),
                None => d.emit(Action::Hint(
                    "That control is not on the page in this view.".into(),
                )),
            }
        }
    }
}

/// The share dialog: link, copy, QR code, and files.
pub fn share_dialog(m: &Model, d: &Callback<Action>) -> Html {
    if !m.share_open {
        return html! {};
    }
    // The link is made by the browser, asynchronously: the dialog shows the last one made
    // (while the run plays, a link of a moment ago) and asks for the link of this moment.
    let json = m.scenario().to_link_json();
    if m.share_link.as_ref().is_none_or(|(made, _)| *made != json) {
        make_share_link(json, d.clone());
    }
    let url = m.share_link.as_ref().map(|(_, url)| url.clone());
    let copy = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(shell) = Shell::get() {
                copy_link(&shell, d.clone());
            }
        })
    };
    let save = |kind: FileKind| {
        Callback::from(move |_: MouseEvent| {
            if let Some(shell) = Shell::get() {
                save_file(&shell, kind);
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
    let making = || html! { <p class="hint qr-making">{ "Making the link…" }</p> };
    let len = url.as_ref().map(|u| format!(" {} characters.", u.len()));
    let code = url.as_deref().map(qr).unwrap_or_else(making);
    if m.qr_big {
        return html! {
            <div class="overlay qr-big" role="dialog" aria-modal="true" aria-label="QR code of the share link" onclick={click(d, Action::ToggleQr)}>
                <div class="card qr-card">
                    { code }
                    <p class="hint">{ "Scan to open this run. Q or Escape goes back." }</p>
                </div>
            </div>
        };
    }
    let vclock = matches!(m.world, World::Vclock(_));
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Share" onclick={click(d, Action::ToggleShare)}>
            <div class="card share-card" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2>{ "Share this run" }</h2>
                <p class="hint">{ format!("The link holds the protocol, settings, seed, all {} interventions and this moment; opening it replays the run exactly.{}", m.world.log().len(), len.unwrap_or_default()) }</p>
                <div class="share-row">
                    <input id="share-url" type="text" readonly=true value={url.unwrap_or_default()} placeholder="Making the link…" aria-label="Share link" />
                    <button type="button" class="primary" onclick={copy} aria-keyshortcuts="C" title="Copy the link (C)">{ "Copy link" }</button>
                </div>
                <div class="qr-row">
                    { code }
                    <button type="button" onclick={click(d, Action::ToggleQr)} aria-keyshortcuts="Q" title="Show the QR code large, for a room to scan (Q)">{ "Show QR large" }</button>
                </div>
                <h3>{ "Files" }</h3>
                <div class="actions">
                    <button type="button" onclick={save(FileKind::Scenario)} aria-keyshortcuts="E" title="Export the scenario (E)">{ "Export scenario" }</button>
                    <label class="button file" title="Open a scenario file (O)">{ "Import scenario…" }<input id="import-file" type="file" accept=".json,application/json" aria-keyshortcuts="O" onchange={import} /></label>
                    <button type="button" onclick={save(FileKind::Trace)} aria-keyshortcuts="T" title="Export the trace (T)">{ "Export trace (JSON Lines)" }</button>
                    if vclock {
                        <button type="button" onclick={save(FileKind::Shiviz)} aria-keyshortcuts="L" title="A log that ShiViz opens (L)">{ "Export ShiViz log" }</button>
                    }
                </div>
                <h3>{ "Picture" }</h3>
                <div class="actions">
                    <button type="button" id="save-svg" onclick={save(FileKind::Svg)} aria-keyshortcuts="V" title="The cluster as an SVG file (V)">{ "Save picture (SVG)" }</button>
                    <button type="button" id="save-png" onclick={save(FileKind::Png)} aria-keyshortcuts="P"
                        title={format!("The cluster with its messages in flight{}, at {}× for a projector (P)", if vclock { " and the space-time diagram" } else { "" }, super::png::SCALE)}>{ "Save picture (PNG)" }</button>
                </div>
                <button type="button" onclick={click(d, Action::ToggleShare)} aria-keyshortcuts="S Escape" title="Close (S or Escape)">{ "Close" }</button>
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
