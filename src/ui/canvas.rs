//! The per-frame layer: messages in flight and election-timer arcs, drawn on a canvas from the
//! positions the sim already knows, with no virtual-DOM diff (ARCHITECTURE.md measured a Yew
//! re-render of 1,000 SVG circles at ~4.5 ms a frame; a Rust-drawn canvas held 60 fps at 2,000).

use super::geometry::math;
use super::geometry::{fit, Layout};
use crate::sim::LinkState;
use crate::world::{FlightDot, LinkCard, World};
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, Element, HtmlCanvasElement, ResizeObserver, ResizeObserverEntry,
};

/// The window event on which the page's canvases are redrawn when a box they are sized from
/// changed size (the window's own `resize` covers only part of it: a panel growing, presenter
/// mode, a pane appearing).
pub const BOXES_CHANGED: &str = "nodescape-boxes";

/// The client sizes of the boxes canvases are drawn to, kept by a ResizeObserver. Reading
/// `clientWidth` in a frame after anything changed the page (a panel's render, the clock's
/// text) forces the browser to lay the page out there and then: at 4x CPU slowdown that cost
/// the ring view about 55 ms of every second. The observer reports after the browser's own
/// layout, so no frame ever waits for one.
struct Boxes {
    observer: ResizeObserver,
    _on_resize: Closure<dyn FnMut(js_sys::Array)>,
    sizes: Vec<(Element, (i32, i32))>,
}

thread_local! {
    static BOXES: RefCell<Option<Boxes>> = const { RefCell::new(None) };
}

fn boxes_changed(entries: js_sys::Array) {
    let changed = BOXES.with(|b| {
        let mut b = b.borrow_mut();
        let Some(b) = b.as_mut() else {
            return false;
        };
        let mut changed = false;
        for e in entries.iter() {
            let target = e.unchecked_into::<ResizeObserverEntry>().target();
            if let Some((el, size)) = b.sizes.iter_mut().find(|(el, _)| *el == target) {
                // The page has just been laid out: reading the size costs nothing now.
                let now = (el.client_width(), el.client_height());
                changed |= *size != now;
                *size = now;
            }
        }
        changed
    });
    if changed {
        if let Ok(ev) = web_sys::Event::new(BOXES_CHANGED) {
            let _ = gloo::utils::window().dispatch_event(&ev);
        }
    }
}

/// `el`'s (clientWidth, clientHeight), from the observer's cache; the first time, read from the
/// element (one layout) and observed from then on.
pub fn client_size(el: &Element) -> (i32, i32) {
    BOXES
        .with(|b| {
            let mut b = b.borrow_mut();
            if b.is_none() {
                let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(boxes_changed);
                let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
                *b = Some(Boxes {
                    observer,
                    _on_resize: on_resize,
                    sizes: Vec::new(),
                });
            }
            let b = b.as_mut()?;
            if let Some((_, size)) = b.sizes.iter().find(|(e, _)| e == el) {
                return Some(*size);
            }
            // Forget the boxes that left the page (another view's canvases).
            b.sizes.retain(|(e, _)| {
                let gone = !e.is_connected();
                if gone {
                    b.observer.unobserve(e);
                }
                !gone
            });
            let size = (el.client_width(), el.client_height());
            b.observer.observe(el);
            b.sizes.push((el.clone(), size));
            Some(size)
        })
        .unwrap_or_else(|| (el.client_width(), el.client_height()))
}

