//! The keyboard: every action of the page has a key or a short key sequence, listed by group in
//! the `?` overlay ([`GROUPS`]). This module is pure: a key and the model in, actions and page
//! effects out ([`handle`]), so the whole map is tested natively; the app's keydown listener
//! (`app.rs`) dispatches the actions and performs the effects.
//!
//! Letters are matched case-insensitively with Shift read from the event (so Caps Lock does not
//! change a key's meaning), node numbers by the physical key (`Digit3`, `Numpad3`) so that
//! Shift+3 is "mark node 3" on any layout, and punctuation by the character it types.

use super::model::{bridge_cuts, halves, ring_cuts, Action, DragMode, Model, Pending, Selection};
use crate::protocols::vclock::EventId;
use crate::sim::{Intervention, NodeId, SEC};
use crate::world::{ProtocolKind, World};

/// A key press, as the page's keydown event reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInput {
    /// `KeyboardEvent.key`: `"k"`, `"K"`, `"?"`, `"ArrowLeft"`, `" "`.
    pub key: String,
    /// `KeyboardEvent.code`: `"KeyK"`, `"Digit3"` (may be empty).
    pub code: String,
    /// Shift was held.
    pub shift: bool,
}

impl KeyInput {
    /// A key from its `key` and `code` values.
    pub fn new(key: &str, code: &str, shift: bool) -> Self {
        KeyInput {
            key: key.to_string(),
            code: code.to_string(),
            shift,
        }
    }

    /// One key written as the overlay's `data-press` attribute and Playwright write it:
    /// `"k"`, `"Shift+F"`, `"Shift+Digit3"`, `"Space"`, `"ArrowLeft"`, `"?"` (US layout).
    pub fn parse(press: &str) -> Self {
        let (shift, name) = match press.strip_prefix("Shift+") {
            Some(rest) => (true, rest),
            None => (false, press),
        };
        let shifted_digits = [")", "!", "@", "#", "$", "%", "^", "&", "*", "("];
        if let Some(d) = name
            .strip_prefix("Digit")
            .and_then(|d| d.parse::<usize>().ok())
        {
            let key = if shift {
                shifted_digits[d].to_string()
            } else {
                d.to_string()
            };
            return KeyInput::new(&key, name, shift);
        }
        if name == "Space" {
            return KeyInput::new(" ", "Space", shift);
        }
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => {
                let key = if shift {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                KeyInput::new(
                    &key.to_string(),
                    &format!("Key{}", c.to_ascii_uppercase()),
                    shift,
                )
            }
            (Some(c), None) if c.is_ascii_digit() => {
                KeyInput::new(name, &format!("Digit{c}"), shift)
            }
            (Some(c), None) => {
                let shifted = "?+<>{}|~!@#$%^&*()_:\"".contains(c);
                KeyInput::new(name, "", shift || shifted)
            }
            _ => KeyInput::new(name, name, shift),
        }
    }

    /// The node number of a digit key 1 to 9 (by physical key, or by character).
    fn digit(&self) -> Option<u32> {
        let d = self
            .code
            .strip_prefix("Digit")
            .or_else(|| self.code.strip_prefix("Numpad"))
            .or_else(|| (self.code.is_empty()).then_some(self.key.as_str()))?;
        match d.parse::<u32>() {
            Ok(k @ 1..=9) => Some(k),
            _ => None,
        }
    }

    /// The key as matched: one letter in lower case, anything else as typed.
    fn name(&self) -> String {
        // The page's letter keys are ASCII; other characters are matched as typed.
        if self.key.len() == 1 {
            self.key.to_ascii_lowercase()
        } else {
            self.key.clone()
        }
    }
}

/// Something the page does that is not a change of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Copy the share link to the clipboard.
    CopyLink,
    /// Save the scenario as a JSON file.
    ExportScenario,
    /// Open a scenario file (the file chooser).
    ImportScenario,
    /// Save the trace as JSON Lines.
    ExportTrace,
    /// Save the picture as SVG.
    SaveSvg,
    /// Save the picture as PNG.
    SavePng,
    /// Save the vector clocks' ShiViz log.
    ExportShiviz,
    /// Start again with a fresh random seed.
    NewSeed,
    /// Move the keyboard focus to the element with this id.
    Focus(&'static str),
    /// Enter or leave full screen (with presenter mode).
    Fullscreen(bool),
}

/// What a key does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Actions to dispatch, in order.
    pub actions: Vec<Action>,
    /// A page effect to perform after them.
    pub effect: Option<Effect>,
}

impl Outcome {
    fn act(a: Action) -> Self {
        Outcome {
            actions: vec![a],
            effect: None,
        }
    }
    fn acts(actions: Vec<Action>) -> Self {
        Outcome {
            actions,
            effect: None,
        }
    }
    fn effect(e: Effect) -> Self {
        Outcome {
            actions: Vec::new(),
            effect: Some(e),
        }
    }
    fn hint(text: impl Into<String>) -> Self {
        Outcome::act(Action::Hint(text.into()))
    }
}

