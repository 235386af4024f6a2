//! Scenario files: the versioned JSON that describes a run (protocol, settings, seed, network)
//! and its interventions. The same document is exported, imported, and packed into share links.
//! The schema is documented in `docs/scenario.md`.

use crate::protocols::raft::RaftSettings;
use crate::protocols::ring::RingSettings;
use crate::protocols::vclock::VclockSettings;
use crate::sim::engine::MAX_NODES;
use crate::sim::json::{keyed, keyed_vec, Keyed};
use crate::sim::{NetConfig, Recorded, SimTime};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest scenario text accepted (1 MiB).
pub const MAX_SCENARIO_BYTES: usize = 1 << 20;

/// Most interventions a scenario may hold.
pub const MAX_INTERVENTIONS: usize = 10_000;

/// Latest simulated time an intervention may be scheduled at (1 hour).
pub const MAX_INTERVENTION_TIME: SimTime = 3_600_000_000;

/// Smallest cluster.
pub const MIN_NODES: u32 = 3;

/// Which protocol runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolKind {
    /// Vector clocks and causality.
    #[default]
    Vclock,
    /// Raft consensus.
    Raft,
    /// Consistent-hash ring.
    Ring,
}

impl ProtocolKind {
    /// All protocols, in the order the switcher shows them.
    pub const ALL: [ProtocolKind; 3] =
        [ProtocolKind::Vclock, ProtocolKind::Raft, ProtocolKind::Ring];

    /// The protocol's name in words.
    pub fn title(self) -> &'static str {
        match self {
            ProtocolKind::Vclock => "Vector clocks",
            ProtocolKind::Raft => "Raft",
            ProtocolKind::Ring => "Hash ring",
        }
    }

    /// The identifier used in files and links.
    pub fn id(self) -> &'static str {
        match self {
            ProtocolKind::Vclock => "vclock",
            ProtocolKind::Raft => "raft",
            ProtocolKind::Ring => "ring",
        }
    }

    /// Parses an identifier.
    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// Every protocol's settings, kept together so switching protocol keeps them all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Vector clocks.
    #[serde(deserialize_with = "keyed")]
    pub vclock: VclockSettings,
    /// Raft.
    #[serde(deserialize_with = "keyed")]
    pub raft: RaftSettings,
    /// Hash ring.
    #[serde(deserialize_with = "keyed")]
    pub ring: RingSettings,
}

/// A run: what to simulate and what was done to it.
///
/// Serialised through [`Written`], so files and share links share one serialiser.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Schema version; this build reads and writes [`SCHEMA_VERSION`].
    pub nodescape: u32,
    /// Which protocol runs.
    pub protocol: ProtocolKind,
    /// The seed, as a decimal string so JavaScript keeps all 64 bits.
    pub seed: String,
    /// Number of nodes, 3 to 64 (the picture is designed for up to 9).
    pub nodes: u32,
    /// Network settings at the start.
    #[serde(default, deserialize_with = "keyed")]
    pub network: NetConfig,
    /// Protocol settings.
    #[serde(default, deserialize_with = "keyed")]
    pub settings: Settings,
    /// Interventions with their simulated times, in order.
    #[serde(default, deserialize_with = "keyed_vec")]
    pub interventions: Vec<Recorded>,
    /// The moment being viewed, in simulated microseconds (share links land there).
    #[serde(default)]
    pub view_at: Option<SimTime>,
    /// A title for people (lessons, shared demos).
    #[serde(default)]
    pub title: Option<String>,
}

/// A scenario as written: every field in a file, or without the settings left at their
/// defaults in a share link (they decode to the same defaults). Fields in [`Scenario`]'s order.
#[derive(Serialize)]
struct Written<'a> {
    nodescape: u32,
    protocol: ProtocolKind,
    seed: &'a str,
    nodes: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a NetConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<WrittenSettings<'a>>,
    interventions: &'a [Recorded],
    #[serde(skip_serializing_if = "Option::is_none")]
    view_at: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
}

/// [`Settings`] as written: each protocol's settings, or none when left at their defaults.
#[derive(Serialize)]
struct WrittenSettings<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    vclock: Option<&'a VclockSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raft: Option<&'a RaftSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ring: Option<&'a RingSettings>,
}

impl Scenario {
    /// The scenario to write; `defaults` keeps the settings left at their defaults.
    fn written(&self, defaults: bool) -> Written<'_> {
        fn keep<T: PartialEq + Default>(defaults: bool, v: &T) -> Option<&T> {
            (defaults || *v != T::default()).then_some(v)
        }
        let s = &self.settings;
        let settings = WrittenSettings {
            vclock: keep(defaults, &s.vclock),
            raft: keep(defaults, &s.raft),
            ring: keep(defaults, &s.ring),
        };
        let all_default =
            settings.vclock.is_none() && settings.raft.is_none() && settings.ring.is_none();
        Written {
            nodescape: self.nodescape,
            protocol: self.protocol,
            seed: &self.seed,
            nodes: self.nodes,
            network: keep(defaults, &self.network),
            settings: (!all_default).then_some(settings),
            interventions: &self.interventions,
            view_at: self.view_at,
            title: self.title.as_deref(),
        }
    }

    /// Compact JSON for a share link: the settings left at their defaults are left out.
    pub fn to_link_json(&self) -> String {
        crate::sim::json::to_string(&self.written(false))
    }
}

