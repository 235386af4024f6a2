//! The vector-clock lesson: concurrent events, and why a Lamport clock cannot tell. Every event
//! is a click (automatic events are off), so the event numbers e1, e2, … are fixed.

use super::{Lesson, Step};
use crate::protocols::vclock::VclockSettings;
use crate::sim::{Intervention, NodeId, MS};
use crate::world::{ProtocolKind, Scenario, Settings};

fn local(node: u32) -> Intervention {
    Intervention::LocalEvent { node: NodeId(node) }
}

fn send(from: u32, to: u32) -> Intervention {
    Intervention::SendMessage {
        from: NodeId(from),
        to: NodeId(to),
    }
}

/// Every vector-clock lesson.
pub fn lessons() -> Vec<Lesson> {
    vec![concurrency()]
}

fn concurrency() -> Lesson {
    Lesson {
        id: "vclock-concurrency",
        protocol: ProtocolKind::Vclock,
        title: "Vector clocks: concurrent events, and why a Lamport clock cannot tell".into(),
        summary: "Three nodes, six events. Two pairs of events have the same Lamport order, \
                  yet one pair is causally ordered and the other is concurrent: only vector \
                  clocks tell them apart."
            .into(),
        scenario: Scenario {
            protocol: ProtocolKind::Vclock,
            seed: "1".into(),
            nodes: 3,
            settings: Settings {
                vclock: VclockSettings {
                    events_per_sec: 0.0,
                    ..VclockSettings::default()
                },
                ..Settings::default()
            },
            ..Scenario::default()
        },
        steps: vec![
            Step::new(
                100 * MS,
                vec![local(1)],
                "Each node keeps a vector clock with one slot per node, all [0,0,0] at first. \
                 Node 1 does a local event, e1: it adds one to its own slot, [1,0,0]. Its \
                 Lamport clock, a single number, is 1.",
            ),
            Step::new(
                200 * MS,
                vec![send(1, 2)],
                "Node 1 sends a message to node 2 (event e2). Sending is an event too: node 1's \
                 clock is [2,0,0], and the message carries that clock.",
            )
            .ask(
                "What will node 2's vector clock be after it receives the message?",
                &["[1,0,0]", "[2,0,0]", "[2,1,0]", "[0,1,0]"],
                2,
                "[2,1,0]: node 2 takes the larger value in each slot ([2,0,0]) and then adds \
                 one to its own slot for the receive event.",
            ),
            Step::new(
                230 * MS,
                vec![],
                "Node 2 received it (event e3): [2,1,0]. Its Lamport clock is the larger of its \
                 own (0) and the message's (2), plus one: 3.",
            ),
            Step::new(
                300 * MS,
                vec![local(3)],
                "Node 3, which has heard from nobody, does a local event, e4: [0,0,1], Lamport \
                 clock 1.",
            )
            .ask(
                "e4 on node 3 has Lamport clock 1; e3 on node 2 has Lamport clock 3. Did e4 \
                 happen before e3?",
                &[
                    "Yes: 1 is less than 3",
                    "No: e3 happened before e4",
                    "Neither: they are concurrent",
                ],
                2,
                "Concurrent. Compare the vectors [0,0,1] and [2,1,0]: e4 is ahead in node 3's \
                 slot, e3 in the other two. Neither is at or below the other, so no chain of \
                 messages links them.",
            ),
            Step::new(
                400 * MS,
                vec![],
                "Now compare e1 [1,0,0] with e3 [2,1,0]: every slot of e1 is at or below e3's, \
                 so e1 happened before e3. Lamport says 1 < 3 for this pair too, exactly as for \
                 e4 and e3: a Lamport clock cannot tell \"before\" from \"concurrent\".",
            ),
            Step::new(
                500 * MS,
                vec![send(3, 2)],
                "Node 3 sends a message to node 2 (event e5), carrying [0,0,2].",
            )
            .ask(
                "What will node 2's vector clock be after it receives node 3's message?",
                &["[2,1,2]", "[2,2,2]", "[0,0,3]", "[2,2,0]"],
                1,
                "[2,2,2]: the larger value in each slot of [2,1,0] and [0,0,2] is [2,1,2], then \
                 node 2 adds one to its own slot.",
            ),
            Step::new(
                530 * MS,
                vec![],
                "Node 2 received it (event e6): [2,2,2]. Node 3's events e4 and e5 are now in \
                 node 2's past: a message is what makes one event happen before another.",
            ),
        ],
    }
}
