//! Scenario files and share links from outside: every bad file is refused with a message that
//! says what is wrong, hostile input (deep nesting, huge numbers, oversized text) is refused
//! without a crash, and text such as a title is kept verbatim, never interpreted.

use nodescape::world::scenario::{MAX_SCENARIO_BYTES, SCHEMA_VERSION};
use nodescape::world::{share, ProtocolKind, Scenario, World};
use serde_json::{json, Value};

/// A valid scenario as a JSON value, to spoil one field at a time.
fn good() -> Value {
    json!({
        "nodescape": SCHEMA_VERSION,
        "protocol": "vclock",
        "seed": "42",
        "nodes": 5,
        "network": {"latency_min_us": 10000, "latency_max_us": 15000},
        "settings": {"raft": {"election_min_ms": 150}},
        "interventions": [
            {"at": 100000, "do": {"type": "crash", "node": 2}},
            {"at": 200000, "do": {"type": "restart", "node": 2}}
        ]
    })
}

/// `good()` with `edit` applied.
fn spoiled(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = good();
    edit(&mut v);
    v.to_string()
}

/// Loads text as the page does: parse and validate, then build the world (which replays the
/// interventions). Returns the refusal's message; panics if the text is accepted.
fn refusal(text: &str) -> String {
    match Scenario::from_json(text) {
        Err(e) => e.0,
        Ok(sc) => match World::from_scenario(&sc) {
            Err(e) => e.0,
            Ok(_) => panic!(
                "accepted: {}",
                nodescape::world::scenario::truncate(text, 200)
            ),
        },
    }
}

#[test]
fn the_valid_base_scenario_loads() {
    let sc = Scenario::from_json(&good().to_string()).unwrap();
    let w = World::from_scenario(&sc).unwrap();
    assert_eq!(w.now(), 200_000, "it lands on the last intervention");
    assert_eq!(w.log().len(), 2);
}

