//! A fuzz test of the link and file decoders: 100,000 generated inputs (random bytes, random
//! base64, truncated and bit-flipped links, mutated scenario JSON with deleted fields, swapped
//! types, random and huge numbers, deep nesting and long strings) go through
//! `world::share::decode`, `Scenario::from_json` and, when they parse, `World::from_scenario`.
//! None may panic, and every refusal must carry a message.
//!
//! Every input comes from its own generator seeded with `SEED + index`, so one failing input is
//! rerun alone with `FUZZ_ONLY=<index> cargo test --no-default-features --test decoder_fuzz`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nodescape::sim::{SimRng, SEC};
use nodescape::world::{share, ProtocolKind, Scenario, ScenarioError, World};
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// The run's seed; input `i` is generated from `SEED + i`.
const SEED: u64 = 0x6e6f_6465_7363_6170;

/// How many inputs; never fewer than 100,000.
const INPUTS: u64 = 100_000;

/// Worlds are only built for scenarios that end within this much simulated time, so that a
/// mutated "one hour of 64 nodes" costs nothing here (it is valid, just slow in debug builds).
const WORLD_HORIZON: u64 = 3 * SEC;

/// Valid scenarios to start from: every protocol, interventions of every kind, a title.
fn bases() -> Vec<Value> {
    let ivs = json!([
        {"at": 50000, "do": {"type": "crash", "node": 2}},
        {"at": 60000, "do": {"type": "partition", "groups": [[1, 3], [4]]}},
        {"at": 70000, "do": {"type": "set_link", "from": 1, "to": 5, "link": {"state": "lossy", "loss": 0.25}, "both": true}},
        {"at": 80000, "do": {"type": "hold_link", "from": 4, "to": 5}},
        {"at": 90000, "do": {"type": "network", "config": {"latency_min_us": 5000, "latency_max_us": 20000, "jitter_us": 1000, "loss": 0.1, "duplicate": 0.1}}},
        {"at": 100000, "do": {"type": "heal", "links": true}},
        {"at": 120000, "do": {"type": "restart", "node": 2}},
        {"at": 130000, "do": {"type": "release_link", "from": 4, "to": 5}}
    ]);
    let mut out = Vec::new();
    for kind in ProtocolKind::ALL {
        out.push(json!({
            "nodescape": 1,
            "protocol": kind.id(),
            "seed": "12345678901234567890",
            "nodes": 5,
            "network": {"latency_min_us": 10000, "latency_max_us": 15000, "jitter_us": 0, "loss": 0.0, "duplicate": 0.0},
            "settings": {
                "vclock": {"events_per_sec": 2.0, "send_ratio": 0.5, "show_lamport": false},
                "raft": {"election_min_ms": 150, "election_max_ms": 300, "heartbeat_ms": 50, "prevote": true},
                "ring": {"keys": 20, "tokens_per_node": 4, "replication": 2}
            },
            "interventions": ivs,
            "view_at": 100000,
            "title": "Split vote <b>demo</b>"
        }));
        let sc = Scenario {
            protocol: kind,
            ..Scenario::default()
        };
        out.push(serde_json::to_value(&sc).unwrap());
    }
    out.push(json!({
        "nodescape": 1, "protocol": "vclock", "seed": "7", "nodes": 3,
        "interventions": [
            {"at": 10000, "do": {"type": "local_event", "node": 1}},
            {"at": 10000, "do": {"type": "send_message", "from": 1, "to": 3}},
            {"at": 20000, "do": {"type": "send_message", "from": 3, "to": 2}}
        ]
    }));
    out.push(json!({
        "nodescape": 1, "protocol": "raft", "seed": "9", "nodes": 5,
        "interventions": [
            {"at": 400000, "do": {"type": "client_request", "node": 1}},
            {"at": 500000, "do": {"type": "timeout_now", "node": 3}}
        ]
    }));
    out.push(json!({
        "nodescape": 1, "protocol": "ring", "seed": "3", "nodes": 5,
        "interventions": [
            {"at": 100000, "do": {"type": "join", "node": 5}},
            {"at": 300000, "do": {"type": "leave", "node": 2}}
        ]
    }));
    for b in &out {
        let sc = Scenario::from_json(&b.to_string()).expect("base scenarios are valid");
        World::from_scenario(&sc).expect("base scenarios replay");
    }
    out
}

fn pick<'a, T>(rng: &mut SimRng, xs: &'a [T]) -> &'a T {
    &xs[rng.range(0, xs.len() as u64 - 1) as usize]
}

