//! Drawing the hash ring and its charts on canvases, from the plain
//! [`RingView`](crate::protocols::ring::view::RingView) the protocol provides.
//!
//! - [`draw_ring`]: the circle, every token as a tick coloured by node, every key as a dot
//!   coloured by its owner (up to 10,000, so a canvas drawn from Rust, never one SVG element per
//!   key), keys that are not complete drawn with a distinct shape, and a looked-up key's walk
//!   clockwise to its owner and replicas.
//! - [`draw_load_chart`] and [`draw_cv_chart`]: bar and line charts drawn with `plotters`' drawing
//!   area and elements through `plotters-canvas`.
//!
//! Nothing here decides *when* to draw: the ring pane redraws when the view changes.

use super::geometry::math;
use crate::protocols::ring::figures::BalanceRow;
use crate::protocols::ring::view::{KeyLookup, KeyState, NodeLoad, RingView};
use crate::sim::NodeId;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use std::f64::consts::TAU;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Node colours: the Okabe–Ito palette (safe for the common colour-vision deficiencies),
/// then Tol's wine for a ninth node; node `i` takes entry `(i - 1) % 9`.
pub const NODE_COLOURS: [&str; 9] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#882255",
];

/// Ink for text and outlines.
const INK: &str = "#1b1f24";
/// Keys with no owner, crashed nodes' tokens.
const GREY: &str = "#9aa3b0";
/// Lost keys (must never appear).
const DANGER: &str = "#c62828";

/// The colour of node `id`.
pub fn node_colour(id: NodeId) -> &'static str {
    NODE_COLOURS[(id.0.max(1) as usize - 1) % NODE_COLOURS.len()]
}

/// True when text on this node's colour should be dark (yellow, orange, sky blue).
fn light_colour(id: NodeId) -> bool {
    matches!(
        node_colour(id),
        "#E69F00" | "#F0E442" | "#56B4E9" | "#CC79A7"
    )
}

