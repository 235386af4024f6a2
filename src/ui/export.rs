//! The cluster picture as a standalone SVG file (nodes, links, partitions and messages in
//! flight, with its own styles), for slides and handouts. Pure string building, every text
//! escaped, so it is tested natively.

use super::canvas::glyph;
use super::geometry::math;
use super::geometry::{Layout, VIEW_H, VIEW_W};
use super::model::Model;
use crate::sim::LinkState;
use std::fmt::Write;

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn lane_style(state: LinkState, partitioned: bool) -> &'static str {
    if partitioned {
        "stroke:#9aa3b0;stroke-opacity:.3;stroke-dasharray:4 10;stroke-width:3"
    } else {
        match state {
            LinkState::Healthy => "stroke:#9aa3b0;stroke-width:3",
            LinkState::Cut => "stroke:#c62828;stroke-dasharray:10 8;stroke-width:3.5",
            LinkState::Lossy { .. } => "stroke:#b45309;stroke-dasharray:2 6;stroke-width:4",
        }
    }
}

/// Which layers of the picture to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Everything: the SVG file.
    All,
    /// Background, partition islands and links: what the message layer is drawn on (PNG).
    Under,
    /// The nodes and their captions: what is drawn over the message layer (PNG).
    Over,
}

/// The picture of the cluster at the moment viewed, as SVG text.
pub fn cluster_svg(m: &Model) -> String {
    cluster_svg_part(m, Part::All)
}

/// Some layers of the picture of the cluster (drawn as the page draws them: leaders as
/// hexagons, candidates as squares, crashed nodes crossed out, cut links marked), as SVG text.
pub fn cluster_svg_part(m: &Model, part: Part) -> String {
    let c = m.world.cluster();
    let layout = Layout::circle(m.world.n());
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{VIEW_W}" height="{VIEW_H}" viewBox="0 0 {VIEW_W} {VIEW_H}" font-family="system-ui, sans-serif">"#
    );
    if part != Part::Over {
        let _ = write!(
            s,
            "<title>{}</title><rect width=\"100%\" height=\"100%\" fill=\"#f6f7f9\"/>",
            esc(&format!(
                "Nodescape, {} at {}",
                m.world.kind().title(),
                crate::sim::time::format_time(m.world.now())
            ))
        );
        islands(&mut s, &c, &layout);
        for l in &c.links {
            link(&mut s, l, &layout);
        }
    }
    if part == Part::All {
        for f in m.world.flights() {
            let (x, y) = layout.along(f.from.index(), f.to.index(), f.progress as f64);
            let (colour, diamond) = glyph(f.kind);
            let title = esc(&format!(
                "{} from {} to {}: {}",
                f.kind, f.from, f.to, f.summary
            ));
            if diamond {
                let _ = write!(
                    s,
                    r##"<path d="M{x:.1} {:.1}l10 10l-10 10l-10 -10z" fill="{colour}" stroke="#fff" stroke-width="2"><title>{title}</title></path>"##,
                    y - 10.0,
                );
            } else {
                let _ = write!(
                    s,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="9" fill="{colour}" stroke="#fff" stroke-width="2"><title>{title}</title></circle>"##,
                );
            }
        }
    }
    if part != Part::Under {
        for n in &c.nodes {
            node(&mut s, n, &layout);
        }
    }
    s.push_str("</svg>");
    s
}

fn islands(s: &mut String, c: &crate::world::ClusterView, layout: &Layout) {
    let mut groups: Vec<(u32, Vec<usize>)> = Vec::new();
    for n in &c.nodes {
        match groups.iter_mut().find(|(g, _)| *g == n.group) {
            Some((_, v)) => v.push(n.id.index()),
            None => groups.push((n.group, vec![n.id.index()])),
        }
    }
    if groups.len() < 2 {
        return;
    }
    let pad = layout.node_r * 2.0 + 44.0;
    for (_, members) in groups {
        let style =
            "fill:#fff7e6;fill-opacity:.55;stroke:#f1c27d;stroke-opacity:.35;stroke-linejoin:round";
        if let [one] = members[..] {
            let (x, y) = layout.centres[one];
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" style="{style}"/>"#,
                pad / 2.0
            );
        } else {
            let pts: Vec<(f64, f64)> = members.iter().map(|&i| layout.centres[i]).collect();
            let pts: Vec<String> = super::cluster::convex_hull(&pts)
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = write!(
                s,
                r#"<polygon points="{}" style="{style};stroke-width:{pad:.1}"/>"#,
                pts.join(" ")
            );
        }
    }
}

fn link(s: &mut String, l: &crate::world::LinkCard, layout: &Layout) {
    let (a, b) = (l.a.index(), l.b.index());
    let line = |s: &mut String, p: ((f64, f64), (f64, f64)), state: LinkState, held: bool| {
        let style = if held && !l.partitioned {
            "stroke:#b45309;stroke-width:6"
        } else {
            lane_style(state, l.partitioned)
        };
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" style="{style};stroke-linecap:round"><title>{}</title></line>"#,
            p.0 .0,
            p.0 .1,
            p.1 .0,
            p.1 .1,
            esc(&l.label)
        );
    };
    if l.ab == l.ba && l.held_ab == l.held_ba {
        line(s, (layout.centres[a], layout.centres[b]), l.ab, l.held_ab);
    } else {
        line(
            s,
            (layout.along(a, b, 0.0), layout.along(a, b, 1.0)),
            l.ab,
            l.held_ab,
        );
        line(
            s,
            (layout.along(b, a, 0.0), layout.along(b, a, 1.0)),
            l.ba,
            l.held_ba,
        );
    }
    if (l.ab == LinkState::Cut || l.ba == LinkState::Cut) && !l.partitioned {
        let (x1, y1) = layout.centres[a];
        let (x2, y2) = layout.centres[b];
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let _ = write!(
            s,
            r#"<path d="M{:.1} {:.1}l18 18M{:.1} {:.1}l18 -18" style="stroke:#c62828;stroke-width:4;stroke-linecap:round"/>"#,
            mx - 9.0,
            my - 9.0,
            mx - 9.0,
            my + 9.0
        );
    }
}