/// Sizes a canvas's backing store to its box at the device's pixel ratio (only when it differs:
/// setting the size clears the bitmap) and returns its 2D context with the box's CSS size and
/// the ratio: (context, width, height, device pixel ratio, cleared). `cleared` says the bitmap
/// was just reset (a new size, or a new canvas element), so it must be drawn whatever changed.
pub fn prepare(
    canvas: &HtmlCanvasElement,
    size: &mut (u32, u32),
) -> Option<(CanvasRenderingContext2d, u32, u32, f64, bool)> {
    let (w, h) = client_size(canvas);
    let (w, h) = (w.max(1) as u32, h.max(1) as u32);
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .clamp(1.0, 3.0);
    let (pw, ph) = ((w as f64 * dpr) as u32, (h as f64 * dpr) as u32);
    let cleared = canvas.width() != pw || canvas.height() != ph;
    if cleared {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    *size = (pw, ph);
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    Some((ctx, w, h, dpr, cleared))
}

/// Places a canvas of the cluster picture over the part of its box that the viewBox fills
/// (`meet`, centred) rather than over the whole box: a wide window leaves a third of the box
/// empty, and a software canvas costs its size in pixels each time it changes. Touches the DOM
/// only when the box's size changed.
pub fn fit_to_view(canvas: &HtmlCanvasElement) {
    let Some(parent) = canvas.parent_element() else {
        return;
    };
    let (w, h) = client_size(&parent);
    let (w, h) = (w as f64, h as f64);
    let (s, ox, oy) = fit(w, h);
    let style = format!(
        "left:{:.0}px;top:{oy:.0}px;width:{:.0}px;height:{:.0}px",
        ox + super::geometry::SHOWN_X * s,
        super::geometry::SHOWN_W * s,
        super::geometry::VIEW_H * s
    );
    if canvas.get_attribute("style").as_deref() != Some(style.as_str()) {
        let _ = canvas.set_attribute("style", &style);
    }
}

/// Decides whether a frame needs drawing at all: when something discrete changed (its `key`:
/// sizes, which messages, states), or when a continuous value (a position, an arc's length) has
/// moved by at least one unit since the frame last drawn. Callers scale their values so that a
/// unit is what can be seen: a device pixel for an arc, half of one for a message.
#[derive(Default)]
pub struct Damage {
    drawn: bool,
    keys: Vec<u64>,
    values: Vec<f64>,
}

impl Damage {
    /// True (and remembers this frame) when the frame differs enough from the last drawn one.
    pub fn changed(&mut self, keys: &[u64], values: &[f64]) -> bool {
        let same = self.drawn
            && self.keys == keys
            && self.values.len() == values.len()
            && self
                .values
                .iter()
                .zip(values)
                .all(|(a, b)| (a - b).abs() < 1.0);
        if !same {
            self.drawn = true;
            self.keys.clear();
            self.keys.extend_from_slice(keys);
            self.values.clear();
            self.values.extend_from_slice(values);
        }
        !same
    }

    /// Forget the last frame (the next one draws).
    pub fn reset(&mut self) {
        self.drawn = false;
    }
}

/// Reusable buffers so a frame allocates nothing.
#[derive(Default)]
pub struct Painter {
    dots: Vec<FlightDot>,
    arcs: Vec<Option<f32>>,
    size: (u32, u32),
    /// What the last frame drew, to skip frames that would look the same.
    damage: Damage,
    keys: Vec<u64>,
    values: Vec<f64>,
}

/// The colour and shape of a message kind.
pub fn glyph(kind: &str) -> (&'static str, bool) {
    // (CSS colour, true = diamond for replies/acks, false = disc for requests)
    match kind {
        "RequestVote" | "PreVote" => ("#7b3fbf", false),
        "Vote" | "PreVoteReply" => ("#7b3fbf", true),
        "AppendEntries" => ("#1f6fd1", false),
        "AppendReply" => ("#1f6fd1", true),
        "Chat" => ("#0a8a6a", false),
        "Transfer" => ("#c2410c", false),
        "TransferAck" => ("#c2410c", true),
        k if k.ends_with("Ack") || k.ends_with("Reply") || k == "Pong" => ("#555555", true),
        _ => ("#333333", false),
    }
}

impl Painter {
    /// Draws the frame onto `canvas`, sized to its box at the device's pixel ratio, unless it
    /// would look the same as the last one drawn (see [`Damage`]): at the default speed a
    /// timer arc moves a fifth of a pixel per frame.
    pub fn draw(
        &mut self,
        canvas: &HtmlCanvasElement,
        world: &World,
        reduced_motion: bool,
        reach: &[Option<bool>],
    ) -> bool {
        fit_to_view(canvas);
        let Some((ctx, w, h, dpr, cleared)) = prepare(canvas, &mut self.size) else {
            return false;
        };
        if cleared {
            self.damage.reset();
        }
        let (s, ox, oy) = fit(w as f64, h as f64);
        let layout = Layout::circle(world.n());
        let r = layout.node_r;
        world.timer_arcs(&mut self.arcs);
        world.flight_dots(&mut self.dots);
        {
            // Arc ends in device pixels of their circumference, messages in half pixels.
            let around = std::f64::consts::TAU * r * 1.2 * s * dpr;
            self.keys.clear();
            self.values.clear();
            self.keys.extend([
                self.size.0 as u64,
                self.size.1 as u64,
                world.n() as u64,
                reduced_motion as u64,
            ]);
            self.keys
                .extend(reach.iter().map(|r| r.map_or(2, |b| b as u64)));
            for a in &self.arcs {
                self.keys.push(a.is_some() as u64);
                self.values.push(a.map_or(0.0, |f| f as f64 * around));
            }
            for d in &self.dots {
                let p = if reduced_motion {
                    0.5
                } else {
                    d.progress as f64
                };
                let (x, y) = layout.along(d.from as usize, d.to as usize, p);
                // A kind is a static string: its address names it.
                self.keys
                    .extend([d.id, d.kind.as_ptr() as u64, d.held as u64]);
                self.values.push(x * s * dpr * 2.0);
                self.values.push(y * s * dpr * 2.0);
            }
            if !self.damage.changed(&self.keys, &self.values) {
                return false;
            }
        }
        let (pw, ph) = self.size;
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
        let _ = ctx.set_transform(s * dpr, 0.0, 0.0, s * dpr, ox * dpr, oy * dpr);
        self.paint_fetched(&ctx, world, reduced_motion, reach);
        true
    }

    /// Paints the layer in viewBox units onto `ctx` (whose transform maps the viewBox to its
    /// pixels): the PNG export's.
    pub fn paint(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        world: &World,
        reduced_motion: bool,
        reach: &[Option<bool>],
    ) {
        world.timer_arcs(&mut self.arcs);
        world.flight_dots(&mut self.dots);
        self.paint_fetched(ctx, world, reduced_motion, reach);
    }

    /// [`Painter::paint`] with the timer arcs and messages already fetched from `world`.
    fn paint_fetched(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        world: &World,
        reduced_motion: bool,
        reach: &[Option<bool>],
    ) {
        let layout = Layout::circle(world.n());
        let r = layout.node_r;

        // Vector clocks: which nodes know of the chosen event (its future reached them), which
        // only hold its past, which neither.
        for (i, r) in reach.iter().enumerate().take(layout.centres.len()) {
            let (cx, cy) = layout.centres[i];
            let colour = match r {
                Some(true) => super::diagram::FUTURE,
                Some(false) => super::diagram::PAST,
                None => super::diagram::CONCURRENT,
            };
            ctx.set_stroke_style_str(colour);
            ctx.set_line_width(r.map_or(4.0, |_| 8.0));
            ctx.begin_path();
            let _ = ctx.arc(cx, cy, layout.node_r + 12.0, 0.0, std::f64::consts::TAU);
            ctx.stroke();
        }

        // Election timers as arcs around the nodes, in one path.
        if self.arcs.iter().any(Option::is_some) {
            ctx.set_line_width((r * 0.12).max(2.0));
            ctx.set_stroke_style_str("#8a94a6");
            ctx.begin_path();
            let start = -std::f64::consts::FRAC_PI_2;
            for (i, left) in self.arcs.iter().enumerate() {
                if let Some(left) = left {
                    let (cx, cy) = layout.centres[i];
                    let end = start + std::f64::consts::TAU * *left as f64;
                    ctx.move_to(
                        cx + 1.2 * r * math::cos(start),
                        cy + 1.2 * r * math::sin(start),
                    );
                    let _ = ctx.arc(cx, cy, r * 1.2, start, end);
                }
            }
            ctx.stroke();
        }

        // Messages in flight: one path per glyph (colour and shape), filled, then outlined in
        // white, so a thousand messages cost a few dozen canvas calls.
        let m = (r * 0.3).clamp(4.0, 14.0);
        let at = |d: &FlightDot| {
            let p = if reduced_motion {
                0.5
            } else {
                d.progress as f64
            };
            layout.along(d.from as usize, d.to as usize, p)
        };
        let mut glyphs: Vec<(&str, bool)> = Vec::new();
        for d in &self.dots {
            let g = glyph(d.kind);
            if !glyphs.contains(&g) {
                glyphs.push(g);
            }
        }
        ctx.set_line_width(2.0);
        for (colour, diamond) in glyphs {
            ctx.begin_path();
            for d in self
                .dots
                .iter()
                .filter(|d| glyph(d.kind) == (colour, diamond))
            {
                let (x, y) = at(d);
                if diamond {
                    ctx.move_to(x, y - m);
                    ctx.line_to(x + m, y);
                    ctx.line_to(x, y + m);
                    ctx.line_to(x - m, y);
                    ctx.close_path();
                } else {
                    ctx.move_to(x + m * 0.85, y);
                    let _ = ctx.arc(x, y, m * 0.85, 0.0, std::f64::consts::TAU);
                }
            }
            ctx.set_fill_style_str(colour);
            ctx.fill();
            ctx.set_stroke_style_str("#ffffff");
            ctx.stroke();
        }
        for d in self.dots.iter().filter(|d| d.held) {
            let (x, y) = at(d);
            ctx.set_stroke_style_str("#b45309");
            ctx.set_line_width(3.0);
            ctx.begin_path();
            let _ = ctx.arc(x, y, m + 5.0, 0.0, std::f64::consts::TAU);
            ctx.stroke();
            ctx.set_fill_style_str("#b45309");
            ctx.fill_rect(x - m * 0.5, y - m * 0.5, m * 0.3, m);
            ctx.fill_rect(x + m * 0.2, y - m * 0.5, m * 0.3, m);
        }
    }

    /// The message drawn nearest to viewBox point `pt`, within `tolerance` units.
    pub fn message_at(&self, world: &World, pt: (f64, f64), tolerance: f64) -> Option<u64> {
        let layout = Layout::circle(world.n());
        let mut dots = Vec::new();
        world.flight_dots(&mut dots);
        dots.iter()
            .map(|d| {
                let q = layout.along(d.from as usize, d.to as usize, d.progress as f64);
                (d.id, super::geometry::dist(q, pt))
            })
            .filter(|&(_, dd)| dd <= tolerance)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }
}

/// How one direction of a link is drawn (the same classes as the SVG links' `.lane`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    Healthy,
    Cut,
    Lossy,
    Held,
    Partitioned,
}