#[test]
fn bad_scenario_files_are_refused_with_messages_that_say_what_is_wrong() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_in_title = spoiled(|v| v["title"] = json!("placeholder")).replace(
        "\"placeholder\"",
        &format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let oversized = spoiled(|v| v["title"] = json!("x".repeat(MAX_SCENARIO_BYTES)));
    let many: Vec<Value> = (0..10_001)
        .map(|_| json!({"at": 0, "do": {"type": "heal"}}))
        .collect();
    let rows: Vec<(&str, String, &[&str])> = vec![
        ("empty", "  \n".into(), &["empty"]),
        ("not JSON", "this is not json".into(), &["not valid JSON"]),
        (
            "cut short",
            good().to_string()[..40].to_string(),
            &["not valid JSON"],
        ),
        (
            "not an object",
            "[1, 2, 3]".into(),
            &["must be a JSON object"],
        ),
        (
            "a bare string",
            "\"nodescape\"".into(),
            &["must be a JSON object"],
        ),
        (
            "missing version",
            spoiled(|v| {
                v.as_object_mut().unwrap().remove("nodescape");
            }),
            &["\"nodescape\"", "missing"],
        ),
        (
            "newer version",
            spoiled(|v| v["nodescape"] = json!(SCHEMA_VERSION + 1)),
            &["newer Nodescape", "schema version 2"],
        ),
        (
            "older version",
            spoiled(|v| v["nodescape"] = json!(0)),
            &["older", "version 0"],
        ),
        (
            "version as a string",
            spoiled(|v| v["nodescape"] = json!("1")),
            &["\"nodescape\"", "whole number", "\"1\""],
        ),
        (
            "version negative",
            spoiled(|v| v["nodescape"] = json!(-1)),
            &["\"nodescape\"", "whole number", "-1"],
        ),
        (
            "unknown field at the top",
            spoiled(|v| v["colour"] = json!("red")),
            &["unknown field `colour`"],
        ),
        (
            "unknown field in network",
            spoiled(|v| v["network"]["latency_ms"] = json!(5)),
            &["unknown field `latency_ms`"],
        ),
        (
            "unknown field in settings.raft",
            spoiled(|v| v["settings"]["raft"]["election_ms"] = json!(5)),
            &["unknown field `election_ms`"],
        ),
        (
            "unknown protocol settings",
            spoiled(|v| v["settings"]["paxos"] = json!({})),
            &["unknown field `paxos`"],
        ),
        (
            "unknown field in an intervention",
            spoiled(|v| v["interventions"][0]["do"]["force"] = json!(true)),
            &["unknown field `force`"],
        ),
        (
            "network written as a list",
            spoiled(|v| v["network"] = json!([10000, 15000, 0, 0.0, 0.0])),
            &["invalid type: sequence", "expected an object"],
        ),
        (
            "unknown protocol",
            spoiled(|v| v["protocol"] = json!("paxos")),
            &["unknown variant `paxos`"],
        ),
        (
            "unknown intervention",
            spoiled(|v| v["interventions"][0]["do"]["type"] = json!("explode")),
            &["unknown variant `explode`"],
        ),
        (
            "seed not a number",
            spoiled(|v| v["seed"] = json!("forty-two")),
            &["seed must be a whole number", "forty-two"],
        ),
        (
            "seed written as a JSON number",
            spoiled(|v| v["seed"] = json!(42)),
            &["invalid type", "42", "expected a string"],
        ),
        (
            "seed negative",
            spoiled(|v| v["seed"] = json!("-5")),
            &["seed must be a whole number", "-5"],
        ),
        (
            "seed beyond 64 bits",
            spoiled(|v| v["seed"] = json!("18446744073709551616")),
            &["seed must be a whole number", "18446744073709551615"],
        ),
        (
            "two nodes",
            spoiled(|v| v["nodes"] = json!(2)),
            &["3 to 64 nodes", "asks for 2"],
        ),
        (
            "65 nodes",
            spoiled(|v| v["nodes"] = json!(65)),
            &["3 to 64 nodes", "asks for 65"],
        ),
        (
            "nodes negative",
            spoiled(|v| v["nodes"] = json!(-3)),
            &["invalid value", "-3"],
        ),
        (
            "latency min above max",
            spoiled(|v| v["network"]["latency_min_us"] = json!(20000)),
            &["latency_min_us (20000) is larger than latency_max_us (15000)"],
        ),
        (
            "latency of zero",
            spoiled(|v| v["network"]["latency_min_us"] = json!(0)),
            &["latency_min_us must be at least 1"],
        ),
        (
            "loss 1.5",
            spoiled(|v| v["network"]["loss"] = json!(1.5)),
            &["network.loss must be between 0 and 1", "1.5"],
        ),
        (
            "duplication negative",
            spoiled(|v| v["network"]["duplicate"] = json!(-0.1)),
            &["network.duplicate must be between 0 and 1"],
        ),
        (
            "raft timeouts the wrong way round",
            spoiled(|v| v["settings"]["raft"]["election_min_ms"] = json!(400)),
            &["raft.election_min_ms (400) is larger than election_max_ms (300)"],
        ),
        (
            "interventions out of order",
            spoiled(|v| v["interventions"][1]["at"] = json!(50000)),
            &["intervention 2", "times must not decrease"],
        ),
        (
            "an intervention after one hour",
            spoiled(|v| v["interventions"][1]["at"] = json!(7_200_000_000u64)),
            &["intervention 2", "after one hour"],
        ),
        (
            "a moment to show after one hour",
            spoiled(|v| v["view_at"] = json!(7_200_000_000u64)),
            &["moment to show", "one hour"],
        ),
        (
            "too many interventions",
            spoiled(|v| v["interventions"] = Value::Array(many)),
            &["too many interventions", "10001"],
        ),
        (
            "a drop of a message not in flight",
            spoiled(|v| {
                v["interventions"][1] = json!({"at": 200000, "do": {"type": "drop", "msg": 999}})
            }),
            &[
                "does not replay",
                "intervention 2",
                "message #999 is not in flight",
            ],
        ),
        (
            "a restart of a running node",
            spoiled(|v| v["interventions"][0]["do"]["type"] = json!("restart")),
            &["does not replay", "intervention 1", "node 2 is running"],
        ),
        (
            "a crash of node 0",
            spoiled(|v| v["interventions"][0]["do"]["node"] = json!(0)),
            &["does not replay", "no node 0"],
        ),
        (
            "a crash of node 9 of 5",
            spoiled(|v| v["interventions"][0]["do"]["node"] = json!(9)),
            &["does not replay", "no node 9"],
        ),
        (
            "a title longer than 200 characters",
            spoiled(|v| v["title"] = json!("é".repeat(201))),
            &["title is longer than 200 characters"],
        ),
        (
            "larger than 1 MiB",
            oversized,
            &["too large", "at most 1024 KB"],
        ),
        (
            "100,000 nested arrays",
            deep,
            &["not valid JSON", "recursion limit"],
        ),
        (
            "100,000 nested arrays in the title",
            deep_in_title,
            &["not valid JSON", "recursion limit"],
        ),
        (
            "a number beyond any float",
            spoiled(|v| v["nodes"] = json!(5)).replace("\"nodes\":5", "\"nodes\":1e400"),
            &["not valid JSON", "number out of range"],
        ),
        (
            "a huge whole number of nodes",
            spoiled(|v| v["nodes"] = json!(5))
                .replace("\"nodes\":5", "\"nodes\":99999999999999999999999"),
            &["invalid type", "expected u32"],
        ),
        (
            "a huge latency",
            spoiled(|v| v["network"]["latency_max_us"] = json!(u64::MAX)),
            &["at most 10000 ms"],
        ),
        (
            "a time with a fraction",
            spoiled(|v| v["interventions"][0]["at"] = json!(1.5)),
            &["invalid type", "1.5", "expected u64"],
        ),
    ];
    for (what, text, words) in rows {
        let message = refusal(&text);
        for w in words {
            assert!(
                message.contains(w),
                "{what}: the message {message:?} should contain {w:?}"
            );
        }
        assert!(
            message.chars().count() < 400,
            "{what}: the message is too long to show: {} characters",
            message.chars().count()
        );
    }
}

