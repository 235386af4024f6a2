//! Where things are in the cluster picture: node positions on a circle inside a fixed viewBox,
//! points along links, the viewBox-to-pixel mapping of the canvas, and hit tests. Pure maths.

/// Trigonometry and powers for the drawing code. In the browser they are the page's own
/// `Math` functions: Rust's software versions (libm) would add about 15 KB to the wasm for
/// nothing (issue 2's size budget). Natively (tests) they are `f64`'s methods.
pub mod math {
    #[cfg(target_arch = "wasm32")]
    use js_sys::Math;

    /// Sine of `a` radians.
    pub fn sin(a: f64) -> f64 {
        #[cfg(target_arch = "wasm32")]
        return Math::sin(a);
        #[cfg(not(target_arch = "wasm32"))]
        a.sin()
    }

    /// Cosine of `a` radians.
    pub fn cos(a: f64) -> f64 {
        #[cfg(target_arch = "wasm32")]
        return Math::cos(a);
        #[cfg(not(target_arch = "wasm32"))]
        a.cos()
    }

    /// The angle of the vector `(x, y)` from the x axis.
    pub fn atan2(y: f64, x: f64) -> f64 {
        #[cfg(target_arch = "wasm32")]
        return Math::atan2(y, x);
        #[cfg(not(target_arch = "wasm32"))]
        y.atan2(x)
    }

    /// `base` to the power `e`.
    pub fn pow(base: f64, e: f64) -> f64 {
        #[cfg(target_arch = "wasm32")]
        return Math::pow(base, e);
        #[cfg(not(target_arch = "wasm32"))]
        base.powf(e)
    }
}

use math::{cos, sin};

/// Width of the picture's viewBox.
pub const VIEW_W: f64 = 1000.0;
/// Height of the picture's viewBox.
pub const VIEW_H: f64 = 620.0;
/// Left edge and width of the part of the viewBox the page shows. Everything drawn lies inside
/// x 170..830: the outermost nodes, their timer arcs and captions (up to presenter mode's
/// 40-pixel ring captions), and a one-node partition outline at 10 or more nodes (178). The
/// empty sides are cropped so that a narrow box (the hash-ring view's cluster column) shows
/// the cluster half as large again; exports keep the whole viewBox.
pub const SHOWN_X: f64 = 170.0;
/// Width of the shown part (see [`SHOWN_X`]).
pub const SHOWN_W: f64 = 660.0;

/// The layout of `n` nodes on a circle.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Centre of each node, in viewBox units, node 1 at the top, clockwise.
    pub centres: Vec<(f64, f64)>,
    /// Radius of a node's circle.
    pub node_r: f64,
}

impl Layout {
    /// Places `n` nodes evenly on a circle.
    pub fn circle(n: u32) -> Self {
        let (cx, cy) = (VIEW_W / 2.0, VIEW_H / 2.0);
        let ring = if n <= 9 { 225.0 } else { 270.0 };
        let node_r = if n <= 9 {
            46.0
        } else {
            (ring * std::f64::consts::PI / n as f64 * 0.8).clamp(6.0, 30.0)
        };
        let centres = (0..n)
            .map(|i| {
                let a = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
                (cx + ring * cos(a), cy + ring * sin(a))
            })
            .collect();
        Layout { centres, node_r }
    }

    /// The point a fraction `p` along the link from node `a` to node `b` (indices from 0),
    /// starting and ending at the circles' edges. Messages from a to b travel slightly to one
    /// side so that the two directions do not overlap.
    pub fn along(&self, a: usize, b: usize, p: f64) -> (f64, f64) {
        let (x1, y1) = self.centres[a];
        let (x2, y2) = self.centres[b];
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let side = self.node_r * 0.22;
        let (ox, oy) = (-uy * side, ux * side);
        let start = (x1 + ux * self.node_r + ox, y1 + uy * self.node_r + oy);
        let end = (x2 - ux * self.node_r + ox, y2 - uy * self.node_r + oy);
        (
            start.0 + (end.0 - start.0) * p,
            start.1 + (end.1 - start.1) * p,
        )
    }

    /// The node whose circle contains `pt`.
    pub fn node_at(&self, pt: (f64, f64)) -> Option<usize> {
        self.centres
            .iter()
            .position(|&c| dist(c, pt) <= self.node_r * 1.05)
    }

