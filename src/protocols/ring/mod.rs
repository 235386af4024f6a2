//! Consistent-hash ring with virtual nodes and replication, whose rebalancing is real traffic
//! over the simulated (faulty) network.
//!
//! ```text
//!  Join / Leave command ─┐         crash / restart (engine hooks)
//!                        ▼                ▼
//!          configuration service (RingShared): members, up nodes, epoch log, placements
//!                        │  every node reads it at each event (published instantly)
//!                        ▼
//!  node: on Sync timer / ack / transfer ──▶ rebalance(): for each key it holds
//!        ├ not in the key's preference list → push to every replica not known to hold it,
//!        │                                    drop it once all of them acknowledged
//!        └ in the list → push to replicas missing it, unless a known live holder ranks first
//!        Transfer{batch of keys} ──network──▶ receiver stores the keys it should hold
//!        ◀──────────── TransferAck{keys held} ┘   (lost? resent after retry_ms)
//! ```
//!
//! Membership is protocol state kept by a configuration service that publishes changes
//! instantly (it lives in [`RingShared`]; each node also keeps its own `member` flag in its
//! durable state). Crashed members are taken out of the live ring by that service, so their
//! keys' replicas are re-created on the next nodes clockwise from surviving holders; a node's
//! store is durable, so a restarted node comes back with its keys. The data only ever moves as
//! `Transfer` messages, acknowledged by `TransferAck`, retried until acknowledged.
//!
//! Safety: a node drops a key only when it is not in the key's preference list and every live
//! replica in that list has acknowledged holding it. What a node knows about the others'
//! stores ("known") is an under-estimate, pruned at every membership epoch, so a key is never
//! dropped while it has fewer holders than it should. See `docs/ring.md`.

pub mod figures;
pub mod hashring;
pub mod keys;
pub mod placement;
pub mod view;

use crate::sim::{
    Ctx, MessageInfo, Node, NodeCommand, NodeId, NodeView, Protocol, SimTime, Violation, MS,
};
use figures::{change_report, ChangeKind, ChangeReport};
use keys::{KeySet, KeyTable};
use litemap::LiteMap;
use placement::{bit, nodes_of, Placement};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Settings of the ring. Times are in milliseconds (`_ms`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RingSettings {
    /// Number of keys, named `key-1` to `key-<keys>` (ignored when `key_names` is not empty).
    pub keys: u32,
    /// Keys chosen by the user, by name; when not empty these are the keys.
    pub key_names: Vec<String>,
    /// Tokens (virtual nodes) per node, 1 to 256.
    pub tokens_per_node: u32,
    /// Replication factor R, 1 to 5: copies of each key.
    pub replication: u32,
    /// How many nodes (the lowest ids) start as ring members; `None` means all but the last,
    /// which waits on standby to be added. Clamped to 1..=n.
    pub initial_members: Option<u32>,
    /// Most keys in one transfer message.
    pub batch_keys: u32,
    /// How often a node checks the configuration service and its transfers, ms.
    pub sync_ms: u64,
    /// How long a node waits for an acknowledgement before resending a transfer, ms.
    pub retry_ms: u64,
}

impl Default for RingSettings {
    fn default() -> Self {
        RingSettings {
            keys: 100,
            key_names: Vec::new(),
            tokens_per_node: 8,
            replication: 2,
            initial_members: None,
            batch_keys: 16,
            sync_ms: 50,
            retry_ms: 250,
        }
    }
}

/// The index of the first name in `names` that an earlier one repeats. The names are sorted by
/// their ring position (a 64-bit hash) with their index, through the program's one sort
/// ([`crate::sim::keysort`]), and only names of equal position are compared: no tree or hash
/// set type for this one check (issue 2).
fn first_repeat(names: &[String]) -> Option<usize> {
    let mut keys: Vec<u128> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (hashring::hash_position(n) as u128) << 64 | i as u128)
        .collect();
    crate::sim::keysort::sort_keys(&mut keys);
    let mut first = None;
    for (k, &a) in keys.iter().enumerate() {
        // Later entries of the same position: any with the same name repeats name `a`.
        for &b in keys[k + 1..].iter().take_while(|&&b| b >> 64 == a >> 64) {
            let (i, j) = (a as u64 as usize, b as u64 as usize);
            if names[i] == names[j] {
                first = Some(first.map_or(j, |f: usize| f.min(j)));
            }
        }
    }
    first
}

