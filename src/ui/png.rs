//! Saving the picture as a PNG, for slides and a projector: the cluster as the page shows it
//! (links, then the message layer, then the nodes) at twice the picture's size, and in the
//! vector-clock view the space-time diagram under it; in the hash-ring view the ring (painted
//! again at 2x) and its two charts (copied from the page's canvases) under it.
//!
//! The links and nodes come from the SVG export ([`super::export`]), each layer loaded as an
//! image from a `blob:` URL (the page's Content-Security-Policy allows `img-src blob:`); the
//! messages and the diagram are painted again by the same painters as the live canvases, at the
//! export's scale, so they are as crisp as the rest. The canvas is then encoded by the browser
//! (`toBlob`) and offered as a download.

use super::download::download_blob;
use super::export::{cluster_svg_part, Part};
use super::geometry::{VIEW_H, VIEW_W};
use super::shell::Shell;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement};

/// The PNG's pixels per viewBox unit (and per CSS pixel of the diagram).
pub const SCALE: f64 = 2.0;
/// The file's name.
pub const FILE: &str = "nodescape-picture.png";

/// The diagram's height under the cluster, in CSS pixels, for `n` nodes.
pub fn diagram_height(n: u32) -> f64 {
    36.0 + 44.0 * n as f64
}

/// The height of the ring's strip under the cluster (the ring and its two charts), in CSS
/// pixels.
pub const RING_STRIP_H: f64 = 440.0;

/// Loads SVG text as an image, then calls `then` with it (or with an error in words).
fn load_svg(svg: &str, then: impl FnOnce(Result<HtmlImageElement, String>) + 'static) {
    let fail = |e: &str| Err(format!("the browser could not {e}"));
    let parts = js_sys::Array::of1(&svg.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return then(fail("make the picture"));
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return then(fail("make a link to the picture"));
    };
    let Ok(img) = HtmlImageElement::new() else {
        return then(fail("make an image"));
    };
    let then = Rc::new(RefCell::new(Some(then)));
    let (t1, t2) = (then.clone(), then);
    let (i1, u1, u2) = (img.clone(), url.clone(), url.clone());
    let onload = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&u1);
        if let Some(f) = t1.borrow_mut().take() {
            f(Ok(i1));
        }
    });
    let onerror = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&u2);
        if let Some(f) = t2.borrow_mut().take() {
            f(Err("the browser could not draw the picture".into()));
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_onerror(Some(onerror.unchecked_ref()));
    img.set_src(&url);
}

/// Draws the picture onto a new canvas and offers it as `nodescape-picture.png`; `done` gets
/// `Ok` once the download was offered, or the reason it failed.
pub fn save_png(shell: Rc<Shell>, done: impl FnOnce(Result<(), String>) + 'static) {
    let (under, over, n, title) = {
        let m = shell.model.borrow();
        (
            cluster_svg_part(&m, Part::Under),
            cluster_svg_part(&m, Part::Over),
            m.world.n(),
            format!(
                "Nodescape · {} · {}",
                m.world.kind().title(),
                crate::sim::time::format_time(m.world.now())
            ),
        )
    };
    load_svg(&under, move |under| {
        let under = match under {
            Ok(i) => i,
            Err(e) => return done(Err(e)),
        };
        load_svg(&over, move |over| {
            let over = match over {
                Ok(i) => i,
                Err(e) => return done(Err(e)),
            };
            match compose(&shell, &under, &over, n, &title) {
                Ok(canvas) => encode(canvas, done),
                Err(e) => done(Err(e)),
            }
        });
    });
}

fn new_canvas(w: f64, h: f64) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), String> {
    let canvas = gloo::utils::document()
        .create_element("canvas")
        .ok()
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
        .ok_or("the browser could not make a canvas")?;
    canvas.set_width(w.round() as u32);
    canvas.set_height(h.round() as u32);
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or("the browser could not draw on a canvas")?;
    Ok((canvas, ctx))
}

