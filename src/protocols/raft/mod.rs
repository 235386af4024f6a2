//! Raft, faithful to the extended paper (Ongaro and Ousterhout, "In Search of an Understandable
//! Consensus Algorithm", Figure 2 and sections 5 and 8), with PreVote and CheckQuorum from
//! Ongaro's dissertation (section 9.6 and 6.2), and two teaching switches that break it on
//! purpose so the live safety checker ([`RaftChecker`]) can be seen catching the bug.
//!
//! Sans-IO: every handler reads one event (a message, a timer, a user's command), changes the
//! node's state and writes effects into the [`Ctx`]; the sim carries them out.
//!
//! ```text
//!            election timer fires                 votes from a majority
//!  Follower ───────────────────────▶ Candidate ───────────────────────▶ Leader
//!     ▲  ▲   (PreCandidate first          │  ▲ timer fires again:            │
//!     │  │    when prevote is on)         │  └ new term, new election       │
//!     │  └────── sees a leader or a higher term ◀┘                          │
//!     └──────────────── sees a higher term (or loses CheckQuorum) ◀─────────┘
//! ```
//!
//! State follows Figure 2: `currentTerm`, `votedFor` and `log[]` are durable
//! ([`RaftDurable`], survives a crash); `commitIndex`, `lastApplied`, `nextIndex[]`,
//! `matchIndex[]`, the role, the votes and the known leader are volatile ([`RaftVolatile`],
//! lost on a crash and rebuilt by `on_start`). Log indexes are 1-based as in the paper; index 0
//! with term 0 stands for "before the first entry".
//!
//! Client requests: a leader appends a small readable command (`x=3`) and replicates it; any
//! other node refuses in words and names the leader it knows (a redirect, not a forward), so
//! the UI can say where to click next.

mod checker;
mod view;

pub use checker::{PropertyStatus, RaftChecker, PROPERTIES};
pub use view::{checker_status, log_panel, EntryView, FollowerProgress, NodePanel, RaftPanel};

use crate::sim::{Ctx, MessageInfo, NodeCommand, NodeId, NodeView, Protocol, SimTime, MS};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A Raft term number (0 before any election).
pub type Term = u64;

/// A 1-based position in a log (0 means "before the first entry").
pub type LogIndex = u64;

/// Settings a lecturer can change. Times are in milliseconds of simulated time (`_ms`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RaftSettings {
    /// Shortest election timeout, ms (default 150, as in the paper's section 9).
    pub election_min_ms: u64,
    /// Longest election timeout, ms (default 300); each timeout is a fresh uniform draw.
    pub election_max_ms: u64,
    /// Interval between a leader's heartbeats, ms (default 50).
    pub heartbeat_ms: u64,
    /// Most entries one AppendEntries carries (default 16; 1 makes Figure 8 easy to reach).
    pub max_entries_per_append: u32,
    /// A new leader appends a no-op entry of its term (section 8; default on).
    pub noop_on_election: bool,
    /// PreVote (dissertation 9.6): ask for pre-votes before raising the term (default off).
    pub prevote: bool,
    /// CheckQuorum (dissertation 6.2): a leader steps down when it has not heard from a
    /// majority within an election timeout (`election_max_ms`) (default off).
    pub check_quorum: bool,
    /// Teaching switch that breaks Raft: grant votes without the up-to-date check (5.4.1).
    pub unsafe_vote_no_uptodate_check: bool,
    /// Teaching switch that breaks Raft: commit entries of earlier terms by counting replicas
    /// (the bug of Figure 8, section 5.4.2).
    pub unsafe_commit_old_terms: bool,
}

impl Default for RaftSettings {
    fn default() -> Self {
        RaftSettings {
            election_min_ms: 150,
            election_max_ms: 300,
            heartbeat_ms: 50,
            max_entries_per_append: 16,
            noop_on_election: true,
            prevote: false,
            check_quorum: false,
            unsafe_vote_no_uptodate_check: false,
            unsafe_commit_old_terms: false,
        }
    }
}

impl RaftSettings {
    /// Longest timeout or interval a setting may ask for: one simulated minute.
    pub const MAX_MS: u64 = 60_000;