impl RingSettings {
    /// Most keys a run may have.
    pub const MAX_KEYS: u32 = 10_000;

    /// Checks every field; the message names the field that is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.key_names.is_empty() && !(1..=Self::MAX_KEYS).contains(&self.keys) {
            return Err(format!(
                "ring.keys must be between 1 and {}, got {}",
                Self::MAX_KEYS,
                self.keys
            ));
        }
        if self.key_names.len() > Self::MAX_KEYS as usize {
            return Err(format!(
                "ring.key_names may list at most {} keys, got {}",
                Self::MAX_KEYS,
                self.key_names.len()
            ));
        }
        let repeat = first_repeat(&self.key_names);
        for (i, name) in self.key_names.iter().enumerate() {
            if name.trim().is_empty() || name.chars().count() > 64 {
                return Err(format!(
                    "ring.key_names: every key needs 1 to 64 characters, got {name:?}"
                ));
            }
            if repeat == Some(i) {
                return Err(format!("ring.key_names lists {name:?} twice"));
            }
        }
        if !(1..=256).contains(&self.tokens_per_node) {
            return Err(format!(
                "ring.tokens_per_node must be between 1 and 256, got {}",
                self.tokens_per_node
            ));
        }
        if !(1..=5).contains(&self.replication) {
            return Err(format!(
                "ring.replication must be between 1 and 5, got {}",
                self.replication
            ));
        }
        if self.initial_members == Some(0) {
            return Err("ring.initial_members must be at least 1".into());
        }
        if !(1..=1000).contains(&self.batch_keys) {
            return Err(format!(
                "ring.batch_keys must be between 1 and 1000, got {}",
                self.batch_keys
            ));
        }
        if !(1..=10_000).contains(&self.sync_ms) {
            return Err(format!(
                "ring.sync_ms must be between 1 and 10000 ms, got {}",
                self.sync_ms
            ));
        }
        if !(1..=60_000).contains(&self.retry_ms) {
            return Err(format!(
                "ring.retry_ms must be between 1 and 60000 ms, got {}",
                self.retry_ms
            ));
        }
        Ok(())
    }

    /// The run's keys.
    pub fn key_table(&self) -> KeyTable {
        if self.key_names.is_empty() {
            KeyTable::numbered(self.keys)
        } else {
            KeyTable::new(self.key_names.clone())
        }
    }
}

/// The hash-ring protocol. Build it with [`Ring::new`] (it caches the key table).
#[derive(Clone, Debug)]
pub struct Ring {
    /// Its settings.
    pub settings: RingSettings,
    keys: Arc<KeyTable>,
}

/// A message of the ring protocol.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum RingMsg {
    /// A batch of keys the receiver should hold.
    Transfer {
        /// The sender's batch number (the acknowledgement names it).
        batch: u64,
        /// The membership epoch the sender was in.
        epoch: u32,
        /// The keys, by index.
        keys: Vec<u32>,
        /// Their names, for people.
        names: Vec<String>,
    },
    /// The receiver holds these keys of the batch now.
    TransferAck {
        /// The batch acknowledged.
        batch: u64,
        /// The membership epoch the receiver was in.
        epoch: u32,
        /// The keys of the batch it holds (keys it should not hold are left out).
        keys: Vec<u32>,
    },
}

impl MessageInfo for RingMsg {
    fn kind(&self) -> &'static str {
        match self {
            RingMsg::Transfer { .. } => "Transfer",
            RingMsg::TransferAck { .. } => "TransferAck",
        }
    }

    fn summary(&self) -> String {
        match self {
            RingMsg::Transfer { names, .. } => {
                let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
                let more = if names.len() > 3 { ", …" } else { "" };
                let noun = if names.len() == 1 { "key" } else { "keys" };
                format!("{} {noun}: {}{more}", names.len(), shown.join(", "))
            }
            RingMsg::TransferAck { batch, keys, .. } => {
                format!("ack of batch {batch}: holds {} keys", keys.len())
            }
        }
    }
}

