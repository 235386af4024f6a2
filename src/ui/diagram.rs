//! The live space-time diagram of the vector-clock view, drawn on a canvas: one line per node,
//! events as dots, messages as arrows, dropped messages ending in a cross, messages in flight
//! drawn to the present. What has settled is drawn once into offscreen layers (see
//! [`DiagramPainter`]), and clicks are hit-tested in Rust from the positions it drew.

use super::geometry::math;
use crate::protocols::vclock::{
    diagram_of, ArrowEnd, CausalSets, EventId, EventType, Outage, Vclock,
};
use crate::sim::{EventKind, MsgId, NodeId, Sim, SimTime};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

const LEFT: f64 = 44.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 18.0;

/// Colours (Okabe-Ito, colour-blind safe) for the causal highlight.
pub const PAST: &str = "#0072b2";
/// Events in the causal future.
pub const FUTURE: &str = "#d55e00";
/// Events concurrent with the chosen one.
pub const CONCURRENT: &str = "#009e73";

/// A set of events as ascending ids (the causal sets come oldest first, so already sorted):
/// looked up by binary search, with no tree of its own.
#[derive(Default, Clone, PartialEq, Debug)]
pub struct IdSet(Vec<u64>);

impl IdSet {
    /// The set of `ids`, in any order.
    pub fn new(ids: &[EventId]) -> Self {
        let mut v: Vec<u64> = ids.iter().map(|e| e.0).collect();
        if !v.is_sorted() {
            let mut keys: Vec<u128> = v.iter().map(|&x| x as u128).collect();
            crate::sim::keysort::sort_keys(&mut keys);
            v = keys.into_iter().map(|k| k as u64).collect();
        }
        v.dedup();
        IdSet(v)
    }

    /// True when `id` is in the set.
    pub fn contains(&self, id: &EventId) -> bool {
        self.0.binary_search(&id.0).is_ok()
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What is highlighted.
#[derive(Default, Clone, PartialEq)]
pub struct Highlight {
    /// The chosen event.
    pub chosen: Option<EventId>,
    /// The second event of a comparison.
    pub second: Option<EventId>,
    /// The chosen event's causal past.
    pub past: IdSet,
    /// Its causal future.
    pub future: IdSet,
    /// Events concurrent with it.
    pub concurrent: IdSet,
    /// Per node (index from 0): the node's current state is in the event's causal future
    /// (`Some(true)`), has only seen its past (`Some(false)`), or neither (`None`).
    pub node_reach: Vec<Option<bool>>,
}

impl Highlight {
    /// The highlight for a chosen event's causal sets.
    pub fn from_sets(sets: &CausalSets, second: Option<EventId>) -> Self {
        Highlight {
            chosen: Some(sets.event),
            second,
            past: IdSet::new(&sets.past),
            future: IdSet::new(&sets.future),
            concurrent: IdSet::new(&sets.concurrent),
            node_reach: sets
                .nodes
                .iter()
                .map(|r| {
                    if r.future_from.is_some() {
                        Some(true)
                    } else if r.past_upto > 0 {
                        Some(false)
                    } else {
                        None
                    }
                })
                .collect(),
        }
    }
}

/// The device-pixel grid that maps time to columns, and the rows of the node lines.
#[derive(Clone, Copy, PartialEq)]
struct Grid {
    /// CSS width and height of the canvas.
    w: f64,
    h: f64,
    /// Device pixels per CSS pixel.
    dpr: f64,
    nodes: u32,
    span: SimTime,
    /// Presenter mode: larger labels and a wider label margin.
    large: bool,
}

impl Grid {
    /// CSS width of the node labels' margin.
    fn margin(&self) -> f64 {
        if self.large {
            LEFT + 14.0
        } else {
            LEFT
        }
    }
    /// Microseconds per device-pixel column.
    fn g(&self) -> f64 {
        self.span.max(1) as f64 / (self.cols() as f64)
    }
    /// Device columns of the plot (the window's width).
    fn cols(&self) -> i64 {
        (((self.w - self.margin() - RIGHT) * self.dpr).round() as i64).max(1)
    }
    /// Device column where the plot starts.
    fn left(&self) -> f64 {
        (self.margin() * self.dpr).round()
    }
    fn row(&self) -> f64 {
        (self.h - TOP - BOTTOM) / self.nodes.max(1) as f64
    }
    fn y(&self, node: u32) -> f64 {
        TOP + (node as f64 - 0.5) * self.row()
    }
    fn r(&self) -> f64 {
        (self.row() * 0.16).clamp(3.5, 7.0)
    }
    /// The column of time `t` on the grid (fractional).
    fn col(&self, t: SimTime) -> f64 {
        t as f64 / self.g()
    }
}

/// How one event's dot is drawn; dots of one kind are filled in one batch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dot {
    /// A local event (no highlight, or the chosen one).
    Local,
    /// A send or receive (no highlight, or the chosen one).
    Message,
    /// In the chosen event's causal past: blue disc.
    Past,
    /// In its future: orange square.
    Future,
    /// Concurrent with it: green ring.
    Concurrent,
    /// Neither (newer than the highlight): green disc.
    Other,
}

impl Dot {
    const ALL: [Dot; 6] = [
        Dot::Local,
        Dot::Message,
        Dot::Past,
        Dot::Future,
        Dot::Concurrent,
        Dot::Other,
    ];

