//! The safety checker itself: each property, broken on purpose by editing node state by hand,
//! is reported once, in words naming the nodes, terms and indexes; healthy runs report nothing.

mod raft_support;

use nodescape::protocols::raft::{Command, Entry, Raft, RaftSettings, Role};
use nodescape::sim::{Intervention, NetConfig, NodeId, Sim, SEC};
use raft_support::Script;

fn entry(term: u64, value: u32) -> Entry {
    Entry {
        term,
        command: Command::Set { key: 'x', value },
    }
}

fn lead(s: &mut Script, i: u32, term: u64) {
    s.nodes[i as usize - 1].durable.current_term = term;
    s.nodes[i as usize - 1].volatile.as_mut().unwrap().role = Role::Leader;
}

fn check(s: &mut Script) -> Vec<(&'static str, String)> {
    s.now += 1;
    s.shared
        .check(&s.nodes, s.now)
        .into_iter()
        .map(|v| (v.property, v.text))
        .collect()
}

#[test]
fn two_leaders_in_one_term_break_election_safety_once_even_after_a_crash() {
    let mut s = Script::new(3, RaftSettings::default());
    lead(&mut s, 1, 3);
    assert!(check(&mut s).is_empty());
    s.crash(1);
    lead(&mut s, 2, 3);
    let found = check(&mut s);
    assert_eq!(
        found,
        vec![(
            "Election Safety",
            "node 1 and node 2 were both leader of term 3".to_string()
        )]
    );
    assert!(
        check(&mut s).is_empty(),
        "reported once, not after every event"
    );
}

#[test]
fn a_leader_rewriting_its_log_breaks_leader_append_only() {
    let mut s = Script::new(3, RaftSettings::default());
    lead(&mut s, 1, 2);
    s.nodes[0].durable.log = vec![entry(2, 1), entry(2, 2)];
    assert!(check(&mut s).is_empty());
    s.nodes[0].durable.log.truncate(1);
    let found = check(&mut s);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "Leader Append-Only");
    assert!(
        found[0].1.contains("node 1, leader of term 2"),
        "{}",
        found[0].1
    );
}

#[test]
fn same_index_and_term_with_different_contents_breaks_log_matching() {
    let mut s = Script::new(3, RaftSettings::default());
    s.nodes[0].durable.log = vec![entry(1, 1), entry(2, 5)];
    assert!(check(&mut s).is_empty());
    s.nodes[1].durable.log = vec![entry(1, 1), entry(2, 6)];
    let found = check(&mut s);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "Log Matching");
    assert!(found[0].1.contains("index 2"), "{}", found[0].1);
    // Reported once per index and term, however many nodes repeat it.
    s.nodes[2].durable.log = vec![entry(1, 1), entry(2, 6)];
    assert!(check(&mut s).is_empty());
    // Same entry, but a different entry before it: also caught.
    let mut s = Script::new(3, RaftSettings::default());
    s.nodes[0].durable.log = vec![entry(1, 1), entry(2, 5)];
    s.nodes[1].durable.log = vec![entry(2, 1), entry(2, 5)];
    let found = check(&mut s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].1,
        "node 2 holds T2 x=5 at index 2 after an entry of term 2, but the term-2 entry seen at \
         index 2 on node 1 was T2 x=5 after an entry of term 1"
    );
}

#[test]
fn terms_and_applied_indexes_never_go_down() {
    let mut s = Script::new(3, RaftSettings::default());
    s.nodes[0].durable.current_term = 4;
    s.nodes[0].durable.log = vec![entry(1, 1), entry(1, 2)];
    s.nodes[0].volatile.as_mut().unwrap().last_applied = 2;
    s.nodes[0].volatile.as_mut().unwrap().commit_index = 2;
    assert!(check(&mut s).is_empty());
    s.nodes[0].durable.current_term = 3;
    s.nodes[0].volatile.as_mut().unwrap().last_applied = 1;
    let props: Vec<&str> = check(&mut s).iter().map(|f| f.0).collect();
    assert_eq!(props, vec!["Monotonic Terms", "Monotonic Applied Index"]);
    // A crash and restart rebuilds the state machine from zero: not a violation.
    s.nodes[0].durable.current_term = 4;
    s.crash(1);
    s.restart(1);
    assert!(check(&mut s)
        .iter()
        .all(|f| f.0 != "Monotonic Applied Index"));
}

#[test]
fn different_entries_applied_at_one_index_break_state_machine_safety() {
    let mut s = Script::new(3, RaftSettings::default());
    s.nodes[0].durable.log = vec![entry(1, 1)];
    s.nodes[0].volatile.as_mut().unwrap().last_applied = 1;
    s.nodes[1].durable.log = vec![entry(2, 9)];
    assert!(check(&mut s).is_empty());
    s.nodes[1].volatile.as_mut().unwrap().last_applied = 1;
    let found = check(&mut s);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "State Machine Safety");
    assert_eq!(
        found[0].1,
        "node 2 applied T2 x=9 at index 1, but node 1 applied T1 x=1 at that index"
    );
}

#[test]
fn same_seed_and_interventions_give_the_same_trace() {
    let run = || {
        let mut sim = Sim::new(
            Raft::new(RaftSettings::default()),
            5,
            NetConfig::default(),
            42,
        );
        sim.advance_to(SEC);
        for i in 1..=5 {
            let _ = sim.apply(&Intervention::ClientRequest { node: NodeId(i) });
        }
        sim.apply(&Intervention::Crash { node: NodeId(2) }).unwrap();
        sim.advance_to(3 * SEC);
        sim.trace().digest()
    };
    assert_eq!(run(), run());
}
