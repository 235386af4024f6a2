//! The cluster picture: links (bottom SVG), messages and timer arcs (canvas, drawn every frame
//! by the painter), nodes (top SVG). Nodes and links are focusable and labelled in words.

use super::canvas::LinkPainter;
use super::geometry::math;
use super::geometry::{to_view, Layout, SHOWN_W, SHOWN_X, VIEW_H};
use super::model::{Action, Model, Selection};
use super::shell::Shell;
use crate::sim::{LinkState, NodeId};
use crate::world::{LinkCard, NodeCard};
use std::rc::Rc;
use yew::prelude::*;

fn view_box() -> String {
    format!("{SHOWN_X} 0 {SHOWN_W} {VIEW_H}")
}

fn lane_class(state: LinkState, held: bool, partitioned: bool) -> &'static str {
    if partitioned {
        "lane partitioned"
    } else if held {
        "lane held"
    } else {
        match state {
            LinkState::Healthy => "lane healthy",
            LinkState::Cut => "lane cut",
            LinkState::Lossy { .. } => "lane lossy",
        }
    }
}

fn link_view(l: &LinkCard, layout: &Layout, selected: bool, on_select: &Callback<Action>) -> Html {
    let (a, b) = (l.a.index(), l.b.index());
    let (x1, y1) = layout.centres[a];
    let (x2, y2) = layout.centres[b];
    let p_ab = (layout.along(a, b, 0.0), layout.along(a, b, 1.0));
    let p_ba = (layout.along(b, a, 0.0), layout.along(b, a, 1.0));
    let (la, lb) = (l.a, l.b);
    let onkeydown = {
        let cb = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                e.stop_propagation();
                cb.emit(Action::CycleLink(la, lb));
            }
        })
    };
    let class = classes!(
        "link",
        l.healthy().then_some("is-healthy"),
        selected.then_some("selected")
    );
    let mid = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let cut_mark = (l.ab == LinkState::Cut || l.ba == LinkState::Cut) && !l.partitioned;
    html! {
        <g class={class} tabindex="0" role="button" aria-label={l.label.clone()} {onkeydown}
           data-link={format!("{}-{}", l.a, l.b)}>
            <title>{ l.label.clone() }</title>
            <line class="hit" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
            if l.ab == l.ba && l.held_ab == l.held_ba {
                <line class={classes!(lane_class(l.ab, l.held_ab, l.partitioned), "both")}
                    x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
            } else {
                <line class={lane_class(l.ab, l.held_ab, l.partitioned)}
                    x1={p_ab.0.0.to_string()} y1={p_ab.0.1.to_string()} x2={p_ab.1.0.to_string()} y2={p_ab.1.1.to_string()} />
                <line class={lane_class(l.ba, l.held_ba, l.partitioned)}
                    x1={p_ba.0.0.to_string()} y1={p_ba.0.1.to_string()} x2={p_ba.1.0.to_string()} y2={p_ba.1.1.to_string()} />
            }
            if cut_mark {
                <g class="cut-mark" transform={format!("translate({} {})", mid.0, mid.1)}>
                    <line x1="-9" y1="-9" x2="9" y2="9" />
                    <line x1="-9" y1="9" x2="9" y2="-9" />
                </g>
            }
        </g>
    }
}

fn node_shape(role: &str, r: f64) -> Html {
    let rs = r.to_string();
    match role {
        "leader" => {
            // A hexagon: leaders stand out by shape, not only colour.
            let pts: Vec<String> = (0..6)
                .map(|k| {
                    let a = std::f64::consts::FRAC_PI_6 + k as f64 * std::f64::consts::FRAC_PI_3;
                    format!(
                        "{:.1},{:.1}",
                        r * 1.12 * math::cos(a),
                        r * 1.12 * math::sin(a)
                    )
                })
                .collect();
            html! { <polygon class="shape" points={pts.join(" ")} /> }
        }
        "candidate" => {
            let s = r * 0.9;
            html! { <rect class="shape" x={(-s).to_string()} y={(-s).to_string()}
            width={(2.0 * s).to_string()} height={(2.0 * s).to_string()} rx={(r * 0.25).to_string()} /> }
        }
        _ => html! { <circle class="shape" r={rs} /> },
    }
}

