//! Placeholder app for the tooling branch: the smallest UI that satisfies the browser tests'
//! contract (`main#app`, `#play`, `#clock`, `svg#cluster` with `g.node`, `window.nodescape`,
//! the panic panel). The lead's real app replaces this file.

use std::cell::Cell;

use gloo::timers::callback::Interval;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

thread_local! {
    /// Simulated milliseconds shown by the clock.
    static NOW_MS: Cell<f64> = const { Cell::new(0.0) };
    /// Whether the clock runs.
    static PLAYING: Cell<bool> = const { Cell::new(false) };
    /// Re-renders the app after the JavaScript API changed the state.
    static REDRAW: std::cell::RefCell<Option<Callback<()>>> = const { std::cell::RefCell::new(None) };
}

/// Changes the state, then re-renders.
fn update(change: impl FnOnce()) {
    change();
    REDRAW.with(|r| {
        if let Some(redraw) = r.borrow().as_ref() {
            redraw.emit(());
        }
    });
}

/// The placeholder page: a clock, a Play button and five nodes.
#[function_component]
fn App() -> Html {
    let force = use_force_update();
    REDRAW.with(|r| *r.borrow_mut() = Some(Callback::from(move |()| force.force_update())));
    let playing = PLAYING.with(Cell::get);
    let on_play = Callback::from(move |_: MouseEvent| update(|| PLAYING.with(|p| p.set(!p.get()))));
    let nodes = (1..=5).map(|i| {
        let angle = f64::from(i) * std::f64::consts::TAU / 5.0;
        let (x, y) = (100.0 + 70.0 * angle.sin(), 100.0 - 70.0 * angle.cos());
        html! {
            <g class="node" aria-label={format!("Node {i}")} role="img">
                <circle cx={x.to_string()} cy={y.to_string()} r="14" />
                <text x={x.to_string()} y={(y + 4.0).to_string()} text-anchor="middle">{i}</text>
            </g>
        }
    });
    html! {
        <main id="app">
            <h1>{"Nodescape"}</h1>
            <button id="play" onclick={on_play}>{if playing { "Pause" } else { "Play" }}</button>
            <span id="clock">{format!("{:.0} ms", NOW_MS.with(Cell::get))}</span>
            <svg id="cluster" viewBox="0 0 200 200" width="400" height="400">{for nodes}</svg>
        </main>
    }
}

/// Shows the panic panel in words, with a Reload button; never a blank page.
fn show_panic_panel(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    let panel = document
        .create_element("div")
        .expect("create the panic panel");
    panel.set_id("panic-panel");
    let _ = panel.set_attribute("role", "alert");
    let text = document.create_element("p").expect("create the panic text");
    text.set_text_content(Some(&format!("Something went wrong: {message}")));
    let button = document
        .create_element("button")
        .expect("create the Reload button");
    button.set_text_content(Some("Reload"));
    let reload = Closure::<dyn Fn()>::new(|| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let _ = button.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref());
    reload.forget();
    let _ = panel.append_child(&text);
    let _ = panel.append_child(&button);
    let _ = body.append_child(&panel);
}

/// Sets one function property on the `window.nodescape` object.
fn set_fn(target: &js_sys::Object, name: &str, function: JsValue) {
    js_sys::Reflect::set(target, &name.into(), &function).expect("set a window.nodescape field");
}

/// Installs `window.nodescape`: version, now(), play(), pause(), advance(ms), debugPanic().
fn install_js_api() {
    let api = js_sys::Object::new();
    set_fn(&api, "version", env!("CARGO_PKG_VERSION").into());
    let now = Closure::<dyn Fn() -> f64>::new(|| NOW_MS.with(Cell::get));
    set_fn(&api, "now", now.into_js_value());
    let play = Closure::<dyn Fn()>::new(|| update(|| PLAYING.with(|p| p.set(true))));
    set_fn(&api, "play", play.into_js_value());
    let pause = Closure::<dyn Fn()>::new(|| update(|| PLAYING.with(|p| p.set(false))));
    set_fn(&api, "pause", pause.into_js_value());
    let advance =
        Closure::<dyn Fn(f64)>::new(|ms: f64| update(|| NOW_MS.with(|n| n.set(n.get() + ms))));
    set_fn(&api, "advance", advance.into_js_value());
    let debug_panic = Closure::<dyn Fn()>::new(|| panic!("debugPanic() was called"));
    set_fn(&api, "debugPanic", debug_panic.into_js_value());
    let window = web_sys::window().expect("a window");
    js_sys::Reflect::set(&window, &"nodescape".into(), &api).expect("set window.nodescape");
}

/// Mounts the app on `<body>`, with the panic panel and the JavaScript API.
pub fn start() {
    yew::set_custom_panic_hook(Box::new(|info| show_panic_panel(&info.to_string())));
    install_js_api();
    Interval::new(50, || {
        if PLAYING.with(Cell::get) {
            update(|| NOW_MS.with(|n| n.set(n.get() + 50.0)));
        }
    })
    .forget();
    yew::Renderer::<App>::new().render();
}
