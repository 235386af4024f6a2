//! The page's state and its one reducer. No DOM here: the reducer is plain Rust, so it is
//! tested natively.
//!
//! The world is large (checkpoints, trace window), so the model is not cloned per action as
//! `use_reducer` would: the app keeps one `Model` in a `RefCell`, every change goes through
//! [`Model::reduce`] with an [`Action`], and the returned [`Change`] tells the app whether the
//! panels must re-render or only the per-frame canvas must be redrawn.

use crate::lessons::{self, Lesson};
use crate::protocols::vclock::EventId;
use crate::sim::{Intervention, NodeId, SimTime, MS, SEC};
use crate::world::{ProtocolKind, Scenario, Settings, World};

/// Slowest playback: 1/1000 of real time.
pub const MIN_SPEED: f64 = 0.001;
/// Fastest playback: 10x real time.
pub const MAX_SPEED: f64 = 10.0;
/// Default playback speed: 1/100 of real time, as RaftScope.
pub const DEFAULT_SPEED: f64 = 0.01;
/// Longest span one animation frame may simulate (a tab coming back must not jump minutes).
pub const MAX_FRAME_MS: f64 = 100.0;
/// Longest fast-forward: 10 simulated minutes.
pub const MAX_FAST_FORWARD: SimTime = 600 * SEC;
/// Events per frame of a fast-forward until the shell has measured how fast this machine is.
pub const FF_SLICE: u64 = 2_000;

/// What is selected for the inspector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Selection {
    /// Nothing.
    #[default]
    None,
    /// A node.
    Node(NodeId),
    /// A message in flight.
    Message(u64),
    /// A link (smaller id first).
    Link(NodeId, NodeId),
}

/// Everything a user (or the JS API) can ask of the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// An animation frame: this many milliseconds of real time passed.
    Frame(f64),
    /// Play or pause.
    TogglePlay,
    /// Play.
    Play,
    /// Pause.
    Pause,
    /// Move to the next event.
    Step,
    /// Advance simulated time by this many microseconds at once (the JS API's `advance`).
    AdvanceBy(SimTime),
    /// Fast-forward this many microseconds in slices over the next frames, so the page stays
    /// responsive; the picture shows the result when it is done.
    FastForward(SimTime),
    /// Choose how far fast-forward goes (microseconds).
    SetFastForwardSpan(SimTime),
    /// Click on a link: cycle it through healthy, cut both ways, cut one way (each direction),
    /// lossy, and back to healthy.
    CycleLink(NodeId, NodeId),
    /// Set the playback speed (simulated time per real time).
    SetSpeed(f64),
    /// Double the speed.
    Faster,
    /// Halve the speed.
    Slower,
    /// Start again with the same scenario and no interventions.
    Reset,
    /// Start again with this seed (decimal text).
    SetSeed(String),
    /// Start again with a fresh seed derived from this number (e.g. the wall clock).
    NewSeed(u64),
    /// Start again with this many nodes.
    SetNodes(u32),
    /// Switch protocol, keeping network settings and faults.
    SwitchProtocol(ProtocolKind),
    /// Apply an intervention now.
    Intervene(Intervention),
    /// Select something for the inspector.
    Select(Selection),
    /// Show moment `t` (microseconds).
    Seek(SimTime),
    /// Return to the furthest moment reached.
    GoLive,
    /// Load a scenario.
    Load(Box<Scenario>),
    /// Hide the message banner.
    Dismiss,
    /// Show or hide the keyboard help.
    ToggleHelp,
    /// Add a node to, or remove it from, the marked set (shift-click, box select).
    ToggleMark(NodeId),
    /// Replace the marked set.
    SetMarks(Vec<NodeId>),
    /// A click on a node: select it (shift: mark it); in the vector-clock view, also a local
    /// event. Ignored right after a drag that started on the node.
    NodeClick {
        /// Which node.
        node: NodeId,
        /// Shift was held.
        shift: bool,
    },
    /// Vector clocks: choose an event of the diagram (`second`: the other event to compare).
    ChooseEvent {
        /// The event, or none to clear.
        id: Option<EventId>,
        /// Choose it as the second event of a comparison.
        second: bool,
    },
    /// The diagram shows this much simulated time.
    DiagramSpan(SimTime),
    /// Scroll the diagram back (positive) or forward (negative) by this many microseconds.
    DiagramScroll(i64),
    /// Show an error message in words.
    Notify(String),
    /// Open a guided lesson by id, at step `step`.
    OpenLesson(String, usize),
    /// Next step of the lesson.
    LessonNext,
    /// Previous step of the lesson.
    LessonBack,
    /// Answer the current step's question with choice `k`.
    LessonAnswer(usize),
    /// Leave the lesson (the run stays).
    CloseLesson,
    /// Presenter mode on or off.
    TogglePresenter,
    /// Blank the screen (a clicker's "B") or show it again.
    ToggleBlank,
    /// Show or hide the lesson menu.
    ToggleLessons,
    /// Show or hide the share dialog.
    ToggleShare,
    /// The share link of a run, made by the browser: the run's link JSON, then its URL.
    ShareLink(String, String),
    /// Go back to the previous event.
    StepBack,
    /// Run until the next notable event (election, commit, membership change, violation).
    NextNotable,
    /// Dragging on the picture: select a box of nodes, or draw a line that cuts links.
    SetDragMode(DragMode),
    /// A drag starts at a viewBox point.
    DragStart(f64, f64),
    /// The drag moves to a viewBox point.
    DragMove(f64, f64),
    /// The drag ends.
    DragEnd,
    /// Start a new run with these protocol settings (same seed, nodes and network).
    SetSettings(Box<Settings>),
    /// Show a notice in words (not an error): what a key did, or what it needs first.
    Hint(String),
    /// A key sequence is under way (`K` then two node numbers, `M` then one), or none.
    SetPending(Option<Pending>),
    /// Show the share dialog's QR code large (for a room to scan), or back to normal.
    ToggleQr,
}

