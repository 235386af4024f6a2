//! Mounts the Nodescape app in the page.

// Talc instead of the standard library's dlmalloc: about as fast, and a smaller wasm (issue 2).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    nodescape::ui::start();
}