#[test]
fn markup_in_the_title_is_kept_as_text_verbatim() {
    let title = "<script>alert('x')</script> <b>Split</b> & \"vote\" <img src=x onerror=alert(1)>";
    let text = spoiled(|v| v["title"] = json!(title));
    let sc = Scenario::from_json(&text).unwrap();
    assert_eq!(sc.title.as_deref(), Some(title));
    let again = Scenario::from_json(&sc.to_json()).unwrap();
    assert_eq!(again.title.as_deref(), Some(title), "file round trip");
    let linked = share::decode(&share::encode(&sc)).unwrap();
    assert_eq!(linked.title.as_deref(), Some(title), "link round trip");
    let w = World::from_scenario(&sc).unwrap();
    assert_eq!(w.scenario(&sc).title.as_deref(), Some(title));
}

#[test]
fn a_scenario_survives_file_and_link_round_trips_for_every_protocol() {
    for kind in ProtocolKind::ALL {
        let sc = Scenario {
            protocol: kind,
            seed: u64::MAX.to_string(),
            ..Scenario::from_json(&good().to_string()).unwrap()
        };
        let w = World::from_scenario(&sc).unwrap();
        let out = w.scenario(&sc);
        assert_eq!(
            Scenario::from_json(&out.to_json()).unwrap(),
            out,
            "{kind:?}"
        );
        assert_eq!(
            share::decode(&share::encode(&out)).unwrap(),
            out,
            "{kind:?}"
        );
        let again = World::from_scenario(&out).unwrap();
        assert_eq!(
            again.digest(),
            w.digest(),
            "{kind:?}: same run from the file"
        );
        assert_eq!(again.now(), w.now(), "{kind:?}: lands on the same moment");
    }
}