fn rgb(hex: &str) -> RGBColor {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// Sizes the canvas's bitmap to its box at the device's pixel ratio; returns the box's CSS
/// size and the ratio, or `None` while the canvas has no box (hidden, not laid out).
fn fit_canvas(canvas: &HtmlCanvasElement) -> Option<(f64, f64, f64)> {
    let (w, h) = super::canvas::client_size(canvas);
    if w <= 0 || h <= 0 {
        return None;
    }
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .clamp(1.0, 3.0);
    let (pw, ph) = ((w as f64 * dpr) as u32, (h as f64 * dpr) as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    Some((w as f64, h as f64, dpr))
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
}

/// A point on the circle of radius `r` around `(cx, cy)` at `fraction` clockwise from the top.
fn at(cx: f64, cy: f64, r: f64, fraction: f64) -> (f64, f64) {
    let a = fraction * TAU;
    (cx + r * math::sin(a), cy - r * math::cos(a))
}

/// Canvas angle (from the x axis, clockwise) of `fraction` clockwise from the top.
fn angle(fraction: f64) -> f64 {
    fraction * TAU - std::f64::consts::FRAC_PI_2
}

/// A stable offset in `[0, 1)` for key `k`, so dense keys spread into a band instead of
/// piling up on one line.
fn jitter(k: u32) -> f64 {
    ((k as u64 ^ 0x5bd1_e995).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64
        / (1u64 << 24) as f64
}

/// The first live token of each replica of `lookup`, walking clockwise from the key:
/// `(replica rank from 0, node, token fraction)`.
pub fn replica_tokens(view: &RingView, lookup: &KeyLookup) -> Vec<(usize, NodeId, f64)> {
    let live: Vec<_> = view.tokens.iter().filter(|t| t.live).collect();
    if live.is_empty() {
        return Vec::new();
    }
    let start = live
        .iter()
        .position(|t| t.fraction >= lookup.fraction)
        .unwrap_or(0);
    let mut out = Vec::new();
    for i in 0..live.len() {
        let t = live[(start + i) % live.len()];
        if let Some(rank) = lookup.replicas.iter().position(|&n| n == t.node) {
            if !out.iter().any(|&(_, n, _)| n == t.node) {
                out.push((rank, t.node, t.fraction));
            }
        }
        if out.len() == lookup.replicas.len() {
            break;
        }
    }
    out
}

/// Draws the ring onto `canvas`: tokens, keys, the centre's summary and `lookup` if any.
pub fn draw_ring(canvas: &HtmlCanvasElement, view: &RingView, lookup: Option<&KeyLookup>) {
    let Some((w, h, dpr)) = fit_canvas(canvas) else {
        return;
    };
    let Some(ctx) = context(canvas) else {
        return;
    };
    let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, w * dpr, h * dpr);
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    paint_ring(&ctx, w, h, dpr, view, lookup);
}

/// Paints the ring into a `w` x `h` box of `ctx` (in the context's current units, `scale`
/// device pixels each): the live canvas and the PNG export both draw through this.
pub fn paint_ring(
    ctx: &CanvasRenderingContext2d,
    w: f64,
    h: f64,
    scale: f64,
    view: &RingView,
    lookup: Option<&KeyLookup>,
) {
    let (cx, cy) = (w / 2.0, h / 2.0);
    let r = (w.min(h) / 2.0 - 34.0).max(40.0);

    // The circle.
    ctx.set_stroke_style_str("#5b6472");
    ctx.set_line_width(2.0);
    ctx.begin_path();
    let _ = ctx.arc(cx, cy, r, 0.0, TAU);
    ctx.stroke();

    draw_keys(ctx, view, (w, h), cx, cy, r, scale);
    draw_tokens(ctx, view, cx, cy, r);
    if let Some(l) = lookup {
        draw_lookup(ctx, view, l, cx, cy, r);
    }

    // The centre: how many keys, and whether the ring has settled.
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.set_fill_style_str(INK);
    ctx.set_font("700 22px system-ui, sans-serif");
    let _ = ctx.fill_text(&format!("{} keys", view.keys.len()), cx, cy - 14.0);
    ctx.set_font("600 16px system-ui, sans-serif");
    let (state, colour) = if view.counts.lost > 0 {
        ("keys lost!", DANGER)
    } else if view.settled {
        ("rebalanced", "#1b7f3b")
    } else {
        ("rebalancing…", "#b45309")
    };
    ctx.set_fill_style_str(colour);
    let _ = ctx.fill_text(state, cx, cy + 14.0);
}

fn draw_keys(
    ctx: &CanvasRenderingContext2d,
    view: &RingView,
    (w, h): (f64, f64),
    cx: f64,
    cy: f64,
    r: f64,
    scale: f64,
) {
    let n = view.keys.len();
    let dot = match n {
        0..=150 => 5.0,
        151..=1000 => 3.5,
        1001..=3000 => 2.5,
        _ => 1.6,
    };
    let band = match n {
        0..=150 => 10.0,
        151..=1000 => 22.0,
        _ => (r * 0.28).min(48.0),
    };
    let inner = r - 12.0 - dot;
    let pos = |k: u32, fraction: f64| at(cx, cy, inner - band * jitter(k), fraction);

    // The owners, in order (keys without one first).
    let owned: super::model::NodeSet = view.keys.iter().filter_map(|k| k.owner).collect();
    let unowned = view.keys.iter().any(|k| k.owner.is_none());
    let owners: Vec<Option<NodeId>> = unowned
        .then_some(None)
        .into_iter()
        .chain(owned.iter().map(Some))
        .collect();
    // Keys not complete: larger, a distinct shape each, drawn on top so a few stand out among
    // thousands. Usually few: split from the complete ones once rather than searched for in
    // all keys per owner and state.
    let big = (dot * 1.6).max(4.5);
    let (complete, pending): (Vec<_>, Vec<_>) = view
        .keys
        .iter()
        .partition(|k| k.state == KeyState::Complete);

    // Every key is a small picture stamped into one layer in wasm memory, and the layer goes
    // onto the canvas in two calls. Each shape and colour is drawn once by the canvas, with
    // its anti-aliasing, then copied pixel by pixel. As canvas paths, the moment a joining
    // node's keys change owner (10,000 dots, thousands of outlined shapes) took 220 ms of one
    // frame at 4x CPU slowdown to build and rasterise (scripts/bench.mjs, the ring row).
    let (lw, lh) = ((w * scale).ceil() as u32, (h * scale).ceil() as u32);
    LAYER.with_borrow_mut(|layer| {
        let Some(layer) = layer.fit(lw, lh) else {
            return;
        };
        SPRITES.with_borrow_mut(|sprites| {
            for state in [
                KeyState::Complete,
                KeyState::InTransit,
                KeyState::MissingReplica,
                KeyState::Unavailable,
                KeyState::Lost,
            ] {
                let (keys, size) = if state == KeyState::Complete {
                    (&complete, dot)
                } else {
                    (&pending, big)
                };
                for &owner in &owners {
                    let colour = owner.map(node_colour).unwrap_or(GREY);
                    let mut mine = keys
                        .iter()
                        .filter(|k| k.owner == owner && k.state == state)
                        .peekable();
                    if mine.peek().is_none() {
                        continue;
                    }
                    let Some(sprite) = sprite(sprites, state, colour, size, scale) else {
                        continue;
                    };
                    for k in mine {
                        let (x, y) = pos(k.key, k.fraction);
                        let (x, y) = ((x * scale).round() as i64, (y * scale).round() as i64);
                        layer.stamp(sprite, x + sprite.dx, y + sprite.dy);
                    }
                }
            }
        });
        layer.show(ctx, scale);
    });
}

/// A marker's pixels (RGBA, not premultiplied), cropped to the pixels it covers.
struct Sprite {
    state: KeyState,
    colour: &'static str,
    /// Marker size times scale, in 1/64 px: the cache's key with the two above.
    size: u32,
    /// The marker's box: from the key's pixel to its top left corner, and its size.
    dx: i64,
    dy: i64,
    w: u32,
    h: u32,
    rgba: Vec<u8>,
}

/// The layer the markers are stamped into: a canvas off the page and its pixels.
#[derive(Default)]
struct Layer {
    canvas: Option<HtmlCanvasElement>,
    rgba: Vec<u8>,
    w: u32,
    h: u32,
}

thread_local! {
    static SPRITES: std::cell::RefCell<Vec<Sprite>> = const { std::cell::RefCell::new(Vec::new()) };
    static LAYER: std::cell::RefCell<Layer> = std::cell::RefCell::new(Layer::default());
}

impl Layer {
    /// Clears the layer at `w` x `h` device pixels, making its canvas on first use.
    fn fit(&mut self, w: u32, h: u32) -> Option<&mut Self> {
        if self.canvas.is_none() {
            self.canvas = Some(new_canvas()?);
        }
        let canvas = self.canvas.as_ref()?;
        if canvas.width() != w || canvas.height() != h {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        (self.w, self.h) = (w, h);
        self.rgba.clear();
        self.rgba.resize(w as usize * h as usize * 4, 0);
        Some(self)
    }

    /// Draws `sprite` with its top left corner at pixel `(x, y)`, over what is there
    /// ("source-over" on colours that are not premultiplied).
    fn stamp(&mut self, sprite: &Sprite, x: i64, y: i64) {
        let (sw, sh) = (sprite.w as i64, sprite.h as i64);
        let (w, h) = (self.w as i64, self.h as i64);
        let (x0, x1) = (x.max(0), (x + sw).min(w));
        if x0 >= x1 {
            return;
        }
        for sy in (-y).max(0)..sh.min(h - y) {
            let from = ((sy * sw + x0 - x) * 4) as usize;
            let src = &sprite.rgba[from..from + ((x1 - x0) * 4) as usize];
            let to = (((y + sy) * w + x0) * 4) as usize;
            let dst = &mut self.rgba[to..to + src.len()];
            for (s, d) in src.chunks_exact(4).zip(dst.chunks_exact_mut(4)) {
                let (sa, da) = (s[3] as u32, d[3] as u32);
                if sa == 0 {
                    continue;
                }
                if sa == 255 || da == 0 {
                    d.copy_from_slice(s);
                    continue;
                }
                // out = src + dst * (1 - src alpha), weighted by alpha, in 0..=255 fixed point.
                let keep = da * (255 - sa) / 255;
                let oa = sa + keep;
                for c in 0..3 {
                    d[c] = ((s[c] as u32 * sa + d[c] as u32 * keep) / oa) as u8;
                }
                d[3] = oa as u8;
            }
        }
    }

    /// Puts the pixels on the layer's canvas and draws it over `ctx` from its origin, one layer
    /// pixel to a device pixel at `scale` device pixels per unit.
    fn show(&self, ctx: &CanvasRenderingContext2d, scale: f64) {
        let Some(canvas) = &self.canvas else { return };
        let Some(lctx) = context(canvas) else { return };
        let Ok(image) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            wasm_bindgen::Clamped(&self.rgba),
            self.w,
            self.h,
        ) else {
            return;
        };
        let _ = lctx.put_image_data(&image, 0.0, 0.0);
        let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
            canvas,
            0.0,
            0.0,
            self.w as f64 / scale,
            self.h as f64 / scale,
        );
    }
}

fn new_canvas() -> Option<HtmlCanvasElement> {
    gloo::utils::document()
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()
}

/// The marker of a key in `state` owned by `colour` at `scale` device pixels per unit: drawn
/// once with the canvas's own anti-aliasing, then kept.
fn sprite<'a>(
    all: &'a mut Vec<Sprite>,
    state: KeyState,
    colour: &'static str,
    big: f64,
    scale: f64,
) -> Option<&'a Sprite> {
    let size = (big * scale * 64.0).round() as u32;
    if let Some(i) = all
        .iter()
        .position(|s| s.state == state && s.colour == colour && s.size == size)
    {
        return all.get(i);
    }
    // Room for the widest marker (the cross) and its outline's joins; even, so the marker's
    // centre falls on a pixel corner.
    let side = 2 * ((big * 1.3 + 4.0) * scale).ceil() as u32;
    let canvas = new_canvas()?;
    canvas.set_width(side);
    canvas.set_height(side);
    let ctx = context(&canvas)?;
    let _ = ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0);
    let c = side as f64 / scale / 2.0;
    ctx.begin_path();
    marker_path(&ctx, state, c, c, big);
    let (fill, stroke, width) = match state {
        KeyState::Complete => (Some(colour), None, 0.0),
        KeyState::InTransit => (Some("#ffffff"), Some(colour), 2.5),
        KeyState::MissingReplica => (Some(colour), Some(INK), 1.5),
        KeyState::Unavailable => (Some(GREY), Some(INK), 1.5),
        KeyState::Lost => (None, Some(DANGER), 3.5),
    };
    if let Some(f) = fill {
        ctx.set_fill_style_str(f);
        ctx.fill();
    }
    if let Some(stroke) = stroke {
        ctx.set_stroke_style_str(stroke);
        ctx.set_line_width(width);
        ctx.stroke();
    }
    let full = ctx
        .get_image_data(0.0, 0.0, side as f64, side as f64)
        .ok()?
        .data()
        .0;
    // Cropped to the pixels the marker covers: fewer to stamp per key.
    let n = side as usize;
    let covered = |x: usize, y: usize| full[(y * n + x) * 4 + 3] > 0;
    let cols: Vec<usize> = (0..n).filter(|&x| (0..n).any(|y| covered(x, y))).collect();
    let rows: Vec<usize> = (0..n).filter(|&y| (0..n).any(|x| covered(x, y))).collect();
    let (&x0, &x1, &y0, &y1) = (cols.first()?, cols.last()?, rows.first()?, rows.last()?);
    let mut rgba = Vec::with_capacity((x1 - x0 + 1) * (y1 - y0 + 1) * 4);
    for y in y0..=y1 {
        rgba.extend_from_slice(&full[(y * n + x0) * 4..(y * n + x1 + 1) * 4]);
    }
    // The marker is centred on the sprite's (side / 2, side / 2).
    let centre = (side / 2) as i64;
    all.push(Sprite {
        state,
        colour,
        size,
        dx: x0 as i64 - centre,
        dy: y0 as i64 - centre,
        w: (x1 - x0 + 1) as u32,
        h: (y1 - y0 + 1) as u32,
        rgba,
    });
    all.last()
}