/// The first keys of a key sequence, waiting for the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// `M`: the next node number is where the selected node sends a message (vector clocks).
    Send,
    /// `K`: the next two node numbers name a link to cycle (the first one once typed).
    Link(Option<NodeId>),
}

impl Pending {
    /// What the page shows while the sequence waits.
    pub fn prompt(self) -> String {
        match self {
            Pending::Send => "M: send to which node? Press its number (Escape cancels).".into(),
            Pending::Link(None) => "K: which link? Press the first node's number.".into(),
            Pending::Link(Some(a)) => {
                format!(
                    "K {}: press the other node's number to cycle the link.",
                    a.0
                )
            }
        }
    }
}

/// Jepsen's "bridge": two majorities that share one node ({1..k} and {k..n}, the bridge is
/// node k), as the links to cut.
pub fn bridge_cuts(n: u32) -> Vec<Intervention> {
    let k = n.div_ceil(2);
    let mut out = Vec::new();
    for a in 1..k {
        for b in k + 1..=n {
            out.push(cut(a, b));
        }
    }
    out
}

/// Jepsen's "ring of majorities": each node sees only its neighbours on the circle (within
/// n/2 - 1 steps), so every node reaches a majority but no two see the same one.
pub fn ring_cuts(n: u32) -> Vec<Intervention> {
    let reach = (n / 2).saturating_sub(1).max(1);
    let mut out = Vec::new();
    for a in 1..=n {
        for b in a + 1..=n {
            let gap = (b - a).min(n - (b - a));
            if gap > reach {
                out.push(cut(a, b));
            }
        }
    }
    out
}

/// Split in halves: the first half of the nodes against the rest.
pub fn halves(n: u32) -> Intervention {
    Intervention::Partition {
        groups: vec![(1..=n / 2).map(NodeId).collect()],
    }
}

fn cut(a: u32, b: u32) -> Intervention {
    Intervention::SetLink {
        from: NodeId(a),
        to: NodeId(b),
        link: crate::sim::LinkState::Cut,
        both: true,
    }
}

/// What an action changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Nothing.
    None,
    /// Only what the canvas draws every frame (messages moved, timers ran).
    Frame,
    /// Something the panels show.
    View,
}

/// A set of nodes as one bit each (a cluster has at most
/// [`MAX_NODES`](crate::sim::engine::MAX_NODES) = 64): iterated in ascending order, as a
/// `BTreeSet<NodeId>` would be, without a tree of its own in the wasm.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct NodeSet(u64);

impl NodeSet {
    fn bit(id: NodeId) -> u64 {
        match id.0 {
            1..=64 => 1 << (id.0 - 1),
            _ => 0,
        }
    }

    /// True when `id` is in the set.
    pub fn contains(&self, id: &NodeId) -> bool {
        self.0 & Self::bit(*id) != 0
    }

    /// Adds `id` (nodes 1 to 64); true when it was not there.
    pub fn insert(&mut self, id: NodeId) -> bool {
        let had = self.contains(&id);
        self.0 |= Self::bit(id);
        !had && Self::bit(id) != 0
    }

    /// Removes `id`; true when it was there.
    pub fn remove(&mut self, id: &NodeId) -> bool {
        let had = self.contains(id);
        self.0 &= !Self::bit(*id);
        had
    }