impl Serialize for Scenario {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.written(true).serialize(s)
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            nodescape: SCHEMA_VERSION,
            protocol: ProtocolKind::default(),
            seed: "1".into(),
            nodes: 5,
            network: NetConfig::default(),
            settings: Settings::default(),
            interventions: Vec::new(),
            view_at: None,
            title: None,
        }
    }
}

/// Why a scenario was refused, in words a learner can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

fn err(msg: impl Into<String>) -> ScenarioError {
    ScenarioError(msg.into())
}

/// A JSON document that serde can read, as often as needed: scenario text read by serde_json
/// ([`Scenario::from_json`]), or text the page has parsed with the browser's `JSON.parse`
/// (`ui::json`), which keeps serde_json's parser out of the wasm. Errors come back in words.
pub trait JsonDoc {
    /// Reads the whole document with `seed`.
    fn read<'de, S: DeserializeSeed<'de>>(&'de self, seed: S) -> Result<S::Value, String>;
}

/// Scenario text read by serde_json: the same checks as `serde_json::from_str` (numbers,
/// escapes, nesting depth, nothing after the value), and errors with their line and column.
struct Text<'a>(&'a str);

impl JsonDoc for Text<'_> {
    fn read<'de, S: DeserializeSeed<'de>>(&'de self, seed: S) -> Result<S::Value, String> {
        let mut de = serde_json::Deserializer::from_str(self.0);
        let v = seed.deserialize(&mut de).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        Ok(v)
    }
}

impl Scenario {
    /// Parses and validates scenario JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::check_text(text)?;
        Scenario::from_doc(&Text(text))
    }

    /// Refuses scenario text that is too large or empty, before it is parsed.
    pub fn check_text(text: &str) -> Result<(), ScenarioError> {
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(err(format!(
                "the scenario is too large ({} KB; at most {} KB)",
                text.len() / 1024,
                MAX_SCENARIO_BYTES / 1024
            )));
        }
        if text.trim().is_empty() {
            return Err(err("the scenario is empty"));
        }
        Ok(())
    }

    /// Reads and validates a scenario from a JSON document.
    pub fn from_doc(doc: &impl JsonDoc) -> Result<Scenario, ScenarioError> {
        // Read the version first, so a newer file gets a clear message rather than a field error.
        // The probe reads the document with the same checks as a `serde_json::Value` would
        // (numbers, escapes, nesting depth) but keeps only the version (a smaller wasm than
        // `Value`).
        let probe = doc
            .read(Probe::Top)
            .map_err(|e| err(format!("the scenario is not valid JSON: {e}")))?;
        let version = match probe {
            Seen::Object(None) => {
                return Err(err(
                    "this is not a Nodescape scenario: the field \"nodescape\" (schema version) is missing",
                ))
            }
            Seen::Object(Some(v)) => match *v {
                Seen::Whole(v) => v,
                Seen::Text(t) => {
                    return Err(err(format!(
                        "the schema version \"nodescape\" must be a whole number like {SCHEMA_VERSION}, got {}",
                        truncate(&t, 40)
                    )))
                }
                _ => unreachable!("a kept value is whole or text"),
            },
            _ => return Err(err("the scenario must be a JSON object")),
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
        // From the document again, not from `probe`: every type then has one deserializer, the
        // document's, instead of a second copy for `Value` (a smaller wasm, issue 2).
        let Keyed(sc) = doc
            .read(std::marker::PhantomData::<Keyed<Scenario>>)
            .map_err(|e| err(format!("the scenario has a problem: {e}")))?;
        sc.validate()?;
        Ok(sc)
    }

    /// The scenario as pretty JSON.
    pub fn to_json(&self) -> String {
        crate::sim::json::to_string_pretty(self)
    }

    /// The seed as a number.
    pub fn seed_u64(&self) -> Result<u64, ScenarioError> {
        self.seed.trim().parse::<u64>().map_err(|_| {
            err(format!(
                "the seed must be a whole number from 0 to 18446744073709551615, got {:?}",
                truncate(&self.seed, 40)
            ))
        })
    }

    /// Checks every value's range (not yet whether the interventions replay).
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.nodescape != SCHEMA_VERSION {
            return Err(err(format!(
                "unsupported schema version {}; this page reads version {SCHEMA_VERSION}",
                self.nodescape
            )));
        }
        self.seed_u64()?;
        if self.nodes < MIN_NODES || self.nodes > MAX_NODES {
            return Err(err(format!(
                "a cluster has {MIN_NODES} to {MAX_NODES} nodes; this scenario asks for {}",
                self.nodes
            )));
        }
        self.network.validate().map_err(err)?;
        self.settings.vclock.validate().map_err(err)?;
        self.settings.raft.validate().map_err(err)?;
        self.settings.ring.validate().map_err(err)?;
        if self.interventions.len() > MAX_INTERVENTIONS {
            return Err(err(format!(
                "too many interventions ({}; at most {MAX_INTERVENTIONS})",
                self.interventions.len()
            )));
        }
        let mut last = 0;
        for (i, r) in self.interventions.iter().enumerate() {
            if r.at > MAX_INTERVENTION_TIME {
                return Err(err(format!(
                    "intervention {} is scheduled after one hour of simulated time",
                    i + 1
                )));
            }
            if r.at < last {
                return Err(err(format!(
                    "intervention {} ({}) comes before the one listed ahead of it: times must not decrease",
                    i + 1,
                    r.action.describe()
                )));
            }
            last = r.at;
        }
        if let Some(t) = self.title.as_deref() {
            if t.chars().count() > 200 {
                return Err(err("the title is longer than 200 characters"));
            }
        }
        if self.view_at.is_some_and(|t| t > MAX_INTERVENTION_TIME) {
            return Err(err(
                "the moment to show is after one hour of simulated time",
            ));
        }
        Ok(())
    }
}

