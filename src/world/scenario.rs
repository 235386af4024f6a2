//! Scenario files: the versioned JSON that describes a run (protocol, settings, seed, network)
//! and its interventions. The same document is exported, imported, and packed into share links.
//! The schema is documented in `docs/scenario.md`.

use crate::protocols::raft::RaftSettings;
use crate::protocols::ring::RingSettings;
use crate::protocols::vclock::VclockSettings;
use crate::sim::engine::MAX_NODES;
use crate::sim::{NetConfig, Recorded, SimTime};
use serde::{Deserialize, Serialize};
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
    pub vclock: VclockSettings,
    /// Raft.
    pub raft: RaftSettings,
    /// Hash ring.
    pub ring: RingSettings,
}

/// A run: what to simulate and what was done to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    #[serde(default)]
    pub network: NetConfig,
    /// Protocol settings.
    #[serde(default)]
    pub settings: Settings,
    /// Interventions with their simulated times, in order.
    #[serde(default)]
    pub interventions: Vec<Recorded>,
    /// The moment being viewed, in simulated microseconds (share links land there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_at: Option<SimTime>,
    /// A title for people (lessons, shared demos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
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

impl Scenario {
    /// Parses and validates scenario JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
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
        // Read the version first, so a newer file gets a clear message rather than a field error.
        let probe: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| err(format!("the scenario is not valid JSON: {e}")))?;
        let Some(obj) = probe.as_object() else {
            return Err(err("the scenario must be a JSON object"));
        };
        let version = match obj.get("nodescape") {
            None => {
                return Err(err(
                    "this is not a Nodescape scenario: the field \"nodescape\" (schema version) is missing",
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
        // From the text again, not from `probe`: every type then has one deserializer, the
        // text's, instead of a second copy for `Value` (a smaller wasm, issue 2).
        let sc: Scenario = serde_json::from_str(text)
            .map_err(|e| err(format!("the scenario has a problem: {e}")))?;
        sc.validate()?;
        Ok(sc)
    }

    /// The scenario as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("scenarios serialise")
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

/// The first `n` characters of `s`, for quoting bad input in a message.
pub fn truncate(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}