/// The situation a key needs to do something: the `?` overlay's `data-ctx`, which the browser
/// test and the native test both set up before pressing the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// The page as it opens (vector clocks, five nodes, time 0).
    Any,
    /// The run has moved on 2 s.
    Advanced,
    /// Viewing the past (moved on 2 s, then back to 1 s).
    Past,
    /// A Raft run at its start, before the first election.
    RaftStart,
    /// A Raft run with a leader.
    Raft,
    /// A node selected.
    Node,
    /// A Raft node selected.
    RaftNode,
    /// A crashed node selected.
    Crashed,
    /// A message in flight.
    Flights,
    /// A message in flight selected.
    Message,
    /// The keyboard focus on a link of the picture.
    LinkFocus,
    /// A partition.
    Partitioned,
    /// Vector clocks: an event of the diagram chosen.
    Chosen,
    /// Vector clocks: the diagram scrolled back.
    DiagramBack,
    /// The hash ring with a standby node.
    Ring,
    /// The hash ring with a member selected.
    RingMember,
    /// A lesson at a step that asks a question.
    Lesson,
    /// A lesson at its third step.
    LessonLater,
    /// The lesson menu open.
    LessonMenu,
    /// The share dialog open.
    Share,
}

impl Ctx {
    /// Its name in the page (`data-ctx`).
    pub fn id(self) -> &'static str {
        match self {
            Ctx::Any => "any",
            Ctx::Advanced => "advanced",
            Ctx::Past => "past",
            Ctx::RaftStart => "raft-start",
            Ctx::Raft => "raft",
            Ctx::Node => "node",
            Ctx::RaftNode => "raft-node",
            Ctx::Crashed => "crashed",
            Ctx::Flights => "flights",
            Ctx::Message => "message",
            Ctx::LinkFocus => "link-focus",
            Ctx::Partitioned => "partitioned",
            Ctx::Chosen => "chosen",
            Ctx::DiagramBack => "diagram-back",
            Ctx::Ring => "ring",
            Ctx::RingMember => "ring-member",
            Ctx::Lesson => "lesson",
            Ctx::LessonLater => "lesson-later",
            Ctx::LessonMenu => "lesson-menu",
            Ctx::Share => "share",
        }
    }
}

/// One line of the `?` overlay.
#[derive(Clone, Copy, Debug)]
pub struct KeyHelp {
    /// The keys as shown.
    pub keys: &'static str,
    /// The keys as pressed: alternatives separated by `|`, each a sequence separated by spaces
    /// (the overlay's `data-press`, in Playwright's key names).
    pub press: &'static str,
    /// What they do.
    pub what: &'static str,
    /// Where they do it.
    pub ctx: Ctx,
}

const fn k(keys: &'static str, press: &'static str, what: &'static str, ctx: Ctx) -> KeyHelp {
    KeyHelp {
        keys,
        press,
        what,
        ctx,
    }
}