    /// True when no node is in the set.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.0 = 0;
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The nodes, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        (1..=64u32)
            .filter(|&i| self.0 & 1 << (i - 1) != 0)
            .map(NodeId)
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(ids: I) -> Self {
        let mut set = NodeSet::default();
        for id in ids {
            set.insert(id);
        }
        set
    }
}

/// The page's state.
pub struct Model {
    /// The running world.
    pub world: World,
    /// The scenario it was built from (settings, seed, nodes) without the interventions.
    pub base: Scenario,
    /// Playing or paused.
    pub playing: bool,
    /// Simulated time per real time.
    pub speed: f64,
    /// The inspector's subject.
    pub selected: Selection,
    /// A message for the user (an error in words, or a notice).
    pub banner: Option<Banner>,
    /// The keyboard help is shown.
    pub help: bool,
    /// Nodes marked for a partition (shift-click or box select).
    pub marked: NodeSet,
    /// How far fast-forward goes, microseconds.
    pub ff_span: SimTime,
    /// A fast-forward in progress: (start, target) in simulated microseconds.
    pub fast_forward: Option<(SimTime, SimTime)>,
    /// Events simulated per animation frame during a fast-forward (the shell tunes it so that
    /// a frame's slice takes a few milliseconds).
    pub ff_slice: u64,
    /// What dragging does.
    pub drag_mode: DragMode,
    /// The drag in progress.
    pub drag: Option<Drag>,
    /// The last drag was a real drag (so the click that follows it is ignored).
    pub dragged: bool,
    /// The guided lesson being followed.
    pub lesson: Option<LessonState>,
    /// Presenter mode.
    pub presenter: bool,
    /// The screen is blanked.
    pub blank: bool,
    /// The lesson menu is open.
    pub lessons_open: bool,
    /// The share dialog is open.
    pub share_open: bool,
    /// Vector clocks: the chosen event of the diagram.
    pub chosen_event: Option<EventId>,
    /// Vector clocks: the second event, compared with the chosen one.
    pub second_event: Option<EventId>,
    /// Vector clocks: simulated time the diagram shows.
    pub diagram_span: SimTime,
    /// Vector clocks: how far back from now the diagram's right edge is.
    pub diagram_back: SimTime,
    /// Events processed when the panels last rendered.
    pub rendered_events: u64,
    /// A key sequence waiting for its next key.
    pub pending: Option<Pending>,
    /// The share dialog shows its QR code large.
    pub qr_big: bool,
    /// The last share link the browser made: the link JSON it holds, and the URL. The dialog
    /// shows it while the link of a newer moment is being made.
    pub share_link: Option<(String, String)>,
    /// Fractional microseconds carried between frames, so slow speeds still move.
    carry: f64,
}

/// What dragging on the picture does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DragMode {
    /// Drag a box to mark the nodes inside it.
    #[default]
    Select,
    /// Draw a line; every link it crosses is cut both ways.
    Cut,
}

/// A drag in progress, in viewBox units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drag {
    /// Where it started.
    pub from: (f64, f64),
    /// Where it is now.
    pub to: (f64, f64),
}

impl Drag {
    /// True once the pointer moved far enough to be a drag rather than a click.
    pub fn is_drag(&self) -> bool {
        crate::ui::geometry::dist(self.from, self.to) > 8.0
    }
}

/// A guided lesson in progress.
#[derive(Clone, Debug)]
pub struct LessonState {
    /// The lesson.
    pub lesson: Lesson,
    /// The step shown.
    pub step: usize,
    /// The learner's answer to this step's question.
    pub answered: Option<usize>,
}

/// A message shown at the top of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    /// An error (red) or a notice.
    pub error: bool,
    /// Words.
    pub text: String,
}

impl Model {
    /// A model running `scenario`; falls back to the default scenario (with the error shown)
    /// when it is refused.
    pub fn new(scenario: Scenario) -> Self {
        let (world, base, banner) = match World::from_scenario(&scenario) {
            Ok(w) => (w, scenario, None),
            Err(e) => {
                let sc = Scenario::default();
                (
                    World::from_scenario(&sc).expect("the default scenario is valid"),
                    sc,
                    Some(Banner {
                        error: true,
                        text: format!("Could not open that scenario: {e}"),
                    }),
                )
            }
        };
        let base = Scenario {
            interventions: Vec::new(),
            view_at: None,
            ..base
        };
        Model {
            world,
            base,
            playing: false,
            speed: DEFAULT_SPEED,
            selected: Selection::None,
            banner,
            help: false,
            marked: NodeSet::default(),
            ff_span: 10 * SEC,
            fast_forward: None,
            ff_slice: FF_SLICE,
            drag_mode: DragMode::Select,
            drag: None,
            dragged: false,
            lesson: None,
            presenter: false,
            blank: false,
            lessons_open: false,
            share_open: false,
            chosen_event: None,
            second_event: None,
            diagram_span: SEC,
            diagram_back: 0,
            rendered_events: 0,
            pending: None,
            qr_big: false,
            share_link: None,
            carry: 0.0,
        }
    }