/// The ring's only timer: check the configuration service, resend unacknowledged transfers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RingTimer {
    /// Fires every `sync_ms`.
    Sync,
}

/// What a node keeps across a crash: its membership flag, its store, its beliefs.
#[derive(Clone, Debug, Serialize)]
pub struct RingDurable {
    /// Whether this node is a ring member (mirrors the configuration service).
    pub member: bool,
    /// The keys this node stores.
    pub held: KeySet,
    /// The membership epoch this node has caught up with.
    pub seen_epoch: u32,
    /// Keys each node (by index) is known to hold: an under-estimate, from acknowledgements.
    #[serde(skip)]
    known: Vec<KeySet>,
    next_batch: u64,
}

/// A transfer waiting for its acknowledgement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outstanding {
    /// Its batch number.
    pub batch: u64,
    /// The keys sent.
    pub keys: Vec<u32>,
    /// When it was (last) sent.
    pub sent_at: SimTime,
}

/// The transfers waiting for acknowledgement, at most one per receiver, sorted by receiver: a
/// sorted vector ([`LiteMap`]) rather than a `BTreeMap` (one map type fewer in the wasm, issue
/// 2). It serialises as the same map, `{"2": {...}, "5": {...}}`.
pub type Outstandings = LiteMap<NodeId, Outstanding>;

/// What a node loses on a crash: its unacknowledged transfers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RingVolatile {
    /// One transfer at most per receiver, by receiver.
    pub outstanding: Outstandings,
    busy: bool,
}

/// The configuration service and the observer's notebook: members, up nodes, the epoch log,
/// placements per live set (cached), and the figures of the last change.
#[derive(Clone, Debug, Default)]
pub struct RingShared {
    started: bool,
    n: u32,
    members: u64,
    up: u64,
    epoch: u32,
    log_start: u32,
    log: Vec<(u64, u64)>,
    /// Cached placements by live set, sorted by live set (at most [`Self::PLACEMENT_CAP`]; a
    /// sorted vector rather than a map: one `BTreeMap` type fewer in the wasm, issue 2).
    placements: Vec<(u64, Arc<Placement>)>,
    settled: u64,
    rebalanced_epoch: u32,
    last_change: Option<ChangeReport>,
    lost_reported: bool,
}

impl RingShared {
    /// Most epochs remembered; a node that slept through more forgets what it knew of others.
    pub const LOG_CAP: usize = 1024;
    const PLACEMENT_CAP: usize = 16;

    /// Ring members (joined and not left), as a mask (node 1 is bit 0).
    pub fn members(&self) -> u64 {
        self.members
    }

    /// Members that are up: the live ring.
    pub fn live(&self) -> u64 {
        self.members & self.up
    }

    /// Nodes that are up (members or not).
    pub fn up(&self) -> u64 {
        self.up
    }

    /// The membership epoch: bumped by every join, leave, crash and restart.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The figures of the last change of the live ring, if any.
    pub fn last_change(&self) -> Option<&ChangeReport> {
        self.last_change.as_ref()
    }

    /// The cached placement of the current live ring.
    pub fn current(&self) -> Option<&Arc<Placement>> {
        self.cached(self.live())
    }

    fn cached(&self, live: u64) -> Option<&Arc<Placement>> {
        let i = self.placements.binary_search_by_key(&live, |p| p.0).ok()?;
        Some(&self.placements[i].1)
    }

    /// True when every up node stores exactly the keys it should (rebalancing is complete).
    pub fn settled(&self) -> bool {
        self.settled & self.up == self.up
    }
}

impl Ring {
    /// The protocol with these settings.
    pub fn new(settings: RingSettings) -> Self {
        let keys = Arc::new(settings.key_table());
        Ring { settings, keys }
    }

    /// The run's keys.
    pub fn keys(&self) -> &KeyTable {
        &self.keys
    }