/// Deeply nested JSON text (arrays or objects, 10 to 100,000 levels), built once.
fn deep(rng: &mut SimRng) -> &'static str {
    static DEEP: OnceLock<Vec<String>> = OnceLock::new();
    let all = DEEP.get_or_init(|| {
        let mut out = Vec::new();
        for depth in [10, 127, 128, 129, 1_000, 100_000] {
            out.push(format!("{}0{}", "[".repeat(depth), "]".repeat(depth)));
            out.push(format!("{}0{}", "{\"a\":".repeat(depth), "}".repeat(depth)));
        }
        out
    });
    pick(rng, all).as_str()
}

/// A random JSON value; `DEEP` strings are replaced by deep nesting in the text afterwards.
fn random_value(rng: &mut SimRng) -> Value {
    match rng.range(0, 17) {
        0 => Value::Null,
        1 => json!(rng.chance(0.5)),
        2 => json!(rng.range(0, 10)),
        3 => json!(rng.next_u64()),
        4 => json!(-(rng.range(1, 1 << 40) as i64)),
        5 => json!(*pick(
            rng,
            &[0.5, -0.0, 1e-300, 5e-324, 1e300, -1e300, 1.5, 0.999_999]
        )),
        6 => json!(""),
        7 => json!("x".repeat(rng.range(1, 20_000) as usize)),
        8 => json!("<script>alert(1)</script>&amp;\u{202e}\u{0}é漢"),
        9 => json!(rng.next_u64().to_string()),
        10 => json!([]),
        11 => json!({}),
        12 => json!("DEEP"),
        13 => json!([1, 2, 3]),
        14 => json!({"type": "crash", "node": rng.range(0, 70)}),
        15 => json!(rng.range(0, 4_000_000_000)),
        _ => json!(*pick(
            rng,
            &["vclock", "raft", "ring", "cut", "healthy", "lossy", "1"]
        )),
    }
}

/// Applies one random mutation somewhere in `v`.
fn mutate(rng: &mut SimRng, here: &mut Value) {
    if rng.chance(0.7) {
        match here {
            Value::Object(m) if !m.is_empty() => {
                let k = pick(rng, &m.keys().cloned().collect::<Vec<_>>()).clone();
                return mutate(rng, m.get_mut(&k).expect("the key exists"));
            }
            Value::Array(a) if !a.is_empty() => {
                let i = rng.range(0, a.len() as u64 - 1) as usize;
                return mutate(rng, &mut a[i]);
            }
            _ => {}
        }
    }
    match here {
        Value::Object(m) if !m.is_empty() && rng.chance(0.4) => {
            let k = pick(rng, &m.keys().cloned().collect::<Vec<_>>()).clone();
            m.remove(&k);
        }
        Value::Object(m) if rng.chance(0.3) => {
            let name = pick(rng, &["extra", "nodes", "seed", "type", "at", "loss"]).to_string();
            m.insert(name, random_value(rng));
        }
        Value::Array(a) if !a.is_empty() && rng.chance(0.4) => {
            let i = rng.range(0, a.len() as u64 - 1) as usize;
            if rng.chance(0.5) {
                a.remove(i);
            } else {
                let copy = a[i].clone();
                a.insert(rng.range(0, a.len() as u64) as usize, copy);
            }
        }
        Value::Number(_) if rng.chance(0.5) => {
            // Same type, another magnitude: often still valid, so the world gets built.
            *here = match rng.range(0, 4) {
                0 => json!(rng.range(0, 10)),
                1 => json!(rng.range(0, 200_000)),
                2 => json!(rng.next_u64() >> rng.range(0, 63)),
                3 => json!(*pick(rng, &[1e-300, 5e-324, 1e-9, 1e300])),
                _ => json!(rng.range(0, 1000) as f64 / 997.0),
            };
        }
        _ => *here = random_value(rng),
    }
}

fn pack(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(bytes, 1))
}

/// Mutated scenario JSON text.
fn mutated_json(rng: &mut SimRng, bases: &[Value]) -> String {
    let mut v = pick(rng, bases).clone();
    for _ in 0..rng.range(1, 3) {
        mutate(rng, &mut v);
    }
    let text = v.to_string();
    if text.contains("\"DEEP\"") {
        let d = deep(rng);
        text.replacen("\"DEEP\"", d, 1)
    } else {
        text
    }
}