/// The keys, grouped as the `?` overlay lists them.
pub const GROUPS: &[(&str, &[KeyHelp])] = &[
    (
        "Time",
        &[
            k("Space", "Space", "play or pause", Ctx::Any),
            k(". or →", ".|ArrowRight", "step to the next event", Ctx::Any),
            k(
                ", or ←",
                ",|ArrowLeft",
                "step back to the previous event",
                Ctx::Advanced,
            ),
            k(
                "N",
                "n",
                "run to the next notable event (election, commit, …)",
                Ctx::RaftStart,
            ),
            k("[ and ]", "[|]", "slower, faster", Ctx::Any),
            k("F", "f", "fast-forward the chosen span", Ctx::Any),
            k(
                "Shift+F",
                "Shift+F",
                "fast-forward span: 1 s, 10 s, 1 min, 10 min",
                Ctx::Any,
            ),
            k("Home", "Home", "go to the start", Ctx::Advanced),
            k("End", "End", "back to the present", Ctx::Past),
            k(
                "PgDn / PgUp",
                "PageDown|PageUp",
                "step / back 1 s",
                Ctx::Advanced,
            ),
        ],
    ),
    (
        "Select",
        &[
            k("1–9", "2", "select that node", Ctx::Any),
            k(
                "Shift+1–9",
                "Shift+Digit2",
                "mark or unmark that node (as shift-click)",
                Ctx::Any,
            ),
            k(
                "Q / Shift+Q",
                "q|Shift+Q",
                "select the next / previous message",
                Ctx::Flights,
            ),
            k(
                "K a b",
                "k 1 2",
                "cycle link a–b: cut, one way, the other, lossy, healthy",
                Ctx::Any,
            ),
            k(
                "Tab, Enter",
                "Enter",
                "on a node: select it; on a link: cycle it",
                Ctx::LinkFocus,
            ),
            k(
                "Escape",
                "Escape",
                "close; else clear the selection; else dismiss the message; else leave the lesson",
                Ctx::Node,
            ),
        ],
    ),
    (
        "The selected node",
        &[
            k("X", "x", "crash it", Ctx::Node),
            k("R", "r", "restart it", Ctx::Crashed),
            k(
                "I",
                "i",
                "isolate the marked nodes, else the leader, else it",
                Ctx::Node,
            ),
            k(
                "T",
                "t",
                "Raft: time it out (it starts an election)",
                Ctx::RaftNode,
            ),
            k(
                "C",
                "c",
                "Raft: client request to the leader (or to it)",
                Ctx::Raft,
            ),
            k("L", "l", "vector clocks: a local event", Ctx::Node),
            k(
                "M b",
                "m 3",
                "vector clocks: send a message to node b",
                Ctx::Node,
            ),
        ],
    ),
    (
        "The selected message or link",
        &[
            k(
                "Delete",
                "Delete|Backspace",
                "drop the message",
                Ctx::Message,
            ),
            k("Shift+D", "Shift+D", "duplicate the message", Ctx::Message),
            k(
                "Shift+H",
                "Shift+H",
                "hold or release it (a link: its messages)",
                Ctx::Message,
            ),
        ],
    ),
    (
        "Faults",
        &[
            k(
                "Shift+S",
                "Shift+S",
                "split the cluster in halves",
                Ctx::Any,
            ),
            k(
                "Shift+B",
                "Shift+B",
                "bridge: two majorities sharing one node",
                Ctx::Any,
            ),
            k("Shift+O", "Shift+O", "ring of majorities", Ctx::Any),
            k("H", "h", "heal all partitions and links", Ctx::Partitioned),
            k("D", "d", "dragging marks nodes / cuts links", Ctx::Any),
        ],
    ),
    (
        "Run and network",
        &[
            k(
                "V / Shift+V",
                "v|Shift+V",
                "next / previous protocol",
                Ctx::Any,
            ),
            k(
                "Shift+R",
                "Shift+R",
                "reset: same run, no interventions",
                Ctx::Advanced,
            ),
            k("Shift+E", "Shift+E", "a new random seed", Ctx::Any),
            k("E", "e", "edit the seed (Enter applies it)", Ctx::Any),
            k("+ / −", "+|-", "one node more / fewer", Ctx::Any),
            k("W", "w", "network sliders (Tab, ← →)", Ctx::Any),
            k("Shift+W", "Shift+W", "reset the network", Ctx::Any),
            k("O", "o", "protocol options (Tab, Space, ← →)", Ctx::Raft),
        ],
    ),
    (
        "Vector clocks",
        &[
            k(
                "< / >",
                "<|>",
                "choose the previous / next event",
                Ctx::Advanced,
            ),
            k(
                "{ / }",
                "{|}",
                "the previous / next event to compare",
                Ctx::Chosen,
            ),
            k(
                "Z / Shift+Z",
                "z|Shift+Z",
                "zoom the diagram in / out",
                Ctx::Any,
            ),
            k(
                "Shift+← / →",
                "Shift+ArrowLeft|Shift+ArrowRight",
                "scroll the diagram back / forward",
                Ctx::DiagramBack,
            ),
            k(
                "Shift+End",
                "Shift+End",
                "the diagram follows the present",
                Ctx::DiagramBack,
            ),
        ],
    ),
    (
        "Hash ring",
        &[
            k(
                "J",
                "j",
                "add a standby node (selected or first)",
                Ctx::Ring,
            ),
            k(
                "Shift+J",
                "Shift+J",
                "remove the selected node",
                Ctx::RingMember,
            ),
            k("/", "/", "look up a key (Enter; Escape clears)", Ctx::Ring),
        ],
    ),
    (
        "Classroom",
        &[
            k("G", "g", "guided lessons", Ctx::Any),
            k(
                "1–9, 0",
                "1|0",
                "in the lessons list: open that lesson",
                Ctx::LessonMenu,
            ),
            k("1–9", "2", "when a lesson asks: answer", Ctx::Lesson),
            k(
                "PgDn / PgUp",
                "PageDown|PageUp",
                "in a lesson: next / previous step",
                Ctx::LessonLater,
            ),
            k("S", "s", "share: link, QR code, files", Ctx::Any),
            k(
                "P",
                "p",
                "presenter mode (full screen, large text)",
                Ctx::Any,
            ),
            k("B", "b", "blank the screen (a clicker's key)", Ctx::Any),
            k("?", "?", "show or hide this list", Ctx::Any),
        ],
    ),
    (
        "In the share dialog",
        &[
            k("C", "c", "copy the link", Ctx::Share),
            k(
                "Q",
                "q",
                "the QR code large, for a room to scan",
                Ctx::Share,
            ),
            k("E", "e", "export the scenario (JSON)", Ctx::Share),
            k("O", "o", "open a scenario file", Ctx::Share),
            k("T", "t", "export the trace (JSON Lines)", Ctx::Share),
            k("V", "v", "save the picture as SVG", Ctx::Share),
            k("P", "p", "save the picture as PNG (2×)", Ctx::Share),
            k("L", "l", "vector clocks: the ShiViz log", Ctx::Share),
            k("S or Escape", "s|Escape", "close the dialog", Ctx::Share),
        ],
    ),
];