    fn of(id: EventId, what: &EventType, hl: &Highlight) -> Dot {
        if hl.chosen.is_none() || hl.chosen == Some(id) {
            match what {
                EventType::Local => Dot::Local,
                _ => Dot::Message,
            }
        } else if hl.past.contains(&id) {
            Dot::Past
        } else if hl.future.contains(&id) {
            Dot::Future
        } else if hl.concurrent.contains(&id) {
            Dot::Concurrent
        } else {
            Dot::Other
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Dot::Local => "#5b6472",
            Dot::Message => "#1b1f24",
            Dot::Past => PAST,
            Dot::Future => FUTURE,
            Dot::Concurrent | Dot::Other => CONCURRENT,
        }
    }
}

/// A segment of an arrow, in CSS pixels of the surface it is drawn on.
#[derive(Clone, Copy)]
struct Seg {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    /// In the chosen event's causal past (drawn blue).
    lit: bool,
    end: SegEnd,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SegEnd {
    /// Ends at a receive: an arrow head.
    Head,
    /// Lost: a red cross.
    Cross,
    /// Still travelling: a bare line.
    Open,
}

/// Strokes arrows in three batches (grey, blue, red crosses): a handful of canvas calls
/// whatever the number of arrows.
fn stroke_segs(ctx: &CanvasRenderingContext2d, segs: &[Seg]) {
    ctx.set_line_width(1.6);
    for lit in [false, true] {
        if !segs.iter().any(|s| s.lit == lit) {
            continue;
        }
        ctx.set_stroke_style_str(if lit { PAST } else { "#7d8796" });
        ctx.begin_path();
        for s in segs.iter().filter(|s| s.lit == lit) {
            ctx.move_to(s.x1, s.y1);
            ctx.line_to(s.x2, s.y2);
            if s.end == SegEnd::Head {
                let a = math::atan2(s.y2 - s.y1, s.x2 - s.x1);
                let k = 7.0;
                ctx.move_to(s.x2 - k * math::cos(a - 0.4), s.y2 - k * math::sin(a - 0.4));
                ctx.line_to(s.x2, s.y2);
                ctx.line_to(s.x2 - k * math::cos(a + 0.4), s.y2 - k * math::sin(a + 0.4));
            }
        }
        ctx.stroke();
    }
    if segs.iter().any(|s| s.end == SegEnd::Cross) {
        ctx.set_stroke_style_str("#c62828");
        ctx.set_line_width(2.5);
        ctx.begin_path();
        for s in segs.iter().filter(|s| s.end == SegEnd::Cross) {
            ctx.move_to(s.x2 - 5.0, s.y2 - 5.0);
            ctx.line_to(s.x2 + 5.0, s.y2 + 5.0);
            ctx.move_to(s.x2 - 5.0, s.y2 + 5.0);
            ctx.line_to(s.x2 + 5.0, s.y2 - 5.0);
        }
        ctx.stroke();
    }
}

/// Fills (or rings) event dots in one batch per kind, then the rings of the chosen and second
/// events. `dots` holds (x, y, kind, id) in CSS pixels of the surface.
fn fill_dots(
    ctx: &CanvasRenderingContext2d,
    dots: &[(f64, f64, Dot, EventId)],
    r: f64,
    hl: &Highlight,
) {
    use std::f64::consts::TAU;
    for kind in Dot::ALL {
        if !dots.iter().any(|d| d.2 == kind) {
            continue;
        }
        ctx.begin_path();
        for &(x, y, _, _) in dots.iter().filter(|d| d.2 == kind) {
            if kind == Dot::Future {
                ctx.rect(x - r, y - r, 2.0 * r, 2.0 * r);
            } else {
                ctx.move_to(x + r, y);
                let _ = ctx.arc(x, y, r, 0.0, TAU);
            }
        }
        if kind == Dot::Concurrent {
            // Concurrent events: hollow, so the three sets differ by shape too.
            ctx.set_stroke_style_str(CONCURRENT);
            ctx.set_line_width(2.5);
            ctx.stroke();
        } else {
            ctx.set_fill_style_str(kind.colour());
            ctx.fill();
        }
    }
    for &(x, y, _, id) in dots {
        let ring = if hl.chosen == Some(id) {
            "#000"
        } else if hl.second == Some(id) {
            "#7b3fbf"
        } else {
            continue;
        };
        ctx.set_stroke_style_str(ring);
        ctx.set_line_width(3.0);
        ctx.begin_path();
        let _ = ctx.arc(x, y, r + 4.0, 0.0, TAU);
        ctx.stroke();
    }
}

/// An offscreen canvas holding what no longer changes (arrows that ended, event dots), drawn
/// once in the grid's device columns: the visible canvas copies the window's part of it.
struct Layer {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
}

impl Layer {
    fn new(cols: u32, rows: u32) -> Option<Layer> {
        let canvas = gloo::utils::document()
            .create_element("canvas")
            .ok()?
            .dyn_into::<HtmlCanvasElement>()
            .ok()?;
        canvas.set_width(cols);
        canvas.set_height(rows);
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()?
            .dyn_into::<CanvasRenderingContext2d>()
            .ok()?;
        Some(Layer { canvas, ctx })
    }

