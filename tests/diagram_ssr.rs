//! The space-time diagram of a small run, rendered natively through Yew's server-side
//! rendering: every event is drawn once with its description, every delivered message is an
//! arrow, and a dropped message ends in a cross.
#![cfg(all(feature = "web", not(target_arch = "wasm32")))]

use nodescape::protocols::vclock::{diagram_of, Vclock, VclockSettings};
use nodescape::sim::{Intervention, NetConfig, NodeId, Sim, MS};
use nodescape::ui::diagram_svg::{DiagramSvg, DiagramSvgProps};
use std::rc::Rc;

fn small_run() -> Sim<Vclock> {
    let quiet = VclockSettings {
        events_per_sec: 0.0,
        ..VclockSettings::default()
    };
    let mut sim = Sim::new(Vclock::new(quiet), 3, NetConfig::default(), 1);
    let n = NodeId;
    sim.apply(&Intervention::LocalEvent { node: n(1) }).unwrap();
    sim.apply(&Intervention::SendMessage {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    sim.advance_to(30 * MS);
    sim.apply(&Intervention::SendMessage {
        from: n(2),
        to: n(3),
    })
    .unwrap();
    // This one is lost: node 3 is cut off from node 1 when it arrives.
    sim.apply(&Intervention::SendMessage {
        from: n(3),
        to: n(1),
    })
    .unwrap();
    sim.apply(&Intervention::Partition {
        groups: vec![vec![n(1)]],
    })
    .unwrap();
    sim.advance_to(80 * MS);
    sim
}

#[tokio::test(flavor = "current_thread")]
async fn a_small_run_renders_every_event_arrow_and_cross() {
    let sim = small_run();
    let diagram = diagram_of(&sim, None);
    let events = diagram.events.len();
    let arrows = diagram.arrows.len();
    // A local event, three sends, and two receives (the third message is lost).
    assert_eq!(
        events,
        6,
        "{:?}",
        diagram.events.iter().map(|e| &e.label).collect::<Vec<_>>()
    );
    assert_eq!(arrows, 3);
    let props = DiagramSvgProps {
        diagram: Rc::new(diagram),
        start: 0,
        end: 80 * MS,
    };
    let html = yew::LocalServerRenderer::<DiagramSvg>::with_props(props)
        .hydratable(false)
        .render()
        .await;
    assert!(html.starts_with("<svg"), "{html}");
    assert_eq!(html.matches("class=\"event\"").count(), events);
    assert_eq!(html.matches("<g class=\"msg").count(), arrows);
    assert_eq!(
        html.matches("class=\"msg dropped\"").count(),
        1,
        "the lost message ends in a cross"
    );
    assert!(
        html.contains("send to node 2"),
        "events describe themselves: {html}"
    );
    assert_eq!(
        html.matches("class=\"proc\"").count(),
        3,
        "one line per node"
    );
}
