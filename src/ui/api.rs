//! The page's JavaScript API, `window.nodescape`, for course pages and end-to-end tests.
//! Documented in `docs/js-api.md`. Bad arguments throw an `Error` with a message and change
//! nothing.

use super::model::{Action, Model};
use super::shell::Shell;
use crate::sim::{Intervention, SEC};
use crate::world::share;
use js_sys::{Object, Reflect, JSON};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

fn error(msg: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(msg.as_ref()).into()
}

fn text_of(v: &JsValue) -> Result<String, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if v.is_object() {
        return JSON::stringify(v)
            .map(String::from)
            .map_err(|_| error("the argument cannot be turned into JSON"));
    }
    Err(error("expected an object or a JSON string"))
}

fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::NULL)
}

fn set(obj: &Object, name: &str, f: JsValue) {
    Reflect::set(obj, &name.into(), &f).expect("setting a property on a plain object");
}

// The methods are plain functions (not closures) so that one JS closure type serves them all:
// each generic closure would be a wasm-bindgen closure of its own, built in place in `install`.
#[inline(never)]
fn method0(shell: &Rc<Shell>, f: fn(&Shell) -> Result<JsValue, JsValue>) -> JsValue {
    let shell = shell.clone();
    Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new(move || f(&shell)).into_js_value()
}

#[inline(never)]
fn method1(shell: &Rc<Shell>, f: fn(&Shell, JsValue) -> Result<JsValue, JsValue>) -> JsValue {
    let shell = shell.clone();
    Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |a| f(&shell, a))
        .into_js_value()
}

/// Runs `f` on the model, then redraws and re-renders.
fn with_model<R>(shell: &Shell, f: impl FnOnce(&mut Model) -> R) -> Result<R, JsValue> {
    let r = {
        let mut m = shell
            .model
            .try_borrow_mut()
            .map_err(|_| error("the page is busy; try again"))?;
        f(&mut m)
    };
    shell.dispatch(Action::Dismiss);
    shell.rerender_and_draw();
    Ok(r)
}

/// What a share link's maker hands on: the URL, or the browser's reason for not making it.
pub type LinkDone = Box<dyn FnOnce(Result<String, JsValue>)>;

/// Has the browser make the share URL of a run whose scenario's link JSON
/// ([`crate::world::Scenario::to_link_json`]) is `json`, and passes it to `done`: the JSON deflated by the
/// browser's `CompressionStream` (raw deflate, as [`share::encode`] writes natively and
/// [`share::decode`] reads), in URL-safe base64.
pub fn share_url(json: &str, done: LinkDone) {
    let loc = web_sys::window().map(|w| w.location());
    let base = loc
        .and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
        .unwrap_or_default();
    let stream = CompressionStream::new("deflate-raw").map(|s| (s.readable(), s.writable()));
    pipe(
        json.as_bytes(),
        stream,
        Box::new(move |deflated| {
            done(deflated.map(|b| {
                let packed = js_sys::Uint8Array::new(&b).to_vec();
                format!("{base}?s={}", share::pack(&packed))
            }))
        }),
    );
}

/// What the page says when the browser cannot inflate a link (`DecompressionStream` is in
/// Chrome 80, Firefox 113 and Safari 16.4, its raw deflate in Chrome 103).
pub const NO_INFLATE: &str =
    "this browser cannot unpack share links; open the link in a current browser";