/// The outline of a key's marker for `state`, centred on `(x, y)`, added to the current path.
fn marker_path(ctx: &CanvasRenderingContext2d, state: KeyState, x: f64, y: f64, big: f64) {
    match state {
        // A disc: every replica is in place. A ring: the copy is on its way.
        KeyState::Complete | KeyState::InTransit => {
            ctx.move_to(x + big, y);
            let _ = ctx.arc(x, y, big, 0.0, TAU);
        }
        // A triangle with a dark outline: a replica is missing and nothing is on the way.
        KeyState::MissingReplica => {
            ctx.move_to(x, y - big * 1.2);
            ctx.line_to(x + big * 1.1, y + big * 0.8);
            ctx.line_to(x - big * 1.1, y + big * 0.8);
            ctx.close_path();
        }
        // A grey square: every holder is crashed.
        KeyState::Unavailable => ctx.rect(x - big, y - big, big * 2.0, big * 2.0),
        // A red cross: nobody holds it.
        KeyState::Lost => {
            let s = big * 1.3;
            ctx.move_to(x - s, y - s);
            ctx.line_to(x + s, y + s);
            ctx.move_to(x + s, y - s);
            ctx.line_to(x - s, y + s);
        }
    }
}

fn draw_tokens(ctx: &CanvasRenderingContext2d, view: &RingView, cx: f64, cy: f64, r: f64) {
    let total = view.tokens.iter().filter(|t| t.member).count();
    let width = match total {
        0..=100 => 3.5,
        101..=500 => 2.0,
        _ => 1.0,
    };
    // One path per node and kind of token (live, a crashed member's, standby), not a stroke
    // per token (600 tokens at 100 per node).
    let nodes: super::model::NodeSet = view.tokens.iter().map(|t| t.node).collect();
    for node in nodes.iter() {
        for kind in 0..3 {
            let (a, b, colour, alpha, w) = match kind {
                0 => (r - 9.0, r + 9.0, node_colour(node), 1.0, width),
                // A crashed member: its tokens stay on the ring but own nothing.
                1 => (r - 7.0, r + 7.0, GREY, 1.0, width * 0.8),
                // Standby: where its tokens would go, faint, outside the circle.
                _ => (r + 3.0, r + 9.0, node_colour(node), 0.35, width),
            };
            let mut any = false;
            ctx.begin_path();
            for t in view.tokens.iter().filter(|t| {
                t.node == node
                    && match kind {
                        0 => t.live,
                        1 => !t.live && t.member,
                        _ => !t.member,
                    }
            }) {
                any = true;
                let (x0, y0) = at(cx, cy, a, t.fraction);
                let (x1, y1) = at(cx, cy, b, t.fraction);
                ctx.move_to(x0, y0);
                ctx.line_to(x1, y1);
            }
            if any {
                ctx.set_global_alpha(alpha);
                ctx.set_stroke_style_str(colour);
                ctx.set_line_width(w);
                ctx.stroke();
            }
        }
    }
    ctx.set_global_alpha(1.0);

    // Node numbers beside the tokens, when there are few enough to read, skipping any that
    // would overlap the previous label.
    if total > 72 {
        return;
    }
    let lr = r + 21.0;
    let min_gap = 21.0 / lr;
    let mut last: Option<f64> = None;
    let mut first: Option<f64> = None;
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.set_font("700 13px system-ui, sans-serif");
    for t in view.tokens.iter().filter(|t| t.member) {
        let a = t.fraction * TAU;
        if last.is_some_and(|l| a - l < min_gap) {
            continue;
        }
        if first.is_some_and(|f| f + TAU - a < min_gap) {
            continue;
        }
        first.get_or_insert(a);
        last = Some(a);
        let (x, y) = at(cx, cy, lr, t.fraction);
        ctx.begin_path();
        let _ = ctx.arc(x, y, 10.0, 0.0, TAU);
        ctx.set_fill_style_str(if t.live {
            node_colour(t.node)
        } else {
            "#ffffff"
        });
        ctx.fill();
        ctx.set_line_width(1.5);
        ctx.set_stroke_style_str(if t.live { "#ffffff" } else { GREY });
        ctx.stroke();
        ctx.set_fill_style_str(if !t.live || light_colour(t.node) {
            INK
        } else {
            "#ffffff"
        });
        let _ = ctx.fill_text(&t.node.to_string(), x, y + 0.5);
    }
}

