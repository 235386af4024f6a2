//! A session: one run's [`Sim`], the interventions recorded so far, and checkpoints to travel
//! back in time.
//!
//! The log of interventions is also the script of the future: when the view is in the past,
//! playing forward re-applies the recorded interventions at their times, so the run unfolds
//! exactly as before. Acting in the past forks: the later part of the log is discarded.
//!
//! Checkpoints are taken every `interval` of simulated time (1 s at first). At most
//! [`Session::MAX_CHECKPOINTS`] are kept: when there are more, every other one is dropped and
//! the interval doubles, so memory stays bounded however long the run, and reaching any moment
//! re-simulates at most one interval.

use super::engine::{Sim, Snapshot};
use super::intervention::{Intervention, Recorded};
use super::protocol::Protocol;
use super::time::{SimTime, SEC};

/// One run with its history.
#[derive(Clone, Debug)]
pub struct Session<P: Protocol> {
    history: History,
    run: Run<P>,
}

/// The part of a session that does not depend on the protocol: the log, the checkpoints'
/// times, the interval between them. Its code is compiled once for every protocol.
#[derive(Clone, Debug)]
struct History {
    log: Vec<Recorded>,
    applied: usize,
    /// Per checkpoint (its snapshot at the same index of `Run::snaps`): its time, and how
    /// many interventions of the log had been applied.
    marks: Vec<(SimTime, usize)>,
    interval: SimTime,
    horizon: SimTime,
    replay_errors: Vec<String>,
}

/// The world at the moment viewed and its checkpoints.
#[derive(Clone, Debug)]
struct Run<P: Protocol> {
    sim: Sim<P>,
    snaps: Vec<Snapshot<P>>,
}

/// What the protocol-independent code of a session asks of the world, through `&mut dyn`.
trait Timeline {
    fn now(&self) -> SimTime;
    fn events(&self) -> u64;
    fn next_event_time(&self) -> Option<SimTime>;
    /// [`Sim::advance_bounded`]: the event loop.
    fn advance(&mut self, t: SimTime, budget: u64) -> bool;
    fn apply(&mut self, iv: &Intervention) -> Result<(), String>;
    /// Applies `iv` to a copy of the world, to see whether it would be refused.
    fn try_apply(&self, iv: &Intervention) -> Result<(), String>;
    /// Takes a checkpoint after the others.
    fn snapshot(&mut self);
    /// Keeps the checkpoints whose `keep` is true.
    fn keep(&mut self, keep: &[bool]);
    /// Returns to checkpoint `k`.
    fn restore(&mut self, k: usize);
}

impl<P: Protocol> Timeline for Run<P> {
    fn now(&self) -> SimTime {
        self.sim.now()
    }

    fn events(&self) -> u64 {
        self.sim.events()
    }

    fn next_event_time(&self) -> Option<SimTime> {
        self.sim.next_event_time()
    }

    fn advance(&mut self, t: SimTime, budget: u64) -> bool {
        self.sim.advance_bounded(t, budget)
    }

    fn apply(&mut self, iv: &Intervention) -> Result<(), String> {
        self.sim.apply(iv)
    }

    fn try_apply(&self, iv: &Intervention) -> Result<(), String> {
        self.sim.clone().apply(iv)
    }

    fn snapshot(&mut self) {
        let snap = self.sim.snapshot();
        self.snaps.push(snap);
    }

    fn keep(&mut self, keep: &[bool]) {
        let mut k = 0;
        self.snaps.retain(|_| {
            k += 1;
            keep[k - 1]
        });
    }

    fn restore(&mut self, k: usize) {
        self.sim.restore(&self.snaps[k]);
    }
}

impl<P: Protocol> Session<P> {
    /// Most checkpoints kept at once.
    pub const MAX_CHECKPOINTS: usize = MAX_CHECKPOINTS;

    /// A session starting from a fresh world.
    pub fn new(mut sim: Sim<P>) -> Self {
        let first = sim.snapshot();
        Session {
            history: History {
                log: Vec::new(),
                applied: 0,
                marks: vec![(first.now(), 0)],
                interval: SEC,
                horizon: 0,
                replay_errors: Vec::new(),
            },
            run: Run {
                sim,
                snaps: vec![first],
            },
        }
    }

    /// A session that will replay `log` as time advances.
    pub fn with_log(sim: Sim<P>, log: Vec<Recorded>) -> Self {
        let mut s = Self::new(sim);
        s.history.log = log;
        s
    }

    /// The world at the moment being viewed.
    pub fn sim(&self) -> &Sim<P> {
        &self.run.sim
    }

    /// Now, at the moment being viewed.
    pub fn now(&self) -> SimTime {
        self.run.sim.now()
    }

    /// The furthest moment this run has reached.
    pub fn horizon(&self) -> SimTime {
        self.history.horizon.max(self.now())
    }

    /// Every recorded intervention, including those after the moment being viewed.
    pub fn log(&self) -> &[Recorded] {
        &self.history.log
    }

    /// How many interventions of the log have been applied at the moment being viewed.
    pub fn applied(&self) -> usize {
        self.history.applied
    }

    /// True when acting now would discard a later part of history.
    pub fn in_past(&self) -> bool {
        self.history.in_past(self.now())
    }

    /// Interventions of a loaded log that could not be applied when replayed.
    pub fn replay_errors(&self) -> &[String] {
        &self.history.replay_errors
    }

    /// Number of checkpoints held now.
    pub fn checkpoint_count(&self) -> usize {
        self.history.marks.len()
    }