impl Lane {
    fn of(state: LinkState, held: bool, partitioned: bool) -> Lane {
        if partitioned {
            Lane::Partitioned
        } else if held {
            Lane::Held
        } else {
            match state {
                LinkState::Healthy => Lane::Healthy,
                LinkState::Cut => Lane::Cut,
                LinkState::Lossy { .. } => Lane::Lossy,
            }
        }
    }

    const ALL: [Lane; 5] = [
        Lane::Partitioned,
        Lane::Healthy,
        Lane::Lossy,
        Lane::Cut,
        Lane::Held,
    ];
}

/// The links of a large cluster, drawn on a canvas of their own under the messages, and only
/// when one of them (or the size, or the palette) changes. Up to [`LinkPainter::MAX_ELEMENTS`]
/// links are SVG elements instead (each one focusable and labelled, see `cluster.rs`); past
/// that, thousands of `<g>` elements cost more to diff and lay out than the whole frame budget
/// (64 nodes: 2,016 links, 8,500 DOM nodes, 7 fps).
#[derive(Default)]
pub struct LinkPainter {
    /// The links to draw (empty when the SVG draws them).
    pub cards: Vec<LinkCard>,
    n: u32,
    presenter: bool,
    size: (u32, u32),
    damage: Damage,
    keys: Vec<u64>,
    /// The palette last drawn with.
    palette: String,
    /// New links were set since the last draw.
    dirty: bool,
}