fn draw_lookup(
    ctx: &CanvasRenderingContext2d,
    view: &RingView,
    l: &KeyLookup,
    cx: f64,
    cy: f64,
    r: f64,
) {
    let tokens = replica_tokens(view, l);
    // The walk clockwise from the key to its owner's token, then on to the other replicas'.
    if let Some(&(_, _, last)) = tokens.iter().max_by(|a, b| {
        let da = (a.2 - l.fraction).rem_euclid(1.0);
        let db = (b.2 - l.fraction).rem_euclid(1.0);
        da.total_cmp(&db)
    }) {
        let end = l.fraction + (last - l.fraction).rem_euclid(1.0);
        ctx.set_stroke_style_str(INK);
        ctx.set_line_width(4.0);
        ctx.set_line_cap("round");
        ctx.begin_path();
        let _ = ctx.arc(cx, cy, r + 13.0, angle(l.fraction), angle(end));
        ctx.stroke();
        ctx.set_line_cap("butt");
    }
    for &(rank, node, f) in &tokens {
        let (x, y) = at(cx, cy, r, f);
        ctx.begin_path();
        let _ = ctx.arc(x, y, if rank == 0 { 13.0 } else { 10.0 }, 0.0, TAU);
        ctx.set_stroke_style_str(INK);
        ctx.set_line_width(if rank == 0 { 5.0 } else { 3.0 });
        ctx.stroke();
        ctx.set_stroke_style_str(node_colour(node));
        ctx.set_line_width(2.0);
        ctx.stroke();
    }
    // The key itself: a dark diamond on the circle, with a line in from the centre.
    let (x, y) = at(cx, cy, r, l.fraction);
    let (ix, iy) = at(cx, cy, r * 0.45, l.fraction);
    ctx.set_stroke_style_str(INK);
    ctx.set_line_width(2.0);
    let _ = ctx.set_line_dash(&js_sys::Array::of2(&6.0.into(), &5.0.into()));
    ctx.begin_path();
    ctx.move_to(ix, iy);
    ctx.line_to(x, y);
    ctx.stroke();
    let _ = ctx.set_line_dash(&js_sys::Array::new());
    let s = 10.0;
    ctx.begin_path();
    ctx.move_to(x, y - s);
    ctx.line_to(x + s, y);
    ctx.line_to(x, y + s);
    ctx.line_to(x - s, y);
    ctx.close_path();
    ctx.set_fill_style_str(INK);
    ctx.fill();
    ctx.set_stroke_style_str("#ffffff");
    ctx.set_line_width(2.0);
    ctx.stroke();
}