#[test]
fn bad_share_links_are_refused_with_messages() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let pack = |bytes: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(miniz_oxide::deflate::compress_to_vec(bytes, 6))
    };
    let link = share::encode(&Scenario::default());
    let rows: Vec<(&str, String, &str)> = vec![
        ("empty", "".into(), "holds no scenario"),
        (
            "not base64",
            "!!!not*base64!!!".into(),
            "not valid URL-safe base64",
        ),
        ("cut short", link[..link.len() / 3].to_string(), "damaged"),
        (
            "base64 of garbage",
            "aGVsbG8gd29ybGQ".into(),
            "does not unpack",
        ),
        (
            "too long",
            "A".repeat(share::MAX_LINK_CHARS + 1),
            "too long",
        ),
        ("not text", pack(&[0xff, 0xfe, 0x00, 0x80]), "not text"),
        (
            "deep nesting inside",
            pack(deep.as_bytes()),
            "recursion limit",
        ),
        (
            "a zip bomb",
            pack(&vec![b' '; MAX_SCENARIO_BYTES * 4]),
            "does not unpack",
        ),
        (
            "a newer file inside",
            pack(br#"{"nodescape": 99}"#),
            "newer Nodescape",
        ),
    ];
    for (what, data, words) in rows {
        let e = share::decode(&data).unwrap_err();
        assert!(
            e.0.contains(words),
            "{what}: {e:?} should contain {words:?}"
        );
    }
}

#[test]
fn a_vanishingly_small_event_rate_loads_and_runs() {
    // Regression: 1e-300 events per second made the next event's time overflow (a panic in
    // debug builds); found by the decoder fuzz's number swaps.
    for rate in [1e-300, 5e-324, 1e-12] {
        let text = spoiled(|v| v["settings"]["vclock"] = json!({ "events_per_sec": rate }));
        let sc = Scenario::from_json(&text).unwrap();
        let mut w = World::from_scenario(&sc).unwrap();
        w.advance_to(10_000_000);
        assert_eq!(w.now(), 10_000_000, "rate {rate}");
    }
}

