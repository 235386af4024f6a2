//! The live space-time diagram of the vector-clock view, drawn on a canvas: one line per node,
//! events as dots, messages as arrows, dropped messages ending in a cross, messages in flight
//! drawn to the present. It is rebuilt only when the trace grows or the window moves, and it
//! hit-tests clicks in Rust from the positions it drew.

use super::geometry::math;
use crate::protocols::vclock::{
    diagram_of, ArrowEnd, CausalSets, Diagram, EventId, EventType, Vclock,
};
use crate::sim::{Sim, SimTime};
use std::collections::BTreeSet;
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

/// What is highlighted.
#[derive(Default, Clone, PartialEq)]
pub struct Highlight {
    /// The chosen event.
    pub chosen: Option<EventId>,
    /// The second event of a comparison.
    pub second: Option<EventId>,
    /// The chosen event's causal past.
    pub past: BTreeSet<EventId>,
    /// Its causal future.
    pub future: BTreeSet<EventId>,
    /// Events concurrent with it.
    pub concurrent: BTreeSet<EventId>,
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
            past: sets.past.iter().copied().collect(),
            future: sets.future.iter().copied().collect(),
            concurrent: sets.concurrent.iter().copied().collect(),
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

/// Draws the diagram and remembers where each event is.
#[derive(Default)]
pub struct DiagramPainter {
    key: Option<(u64, SimTime, SimTime, usize)>,
    diagram: Option<Diagram>,
    spots: Vec<(EventId, f64, f64)>,
    size: (u32, u32),
    built_at: f64,
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
        let Some((ctx, w, h, dpr)) = super::canvas::prepare(canvas, &mut self.size) else {
            return;
        };
        self.paint(&ctx, (w as f64, h as f64, dpr), sim, span, end, hl);
    }

    /// Paints the window onto `ctx`, `size` = (width, height) in CSS pixels and the pixel ratio:
    /// the live canvas, or the PNG export's (at twice the size).
    pub fn paint(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        size: (f64, f64, f64),
        sim: &Sim<Vclock>,
        span: SimTime,
        end: SimTime,
        hl: &Highlight,
    ) {
        let (w, h, dpr) = size;
        let start = end.saturating_sub(span);
        // Rebuild the model only when the trace grew or the window moved by a visible amount.
        let bucket = span / 200 + 1;
        let key = (
            sim.trace().total(),
            start / bucket,
            end / bucket,
            sim.flights().count(),
        );
        // While the run moves forward (events pour in, the window follows the present), the model
        // is rebuilt at most ten times a second: a 10,000-event window takes tens of
        // milliseconds. Scrolling back or a new run rebuilds at once.
        let t = super::shell::now_ms();
        let only_grew = self
            .key
            .is_some_and(|k| k.0 <= key.0 && k.1 <= key.1 && k.2 <= key.2);
        if self.key != Some(key) && !(only_grew && t - self.built_at < 100.0) {
            self.diagram = Some(diagram_of(sim, Some((start, end))));
            self.key = Some(key);
            self.built_at = t;
        }
        let Some(d) = &self.diagram else { return };
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, w, h);
        let n = d.nodes.max(1) as f64;
        let row = (h - TOP - BOTTOM) / n;
        let y = |node: u32| TOP + (node as f64 - 0.5) * row;
        let span_f = span.max(1) as f64;
        // Presenter mode: labels readable from the back of a room.
        let (left, label_px, tick_px) = if self.large {
            (LEFT + 14.0, 19.0, 15.0)
        } else {
            (LEFT, 13.0, 11.0)
        };
        let x = |t: SimTime| left + (t as f64 - start as f64) / span_f * (w - left - RIGHT);
        let now = sim.now();

        // Node lines, labels, and outages.
        ctx.set_font(&format!("600 {label_px}px system-ui, sans-serif"));
        ctx.set_text_baseline("middle");
        for i in 1..=d.nodes {
            ctx.set_fill_style_str("#1b1f24");
            let _ = ctx.fill_text(&format!("N{i}"), 8.0, y(i));
            ctx.set_stroke_style_str("#b8c0cc");
            ctx.set_line_width(1.5);
            ctx.begin_path();
            ctx.move_to(left, y(i));
            ctx.line_to(x(now.min(end)), y(i));
            ctx.stroke();
        }
        for o in &d.outages {
            let a = x(o.from.max(start));
            let b = x(o.until.unwrap_or(now).min(end));
            ctx.set_fill_style_str("rgba(120,128,140,0.25)");
            ctx.fill_rect(a, y(o.node.0) - row * 0.3, (b - a).max(2.0), row * 0.6);
        }
        // Time ticks.
        ctx.set_fill_style_str("#5b6472");
        ctx.set_font(&format!("{tick_px}px system-ui, sans-serif"));
        let step = nice_step(span);
        let mut t = start.div_ceil(step) * step;
        while t <= end {
            let _ = ctx.fill_text(
                &crate::sim::time::format_time(t),
                x(t) - tick_px * 1.3,
                h - 8.0,
            );
            t += step;
        }