    /// The members at the start for `n` nodes: the lowest `initial_members` ids.
    pub fn initial_members(&self, n: u32) -> u64 {
        let count = self
            .settings
            .initial_members
            .unwrap_or(n.saturating_sub(1))
            .clamp(1, n.max(1));
        (1..=count).fold(0, |m, i| m | bit(NodeId(i)))
    }

    /// The placement for the live set `live` of `n` nodes, computed afresh.
    pub fn compute_placement(&self, live: u64, n: u32) -> Placement {
        Placement::compute(
            &self.keys,
            live,
            n,
            self.settings.tokens_per_node,
            self.settings.replication,
        )
    }

    fn placement(&self, shared: &mut RingShared, live: u64) -> Arc<Placement> {
        if let Some(p) = shared.cached(live) {
            return p.clone();
        }
        if shared.placements.len() >= RingShared::PLACEMENT_CAP {
            // The smallest live set other than the current one goes.
            let current = shared.live();
            if let Some(i) = shared.placements.iter().position(|p| p.0 != current) {
                shared.placements.remove(i);
            }
        }
        let p = Arc::new(self.compute_placement(live, shared.n));
        let at = shared
            .placements
            .binary_search_by_key(&live, |p| p.0)
            .unwrap_err();
        shared.placements.insert(at, (live, p.clone()));
        p
    }

    fn init_shared(&self, shared: &mut RingShared, n: u32) {
        shared.started = true;
        shared.n = n;
        shared.members = self.initial_members(n);
        shared.up = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        shared.log = vec![(shared.members, shared.up)];
        // Every node starts with exactly its keys of the initial ring.
        shared.settled = shared.up;
        let live = shared.live();
        self.placement(shared, live);
    }

    /// Publishes a new membership (members, up) and records the figures if the live ring moved.
    fn publish(
        &self,
        shared: &mut RingShared,
        members: u64,
        up: u64,
        kind: ChangeKind,
        node: NodeId,
        now: SimTime,
    ) {
        let before = shared.live();
        shared.members = members;
        shared.up = up;
        shared.epoch += 1;
        shared.log.push((members, up));
        if shared.log.len() > RingShared::LOG_CAP {
            let cut = RingShared::LOG_CAP / 2;
            shared.log.drain(..cut);
            shared.log_start += cut as u32;
        }
        shared.settled = 0;
        let after = shared.live();
        if before != after {
            let old = self.placement(shared, before);
            let new = self.placement(shared, after);
            shared.last_change = Some(change_report(
                &old,
                &new,
                self.keys.positions(),
                kind,
                node,
                now,
            ));
        }
    }

    /// Brings this node's beliefs up to the current epoch: for each epoch it missed, what an up
    /// node did not have to hold may have been dropped, so it is forgotten.
    fn catch_up(&self, ctx: &mut Ctx<Self>, d: &mut RingDurable, v: &mut RingVolatile) {
        let epoch = ctx.shared.epoch;
        if d.seen_epoch == epoch {
            return;
        }
        v.busy = true;
        if d.seen_epoch < ctx.shared.log_start {
            let empty = KeySet::empty(self.keys.len());
            d.known.iter_mut().for_each(|k| *k = empty.clone());
        } else {
            for e in d.seen_epoch + 1..=epoch {
                let (members, up) = ctx.shared.log[(e - ctx.shared.log_start) as usize];
                let pl = self.placement(ctx.shared, members & up);
                for p in nodes_of(up) {
                    d.known[p.index()].retain_in(pl.should_hold(p));
                }
            }
        }
        d.seen_epoch = epoch;
    }