/// Every listed key line.
pub fn all() -> impl Iterator<Item = &'static KeyHelp> {
    GROUPS.iter().flat_map(|(_, keys)| keys.iter())
}

fn selected_node(m: &Model) -> Option<NodeId> {
    match m.selected {
        Selection::Node(n) => Some(n),
        _ => None,
    }
}

fn need_node(m: &Model, what: &str, f: impl FnOnce(NodeId) -> Action) -> Outcome {
    match selected_node(m) {
        Some(n) => Outcome::act(f(n)),
        None => Outcome::hint(format!(
            "{what}: select a node first (its number, 1 to {}).",
            m.world.n()
        )),
    }
}

fn iv(i: Intervention) -> Action {
    Action::Intervene(i)
}

/// The next (or previous) event to choose in the diagram, from `from` (or the newest event).
fn step_event(m: &Model, from: Option<EventId>, forward: bool) -> Option<EventId> {
    let World::Vclock(s) = &m.world else {
        return None;
    };
    let nb = s.sim().shared();
    let id = match from {
        None => return nb.events().next_back().map(|e| e.id),
        Some(EventId(i)) if forward => EventId(i + 1),
        Some(EventId(i)) => EventId(i.checked_sub(1)?),
    };
    nb.get(id).map(|e| e.id)
}

/// What a key does in the model's situation, or `None` when it is not one of the page's keys.
pub fn handle(m: &Model, k: &KeyInput) -> Option<Outcome> {
    if let Some(p) = m.pending {
        return Some(pending(m, p, k));
    }
    let name = k.name();
    let name = name.as_str();
    if name == "?" {
        return Some(Outcome::act(Action::ToggleHelp));
    }
    if m.help {
        return (name == "Escape").then(|| Outcome::act(Action::ToggleHelp));
    }
    if m.lessons_open {
        let all = crate::lessons::all();
        // 1 to 9, then 0 for the tenth, as on the keyboard's number row.
        let zero =
            matches!(k.code.as_str(), "Digit0" | "Numpad0") || (k.code.is_empty() && name == "0");
        let index = k.digit().map(|d| d as usize - 1).or(zero.then_some(9));
        return match (name, index) {
            (_, Some(i)) if !k.shift => Some(match all.get(i) {
                Some(l) => Outcome::act(Action::OpenLesson(l.id.to_string(), 0)),
                None => Outcome::hint(format!("There are {} lessons.", all.len())),
            }),
            ("Escape" | "g", _) => Some(Outcome::act(Action::ToggleLessons)),
            _ => None,
        };
    }
    if m.share_open {
        return share_key(m, name);
    }
    if let (Some(d), Some(ls)) = (k.digit(), &m.lesson) {
        let q = ls.lesson.steps[ls.step].question.as_ref();
        if let (Some(q), None, false) = (q, ls.answered, k.shift) {
            if (d as usize) <= q.choices.len() {
                return Some(Outcome::act(Action::LessonAnswer(d as usize - 1)));
            }
        }
    }
    if let Some(d) = k.digit() {
        if d > m.world.n() {
            return Some(Outcome::hint(format!(
                "There is no node {d}: this run has {} nodes.",
                m.world.n()
            )));
        }
        let id = NodeId(d);
        return Some(Outcome::act(if k.shift {
            Action::ToggleMark(id)
        } else {
            Action::Select(Selection::Node(id))
        }));
    }
    global(m, name, k.shift)
}

fn pending(m: &Model, p: Pending, k: &KeyInput) -> Outcome {
    let clear = Action::SetPending(None);
    match (p, k.digit()) {
        (Pending::Send, Some(d)) => match selected_node(m) {
            Some(from) if from.0 != d => Outcome::acts(vec![
                clear,
                iv(Intervention::SendMessage {
                    from,
                    to: NodeId(d),
                }),
            ]),
            _ => Outcome::acts(vec![
                clear,
                Action::Hint("A message goes from the selected node to another node.".into()),
            ]),
        },
        (Pending::Link(None), Some(d)) => {
            Outcome::act(Action::SetPending(Some(Pending::Link(Some(NodeId(d))))))
        }
        (Pending::Link(Some(a)), Some(d)) if a.0 != d => {
            Outcome::acts(vec![clear, Action::CycleLink(a, NodeId(d))])
        }
        (Pending::Link(Some(_)), Some(_)) => Outcome::acts(vec![
            clear,
            Action::Hint("A link joins two different nodes.".into()),
        ]),
        _ => {
            // Any other key cancels the sequence (and Escape does only that).
            let mut out = Outcome::act(clear);
            if k.key != "Escape" && !(m.share_open || m.help || m.lessons_open) {
                if let Some(rest) = global(m, &k.name(), k.shift) {
                    out.actions.extend(rest.actions);
                    out.effect = rest.effect;
                }
            }
            out
        }
    }
}