    /// Clears it (resizing when needed) and sets CSS-pixel drawing at `dpr`.
    fn reset(&mut self, cols: u32, rows: u32, dpr: f64) {
        if self.canvas.width() != cols || self.canvas.height() != rows {
            self.canvas.set_width(cols);
            self.canvas.set_height(rows);
        }
        let _ = self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        self.ctx.clear_rect(0.0, 0.0, cols as f64, rows as f64);
        let _ = self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    }
}

/// The settled part of the diagram and what it was drawn from.
struct Settled {
    grid: Grid,
    /// The highlight's chosen and second events when it was drawn.
    chosen: (Option<EventId>, Option<EventId>),
    /// Grid column of the layers' left edge, and their width in columns (three windows).
    k0: i64,
    cols: i64,
    arrows: Layer,
    dots: Layer,
    /// Notebook events drawn so far (the newest id), trace events seen, and the time then.
    events_seen: u64,
    trace_seen: u64,
    now: SimTime,
    /// The newest event drawn, to recognise the same run.
    last: Option<(EventId, NodeId, SimTime)>,
    outages: Vec<Outage>,
    dropped: Vec<MsgId>,
    /// Every event drawn, by time: (time, id, node).
    spots: Vec<(SimTime, EventId, u32)>,
}

impl Settled {
    /// The run is the one drawn, only further on.
    fn continues(&self, sim: &Sim<Vclock>) -> bool {
        let nb = sim.shared();
        nb.total() >= self.events_seen
            && sim.trace().total() >= self.trace_seen
            && sim.now() >= self.now
            && self
                .last
                .is_none_or(|(id, node, t)| nb.get(id).is_some_and(|e| e.node == node && e.t == t))
    }

    /// Layer x (CSS pixels) of time `t`.
    fn x(&self, t: SimTime) -> f64 {
        (self.grid.col(t) - self.k0 as f64) / self.grid.dpr
    }

    /// Time range the layers cover.
    fn range(&self) -> (SimTime, SimTime) {
        let g = self.grid.g();
        let lo = (self.k0 as f64 * g).max(0.0) as SimTime;
        let hi = ((self.k0 + self.cols) as f64 * g).max(0.0) as SimTime;
        (lo, hi)
    }