/// A chart's frame, drawn with plotters' drawing area and elements: white ground, a grid line
/// and a label at each round step of the y axis, a label under each column, the two axes and
/// their descriptions. Both charts share it (`f64` by `f64`, column `i` centred on `x = i`) and
/// draw their marks in pixels through [`Frame::at`].
///
/// Laid out here rather than by plotters' `ChartBuilder` and mesh: the frame is a few lines
/// and rectangles, and the builder's generic layout, key-point and label code was 8 KB of the
/// wasm gzipped (issue 2's size budget).
struct Frame {
    root: DrawingArea<CanvasBackend, plotters::coord::Shift>,
    /// The plot area in canvas pixels: left, top, right, bottom.
    plot: (i32, i32, i32, i32),
    columns: usize,
    ymax: f64,
    font: TextStyle<'static>,
    dpr: f64,
}

/// The y axis's labelled values: 0 and its multiples of the smallest round step (1, 2 or 5
/// times a power of ten) that gives at most `most` of them up to `max`.
fn y_ticks(max: f64, most: usize) -> Vec<f64> {
    if !(max.is_finite() && max > 0.0) {
        return vec![0.0];
    }
    // How many steps fit, forgiving the last bit of rounding (0.6 / 0.2 is 2.9999999999999996).
    let fit = |step: f64| (max / step + 1e-9).floor() as usize;
    let mut step = 0.001;
    let mut grow = [2.0, 2.5, 2.0].into_iter().cycle();
    while fit(step) + 1 > most {
        step *= grow.next().unwrap_or(2.0);
    }
    (0..=fit(step)).map(|k| k as f64 * step).collect()
}