/// Textual damage to valid JSON: cuts, inserted or deleted bytes, splices.
fn damaged_text(rng: &mut SimRng, bases: &[Value]) -> String {
    let mut b = pick(rng, bases).to_string().into_bytes();
    for _ in 0..rng.range(1, 4) {
        let at = rng.range(0, b.len() as u64) as usize;
        match rng.range(0, 4) {
            0 => b.truncate(at),
            1 => b.insert(at, *pick(rng, b"{}[]\",:0-e.\\ \x00\xff")),
            2 if at < b.len() => {
                b.remove(at);
            }
            3 => {
                // Copied whole (fast in debug builds too), not byte by byte.
                let d = deep(rng).as_bytes();
                let mut out = Vec::with_capacity(b.len() + d.len());
                out.extend_from_slice(&b[..at]);
                out.extend_from_slice(d);
                out.extend_from_slice(&b[at..]);
                b = out;
            }
            _ => {
                let dup = b"\"nodes\":7,";
                b.splice(at..at, dup.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn random_bytes(rng: &mut SimRng) -> Vec<u8> {
    let len = rng.range(0, 300) as usize;
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Flips 1 to 4 random bits.
fn flip_bits(rng: &mut SimRng, bytes: &mut [u8]) {
    if bytes.is_empty() {
        return;
    }
    for _ in 0..rng.range(1, 4) {
        let i = rng.range(0, bytes.len() as u64 - 1) as usize;
        bytes[i] ^= 1 << rng.range(0, 7);
    }
}

const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// What one input is, and which decoder it goes to.
enum Input {
    /// Text for `Scenario::from_json`.
    File(String),
    /// Data for `share::decode`.
    Link(String),
}

fn generate(i: u64, bases: &[Value], links: &[String]) -> Input {
    let mut rng = SimRng::new(SEED.wrapping_add(i));
    match i % 10 {
        0 => Input::File(String::from_utf8_lossy(&random_bytes(&mut rng)).into_owned()),
        1 => Input::Link(String::from_utf8_lossy(&random_bytes(&mut rng)).into_owned()),
        2 => {
            let len = rng.range(0, 400) as usize;
            Input::Link(
                (0..len)
                    .map(|_| *pick(&mut rng, URL_SAFE) as char)
                    .collect(),
            )
        }
        3 => {
            let link = pick(&mut rng, links);
            let cut = rng.range(0, link.len() as u64 - 1) as usize;
            Input::Link(link[..cut].to_string())
        }
        4 => {
            // Bit flips in the link's text (kept inside the alphabet half of the time).
            let mut b = pick(&mut rng, links).clone().into_bytes();
            if rng.chance(0.5) {
                flip_bits(&mut rng, &mut b);
            } else {
                let at = rng.range(0, b.len() as u64 - 1) as usize;
                b[at] = *pick(&mut rng, URL_SAFE);
            }
            Input::Link(String::from_utf8_lossy(&b).into_owned())
        }
        5 => {
            // Bit flips in the packed bytes: reaches the inflater and the JSON behind it.
            let mut packed = URL_SAFE_NO_PAD.decode(pick(&mut rng, links)).unwrap();
            flip_bits(&mut rng, &mut packed);
            Input::Link(URL_SAFE_NO_PAD.encode(packed))
        }
        6 | 7 => Input::File(mutated_json(&mut rng, bases)),
        8 => Input::Link(pack(mutated_json(&mut rng, bases).as_bytes())),
        _ => Input::File(damaged_text(&mut rng, bases)),
    }
}

#[derive(Default, Debug)]
struct Tally {
    refused: u64,
    parsed: u64,
    worlds: u64,
    world_refused: u64,
}

/// `Scenario::from_json` as it was written with a `serde_json::Value` probe for the version:
/// the oracle the leaner probe must agree with, result for result and message for message.
fn reference_from_json(text: &str) -> Result<Scenario, ScenarioError> {
    use nodescape::world::scenario::{truncate, MAX_SCENARIO_BYTES, SCHEMA_VERSION};
    let err = |m: String| ScenarioError(m);
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(err(format!(
            "the scenario is too large ({} KB; at most {} KB)",
            text.len() / 1024,
            MAX_SCENARIO_BYTES / 1024
        )));
    }
    if text.trim().is_empty() {
        return Err(err("the scenario is empty".into()));
    }
    let probe: Value = serde_json::from_str(text)
        .map_err(|e| err(format!("the scenario is not valid JSON: {e}")))?;
    let Some(obj) = probe.as_object() else {
        return Err(err("the scenario must be a JSON object".into()));
    };
    let version = match obj.get("nodescape") {
        None => {
            return Err(err(
                "this is not a Nodescape scenario: the field \"nodescape\" (schema version) is missing".into(),
            ))
        }
        Some(v) => v.as_u64().ok_or_else(|| {
            err(format!(
                "the schema version \"nodescape\" must be a whole number like {SCHEMA_VERSION}, got {}",
                truncate(&v.to_string(), 40)
            ))
        })?,
    };
    match version {
        v if v > SCHEMA_VERSION as u64 => {
            return Err(err(format!(
                "this scenario was written by a newer Nodescape (schema version {v}); this page reads version {SCHEMA_VERSION}"
            )))
        }
        v if v < SCHEMA_VERSION as u64 => {
            return Err(err(format!(
                "schema version {v} is older than any this page can read (version {SCHEMA_VERSION})"
            )))
        }
        _ => {}
    }
    let sc: Scenario =
        serde_json::from_str(text).map_err(|e| err(format!("the scenario has a problem: {e}")))?;
    sc.validate()?;
    Ok(sc)
}

fn check(input: &Input, tally: &mut Tally) -> Result<(), String> {
    let parsed = match input {
        Input::File(text) => {
            let ours = Scenario::from_json(text);
            let reference = reference_from_json(text);
            if ours != reference {
                return Err(format!(
                    "decoded as {ours:?}, but the Value-probe decoder gives {reference:?}"
                ));
            }
            ours
        }
        Input::Link(data) => share::decode(data),
    };
    let sc = match parsed {
        Err(e) => {
            tally.refused += 1;
            return if e.0.trim().is_empty() {
                Err("refused without a message".into())
            } else {
                Ok(())
            };
        }
        Ok(sc) => sc,
    };
    tally.parsed += 1;
    let last = sc.interventions.last().map_or(0, |r| r.at);
    if last.max(sc.view_at.unwrap_or(0)) > WORLD_HORIZON {
        return Ok(());
    }
    tally.worlds += 1;
    match World::from_scenario(&sc) {
        Err(e) if e.0.trim().is_empty() => Err("the world refused without a message".into()),
        Err(_) => {
            tally.world_refused += 1;
            Ok(())
        }
        Ok(w) => {
            // What the page does next with a loaded world must not panic either.
            let _ = w.state_json();
            let _ = w.scenario(&sc).to_json();
            Ok(())
        }
    }
}

fn preview(input: &Input) -> String {
    let (what, s) = match input {
        Input::File(t) => ("file", t),
        Input::Link(d) => ("link", d),
    };
    format!("{what} {:?}", nodescape::world::scenario::truncate(s, 300))
}

#[test]
fn decoders_survive_a_hundred_thousand_generated_inputs_and_explain_every_refusal() {
    let bases = bases();
    let links: Vec<String> = bases
        .iter()
        .map(|b| share::encode(&Scenario::from_json(&b.to_string()).unwrap()))
        .collect();
    let only: Option<u64> = std::env::var("FUZZ_ONLY").ok().and_then(|s| s.parse().ok());
    let mut tally = Tally::default();
    for i in 0..INPUTS {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let input = generate(i, &bases, &links);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&input, &mut tally)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("seed {SEED:#x}, input {i}: {why}: {}", preview(&input)),
            Err(_) => panic!(
                "seed {SEED:#x}, input {i} panicked (rerun with FUZZ_ONLY={i}): {}",
                preview(&input)
            ),
        }
    }
    println!("{tally:?}");
    if only.is_none() {
        assert_eq!(tally.refused + tally.parsed, INPUTS);
        // The generators reach every layer: some inputs parse and some of those build worlds.
        assert!(tally.parsed > 1_500, "{tally:?}");
        assert!(tally.worlds > 1_000, "{tally:?}");
        assert!(tally.world_refused > 50, "{tally:?}");
    }
}

#[test]
fn generated_links_and_files_round_trip_when_valid() {
    // The fuzz's own starting points are real: they decode to what was encoded.
    for b in bases() {
        let sc = Scenario::from_json(&b.to_string()).unwrap();
        assert_eq!(share::decode(&share::encode(&sc)).unwrap(), sc);
        let v: Map<String, Value> = serde_json::from_str(&sc.to_json()).unwrap();
        assert!(v.contains_key("nodescape"));
    }
}

#[test]
fn odd_schema_versions_are_refused_with_the_same_words_as_before() {
    // The version probe prints a bad version as `serde_json::Value` does: sorted keys, the last
    // of duplicate keys, floats and escapes in `Value`'s form.
    let versions = [
        "null",
        "true",
        "false",
        "-0",
        "0",
        "2",
        "-1",
        "1.0",
        "1e0",
        "-1.5e-7",
        "1e23",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "\"1\"",
        "\"\\u00e9\\n\\ud83d\\ude00\\u0000\"",
        "[]",
        "{}",
        "[1, [2.5, {}], \"x\"]",
        "{\"b\": 1, \"a\": [null], \"b\": 2, \"\\u0061\": 3}",
        "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]",
    ];
    for v in versions {
        for text in [
            format!(
                "{{\"nodescape\": {v}, \"protocol\": \"raft\", \"seed\": \"1\", \"nodes\": 5}}"
            ),
            format!("{{\"nodescape\": 1, \"nodescape\": {v}, \"extra\": [{v}]}}"),
            format!("[{v}]"),
            v.to_string(),
        ] {
            assert_eq!(
                Scenario::from_json(&text),
                reference_from_json(&text),
                "{text}"
            );
        }
    }
}