/// The scenario behind the fixtures below: non-default network and settings, every kind of
/// field, a title that needs escapes.
fn fixture_scenario() -> Scenario {
    use nodescape::sim::{Intervention, LinkState, NodeId, Recorded};
    let mut sc =
        Scenario::from_json(r#"{"nodescape":1,"protocol":"raft","seed":"8417","nodes":5}"#)
            .unwrap();
    sc.network.loss = 0.125;
    sc.network.jitter_us = 2000;
    sc.settings.raft.prevote = true;
    sc.settings.ring.key_names = vec!["apple".into(), "pear".into()];
    sc.interventions = vec![
        Recorded {
            at: 250_000,
            action: Intervention::Crash { node: NodeId(3) },
        },
        Recorded {
            at: 400_000,
            action: Intervention::SetLink {
                from: NodeId(4),
                to: NodeId(5),
                link: LinkState::Cut,
                both: true,
            },
        },
        Recorded {
            at: 500_000,
            action: Intervention::Partition {
                groups: vec![vec![NodeId(1), NodeId(2)]],
            },
        },
    ];
    sc.view_at = Some(600_000);
    sc.title = Some("Split \"vote\" <b>é</b>".into());
    sc
}

#[test]
fn files_are_written_exactly_as_before() {
    // Written by the build before the size work of issue 2 (commit 1f0aeb3).
    let before = include_str!("fixtures/scenario_v1_pretty.json");
    let sc = fixture_scenario();
    assert_eq!(sc.to_json(), before);
    assert_eq!(Scenario::from_json(before).unwrap(), sc);
}

#[test]
fn links_made_by_earlier_builds_still_open() {
    // Made by the build of commit 1f0aeb3, which wrote the keys in sorted order.
    let default_link = "LcchDsAgDAXQu3xdg5jpVZaJpVSQkZZAg1l29yFw770oFtqnWhS3AT4vgnnWxWNL7qbgRGjdw8UrGFOqywPCUM3rCd8P";
    assert_eq!(share::decode(default_link).unwrap(), Scenario::default());
    let demo_link = "VVJbbtswELxKsN9CaylRGghBLtFPxyAoah2xpkiWXDkVDB2o5-jFuks5bqMfkfsYzszuBawnTGf0ZIPP0O0voAm6pt3xV8EQoLuADwNCd18BLZEPYJLOI6xrtRU_7P4v7gON0FGasYJjChPnK3DWnySZSVNBmAlWxuOO9gabkVQpvCG3n5DfUpijcNzXVXM43PqiTmSFPzdy1CO9h1SeG-borClP7r4wzg9LrFbNDNIUYMc5bxY16V8lWrefw9Zv4Y2GCzkLUt20TF5cyYV_ORktZOoKYgoUTHDMLOkjQcXCcODb00P9rdyIrH_LQrAU8N-MaE7q5xzSzIYdtcvsHjo0Iquwm7j-Xkj8izK5aeNcwYhsQo-aSkgi0sRjTRaziixax4ieadSPQjhExRAfWB_zignPQdzarrPP-ojKhGmypIIbFLsn-FeC17y0KB_UHCkM7Jwqaq5VbFRitWUzNJlRnXDJGwvreWraqQmnHhMH_excBVygvJ7E2z0wa4dsWmR9cCjJbR4Mi9twC_9G7pSWIr8R_Xnx5mYGhRP6zYdtmZ9WWT9LThboOwPR3SuIkFe4e-5f_vx-_tq_8Ltni-9KVvGxrOL6Fw";
    let sc = fixture_scenario();
    assert_eq!(share::decode(demo_link).unwrap(), sc);
    // This build's links open to the same scenario, and still leave the defaults out.
    let link = share::encode(&sc);
    assert_eq!(share::decode(&link).unwrap(), sc);
    assert!(link.len() <= demo_link.len() + 8, "{link}");
    assert!(share::encode(&Scenario::default()).len() <= default_link.len() + 8);
}

/// The share link's JSON as earlier builds made it: the whole scenario as a `Value`, then
/// the network and each protocol's settings removed when equal to the defaults.
fn reference_link_json(sc: &Scenario) -> Value {
    let mut v = serde_json::to_value(sc).unwrap();
    let defaults = serde_json::to_value(Scenario::default()).unwrap();
    let (obj, def) = (v.as_object_mut().unwrap(), defaults.as_object().unwrap());
    if obj.get("network") == def.get("network") {
        obj.remove("network");
    }
    let def_settings = def["settings"].as_object().unwrap();
    let settings = obj.get_mut("settings").unwrap().as_object_mut().unwrap();
    settings.retain(|k, val| def_settings.get(k) != Some(val));
    if settings.is_empty() {
        obj.remove("settings");
    }
    v
}

#[test]
fn links_leave_out_the_same_defaults_as_before() {
    let mut cases = vec![Scenario::default(), fixture_scenario()];
    for kind in ProtocolKind::ALL {
        let mut sc = Scenario {
            protocol: kind,
            ..fixture_scenario()
        };
        sc.network = Default::default();
        cases.push(sc.clone());
        sc.settings.raft.prevote = false;
        cases.push(sc.clone());
        sc.settings.ring.key_names.clear();
        cases.push(sc.clone());
        sc.settings.vclock.show_lamport = true;
        sc.network.latency_max_us += 1;
        sc.title = None;
        sc.view_at = None;
        cases.push(sc);
    }
    for sc in cases {
        let ours: Value = serde_json::from_str(&sc.to_link_json()).unwrap();
        assert_eq!(ours, reference_link_json(&sc), "{sc:?}");
    }
}
