//! Guided lessons: prepared scenarios with a caption per step, Back and Next, and "predict,
//! then reveal" questions at decision points.
//!
//! A lesson is data, not code: one [`Scenario`] (protocol, seed, settings) plus [`Step`]s. Each
//! step names a simulated moment and the interventions applied at that moment; the lesson's
//! whole run is ONE scenario whose interventions are every step's actions merged in time order
//! ([`scenario_for`]). Showing step k is seeking the world to `steps[k].at_us`; going back is a
//! [`World::seek`] to an earlier moment (the core's rewind from checkpoints), never a replay
//! from the start. Seeds and times were chosen by running the simulation, and
//! `tests/lessons.rs` checks every caption's claim against the world at its step.
//!
//! See `docs/lessons.md` for the list of lessons and how to add one.

mod raft;
mod ring;
mod vclock;

use crate::sim::{Intervention, Recorded, SimTime};
use crate::world::{ProtocolKind, Scenario, ScenarioError, World};
use serde::Serialize;

/// One built-in lesson.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lesson {
    /// Stable, URL-safe identifier (`raft-split-vote`), used in links.
    pub id: &'static str,
    /// Which protocol it teaches.
    pub protocol: ProtocolKind,
    /// Title shown in the lesson list.
    pub title: String,
    /// One or two sentences on what the learner will see.
    pub summary: String,
    /// The run: protocol, seed, nodes, network, settings, and interventions that are not tied
    /// to a step (e.g. a second click a few milliseconds after the step's own).
    pub scenario: Scenario,
    /// The steps, in time order.
    pub steps: Vec<Step>,
}

/// One step of a lesson: a moment, what is done then, and what to say about it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// The simulated moment the step shows, in microseconds.
    pub at_us: SimTime,
    /// Interventions applied at `at_us` (recorded in the lesson's scenario, so they are in
    /// effect at the step and replayed when the learner moves forward again).
    pub actions: Vec<Intervention>,
    /// What the learner sees, in plain words.
    pub caption: String,
    /// A "predict, then reveal" question asked at this step, if any.
    pub question: Option<Question>,
}

/// A multiple-choice question: the learner predicts, then the explanation is revealed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// The question.
    pub prompt: String,
    /// The choices, in the order shown.
    pub choices: Vec<String>,
    /// Index into `choices` of the right answer (what the simulation does).
    pub answer: usize,
    /// The explanation shown after the learner picks.
    pub reveal: String,
}

impl Step {
    /// A step at `at_us` (milliseconds are easier to read: pass `ms * MS`) with no question.
    pub fn new(at_us: SimTime, actions: Vec<Intervention>, caption: &str) -> Self {
        Step {
            at_us,
            actions,
            caption: caption.to_string(),
            question: None,
        }
    }

    /// The same step with a question; `answer` indexes `choices`.
    pub fn ask(mut self, prompt: &str, choices: &[&str], answer: usize, reveal: &str) -> Self {
        self.question = Some(Question {
            prompt: prompt.to_string(),
            choices: choices.iter().map(|c| c.to_string()).collect(),
            answer,
            reveal: reveal.to_string(),
        });
        self
    }
}

impl Lesson {
    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when the lesson has no steps (never for a built-in lesson).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The simulated moment of step `k` (clamped to the last step).
    pub fn moment(&self, k: usize) -> SimTime {
        self.steps
            .get(k.min(self.steps.len().saturating_sub(1)))
            .map_or(0, |s| s.at_us)
    }

    /// Builds the lesson's world, showing its first step.
    pub fn world(&self) -> Result<World, ScenarioError> {
        let sc = Scenario {
            view_at: Some(self.moment(0)),
            ..scenario_for(self)
        };
        World::from_scenario(&sc)
    }

    /// Moves `world` (built by [`Lesson::world`]) to step `k`: forward by simulating, back by
    /// rewinding from the nearest checkpoint.
    pub fn show(&self, world: &mut World, k: usize) {
        world.seek(self.moment(k));
    }
}

/// The lesson's whole run as one scenario: the lesson's own interventions and every step's
/// actions at the step's moment, merged in time order (a step's actions after any of the
/// scenario's at the same moment), titled with the lesson's title.
pub fn scenario_for(lesson: &Lesson) -> Scenario {
    let mut all: Vec<Recorded> = lesson.scenario.interventions.clone();
    for step in &lesson.steps {
        all.extend(step.actions.iter().map(|a| Recorded {
            at: step.at_us,
            action: a.clone(),
        }));
    }
    // A stable sort keeps the order of actions given for the same moment.
    crate::sim::keysort::stable_sort_by_key(&mut all, |r| (r.at, 0));
    Scenario {
        protocol: lesson.protocol,
        interventions: all,
        title: Some(lesson.title.clone()),
        ..lesson.scenario.clone()
    }
}

/// Every built-in lesson: vector clocks, then Raft, then the ring, simplest first.
pub fn all() -> Vec<Lesson> {
    let mut out = vclock::lessons();
    out.extend(raft::lessons());
    out.extend(ring::lessons());
    out
}

/// The built-in lesson with this id.
pub fn find(id: &str) -> Option<Lesson> {
    all().into_iter().find(|l| l.id == id)
}

/// The built-in lessons of one protocol, in order.
pub fn for_protocol(kind: ProtocolKind) -> Vec<Lesson> {
    all().into_iter().filter(|l| l.protocol == kind).collect()
}