    /// Checks the ranges; the message names the field and says what is wrong, in words.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("election_min_ms", self.election_min_ms),
            ("election_max_ms", self.election_max_ms),
            ("heartbeat_ms", self.heartbeat_ms),
        ] {
            if v == 0 || v > Self::MAX_MS {
                return Err(format!(
                    "raft.{name} must be between 1 and {} ms, got {v}",
                    Self::MAX_MS
                ));
            }
        }
        if self.election_min_ms > self.election_max_ms {
            return Err(format!(
                "raft.election_min_ms ({}) is larger than election_max_ms ({})",
                self.election_min_ms, self.election_max_ms
            ));
        }
        if self.heartbeat_ms >= self.election_min_ms {
            return Err(format!(
                "raft.heartbeat_ms ({}) must be smaller than election_min_ms ({}), or followers \
                 time out between heartbeats",
                self.heartbeat_ms, self.election_min_ms
            ));
        }
        if !(1..=64).contains(&self.max_entries_per_append) {
            return Err(format!(
                "raft.max_entries_per_append must be between 1 and 64, got {}",
                self.max_entries_per_append
            ));
        }
        Ok(())
    }
}

/// What a log entry asks the state machine to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// The entry a new leader appends to commit its term (section 8); changes nothing.
    Noop,
    /// Sets a one-letter key to a small value: `x=3`.
    Set {
        /// The key (`x`, `y` or `z`).
        key: char,
        /// The value (1 to 9).
        value: u32,
    },
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Noop => f.write_str("no-op"),
            Command::Set { key, value } => write!(f, "{key}={value}"),
        }
    }
}

/// One log entry: the term it was created in and its command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Term of the leader that created it.
    pub term: Term,
    /// What it does.
    pub command: Command,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{} {}", self.term, self.command)
    }
}

/// State that survives a crash (Figure 2, "Persistent state on all servers").
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RaftDurable {
    /// Latest term this node has seen.
    pub current_term: Term,
    /// Candidate this node voted for in `current_term`, if any.
    pub voted_for: Option<NodeId>,
    /// The log; `log[0]` is index 1.
    pub log: Vec<Entry>,
}

impl RaftDurable {
    /// Index of the last entry (0 for an empty log).
    pub fn last_index(&self) -> LogIndex {
        self.log.len() as LogIndex
    }

    /// Term of the last entry (0 for an empty log).
    pub fn last_term(&self) -> Term {
        self.log.last().map_or(0, |e| e.term)
    }

    /// The entry at a 1-based index.
    pub fn entry(&self, index: LogIndex) -> Option<&Entry> {
        if index == 0 {
            None
        } else {
            self.log.get(index as usize - 1)
        }
    }

    /// Term of the entry at `index`: `Some(0)` for index 0, `None` past the end.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == 0 {
            Some(0)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }

    /// The up-to-date check of section 5.4.1: is a log ending at (`last_index`, `last_term`)
    /// at least as up to date as this one? Higher last term wins; equal terms compare length.
    pub fn is_behind_or_equal(&self, last_index: LogIndex, last_term: Term) -> bool {
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }
}

/// A node's role (Figure 2, "Rules for Servers").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Follows a leader, answers requests.
    Follower,
    /// PreVote: asks whether it could win before raising its term (still a follower in term).
    PreCandidate,
    /// Asks for votes in a new term.
    Candidate,
    /// Replicates its log to the others.
    Leader,
}

impl Role {
    /// The role in one word, for captions and labels.
    pub fn word(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }

    /// The CSS class for the node picture (a pre-candidate looks like a candidate).
    pub fn css(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate | Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

/// The replicated state machine of the demo: keys (letters) to values, in key order. A sorted
/// vector ([`litemap::LiteMap`]), not a `BTreeMap` (a handful of keys; one tree type fewer in
/// the wasm); serialised as the same JSON object.
pub type StateMachine = litemap::LiteMap<char, u32>;

/// State lost on a crash (Figure 2, "Volatile state"), rebuilt by `on_start`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaftVolatile {
    /// Follower, pre-candidate, candidate or leader.
    pub role: Role,
    /// Highest index known to be committed.
    pub commit_index: LogIndex,
    /// Highest index applied to the state machine.
    pub last_applied: LogIndex,
    /// The leader of `current_term`, once heard from.
    pub leader: Option<NodeId>,
    /// Votes (or pre-votes) received in the current election, in id order, self included.
    pub votes: Vec<NodeId>,
    /// Leader only: for each node (by index), the next log index to send it.
    pub next_index: Vec<LogIndex>,
    /// Leader only: for each node (by index), the highest index known to be replicated there.
    pub match_index: Vec<LogIndex>,
    /// Leader with CheckQuorum: which nodes answered since the last quorum check.
    pub heard_from: Vec<bool>,
    /// When this node last heard from a leader of its term (PreVote's leader stickiness).
    pub last_leader_contact: Option<SimTime>,
    /// The state machine: applied `Set` commands, key to value.
    pub state_machine: StateMachine,
}

impl RaftVolatile {
    fn fresh() -> Self {
        RaftVolatile {
            role: Role::Follower,
            commit_index: 0,
            last_applied: 0,
            leader: None,
            votes: Vec::new(),
            next_index: Vec::new(),
            match_index: Vec::new(),
            heard_from: Vec::new(),
            last_leader_contact: None,
            state_machine: StateMachine::default(),
        }
    }
}

/// A node's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RaftTimer {
    /// Followers and candidates: no word from a leader in time, start an election.
    Election,
    /// Leader: send AppendEntries (a heartbeat when there is nothing new) to everyone.
    Heartbeat,
    /// Leader with CheckQuorum: did a majority answer since the last check?
    QuorumCheck,
}

