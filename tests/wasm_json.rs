//! The page reads JSON with the browser's `JSON.parse` and serde-wasm-bindgen (`ui::json`);
//! natively, and in every native test, serde_json reads it. In headless Chromium, both readers
//! must give the same scenario for every built-in lesson and the fixture file, the same
//! interventions, and refuse the same bad documents with the same kind of message. Run by
//! `scripts/test.sh`.
#![cfg(all(target_arch = "wasm32", feature = "web"))]

use nodescape::lessons;
use nodescape::sim::Intervention;
use nodescape::ui::json;
use nodescape::world::Scenario;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_browsers_reader_gives_what_serde_json_gives() {
    let mut texts = vec![
        include_str!("fixtures/scenario_v1_pretty.json").to_string(),
        Scenario::default().to_json(),
        Scenario::default().to_link_json(),
    ];
    let lessons = lessons::all();
    assert!(lessons.len() >= 9, "the built-in lessons");
    for l in &lessons {
        texts.push(l.scenario.to_json());
        texts.push(l.scenario.to_link_json());
    }
    for text in &texts {
        let ours = json::scenario(text);
        assert!(ours.is_ok(), "{ours:?} for {text}");
        assert_eq!(ours, Scenario::from_json(text), "{text}");
    }
    let mut interventions = 0;
    for l in &lessons {
        let recorded = l.scenario.interventions.iter().map(|r| &r.action);
        for action in recorded.chain(l.steps.iter().flat_map(|s| &s.actions)) {
            let text = serde_json::to_string(action).unwrap();
            assert_eq!(json::from_str::<Intervention>(&text), Ok(action.clone()));
            interventions += 1;
        }
    }
    assert!(
        interventions > 10,
        "the lessons' interventions: {interventions}"
    );
}

#[wasm_bindgen_test]
fn both_readers_refuse_bad_documents_with_the_same_kind_of_message() {
    for bad in [
        "",
        "   ",
        "{",
        "nope",
        "[1, 2]",
        r#"{"nodescape": 1} and more"#,
        r#"{"protocol": "raft"}"#,
        r#"{"nodescape": 2}"#,
        r#"{"nodescape": 0}"#,
        r#"{"nodescape": "1"}"#,
        r#"{"nodescape": 1, "protocol": "paxos"}"#,
        r#"{"nodescape": 1, "nodes": "five"}"#,
        r#"{"nodescape": 1, "nodes": 0}"#,
        r#"{"nodescape": 1, "seed": "minus one"}"#,
        r#"{"nodescape": 1, "interventions": [{"at": 5, "action": {"type": "explode"}}]}"#,
        r#"{"nodescape": 1, "surprise": true}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "network": [10000, 15000]}"#,
    ] {
        let ours = json::scenario(bad).expect_err(bad).0;
        let theirs = Scenario::from_json(bad).expect_err(bad).0;
        // The same sentence up to the reader's own words (serde_json adds a line and column,
        // the browser its own description of a syntax error).
        let kind = |m: &str| m.split(':').next().unwrap_or_default().to_string();
        assert_eq!(kind(&ours), kind(&theirs), "{bad}: {ours} / {theirs}");
        assert!(ours.len() > 20, "a message in words: {ours}");
    }
    assert!(json::from_str::<Intervention>(r#"{"type": "explode"}"#).is_err());
    assert!(json::from_str::<Intervention>("{").is_err());
}

/// serde_json's message without the position it adds (" at line 1 column 42").
fn without_position(m: &str) -> &str {
    m.find(" at line ").map_or(m, |i| &m[..i])
}

#[wasm_bindgen_test]
fn a_misspelt_field_is_refused_at_every_level_with_serde_jsons_words() {
    // Every type that refuses unknown fields, where a scenario holds it. serde-wasm-bindgen
    // alone would drop these fields without a word (it looks up only the fields it knows);
    // `sim::json::Keyed` has it show every key.
    let bad = [
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "colour": "red"}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "settings": {"paxos": {}}}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "settings": {"raft": {"heartbeat": 50}}}"#,
        r#"{"nodescape": 1, "protocol": "ring", "seed": "1", "nodes": 5, "settings": {"ring": {"key": 3}}}"#,
        r#"{"nodescape": 1, "protocol": "vclock", "seed": "1", "nodes": 3, "settings": {"vclock": {"rate": 3}}}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "network": {"latency": 3}}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "interventions": [{"at": 5, "do": {"type": "crash", "node": 1}, "why": 1}]}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "interventions": [{"at": 5, "do": {"type": "crash", "nod": 1}}]}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "interventions": [{"at": 5, "do": {"type": "network", "config": {"los": 0.5}}}]}"#,
        r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "interventions": [{"at": 5, "do": {"type": "set_link", "from": 1, "to": 2, "link": {"state": "cut", "los": 1}, "both": true}}]}"#,
    ];
    for text in bad {
        let ours = json::scenario(text).expect_err(text).0;
        let theirs = Scenario::from_json(text).expect_err(text).0;
        assert!(ours.contains("unknown field"), "{text}: {ours}");
        assert_eq!(ours, without_position(&theirs), "{text}");
    }
    // The same document without the misspelling reads.
    let good = r#"{"nodescape": 1, "protocol": "raft", "seed": "1", "nodes": 5, "network": {"loss": 0.1}, "settings": {"raft": {"heartbeat_ms": 50}}, "interventions": [{"at": 5, "do": {"type": "set_link", "from": 1, "to": 2, "link": {"state": "lossy", "loss": 0.5}, "both": true}}, {"at": 6, "do": {"type": "network", "config": {"loss": 0.5}}}]}"#;
    assert_eq!(json::scenario(good), Scenario::from_json(good));
    assert!(json::scenario(good).is_ok(), "{:?}", json::scenario(good));
    let iv = r#"{"type": "crash", "node": 1, "extra": 2}"#;
    let ours = json::from_str::<Intervention>(iv).expect_err(iv);
    let theirs = serde_json::from_str::<Intervention>(iv)
        .expect_err(iv)
        .to_string();
    assert_eq!(ours, without_position(&theirs));
}