fn share_key(m: &Model, name: &str) -> Option<Outcome> {
    Some(match name {
        "Escape" if m.qr_big => Outcome::act(Action::ToggleQr),
        "Escape" | "s" => Outcome::act(Action::ToggleShare),
        "c" => Outcome::effect(Effect::CopyLink),
        "q" => Outcome::act(Action::ToggleQr),
        "e" => Outcome::effect(Effect::ExportScenario),
        "o" => Outcome::effect(Effect::ImportScenario),
        "t" => Outcome::effect(Effect::ExportTrace),
        "v" => Outcome::effect(Effect::SaveSvg),
        "p" => Outcome::effect(Effect::SavePng),
        "l" if matches!(m.world, World::Vclock(_)) => Outcome::effect(Effect::ExportShiviz),
        "l" => Outcome::hint("The ShiViz log is for the vector-clock view."),
        _ => return None,
    })
}

fn global(m: &Model, name: &str, shift: bool) -> Option<Outcome> {
    let c = m.world.cluster();
    let leader = super::panels::leader(&c);
    let sel = selected_node(m);
    let n = m.world.n();
    let vclock = matches!(m.world, World::Vclock(_));
    let ring = matches!(m.world, World::Ring(_));
    let only_vclock = || Outcome::hint("That key is for the vector-clock view (V switches views).");
    let only_ring = || Outcome::hint("That key is for the hash-ring view (V switches views).");
    let half = (m.diagram_span / 2) as i64;
    Some(match (name, shift) {
        (" ", _) => Outcome::act(Action::TogglePlay),
        ("ArrowRight", true) if vclock => Outcome::act(Action::DiagramScroll(-half)),
        ("ArrowLeft", true) if vclock => Outcome::act(Action::DiagramScroll(half)),
        ("End", true) if vclock => {
            Outcome::act(Action::DiagramScroll(-(m.world.now() as i64)))
        }
        ("." | "ArrowRight", _) => Outcome::act(Action::Step),
        ("," | "ArrowLeft", _) => Outcome::act(Action::StepBack),
        ("n", false) => Outcome::act(Action::NextNotable),
        ("[", _) => Outcome::act(Action::Slower),
        ("]", _) => Outcome::act(Action::Faster),
        ("f", false) => Outcome::act(Action::FastForward(m.ff_span)),
        ("f", true) => {
            let spans = [SEC, 10 * SEC, 60 * SEC, 600 * SEC];
            let next = spans
                .iter()
                .position(|&s| s == m.ff_span)
                .map_or(10 * SEC, |i| spans[(i + 1) % spans.len()]);
            Outcome::act(Action::SetFastForwardSpan(next))
        }
        ("Escape", _) => escape(m)?,
        ("Home", _) => Outcome::act(Action::Seek(0)),
        ("End", _) => Outcome::act(Action::GoLive),
        ("PageDown", _) if m.lesson.is_some() => Outcome::act(Action::LessonNext),
        ("PageUp", _) if m.lesson.is_some() => Outcome::act(Action::LessonBack),
        ("PageDown", _) => Outcome::act(Action::Step),
        ("PageUp", _) => Outcome::act(Action::Seek(m.world.now().saturating_sub(SEC))),
        ("h", false) => Outcome::act(iv(Intervention::Heal { links: true })),
        ("h", true) => hold(m)?,
        ("x", false) => need_node(m, "X crashes the selected node", |node| {
            iv(Intervention::Crash { node })
        }),
        ("r", false) => need_node(m, "R restarts the selected node", |node| {
            iv(Intervention::Restart { node })
        }),
        ("r", true) => Outcome::act(Action::Reset),
        ("t", false) => need_node(m, "T times out the selected node", |node| {
            iv(Intervention::TimeoutNow { node })
        }),
        ("l", false) => need_node(m, "L records a local event at the selected node", |node| {
            iv(Intervention::LocalEvent { node })
        }),
        ("c", false) => match leader.or(sel) {
            Some(node) => Outcome::act(iv(Intervention::ClientRequest { node })),
            None => Outcome::hint("C sends a client request to the leader: there is none yet, so select a node first."),
        },
        ("i", false) if !m.marked.is_empty() => Outcome::act(iv(Intervention::Partition {
            groups: vec![m.marked.iter().collect()],
        })),
        ("i", false) => match leader.or(sel) {
            Some(node) => Outcome::act(iv(Intervention::Partition {
                groups: vec![vec![node]],
            })),
            None => Outcome::hint("I isolates the leader or the selected node: select a node first."),
        },
        ("p", false) => Outcome {
            actions: vec![Action::TogglePresenter],
            effect: Some(Effect::Fullscreen(!m.presenter)),
        },
        ("b", false) => Outcome::act(Action::ToggleBlank),
        ("b", true) => Outcome::acts(bridge_cuts(n).into_iter().map(iv).collect()),
        ("s", false) => Outcome::act(Action::ToggleShare),
        ("s", true) => Outcome::act(iv(halves(n))),
        ("o", true) => Outcome::acts(ring_cuts(n).into_iter().map(iv).collect()),
        ("o", false) => match m.world.kind() {
            ProtocolKind::Raft => Outcome::effect(Effect::Focus("opt-prevote")),
            ProtocolKind::Vclock => Outcome::effect(Effect::Focus("opt-rate")),
            ProtocolKind::Ring => Outcome::hint(
                "The hash ring's settings come with its scenario; / looks up a key, J and Shift+J change the members.",
            ),
        },
        ("g", false) => Outcome::act(Action::ToggleLessons),
        ("v", _) => {
            let all = ProtocolKind::ALL;
            let i = all.iter().position(|&p| p == m.world.kind()).unwrap_or(0);
            let j = if shift { i + all.len() - 1 } else { i + 1 } % all.len();
            Outcome::act(Action::SwitchProtocol(all[j]))
        }
        ("e", false) => Outcome::effect(Effect::Focus("seed")),
        ("e", true) => Outcome::effect(Effect::NewSeed),
        ("w", false) => Outcome::effect(Effect::Focus("lat-min")),
        ("w", true) => Outcome::act(iv(Intervention::Network {
            config: crate::sim::NetConfig::default(),
        })),
        ("+" | "=", _) | ("-", _) => {
            let want = if name == "-" { n - 1 } else { n + 1 };
            if (3..=9).contains(&want) {
                Outcome::act(Action::SetNodes(want))
            } else {
                Outcome::hint(format!(
                    "A run has 3 to 9 nodes; this one has {n}. (Changing it starts a new run.)"
                ))
            }
        }
        ("d", false) => Outcome::act(Action::SetDragMode(match m.drag_mode {
            DragMode::Select => DragMode::Cut,
            DragMode::Cut => DragMode::Select,
        })),
        ("d", true) => match m.selected {
            Selection::Message(id) => Outcome::act(iv(Intervention::Duplicate {
                msg: crate::sim::MsgId(id),
            })),
            _ => Outcome::hint("Shift+D duplicates the selected message: select one first (Q)."),
        },
        ("Delete" | "Backspace", _) => match m.selected {
            Selection::Message(id) => Outcome::act(iv(Intervention::Drop {
                msg: crate::sim::MsgId(id),
            })),
            _ => return None,
        },
        ("q", _) => {
            let flights = m.world.flights();
            if flights.is_empty() {
                return Some(Outcome::hint("No message is in flight right now."));
            }
            let at = match m.selected {
                Selection::Message(id) => flights.iter().position(|f| f.id == id),
                _ => None,
            };
            let len = flights.len();
            let i = match (at, shift) {
                (None, false) => 0,
                (None, true) => len - 1,
                (Some(i), false) => (i + 1) % len,
                (Some(i), true) => (i + len - 1) % len,
            };
            Outcome::act(Action::Select(Selection::Message(flights[i].id)))
        }
        ("k", false) => Outcome::act(Action::SetPending(Some(Pending::Link(None)))),
        ("m", false) if !vclock => only_vclock(),
        ("m", false) => match sel {
            Some(_) => Outcome::act(Action::SetPending(Some(Pending::Send))),
            None => Outcome::hint("M sends a message from the selected node: select a node first."),
        },
        ("z", _) if !vclock => only_vclock(),
        ("z", false) => Outcome::act(Action::DiagramSpan(m.diagram_span / 2)),
        ("z", true) => Outcome::act(Action::DiagramSpan(m.diagram_span * 2)),
        ("<" | ">", _) if !vclock => only_vclock(),
        ("<" | ">", _) => match step_event(m, m.chosen_event, name == ">") {
            Some(id) => Outcome::act(Action::ChooseEvent {
                id: Some(id),
                second: false,
            }),
            None => Outcome::hint("No event there: the diagram has no earlier or later event."),
        },
        ("{" | "}", _) if !vclock => only_vclock(),
        ("{" | "}", _) => {
            let Some(first) = m.chosen_event else {
                return Some(Outcome::hint("Choose an event first (< or >, or click one in the diagram)."));
            };
            let from = m.second_event.unwrap_or(first);
            match step_event(m, Some(from), name == "}").filter(|&id| id != first) {
                Some(id) => Outcome::act(Action::ChooseEvent {
                    id: Some(id),
                    second: true,
                }),
                None => Outcome::hint("No other event there to compare with."),
            }
        }
        ("j", _) if !ring => only_ring(),
        ("j", false) => {
            let standby = |id: NodeId| {
                c.nodes
                    .iter()
                    .any(|nd| nd.id == id && nd.up && nd.view.role == "standby")
            };
            let pick = sel.filter(|&s| standby(s)).or_else(|| {
                c.nodes
                    .iter()
                    .find(|nd| nd.up && nd.view.role == "standby")
                    .map(|nd| nd.id)
            });
            match pick {
                Some(node) => Outcome::act(iv(Intervention::Join { node })),
                None => Outcome::hint("No standby node to add: every live node is in the ring."),
            }
        }
        ("j", true) => need_node(m, "Shift+J removes the selected node from the ring", |node| {
            iv(Intervention::Leave { node })
        }),
        ("/", _) if !ring => only_ring(),
        ("/", _) => Outcome::effect(Effect::Focus("ring-key")),
        _ => return None,
    })
}