impl LinkPainter {
    /// Most links drawn as SVG elements (a 10-node cluster has 45).
    pub const MAX_ELEMENTS: usize = 45;

    /// The links to draw from now on (`cards` empty: the SVG draws them).
    pub fn set(&mut self, n: u32, cards: Vec<LinkCard>, presenter: bool) {
        self.n = n;
        self.cards = cards;
        self.presenter = presenter;
        self.dirty = true;
    }

    /// The label of the link between node indices `a` < `b`, if this painter draws it.
    pub fn label(&self, a: usize, b: usize) -> Option<&str> {
        self.cards
            .iter()
            .find(|l| l.a.index() == a && l.b.index() == b)
            .map(|l| l.label.as_str())
    }

    /// Redraws the links when they changed.
    pub fn draw(&mut self, canvas: &HtmlCanvasElement) {
        fit_to_view(canvas);
        let Some((ctx, w, h, dpr, cleared)) = prepare(canvas, &mut self.size) else {
            return;
        };
        if cleared {
            self.damage.reset();
        } else if !std::mem::take(&mut self.dirty) {
            return;
        }
        // The palette comes from the stylesheet (presenter mode and themes change it).
        let style = web_sys::window().and_then(|w| w.get_computed_style(canvas).ok().flatten());
        let var = |name: &str, fallback: &str| {
            style
                .as_ref()
                .and_then(|s| s.get_property_value(name).ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| fallback.to_string())
        };
        let (link, danger, warn) = (
            var("--link", "#9aa3b0"),
            var("--danger", "#c62828"),
            var("--warn", "#b45309"),
        );
        let lanes: Vec<(Lane, Lane, bool, bool)> = self
            .cards
            .iter()
            .map(|l| {
                (
                    Lane::of(l.ab, l.held_ab, l.partitioned),
                    Lane::of(l.ba, l.held_ba, l.partitioned),
                    l.ab == l.ba && l.held_ab == l.held_ba,
                    (l.ab == LinkState::Cut || l.ba == LinkState::Cut) && !l.partitioned,
                )
            })
            .collect();
        let palette = format!("{link} {danger} {warn}");
        self.keys.clear();
        self.keys.extend([
            self.size.0 as u64,
            self.size.1 as u64,
            self.n as u64,
            self.presenter as u64,
        ]);
        self.keys.extend(
            lanes
                .iter()
                .map(|l| l.0 as u64 | (l.1 as u64) << 8 | (l.2 as u64) << 16 | (l.3 as u64) << 17),
        );
        if !self.damage.changed(&self.keys, &[]) && palette == self.palette {
            return;
        }
        self.palette = palette;
        let (pw, ph) = self.size;
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
        if self.cards.is_empty() {
            return;
        }
        let (s, ox, oy) = fit(w as f64, h as f64);
        let _ = ctx.set_transform(s * dpr, 0.0, 0.0, s * dpr, ox * dpr, oy * dpr);
        let layout = Layout::circle(self.n);
        ctx.set_line_cap("round");
        let dash = |parts: &[f64]| {
            let a = js_sys::Array::new();
            for p in parts {
                a.push(&(*p).into());
            }
            let _ = ctx.set_line_dash(&a);
        };
        for kind in Lane::ALL {
            let (colour, width, pattern, alpha): (&str, f64, &[f64], f64) = match kind {
                Lane::Healthy => (&link, 3.0, &[], 1.0),
                Lane::Cut => (&danger, 3.5, &[10.0, 8.0], 1.0),
                Lane::Lossy => (&warn, 4.0, &[2.0, 6.0], 1.0),
                Lane::Held => (&warn, 6.0, &[], 1.0),
                Lane::Partitioned => (&link, 3.0, &[4.0, 10.0], 0.25),
            };
            let mut any = false;
            ctx.begin_path();
            for (l, &(ab, ba, both, _)) in self.cards.iter().zip(&lanes) {
                let (a, b) = (l.a.index(), l.b.index());
                if both && ab == kind {
                    let ((x1, y1), (x2, y2)) = (layout.centres[a], layout.centres[b]);
                    ctx.move_to(x1, y1);
                    ctx.line_to(x2, y2);
                    any = true;
                } else if !both {
                    for (lane, from, to) in [(ab, a, b), (ba, b, a)] {
                        if lane == kind {
                            let (p, q) = (layout.along(from, to, 0.0), layout.along(from, to, 1.0));
                            ctx.move_to(p.0, p.1);
                            ctx.line_to(q.0, q.1);
                            any = true;
                        }
                    }
                }
            }
            if any {
                ctx.set_stroke_style_str(colour);
                ctx.set_line_width(if self.presenter { 5.0 } else { width });
                ctx.set_global_alpha(alpha);
                dash(pattern);
                ctx.stroke();
            }
        }
        ctx.set_global_alpha(1.0);
        dash(&[]);
        if lanes.iter().any(|l| l.3) {
            ctx.set_stroke_style_str(&danger);
            ctx.set_line_width(4.0);
            ctx.begin_path();
            for (l, _) in self.cards.iter().zip(&lanes).filter(|(_, l)| l.3) {
                let ((x1, y1), (x2, y2)) =
                    (layout.centres[l.a.index()], layout.centres[l.b.index()]);
                let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
                ctx.move_to(mx - 9.0, my - 9.0);
                ctx.line_to(mx + 9.0, my + 9.0);
                ctx.move_to(mx - 9.0, my + 9.0);
                ctx.line_to(mx + 9.0, my - 9.0);
            }
            ctx.stroke();
        }
    }
}
