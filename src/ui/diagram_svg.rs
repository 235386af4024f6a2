//! The space-time diagram as SVG markup, for saving it as a picture and for rendering it
//! natively (Yew server-side rendering) in tests. The live view draws the same model on a
//! canvas (`diagram.rs`), which stays fast with thousands of events.

use crate::protocols::vclock::{ArrowEnd, Diagram, EventType};
use crate::sim::SimTime;
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`DiagramSvg`].
#[derive(Properties, PartialEq)]
pub struct DiagramSvgProps {
    /// The diagram's model.
    pub diagram: Rc<Diagram>,
    /// The window's start, microseconds.
    pub start: SimTime,
    /// The window's end, microseconds.
    pub end: SimTime,
}

/// The diagram as an SVG element, 1000 x (40 + 60 per node) units.
#[function_component(DiagramSvg)]
pub fn diagram_svg(props: &DiagramSvgProps) -> Html {
    let d = &props.diagram;
    let (w, left, right) = (1000.0, 50.0, 20.0);
    let row = 60.0;
    let h = 40.0 + row * d.nodes as f64;
    let span = props.end.saturating_sub(props.start).max(1) as f64;
    let x = |t: SimTime| left + (t.saturating_sub(props.start)) as f64 / span * (w - left - right);
    let y = |n: u32| 20.0 + (n as f64 - 0.5) * row;
    let lines = (1..=d.nodes).map(|i| {
        html! { <g class="proc">
            <text x="8" y={(y(i) + 5.0).to_string()}>{ format!("N{i}") }</text>
            <line x1={left.to_string()} y1={y(i).to_string()} x2={(w - right).to_string()} y2={y(i).to_string()} stroke="#b8c0cc" stroke-width="1.5" />
        </g> }
    });
    let arrows = d.arrows.iter().map(|a| {
        let (x1, y1) = (x(a.sent_at), y(a.from.0));
        let (x2, y2, class) = match a.end {
            ArrowEnd::Received { at, .. } => (x(at), y(a.to.0), "msg"),
            ArrowEnd::InFlight { progress, .. } => {
                (x(d.now), y1 + (y(a.to.0) - y1) * progress as f64, "msg in-flight")
            }
            ArrowEnd::Dropped { at, .. } => (x(at), (y1 + y(a.to.0)) / 2.0, "msg dropped"),
        };
        let cross = class == "msg dropped";
        html! { <g class={class}>
            <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} stroke="#7d8796" stroke-width="1.6" />
            if cross {
                <path class="cross" d={format!("M{} {}l10 10m0 -10l-10 10", x2 - 5.0, y2 - 5.0)} stroke="#c62828" stroke-width="2.5" />
            }
        </g> }
    });
    let events = d.events.iter().map(|e| {
        let fill = match e.what {
            EventType::Local => "#5b6472",
            _ => "#1b1f24",
        };
        html! { <circle class="event" data-event={e.id.to_string()} cx={x(e.t).to_string()} cy={y(e.node.0).to_string()} r="5" fill={fill}>
            <title>{ e.label.clone() }</title>
        </circle> }
    });
    html! {
        <svg xmlns="http://www.w3.org/2000/svg" class="diagram-svg" viewBox={format!("0 0 {w} {h}")} font-family="system-ui, sans-serif" font-size="13">
            <title>{ "Space-time diagram" }</title>
            { for lines }
            { for arrows }
            { for events }
        </svg>
    }
}