    /// Draws an arrow that ended and the events given, into the layers.
    fn draw_settled(
        &mut self,
        arrows: &[(NodeId, SimTime, NodeId, SimTime, bool, bool)],
        events: &[(EventId, NodeId, SimTime, EventType)],
        hl: &Highlight,
    ) {
        let (lo, hi) = self.range();
        let segs: Vec<Seg> = arrows
            .iter()
            .filter(|a| a.1 <= hi && a.3 >= lo)
            .map(|&(from, sent, to, at, dropped, lit)| {
                let y1 = self.grid.y(from.0);
                let y2 = if dropped {
                    y1 + (self.grid.y(to.0) - y1) * 0.5
                } else {
                    self.grid.y(to.0)
                };
                Seg {
                    x1: self.x(sent),
                    y1,
                    x2: self.x(at),
                    y2,
                    lit,
                    end: if dropped { SegEnd::Cross } else { SegEnd::Head },
                }
            })
            .collect();
        stroke_segs(&self.arrows.ctx, &segs);
        let mut dots = Vec::with_capacity(events.len());
        for &(id, node, t, what) in events {
            if t < lo || t > hi {
                continue;
            }
            dots.push((self.x(t), self.grid.y(node.0), Dot::of(id, &what, hl), id));
            self.spots.push((t, id, node.0));
        }
        fill_dots(&self.dots.ctx, &dots, self.grid.r(), hl);
    }
}

/// Draws the diagram and remembers where each event is.
///
/// What has settled (events, and arrows that arrived or were lost) is drawn once into two
/// offscreen layers three windows wide, on a grid of device-pixel columns; each frame copies
/// the window's part of them and draws only what moves (node lines to the present, messages in
/// flight, outages, time ticks), and nothing at all when that would give the same picture. New
/// events are added to the layers as they happen; the layers are redrawn from the diagram's
/// model only when the window leaves them, the zoom, size or highlight changes, or the run is
/// rewound or replaced. (Drawing all of a 10,000-event window every frame ran at 11 fps.)
#[derive(Default)]
pub struct DiagramPainter {
    size: (u32, u32),
    settled: Option<Settled>,
    /// Where the last frame put the window: (grid, first column, window start and end).
    view: Option<(Grid, i64, SimTime, SimTime)>,
    /// What the last frame drew, to skip frames that would look the same.
    damage: super::canvas::Damage,
    keys: Vec<u64>,
    values: Vec<f64>,
    flying: Vec<Seg>,
    hover: std::cell::RefCell<Option<(EventId, String)>>,
    /// Larger labels, for presenter mode.
    pub large: bool,
}

impl DiagramPainter {
    /// Draws the window `[end - span, end]` of the run.
    pub fn draw(
        &mut self,
        canvas: &HtmlCanvasElement,
        sim: &Sim<Vclock>,
        span: SimTime,
        end: SimTime,
        hl: &Highlight,
    ) {
        let Some((ctx, w, h, dpr, cleared)) = super::canvas::prepare(canvas, &mut self.size) else {
            return;
        };
        if cleared {
            self.damage.reset();
        }
        self.paint_onto(&ctx, (w as f64, h as f64, dpr), sim, span, end, hl);
    }

    /// Paints the window onto another canvas's context, `size` = (width, height) in CSS
    /// pixels and the pixel ratio: the PNG export (at twice the size), with a fresh painter.
    pub fn paint(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        size: (f64, f64, f64),
        sim: &Sim<Vclock>,
        span: SimTime,
        end: SimTime,
        hl: &Highlight,
    ) {
        self.damage.reset();
        self.paint_onto(ctx, size, sim, span, end, hl);
    }

