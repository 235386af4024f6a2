//! Shared helpers of the vector-clock tests: a ShiViz log parser that checks ShiViz's rules, and
//! runs of the protocol under a chosen mix of faults.

#![allow(dead_code)]

use nodescape::protocols::vclock::{Vclock, VclockSettings, SHIVIZ_REGEX};
use nodescape::sim::{Intervention, LinkState, NetConfig, NodeId, Sim, MS};
use std::collections::BTreeMap;

/// One event of a parsed ShiViz log.
#[derive(Clone, Debug)]
pub struct LogEvent {
    /// Host name.
    pub host: String,
    /// Clock, host name to value.
    pub clock: BTreeMap<String, u64>,
    /// Description line.
    pub text: String,
}

/// Parses a log in the format `shiviz_log` writes (regex line, empty line, pairs of lines).
pub fn parse_shiviz(log: &str) -> Result<Vec<LogEvent>, String> {
    let lines: Vec<&str> = log.lines().collect();
    if lines.first() != Some(&SHIVIZ_REGEX) {
        return Err(format!("first line is not the regex: {:?}", lines.first()));
    }
    if lines.get(1) != Some(&"") {
        return Err("second line is not empty".into());
    }
    let body = &lines[2..];
    if body.len() % 2 != 0 {
        return Err("the log has an odd number of event lines".into());
    }
    body.chunks(2)
        .map(|pair| {
            let (host, clock) = pair[0]
                .split_once(' ')
                .ok_or_else(|| format!("no space in host line {:?}", pair[0]))?;
            if host.is_empty() || host.chars().any(char::is_whitespace) {
                return Err(format!("bad host name {host:?}"));
            }
            if !(clock.starts_with('{') && clock.ends_with('}')) {
                return Err(format!("clock is not a JSON object: {clock}"));
            }
            let clock: BTreeMap<String, u64> =
                serde_json::from_str(clock).map_err(|e| format!("clock {clock}: {e}"))?;
            Ok(LogEvent {
                host: host.to_string(),
                clock,
                text: pair[1].to_string(),
            })
        })
        .collect()
}

/// Checks ShiViz's rules: own entry present; each host's own values 1, 2, 3 without gaps;
/// referenced hosts and host events exist earlier in the log; each clock equals the
/// component-wise maximum of its host's previous clock and the clocks it refers to, plus its
/// own tick (the causal closure of its predecessors).
pub fn check_shiviz_rules(events: &[LogEvent]) -> Result<(), String> {
    let hosts: BTreeMap<&str, ()> = events.iter().map(|e| (e.host.as_str(), ())).collect();
    // (host, own value) -> clock, for events seen so far.
    let mut seen: BTreeMap<(String, u64), &BTreeMap<String, u64>> = BTreeMap::new();
    let mut last: BTreeMap<&str, &BTreeMap<String, u64>> = BTreeMap::new();
    let empty = BTreeMap::new();
    for (k, e) in events.iter().enumerate() {
        let own = *e
            .clock
            .get(&e.host)
            .ok_or_else(|| format!("event {k} of {} lacks its own entry", e.host))?;
        let prev = last.get(e.host.as_str()).copied().unwrap_or(&empty);
        let prev_own = prev.get(&e.host).copied().unwrap_or(0);
        if own != prev_own + 1 {
            return Err(format!(
                "event {k} of {}: own value {own} after {prev_own}",
                e.host
            ));
        }
        let mut closure: BTreeMap<String, u64> = prev.clone();
        for (h, &v) in &e.clock {
            if !hosts.contains_key(h.as_str()) {
                return Err(format!("event {k} refers to unknown host {h}"));
            }
            if v == 0 {
                return Err(format!("event {k} lists a zero entry for {h}"));
            }
            if h == &e.host || v <= prev.get(h).copied().unwrap_or(0) {
                continue;
            }
            let referred = seen
                .get(&(h.clone(), v))
                .ok_or_else(|| format!("event {k} refers to {h}:{v}, not earlier in the log"))?;
            for (h2, &v2) in referred.iter() {
                let slot = closure.entry(h2.clone()).or_insert(0);
                *slot = (*slot).max(v2);
            }
        }
        closure.insert(e.host.clone(), prev_own + 1);
        if closure != e.clock {
            return Err(format!(
                "event {k} of {}: clock {:?} is not the causal closure {:?}",
                e.host, e.clock, closure
            ));
        }
        seen.insert((e.host.clone(), own), &e.clock);
        last.insert(e.host.as_str(), &e.clock);
    }
    Ok(())
}