/// What [`inflate_raw`] hands on: the bytes, or why not in words.
pub type Inflated = Box<dyn FnOnce(Result<Vec<u8>, &'static str>)>;

/// Has the browser inflate raw deflate data (`DecompressionStream`) and passes the result to
/// `done`: the bytes, or why not, in words: the browser cannot ([`NO_INFLATE`]), or the data
/// does not inflate or inflates to more than `limit` bytes ([`share::DAMAGED`], checked before
/// the bytes are copied into the wasm's memory).
pub fn inflate_raw(packed: &[u8], limit: usize, done: Inflated) {
    let Ok(stream) = DecompressionStream::new("deflate-raw") else {
        return done(Err(NO_INFLATE));
    };
    pipe(
        packed,
        Ok((stream.readable(), stream.writable())),
        Box::new(move |inflated| {
            done(match inflated {
                Ok(b) if b.byte_length() as usize <= limit => {
                    Ok(js_sys::Uint8Array::new(&b).to_vec())
                }
                _ => Err(share::DAMAGED),
            })
        }),
    );
}

/// Passes `bytes` through a compression or decompression stream (its readable and writable
/// pair, or the browser's error making it) and hands `done` the output, or the browser's error.
fn pipe(
    bytes: &[u8],
    stream: Result<(web_sys::ReadableStream, web_sys::WritableStream), JsValue>,
    done: Box<dyn FnOnce(Result<js_sys::ArrayBuffer, JsValue>)>,
) {
    match stream.and_then(|pair| through(bytes, pair)) {
        Ok(promise) => settle(&promise, Box::new(move |v| done(v.dyn_into()))),
        Err(e) => done(Err(e)),
    }
}

/// Calls `f` once with what `promise` settles to: its value, or the reason it was rejected.
/// One self-freeing JS function serves as both callbacks of `then`, since only one is called.
pub fn settle(promise: &js_sys::Promise, f: Box<dyn FnOnce(JsValue)>) {
    let f = Closure::once_into_js(move |v: JsValue| f(v));
    promise.unchecked_ref::<Thenable>().then_either(&f, &f);
}

// The Compression Streams API, declared here: web-sys has it only behind
// `--cfg=web_sys_unstable_apis`, which every build's RUSTFLAGS would have to carry.
#[wasm_bindgen]
extern "C" {
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &CompressionStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &CompressionStream) -> web_sys::WritableStream;
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &DecompressionStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &DecompressionStream) -> web_sys::WritableStream;
    /// A promise, whose `then` takes plain JS functions.
    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then_either(this: &Thenable, ok: &JsValue, err: &JsValue);
}

/// A promise of `bytes` passed through a compression or decompression stream's (readable,
/// writable) pair, as an `ArrayBuffer`: `new Response(new Blob([bytes]).stream()
/// .pipeThrough(stream)).arrayBuffer()`.
fn through(
    bytes: &[u8],
    (readable, writable): (web_sys::ReadableStream, web_sys::WritableStream),
) -> Result<js_sys::Promise, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
    let pair = web_sys::ReadableWritablePair::new(&readable, &writable);
    let piped = blob.stream().pipe_through(&pair);
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&piped))?;
    response.array_buffer()
}

/// The page's own fields of `state()`, after the world's.
#[derive(serde::Serialize)]
struct PageState<'a> {
    playing: bool,
    #[serde(rename = "fastForward")]
    fast_forward: Option<FastForward>,
    speed: f64,
    seed: &'a str,
}

/// A fast-forward under way: from and to in ms, and the share done.
#[derive(serde::Serialize)]
struct FastForward {
    from: f64,
    to: f64,
    done: f64,
}

