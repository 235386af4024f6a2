//! The app's shell: the one [`Model`] behind a `RefCell`, the dispatcher every click, key,
//! animation frame and JS API call goes through, and the canvas painter.
//!
//! The shell is installed once per page in a thread-local so that the JavaScript API
//! (`window.nodescape`) and the Yew components drive the same model.

use super::canvas::{LinkPainter, Painter};
use super::diagram::{DiagramPainter, Highlight};
use super::model::{Action, Change, Model};
use crate::protocols::vclock::{causal_sets, EventId, Vclock};
use crate::sim::Sim;
use crate::world::Scenario;
use crate::world::World;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::{Callback, NodeRef};

/// The page's single source of truth and its dispatcher.
pub struct Shell {
    /// The model.
    pub model: RefCell<Model>,
    /// The canvas of the cluster picture.
    pub canvas: NodeRef,
    painter: RefCell<Painter>,
    /// The canvas of a large cluster's links (see [`LinkPainter`]).
    pub links_canvas: NodeRef,
    /// The links' painter.
    pub links: RefCell<LinkPainter>,
    /// The canvas of the space-time diagram (vector clocks).
    pub diagram_canvas: NodeRef,
    /// The diagram's painter.
    pub diagram: RefCell<DiagramPainter>,
    highlight: RefCell<(Option<HighlightKey>, Highlight)>,
    rerender: RefCell<Option<Callback<()>>>,
    /// Real time (ms) of the last panel render during playback (panels refresh at most 10x/s).
    last_render: Cell<f64>,
    dirty: Cell<bool>,
    /// Real time (ms) the clock's text last changed.
    clock_at: Cell<f64>,
    /// Promises of `nodescape.fastForward()` waiting for the fast-forward to end.
    ff_waiters: RefCell<Vec<js_sys::Function>>,
    /// `prefers-reduced-motion` is set.
    pub reduced_motion: Cell<bool>,
    /// The panels' latest render was asked for by an animation frame (see [`Shell::after_render`]).
    frame_render: Cell<bool>,
    /// The canvases are to be drawn again at the next animation frame.
    redraw: Cell<bool>,
}

/// What the cached causal highlight was computed for: chosen, second, trace length.
type HighlightKey = (Option<EventId>, Option<EventId>, u64);

/// Milliseconds of simulation per animation frame during a fast-forward: the rest of the frame
/// stays free for input, drawing and the page's own scripts.
const FF_BUDGET_MS: f64 = 8.0;

thread_local! {
    static SHELL: RefCell<Option<Rc<Shell>>> = const { RefCell::new(None) };
}