/// A mix of faults applied during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Faults {
    /// A healthy network.
    Calm,
    /// 30% loss and reordering jitter.
    Lossy,
    /// 40% duplication, jitter, and a copy made by hand.
    Duplicating,
    /// A partition and a cut link, healed later.
    Partitioned,
    /// Two crashes with restarts.
    Crashing,
    /// Everything at once, plus a held link.
    Everything,
}

/// Every fault mix.
pub const ALL_FAULTS: [Faults; 6] = [
    Faults::Calm,
    Faults::Lossy,
    Faults::Duplicating,
    Faults::Partitioned,
    Faults::Crashing,
    Faults::Everything,
];

fn net(loss: f64, duplicate: f64, jitter_ms: u64) -> Intervention {
    Intervention::Network {
        config: NetConfig {
            loss,
            duplicate,
            jitter_us: jitter_ms * MS,
            ..NetConfig::default()
        },
    }
}

/// A run of `n` nodes chatting at `rate` events per second for `ms` milliseconds under `faults`.
pub fn run(seed: u64, n: u32, rate: f64, ms: u64, faults: Faults) -> Sim<Vclock> {
    let settings = VclockSettings {
        events_per_sec: rate,
        send_ratio: 0.6,
        show_lamport: false,
    };
    let mut sim = Sim::new(Vclock::new(settings), n, NetConfig::default(), seed);
    let mut plan: Vec<(u64, Intervention)> = Vec::new();
    let (a, b) = (NodeId(1), NodeId(2));
    let c = NodeId(n);
    let lossy = matches!(faults, Faults::Lossy | Faults::Everything);
    let dups = matches!(faults, Faults::Duplicating | Faults::Everything);
    let parts = matches!(faults, Faults::Partitioned | Faults::Everything);
    let crashes = matches!(faults, Faults::Crashing | Faults::Everything);
    if lossy || dups {
        let (l, d) = (if lossy { 0.3 } else { 0.0 }, if dups { 0.4 } else { 0.0 });
        plan.push((0, net(l, d, 25)));
    }
    if parts {
        plan.push((
            ms / 5,
            Intervention::Partition {
                groups: vec![vec![a, b]],
            },
        ));
        plan.push((
            ms / 4,
            Intervention::SetLink {
                from: c,
                to: a,
                link: LinkState::Cut,
                both: false,
            },
        ));
        plan.push((ms * 3 / 5, Intervention::Heal { links: true }));
    }
    if crashes {
        plan.push((ms / 4, Intervention::Crash { node: b }));
        plan.push((ms / 3, Intervention::Crash { node: a }));
        plan.push((ms / 2, Intervention::Restart { node: b }));
        plan.push((ms * 3 / 4, Intervention::Restart { node: a }));
    }
    if faults == Faults::Everything {
        plan.push((ms / 6, Intervention::HoldLink { from: c, to: b }));
        plan.push((ms * 2 / 3, Intervention::ReleaseLink { from: c, to: b }));
    }
    plan.sort_by_key(|(t, _)| *t);
    for (t, iv) in plan {
        sim.advance_to(t * MS);
        sim.apply(&iv)
            .unwrap_or_else(|e| panic!("seed {seed}: {iv:?} refused: {e}"));
        if dups {
            // A copy made by hand as well, when something is in flight.
            let first = sim.flights().next().map(|f| f.id);
            if let Some(id) = first {
                sim.apply(&Intervention::Duplicate { msg: id })
                    .expect("duplicate a flight");
            }
        }
    }
    sim.advance_to(ms * MS);
    sim
}