    /// Runs forward to `t`, applying logged interventions at their times and taking checkpoints.
    pub fn advance_to(&mut self, t: SimTime) {
        self.history.advance_to(&mut self.run, t)
    }

    /// As [`Session::advance_to`] but stops after about `budget` events; true when `t` is reached.
    pub fn advance_bounded(&mut self, t: SimTime, budget: u64) -> bool {
        self.history.advance_bounded(&mut self.run, t, budget)
    }

    /// Moves to the next event (applying logged interventions on the way); returns its time.
    pub fn step(&mut self) -> Option<SimTime> {
        self.history.step(&mut self.run)
    }

    /// Shows the world at moment `t` (earlier or later than now), re-simulating from the
    /// nearest checkpoint. Nothing is discarded.
    pub fn seek(&mut self, t: SimTime) {
        self.history.seek(&mut self.run, t)
    }

    /// Applies an intervention now and records it. Acting in the past discards the later part
    /// of history first. On `Err` nothing changed at all.
    pub fn intervene(&mut self, iv: Intervention) -> Result<(), String> {
        self.history.intervene(&mut self.run, iv)
    }

    /// Discards everything after the moment being viewed.
    pub fn fork(&mut self) {
        self.history.fork(&mut self.run)
    }
}

/// Most checkpoints kept at once.
const MAX_CHECKPOINTS: usize = 128;

impl History {
    fn in_past(&self, now: SimTime) -> bool {
        now < self.horizon || self.applied < self.log.len()
    }

    fn advance_to(&mut self, run: &mut dyn Timeline, t: SimTime) {
        while !self.advance_bounded(run, t, u64::MAX) {}
    }

    fn advance_bounded(&mut self, run: &mut dyn Timeline, t: SimTime, budget: u64) -> bool {
        let start = run.events();
        loop {
            let used = run.events() - start;
            if used >= budget {
                return run.now() >= t;
            }
            let next_iv = self
                .log
                .get(self.applied)
                .map(|r| r.at)
                .filter(|&at| at <= t);
            let last_cp = self.marks.last().map_or(0, |c| c.0);
            let next_cp = Some(last_cp + self.interval).filter(|&c| c <= t);
            let target = [next_iv, next_cp, Some(t)]
                .into_iter()
                .flatten()
                .min()
                .expect("t is always a candidate");
            if !run.advance(target, budget - used) {
                return false;
            }
            if next_iv == Some(target) {
                let rec = &self.log[self.applied];
                if let Err(e) = run.apply(&rec.action) {
                    self.replay_errors.push(format!(
                        "intervention {} at {} ({}): {e}",
                        self.applied + 1,
                        super::time::format_time(rec.at),
                        rec.action.describe()
                    ));
                }
                self.applied += 1;
                continue;
            }
            if next_cp == Some(target) {
                self.take_checkpoint(run);
                continue;
            }
            self.horizon = self.horizon.max(run.now());
            return true;
        }
    }

    fn step(&mut self, run: &mut dyn Timeline) -> Option<SimTime> {
        let next_ev = run.next_event_time();
        let next_iv = self.log.get(self.applied).map(|r| r.at);
        let t = match (next_ev, next_iv) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        let t2 = t.max(run.now());
        self.advance_to(run, t2);
        Some(t)
    }

    fn take_checkpoint(&mut self, run: &mut dyn Timeline) {
        run.snapshot();
        self.marks.push((run.now(), self.applied));
        if self.marks.len() > MAX_CHECKPOINTS {
            let keep: Vec<bool> = (0..self.marks.len()).map(|k| k % 2 == 0).collect();
            self.keep(run, &keep);
            self.interval *= 2;
        }
    }

    /// Keeps the checkpoints whose `keep` is true.
    fn keep(&mut self, run: &mut dyn Timeline, keep: &[bool]) {
        let mut k = 0;
        self.marks.retain(|_| {
            k += 1;
            keep[k - 1]
        });
        run.keep(keep);
    }

    fn seek(&mut self, run: &mut dyn Timeline, t: SimTime) {
        let now = run.now();
        if let Some(k) = self
            .nearest(t)
            .filter(|&k| t < now || self.marks[k].0 > now)
        {
            run.restore(k);
            self.applied = self.marks[k].1;
        }
        self.advance_to(run, t);
    }

    /// The latest checkpoint at or before `t`.
    fn nearest(&self, t: SimTime) -> Option<usize> {
        self.marks.iter().rposition(|c| c.0 <= t)
    }

    fn intervene(&mut self, run: &mut dyn Timeline, iv: Intervention) -> Result<(), String> {
        // Replay applies an intervention at `t` only after every event due at `t`; do the same
        // live, so a zero-delay effect of an earlier action in this instant (a message released
        // at the end of its flight, a timer set to fire now) comes first both times.
        let now = run.now();
        self.advance_to(run, now);
        if self.in_past(run.now()) {
            // Check on a copy first so that a refused action does not cost the future.
            run.try_apply(&iv)?;
            self.fork(run);
        }
        run.apply(&iv)?;
        self.log.push(Recorded {
            at: run.now(),
            action: iv,
        });
        self.applied += 1;
        Ok(())
    }

    fn fork(&mut self, run: &mut dyn Timeline) {
        let now = run.now();
        self.log.truncate(self.applied);
        let applied = self.applied;
        let keep: Vec<bool> = self
            .marks
            .iter()
            .map(|&(t, a)| t < now || (t == now && a <= applied))
            .collect();
        self.keep(run, &keep);
        self.horizon = now;
    }
}
