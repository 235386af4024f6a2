//! The per-frame layer: messages in flight and election-timer arcs, drawn on a canvas from the
//! positions the sim already knows, with no virtual-DOM diff (ARCHITECTURE.md measured a Yew
//! re-render of 1,000 SVG circles at ~4.5 ms a frame; a Rust-drawn canvas held 60 fps at 2,000).

use super::geometry::{fit, Layout};
use crate::world::{FlightDot, World};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Sizes a canvas's backing store to its box at the device's pixel ratio (only when the size
/// changed, remembered in `size`) and returns its 2D context with the box's CSS size and the
/// ratio: (context, width, height, device pixel ratio).
pub fn prepare(
    canvas: &HtmlCanvasElement,
    size: &mut (u32, u32),
) -> Option<(CanvasRenderingContext2d, u32, u32, f64)> {
    let w = canvas.client_width().max(1) as u32;
    let h = canvas.client_height().max(1) as u32;
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .clamp(1.0, 3.0);
    let (pw, ph) = ((w as f64 * dpr) as u32, (h as f64 * dpr) as u32);
    if *size != (pw, ph) {
        canvas.set_width(pw);
        canvas.set_height(ph);
        *size = (pw, ph);
    }
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    Some((ctx, w, h, dpr))
}

/// Reusable buffers so a frame allocates nothing.
#[derive(Default)]
pub struct Painter {
    dots: Vec<FlightDot>,
    arcs: Vec<Option<f32>>,
    size: (u32, u32),
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
    /// Draws the frame onto `canvas`, sized to its box at the device's pixel ratio.
    pub fn draw(
        &mut self,
        canvas: &HtmlCanvasElement,
        world: &World,
        reduced_motion: bool,
        reach: &[Option<bool>],
    ) {
        let Some((ctx, w, h, dpr)) = prepare(canvas, &mut self.size) else {
            return;
        };
        let (pw, ph) = self.size;
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
        let (s, ox, oy) = fit(w as f64, h as f64);
        let _ = ctx.set_transform(s * dpr, 0.0, 0.0, s * dpr, ox * dpr, oy * dpr);
        self.paint(&ctx, world, reduced_motion, reach);
    }

    /// Paints the layer in viewBox units onto `ctx` (whose transform maps the viewBox to its
    /// pixels): the live canvas, or the PNG export's.
    pub fn paint(
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

        // Election timers as arcs around the nodes.
        world.timer_arcs(&mut self.arcs);
        ctx.set_line_width((r * 0.12).max(2.0));
        ctx.set_stroke_style_str("#8a94a6");
        for (i, left) in self.arcs.iter().enumerate() {
            if let Some(left) = left {
                let (cx, cy) = layout.centres[i];
                let start = -std::f64::consts::FRAC_PI_2;
                ctx.begin_path();
                let _ = ctx.arc(
                    cx,
                    cy,
                    r + r * 0.2,
                    start,
                    start + std::f64::consts::TAU * *left as f64,
                );
                ctx.stroke();
            }
        }

        // Messages in flight.
        world.flight_dots(&mut self.dots);
        let m = (r * 0.3).clamp(4.0, 14.0);
        for d in &self.dots {
            let p = if reduced_motion {
                0.5
            } else {
                d.progress as f64
            };
            let (x, y) = layout.along(d.from as usize, d.to as usize, p);
            let (colour, diamond) = glyph(d.kind);
            ctx.set_fill_style_str(colour);
            ctx.begin_path();
            if diamond {
                ctx.move_to(x, y - m);
                ctx.line_to(x + m, y);
                ctx.line_to(x, y + m);
                ctx.line_to(x - m, y);
                ctx.close_path();
            } else {
                let _ = ctx.arc(x, y, m * 0.85, 0.0, std::f64::consts::TAU);
            }
            ctx.fill();
            ctx.set_line_width(2.0);
            ctx.set_stroke_style_str("#ffffff");
            ctx.stroke();
            if d.held {
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