    fn paint_onto(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        (w, h, dpr): (f64, f64, f64),
        sim: &Sim<Vclock>,
        span: SimTime,
        end: SimTime,
        hl: &Highlight,
    ) {
        let grid = Grid {
            w,
            h,
            dpr,
            nodes: sim.n(),
            span,
            large: self.large,
        };
        let start = end.saturating_sub(span);
        let g = grid.g();
        let ks = (start as f64 / g).floor() as i64;
        let cols = grid.cols();
        let chosen = (hl.chosen, hl.second);
        let valid = self.settled.as_ref().is_some_and(|s| {
            s.grid == grid
                && s.chosen == chosen
                && ks >= s.k0
                && ks + cols <= s.k0 + s.cols
                && s.continues(sim)
        });
        if valid {
            self.settle(sim, hl);
        } else {
            self.rebuild(sim, grid, ks - cols, hl);
        }
        self.view = Some((grid, ks, start, end));
        let Some(st) = &self.settled else { return };

        // What moves: messages in flight, drawn to the present.
        let now = sim.now();
        let nb = sim.shared();
        let left = grid.left();
        let x = |t: SimTime| (left + grid.col(t) - ks as f64) / dpr;
        self.flying.clear();
        for f in sim.flights() {
            let Some(s) = nb.get(f.msg.send) else {
                continue;
            };
            if s.t > end {
                continue;
            }
            let (y1, y2) = (grid.y(f.from.0), grid.y(f.to.0));
            self.flying.push(Seg {
                x1: x(s.t),
                y1,
                x2: x(now),
                y2: y1 + (y2 - y1) * f.progress(now) as f64,
                lit: hl.chosen.is_some()
                    && (hl.past.contains(&f.msg.send) || hl.chosen == Some(f.msg.send)),
                end: SegEnd::Open,
            });
        }
        // Skip the frame when it would look the same: the present and the arrows in flight
        // have moved by less than a device pixel since the last frame drawn (a thousand arrows
        // in flight across the window cost more to rasterise than a frame lasts).
        {
            let id = |e: Option<EventId>| e.map_or(0, |e| e.0 + 1);
            self.keys.clear();
            self.keys.extend([
                w as u64,
                h as u64,
                (dpr * 1000.0) as u64,
                ks as u64,
                st.k0 as u64,
                st.events_seen,
                st.trace_seen,
                id(chosen.0),
                id(chosen.1),
                st.outages.len() as u64,
            ]);
            self.keys.extend(self.flying.iter().map(|s| s.lit as u64));
            self.values.clear();
            self.values.push(x(now.min(end)) * dpr);
            for s in &self.flying {
                self.values
                    .extend([s.x1, s.y1, s.x2, s.y2].map(|v| v * dpr));
            }
            if !self.damage.changed(&self.keys, &self.values) {
                return;
            }
        }
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, grid.w, grid.h);
        let row = grid.row();
        // Node lines, labels, and outages.
        // Presenter mode: labels readable from the back of a room.
        let (label_px, tick_px) = if grid.large {
            (19.0, 15.0)
        } else {
            (13.0, 11.0)
        };
        ctx.set_font(&format!("600 {label_px}px system-ui, sans-serif"));
        ctx.set_text_baseline("middle");
        ctx.set_fill_style_str("#1b1f24");
        for i in 1..=grid.nodes {
            let _ = ctx.fill_text(&format!("N{i}"), 8.0, grid.y(i));
        }
        ctx.set_stroke_style_str("#b8c0cc");
        ctx.set_line_width(1.5);
        ctx.begin_path();
        for i in 1..=grid.nodes {
            ctx.move_to(grid.margin(), grid.y(i));
            ctx.line_to(x(now.min(end)), grid.y(i));
        }
        ctx.stroke();
        ctx.set_fill_style_str("rgba(120,128,140,0.25)");
        for o in &st.outages {
            let until = o.until.unwrap_or(now);
            if until < start || o.from > end {
                continue;
            }
            let a = x(o.from.max(start));
            let b = x(until.min(end));
            ctx.fill_rect(a, grid.y(o.node.0) - row * 0.3, (b - a).max(2.0), row * 0.6);
        }
        // Time ticks.
        ctx.set_fill_style_str("#5b6472");
        ctx.set_font(&format!("{tick_px}px system-ui, sans-serif"));
        let step = nice_step(span);
        let mut t = start.div_ceil(step) * step;
        while t <= end {
            let label = crate::sim::time::format_time(t);
            let _ = ctx.fill_text(&label, x(t) - tick_px * 1.3, grid.h - 8.0);
            t += step;
        }