fn node(s: &mut String, n: &crate::world::NodeCard, layout: &Layout) {
    let (x, y) = layout.centres[n.id.index()];
    let r = layout.node_r;
    let role = if n.up { n.view.role } else { "crashed" };
    let (fill, stroke, width, dash, ink) = match role {
        "crashed" => ("#c9ced6", "#6b7380", 3.0, "6 5", "#6b7380"),
        "leader" => ("#0072b2", "#003f63", 5.0, "", "#ffffff"),
        "candidate" => ("#e69f00", "#7a5300", 3.0, "", "#1b1f24"),
        "standby" => ("#ffffff", "#3b4452", 3.0, "8 6", "#1b1f24"),
        "leaving" => ("#ffffff", "#b45309", 3.0, "4 4", "#1b1f24"),
        _ => ("#eef2f7", "#3b4452", 3.0, "", "#1b1f24"),
    };
    let style = format!(
        "fill:{fill};stroke:{stroke};stroke-width:{width}{}",
        if dash.is_empty() {
            String::new()
        } else {
            format!(";stroke-dasharray:{dash}")
        }
    );
    let _ = write!(s, "<g><title>{}</title>", esc(&n.label));
    match role {
        "leader" => {
            let pts: Vec<String> = (0..6)
                .map(|k| {
                    let a = std::f64::consts::FRAC_PI_6 + k as f64 * std::f64::consts::FRAC_PI_3;
                    format!(
                        "{:.1},{:.1}",
                        x + r * 1.12 * math::cos(a),
                        y + r * 1.12 * math::sin(a)
                    )
                })
                .collect();
            let _ = write!(
                s,
                r#"<polygon points="{}" style="{style}"/>"#,
                pts.join(" ")
            );
        }
        "candidate" => {
            let h = r * 0.9;
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{:.1}" style="{style}"/>"#,
                x - h,
                y - h,
                2.0 * h,
                2.0 * h,
                r * 0.25
            );
        }
        _ => {
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" style="{style}"/>"#
            );
        }
    }
    if !n.up {
        let e = r * 0.6;
        let _ = write!(
            s,
            r#"<path d="M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}" style="stroke:#c62828;stroke-width:6;stroke-linecap:round"/>"#,
            x - e,
            y - e,
            x + e,
            y + e,
            x - e,
            y + e,
            x + e,
            y - e
        );
    }
    let caption = if n.up {
        n.view.caption.as_str()
    } else {
        "crashed"
    };
    let _ = write!(
        s,
        r##"<text x="{x:.1}" y="{:.1}" font-size="{:.0}" font-weight="700" text-anchor="middle" dominant-baseline="middle" fill="{ink}">{}</text><text x="{x:.1}" y="{:.1}" font-size="19" font-weight="600" font-family="ui-monospace, Menlo, Consolas, monospace" text-anchor="middle" fill="#1b1f24" stroke="#f6f7f9" stroke-width="5" paint-order="stroke">"##,
        y + r * 0.13,
        r * 0.8,
        n.id,
        y + r + 30.0,
    );
    // A caption of several lines (a long vector clock) continues under itself.
    for (i, line) in caption.split('\n').enumerate() {
        let dy = if i == 0 { "0" } else { "1.15em" };
        let _ = write!(s, r#"<tspan x="{x:.1}" dy="{dy}">{}</tspan>"#, esc(line));
    }
    s.push_str("</text></g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Scenario;

    #[test]
    fn the_svg_has_every_node_and_link_and_escapes_text() {
        let m = Model::new(Scenario {
            protocol: crate::world::ProtocolKind::Raft,
            ..Scenario::default()
        });
        let svg = cluster_svg(&m);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.matches("<circle").count() >= 5);
        assert_eq!(svg.matches("<line").count(), 10);
        assert_eq!(esc("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }

    #[test]
    fn the_png_layers_split_the_picture_under_and_over_the_messages() {
        let mut m = Model::new(Scenario {
            protocol: crate::world::ProtocolKind::Raft,
            seed: "5".into(),
            ..Scenario::default()
        });
        m.reduce(crate::ui::model::Action::AdvanceBy(2 * crate::sim::SEC));
        m.reduce(crate::ui::model::Action::Intervene(
            crate::sim::Intervention::Crash {
                node: crate::sim::NodeId(3),
            },
        ));
        m.reduce(crate::ui::model::Action::Intervene(
            crate::ui::model::halves(5),
        ));
        let under = cluster_svg_part(&m, Part::Under);
        let over = cluster_svg_part(&m, Part::Over);
        // Links and islands below, nodes above; neither has the messages (the canvas draws them).
        assert_eq!(under.matches("<line").count(), 10);
        assert!(under.contains("fill:#fff7e6"), "partition islands");
        assert!(!under.contains("<text"));
        assert_eq!(
            over.matches("<text").count(),
            10,
            "number and caption of 5 nodes"
        );
        assert!(over.contains("<polygon"), "the leader is a hexagon");
        assert!(
            over.contains("stroke:#c62828;stroke-width:6"),
            "the crashed node is crossed out"
        );
        assert!(!over.contains("<line"));
        let all = cluster_svg(&m);
        assert!(all.len() > under.len() + over.len() - 400);
    }
}