/// A Raft message (Figure 2's RPCs and their replies, plus PreVote).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RaftMsg {
    /// PreVote (dissertation 9.6): "would you vote for me in `term`?"; changes no state.
    PreVote {
        /// The term the sender would campaign in (its current term + 1).
        term: Term,
        /// Index of the sender's last log entry.
        last_log_index: LogIndex,
        /// Term of the sender's last log entry.
        last_log_term: Term,
    },
    /// Answer to a PreVote.
    PreVoteReply {
        /// The voter's current term.
        term: Term,
        /// Whether the voter would vote.
        granted: bool,
    },
    /// RequestVote RPC (Figure 2, section 5.2).
    RequestVote {
        /// Candidate's term.
        term: Term,
        /// Index of the candidate's last log entry.
        last_log_index: LogIndex,
        /// Term of the candidate's last log entry.
        last_log_term: Term,
    },
    /// RequestVote's reply.
    Vote {
        /// The voter's current term, for the candidate to update itself.
        term: Term,
        /// True means the candidate received the vote.
        granted: bool,
    },
    /// AppendEntries RPC (Figure 2, section 5.3): replicates entries, or is a heartbeat.
    AppendEntries {
        /// Leader's term.
        term: Term,
        /// Index of the entry just before the new ones.
        prev_log_index: LogIndex,
        /// Term of that entry.
        prev_log_term: Term,
        /// Entries to store (empty for a heartbeat).
        entries: Vec<Entry>,
        /// Leader's commit index.
        leader_commit: LogIndex,
    },
    /// AppendEntries' reply.
    AppendReply {
        /// The follower's current term.
        term: Term,
        /// True if the follower had an entry matching `prev_log_index` and `prev_log_term`.
        success: bool,
        /// On success the last index now known to match the leader; on failure the
        /// `prev_log_index` that did not match.
        index: LogIndex,
        /// The follower's last log index (lets the leader skip back at once, section 5.3).
        last_log_index: LogIndex,
    },
}

impl MessageInfo for RaftMsg {
    fn kind(&self) -> &'static str {
        match self {
            RaftMsg::PreVote { .. } => "PreVote",
            RaftMsg::PreVoteReply { .. } => "PreVoteReply",
            RaftMsg::RequestVote { .. } => "RequestVote",
            RaftMsg::Vote { .. } => "Vote",
            RaftMsg::AppendEntries { .. } => "AppendEntries",
            RaftMsg::AppendReply { .. } => "AppendReply",
        }
    }

    fn summary(&self) -> String {
        let granted = |g: &bool| if *g { "granted" } else { "refused" };
        match self {
            RaftMsg::PreVote {
                term,
                last_log_index,
                last_log_term,
            } => format!(
                "PreVote for term {term}: sender's log ends at index {last_log_index} term \
                 {last_log_term}"
            ),
            RaftMsg::PreVoteReply { term, granted: g } => {
                format!("pre-vote {} (voter in term {term})", granted(g))
            }
            RaftMsg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => format!(
                "RequestVote term {term}: candidate's log ends at index {last_log_index} term \
                 {last_log_term}"
            ),
            RaftMsg::Vote { term, granted: g } => format!("vote {}, term {term}", granted(g)),
            RaftMsg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => {
                let what = if entries.is_empty() {
                    "heartbeat".to_string()
                } else {
                    let first = prev_log_index + 1;
                    let last = prev_log_index + entries.len() as u64;
                    let list: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
                    let span = if first == last {
                        format!("entry {first}")
                    } else {
                        format!("entries {first}-{last}")
                    };
                    format!("{span} [{}]", list.join(", "))
                };
                format!(
                    "AppendEntries term {term}: {what} after index {prev_log_index} term \
                     {prev_log_term}, leader commit {leader_commit}"
                )
            }
            RaftMsg::AppendReply {
                term,
                success,
                index,
                last_log_index,
            } => {
                if *success {
                    format!("AppendReply term {term}: success, log matches up to index {index}")
                } else {
                    format!(
                        "AppendReply term {term}: refused, no match at index {index} (log ends \
                         at {last_log_index})"
                    )
                }
            }
        }
    }
}