        // The settled layers, copied column for column (the grid keeps them aligned), with the
        // arrows in flight between them so that dots stay on top.
        let copy = |layer: &Layer| {
            let from = (left - 8.0 * dpr).max(0.0);
            let to = (grid.w * dpr).floor();
            // Canvas column X shows layer column X - left - k0 + ks.
            let shift = ks - st.k0;
            let sx = (from - left + shift as f64).max(0.0);
            let dx = sx + left - shift as f64;
            let sw = (to - dx).min(st.cols as f64 - sx);
            if sw > 0.0 {
                let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
                let _ = ctx
                    .draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                        &layer.canvas,
                        sx,
                        0.0,
                        sw,
                        layer.canvas.height() as f64,
                        dx,
                        0.0,
                        sw,
                        layer.canvas.height() as f64,
                    );
                let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
            }
        };
        copy(&st.arrows);
        // Arrows in flight sent before the window stop at its left edge, off the node labels.
        ctx.save();
        ctx.begin_path();
        ctx.rect(grid.margin() - 8.0, 0.0, grid.w, grid.h);
        ctx.clip();
        stroke_segs(ctx, &self.flying);
        ctx.restore();
        copy(&st.dots);

        let a = st.spots.partition_point(|s| s.0 < start);
        let b = st.spots.partition_point(|s| s.0 <= end);
        if a == b {
            ctx.set_fill_style_str("#5b6472");
            ctx.set_font("14px system-ui, sans-serif");
            let _ = ctx.fill_text(
                "No events in this window yet: press Play, click a node for a local event, or send a message.",
                grid.margin() + 10.0,
                TOP + 14.0,
            );
        }
    }

    /// Redraws the layers from the diagram's model, starting at grid column `k0`.
    fn rebuild(&mut self, sim: &Sim<Vclock>, grid: Grid, k0: i64, hl: &Highlight) {
        let cols = grid.cols() * 3;
        let (pw, ph) = (cols as u32, (grid.h * grid.dpr).ceil() as u32);
        let (mut arrows, mut dots) = match self.settled.take() {
            Some(s) => (s.arrows, s.dots),
            None => match (Layer::new(pw, ph), Layer::new(pw, ph)) {
                (Some(a), Some(d)) => (a, d),
                _ => return,
            },
        };
        arrows.reset(pw, ph, grid.dpr);
        dots.reset(pw, ph, grid.dpr);
        let nb = sim.shared();
        let mut st = Settled {
            grid,
            chosen: (hl.chosen, hl.second),
            k0,
            cols,
            arrows,
            dots,
            events_seen: nb.total(),
            trace_seen: sim.trace().total(),
            now: sim.now(),
            last: nb.events().next_back().map(|e| (e.id, e.node, e.t)),
            outages: Vec::new(),
            dropped: Vec::new(),
            spots: Vec::new(),
        };
        let d = diagram_of(sim, Some(st.range()));
        let lit = |send: EventId| {
            hl.chosen.is_some() && (hl.past.contains(&send) || hl.chosen == Some(send))
        };
        let ended: Vec<_> = d
            .arrows
            .iter()
            .filter_map(|a| match a.end {
                ArrowEnd::Received { at, .. } => {
                    Some((a.from, a.sent_at, a.to, at, false, lit(a.send)))
                }
                ArrowEnd::Dropped { at, .. } => {
                    if let Some(m) = a.msg {
                        st.dropped.push(m);
                    }
                    Some((a.from, a.sent_at, a.to, at, true, lit(a.send)))
                }
                ArrowEnd::InFlight { .. } => None,
            })
            .collect();
        let events: Vec<_> = d
            .events
            .iter()
            .map(|e| (e.id, e.node, e.t, e.what))
            .collect();
        st.draw_settled(&ended, &events, hl);
        st.outages = d.outages;
        self.settled = Some(st);
        self.damage.reset();
    }