/// Installs `window.nodescape`.
pub fn install(shell: Rc<Shell>) {
    let api = Object::new();
    set(&api, "version", env!("CARGO_PKG_VERSION").into());
    set(
        &api,
        "load",
        method1(&shell, |s, arg| {
            let text = text_of(&arg)?;
            let sc = super::json::scenario(&text).map_err(|e| error(e.0))?;
            with_model(s, |m| m.load(sc))?.map_err(|e| error(e.0))?;
            Ok(JsValue::UNDEFINED)
        }),
    );
    set(
        &api,
        "scenario",
        method0(&shell, |s| {
            Ok(parse(&s.model.borrow().scenario().to_json()))
        }),
    );
    set(
        &api,
        "play",
        method0(&shell, |s| {
            s.dispatch(Action::Play);
            Ok(JsValue::UNDEFINED)
        }),
    );
    set(
        &api,
        "pause",
        method0(&shell, |s| {
            s.dispatch(Action::Pause);
            Ok(JsValue::UNDEFINED)
        }),
    );
    set(
        &api,
        "step",
        method0(&shell, |s| {
            s.dispatch(Action::Step);
            Ok(JsValue::from_f64(
                s.model.borrow().world.now() as f64 / 1000.0,
            ))
        }),
    );
    set(
        &api,
        "advance",
        method1(&shell, |s, arg| {
            let ms = arg
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0 && *v <= 600_000.0)
                .ok_or_else(|| {
                    error("advance(ms) takes a number of milliseconds from 0 to 600000")
                })?;
            s.dispatch(Action::AdvanceBy((ms * 1000.0).round() as u64));
            Ok(JsValue::from_f64(
                s.model.borrow().world.now() as f64 / 1000.0,
            ))
        }),
    );
    set(
        &api,
        "seek",
        method1(&shell, |s, arg| {
            let ms = arg
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| error("seek(ms) takes a number of milliseconds, 0 or more"))?;
            let horizon = s.model.borrow().world.horizon();
            let t = (ms * 1000.0).round() as u64;
            if t > horizon {
                return Err(error(format!(
                    "seek({ms}) is beyond the present ({} ms); use advance() to run further",
                    horizon / 1000
                )));
            }
            s.dispatch(Action::Seek(t));
            Ok(JsValue::UNDEFINED)
        }),
    );
    set(
        &api,
        "speed",
        method1(&shell, |s, arg| {
            if arg.is_undefined() {
                return Ok(JsValue::from_f64(s.model.borrow().speed));
            }
            let v = arg
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.001 && *v <= 10.0)
                .ok_or_else(|| error("speed(x) takes a number from 0.001 to 10"))?;
            s.dispatch(Action::SetSpeed(v));
            Ok(JsValue::from_f64(v))
        }),
    );
    set(
        &api,
        "now",
        method0(&shell, |s| {
            Ok(JsValue::from_f64(
                s.model.borrow().world.now() as f64 / 1000.0,
            ))
        }),
    );
    set(
        &api,
        "state",
        method0(&shell, |s| {
            let m = s.model.borrow();
            let page = PageState {
                playing: m.playing,
                fast_forward: m.fast_forward.map(|(from, to)| FastForward {
                    from: from as f64 / 1000.0,
                    to: to as f64 / 1000.0,
                    done: m.world.now().saturating_sub(from) as f64 / (to - from).max(1) as f64,
                }),
                speed: m.speed,
                seed: &m.base.seed,
            };
            // The world's object with the page's fields added: `{...world}` + `,"playing":...}`.
            let mut text = m.world.state_json();
            let page = crate::sim::json::to_string(&page);
            text.pop();
            text.push(',');
            text.push_str(&page[1..]);
            Ok(parse(&text))
        }),
    );
    set(
        &api,
        "trace",
        method0(&shell, |s| {
            let text = s.model.borrow().world.trace_jsonl();
            let arr = format!("[{}]", text.trim_end().replace('\n', ","));
            Ok(parse(&arr))
        }),
    );
    set(
        &api,
        "traceJsonl",
        method0(&shell, |s| Ok(s.model.borrow().world.trace_jsonl().into())),
    );
    set(
        &api,
        "digest",
        method0(&shell, |s| Ok(s.model.borrow().world.digest().into())),
    );
    set(
        &api,
        "intervene",
        method1(&shell, |s, arg| {
            let text = text_of(&arg)?;
            let iv: Intervention = super::json::from_str(&text)
                .map_err(|e| error(format!("not an intervention: {e}")))?;
            with_model(s, |m| m.intervene(iv))?.map_err(error)?;
            Ok(JsValue::UNDEFINED)
        }),
    );
    set(
        &api,
        "shareUrl",
        method0(&shell, |s| {
            let json = s.model.borrow().scenario().to_link_json();
            let promise = js_sys::Promise::new(&mut |resolve, reject| {
                share_url(
                    &json,
                    Box::new(move |made| {
                        let _ = match made {
                            Ok(url) => resolve.call1(&JsValue::UNDEFINED, &url.into()),
                            Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
                        };
                    }),
                );
            });
            Ok(promise.into())
        }),
    );
    set(
        &api,
        "fastForward",
        method1(&shell, |s, arg| {
            let secs = arg
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0 && *v <= 600.0)
                .ok_or_else(|| error("fastForward(seconds) takes 0 to 600"))?;
            // Runs in slices over the next animation frames (as the » button does), so the
            // page keeps answering; the promise settles when it ends.
            let us = (secs * SEC as f64) as u64;
            if us >= crate::sim::MS {
                s.dispatch(Action::FastForward(us));
            }
            let promise = js_sys::Promise::new(&mut |resolve, _reject| {
                s.when_fast_forward_ends(resolve);
            });
            Ok(promise.into())
        }),
    );
    set(
        &api,
        "debugPanic",
        method0(&shell, |_| {
            panic!("debugPanic() was called from the page's JS API")
        }),
    );
    let window = web_sys::window().expect("a browser window");
    Reflect::set(&window, &"nodescape".into(), &api).expect("setting window.nodescape");
}
