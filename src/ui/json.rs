//! The JSON the page reads (scenario files, share links, the JS API's arguments): parsed by the
//! browser's `JSON.parse` and read by serde through serde-wasm-bindgen, so that serde_json's
//! parser stays out of the wasm (6.0 KB of the site gzipped, serde-wasm-bindgen's own code
//! counted). serde_json still writes every JSON text, and
//! reads natively (the core, its tests, and the UI's native tests through these functions).
//!
//! serde-wasm-bindgen reads a struct by looking up the fields it knows, so the types that refuse
//! unknown fields are read through `sim::json::Keyed`, which shows them every key: a misspelt
//! field is refused in the page with serde's words, as serde_json refuses it (tested in
//! `tests/wasm_json.rs` for every such type).
//!
//! The browser's reader is a little more lenient than serde_json's: JSON has one number type,
//! so `5.0` reads as the whole number 5, and of a key given twice the last one counts. A field
//! of the wrong type or an unknown one is reported in serde's words without serde_json's line
//! and column; text that is not JSON is reported by the browser's message, which gives its
//! position.

#[cfg(target_arch = "wasm32")]
use crate::world::JsonDoc;
use crate::world::{Scenario, ScenarioError};
use serde::de::DeserializeOwned;

/// A document parsed by the browser's `JSON.parse`.
#[cfg(target_arch = "wasm32")]
struct Parsed(wasm_bindgen::JsValue);

#[cfg(target_arch = "wasm32")]
impl JsonDoc for Parsed {
    fn read<'de, S: serde::de::DeserializeSeed<'de>>(
        &'de self,
        seed: S,
    ) -> Result<S::Value, String> {
        seed.deserialize(serde_wasm_bindgen::Deserializer::from(self.0.clone()))
            .map_err(|e| message(e.into()))
    }
}

/// The words of a JS `Error` (serde-wasm-bindgen's, or `JSON.parse`'s `SyntaxError`), without
/// the "Error: " that `String(error)` would put first.
#[cfg(target_arch = "wasm32")]
fn message(e: wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    e.dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|_| "the browser could not read it".into())
}

/// `text` parsed by the browser, or its `SyntaxError`'s message.
#[cfg(target_arch = "wasm32")]
fn parse(text: &str) -> Result<Parsed, String> {
    js_sys::JSON::parse(text).map(Parsed).map_err(message)
}

/// Parses and validates scenario JSON text, with the checks of [`Scenario::from_json`].
#[cfg(target_arch = "wasm32")]
pub fn scenario(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::check_text(text)?;
    let doc =
        parse(text).map_err(|e| ScenarioError(format!("the scenario is not valid JSON: {e}")))?;
    Scenario::from_doc(&doc)
}

/// Parses and validates scenario JSON text ([`Scenario::from_json`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn scenario(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_json(text)
}

/// A `T` from JSON text, or why not in words.
#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    parse(text)?.read(std::marker::PhantomData::<T>)
}

/// A `T` from JSON text, or why not in words.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}