/// Milliseconds from the page's performance clock (for throttling only; never reaches the sim).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl Shell {
    /// Creates the page's shell (or returns the existing one).
    pub fn install(scenario: Scenario) -> Rc<Shell> {
        SHELL.with(|s| {
            s.borrow_mut()
                .get_or_insert_with(|| {
                    Rc::new(Shell {
                        model: RefCell::new(Model::new(scenario)),
                        canvas: NodeRef::default(),
                        painter: RefCell::new(Painter::default()),
                        links_canvas: NodeRef::default(),
                        links: RefCell::new(LinkPainter::default()),
                        diagram_canvas: NodeRef::default(),
                        diagram: RefCell::new(DiagramPainter::default()),
                        highlight: RefCell::new((None, Highlight::default())),
                        rerender: RefCell::new(None),
                        last_render: Cell::new(0.0),
                        dirty: Cell::new(false),
                        clock_at: Cell::new(0.0),
                        ff_waiters: RefCell::new(Vec::new()),
                        reduced_motion: Cell::new(false),
                        frame_render: Cell::new(false),
                        redraw: Cell::new(false),
                    })
                })
                .clone()
        })
    }

    /// The installed shell, if the app is mounted.
    pub fn get() -> Option<Rc<Shell>> {
        SHELL.with(|s| s.borrow().clone())
    }

    /// Registers how to re-render the panels.
    pub fn set_rerender(&self, cb: Callback<()>) {
        *self.rerender.borrow_mut() = Some(cb);
    }

    /// Applies an action: redraws the canvas, and re-renders the panels when they changed.
    pub fn dispatch(&self, action: Action) -> Change {
        let frame = matches!(action, Action::Frame(_));
        let change = match self.model.try_borrow_mut() {
            Ok(mut m) if frame && m.fast_forward.is_some() => {
                // A fast-forward runs in slices of about FF_BUDGET_MS per frame, whatever the
                // machine: measure this slice and size the next one.
                let (t0, e0) = (now_ms(), m.world.events());
                let change = m.reduce(action);
                let (ms, done) = (now_ms() - t0, m.world.events() - e0);
                if ms >= 1.0 && done > 0 {
                    let rate = done as f64 / ms;
                    m.ff_slice = (rate * FF_BUDGET_MS).clamp(1_000.0, 1_000_000.0) as u64;
                } else if done >= m.ff_slice {
                    m.ff_slice = (m.ff_slice * 2).min(1_000_000);
                }
                change
            }
            Ok(mut m) => m.reduce(action),
            Err(_) => return Change::None,
        };
        self.settle_fast_forward();
        let pending = frame && self.redraw.replace(false);
        if change >= Change::Frame || pending {
            self.draw();
        }
        let fast_forwarding = frame
            && self
                .model
                .try_borrow()
                .is_ok_and(|m| m.fast_forward.is_some());
        if change == Change::View && fast_forwarding {
            // The panels wait for the end of a fast-forward (they would show a moment already
            // gone, at the cost of a layout of the whole page); the button shows the progress.
            self.dirty.set(true);
        } else if change == Change::View {
            if frame {
                // During playback, panels refresh at most ten times a second.
                let t = now_ms();
                if t - self.last_render.get() >= 100.0 {
                    self.rerender_now(t, true);
                } else {
                    self.dirty.set(true);
                }
            } else {
                self.rerender_now(now_ms(), false);
            }
        } else if frame && self.dirty.get() && now_ms() - self.last_render.get() >= 100.0 {
            self.rerender_now(now_ms(), true);
        }
        change
    }

    /// Calls `done` with the simulated time (ms) once no fast-forward is running.
    pub fn when_fast_forward_ends(&self, done: js_sys::Function) {
        self.ff_waiters.borrow_mut().push(done);
        self.settle_fast_forward();
    }

    fn settle_fast_forward(&self) {
        let now = match self.model.try_borrow() {
            Ok(m) if m.fast_forward.is_none() => m.world.now(),
            _ => return,
        };
        if self.ff_waiters.borrow().is_empty() {
            return;
        }
        let waiters = std::mem::take(&mut *self.ff_waiters.borrow_mut());
        for w in waiters {
            let _ = w.call1(
                &wasm_bindgen::JsValue::UNDEFINED,
                &(now as f64 / 1000.0).into(),
            );
        }
    }

    /// Re-renders the panels; `from_frame`: asked for by an animation frame, after its drawing
    /// (see [`Shell::after_render`]).
    fn rerender_now(&self, t: f64, from_frame: bool) {
        self.frame_render.set(from_frame);
        self.last_render.set(t);
        self.dirty.set(false);
        if let Ok(mut m) = self.model.try_borrow_mut() {
            m.rendered_events = m.world.events();
        }
        if let Some(cb) = self.rerender.borrow().as_ref() {
            cb.emit(());
        }
    }

    /// Called after each render of the panels. A render asked for by an animation frame comes
    /// after that frame's drawing: the canvases are drawn again at the next frame, once the
    /// browser has laid the page out, instead of now, when reading a canvas's size would force
    /// a layout of the whole page in the middle of the frame (at 4x CPU slowdown that was about
    /// 70 ms of every second of vector-clock playback). Any other render draws at once.
    pub fn after_render(&self) {
        if self.frame_render.replace(false) {
            self.redraw.set(true);
        } else {
            self.draw();
        }
    }

    /// Re-renders the panels and redraws the canvas now.
    pub fn rerender_and_draw(&self) {
        self.rerender_now(now_ms(), false);
        self.draw();
    }

    /// Redraws the per-frame layer.
    pub fn draw(&self) {
        let Some(canvas) = self.canvas.cast::<web_sys::HtmlCanvasElement>() else {
            return;
        };
        if let (Ok(m), Ok(mut p)) = (self.model.try_borrow(), self.painter.try_borrow_mut()) {
            if let World::Vclock(s) = &m.world {
                self.draw_diagram(&m, s.sim());
            }
            let hl = self.highlight.borrow();
            let reach: &[Option<bool>] = match (&m.world, m.chosen_event) {
                (World::Vclock(_), Some(_)) => &hl.1.node_reach,
                _ => &[],
            };
            let drew = p.draw(&canvas, &m.world, self.reduced_motion.get(), reach);
            if let (Some(c), Ok(mut l)) = (
                self.links_canvas.cast::<web_sys::HtmlCanvasElement>(),
                self.links.try_borrow_mut(),
            ) {
                l.draw(&c);
            }
            // The clock ticks without re-rendering the panels; while time runs by itself, about
            // ten times a second (a new text every frame costs a layout and a repaint of the
            // header, and sixty changes a second cannot be read anyway), preferably in a frame
            // that repaints the picture anyway.
            if let Some((from, to)) = m.fast_forward {
                // The » button's text node (Yew's own, so its next render still applies).
                let pct = format!(
                    "{}%",
                    (m.world.now().saturating_sub(from)) * 100 / (to - from).max(1)
                );
                if let Some(text) = gloo::utils::document()
                    .get_element_by_id("ff")
                    .and_then(|b| b.first_child())
                {
                    if text.node_value().as_deref() != Some(pct.as_str()) {
                        text.set_node_value(Some(&pct));
                    }
                }
            }
            let t = now_ms();
            let running = m.playing || m.fast_forward.is_some();
            let since = t - self.clock_at.get();
            if !running || since >= 100.0 || (drew && since >= 60.0) {
                if let Some(clock) = gloo::utils::document().get_element_by_id("clock") {
                    let text = crate::sim::time::format_time(m.world.now());
                    if clock.text_content().as_deref() != Some(text.as_str()) {
                        clock.set_text_content(Some(&text));
                        self.clock_at.set(t);
                    }
                }
            }
        }
    }

    fn draw_diagram(&self, m: &Model, sim: &Sim<Vclock>) {
        let Some(canvas) = self.diagram_canvas.cast::<web_sys::HtmlCanvasElement>() else {
            return;
        };
        let key = (m.chosen_event, m.second_event, sim.trace().total());
        let mut hl = self.highlight.borrow_mut();
        if hl.0 != Some(key) {
            hl.1 = match m.chosen_event.map(|id| causal_sets(sim.shared(), id)) {
                Some(Ok(sets)) => Highlight::from_sets(&sets, m.second_event),
                _ => Highlight::default(),
            };
            hl.0 = Some(key);
        }
        let end = sim.now().saturating_sub(m.diagram_back);
        if let Ok(mut d) = self.diagram.try_borrow_mut() {
            d.large = m.presenter;
            d.draw(&canvas, sim, m.diagram_span, end, &hl.1);
        }
    }

    /// Paints the message layer (messages, timer arcs, the causal rings) as the page shows it,
    /// in viewBox units, onto another canvas's context: the PNG export.
    pub fn paint_messages(&self, ctx: &web_sys::CanvasRenderingContext2d) {
        let m = self.model.borrow();
        let hl = self.highlight.borrow();
        let reach: &[Option<bool>] = match (&m.world, m.chosen_event) {
            (World::Vclock(_), Some(_)) => &hl.1.node_reach,
            _ => &[],
        };
        Painter::default().paint(ctx, &m.world, self.reduced_motion.get(), reach);
    }

    /// Paints the space-time diagram's window as the page shows it onto another canvas's
    /// context, `w` x `h` CSS pixels at `scale` (the PNG export). False outside vector clocks.
    pub fn paint_diagram(
        &self,
        ctx: &web_sys::CanvasRenderingContext2d,
        w: f64,
        h: f64,
        scale: f64,
    ) -> bool {
        let m = self.model.borrow();
        let World::Vclock(s) = &m.world else {
            return false;
        };
        let hl = self.highlight.borrow();
        let end = s.sim().now().saturating_sub(m.diagram_back);
        DiagramPainter::default().paint(ctx, (w, h, scale), s.sim(), m.diagram_span, end, &hl.1);
        true
    }

    /// The message drawn at a viewBox point.
    pub fn message_at(&self, pt: (f64, f64), tolerance: f64) -> Option<u64> {
        let m = self.model.borrow();
        let p = self.painter.borrow();
        p.message_at(&m.world, pt, tolerance)
    }

    /// A Yew callback that dispatches actions to this shell.
    pub fn callback(self: &Rc<Self>) -> Callback<Action> {
        let me = self.clone();
        Callback::from(move |a: Action| {
            me.dispatch(a);
        })
    }
}