impl Frame {
    /// Lays out the frame on `canvas` for `columns` and a y axis from 0 to `ymax`.
    fn new(
        canvas: &HtmlCanvasElement,
        columns: &[String],
        ymax: f64,
        descs: (&str, &str),
        y_label: &dyn Fn(f64) -> String,
    ) -> Option<Frame> {
        let (_, _, dpr) = fit_canvas(canvas)?;
        let backend = CanvasBackend::with_canvas_object(canvas.clone())?;
        let px = |v: f64| (v * dpr).round() as i32;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).ok()?;
        let (w, h) = root.dim_in_pixel();
        // FontDesc::new, not ("sans-serif", size).into_font(): plotters parses a family name
        // with str::to_lowercase, whose Unicode case tables cost the wasm 4 KB gzipped.
        let font: TextStyle<'static> =
            FontDesc::new(FontFamily::SansSerif, px(14.0).into(), FontStyle::Normal)
                .color(&rgb(INK));
        // An 8-pixel margin, 60 pixels for the y labels and 44 under the plot for the x labels.
        let (margin, (w, h)) = (px(8.0), (w as i32, h as i32));
        let plot = (margin + px(60.0), margin, w - margin, h - margin - px(44.0));
        let f = Frame {
            root,
            plot,
            columns: columns.len().max(1),
            ymax,
            font,
            dpr,
        };
        let (left, top, right, bottom) = plot;
        let (tick, axis) = (px(5.0), rgb("#5b6472"));
        let text = |s: &str, at: (i32, i32), h: HPos, v: VPos| {
            let _ = f.root.draw_text(s, &f.font.pos(Pos::new(h, v)), at);
        };
        for y in y_ticks(ymax, 5) {
            let (_, py) = f.at(0.0, y);
            f.segment((left, py), (right, py), rgb("#d5d9e0"));
            f.segment((left - tick, py), (left, py), axis);
            text(&y_label(y), (left - px(8.0), py), HPos::Right, VPos::Center);
        }
        for (i, label) in columns.iter().enumerate() {
            let (cx, _) = f.at(i as f64, 0.0);
            f.segment((cx, bottom), (cx, bottom + tick), axis);
            text(label, (cx, bottom + px(8.0)), HPos::Center, VPos::Top);
        }
        f.segment((left, top), (left, bottom), axis);
        f.segment((left, bottom), (right, bottom), axis);
        text(
            descs.0,
            ((left + right) / 2, h - margin),
            HPos::Center,
            VPos::Bottom,
        );
        let rotated = f.font.transform(FontTransform::Rotate270);
        let _ = f.root.draw_text(
            descs.1,
            &rotated.pos(Pos::new(HPos::Center, VPos::Top)),
            (margin, (top + bottom) / 2),
        );
        Some(f)
    }

    /// CSS pixels to canvas pixels.
    fn px(&self, v: f64) -> i32 {
        (v * self.dpr).round() as i32
    }

    /// The canvas pixel of a chart point.
    fn at(&self, x: f64, y: f64) -> (i32, i32) {
        let (left, top, right, bottom) = self.plot;
        let fx = (x + 0.5) / self.columns as f64;
        let fy = y / self.ymax;
        (
            left + (fx * (right - left) as f64).round() as i32,
            bottom - (fy * (bottom - top) as f64).round() as i32,
        )
    }

    /// A one-pixel line between two canvas pixels.
    fn segment(&self, a: (i32, i32), b: (i32, i32), colour: RGBColor) {
        let _ = self.root.draw(&PathElement::new(vec![a, b], colour));
    }

    /// A polyline through chart points, solid or dashed (`dash` CSS pixels on, then off).
    fn line(&self, points: &[(f64, f64)], colour: RGBColor, width: f64, dash: Option<f64>) {
        let style = colour.stroke_width(self.px(width).max(1) as u32);
        let pixels: Vec<(i32, i32)> = points.iter().map(|&(x, y)| self.at(x, y)).collect();
        let Some(dash) = dash else {
            let _ = self.root.draw(&PathElement::new(pixels, style));
            return;
        };
        // Walk the polyline in pixels, alternating `dash` on and `dash * 0.7` off.
        let (on, off) = (dash * self.dpr, dash * 0.7 * self.dpr);
        let mut drawing = true;
        let mut left = on;
        for w in pixels.windows(2) {
            let (a, b) = (
                (w[0].0 as f64, w[0].1 as f64),
                (w[1].0 as f64, w[1].1 as f64),
            );
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let mut t = 0.0;
            while t < len {
                let step = left.min(len - t);
                if drawing {
                    let p = |d: f64| {
                        let f = d / len;
                        (
                            (a.0 + (b.0 - a.0) * f) as i32,
                            (a.1 + (b.1 - a.1) * f) as i32,
                        )
                    };
                    let _ = self
                        .root
                        .draw(&PathElement::new(vec![p(t), p(t + step)], style));
                }
                t += step;
                left -= step;
                if left <= 0.0 {
                    drawing = !drawing;
                    left = if drawing { on } else { off };
                }
            }
        }
    }

    /// A filled box between two chart points.
    fn bar(&self, from: (f64, f64), to: (f64, f64), colour: RGBColor, alpha: f64) {
        let style = colour.mix(alpha).filled();
        let _ = self.root.draw(&Rectangle::new(
            [self.at(from.0, from.1), self.at(to.0, to.1)],
            style,
        ));
    }

    /// A legend in the top right corner: one line sample (dashed or not) and text per entry.
    fn legend(&self, entries: &[(&str, RGBColor, bool)]) {
        let (w, _) = self.root.dim_in_pixel();
        let (row, pad) = (self.px(20.0), self.px(8.0));
        let text_w = entries
            .iter()
            .map(|(t, _, _)| t.chars().count() as i32)
            .max()
            .unwrap_or(0)
            * self.px(7.5);
        let (x1, y0) = (w as i32 - self.px(16.0), self.px(16.0));
        let x0 = x1 - text_w - self.px(40.0) - 2 * pad;
        let y1 = y0 + row * entries.len() as i32 + pad;
        let _ = self.root.draw(&Rectangle::new(
            [(x0, y0), (x1, y1)],
            WHITE.mix(0.9).filled(),
        ));
        let _ = self
            .root
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], rgb("#d5d9e0")));
        for (k, (text, colour, dashed)) in entries.iter().enumerate() {
            let y = y0 + pad + row * k as i32 + row / 2 - self.px(4.0);
            let style = colour.stroke_width(self.px(3.0) as u32);
            let left = x0 + pad;
            if *dashed {
                for d in 0..3 {
                    let a = left + d * self.px(10.0);
                    let _ = self.root.draw(&PathElement::new(
                        vec![(a, y), (a + self.px(6.0), y)],
                        style,
                    ));
                }
            } else {
                let _ = self.root.draw(&PathElement::new(
                    vec![(left, y), (left + self.px(28.0), y)],
                    style,
                ));
            }
            let pos = Pos::new(HPos::Left, VPos::Center);
            let _ = self.root.draw(&Text::new(
                text.to_string(),
                (left + self.px(36.0), y),
                self.font.pos(pos),
            ));
        }
    }
}

