//! The ShiViz export: a log ShiViz accepts (checked against its rules by a parser), also when the
//! notebook has forgotten its oldest events; and the notebook's bound in a long run.

mod vclock_support;

use nodescape::protocols::vclock::{
    causal_sets, shiviz_log, EventId, Notebook, Vclock, VclockSettings, SHIVIZ_REGEX,
};
use nodescape::sim::{NetConfig, Session, Sim, SEC};
use vclock_support::{check_shiviz_rules, parse_shiviz, run};

/// A run long enough that the notebook forgets: 5 nodes at 100 events per second for 60 s.
fn long_run(seed: u64) -> Sim<Vclock> {
    let busy = VclockSettings {
        events_per_sec: 100.0,
        send_ratio: 0.6,
        show_lamport: false,
    };
    let mut sim = Sim::new(Vclock::new(busy), 5, NetConfig::default(), seed);
    sim.advance_to(60 * SEC);
    sim
}

#[test]
fn the_export_follows_shivizs_rules_under_every_fault_mix() {
    for faults in vclock_support::ALL_FAULTS {
        for seed in 0..10 {
            let sim = run(seed, 5, 30.0, 1_000, faults);
            let log = shiviz_log(sim.shared());
            let events = parse_shiviz(&log).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert_eq!(events.len() as u64, sim.shared().total());
            check_shiviz_rules(&events).unwrap_or_else(|e| panic!("seed {seed} {faults:?}: {e}"));
        }
    }
}

#[test]
fn the_notebook_keeps_at_most_its_cap_in_a_long_run() {
    let sim = long_run(1);
    let nb = sim.shared();
    assert!(
        nb.total() > Notebook::CAP as u64 + 5_000,
        "{} events",
        nb.total()
    );
    assert_eq!(nb.len(), Notebook::CAP);
    assert_eq!(nb.forgotten(), nb.total() - Notebook::CAP as u64);
    // Forgotten events are refused in words; kept ones answer.
    let err = causal_sets(nb, EventId(1)).unwrap_err();
    assert!(err.contains("no longer kept"), "{err}");
    assert!(causal_sets(nb, nb.first_kept().unwrap()).is_ok());
}

#[test]
fn a_truncated_window_exports_a_log_that_shiviz_accepts() {
    let sim = long_run(2);
    let nb = sim.shared();
    assert!(nb.forgotten() > 0);
    let log = shiviz_log(nb);
    let events = parse_shiviz(&log).unwrap();
    assert_eq!(events.len(), Notebook::CAP);
    check_shiviz_rules(&events).unwrap_or_else(|e| panic!("seed 2: {e}"));
    // Each host starts again at 1.
    for host in ["node1", "node2", "node3", "node4", "node5"] {
        let first = events.iter().find(|e| e.host == host).unwrap();
        assert_eq!(first.clock[host], 1, "{host}");
    }
    // The description keeps the run's own event numbers.
    let first_kept = nb.first_kept().unwrap();
    assert!(
        events[0].text.starts_with(&format!("{first_kept} ")),
        "{}",
        events[0].text
    );
}

#[test]
fn an_empty_run_exports_just_the_header() {
    let sim = Sim::new(
        Vclock::new(VclockSettings {
            events_per_sec: 0.0,
            ..VclockSettings::default()
        }),
        3,
        NetConfig::default(),
        1,
    );
    assert_eq!(shiviz_log(sim.shared()), format!("{SHIVIZ_REGEX}\n\n"));
}

#[test]
fn rewinding_a_session_rewinds_the_notebook() {
    let mut session = Session::new(Sim::new(
        Vclock::new(VclockSettings {
            events_per_sec: 20.0,
            ..VclockSettings::default()
        }),
        3,
        NetConfig::default(),
        4,
    ));
    session.advance_to(5 * SEC);
    let at_five = shiviz_log(session.sim().shared());
    session.advance_to(9 * SEC);
    assert_ne!(shiviz_log(session.sim().shared()), at_five);
    session.seek(5 * SEC);
    assert_eq!(shiviz_log(session.sim().shared()), at_five);
}