    /// Sends what must move, drops what has been handed off, and notes progress.
    fn rebalance(&self, ctx: &mut Ctx<Self>, d: &mut RingDurable, v: &mut RingVolatile) {
        let live = ctx.shared.live();
        let pl = self.placement(ctx.shared, live);
        let me = ctx.id;
        let up_others: Vec<NodeId> = nodes_of(ctx.shared.up & !bit(me)).collect();
        let mut want: Vec<Vec<u32>> = vec![Vec::new(); ctx.n as usize];
        let mut drops = Vec::new();
        let had_keys = !d.held.is_empty();
        for k in d.held.iter() {
            let pmask = pl.preference_mask(k);
            if pmask == 0 {
                continue;
            }
            if pmask & bit(me) == 0 {
                let mut missing = false;
                for t in pl.preference(k) {
                    if !d.known[t.index()].contains(k) {
                        want[t.index()].push(k);
                        missing = true;
                    }
                }
                if !missing {
                    drops.push(k);
                }
            } else {
                let ahead = pl
                    .preference(k)
                    .take_while(|&t| t != me)
                    .fold(0, |m, t| m | bit(t));
                let defer = up_others.iter().any(|&q| {
                    d.known[q.index()].contains(k) && (pmask & bit(q) == 0 || ahead & bit(q) != 0)
                });
                if !defer {
                    for t in pl.preference(k) {
                        if t != me && !d.known[t.index()].contains(k) {
                            want[t.index()].push(k);
                        }
                    }
                }
            }
        }
        for &k in &drops {
            d.held.remove(k);
        }
        let retry = self.settings.retry_ms * MS;
        for (i, keys) in want.iter().enumerate() {
            let to = NodeId::from_index(i);
            if keys.is_empty() {
                v.outstanding.remove(&to);
                continue;
            }
            if let Some(o) = v.outstanding.get(&to) {
                if ctx.now < o.sent_at + retry {
                    continue;
                }
            }
            let batch_keys: Vec<u32> = keys
                .iter()
                .copied()
                .take(self.settings.batch_keys as usize)
                .collect();
            d.next_batch += 1;
            let batch = d.next_batch;
            let names = batch_keys
                .iter()
                .map(|&k| self.keys.name(k).to_string())
                .collect();
            ctx.send(
                to,
                RingMsg::Transfer {
                    batch,
                    epoch: ctx.shared.epoch,
                    keys: batch_keys.clone(),
                    names,
                },
            );
            v.outstanding.insert(
                to,
                Outstanding {
                    batch,
                    keys: batch_keys,
                    sent_at: ctx.now,
                },
            );
        }
        v.busy = !v.outstanding.is_empty();
        if had_keys && d.held.is_empty() && !d.member {
            ctx.note("left", "handed off its last keys; now on standby");
        }
        let mine = pl.should_hold(me);
        if d.held.is_subset(mine) && mine.is_subset(&d.held) {
            let shared = &mut *ctx.shared;
            shared.settled |= bit(me);
            if shared.settled() && shared.rebalanced_epoch != shared.epoch {
                shared.rebalanced_epoch = shared.epoch;
                let r = pl.replicas();
                ctx.note(
                    "rebalanced",
                    format!(
                        "rebalanced: every key has its {r} {}",
                        if r == 1 { "copy" } else { "copies" }
                    ),
                );
            }
        }
    }

    fn initial_durable(&self, id: NodeId, n: u32) -> RingDurable {
        let members = self.initial_members(n);
        let pl = self.compute_placement(members, n);
        RingDurable {
            member: members & bit(id) != 0,
            held: pl.should_hold(id).clone(),
            seen_epoch: 0,
            known: (1..=n).map(|i| pl.should_hold(NodeId(i)).clone()).collect(),
            next_batch: 0,
        }
    }
}

impl Protocol for Ring {
    type Msg = RingMsg;
    type Timer = RingTimer;
    type Durable = RingDurable;
    type Volatile = RingVolatile;
    type Shared = RingShared;