/// The Raft protocol with its settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Raft {
    /// The settings the run uses.
    pub settings: RaftSettings,
}

/// The keys client commands write, in turn.
const KEYS: [char; 3] = ['x', 'y', 'z'];

fn majority(n: u32) -> usize {
    n as usize / 2 + 1
}

/// On how many nodes index `x` is stored: the followers' `match_index`, and the leader's own
/// log (`mine`, its last index) in place of its own entry.
fn stored_on(match_index: &[LogIndex], me: usize, mine: LogIndex, x: LogIndex) -> usize {
    let mut on = usize::from(mine >= x);
    for (i, &m) in match_index.iter().enumerate() {
        if i != me && m >= x {
            on += 1;
        }
    }
    on
}

fn list(ids: &[NodeId]) -> String {
    let s: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    s.join(", ")
}

impl Raft {
    /// Raft with these settings (call [`RaftSettings::validate`] first on outside input).
    pub fn new(settings: RaftSettings) -> Self {
        Raft { settings }
    }

    /// Sets the election timer to a fresh uniform draw from the settings' range (5.2).
    fn reset_election_timer(&self, ctx: &mut Ctx<Self>) {
        let ms = ctx
            .rng
            .range(self.settings.election_min_ms, self.settings.election_max_ms);
        ctx.set_timer(RaftTimer::Election, ms * MS);
    }

    /// Appends one entry to this node's log, telling the checker.
    fn append(ctx: &mut Ctx<Self>, d: &mut RaftDurable, entry: Entry) {
        d.log.push(entry);
        ctx.shared.log_changed(ctx.id, d.last_index());
    }

    /// Deletes the entry at `index` and all that follow (5.3), telling the checker.
    fn truncate(ctx: &mut Ctx<Self>, d: &mut RaftDurable, index: LogIndex) {
        d.log.truncate(index as usize - 1);
        ctx.shared.log_changed(ctx.id, index);
    }

    /// Becomes a follower; with a higher `term`, adopts it and forgets the vote (Figure 2, "All
    /// servers": if a message's term is higher, set currentTerm and convert to follower).
    fn become_follower(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        term: Term,
    ) {
        let was = v.role;
        if term > d.current_term {
            d.current_term = term;
            d.voted_for = None;
            v.leader = None;
        }
        v.role = Role::Follower;
        v.votes.clear();
        v.next_index.clear();
        v.match_index.clear();
        v.heard_from.clear();
        if was == Role::Leader {
            ctx.note(
                "stepdown",
                format!(
                    "node {} stepped down to follower in term {}",
                    ctx.id, d.current_term
                ),
            );
            ctx.cancel_timer(RaftTimer::Heartbeat);
            ctx.cancel_timer(RaftTimer::QuorumCheck);
            self.reset_election_timer(ctx);
        }
    }

    /// PreVote (dissertation 9.6): ask for pre-votes for the next term without raising ours.
    fn start_prevote(&self, ctx: &mut Ctx<Self>, d: &mut RaftDurable, v: &mut RaftVolatile) {
        v.role = Role::PreCandidate;
        v.leader = None;
        v.votes = vec![ctx.id];
        self.reset_election_timer(ctx);
        if v.votes.len() >= majority(ctx.n) {
            self.start_election(ctx, d, v);
            return;
        }
        ctx.broadcast(RaftMsg::PreVote {
            term: d.current_term + 1,
            last_log_index: d.last_index(),
            last_log_term: d.last_term(),
        });
    }