    /// The scenario that reproduces the current run, landing on the moment viewed.
    pub fn scenario(&self) -> Scenario {
        self.world.scenario(&self.base)
    }

    fn error(&mut self, text: impl Into<String>) -> Change {
        self.banner = Some(Banner {
            error: true,
            text: text.into(),
        });
        Change::View
    }

    fn rebuild(&mut self, sc: Scenario) -> Change {
        let playing = self.playing;
        match self.load(sc) {
            Ok(()) => {
                self.playing = playing;
                Change::View
            }
            Err(e) => self.error(format!("{e}. The current session is unchanged.")),
        }
    }

    /// Applies an action; says what changed.
    pub fn reduce(&mut self, action: Action) -> Change {
        match action {
            Action::Frame(ms) => {
                if let Some((_, target)) = self.fast_forward {
                    if self.world.advance_bounded(target, self.ff_slice.max(1)) {
                        self.fast_forward = None;
                        self.after_advance();
                    }
                    return Change::View;
                }
                if !self.playing {
                    return Change::None;
                }
                let us = ms.clamp(0.0, MAX_FRAME_MS) * 1000.0 * self.speed + self.carry;
                let whole = us.floor();
                self.carry = us - whole;
                if whole < 1.0 {
                    return Change::None;
                }
                let t = self.world.now() + whole as SimTime;
                self.world.advance_to(t);
                self.after_advance()
            }
            Action::TogglePlay => {
                self.playing = !self.playing;
                Change::View
            }
            Action::Play => {
                self.playing = true;
                Change::View
            }
            Action::Pause => {
                self.playing = false;
                Change::View
            }
            Action::Step => {
                self.playing = false;
                self.world.step();
                Change::View
            }
            Action::AdvanceBy(us) => {
                let us = us.min(MAX_FAST_FORWARD);
                let t = self.world.now() + us;
                self.world.advance_to(t);
                self.after_advance();
                Change::View
            }
            Action::SetFastForwardSpan(us) => {
                self.ff_span = us.clamp(MS, MAX_FAST_FORWARD);
                Change::View
            }
            Action::FastForward(us) => {
                if us == 0 || us > MAX_FAST_FORWARD {
                    return self.error(format!(
                        "fast-forward takes 1 ms to {} minutes",
                        MAX_FAST_FORWARD / (60 * SEC)
                    ));
                }
                let now = self.world.now();
                self.playing = false;
                self.fast_forward = Some((now, now + us));
                Change::View
            }
            Action::CycleLink(a, b) => {
                use crate::sim::LinkState as L;
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                self.selected = Selection::Link(a, b);
                let Some(l) = self
                    .world
                    .cluster()
                    .links
                    .into_iter()
                    .find(|l| l.a == a && l.b == b)
                else {
                    return self.error(format!("there is no link between {a} and {b}"));
                };
                let set = |from, to, link, both| Intervention::SetLink {
                    from,
                    to,
                    link,
                    both,
                };
                let next = match (l.ab, l.ba) {
                    (L::Healthy, L::Healthy) => vec![set(a, b, L::Cut, true)],
                    (L::Cut, L::Cut) => vec![set(b, a, L::Healthy, false)],
                    (L::Cut, L::Healthy) => {
                        vec![set(a, b, L::Healthy, false), set(b, a, L::Cut, false)]
                    }
                    (L::Healthy, L::Cut) => vec![set(a, b, L::Lossy { loss: 0.3 }, true)],
                    _ => vec![set(a, b, L::Healthy, true)],
                };
                for iv in next {
                    if let Err(e) = self.intervene(iv) {
                        return self.error(e);
                    }
                }
                Change::View
            }
            Action::SetSpeed(s) => {
                if !s.is_finite() || s <= 0.0 {
                    return self.error(format!("speed must be a positive number, got {s}"));
                }
                self.speed = s.clamp(MIN_SPEED, MAX_SPEED);
                Change::View
            }
            Action::Faster => {
                self.speed = (self.speed * 2.0).min(MAX_SPEED);
                Change::View
            }
            Action::Slower => {
                self.speed = (self.speed / 2.0).max(MIN_SPEED);
                Change::View
            }
            Action::Reset => {
                let sc = self.base.clone();
                self.playing = false;
                self.rebuild(sc)
            }
            Action::SetSeed(text) => {
                let sc = Scenario {
                    seed: text.trim().to_string(),
                    ..self.base.clone()
                };
                self.rebuild(sc)
            }
            Action::NewSeed(entropy) => {
                // A splitmix64 step turns any number into a well-spread seed.
                let mut z = entropy.wrapping_add(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                let sc = Scenario {
                    seed: (z % 1_000_000).to_string(),
                    ..self.base.clone()
                };
                self.rebuild(sc)
            }
            Action::SetNodes(n) => {
                let sc = Scenario {
                    nodes: n,
                    ..self.base.clone()
                };
                self.rebuild(sc)
            }
            Action::SwitchProtocol(kind) => {
                if kind == self.world.kind() {
                    return Change::None;
                }
                let sc = Scenario {
                    protocol: kind,
                    interventions: self.world.faults_now(),
                    view_at: None,
                    ..self.base.clone()
                };
                self.rebuild(sc)
            }
            Action::Intervene(iv) => match self.intervene(iv) {
                Ok(()) => Change::View,
                Err(e) => self.error(e),
            },
            Action::Select(sel) => {
                if sel == self.selected {
                    return Change::None;
                }
                self.selected = sel;
                Change::View
            }
            Action::Seek(t) => {
                let t = t.min(self.world.horizon().max(self.world.now()));
                self.world.seek(t);
                self.after_advance();
                Change::View
            }
            Action::GoLive => {
                let h = self.world.horizon();
                self.world.seek(h);
                Change::View
            }
            Action::Load(sc) => match self.load(*sc) {
                Ok(()) => Change::View,
                Err(e) => self.error(format!("{e}. The current session is unchanged.")),
            },
            Action::Dismiss => {
                if self.banner.take().is_some() {
                    Change::View
                } else {
                    Change::None
                }
            }
            Action::ToggleHelp => {
                self.help = !self.help;
                Change::View
            }
            Action::ToggleMark(id) => {
                if id.0 == 0 || id.0 > self.world.n() {
                    return self.error(format!("there is no node {id}"));
                }
                if !self.marked.remove(&id) {
                    self.marked.insert(id);
                }
                Change::View
            }
            Action::ChooseEvent { id, second } => {
                if second && self.chosen_event.is_some() && id != self.chosen_event {
                    self.second_event = id;
                } else {
                    self.chosen_event = id;
                    self.second_event = None;
                }
                Change::View
            }
            Action::DiagramSpan(span) => {
                self.diagram_span = span.clamp(10 * MS, 120 * SEC);
                Change::View
            }
            Action::DiagramScroll(delta) => {
                let back = self.diagram_back as i64 + delta;
                self.diagram_back = back.clamp(0, self.world.now() as i64) as SimTime;
                Change::View
            }
            Action::Notify(text) => self.error(text),
            Action::StepBack => {
                self.playing = false;
                match self.world.previous_event_time() {
                    Some(t) => {
                        self.world.seek(t);
                        Change::View
                    }
                    None if self.world.now() > 0 => {
                        self.world.seek(0);
                        Change::View
                    }
                    None => Change::None,
                }
            }
            Action::NextNotable => {
                self.playing = false;
                match self.world.run_to_next_notable(60 * SEC) {
                    Some(_) => Change::View,
                    None => self.error("nothing notable happened in the next 60 simulated seconds"),
                }
            }
            Action::SetDragMode(mode) => {
                self.drag_mode = mode;
                Change::View
            }
            Action::DragStart(x, y) => {
                self.drag = Some(Drag {
                    from: (x, y),
                    to: (x, y),
                });
                self.dragged = false;
                Change::None
            }
            Action::DragMove(x, y) => match &mut self.drag {
                Some(d) => {
                    d.to = (x, y);
                    if d.is_drag() {
                        self.dragged = true;
                        Change::View
                    } else {
                        Change::None
                    }
                }
                None => Change::None,
            },
            Action::DragEnd => {
                let Some(d) = self.drag.take() else {
                    return Change::None;
                };
                if !d.is_drag() {
                    return Change::View;
                }
                let layout = crate::ui::geometry::Layout::circle(self.world.n());
                // Vector clocks: a drag from one node to another sends a message.
                if matches!(self.world, World::Vclock(_)) {
                    if let Some(a) = layout.node_at(d.from) {
                        return match layout.node_at(d.to) {
                            Some(b) if b != a => match self.intervene(Intervention::SendMessage {
                                from: NodeId::from_index(a),
                                to: NodeId::from_index(b),
                            }) {
                                Ok(()) => Change::View,
                                Err(e) => self.error(e),
                            },
                            _ => Change::View,
                        };
                    }
                }
                match self.drag_mode {
                    DragMode::Select => {
                        let (x0, x1) = (d.from.0.min(d.to.0), d.from.0.max(d.to.0));
                        let (y0, y1) = (d.from.1.min(d.to.1), d.from.1.max(d.to.1));
                        self.marked = layout
                            .centres
                            .iter()
                            .enumerate()
                            .filter(|(_, &(x, y))| x >= x0 && x <= x1 && y >= y0 && y <= y1)
                            .map(|(i, _)| NodeId::from_index(i))
                            .collect();
                        Change::View
                    }
                    DragMode::Cut => {
                        let mut cut = Vec::new();
                        let n = layout.centres.len();
                        for a in 0..n {
                            for b in a + 1..n {
                                if crate::ui::geometry::segments_cross(
                                    d.from,
                                    d.to,
                                    layout.centres[a],
                                    layout.centres[b],
                                ) {
                                    cut.push((NodeId::from_index(a), NodeId::from_index(b)));
                                }
                            }
                        }
                        if cut.is_empty() {
                            return Change::View;
                        }
                        for (a, b) in cut {
                            if let Err(e) = self.intervene(Intervention::SetLink {
                                from: a,
                                to: b,
                                link: crate::sim::LinkState::Cut,
                                both: true,
                            }) {
                                return self.error(e);
                            }
                        }
                        Change::View
                    }
                }
            }
            Action::OpenLesson(id, step) => {
                let Some(lesson) = lessons::find(&id) else {
                    return self.error(format!(
                        "there is no lesson called {:?}",
                        crate::world::scenario::truncate(&id, 40)
                    ));
                };
                let world = match lesson.world() {
                    Ok(w) => w,
                    Err(e) => return self.error(format!("the lesson could not start: {e}")),
                };
                let sc = lessons::scenario_for(&lesson);
                self.world = world;
                self.base = Scenario {
                    interventions: Vec::new(),
                    view_at: None,
                    ..sc
                };
                self.selected = Selection::None;
                self.marked.clear();
                self.playing = false;
                self.lessons_open = false;
                let step = step.min(lesson.len().saturating_sub(1));
                lesson.show(&mut self.world, step);
                self.lesson = Some(LessonState {
                    lesson,
                    step,
                    answered: None,
                });
                Change::View
            }
            Action::LessonNext | Action::LessonBack => {
                let forward = action == Action::LessonNext;
                let Some(ls) = &mut self.lesson else {
                    return Change::None;
                };
                let next = if forward {
                    (ls.step + 1).min(ls.lesson.len().saturating_sub(1))
                } else {
                    ls.step.saturating_sub(1)
                };
                if next == ls.step {
                    return Change::None;
                }
                ls.step = next;
                ls.answered = None;
                self.playing = false;
                ls.lesson.show(&mut self.world, next);
                Change::View
            }
            Action::LessonAnswer(k) => match &mut self.lesson {
                Some(ls) if ls.answered.is_none() => {
                    ls.answered = Some(k);
                    Change::View
                }
                _ => Change::None,
            },
            Action::CloseLesson => {
                self.lesson = None;
                Change::View
            }
            Action::TogglePresenter => {
                self.presenter = !self.presenter;
                Change::View
            }
            Action::ToggleBlank => {
                self.blank = !self.blank;
                Change::View
            }
            Action::ToggleLessons => {
                self.lessons_open = !self.lessons_open;
                Change::View
            }
            Action::ToggleShare => {
                self.share_open = !self.share_open;
                self.qr_big = false;
                Change::View
            }
            Action::ShareLink(json, url) => {
                self.share_link = Some((json, url));
                if self.share_open {
                    Change::View
                } else {
                    Change::None
                }
            }
            Action::ToggleQr => {
                if !self.share_open {
                    return Change::None;
                }
                self.qr_big = !self.qr_big;
                Change::View
            }
            Action::Hint(text) => {
                self.banner = Some(Banner { error: false, text });
                Change::View
            }
            Action::SetPending(p) => {
                if p == self.pending {
                    return Change::None;
                }
                self.pending = p;
                Change::View
            }
            Action::SetSettings(settings) => {
                let sc = Scenario {
                    settings: *settings,
                    interventions: self.world.faults_now(),
                    ..self.base.clone()
                };
                let change = self.rebuild(sc);
                if change == Change::View && self.banner.is_none() {
                    self.banner = Some(Banner {
                        error: false,
                        text: "Settings changed: a new run started with the same seed, nodes and network faults.".into(),
                    });
                }
                change
            }
            Action::NodeClick { node, shift } => {
                if std::mem::take(&mut self.dragged) {
                    return Change::None;
                }
                if shift {
                    return self.reduce(Action::ToggleMark(node));
                }
                self.selected = Selection::Node(node);
                let up = self
                    .world
                    .cluster()
                    .nodes
                    .get(node.index())
                    .is_some_and(|n| n.up);
                if matches!(self.world, World::Vclock(_)) && up {
                    if let Err(e) = self.intervene(Intervention::LocalEvent { node }) {
                        return self.error(e);
                    }
                }
                Change::View
            }
            Action::SetMarks(ids) => {
                self.marked = ids
                    .into_iter()
                    .filter(|i| i.0 >= 1 && i.0 <= self.world.n())
                    .collect();
                Change::View
            }
        }
    }

    /// Applies an intervention now; on `Err` nothing changed (the caller shows the words).
    pub fn intervene(&mut self, iv: Intervention) -> Result<(), String> {
        let forked = self.world.in_past();
        let dropped = self.world.horizon().saturating_sub(self.world.now());
        self.world.intervene(iv)?;
        if forked {
            self.banner = Some(Banner {
                error: false,
                text: format!(
                    "History forked: the {} that followed this moment were discarded.",
                    crate::sim::time::format_time(dropped)
                ),
            });
        }
        if let Selection::Message(id) = self.selected {
            if !self.world.flights().iter().any(|f| f.id == id) {
                self.selected = Selection::None;
            }
        }
        Ok(())
    }

    /// Opens a scenario; on `Err` the current session is kept as it was.
    pub fn load(&mut self, sc: Scenario) -> Result<(), crate::world::ScenarioError> {
        let world = World::from_scenario(&sc)?;
        self.world = world;
        self.base = Scenario {
            interventions: Vec::new(),
            view_at: None,
            ..sc
        };
        self.selected = Selection::None;
        self.marked.clear();
        self.lesson = None;
        self.chosen_event = None;
        self.second_event = None;
        self.diagram_back = 0;
        self.carry = 0.0;
        self.playing = false;
        self.fast_forward = None;
        Ok(())
    }

    fn after_advance(&mut self) -> Change {
        if let Selection::Message(id) = self.selected {
            if !self.world.flights().iter().any(|f| f.id == id) {
                self.selected = Selection::None;
            }
        }
        if self.playing && !self.world.violations().is_empty() {
            // A broken safety property stops the clock so the learner can look.
            let v = self.world.violations();
            let last = v.last().expect("non-empty");
            if last.t + 50 * MS >= self.world.now() {
                self.playing = false;
            }
        }
        if self.world.events() != self.rendered_events {
            Change::View
        } else {
            Change::Frame
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_set_behaves_as_an_ordered_set_of_nodes_1_to_64() {
        let mut s: NodeSet = [NodeId(5), NodeId(1), NodeId(64), NodeId(5)]
            .into_iter()
            .collect();
        assert_eq!(s.len(), 3);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![NodeId(1), NodeId(5), NodeId(64)]
        );
        assert!(s.contains(&NodeId(64)) && !s.contains(&NodeId(2)));
        assert!(s.insert(NodeId(2)) && !s.insert(NodeId(2)));
        assert!(s.remove(&NodeId(1)) && !s.remove(&NodeId(1)));
        // Outside 1..=64 is never in the set.
        assert!(!s.insert(NodeId(0)) && !s.insert(NodeId(65)));
        assert!(!s.contains(&NodeId(0)) && !s.contains(&NodeId(65)));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![NodeId(2), NodeId(5), NodeId(64)]
        );
        s.clear();
        assert!(s.is_empty());
    }

    fn model() -> Model {
        Model::new(Scenario::default())
    }

    #[test]
    fn frames_do_nothing_while_paused() {
        let mut m = model();
        assert_eq!(m.reduce(Action::Frame(16.0)), Change::None);
        assert_eq!(m.world.now(), 0);
    }

    #[test]
    fn frames_advance_by_real_time_times_speed() {
        let mut m = model();
        m.reduce(Action::Play);
        m.reduce(Action::SetSpeed(1.0));
        m.reduce(Action::Frame(16.0));
        assert_eq!(m.world.now(), 16_000);
        // A long pause (tab hidden) is clamped to one frame's worth.
        m.reduce(Action::Frame(60_000.0));
        assert_eq!(m.world.now(), 16_000 + 100_000);
    }

    #[test]
    fn a_fast_forward_runs_in_slices_and_ends_where_one_advance_does() {
        let mut sliced = model();
        sliced.ff_slice = 500;
        sliced.reduce(Action::FastForward(10 * SEC));
        let mut frames = 0;
        while sliced.fast_forward.is_some() {
            sliced.reduce(Action::Frame(16.0));
            frames += 1;
            assert!(frames < 10_000, "the fast-forward never ends");
        }
        assert!(frames > 1, "10 s of events fit in one slice of 500");
        let mut whole = model();
        whole.reduce(Action::AdvanceBy(10 * SEC));
        assert_eq!(sliced.world.now(), 10 * SEC);
        assert_eq!(sliced.world.digest(), whole.world.digest());
    }

    #[test]
    fn loading_a_run_cancels_a_fast_forward() {
        let mut m = model();
        m.reduce(Action::FastForward(60 * SEC));
        m.load(Scenario::default()).unwrap();
        assert_eq!(m.fast_forward, None);
        m.reduce(Action::Frame(16.0));
        assert_eq!(m.world.now(), 0);
    }

    #[test]
    fn a_bad_seed_keeps_the_session_and_says_why() {
        let mut m = model();
        m.reduce(Action::AdvanceBy(SEC));
        m.reduce(Action::SetSeed("twelve".into()));
        assert_eq!(m.world.now(), SEC);
        let banner = m.banner.clone().unwrap();
        assert!(banner.error && banner.text.contains("seed"), "{banner:?}");
    }

    #[test]
    fn speed_stays_within_its_log_scale() {
        let mut m = model();
        for _ in 0..20 {
            m.reduce(Action::Faster);
        }
        assert_eq!(m.speed, MAX_SPEED);
        for _ in 0..40 {
            m.reduce(Action::Slower);
        }
        assert_eq!(m.speed, MIN_SPEED);
    }

    #[test]
    fn switching_protocol_keeps_faults() {
        let mut m = model();
        m.reduce(Action::Intervene(Intervention::Crash { node: NodeId(2) }));
        m.reduce(Action::SwitchProtocol(ProtocolKind::Raft));
        assert_eq!(m.world.kind(), ProtocolKind::Raft);
        assert!(!m.world.cluster().nodes[1].up);
    }

    #[test]
    fn the_qr_code_grows_only_inside_the_share_dialog_and_shrinks_when_it_closes() {
        let mut m = model();
        assert_eq!(m.reduce(Action::ToggleQr), Change::None);
        assert!(!m.qr_big);
        m.reduce(Action::ToggleShare);
        m.reduce(Action::ToggleQr);
        assert!(m.qr_big);
        m.reduce(Action::ToggleShare);
        assert!(!m.share_open && !m.qr_big);
    }

    #[test]
    fn a_share_link_made_by_the_browser_is_kept_and_shown_only_while_the_dialog_is_open() {
        let mut m = model();
        let link = |t: &str| Action::ShareLink(format!("{{\"t\":{t}}}"), format!("?s={t}"));
        assert_eq!(
            m.reduce(link("1")),
            Change::None,
            "nothing to redraw while closed"
        );
        assert_eq!(m.share_link, Some(("{\"t\":1}".into(), "?s=1".into())));
        m.reduce(Action::ToggleShare);
        assert_eq!(m.reduce(link("2")), Change::View);
        assert_eq!(m.share_link.as_ref().map(|l| l.1.as_str()), Some("?s=2"));
    }

    #[test]
    fn a_hint_is_a_notice_and_a_pending_key_is_remembered() {
        let mut m = model();
        m.reduce(Action::Hint("press a number".into()));
        assert_eq!(
            m.banner,
            Some(Banner {
                error: false,
                text: "press a number".into()
            })
        );
        assert_eq!(
            m.reduce(Action::SetPending(Some(Pending::Link(None)))),
            Change::View
        );
        assert_eq!(
            m.reduce(Action::SetPending(Some(Pending::Link(None)))),
            Change::None
        );
        assert!(Pending::Link(Some(NodeId(2))).prompt().contains("K 2"));
    }

    #[test]
    fn jepsen_presets_cut_what_they_name() {
        // Five nodes: the bridge is node 3, {1,2} and {4,5} cannot talk.
        let cuts: Vec<(u32, u32)> = bridge_cuts(5)
            .into_iter()
            .map(|i| match i {
                Intervention::SetLink { from, to, .. } => (from.0, to.0),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(cuts, vec![(1, 4), (1, 5), (2, 4), (2, 5)]);
        // Ring of majorities on five: each node keeps its two neighbours.
        let ring: Vec<(u32, u32)> = ring_cuts(5)
            .into_iter()
            .map(|i| match i {
                Intervention::SetLink { from, to, .. } => (from.0, to.0),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ring, vec![(1, 3), (1, 4), (2, 4), (2, 5), (3, 5)]);
        let mut m = model();
        m.reduce(Action::Intervene(halves(5)));
        let groups: Vec<u32> = m.world.cluster().nodes.iter().map(|n| n.group).collect();
        assert_eq!(groups[0], groups[1]);
        assert_ne!(groups[1], groups[2]);
        assert_eq!(groups[2], groups[4]);
    }
}