fn node_view(
    n: &NodeCard,
    layout: &Layout,
    selected: bool,
    marked: bool,
    on_select: &Callback<Action>,
) -> Html {
    let (cx, cy) = layout.centres[n.id.index()];
    let r = layout.node_r;
    let id = n.id;
    let onclick = {
        let cb = on_select.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            cb.emit(Action::NodeClick {
                node: id,
                shift: e.shift_key(),
            });
        })
    };
    let onkeydown = {
        let cb = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                e.stop_propagation();
                cb.emit(Action::Select(Selection::Node(id)));
            }
        })
    };
    let role = if n.up { n.view.role } else { "crashed" };
    let class = classes!(
        "node",
        role,
        selected.then_some("selected"),
        marked.then_some("marked")
    );
    html! {
        <g class={class} transform={format!("translate({cx:.1} {cy:.1})")} tabindex="0" role="button"
           aria-label={n.label.clone()} data-node={n.id.to_string()} {onclick} {onkeydown}>
            { node_shape(role, r) }
            if !n.up {
                <g class="cross">
                    <line x1={(-r * 0.6).to_string()} y1={(-r * 0.6).to_string()} x2={(r * 0.6).to_string()} y2={(r * 0.6).to_string()} />
                    <line x1={(-r * 0.6).to_string()} y1={(r * 0.6).to_string()} x2={(r * 0.6).to_string()} y2={(-r * 0.6).to_string()} />
                </g>
            }
        </g>
    }
}

/// A node's number and caption, drawn in a layer of their own (outside the focusable node, so
/// its accessible name is exactly its label).
fn node_texts(n: &NodeCard, layout: &Layout) -> Html {
    let (cx, cy) = layout.centres[n.id.index()];
    let r = layout.node_r;
    let role = if n.up { n.view.role } else { "crashed" };
    let caption = if n.up {
        n.view.caption.clone()
    } else {
        "crashed".to_string()
    };
    html! {
        <g class={classes!("node-text", role)} transform={format!("translate({cx:.1} {cy:.1})")}>
            <text class="id" y={(r * 0.13).to_string()} font-size={(r * 0.8).to_string()}>{ n.id.to_string() }</text>
            if r >= 30.0 {
                <text class="caption" y={(r + 30.0).to_string()}>
                    { for caption.split('\n').enumerate().map(|(i, line)| html! {
                        <tspan x="0" dy={if i == 0 { "0" } else { "1.15em" }}>{ line.to_string() }</tspan>
                    }) }
                </text>
            }
        </g>
    }
}

/// Padded outline of a partition island (a thick rounded stroke around its members).
fn island(members: &[NodeId], layout: &Layout) -> Html {
    let pts: Vec<(f64, f64)> = members.iter().map(|m| layout.centres[m.index()]).collect();
    let pad = layout.node_r * 2.0 + 44.0;
    if pts.len() == 1 {
        let (x, y) = pts[0];
        return html! { <circle class="island" cx={x.to_string()} cy={y.to_string()} r={(pad / 2.0).to_string()} /> };
    }
    let d: Vec<String> = convex_hull(&pts)
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    html! { <polygon class="island" points={d.join(" ")} stroke-width={pad.to_string()} /> }
}