    /// The link (a < b, indices) nearest to `pt` within `tolerance`, outside the node circles.
    pub fn link_at(&self, pt: (f64, f64), tolerance: f64) -> Option<(usize, usize)> {
        if self.node_at(pt).is_some() {
            return None;
        }
        let mut best: Option<((usize, usize), f64)> = None;
        for a in 0..self.centres.len() {
            for b in a + 1..self.centres.len() {
                let d = seg_dist(pt, self.centres[a], self.centres[b]);
                if d <= tolerance && best.is_none_or(|(_, bd)| d < bd) {
                    best = Some(((a, b), d));
                }
            }
        }
        best.map(|(l, _)| l)
    }
}

/// Distance between two points.
pub fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// Distance from `p` to the segment `a`–`b`.
pub fn seg_dist(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return dist(p, a);
    }
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0);
    dist(p, (a.0 + t * dx, a.1 + t * dy))
}

/// How the viewBox's shown part maps onto a box of `w` x `h` pixels with `meet` (all of it
/// visible, centred): returns (scale, offset x, offset y), a point (x, y) of the viewBox being
/// drawn at (offset x + x * scale, offset y + y * scale).
pub fn fit(w: f64, h: f64) -> (f64, f64, f64) {
    let s = (w / SHOWN_W).min(h / VIEW_H);
    (
        s,
        (w - SHOWN_W * s) / 2.0 - SHOWN_X * s,
        (h - VIEW_H * s) / 2.0,
    )
}

/// A pixel position inside a `w` x `h` box, in viewBox units.
pub fn to_view(px: f64, py: f64, w: f64, h: f64) -> (f64, f64) {
    let (s, ox, oy) = fit(w, h);
    ((px - ox) / s, (py - oy) / s)
}

/// True when the segments p1–p2 and q1–q2 cross (for the cut-line gesture).
pub fn segments_cross(p1: (f64, f64), p2: (f64, f64), q1: (f64, f64), q2: (f64, f64)) -> bool {
    fn orient(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
        (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
    }
    let d1 = orient(q1, q2, p1);
    let d2 = orient(q1, q2, p2);
    let d3 = orient(p1, p2, q1);
    let d4 = orient(p1, p2, q2);
    (d1 > 0.0) != (d2 > 0.0) && (d3 > 0.0) != (d4 > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_one_is_at_the_top_and_nodes_go_clockwise() {
        let l = Layout::circle(4);
        assert!((l.centres[0].0 - VIEW_W / 2.0).abs() < 1e-9);
        assert!(l.centres[0].1 < l.centres[2].1);
        assert!(l.centres[1].0 > l.centres[3].0);
    }

    #[test]
    fn hit_tests_find_nodes_and_links() {
        let l = Layout::circle(5);
        assert_eq!(l.node_at(l.centres[2]), Some(2));
        let mid = l.along(0, 1, 0.5);
        assert_eq!(l.link_at(mid, 12.0), Some((0, 1)));
        assert_eq!(l.link_at((0.0, 0.0), 12.0), None);
    }

    #[test]
    fn fit_centres_the_picture() {
        let (s, ox, oy) = fit(2000.0, 620.0);
        assert_eq!(s, 1.0);
        assert_eq!(ox, 500.0);
        assert_eq!(oy, 0.0);
        assert_eq!(to_view(500.0, 0.0, 2000.0, 620.0), (0.0, 0.0));
        // A narrow box is filled by the shown part, not the whole viewBox: the centre stays
        // in the middle and the shown part's edges at the box's edges.
        let (s, ox, _) = fit(330.0, 620.0);
        assert_eq!(s, 0.5);
        assert_eq!(ox + VIEW_W / 2.0 * s, 165.0);
        assert_eq!(to_view(0.0, 310.0, 330.0, 620.0), (SHOWN_X, 310.0));
        assert_eq!(to_view(330.0, 0.0, 330.0, 620.0).0, SHOWN_X + SHOWN_W);
    }

    #[test]
    fn every_layout_fits_the_shown_part_with_its_outlines() {
        for n in 1..=64 {
            let l = Layout::circle(n);
            // A one-node partition outline is the widest thing around a node.
            let reach = l.node_r * 2.0 + 44.0;
            for &(x, _) in &l.centres {
                assert!(
                    x - reach / 2.0 >= SHOWN_X && x + reach / 2.0 <= SHOWN_X + SHOWN_W,
                    "n={n}"
                );
            }
        }
    }

    #[test]
    fn crossing_segments_are_detected() {
        assert!(segments_cross(
            (0.0, 0.0),
            (2.0, 2.0),
            (0.0, 2.0),
            (2.0, 0.0)
        ));
        assert!(!segments_cross(
            (0.0, 0.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (1.0, 1.0)
        ));
    }
}