    /// Adds what happened since the layers were drawn: new events and the arrows they end, and
    /// messages lost. A crash or restart (outages) redraws the layers.
    fn settle(&mut self, sim: &Sim<Vclock>, hl: &Highlight) {
        let Some(st) = self.settled.as_mut() else {
            return;
        };
        let nb = sim.shared();
        let trace = sim.trace();
        let new_trace = trace.total() - st.trace_seen;
        if new_trace as usize > trace.events().len() {
            let (grid, k0) = (st.grid, st.k0);
            return self.rebuild(sim, grid, k0, hl);
        }
        let mut first_drop = None;
        for ev in trace.events().rev().take(new_trace as usize) {
            match ev.kind {
                EventKind::Crashed { .. } | EventKind::Restarted { .. } => {
                    let (grid, k0) = (st.grid, st.k0);
                    return self.rebuild(sim, grid, k0, hl);
                }
                EventKind::Dropped { .. } => first_drop = Some(ev.t),
                _ => {}
            }
        }
        let lit = |send: EventId| {
            hl.chosen.is_some() && (hl.past.contains(&send) || hl.chosen == Some(send))
        };
        let mut arrows = Vec::new();
        let mut events = Vec::new();
        if nb.total() > st.events_seen {
            let seen = st.events_seen;
            let mut fresh: Vec<_> = nb.events().rev().take_while(|e| e.id.0 > seen).collect();
            fresh.reverse();
            for e in fresh {
                if let EventType::Receive { from, send } = e.what {
                    if let Some(s) = nb.get(send) {
                        arrows.push((from, s.t, e.node, e.t, false, lit(send)));
                    }
                }
                events.push((e.id, e.node, e.t, e.what));
            }
        }
        if let Some(t) = first_drop {
            // Lost messages: the model knows which send each one came from.
            let d = diagram_of(sim, Some((t, sim.now())));
            for a in &d.arrows {
                if let (ArrowEnd::Dropped { at, .. }, Some(m)) = (&a.end, a.msg) {
                    if !st.dropped.contains(&m) {
                        st.dropped.push(m);
                        arrows.push((a.from, a.sent_at, a.to, *at, true, lit(a.send)));
                    }
                }
            }
        }
        if !arrows.is_empty() || !events.is_empty() {
            st.draw_settled(&arrows, &events, hl);
        }
        st.events_seen = nb.total();
        st.trace_seen = trace.total();
        st.now = sim.now();
        st.last = nb.events().next_back().map(|e| (e.id, e.node, e.t));
    }

    /// The event drawn nearest to a point in CSS pixels of the canvas, within 12 px.
    pub fn event_at(&self, px: f64, py: f64) -> Option<EventId> {
        let (grid, ks, start, end) = self.view?;
        let st = self.settled.as_ref()?;
        let a = st.spots.partition_point(|s| s.0 < start);
        let b = st.spots.partition_point(|s| s.0 <= end);
        st.spots[a..b]
            .iter()
            .map(|&(t, id, node)| {
                let x = (grid.left() + grid.col(t) - ks as f64) / grid.dpr;
                (id, (x - px).hypot(grid.y(node) - py))
            })
            .filter(|&(_, d)| d <= 12.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }

    /// The hover label of an event drawn in the current window.
    pub fn label_of(&self, sim: &Sim<Vclock>, id: EventId) -> Option<String> {
        if let Some((hid, text)) = self.hover.borrow().as_ref() {
            if *hid == id {
                return Some(text.clone());
            }
        }
        let t = sim.shared().get(id)?.t;
        let text = diagram_of(sim, Some((t, t)))
            .events
            .into_iter()
            .find(|e| e.id == id)?
            .label;
        *self.hover.borrow_mut() = Some((id, text.clone()));
        Some(text)
    }

    /// Forget the drawn layers (after a rewind or a new run).
    pub fn invalidate(&mut self) {
        self.settled = None;
        self.damage.reset();
    }
}

/// A round tick spacing for a window of `span` microseconds (about 5 to 10 ticks).
pub fn nice_step(span: SimTime) -> SimTime {
    let target = (span / 6).max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= target {
                return step * m;
            }
        }
        step *= 10;
    }
}

#[cfg(test)]
mod id_set_tests {
    use super::IdSet;
    use crate::protocols::vclock::EventId;

    #[test]
    fn an_id_set_finds_exactly_its_ids_in_any_order() {
        let ids = [EventId(9), EventId(2), EventId(40), EventId(2), EventId(17)];
        let set = IdSet::new(&ids);
        assert_eq!(set.len(), 4);
        for id in [2, 9, 17, 40] {
            assert!(set.contains(&EventId(id)), "{id}");
        }
        for id in [0, 3, 10, 41] {
            assert!(!set.contains(&EventId(id)), "{id}");
        }
        assert!(IdSet::new(&[]).is_empty());
    }
}
