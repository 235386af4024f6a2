//! The Yew app: the one place that touches the DOM. It reads view models from
//! [`crate::world`] and changes the world only by dispatching [`model::Action`]s.

pub mod api;
pub mod app;
pub mod canvas;
pub mod classroom;
pub mod cluster;
pub mod diagram;
pub mod diagram_svg;
pub mod download;
pub mod export;
pub mod geometry;
pub mod json;
pub mod keys;
pub mod model;
pub mod panels;
pub mod png;
pub mod protocol_panels;
pub mod ring_canvas;
pub mod ring_panel;
pub mod shell;

use crate::world::{share, Scenario};

/// Shows a panel in words when the app panics, instead of a blank or frozen page.
fn install_panic_panel() {
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("Nodescape panicked: {info}").into());
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if doc.get_element_by_id("panic-panel").is_some() {
            return;
        }
        let Some(body) = doc.body() else { return };
        let Ok(panel) = doc.create_element("div") else {
            return;
        };
        panel.set_id("panic-panel");
        let _ = panel.set_attribute("role", "alert");
        let href = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        // Text only (no markup from the panic message): build the nodes one by one.
        let title = doc.create_element("h2").ok();
        let text = doc.create_element("p").ok();
        let detail = doc.create_element("pre").ok();
        let reload = doc.create_element("a").ok();
        if let Some(t) = &title {
            t.set_text_content(Some("Something went wrong"));
            let _ = panel.append_child(t);
        }
        if let Some(p) = &text {
            p.set_text_content(Some(
                "Nodescape hit an internal error and stopped. Reloading the page starts it again; your share link (if any) is kept in the address.",
            ));
            let _ = panel.append_child(p);
        }
        if let Some(d) = &detail {
            // The message only: release builds leave out panics' source locations
            // (-Zlocation-detail=none, scripts/setup.sh), and the console has the rest.
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            d.set_text_content(Some(message.unwrap_or("(no message)")));
            let _ = panel.append_child(d);
        }
        if let Some(a) = &reload {
            a.set_text_content(Some("Reload"));
            let _ = a.set_attribute("href", &href);
            let _ = a.set_attribute("role", "button");
            let _ = a.set_attribute("class", "button");
            let _ = panel.append_child(a);
        }
        let _ = body.append_child(&panel);
    }));
}

/// Reads the scenario from the page's address (`?s=`), or the default, and passes it on with
/// what went wrong if the link was bad (the model's banner says so and the default session
/// opens). A link's data is inflated by the browser, so a link's scenario comes back later.
fn initial_scenario(then: fn(Scenario, Option<String>)) {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let bad = move |e: crate::world::ScenarioError| {
        then(
            Scenario::default(),
            Some(format!(
                "This link could not be opened: {e}. A new session was started instead."
            )),
        )
    };
    let Some(data) = share::param(&search) else {
        return then(Scenario::default(), None);
    };
    match share::unpack(data) {
        Ok(packed) => api::inflate_raw(
            &packed,
            crate::world::scenario::MAX_SCENARIO_BYTES,
            Box::new(move |inflated| {
                let read = inflated
                    .map_err(|why| crate::world::ScenarioError(why.into()))
                    .and_then(share::inflated_text)
                    .and_then(|text| json::scenario(&text));
                match read {
                    Ok(sc) => then(sc, None),
                    Err(e) => bad(e),
                }
            }),
        ),
        Err(e) => bad(e),
    }
}

/// The element matching `selector` that contains an event's target. (With Yew's event
/// delegation, `current_target` is the app's root, not the element the listener is on.)
pub fn event_element(e: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
    use wasm_bindgen::JsCast;
    e.target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

/// A click handler that dispatches `action`.
pub fn click(
    d: &yew::Callback<model::Action>,
    action: model::Action,
) -> yew::Callback<yew::MouseEvent> {
    let d = d.clone();
    yew::Callback::from(move |e: yew::MouseEvent| {
        e.stop_propagation();
        d.emit(action.clone());
    })
}

/// The value of the input or select element an event came from.
pub fn target_value(e: &web_sys::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    let t = e.target()?;
    if let Some(i) = t.dyn_ref::<web_sys::HtmlInputElement>() {
        return Some(i.value());
    }
    t.dyn_ref::<web_sys::HtmlSelectElement>().map(|s| s.value())
}

/// A change handler that parses the element's value and dispatches `make(value)`; values
/// that do not parse are ignored (the controls only offer valid ones).
pub fn on_value<T: std::str::FromStr, E: AsRef<web_sys::Event> + 'static>(
    d: &yew::Callback<model::Action>,
    make: impl Fn(T) -> model::Action + 'static,
) -> yew::Callback<E> {
    let d = d.clone();
    yew::Callback::from(move |e: E| {
        if let Some(v) = target_value(e.as_ref()).and_then(|v| v.trim().parse::<T>().ok()) {
            d.emit(make(v));
        }
    })
}

