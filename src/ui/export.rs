//! The cluster picture as a standalone SVG file (nodes, links, partitions and messages in
//! flight, with its own styles), for slides and handouts. Pure string building, every text
//! escaped, so it is tested natively.

use super::canvas::glyph;
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

/// The picture of the cluster at the moment viewed, as SVG text.
pub fn cluster_svg(m: &Model) -> String {
    let c = m.world.cluster();
    let layout = Layout::circle(m.world.n());
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW_W} {VIEW_H}" font-family="system-ui, sans-serif">"#
    );
    let _ = write!(
        s,
        "<title>{}</title><rect width=\"100%\" height=\"100%\" fill=\"#f6f7f9\"/>",
        esc(&format!(
            "Nodescape, {} at {}",
            m.world.kind().title(),
            crate::sim::time::format_time(m.world.now())
        ))
    );
    for l in &c.links {
        let (a, b) = (l.a.index(), l.b.index());
        let (x1, y1) = layout.centres[a];
        let (x2, y2) = layout.centres[b];
        let _ = write!(
            s,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" style="{}"><title>{}</title></line>"#,
            lane_style(
                if l.ab == LinkState::Healthy {
                    l.ba
                } else {
                    l.ab
                },
                l.partitioned
            ),
            esc(&l.label)
        );
    }
    for f in m.world.flights() {
        let (x, y) = layout.along(f.from.index(), f.to.index(), f.progress as f64);
        let (colour, diamond) = glyph(f.kind);
        if diamond {
            let _ = write!(
                s,
                r##"<path d="M{x:.1} {:.1}l10 10l-10 10l-10 -10z" fill="{colour}" stroke="#fff" stroke-width="2"><title>{}</title></path>"##,
                y - 10.0,
                esc(&format!(
                    "{} from {} to {}: {}",
                    f.kind, f.from, f.to, f.summary
                ))
            );
        } else {
            let _ = write!(
                s,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="9" fill="{colour}" stroke="#fff" stroke-width="2"><title>{}</title></circle>"##,
                esc(&format!(
                    "{} from {} to {}: {}",
                    f.kind, f.from, f.to, f.summary
                ))
            );
        }
    }
    for n in &c.nodes {
        let (x, y) = layout.centres[n.id.index()];
        let r = layout.node_r;
        let (fill, stroke) = match (n.up, n.view.role) {
            (false, _) => ("#c9ced6", "#6b7380"),
            (_, "leader") => ("#0072b2", "#003f63"),
            (_, "candidate") => ("#e69f00", "#7a5300"),
            _ => ("#eef2f7", "#3b4452"),
        };
        let _ = write!(
            s,
            r#"<g><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="4"/><text x="{x:.1}" y="{:.1}" font-size="{:.0}" font-weight="700" text-anchor="middle">{}</text><text x="{x:.1}" y="{:.1}" font-size="19" font-family="monospace" text-anchor="middle">{}</text></g>"#,
            esc(&n.label),
            y + r * 0.3,
            r * 0.8,
            n.id,
            y + r + 30.0,
            esc(if n.up { &n.view.caption } else { "crashed" })
        );
    }
    s.push_str("</svg>");
    s
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
}