/// Draws keys stored per node as bars (node colours; faint when the node is down or not a
/// member), each node's target once rebalanced as a black tick, and the live members' mean
/// as a dashed line.
pub fn draw_load_chart(canvas: &HtmlCanvasElement, loads: &[NodeLoad], mean: f64) {
    let top = loads
        .iter()
        .map(|l| l.held.max(l.target))
        .max()
        .unwrap_or(0)
        .max(1);
    let ymax = (top as f64 * 1.15).ceil();
    let columns: Vec<String> = loads.iter().map(|l| format!("N{}", l.node)).collect();
    let y_label = |y: f64| format!("{y:.0}");
    let Some(f) = Frame::new(canvas, &columns, ymax, ("node", "keys stored"), &y_label) else {
        return;
    };
    // Bars leave 7 CSS pixels free on each side of their column.
    let gap = {
        let (a, b) = (f.at(0.0, 0.0).0, f.at(1.0, 0.0).0);
        7.0 * f.dpr / ((b - a).max(1) as f64)
    };
    for (i, l) in loads.iter().enumerate() {
        let x = i as f64;
        let alpha = if l.up && l.member { 1.0 } else { 0.3 };
        f.bar(
            (x - 0.5 + gap, 0.0),
            (x + 0.5 - gap, l.held as f64),
            rgb(node_colour(l.node)),
            alpha,
        );
        let t = l.target as f64;
        f.line(&[(x - 0.5, t), (x + 0.5, t)], BLACK, 3.0, None);
    }
    if mean > 0.0 {
        let m = mean.round();
        let last = loads.len().max(1) as f64 - 0.5;
        f.line(&[(-0.5, m), (last, m)], rgb("#5b6472"), 2.0, Some(8.0));
    }
    let _ = f.root.present();
}