/// Convex hull (monotone chain) of a few points.
pub fn convex_hull(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    // Sorted by x then y (as `total_cmp`), through the program's one sort routine.
    use crate::sim::keysort::{f64_from_key, f64_key, sort_keys};
    let mut keys: Vec<u128> = pts
        .iter()
        .map(|&(x, y)| (f64_key(x) as u128) << 64 | f64_key(y) as u128)
        .collect();
    sort_keys(&mut keys);
    let p: Vec<(f64, f64)> = keys
        .iter()
        .map(|&k| (f64_from_key((k >> 64) as u64), f64_from_key(k as u64)))
        .collect();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<(f64, f64)> = Vec::new();
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The whole cluster picture.
pub fn cluster_view(m: &Model, shell: &Rc<Shell>) -> Html {
    let mut cluster = m.world.cluster();
    // Small clusters: every link is an SVG element, focusable and labelled. Large ones: the
    // links are painted on a canvas (`LinkPainter`), clicked through the same hit test, named
    // in a tooltip, and reached by keyboard from a node's inspector; only the selected link is
    // an element (focusable, Enter cycles it like a click).
    let painted = cluster.links.len() > LinkPainter::MAX_ELEMENTS;
    let selected_link = match m.selected {
        Selection::Link(a, b) => cluster.links.iter().find(|l| l.a == a && l.b == b).cloned(),
        _ => None,
    };
    let cards = if painted {
        std::mem::take(&mut cluster.links)
    } else {
        Vec::new()
    };
    if let Ok(mut p) = shell.links.try_borrow_mut() {
        p.set(m.world.n(), cards, m.presenter);
    }
    let layout = Layout::circle(m.world.n());
    let dispatch = shell.callback();
    let groups: Vec<Vec<NodeId>> = {
        let mut g: Vec<(u32, Vec<NodeId>)> = Vec::new();
        for n in &cluster.nodes {
            match g.iter_mut().find(|(k, _)| *k == n.group) {
                Some((_, v)) => v.push(n.id),
                None => g.push((n.group, vec![n.id])),
            }
        }
        g.into_iter().map(|(_, v)| v).collect()
    };
    let partitioned = groups.len() > 1;
    let onclick = {
        let shell = shell.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(el) = super::event_element(&e, ".cluster") else {
                return;
            };
            let rect = el.get_bounding_client_rect();
            let pt = to_view(
                e.client_x() as f64 - rect.left(),
                e.client_y() as f64 - rect.top(),
                rect.width(),
                rect.height(),
            );
            if std::mem::take(&mut shell.model.borrow_mut().dragged) {
                return;
            }
            let n = shell.model.borrow().world.n();
            let sel = match shell.message_at(pt, 22.0) {
                Some(id) => Selection::Message(id),
                None => match Layout::circle(n).link_at(pt, 14.0) {
                    Some((a, b)) => {
                        shell.dispatch(Action::CycleLink(
                            NodeId::from_index(a),
                            NodeId::from_index(b),
                        ));
                        return;
                    }
                    None => Selection::None,
                },
            };
            shell.dispatch(Action::Select(sel));
        })
    };
    let selected = m.selected;
    let point = |e: &MouseEvent| -> Option<(f64, f64)> {
        let el = super::event_element(e, ".cluster")?;
        let rect = el.get_bounding_client_rect();
        Some(to_view(
            e.client_x() as f64 - rect.left(),
            e.client_y() as f64 - rect.top(),
            rect.width(),
            rect.height(),
        ))
    };
    let onpointerdown = {
        let shell = shell.clone();
        Callback::from(move |e: PointerEvent| {
            use wasm_bindgen::JsCast;
            let on_node = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest(".node").ok().flatten())
                .is_some();
            if e.button() != 0 {
                return;
            }
            // On a node, only the vector-clock view drags (a message from node to node).
            let vclock = matches!(shell.model.borrow().world, crate::world::World::Vclock(_));
            if on_node && !vclock {
                return;
            }
            if let Some((x, y)) = point(&e) {
                shell.dispatch(Action::DragStart(x, y));
            }
        })
    };
    let onpointermove = {
        let shell = shell.clone();
        Callback::from(move |e: PointerEvent| {
            if shell.model.borrow().drag.is_none() {
                // Hovering a message shows its kind and contents.
                use wasm_bindgen::JsCast;
                let Some(el) = super::event_element(&e, ".cluster")
                    .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                else {
                    return;
                };
                let title = point(&e)
                    .and_then(|pt| shell.message_at(pt, 22.0))
                    .and_then(|id| {
                        let m = shell.model.borrow();
                        m.world.flights().into_iter().find(|f| f.id == id).map(|f| {
                            format!(
                                "Message {} from {} to {}: {}",
                                f.kind, f.from, f.to, f.summary
                            )
                        })
                    })
                    .or_else(|| {
                        // Links painted on the canvas are named here (SVG links carry a title).
                        let pt = point(&e)?;
                        let n = shell.model.borrow().world.n();
                        let (a, b) = Layout::circle(n).link_at(pt, 14.0)?;
                        shell.links.borrow().label(a, b).map(str::to_string)
                    })
                    .unwrap_or_default();
                if el.title() != title {
                    el.set_title(&title);
                }
                return;
            }
            if let Some((x, y)) = point(&e) {
                shell.dispatch(Action::DragMove(x, y));
            }
        })
    };
    let onpointerup = {
        let shell = shell.clone();
        Callback::from(move |_: PointerEvent| {
            shell.dispatch(Action::DragEnd);
        })
    };
    let send_from = m.drag.and_then(|d| {
        matches!(m.world, crate::world::World::Vclock(_))
            .then(|| layout.node_at(d.from))
            .flatten()
    });
    let overlay = m.drag.filter(|d| d.is_drag()).map(|d| match m.drag_mode {
        _ if send_from.is_some() => html! {
            <line class="drag-send" x1={d.from.0.to_string()} y1={d.from.1.to_string()} x2={d.to.0.to_string()} y2={d.to.1.to_string()} />
        },
        super::model::DragMode::Select => {
            let (x, y) = (d.from.0.min(d.to.0), d.from.1.min(d.to.1));
            let (w, h) = ((d.from.0 - d.to.0).abs(), (d.from.1 - d.to.1).abs());
            html! { <rect class="drag-box" x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} /> }
        }
        super::model::DragMode::Cut => html! {
            <line class="drag-cut" x1={d.from.0.to_string()} y1={d.from.1.to_string()} x2={d.to.0.to_string()} y2={d.to.1.to_string()} />
        },
    });
    html! {
        <div class={classes!("cluster", (m.drag_mode == super::model::DragMode::Cut).then_some("cut-mode"))}
            {onclick} {onpointerdown} {onpointermove} {onpointerup}>
            <canvas class="layer links-canvas" ref={shell.links_canvas.clone()} aria-hidden="true"></canvas>
            <svg class="layer links" viewBox={view_box()} role="group"
                aria-label={if painted { "Links: select a node to list its links" } else { "Links" }}>
                if partitioned {
                    <g class="islands" aria-hidden="true">
                        { for groups.iter().map(|g| island(g, &layout)) }
                    </g>
                }
                { for cluster.links.iter().map(|l| link_view(l, &layout, selected == Selection::Link(l.a, l.b), &dispatch)) }
                if painted {
                    { for selected_link.iter().map(|l| link_view(l, &layout, true, &dispatch)) }
                }
            </svg>
            <canvas class="layer flights" ref={shell.canvas.clone()} aria-hidden="true"></canvas>
            <svg class="layer nodes" id="cluster" viewBox={view_box()} role="group" aria-label="Nodes">
                { for cluster.nodes.iter().map(|n| node_view(n, &layout, selected == Selection::Node(n.id), m.marked.contains(&n.id), &dispatch)) }
                <g class="node-texts" aria-hidden="true">
                    { for cluster.nodes.iter().map(|n| node_texts(n, &layout)) }
                </g>
                { for overlay }
            </svg>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::convex_hull;

    #[test]
    fn the_hull_of_a_square_with_a_point_inside_is_its_four_corners_in_order() {
        let pts = [
            (2.0, 2.0),
            (0.0, 4.0),
            (1.0, 1.5),
            (0.0, 0.0),
            (4.0, 4.0),
            (4.0, 0.0),
        ];
        let hull = convex_hull(&pts);
        assert_eq!(hull.len(), 4, "{hull:?}");
        for corner in [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)] {
            assert!(hull.contains(&corner), "{corner:?} in {hull:?}");
        }
        // Two points come back sorted by x, then y.
        assert_eq!(
            convex_hull(&[(3.0, -1.0), (-2.5, 7.0)]),
            vec![(-2.5, 7.0), (3.0, -1.0)]
        );
    }
}