/// How the version probe reads a JSON value (with `deserialize_any`, as `serde_json::Value` does,
/// so the text meets exactly the checks it would: the same errors at the same places).
#[derive(Clone, Copy, PartialEq)]
enum Probe {
    /// The document: an object, whose "nodescape" field is kept.
    Top,
    /// A value to keep: a whole number, or the compact text `Value` would print for it.
    Keep,
    /// A value only checked.
    Skip,
}

/// What the probe saw.
enum Seen {
    /// A whole number from 0 to `u64::MAX` (what `Value::as_u64` accepts).
    Whole(u64),
    /// Any other kept value, printed as `Value`'s `to_string` does (keys sorted, the last of
    /// duplicates kept).
    Text(String),
    /// The document is an object, with its "nodescape" value if it has one.
    Object(Option<Box<Seen>>),
    /// A skipped value, or a document that is not an object.
    Nothing,
}

impl Seen {
    fn text(self) -> String {
        match self {
            Seen::Whole(v) => v.to_string(),
            Seen::Text(t) => t,
            _ => String::new(),
        }
    }
}

impl Probe {
    /// A scalar seen: kept as text when wanted (and `Top` sees no object).
    fn scalar(self, text: impl FnOnce() -> String) -> Seen {
        if self == Probe::Keep {
            Seen::Text(text())
        } else {
            Seen::Nothing
        }
    }
}

fn quoted(s: &str) -> String {
    crate::sim::json::to_string(s)
}

impl<'de> DeserializeSeed<'de> for Probe {
    type Value = Seen;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Seen, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe {
    type Value = Seen;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Seen, E> {
        Ok(self.scalar(|| "null".into()))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Seen, E> {
        Ok(self.scalar(|| v.to_string()))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Seen, E> {
        Ok(match self {
            Probe::Keep => Seen::Whole(v),
            _ => Seen::Nothing,
        })
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Seen, E> {
        // `Value` keeps -0 as the whole number 0.
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Ok(self.scalar(|| v.to_string())),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Seen, E> {
        Ok(self.scalar(|| crate::sim::json::to_string(&v)))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Seen, E> {
        Ok(self.scalar(|| quoted(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seen, A::Error> {
        let keep = self == Probe::Keep;
        let inner = if keep { Probe::Keep } else { Probe::Skip };
        let mut text = String::from("[");
        while let Some(v) = seq.next_element_seed(inner)? {
            if keep {
                if text.len() > 1 {
                    text.push(',');
                }
                text.push_str(&v.text());
            }
        }
        text.push(']');
        Ok(self.scalar(|| text))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        let mut version = None;
        // As a `BTreeMap`: sorted by key, the last of equal keys wins.
        let mut fields: Vec<(String, String)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let seed = match self {
                Probe::Top if key == "nodescape" => Probe::Keep,
                Probe::Keep => Probe::Keep,
                _ => Probe::Skip,
            };
            let v = map.next_value_seed(seed)?;
            match self {
                Probe::Top if seed == Probe::Keep => version = Some(Box::new(v)),
                Probe::Keep => match fields.binary_search_by(|(k, _)| k.cmp(&key)) {
                    Ok(i) => fields[i].1 = v.text(),
                    Err(i) => fields.insert(i, (key, v.text())),
                },
                _ => {}
            }
        }
        Ok(match self {
            Probe::Top => Seen::Object(version),
            Probe::Keep => {
                let mut text = String::from("{");
                for (k, v) in &fields {
                    if text.len() > 1 {
                        text.push(',');
                    }
                    text.push_str(&quoted(k));
                    text.push(':');
                    text.push_str(v);
                }
                text.push('}');
                Seen::Text(text)
            }
            Probe::Skip => Seen::Nothing,
        })
    }
}

/// The first `n` characters of `s`, for quoting bad input in a message.
pub fn truncate(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}
