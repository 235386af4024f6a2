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

#[derive(Clone, Debug)]
struct Checkpoint<P: Protocol> {
    snap: Snapshot<P>,
    applied: usize,
}

/// One run with its history.
#[derive(Clone, Debug)]
pub struct Session<P: Protocol> {
    sim: Sim<P>,
    log: Vec<Recorded>,
    applied: usize,
    checkpoints: Vec<Checkpoint<P>>,
    interval: SimTime,
    horizon: SimTime,
    replay_errors: Vec<String>,
}

impl<P: Protocol> Session<P> {
    /// Most checkpoints kept at once.
    pub const MAX_CHECKPOINTS: usize = 128;

    /// A session starting from a fresh world.
    pub fn new(mut sim: Sim<P>) -> Self {
        let first = Checkpoint {
            snap: sim.snapshot(),
            applied: 0,
        };
        Session {
            sim,
            log: Vec::new(),
            applied: 0,
            checkpoints: vec![first],
            interval: SEC,
            horizon: 0,
            replay_errors: Vec::new(),
        }
    }

    /// A session that will replay `log` as time advances.
    pub fn with_log(sim: Sim<P>, log: Vec<Recorded>) -> Self {
        let mut s = Self::new(sim);
        s.log = log;
        s
    }

    /// The world at the moment being viewed.
    pub fn sim(&self) -> &Sim<P> {
        &self.sim
    }

    /// Now, at the moment being viewed.
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// The furthest moment this run has reached.
    pub fn horizon(&self) -> SimTime {
        self.horizon.max(self.sim.now())
    }

    /// Every recorded intervention, including those after the moment being viewed.
    pub fn log(&self) -> &[Recorded] {
        &self.log
    }

    /// How many interventions of the log have been applied at the moment being viewed.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// True when acting now would discard a later part of history.
    pub fn in_past(&self) -> bool {
        self.sim.now() < self.horizon || self.applied < self.log.len()
    }

    /// Interventions of a loaded log that could not be applied when replayed.
    pub fn replay_errors(&self) -> &[String] {
        &self.replay_errors
    }

    /// Number of checkpoints held now.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Runs forward to `t`, applying logged interventions at their times and taking checkpoints.
    pub fn advance_to(&mut self, t: SimTime) {
        while !self.advance_bounded(t, u64::MAX) {}
    }

    /// As [`Session::advance_to`] but stops after about `budget` events; true when `t` is reached.
    pub fn advance_bounded(&mut self, t: SimTime, budget: u64) -> bool {
        let start = self.sim.events();
        loop {
            let used = self.sim.events() - start;
            if used >= budget {
                return self.sim.now() >= t;
            }
            let next_iv = self
                .log
                .get(self.applied)
                .map(|r| r.at)
                .filter(|&at| at <= t);
            let last_cp = self.checkpoints.last().map_or(0, |c| c.snap.now());
            let next_cp = Some(last_cp + self.interval).filter(|&c| c <= t);
            let target = [next_iv, next_cp, Some(t)]
                .into_iter()
                .flatten()
                .min()
                .expect("t is always a candidate");
            if !self.sim.advance_bounded(target, budget - used) {
                return false;
            }
            if next_iv == Some(target) {
                let rec = self.log[self.applied].clone();
                if let Err(e) = self.sim.apply(&rec.action) {
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
                self.take_checkpoint();
                continue;
            }
            self.horizon = self.horizon.max(self.sim.now());
            return true;
        }
    }

    /// Moves to the next event (applying logged interventions on the way); returns its time.
    pub fn step(&mut self) -> Option<SimTime> {
        let next_ev = self.sim.next_event_time();
        let next_iv = self.log.get(self.applied).map(|r| r.at);
        let t = match (next_ev, next_iv) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        self.advance_to(t.max(self.sim.now()));
        Some(t)
    }

    fn take_checkpoint(&mut self) {
        self.checkpoints.push(Checkpoint {
            snap: self.sim.snapshot(),
            applied: self.applied,
        });
        if self.checkpoints.len() > Self::MAX_CHECKPOINTS {
            let mut k = 0;
            self.checkpoints.retain(|_| {
                k += 1;
                k % 2 == 1
            });
            self.interval *= 2;
        }
    }

    /// Shows the world at moment `t` (earlier or later than now), re-simulating from the
    /// nearest checkpoint. Nothing is discarded.
    pub fn seek(&mut self, t: SimTime) {
        if t < self.sim.now()
            || self
                .nearest(t)
                .is_some_and(|c| c.snap.now() > self.sim.now())
        {
            let cp = self
                .nearest(t)
                .expect("the checkpoint at 0 is always kept")
                .clone();
            self.sim.restore(&cp.snap);
            self.applied = cp.applied;
        }
        self.advance_to(t);
    }

    fn nearest(&self, t: SimTime) -> Option<&Checkpoint<P>> {
        self.checkpoints.iter().rev().find(|c| c.snap.now() <= t)
    }

    /// Applies an intervention now and records it. Acting in the past discards the later part
    /// of history first. On `Err` nothing changed at all.
    pub fn intervene(&mut self, iv: Intervention) -> Result<(), String> {
        // Replay applies an intervention at `t` only after every event due at `t`; do the same
        // live, so a zero-delay effect of an earlier action in this instant (a message released
        // at the end of its flight, a timer set to fire now) comes first both times.
        self.advance_to(self.sim.now());
        if self.in_past() {
            // Check on a copy first so that a refused action does not cost the future.
            let mut trial = self.sim.clone();
            trial.apply(&iv)?;
            self.fork();
        }
        self.sim.apply(&iv)?;
        self.log.push(Recorded {
            at: self.sim.now(),
            action: iv,
        });
        self.applied += 1;
        Ok(())
    }

    /// Discards everything after the moment being viewed.
    pub fn fork(&mut self) {
        let now = self.sim.now();
        self.log.truncate(self.applied);
        self.checkpoints
            .retain(|c| c.snap.now() < now || (c.snap.now() == now && c.applied <= self.applied));
        self.horizon = now;
    }
}