/// Draws the coefficient of variation against tokens per node: measured on the run's keys,
/// and theory's `sqrt((n-1)/(n*v+1))`; the current setting's column is shaded.
pub fn draw_cv_chart(canvas: &HtmlCanvasElement, rows: &[BalanceRow], current_tokens: u32) {
    if rows.is_empty() {
        return;
    }
    let ymax = rows
        .iter()
        .map(|r| r.keys.cv.max(r.expected_cv))
        .fold(0.0, f64::max)
        .max(0.05)
        * 1.15;
    let columns: Vec<String> = rows.iter().map(|r| r.tokens.to_string()).collect();
    let y_label = |y: f64| format!("{y:.2}");
    // Short enough to fit beside the chart's height ("coefficient of variation" ran past it
    // and over the tick labels); the line under the chart spells CV out.
    let descs = ("tokens per node", "CV of keys owned");
    let Some(f) = Frame::new(canvas, &columns, ymax, descs, &y_label) else {
        return;
    };
    if let Some(i) = rows.iter().position(|r| r.tokens == current_tokens) {
        let x = i as f64;
        f.bar((x - 0.5, 0.0), (x + 0.5, ymax), rgb("#fff4d6"), 1.0);
    }
    let theory = rgb(INK);
    let measured = rgb(NODE_COLOURS[0]);
    let expected: Vec<(f64, f64)> = (rows.iter().enumerate())
        .map(|(i, r)| (i as f64, r.expected_cv))
        .collect();
    f.line(&expected, theory, 3.0, Some(9.0));
    let points: Vec<(f64, f64)> = (rows.iter().enumerate())
        .map(|(i, r)| (i as f64, r.keys.cv))
        .collect();
    f.line(&points, measured, 3.0, None);
    for &(x, y) in &points {
        let _ = f
            .root
            .draw(&Circle::new(f.at(x, y), f.px(5.0), measured.filled()));
    }
    f.legend(&[
        ("theory sqrt((n-1)/(n·v+1))", theory, true),
        ("measured on these keys", measured, false),
    ]);
    let _ = f.root.present();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_axis_is_labelled_at_round_steps_from_zero_at_most_five_times() {
        // The two charts' typical axes: keys stored (the tallest bar times 1.15, rounded up)
        // and the coefficient of variation.
        assert_eq!(y_ticks(78.0, 5), [0.0, 20.0, 40.0, 60.0]);
        assert_eq!(y_ticks(2.0, 5), [0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(y_ticks(0.6, 5).len(), 4, "0.6 itself is labelled");
        for odd in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(y_ticks(odd, 5), [0.0], "{odd}");
        }
        let cv = y_ticks(0.9, 5);
        assert_eq!(cv.len(), 5);
        assert!((cv[4] - 0.8).abs() < 1e-9, "{cv:?}");
        // Any maximum: 2 to 5 labels, a round step, the last within the axis.
        let mut max = 0.05;
        while max < 1e6 {
            let t = y_ticks(max, 5);
            assert!((2..=5).contains(&t.len()), "{max}: {t:?}");
            let step = t[1];
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
                "{max}: step {step}"
            );
            assert!(*t.last().unwrap() <= max * (1.0 + 1e-9), "{max}: {t:?}");
            max *= 1.37;
        }
    }

    fn layer(w: u32, h: u32) -> Layer {
        Layer {
            canvas: None,
            rgba: vec![0; (w * h * 4) as usize],
            w,
            h,
        }
    }

    /// A 2 x 2 marker: an opaque red pixel, a half-transparent blue one and two empty ones.
    fn marker() -> Sprite {
        Sprite {
            state: KeyState::Complete,
            colour: "#ff0000",
            size: 0,
            dx: 0,
            dy: 0,
            w: 2,
            h: 2,
            rgba: vec![255, 0, 0, 255, 0, 0, 255, 128, 0, 0, 0, 0, 0, 0, 0, 0],
        }
    }

    fn pixel(l: &Layer, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * l.w + x) * 4) as usize;
        l.rgba[i..i + 4].try_into().unwrap()
    }

    #[test]
    fn a_stamp_copies_onto_empty_pixels_and_is_clipped_at_every_edge() {
        let mut l = layer(3, 3);
        l.stamp(&marker(), 1, 1);
        assert_eq!(pixel(&l, 1, 1), [255, 0, 0, 255]);
        assert_eq!(pixel(&l, 2, 1), [0, 0, 255, 128]);
        assert_eq!(
            pixel(&l, 1, 2),
            [0, 0, 0, 0],
            "transparent pixels leave the layer alone"
        );
        // Half off each edge: only the part inside lands, nothing wraps to another row.
        let mut l = layer(3, 3);
        l.stamp(&marker(), -1, 2);
        assert_eq!(pixel(&l, 0, 2), [0, 0, 255, 128]);
        assert_eq!(l.rgba.iter().filter(|&&b| b != 0).count(), 2);
        let mut l = layer(3, 3);
        l.stamp(&marker(), 2, 2);
        assert_eq!(pixel(&l, 2, 2), [255, 0, 0, 255]);
        assert_eq!(l.rgba.iter().filter(|&&b| b != 0).count(), 2);
        let mut l = layer(3, 3);
        l.stamp(&marker(), 3, 0);
        l.stamp(&marker(), 0, -2);
        l.stamp(&marker(), -9, 9);
        assert!(
            l.rgba.iter().all(|&b| b == 0),
            "stamps wholly outside draw nothing"
        );
    }

    #[test]
    fn a_translucent_stamp_blends_over_what_is_there() {
        let mut l = layer(2, 1);
        // Red underneath, then the half-transparent blue pixel over it.
        l.stamp(&marker(), 1, 0);
        l.stamp(&marker(), 0, 0);
        let [r, g, b, a] = pixel(&l, 1, 0);
        assert_eq!(
            (g, a),
            (0, 255),
            "over an opaque pixel the result stays opaque"
        );
        assert!(
            (125..=128).contains(&r) && (127..=130).contains(&b),
            "about half red, half blue: {r} {b}"
        );
        // An opaque pixel replaces what is under it.
        l.stamp(&marker(), 1, 0);
        assert_eq!(pixel(&l, 1, 0), [255, 0, 0, 255]);
    }
}
