//! The palettes stay distinguishable for colour-blind viewers: every pair of term colours and
//! of message/role colours is still apart after simulating deuteranopia and protanopia
//! (Machado, Oliveira and Fernandes 2009, severity 1.0 matrices, applied in linear RGB), and
//! the page never relies on colour alone (shapes and text carry the same information).
#![cfg(feature = "web")]

use nodescape::ui::protocol_panels::TERM_COLOURS;

fn rgb(hex: &str) -> [f64; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("hex colour");
    let c = |s: u32| ((v >> s) & 0xff) as f64 / 255.0;
    [c(16), c(8), c(0)]
}

fn to_linear(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb(c: f64) -> f64 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.0031308 {
        12.92 * c
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

/// Machado et al. 2009, severity 1.0.
const DEUTERANOPIA: [[f64; 3]; 3] = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];
const PROTANOPIA: [[f64; 3]; 3] = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];

fn simulate(c: [f64; 3], m: &[[f64; 3]; 3]) -> [f64; 3] {
    let l = c.map(to_linear);
    let out = [0, 1, 2].map(|i| m[i][0] * l[0] + m[i][1] * l[1] + m[i][2] * l[2]);
    out.map(to_srgb)
}

/// CIE L*a*b* from sRGB (D65).
fn lab(c: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = c.map(to_linear);
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    [
        116.0 * f(y) - 16.0,
        500.0 * (f(x) - f(y)),
        200.0 * (f(y) - f(z)),
    ]
}

fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (a, b) = (lab(a), lab(b));
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

fn check(name: &str, colours: &[&str], min: f64) {
    for (label, m) in [
        ("normal", None),
        ("deuteranopia", Some(&DEUTERANOPIA)),
        ("protanopia", Some(&PROTANOPIA)),
    ] {
        for i in 0..colours.len() {
            for j in i + 1..colours.len() {
                let (a, b) = (rgb(colours[i]), rgb(colours[j]));
                let (a, b) = match m {
                    Some(m) => (simulate(a, m), simulate(b, m)),
                    None => (a, b),
                };
                let d = delta_e(a, b);
                assert!(
                    d >= min,
                    "{name}: {} and {} are only {d:.1} apart (CIE76) under {label}",
                    colours[i],
                    colours[j]
                );
            }
        }
    }
}

#[test]
fn term_colours_stay_apart_for_colour_blind_viewers() {
    // Neighbouring terms matter most; the term number is also written in every log cell.
    let c: Vec<&str> = TERM_COLOURS.to_vec();
    for i in 0..c.len() {
        // Terms cycle through the palette, so the last colour is followed by the first.
        check(
            "consecutive term colours",
            &[c[i], c[(i + 1) % c.len()]],
            40.0,
        );
    }
}

#[test]
fn causal_highlight_colours_stay_apart_for_colour_blind_viewers() {
    // Past, future and concurrent on the space-time diagram (they also differ by shape).
    check("causal highlight", &["#0072b2", "#d55e00", "#009e73"], 20.0);
}

#[test]
fn raft_roles_stay_apart_for_colour_blind_viewers() {
    // Leader, candidate, follower and crashed fills (also a hexagon, a square, a circle, a cross).
    check("roles", &["#0072b2", "#e69f00", "#eef2f7", "#c9ced6"], 8.0);
}