        // Arrows.
        ctx.set_line_width(1.6);
        for a in &d.arrows {
            let (x1, y1) = (x(a.sent_at), y(a.from.0));
            let (x2, y2, cross) = match a.end {
                ArrowEnd::Received { at, .. } => (x(at), y(a.to.0), false),
                ArrowEnd::InFlight { progress, .. } => {
                    let yy = y(a.from.0) + (y(a.to.0) - y(a.from.0)) * progress as f64;
                    (x(now), yy, false)
                }
                ArrowEnd::Dropped { at, .. } => {
                    // Drawn to the point it reached when it was lost.
                    let frac = 0.5;
                    let yy = y(a.from.0) + (y(a.to.0) - y(a.from.0)) * frac;
                    (x(at), yy, true)
                }
            };
            let lit =
                hl.chosen.is_some() && (hl.past.contains(&a.send) || hl.chosen == Some(a.send));
            ctx.set_stroke_style_str(if lit { PAST } else { "#7d8796" });
            ctx.begin_path();
            ctx.move_to(x1, y1);
            ctx.line_to(x2, y2);
            ctx.stroke();
            if cross {
                ctx.set_stroke_style_str("#c62828");
                ctx.set_line_width(2.5);
                ctx.begin_path();
                ctx.move_to(x2 - 5.0, y2 - 5.0);
                ctx.line_to(x2 + 5.0, y2 + 5.0);
                ctx.move_to(x2 - 5.0, y2 + 5.0);
                ctx.line_to(x2 + 5.0, y2 - 5.0);
                ctx.stroke();
                ctx.set_line_width(1.6);
            } else if !matches!(a.end, ArrowEnd::InFlight { .. }) {
                arrow_head(ctx, x1, y1, x2, y2);
            }
        }

        // Events.
        self.spots.clear();
        let r = (row * 0.16).clamp(3.5, 7.0);
        for e in &d.events {
            let (ex, ey) = (x(e.t), y(e.node.0));
            self.spots.push((e.id, ex, ey));
            let chosen = hl.chosen == Some(e.id);
            let (fill, square) = if hl.chosen.is_none() || chosen {
                (
                    match e.what {
                        EventType::Local => "#5b6472",
                        EventType::Send { .. } => "#1b1f24",
                        EventType::Receive { .. } => "#1b1f24",
                    },
                    false,
                )
            } else if hl.past.contains(&e.id) {
                (PAST, false)
            } else if hl.future.contains(&e.id) {
                (FUTURE, true)
            } else {
                (CONCURRENT, false)
            };
            ctx.set_fill_style_str(fill);
            ctx.begin_path();
            if square {
                ctx.rect(ex - r, ey - r, 2.0 * r, 2.0 * r);
            } else if hl.chosen.is_some() && !chosen && hl.concurrent.contains(&e.id) {
                // Concurrent events: hollow, so the three sets differ by shape too.
                ctx.set_stroke_style_str(CONCURRENT);
                ctx.set_line_width(2.5);
                let _ = ctx.arc(ex, ey, r, 0.0, std::f64::consts::TAU);
                ctx.stroke();
                continue;
            } else {
                let _ = ctx.arc(ex, ey, r, 0.0, std::f64::consts::TAU);
            }
            ctx.fill();
            if chosen || hl.second == Some(e.id) {
                ctx.set_stroke_style_str(if chosen { "#000" } else { "#7b3fbf" });
                ctx.set_line_width(3.0);
                ctx.begin_path();
                let _ = ctx.arc(ex, ey, r + 4.0, 0.0, std::f64::consts::TAU);
                ctx.stroke();
            }
        }
        if d.events.is_empty() {
            ctx.set_fill_style_str("#5b6472");
            ctx.set_font("14px system-ui, sans-serif");
            let _ = ctx.fill_text(
                "No events in this window yet: press Play, click a node for a local event, or send a message.",
                left + 10.0,
                TOP + 14.0,
            );
        }
    }

    /// The event drawn nearest to a point in CSS pixels of the canvas, within 12 px.
    pub fn event_at(&self, px: f64, py: f64) -> Option<EventId> {
        self.spots
            .iter()
            .map(|&(id, x, y)| (id, (x - px).hypot(y - py)))
            .filter(|&(_, d)| d <= 12.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }

    /// The hover label of an event drawn in the current window.
    pub fn label_of(&self, id: EventId) -> Option<String> {
        self.diagram
            .as_ref()?
            .events
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.label.clone())
    }

    /// Forget the cached model (after a rewind or a new run).
    pub fn invalidate(&mut self) {
        self.key = None;
    }
}

fn arrow_head(ctx: &CanvasRenderingContext2d, x1: f64, y1: f64, x2: f64, y2: f64) {
    let a = math::atan2(y2 - y1, x2 - x1);
    let s = 7.0;
    ctx.begin_path();
    ctx.move_to(x2, y2);
    ctx.line_to(x2 - s * math::cos(a - 0.4), y2 - s * math::sin(a - 0.4));
    ctx.move_to(x2, y2);
    ctx.line_to(x2 - s * math::cos(a + 0.4), y2 - s * math::sin(a + 0.4));
    ctx.stroke();
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