fn compose(
    shell: &Shell,
    under: &HtmlImageElement,
    over: &HtmlImageElement,
    n: u32,
    title: &str,
) -> Result<HtmlCanvasElement, String> {
    let vclock = matches!(shell.model.borrow().world, crate::world::World::Vclock(_));
    let ring = super::ring_panel::picture(&shell.model.borrow());
    let dh = if vclock {
        diagram_height(n)
    } else if ring.is_some() {
        RING_STRIP_H
    } else {
        0.0
    };
    let (w, h) = (VIEW_W * SCALE, (VIEW_H + dh) * SCALE);
    let (canvas, ctx) = new_canvas(w, h)?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, w, h);
    let drawn = |r: Result<(), JsValue>| r.map_err(|_| "the browser could not draw the picture");
    drawn(ctx.draw_image_with_html_image_element_and_dw_and_dh(
        under,
        0.0,
        0.0,
        w,
        VIEW_H * SCALE,
    ))?;
    let _ = ctx.set_transform(SCALE, 0.0, 0.0, SCALE, 0.0, 0.0);
    shell.paint_messages(&ctx);
    let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    drawn(ctx.draw_image_with_html_image_element_and_dw_and_dh(over, 0.0, 0.0, w, VIEW_H * SCALE))?;
    ctx.set_fill_style_str("#5b6472");
    ctx.set_font(&format!("600 {}px system-ui, sans-serif", 15.0 * SCALE));
    ctx.set_text_baseline("top");
    let _ = ctx.fill_text(title, 12.0 * SCALE, 10.0 * SCALE);
    if vclock {
        let (dc, dctx) = new_canvas(w, dh * SCALE)?;
        if shell.paint_diagram(&dctx, VIEW_W, dh, SCALE) {
            let y = VIEW_H * SCALE;
            rule(&ctx, y, w);
            drawn(ctx.draw_image_with_html_canvas_element(&dc, 0.0, y))?;
        }
    }
    if let Some((data, found)) = ring {
        let y = VIEW_H * SCALE;
        rule(&ctx, y, w);
        // The ring, painted again at the export's scale, in a square on the left.
        let side = RING_STRIP_H - 20.0;
        let _ = ctx.set_transform(
            SCALE,
            0.0,
            0.0,
            SCALE,
            10.0 * SCALE,
            VIEW_H * SCALE + 10.0 * SCALE,
        );
        super::ring_canvas::paint_ring(&ctx, side, side, SCALE, &data.view, found.as_ref());
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        // The two charts as the page drew them, each fitted into half of the space on the right.
        let (x0, cw) = ((side + 30.0) * SCALE, (VIEW_W - side - 40.0) * SCALE);
        let ch = (RING_STRIP_H - 30.0) / 2.0 * SCALE;
        for (i, id) in ["ring-load-chart", "ring-cv-chart"].iter().enumerate() {
            let Some(chart) = gloo::utils::document()
                .get_element_by_id(id)
                .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
                .filter(|c| c.width() > 0 && c.height() > 0)
            else {
                continue;
            };
            let k = (cw / chart.width() as f64).min(ch / chart.height() as f64);
            let (dw, dh) = (chart.width() as f64 * k, chart.height() as f64 * k);
            let top = y + 10.0 * SCALE + i as f64 * (ch + 10.0 * SCALE);
            drawn(ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&chart, x0, top, dw, dh))?;
        }
    }
    Ok(canvas)
}

/// A thin grey rule across the picture at `y` (canvas pixels).
fn rule(ctx: &CanvasRenderingContext2d, y: f64, w: f64) {
    ctx.set_stroke_style_str("#d5d9e0");
    ctx.set_line_width(SCALE);
    ctx.begin_path();
    ctx.move_to(0.0, y);
    ctx.line_to(w, y);
    ctx.stroke();
}

fn encode(canvas: HtmlCanvasElement, done: impl FnOnce(Result<(), String>) + 'static) {
    let done = Rc::new(RefCell::new(Some(done)));
    let d2 = done.clone();
    let cb = Closure::once_into_js(move |blob: JsValue| {
        let result = match blob.dyn_into::<web_sys::Blob>() {
            Ok(b) => download_blob(FILE, &b),
            Err(_) => Err("the browser could not encode the PNG".to_string()),
        };
        if let Some(f) = d2.borrow_mut().take() {
            f(result);
        }
    });
    if canvas
        .to_blob_with_type(cb.unchecked_ref(), "image/png")
        .is_err()
    {
        if let Some(f) = done.borrow_mut().take() {
            f(Err("the browser refused to encode the picture".into()));
        }
    }
}