fn hold(m: &Model) -> Option<Outcome> {
    Some(match m.selected {
        Selection::Message(id) => {
            let msg = crate::sim::MsgId(id);
            let held = m.world.flights().iter().any(|f| f.id == id && f.held);
            Outcome::act(iv(if held {
                Intervention::Release { msg }
            } else {
                Intervention::Hold { msg }
            }))
        }
        Selection::Link(a, b) => {
            let c = m.world.cluster();
            let l = c.links.iter().find(|l| l.a == a && l.b == b)?;
            if l.held_ab || l.held_ba {
                let mut acts = Vec::new();
                if l.held_ab {
                    acts.push(iv(Intervention::ReleaseLink { from: a, to: b }));
                }
                if l.held_ba {
                    acts.push(iv(Intervention::ReleaseLink { from: b, to: a }));
                }
                Outcome::acts(acts)
            } else {
                Outcome::act(iv(Intervention::HoldLink { from: a, to: b }))
            }
        }
        _ => Outcome::hint("Shift+H holds the selected message or link: select one first (Q, or K and two node numbers)."),
    })
}

fn escape(m: &Model) -> Option<Outcome> {
    Some(if m.blank {
        Outcome::act(Action::ToggleBlank)
    } else if m.selected != Selection::None || !m.marked.is_empty() {
        Outcome::acts(vec![
            Action::Select(Selection::None),
            Action::SetMarks(Vec::new()),
        ])
    } else if m.chosen_event.is_some() {
        Outcome::act(Action::ChooseEvent {
            id: None,
            second: false,
        })
    } else if m.banner.is_some() {
        Outcome::act(Action::Dismiss)
    } else if m.lesson.is_some() {
        Outcome::act(Action::CloseLesson)
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::MS;
    use crate::world::Scenario;

    /// Builds the situation a key line names, as the browser test does through the page.
    fn setup(ctx: Ctx) -> Model {
        let mut m = Model::new(Scenario::default());
        let raft = |m: &mut Model| {
            m.load(Scenario {
                protocol: ProtocolKind::Raft,
                seed: "5".into(),
                ..Scenario::default()
            })
            .unwrap();
            m.reduce(Action::AdvanceBy(2 * SEC));
        };
        let ring = |m: &mut Model| {
            m.load(Scenario {
                protocol: ProtocolKind::Ring,
                seed: "3".into(),
                ..Scenario::default()
            })
            .unwrap();
            m.reduce(Action::AdvanceBy(500 * MS));
        };
        match ctx {
            Ctx::Any | Ctx::LinkFocus => {}
            Ctx::Advanced => {
                m.reduce(Action::AdvanceBy(2 * SEC));
            }
            Ctx::Past => {
                m.reduce(Action::AdvanceBy(2 * SEC));
                m.reduce(Action::Seek(SEC));
            }
            Ctx::RaftStart => {
                raft(&mut m);
                m.reduce(Action::Reset);
            }
            Ctx::Raft => raft(&mut m),
            Ctx::RaftNode => {
                raft(&mut m);
                m.reduce(Action::Select(Selection::Node(NodeId(2))));
            }
            Ctx::Node => {
                m.reduce(Action::Select(Selection::Node(NodeId(2))));
            }
            Ctx::Crashed => {
                m.reduce(Action::Select(Selection::Node(NodeId(2))));
                m.reduce(iv(Intervention::Crash { node: NodeId(2) }));
            }
            Ctx::Flights | Ctx::Message => {
                m.reduce(iv(Intervention::SendMessage {
                    from: NodeId(1),
                    to: NodeId(2),
                }));
                if ctx == Ctx::Message {
                    let id = m.world.flights()[0].id;
                    m.reduce(Action::Select(Selection::Message(id)));
                }
            }
            Ctx::Partitioned => {
                m.reduce(iv(halves(5)));
            }
            Ctx::Chosen => {
                m.reduce(Action::AdvanceBy(2 * SEC));
                let World::Vclock(s) = &m.world else {
                    unreachable!()
                };
                let last = s.sim().shared().events().next_back().unwrap().id;
                m.reduce(Action::ChooseEvent {
                    id: Some(EventId(last.0 - 2)),
                    second: false,
                });
            }
            Ctx::DiagramBack => {
                m.reduce(Action::AdvanceBy(2 * SEC));
                m.reduce(Action::DiagramScroll((SEC / 2) as i64));
            }
            Ctx::Ring => ring(&mut m),
            Ctx::RingMember => {
                ring(&mut m);
                m.reduce(Action::Select(Selection::Node(NodeId(1))));
            }
            Ctx::Lesson | Ctx::LessonLater => {
                let step = if ctx == Ctx::Lesson { 0 } else { 2 };
                m.reduce(Action::OpenLesson("raft-first-election".into(), step));
            }
            Ctx::LessonMenu => {
                m.reduce(Action::ToggleLessons);
            }
            Ctx::Share => {
                m.reduce(Action::ToggleShare);
            }
        }
        m
    }

    /// What the page shows of the model, to tell whether a key changed anything.
    fn look(m: &Model) -> String {
        format!(
            "{} {} {} {} {:?} {:?} {:?} {} {} {} {} {} {:?} {:?} {} {:?} {:?} {:?} {:?} {:?} {} {} {:?} {:?} {:?} {:?}",
            m.world.digest(),
            m.world.now(),
            m.world.log().len(),
            m.playing,
            m.speed,
            m.selected,
            m.marked,
            m.help,
            m.share_open,
            m.lessons_open,
            m.presenter,
            m.blank,
            m.banner,
            m.pending,
            m.qr_big,
            m.ff_span,
            m.fast_forward,
            m.drag_mode,
            m.chosen_event,
            m.second_event,
            m.diagram_span,
            m.diagram_back,
            m.lesson.as_ref().map(|l| (l.step, l.answered)),
            m.world.kind(),
            m.world.n(),
            m.base.seed,
        )
    }

    #[test]
    fn every_listed_key_does_something_where_the_list_says() {
        let mut checked = 0;
        let mut failures = Vec::new();
        for line in all() {
            if line.ctx == Ctx::LinkFocus {
                // Handled by the focused link's own listener (the browser test presses it).
                continue;
            }
            for alt in line.press.split('|') {
                let mut m = setup(line.ctx);
                let before = look(&m);
                let mut effect = None;
                let mut hinted = false;
                for key in alt.split(' ') {
                    let Some(out) = handle(&m, &KeyInput::parse(key)) else {
                        failures.push(format!(
                            "{} ({alt}): {key} is not a key in {:?}",
                            line.keys, line.ctx
                        ));
                        break;
                    };
                    hinted |= out.actions.iter().any(|a| matches!(a, Action::Hint(_)));
                    for a in out.actions {
                        m.reduce(a);
                    }
                    effect = out.effect.or(effect);
                }
                if effect.is_none() && before == look(&m) {
                    failures.push(format!(
                        "{} ({alt}) changed nothing in {:?}",
                        line.keys, line.ctx
                    ));
                }
                if hinted {
                    failures.push(format!(
                        "{} ({alt}) only explained itself in {:?}: {:?}",
                        line.keys, line.ctx, m.banner
                    ));
                }
                if let Some(b) = m.banner.as_ref().filter(|b| b.error) {
                    failures.push(format!(
                        "{} ({alt}) in {:?}: {}",
                        line.keys, line.ctx, b.text
                    ));
                }
                checked += 1;
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(checked >= 60, "only {checked} keys checked");
    }

    #[test]
    fn the_list_has_no_key_twice_in_one_context() {
        let mut seen = std::collections::BTreeSet::new();
        for (group, lines) in GROUPS {
            let modal = *group == "In the share dialog";
            for line in lines.iter() {
                for alt in line.press.split('|') {
                    // Keys that mean different things in different situations are listed once
                    // per situation; the plain keys must be unique.
                    let scoped = modal
                        || matches!(line.ctx, Ctx::LessonMenu | Ctx::Lesson | Ctx::LessonLater);
                    if !scoped {
                        assert!(seen.insert(alt.to_string()), "{alt} is listed twice");
                    }
                }
            }
        }
    }

    #[test]
    fn keys_wait_for_the_rest_of_a_sequence_and_escape_cancels_it() {
        let mut m = setup(Ctx::Any);
        for a in handle(&m, &KeyInput::parse("k")).unwrap().actions {
            m.reduce(a);
        }
        assert_eq!(m.pending, Some(Pending::Link(None)));
        for a in handle(&m, &KeyInput::parse("3")).unwrap().actions {
            m.reduce(a);
        }
        assert_eq!(m.pending, Some(Pending::Link(Some(NodeId(3)))));
        for a in handle(&m, &KeyInput::parse("Escape")).unwrap().actions {
            m.reduce(a);
        }
        assert_eq!(m.pending, None);
        assert_eq!(m.world.log().len(), 0, "no link was touched");
        // Another key cancels the sequence and does its own job.
        for a in handle(&m, &KeyInput::parse("k")).unwrap().actions {
            m.reduce(a);
        }
        for a in handle(&m, &KeyInput::parse("]")).unwrap().actions {
            m.reduce(a);
        }
        assert_eq!(m.pending, None);
        assert_eq!(m.speed, crate::ui::model::DEFAULT_SPEED * 2.0);
    }

    #[test]
    fn node_numbers_are_read_from_the_physical_key_and_letters_ignore_caps_lock() {
        let m = setup(Ctx::Any);
        // AZERTY: the key "1" types "&" without Shift.
        let amp = handle(&m, &KeyInput::new("&", "Digit1", false)).unwrap();
        assert_eq!(
            amp.actions,
            vec![Action::Select(Selection::Node(NodeId(1)))]
        );
        let caps = handle(&m, &KeyInput::new("B", "KeyB", false)).unwrap();
        assert_eq!(caps.actions, vec![Action::ToggleBlank]);
        assert_eq!(handle(&m, &KeyInput::parse("F12")), None);
    }
}