/// The number an `<input>` (a slider or a number field) holds, read by the browser
/// (`valueAsNumber`): `None` when it holds none. Parsing the text in Rust instead would link
/// the standard library's float parser, about 14 KB of the gzipped site, for four controls.
pub fn number_of(i: &web_sys::HtmlInputElement) -> Option<f64> {
    let v = i.value_as_number();
    v.is_finite().then_some(v)
}

/// The number in the `<input>` an event came from (see [`number_of`]).
pub fn input_number(e: &web_sys::Event) -> Option<f64> {
    use wasm_bindgen::JsCast;
    number_of(e.target()?.dyn_ref::<web_sys::HtmlInputElement>()?)
}

/// An input handler that dispatches `make(number)` with the input's number (see
/// [`input_number`]); an empty or partial entry is ignored.
pub fn on_number<E: AsRef<web_sys::Event> + 'static>(
    d: &yew::Callback<model::Action>,
    make: impl Fn(f64) -> model::Action + 'static,
) -> yew::Callback<E> {
    let d = d.clone();
    yew::Callback::from(move |e: E| {
        if let Some(v) = input_number(e.as_ref()) {
            d.emit(make(v));
        }
    })
}

/// Registers the service worker that keeps the site available offline (`static/sw.js`).
fn register_service_worker() {
    let Some(w) = web_sys::window() else { return };
    let sw = w.navigator().service_worker();
    let _ = sw.register("sw.js");
}

/// The value of query parameter `name`.
fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

/// Mounts the app on the page's body and installs `window.nodescape`, once the browser has
/// shown `index.html`'s introduction: on a fast load the wasm can be ready before the first
/// frame, and the learner would see a blank page until the app's first render (Lighthouse,
/// which replays a fast load at a slow speed, then also reports the app's first render as the
/// page's largest paint). It also keeps the start-up in two tasks (the wasm's instantiation,
/// then the app) instead of one long one.
pub fn start() {
    install_panic_panel();
    after_first_paint(20, mount);
}

/// Calls `then` in a task of its own once the page's first contentful paint has been shown, or
/// after `frames` animation frames at most (a browser without paint timing).
fn after_first_paint(frames: u32, then: fn()) {
    let painted = web_sys::window()
        .and_then(|w| w.performance())
        .is_some_and(|p| p.get_entries_by_name("first-contentful-paint").length() > 0);
    if painted || frames == 0 {
        gloo::timers::callback::Timeout::new(0, then).forget();
        return;
    }
    let frame = gloo::render::request_animation_frame(move |_| after_first_paint(frames - 1, then));
    // The frame's callback runs once; keep its handle alive until then (dropping cancels it).
    std::mem::forget(frame);
}

/// Reads the page's address, builds the model, then renders the app in a task of its own, then
/// registers the service worker in a third: the start-up's work in three tasks instead of one,
/// so the page can answer input in between (Lighthouse's total blocking time counts each task's
/// time over 50 ms).
fn mount() {
    initial_scenario(build);
}

/// Builds the model for `scenario` (with the banner's `problem`), then renders in a new task.
fn build(scenario: Scenario, problem: Option<String>) {
    let shell = shell::Shell::install(scenario.clone());
    if let Some(p) = problem {
        shell.model.borrow_mut().banner = Some(model::Banner {
            error: true,
            text: p,
        });
    }
    if let Some(mq) = web_sys::window().and_then(|w| {
        w.match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
    }) {
        shell.reduced_motion.set(mq.matches());
    }
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if let Some(id) = param(&search, "lesson") {
        let step = param(&search, "step")
            .and_then(|s| s.parse::<usize>().ok())
            .map_or(0, |k| k.saturating_sub(1));
        shell.dispatch(model::Action::OpenLesson(id.to_string(), step));
    }
    gloo::timers::callback::Timeout::new(0, move || render(shell, scenario)).forget();
}

/// Installs `window.nodescape` and renders the app in place of index.html's first paint (shown
/// while the wasm loaded); then, in a task after the render, registers the service worker.
fn render(shell: std::rc::Rc<shell::Shell>, scenario: Scenario) {
    api::install(shell);
    if let Some(boot) = gloo::utils::document().get_element_by_id("boot") {
        boot.remove();
    }
    yew::Renderer::<app::App>::with_props(app::AppProps { scenario }).render();
    gloo::timers::callback::Timeout::new(0, register_service_worker).forget();
}