    /// Starts an election (5.2): new term, vote for self, reset the timer, ask everyone.
    fn start_election(&self, ctx: &mut Ctx<Self>, d: &mut RaftDurable, v: &mut RaftVolatile) {
        d.current_term += 1;
        d.voted_for = Some(ctx.id);
        v.role = Role::Candidate;
        v.leader = None;
        v.votes = vec![ctx.id];
        ctx.note(
            "term",
            format!(
                "node {} started an election for term {}",
                ctx.id, d.current_term
            ),
        );
        self.reset_election_timer(ctx);
        if v.votes.len() >= majority(ctx.n) {
            self.become_leader(ctx, d, v);
            return;
        }
        ctx.broadcast(RaftMsg::RequestVote {
            term: d.current_term,
            last_log_index: d.last_index(),
            last_log_term: d.last_term(),
        });
    }

    /// Wins the election (5.2): initialise nextIndex and matchIndex, append the no-op of section
    /// 8, send AppendEntries to everyone at once and then every heartbeat.
    fn become_leader(&self, ctx: &mut Ctx<Self>, d: &mut RaftDurable, v: &mut RaftVolatile) {
        let n = ctx.n as usize;
        v.role = Role::Leader;
        v.leader = Some(ctx.id);
        v.next_index = vec![d.last_index() + 1; n];
        v.match_index = vec![0; n];
        v.heard_from = vec![false; n];
        ctx.cancel_timer(RaftTimer::Election);
        ctx.note(
            "leader",
            format!(
                "node {} became leader of term {} with votes from {}",
                ctx.id,
                d.current_term,
                list(&v.votes)
            ),
        );
        if self.settings.noop_on_election {
            let term = d.current_term;
            Self::append(
                ctx,
                d,
                Entry {
                    term,
                    command: Command::Noop,
                },
            );
        }
        self.replicate_to_all(ctx, d, v);
        ctx.set_timer(RaftTimer::Heartbeat, self.settings.heartbeat_ms * MS);
        if self.settings.check_quorum {
            ctx.set_timer(RaftTimer::QuorumCheck, self.settings.election_max_ms * MS);
        }
        self.advance_commit(ctx, d, v);
    }

    /// Sends AppendEntries to every follower, starting at its nextIndex.
    fn replicate_to_all(&self, ctx: &mut Ctx<Self>, d: &RaftDurable, v: &mut RaftVolatile) {
        for peer in 1..=ctx.n {
            if NodeId(peer) != ctx.id {
                self.send_append(ctx, d, v, NodeId(peer));
            }
        }
    }

    /// Sends one AppendEntries to `to`: the entries from its nextIndex on (at most
    /// `max_entries_per_append`), or a heartbeat when it has them all.
    fn send_append(&self, ctx: &mut Ctx<Self>, d: &RaftDurable, v: &mut RaftVolatile, to: NodeId) {
        let i = to.index();
        let next = v.next_index[i].clamp(1, d.last_index() + 1);
        v.next_index[i] = next;
        let prev = next - 1;
        let end = (prev + self.settings.max_entries_per_append as u64).min(d.last_index());
        let entries = if end > prev {
            d.log[prev as usize..end as usize].to_vec()
        } else {
            Vec::new()
        };
        let prev_log_term = d
            .term_at(prev)
            .expect("a leader's nextIndex never passes the end of its log");
        ctx.send(
            to,
            RaftMsg::AppendEntries {
                term: d.current_term,
                prev_log_index: prev,
                prev_log_term,
                entries,
                leader_commit: v.commit_index,
            },
        );
    }

    /// The leader's commit rule (5.3, 5.4.2): the highest index stored on a majority is
    /// committed if its entry is of the current term (or, with the Figure 8 teaching switch,
    /// whatever its term).
    fn advance_commit(&self, ctx: &mut Ctx<Self>, d: &RaftDurable, v: &mut RaftVolatile) {
        if v.role != Role::Leader {
            return;
        }
        let me = ctx.id.index();
        let mine = d.last_index();
        // The highest index stored on a majority (the majority-th largest of the matched
        // indexes), found by counting: this runs on every successful AppendEntries reply, and
        // needs neither a copy of the indexes nor a sort. A count is made only for an index above
        // the best so far, so a steady cluster (indexes mostly equal) costs a pass or two.
        let k = majority(ctx.n);
        let mut n = 0;
        for (j, &m) in v.match_index.iter().enumerate() {
            let c = if j == me { mine } else { m };
            if c > n && stored_on(&v.match_index, me, mine, c) >= k {
                n = c;
            }
        }
        if n <= v.commit_index {
            return;
        }
        let term = d
            .term_at(n)
            .expect("a majority-matched index is in the leader's log");
        if term != d.current_term && !self.settings.unsafe_commit_old_terms {
            return;
        }
        let on = stored_on(&v.match_index, me, mine, n);
        v.commit_index = n;
        ctx.note(
            "commit",
            format!(
                "node {} committed up to index {n} (stored on {on} of {} nodes)",
                ctx.id, ctx.n
            ),
        );
        Self::apply_committed(d, v);
    }

