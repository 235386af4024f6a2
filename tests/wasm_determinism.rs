//! The deterministic core gives the same run in the browser as natively: the reference run's
//! trace digest, computed in wasm in headless Chromium, equals the value recorded natively
//! (`tests/determinism.rs` asserts the same file). Run by `scripts/test.sh`.
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn reference_run_in_the_browser_gives_the_native_digest() {
    assert_eq!(
        common::reference_digest(),
        include_str!("common/reference_digest.txt").trim()
    );
}
