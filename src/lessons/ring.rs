//! The ring lessons: adding a node, virtual nodes and balance, a crash during a rebalance.
//! Node 5 starts on standby (the ring's default), so "join node 5" is the change each shows.

use super::{Lesson, Step};
use crate::protocols::ring::RingSettings;
use crate::sim::{Intervention, NodeId, MS};
use crate::world::{ProtocolKind, Scenario, Settings};

fn scenario(seed: u64, ring: RingSettings) -> Scenario {
    Scenario {
        protocol: ProtocolKind::Ring,
        seed: seed.to_string(),
        nodes: 5,
        settings: Settings {
            ring,
            ..Settings::default()
        },
        ..Scenario::default()
    }
}

fn join(node: u32) -> Intervention {
    Intervention::Join { node: NodeId(node) }
}

/// Every ring lesson.
pub fn lessons() -> Vec<Lesson> {
    vec![add_node(), virtual_nodes(), crash_during_rebalance()]
}

fn add_node() -> Lesson {
    Lesson {
        id: "ring-add-node",
        protocol: ProtocolKind::Ring,
        title: "Hash ring: adding a node".into(),
        summary: "A fifth node joins a ring of four. Only the keys it now owns move, about one \
                  in five, where hashing modulo n would move four in five."
            .into(),
        scenario: scenario(1, RingSettings::default()),
        steps: vec![
            Step::new(100 * MS, vec![], "Four nodes are on the ring; node 5 waits on standby. Each node has 8 tokens (virtual nodes) on the circle, and a key belongs to the first token clockwise from it. 100 keys, each stored on 2 nodes."),
            Step::new(200 * MS, vec![join(5)], "Node 5 joins. The ring changes at once: 18 of the 100 keys now have node 5 as their owner, and 38 keys are missing a copy on node 5 until it arrives.").ask(
                "What share of the keys changes owner when node 5 joins?",
                &["About 1 in 5", "About half", "About 4 in 5", "All of them"],
                0,
                "About 1 in 5 (here 18%, the ideal is 1/5): only the keys that now belong to node 5 change owner, none move between the old nodes. Hashing modulo n would have moved 82%.",
            ),
            Step::new(260 * MS, vec![], "Keys travel as Transfer messages over the network. Until each arrives and is acknowledged, the old holders keep their copies."),
            Step::new(1000 * MS, vec![], "Rebalanced: node 5 holds 38 keys, every key has its 2 copies, and no key moved between nodes 1 to 4."),
        ],
    }
}

fn virtual_nodes() -> Lesson {
    Lesson {
        id: "ring-virtual-nodes",
        protocol: ProtocolKind::Ring,
        title: "Hash ring: virtual nodes and balance".into(),
        summary: "With one token per node, arcs are uneven and so is the load, and a joining \
                  node takes keys from a single neighbour. Many tokens per node even this out."
            .into(),
        scenario: scenario(
            1,
            RingSettings {
                tokens_per_node: 1,
                ..RingSettings::default()
            },
        ),
        steps: vec![
            Step::new(100 * MS, vec![], "One token per node this time. The arcs are very uneven: node 1 owns 49 of the 100 keys, node 3 owns just 1.").ask(
                "If every node had 128 tokens instead of 1, would the biggest share of the circle be closer to the average?",
                &["Yes", "No, it stays the same", "It gets worse"],
                0,
                "Yes: the balance table shows it. Many small arcs per node average out, so each node's share of the circle gets close to 1/n. That is why real rings use virtual nodes.",
            ),
            Step::new(150 * MS, vec![], "The balance table works out the same ring with 1, 8, 32, 128 and 256 tokens per node: with more tokens, the largest share of the circle comes closer to the average."),
            Step::new(200 * MS, vec![join(5)], "Node 5 joins with its single token. It owns the arc just before that token.").ask(
                "Whose keys does node 5 take?",
                &["A few from every node", "All from one node", "None"],
                1,
                "All from node 4, the owner of the arc its token landed in: node 4 goes from 35 owned keys to 32, and node 5 owns 3. With one token a new node relieves only one neighbour.",
            ),
            Step::new(1000 * MS, vec![], "Settled: node 5 holds only 4 keys while node 1 holds 81. With many tokens per node, a new node takes a little from every node instead."),
        ],
    }
}

fn crash_during_rebalance() -> Lesson {
    Lesson {
        id: "ring-crash-rebalance",
        protocol: ProtocolKind::Ring,
        title: "Hash ring: a crash during a rebalance".into(),
        summary: "Node 5 joins and keys start to travel; then a node crashes mid-transfer. No \
                  key is lost, and the ring settles again."
            .into(),
        scenario: scenario(1, RingSettings::default()),
        steps: vec![
            Step::new(100 * MS, vec![], "Four nodes on the ring, node 5 on standby, 100 keys with 2 copies each."),
            Step::new(200 * MS, vec![join(5)], "Node 5 joins: 38 keys must get a copy on node 5."),
            Step::new(260 * MS, vec![], "The transfers have started: copies are travelling to node 5."),
            Step::new(
                270 * MS,
                vec![Intervention::Crash { node: NodeId(2) }],
                "Node 2 crashes in the middle of the rebalance. The ring routes around it at once: node 2's 67 keys each still have a copy elsewhere, and 47 keys now miss a copy.",
            ).ask(
                "Is any key lost?",
                &["Yes, node 2's keys", "Yes, the keys in transit", "No"],
                2,
                "No. Every key had 2 copies and only one node crashed, and a node drops a copy only after the new holders acknowledged it. The missing copies are re-created from the survivors.",
            ),
            Step::new(290 * MS, vec![], "Keys keep moving between the four live nodes to re-create the missing copies."),
            Step::new(700 * MS, vec![], "Rebalanced without node 2: every key has 2 copies on nodes 1, 3, 4 and 5."),
            Step::new(800 * MS, vec![Intervention::Restart { node: NodeId(2) }], "Node 2 restarts with the keys it had on disk and rejoins the live ring. Nothing has to be sent to it; the others now hold copies they no longer need."),
            Step::new(1500 * MS, vec![], "Settled again: the extra copies were dropped, and each node holds exactly its keys. No key was lost at any step."),
        ],
    }
}