    /// Applies committed entries to the state machine in log order (Figure 2, "All servers").
    fn apply_committed(d: &RaftDurable, v: &mut RaftVolatile) {
        while v.last_applied < v.commit_index {
            v.last_applied += 1;
            let e = d
                .entry(v.last_applied)
                .expect("a committed index is in the node's log");
            if let Command::Set { key, value } = e.command {
                v.state_machine.insert(key, value);
            }
        }
    }

    fn on_request_vote(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        (term, last_log_index, last_log_term): (Term, LogIndex, Term),
    ) {
        if term > d.current_term {
            self.become_follower(ctx, d, v, term);
        }
        let up_to_date = self.settings.unsafe_vote_no_uptodate_check
            || d.is_behind_or_equal(last_log_index, last_log_term);
        let free = d.voted_for.is_none() || d.voted_for == Some(from);
        let granted = term == d.current_term && free && up_to_date;
        if granted {
            d.voted_for = Some(from);
            self.reset_election_timer(ctx);
        }
        ctx.send(
            from,
            RaftMsg::Vote {
                term: d.current_term,
                granted,
            },
        );
    }

    fn on_vote(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        term: Term,
        granted: bool,
    ) {
        if term > d.current_term {
            self.become_follower(ctx, d, v, term);
            return;
        }
        if v.role != Role::Candidate || term != d.current_term || !granted {
            return;
        }
        if let Err(pos) = v.votes.binary_search(&from) {
            v.votes.insert(pos, from);
        }
        if v.votes.len() >= majority(ctx.n) {
            self.become_leader(ctx, d, v);
        }
    }

    fn on_prevote(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        (term, last_log_index, last_log_term): (Term, LogIndex, Term),
    ) {
        let up_to_date = self.settings.unsafe_vote_no_uptodate_check
            || d.is_behind_or_equal(last_log_index, last_log_term);
        let leader_alive = v.role == Role::Leader
            || v.last_leader_contact
                .is_some_and(|t| ctx.now < t + self.settings.election_min_ms * MS);
        let granted = term > d.current_term && up_to_date && !leader_alive;
        ctx.send(
            from,
            RaftMsg::PreVoteReply {
                term: d.current_term,
                granted,
            },
        );
    }