    fn name(&self) -> &'static str {
        "Consistent-hash ring"
    }

    fn init_durable(&self, id: NodeId, n: u32) -> RingDurable {
        self.initial_durable(id, n)
    }

    fn on_start(&self, ctx: &mut Ctx<Self>, d: &mut RingDurable) -> RingVolatile {
        let me = ctx.id;
        if !ctx.shared.started {
            self.init_shared(ctx.shared, ctx.n);
        } else if ctx.shared.up & bit(me) == 0 {
            let (members, up) = (ctx.shared.members, ctx.shared.up | bit(me));
            self.publish(ctx.shared, members, up, ChangeKind::Restart, me, ctx.now);
        }
        let mut v = RingVolatile {
            busy: true,
            ..RingVolatile::default()
        };
        self.catch_up(ctx, d, &mut v);
        ctx.set_timer(RingTimer::Sync, self.settings.sync_ms * MS);
        v
    }

    fn on_message(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RingDurable,
        v: &mut RingVolatile,
        from: NodeId,
        msg: RingMsg,
    ) {
        self.catch_up(ctx, d, v);
        let epoch = ctx.shared.epoch;
        let live = ctx.shared.live();
        let pl = self.placement(ctx.shared, live);
        match msg {
            RingMsg::Transfer {
                batch,
                epoch: sent_in,
                keys,
                ..
            } => {
                let mine = pl.should_hold(ctx.id);
                let accepted: Vec<u32> =
                    keys.iter().copied().filter(|&k| mine.contains(k)).collect();
                for &k in &accepted {
                    d.held.insert(k);
                }
                if sent_in == epoch {
                    // The sender should hold these in this epoch, so it cannot drop them in it.
                    let theirs = pl.should_hold(from);
                    for &k in keys.iter().filter(|&&k| theirs.contains(k)) {
                        d.known[from.index()].insert(k);
                    }
                }
                ctx.send(
                    from,
                    RingMsg::TransferAck {
                        batch,
                        epoch,
                        keys: accepted,
                    },
                );
            }
            RingMsg::TransferAck {
                batch,
                epoch: acked_in,
                keys,
            } => {
                if v.outstanding.get(&from).is_some_and(|o| o.batch == batch) {
                    v.outstanding.remove(&from);
                }
                if acked_in == epoch {
                    for k in keys {
                        d.known[from.index()].insert(k);
                    }
                }
            }
        }
        self.rebalance(ctx, d, v);
    }

    fn on_timer(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RingDurable,
        v: &mut RingVolatile,
        timer: RingTimer,
    ) {
        match timer {
            RingTimer::Sync => {
                self.catch_up(ctx, d, v);
                if v.busy {
                    self.rebalance(ctx, d, v);
                }
                ctx.set_timer(RingTimer::Sync, self.settings.sync_ms * MS);
            }
        }
    }

    fn on_command(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RingDurable,
        v: &mut RingVolatile,
        command: &NodeCommand,
    ) -> Result<(), String> {
        let me = ctx.id;
        self.catch_up(ctx, d, v);
        let (members, up) = (ctx.shared.members, ctx.shared.up);
        match command {
            NodeCommand::Join => {
                if d.member {
                    return Err(format!("node {me} is already a ring member"));
                }
                d.member = true;
                self.publish(
                    ctx.shared,
                    members | bit(me),
                    up,
                    ChangeKind::Join,
                    me,
                    ctx.now,
                );
                ctx.note("join", format!("node {me} joined the ring"));
            }
            NodeCommand::Leave => {
                if !d.member {
                    return Err(format!("node {me} is not a ring member; it is on standby"));
                }
                if members == bit(me) {
                    return Err(format!(
                        "node {me} is the last ring member; add another node before removing it"
                    ));
                }
                d.member = false;
                self.publish(
                    ctx.shared,
                    members & !bit(me),
                    up,
                    ChangeKind::Leave,
                    me,
                    ctx.now,
                );
                ctx.note(
                    "leave",
                    format!(
                        "node {me} left the ring; handing off {} keys",
                        d.held.count()
                    ),
                );
            }
            _ => {
                return Err(
                    "the hash ring only takes \"join\" and \"leave\" commands on a node".into(),
                )
            }
        }
        self.catch_up(ctx, d, v);
        self.rebalance(ctx, d, v);
        Ok(())
    }

    fn on_crash(&self, shared: &mut RingShared, id: NodeId, now: SimTime) {
        if shared.started && shared.up & bit(id) != 0 {
            let (members, up) = (shared.members, shared.up & !bit(id));
            self.publish(shared, members, up, ChangeKind::Crash, id, now);
        }
    }

    fn check(&self, shared: &mut RingShared, nodes: &[Node<Self>], now: SimTime) -> Vec<Violation> {
        if shared.lost_reported || self.keys.is_empty() {
            return Vec::new();
        }
        let mut all = KeySet::empty(self.keys.len());
        for node in nodes {
            all.add_all(&node.durable.held);
        }
        if all.count() == self.keys.len() {
            return Vec::new();
        }
        let lost = (0..self.keys.len())
            .find(|&k| !all.contains(k))
            .expect("a lost key");
        shared.lost_reported = true;
        vec![Violation {
            t: now,
            property: "No key lost",
            text: format!(
                "key {} is held by no node, up or crashed",
                self.keys.name(lost)
            ),
        }]
    }

    fn view_node(&self, node: &Node<Self>, _now: SimTime) -> NodeView {
        let d = &node.durable;
        let count = d.held.count();
        let role = if d.member {
            "member"
        } else if count > 0 {
            "leaving"
        } else {
            "standby"
        };
        let words = match role {
            "member" => "ring member",
            "leaving" => "leaving the ring",
            _ => "standby",
        };
        let noun = if count == 1 { "key" } else { "keys" };
        let tokens = self.settings.tokens_per_node;
        let mut details = vec![
            format!("{words}, {count} {noun} stored"),
            format!(
                "{tokens} tokens: node{}#0 to node{}#{}",
                node.id,
                node.id,
                tokens - 1
            ),
            format!("membership epoch seen: {}", d.seen_epoch),
        ];
        if let Some(v) = &node.volatile {
            for (to, o) in v.outstanding.iter() {
                details.push(format!(
                    "waiting for node {to} to acknowledge batch {} ({} keys)",
                    o.batch,
                    o.keys.len()
                ));
            }
        }
        NodeView {
            role,
            caption: format!("{count} {noun}"),
            aria: format!("{words}, {count} {noun}, {tokens} tokens"),
            timer: None,
            details,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn the_first_repeated_key_name_is_the_one_a_set_would_find() {
        // What validate() found with a BTreeSet: the first name seen before.
        let reference = |names: &[String]| {
            let mut seen = BTreeSet::new();
            names.iter().position(|n| !seen.insert(n))
        };
        let mut many: Vec<String> = (0..3000).map(|i| format!("key-{i}")).collect();
        let mut cases: Vec<Vec<String>> = [
            &[][..],
            &["a"],
            &["a", "b", "a"],
            &["x", "y", "y", "x"],
            &["p", "q", "r", "q", "p", "r"],
            &["same", "same", "same"],
        ]
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
        cases.push(many.clone());
        many[2500] = "key-17".into();
        many[2999] = "key-2".into();
        cases.push(many);
        for names in cases {
            assert_eq!(first_repeat(&names), reference(&names), "{names:?}");
        }
        let s = RingSettings {
            key_names: vec!["a".into(), "b".into(), "a".into()],
            ..RingSettings::default()
        };
        assert_eq!(
            s.validate().unwrap_err(),
            "ring.key_names lists \"a\" twice"
        );
    }

    #[test]
    fn outstandings_act_and_serialise_as_the_map_they_replaced() {
        let o = |batch: u64| Outstanding {
            batch,
            keys: vec![batch as u32, 7],
            sent_at: batch * 10,
        };
        let mut ours = Outstandings::default();
        let mut map = BTreeMap::new();
        for (to, batch) in [(5, 1), (2, 2), (9, 3), (2, 4), (1, 5)] {
            ours.insert(NodeId(to), o(batch));
            map.insert(NodeId(to), o(batch));
        }
        ours.remove(&NodeId(9));
        map.remove(&NodeId(9));
        ours.remove(&NodeId(4));
        assert_eq!(ours.get(&NodeId(2)), map.get(&NodeId(2)));
        assert_eq!(ours.get(&NodeId(9)), None);
        let pairs: Vec<(NodeId, &Outstanding)> = ours.iter().map(|(k, v)| (*k, v)).collect();
        let map_pairs: Vec<(NodeId, &Outstanding)> = map.iter().map(|(k, v)| (*k, v)).collect();
        assert_eq!(pairs, map_pairs);
        assert_eq!(
            serde_json::to_value(&ours).unwrap(),
            serde_json::to_value(&map).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        ours.remove(&NodeId(1));
        ours.remove(&NodeId(2));
        ours.remove(&NodeId(5));
        assert!(ours.is_empty());
    }
}
