//! The trace: its window stays within its cap however long the run, keeps the newest events in
//! order, and its JSON Lines export is one parsable event per line.

mod common;

use common::*;
use nodescape::sim::{
    Ctx, EventKind, Intervention, LinkState, MessageInfo, NetConfig, Node, NodeCommand, NodeId,
    NodeView, Protocol, Sim, SimTime, Trace, MS, SEC,
};
use serde::Serialize;

fn n(i: u32) -> NodeId {
    NodeId(i)
}

/// Gossip that pings every 1 to 2 ms at each node.
fn chatty(seed: u64, trace: Trace) -> Sim<Gossip> {
    Sim::with_trace(
        Gossip { tick: (MS, 2 * MS) },
        5,
        NetConfig::default(),
        seed,
        trace,
    )
}

fn assert_window_is_the_newest(sim: &Sim<Gossip>, cap: usize) {
    let tr = sim.trace();
    let len = tr.events().len();
    assert!(len <= cap, "{len} events kept, cap {cap}");
    assert_eq!(tr.dropped_before() + len as u64, tr.total());
    if let Some(last) = tr.events().next_back() {
        assert_eq!(last.seq, tr.total() - 1, "the newest event is kept");
    }
    if let Some(first) = tr.events().next() {
        assert_eq!(first.seq, tr.dropped_before(), "no gap in the window");
    }
}

#[test]
fn the_trace_window_stays_within_its_cap_over_a_million_events() {
    let cap = 1_000;
    let mut sim = chatty(1, Trace::with_cap(cap));
    let mut checks = 0;
    while sim.trace().total() < 1_000_000 {
        sim.advance_to(sim.now() + 250 * MS);
        assert_window_is_the_newest(&sim, cap);
        checks += 1;
    }
    assert_eq!(sim.trace().events().len(), cap, "a full window");
    assert!(checks > 10);
    // The window is in time order.
    let times: Vec<SimTime> = sim.trace().events().map(|e| e.t).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn the_default_window_keeps_the_newest_fifty_thousand_events() {
    assert_eq!(Trace::DEFAULT_CAP, 50_000);
    let mut sim = chatty(2, Trace::default());
    assert_eq!(sim.trace().cap(), Trace::DEFAULT_CAP);
    while sim.trace().total() < 60_000 {
        sim.advance_to(sim.now() + 100 * MS);
        assert_window_is_the_newest(&sim, Trace::DEFAULT_CAP);
    }
    assert_eq!(sim.trace().events().len(), Trace::DEFAULT_CAP);
    assert!(sim.trace().dropped_before() >= 10_000);
}

/// A one-node-speaks protocol whose notes hold awkward text: quotes, newlines, markup.
#[derive(Clone, Debug)]
struct Noisy;

#[derive(Clone, Debug, Serialize)]
struct Word(String);

impl MessageInfo for Word {
    fn kind(&self) -> &'static str {
        "Word"
    }
    fn summary(&self) -> String {
        self.0.clone()
    }
}

const AWKWARD: &str = "said \"hi\"\nthen <b>left</b> & \\ ran\r\n\t→ done";

impl Protocol for Noisy {
    type Msg = Word;
    type Timer = ();
    type Durable = ();
    type Volatile = ();
    type Shared = ();

    fn name(&self) -> &'static str {
        "noisy"
    }
    fn init_durable(&self, _id: NodeId, _n: u32) {}
    fn on_start(&self, ctx: &mut Ctx<Self>, _d: &mut ()) {
        ctx.set_timer((), 5 * MS);
    }
    fn on_message(&self, ctx: &mut Ctx<Self>, _d: &mut (), _v: &mut (), _f: NodeId, m: Word) {
        ctx.note("heard", m.0);
    }
    fn on_timer(&self, ctx: &mut Ctx<Self>, _d: &mut (), _v: &mut (), _t: ()) {
        ctx.broadcast(Word(AWKWARD.into()));
        ctx.set_timer((), 30 * MS);
    }
    fn on_command(
        &self,
        _c: &mut Ctx<Self>,
        _d: &mut (),
        _v: &mut (),
        _cmd: &NodeCommand,
    ) -> Result<(), String> {
        Ok(())
    }
    fn view_node(&self, _node: &Node<Self>, _now: SimTime) -> NodeView {
        NodeView::default()
    }
}

#[test]
fn the_json_lines_export_parses_line_by_line() {
    let mut sim = Sim::new(
        Noisy,
        4,
        NetConfig {
            loss: 0.2,
            duplicate: 0.2,
            ..NetConfig::default()
        },
        3,
    );
    sim.advance_to(100 * MS);
    let first = sim.flights().next().unwrap().id;
    let second = sim.flights().nth(1).unwrap().id;
    sim.apply(&Intervention::Hold { msg: first }).unwrap();
    sim.apply(&Intervention::Duplicate { msg: second }).unwrap();
    let ivs = [
        Intervention::Release { msg: first },
        Intervention::Crash { node: n(2) },
        Intervention::Partition {
            groups: vec![vec![n(1)]],
        },
        Intervention::SetLink {
            from: n(3),
            to: n(4),
            link: LinkState::Cut,
            both: true,
        },
        Intervention::HoldLink {
            from: n(4),
            to: n(3),
        },
        Intervention::LocalEvent { node: n(3) },
        Intervention::Heal { links: true },
        Intervention::Restart { node: n(2) },
    ];
    for iv in ivs {
        sim.advance_to(sim.now() + 7 * MS);
        sim.apply(&iv).unwrap_or_else(|e| panic!("{iv:?}: {e}"));
    }
    sim.advance_to(sim.now() + 10 * MS);
    let victim = sim.flights().next().unwrap().id;
    sim.apply(&Intervention::Drop { msg: victim }).unwrap();
    sim.advance_to(SEC);

    let text = sim.trace().to_json_lines();
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        sim.trace().events().len(),
        "one line per event"
    );
    let mut kinds = std::collections::BTreeSet::new();
    for (i, (line, ev)) in lines.iter().zip(sim.trace().events()).enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", i + 1));
        assert_eq!(v["t"].as_u64(), Some(ev.t), "line {}", i + 1);
        assert_eq!(v["seq"].as_u64(), Some(ev.seq), "line {}", i + 1);
        let kind = v["event"].as_str().expect("every line names its event");
        kinds.insert(kind.to_string());
        if let EventKind::Note { text, .. } = &ev.kind {
            assert_eq!(text, AWKWARD);
            assert_eq!(v["text"].as_str(), Some(AWKWARD), "text kept verbatim");
        }
        if let EventKind::Dropped { msg, .. } = ev.kind {
            assert_eq!(v["msg"].as_u64(), Some(msg.0));
            assert!(v["reason"].is_string());
        }
    }
    for kind in [
        "sent",
        "delivered",
        "dropped",
        "duplicated",
        "held",
        "released",
        "timer_fired",
        "crashed",
        "restarted",
        "network_changed",
        "healed",
        "commanded",
        "note",
    ] {
        assert!(kinds.contains(kind), "no {kind:?} line in {kinds:?}");
    }
}
