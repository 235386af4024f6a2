//! The deterministic core stays pure: `src/sim/`, `src/protocols/`, `src/world/` and
//! `src/lessons/` never use a browser crate, a wall clock, OS randomness or hash-map iteration.

use std::fs;
use std::path::Path;

const FORBIDDEN: &[(&str, &str)] = &[
    ("yew", "the UI framework"),
    ("web_sys", "the DOM"),
    ("js_sys", "JavaScript"),
    ("gloo", "browser helpers"),
    ("wasm_bindgen", "JavaScript bindings"),
    ("std::time", "the wall clock"),
    ("Instant::now", "the wall clock"),
    ("SystemTime", "the wall clock"),
    ("thread_rng", "OS randomness"),
    ("from_entropy", "OS randomness"),
    ("getrandom", "OS randomness"),
    ("HashMap", "hash-map iteration order"),
    ("HashSet", "hash-set iteration order"),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("source folder exists") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_never_touches_the_browser_the_clock_or_os_randomness() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["sim", "protocols", "world", "lessons"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found the core's files: {files:?}");
    let mut problems = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (word, what) in FORBIDDEN {
                if code.contains(word) {
                    problems.push(format!("{}:{}: uses {word} ({what})", f.display(), n + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