    fn on_prevote_reply(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        term: Term,
        granted: bool,
    ) {
        if !granted {
            if term > d.current_term {
                self.become_follower(ctx, d, v, term);
            }
            return;
        }
        if v.role != Role::PreCandidate {
            return;
        }
        if let Err(pos) = v.votes.binary_search(&from) {
            v.votes.insert(pos, from);
        }
        if v.votes.len() >= majority(ctx.n) {
            self.start_election(ctx, d, v);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append_entries(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        (term, prev_log_index, prev_log_term): (Term, LogIndex, Term),
        entries: Vec<Entry>,
        leader_commit: LogIndex,
    ) {
        // 1. Reply false if term < currentTerm.
        if term < d.current_term {
            ctx.send(
                from,
                RaftMsg::AppendReply {
                    term: d.current_term,
                    success: false,
                    index: prev_log_index,
                    last_log_index: d.last_index(),
                },
            );
            return;
        }
        if term > d.current_term || v.role != Role::Follower {
            self.become_follower(ctx, d, v, term);
        }
        v.leader = Some(from);
        v.last_leader_contact = Some(ctx.now);
        self.reset_election_timer(ctx);
        // 2. Reply false if the log has no entry at prevLogIndex whose term is prevLogTerm.
        if d.term_at(prev_log_index) != Some(prev_log_term) {
            ctx.send(
                from,
                RaftMsg::AppendReply {
                    term: d.current_term,
                    success: false,
                    index: prev_log_index,
                    last_log_index: d.last_index(),
                },
            );
            return;
        }
        // 3. An existing entry that conflicts with a new one (same index, different term):
        //    delete it and all that follow. 4. Append any new entries not already in the log.
        //    Entries that already match stay, so a late, shorter message never truncates.
        let last_new = prev_log_index + entries.len() as u64;
        for (k, e) in entries.into_iter().enumerate() {
            let index = prev_log_index + 1 + k as u64;
            match d.term_at(index) {
                Some(t) if t == e.term => continue,
                Some(_) => {
                    Self::truncate(ctx, d, index);
                    Self::append(ctx, d, e);
                }
                None => Self::append(ctx, d, e),
            }
        }
        // 5. If leaderCommit > commitIndex, commitIndex = min(leaderCommit, last new entry).
        if leader_commit > v.commit_index {
            v.commit_index = v.commit_index.max(leader_commit.min(last_new));
            Self::apply_committed(d, v);
        }
        ctx.send(
            from,
            RaftMsg::AppendReply {
                term: d.current_term,
                success: true,
                index: last_new,
                last_log_index: d.last_index(),
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append_reply(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        term: Term,
        success: bool,
        index: LogIndex,
        last_log_index: LogIndex,
    ) {
        if term > d.current_term {
            self.become_follower(ctx, d, v, term);
            return;
        }
        if v.role != Role::Leader || term != d.current_term {
            return;
        }
        let f = from.index();
        v.heard_from[f] = true;
        if success {
            // Replies may arrive late, twice or out of order: only ever move forward.
            v.match_index[f] = v.match_index[f].max(index);
            v.next_index[f] = v.next_index[f].max(index + 1);
            self.advance_commit(ctx, d, v);
            if v.next_index[f] <= d.last_index() {
                self.send_append(ctx, d, v, from);
            }
        } else {
            // 5.3: decrement nextIndex and retry; skip straight past the follower's last
            // index when it is shorter. Never below what is known to match.
            let back = index.min(last_log_index + 1).max(v.match_index[f] + 1);
            if back < v.next_index[f] {
                v.next_index[f] = back;
                self.send_append(ctx, d, v, from);
            }
        }
    }

    fn on_client_request(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
    ) -> Result<(), String> {
        if v.role != Role::Leader {
            return Err(match v.leader {
                Some(l) => format!("node {} is not the leader; the leader is node {l}", ctx.id),
                None => format!(
                    "node {} is not the leader and knows no leader in term {}; try again after \
                     an election",
                    ctx.id, d.current_term
                ),
            });
        }
        let key = KEYS[(d.last_index() % KEYS.len() as u64) as usize];
        let value = ctx.rng.range(1, 9) as u32;
        let term = d.current_term;
        Self::append(
            ctx,
            d,
            Entry {
                term,
                command: Command::Set { key, value },
            },
        );
        self.replicate_to_all(ctx, d, v);
        self.advance_commit(ctx, d, v);
        Ok(())
    }
}

impl Protocol for Raft {
    type Msg = RaftMsg;
    type Timer = RaftTimer;
    type Durable = RaftDurable;
    type Volatile = RaftVolatile;
    type Shared = RaftChecker;

    fn name(&self) -> &'static str {
        "Raft"
    }

    fn init_durable(&self, _id: NodeId, _n: u32) -> RaftDurable {
        RaftDurable::default()
    }

    fn on_start(&self, ctx: &mut Ctx<Self>, _durable: &mut RaftDurable) -> RaftVolatile {
        self.reset_election_timer(ctx);
        RaftVolatile::fresh()
    }

    fn on_message(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        from: NodeId,
        msg: RaftMsg,
    ) {
        match msg {
            RaftMsg::PreVote {
                term,
                last_log_index,
                last_log_term,
            } => self.on_prevote(ctx, d, v, from, (term, last_log_index, last_log_term)),
            RaftMsg::PreVoteReply { term, granted } => {
                self.on_prevote_reply(ctx, d, v, from, term, granted)
            }
            RaftMsg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.on_request_vote(ctx, d, v, from, (term, last_log_index, last_log_term)),
            RaftMsg::Vote { term, granted } => self.on_vote(ctx, d, v, from, term, granted),
            RaftMsg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => self.on_append_entries(
                ctx,
                d,
                v,
                from,
                (term, prev_log_index, prev_log_term),
                entries,
                leader_commit,
            ),
            RaftMsg::AppendReply {
                term,
                success,
                index,
                last_log_index,
            } => self.on_append_reply(ctx, d, v, from, term, success, index, last_log_index),
        }
    }

    fn on_timer(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        timer: RaftTimer,
    ) {
        match timer {
            RaftTimer::Election => {
                if v.role == Role::Leader {
                    return;
                }
                if self.settings.prevote {
                    self.start_prevote(ctx, d, v);
                } else {
                    self.start_election(ctx, d, v);
                }
            }
            RaftTimer::Heartbeat => {
                if v.role == Role::Leader {
                    self.replicate_to_all(ctx, d, v);
                    ctx.set_timer(RaftTimer::Heartbeat, self.settings.heartbeat_ms * MS);
                }
            }
            RaftTimer::QuorumCheck => {
                if v.role != Role::Leader {
                    return;
                }
                let me = ctx.id.index();
                let heard = v
                    .heard_from
                    .iter()
                    .enumerate()
                    .filter(|&(i, &h)| h || i == me)
                    .count();
                if heard < majority(ctx.n) {
                    ctx.note(
                        "checkquorum",
                        format!(
                            "node {} heard from only {heard} of {} nodes in {} ms (CheckQuorum)",
                            ctx.id, ctx.n, self.settings.election_max_ms
                        ),
                    );
                    let term = d.current_term;
                    self.become_follower(ctx, d, v, term);
                    v.leader = None;
                    return;
                }
                v.heard_from.iter_mut().for_each(|h| *h = false);
                ctx.set_timer(RaftTimer::QuorumCheck, self.settings.election_max_ms * MS);
            }
        }
    }

    fn on_command(
        &self,
        ctx: &mut Ctx<Self>,
        d: &mut RaftDurable,
        v: &mut RaftVolatile,
        command: &NodeCommand,
    ) -> Result<(), String> {
        match command {
            NodeCommand::ClientRequest => self.on_client_request(ctx, d, v),
            NodeCommand::TimeoutNow => {
                if v.role == Role::Leader {
                    return Err(format!(
                        "node {} is already the leader of term {}",
                        ctx.id, d.current_term
                    ));
                }
                // Like the dissertation's TimeoutNow (3.10), this skips PreVote.
                self.start_election(ctx, d, v);
                Ok(())
            }
            other => {
                let what = match other {
                    NodeCommand::LocalEvent => "local events (a vector-clock action)",
                    NodeCommand::SendTo(_) => "plain messages (a vector-clock action)",
                    NodeCommand::Join | NodeCommand::Leave => {
                        "joining or leaving a ring (a hash-ring action)"
                    }
                    _ => "this command",
                };
                Err(format!(
                    "a Raft node does not do {what}; it takes client requests and \"time out \
                     now\""
                ))
            }
        }
    }

    fn on_crash(&self, shared: &mut RaftChecker, id: NodeId, _now: SimTime) {
        shared.node_crashed(id);
    }

    fn check(
        &self,
        shared: &mut RaftChecker,
        nodes: &[crate::sim::Node<Self>],
        now: SimTime,
    ) -> Vec<crate::sim::Violation> {
        shared.check(nodes, now)
    }

    fn check_node(
        &self,
        shared: &mut RaftChecker,
        nodes: &[crate::sim::Node<Self>],
        index: usize,
        now: SimTime,
    ) -> Vec<crate::sim::Violation> {
        shared.check_one(nodes, index, now)
    }

    fn view_node(&self, node: &crate::sim::Node<Self>, now: SimTime) -> NodeView {
        view::node_view(node, now)
    }
}

#[cfg(test)]
mod state_machine_tests {
    use super::StateMachine;
    use std::collections::BTreeMap;

    #[test]
    fn the_state_machine_keeps_the_last_value_per_key_in_key_order_and_serialises_as_a_map() {
        let sets = [('y', 3), ('a', 1), ('y', 7), ('m', 2), ('a', 9)];
        let mut sm = StateMachine::default();
        let mut reference = BTreeMap::new();
        assert!(sm.is_empty());
        for (k, v) in sets {
            sm.insert(k, v);
            reference.insert(k, v);
        }
        assert_eq!(
            sm.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            reference.clone().into_iter().collect::<Vec<_>>()
        );
        assert_eq!(sm.get(&'y'), Some(&7));
        assert_eq!(sm.get(&'b'), None);
        assert_eq!(
            serde_json::to_string(&sm).unwrap(),
            serde_json::to_string(&reference).unwrap()
        );
    }
}
