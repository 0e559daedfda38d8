//! Mermaid flowcharts: the agreement graph (`graph -o mermaid`) and the
//! changed part of it (the picture in `diff -o markdown`).
//!
//! Nodes get generated ids (`n0`, `n1`, ...) so that no service name can
//! clash with Mermaid's syntax or keywords (`end`); names appear only in
//! quoted labels, escaped as Mermaid entities. One subgraph per namespace.
//! Escape hatches are orange and labelled, declarations waiting for their
//! counterpart are dashed and red, and a service defined nowhere is a
//! dashed node.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use lattice_core::ServiceId;
use lattice_core::diff::Changes;
use lattice_core::view::{Edge, GraphView, Node, Status};

const WILDCARD: &str = "stroke:#e69500,color:#e69500";
const UNMATCHED: &str = "stroke:#cc0000,color:#cc0000";
const ADDED: &str = "stroke:#1a7f37,stroke-width:2px,color:#1a7f37";
const REMOVED: &str = "stroke:#cc0000,color:#cc0000";

/// Write `view` as a flowchart.
pub fn graph(view: &GraphView, out: &mut dyn Write) -> io::Result<()> {
    let mut chart = Chart::default();
    for node in &view.nodes {
        chart.node(&node.id, node_label(node), node_class(node));
    }
    for edge in &view.edges {
        let (arrow, label, style) = match edge.status {
            Status::Agreement => match (edge.wildcard, edge.enforced) {
                (Some(wildcard), _) => ("-->", Some(wildcard.to_owned()), Some(WILDCARD)),
                (None, false) => ("-->", Some("no policy".to_owned()), None),
                (None, true) => ("-->", None, None),
            },
            status => ("-.->", Some(status.describe().to_owned()), Some(UNMATCHED)),
        };
        chart.edge(&edge.caller, &edge.callee, arrow, label, style);
    }
    chart.write(out)
}

/// Write the changed part of `changes` as a flowchart: added agreements
/// solid and green, removed ones dashed and red, changed ones orange, and
/// declarations the change left unmatched dashed and red. Nothing is
/// written when no agreement or declaration changed.
pub fn diff(changes: &Changes, out: &mut dyn Write) -> io::Result<()> {
    let mut chart = Chart::default();
    let mut ends = |edge: &Edge| {
        for id in [&edge.caller, &edge.callee] {
            chart.ensure(id);
        }
    };
    for edge in changes
        .added
        .iter()
        .chain(&changes.removed)
        .chain(changes.changed.iter().map(|c| &c.new))
        .chain(&changes.newly_unmatched)
    {
        ends(edge);
    }
    if chart.nodes.is_empty() {
        return Ok(());
    }
    for edge in &changes.added {
        let label = match edge.wildcard {
            Some(wildcard) => format!("added, via {wildcard}"),
            None => "added".to_owned(),
        };
        chart.edge(&edge.caller, &edge.callee, "-->", Some(label), Some(ADDED));
    }
    for edge in &changes.removed {
        chart.edge(
            &edge.caller,
            &edge.callee,
            "-.->",
            Some("removed".to_owned()),
            Some(REMOVED),
        );
    }
    for change in &changes.changed {
        let edge = &change.new;
        let label = match (edge.wildcard, edge.enforced) {
            (_, false) => "changed: no policy now".to_owned(),
            (Some(wildcard), true) => format!("changed: now via {wildcard}"),
            (None, true) => "changed: named on both sides now".to_owned(),
        };
        chart.edge(
            &edge.caller,
            &edge.callee,
            "-->",
            Some(label),
            Some(WILDCARD),
        );
    }
    for edge in &changes.newly_unmatched {
        let label = format!("new: {}", edge.status.describe());
        chart.edge(
            &edge.caller,
            &edge.callee,
            "-.->",
            Some(label),
            Some(UNMATCHED),
        );
    }
    chart.write(out)
}

/// Nodes and edges collected before writing, so that nodes can be grouped
/// by namespace and styles given by edge number.
#[derive(Default)]
struct Chart {
    /// Id, label and class of each node, by service.
    nodes: BTreeMap<ServiceId, (String, String, Option<&'static str>)>,
    edges: Vec<String>,
    styles: BTreeMap<&'static str, Vec<usize>>,
}

impl Chart {
    fn node(&mut self, id: &ServiceId, label: String, class: Option<&'static str>) {
        let number = self.nodes.len();
        self.nodes
            .entry(id.clone())
            .or_insert_with(|| (format!("n{number}"), label, class));
    }

    /// A node for `id` labelled with its name, unless there is one.
    fn ensure(&mut self, id: &ServiceId) {
        self.node(id, escape(&id.name), None);
    }

    fn edge(
        &mut self,
        caller: &ServiceId,
        callee: &ServiceId,
        arrow: &str,
        label: Option<String>,
        style: Option<&'static str>,
    ) {
        self.ensure(caller);
        self.ensure(callee);
        let from = &self.nodes[caller].0;
        let to = &self.nodes[callee].0;
        let line = match label {
            Some(label) => format!("{from} {arrow}|\"{}\"| {to}", escape(&label)),
            None => format!("{from} {arrow} {to}"),
        };
        if let Some(style) = style {
            self.styles.entry(style).or_default().push(self.edges.len());
        }
        self.edges.push(line);
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "flowchart LR")?;
        let namespaces: BTreeSet<&str> =
            self.nodes.keys().map(|id| id.namespace.as_str()).collect();
        for (number, namespace) in namespaces.iter().enumerate() {
            writeln!(out, "  subgraph ns{number}[\"{}\"]", escape(namespace))?;
            for (id, (node, label, class)) in &self.nodes {
                if id.namespace != *namespace {
                    continue;
                }
                match class {
                    Some(class) => writeln!(out, "    {node}[\"{label}\"]:::{class}")?,
                    None => writeln!(out, "    {node}[\"{label}\"]")?,
                }
            }
            writeln!(out, "  end")?;
        }
        for edge in &self.edges {
            writeln!(out, "  {edge}")?;
        }
        let classes: BTreeSet<&str> = self.nodes.values().filter_map(|(_, _, c)| *c).collect();
        for class in classes {
            let style = match class {
                "unknown" => "stroke:#cc0000,stroke-dasharray:5 5,color:#cc0000",
                "broken" => "stroke:#cc0000,stroke-width:2px",
                _ => "stroke:#e69500,stroke-width:2px",
            };
            writeln!(out, "  classDef {class} {style}")?;
        }
        for (style, numbers) in &self.styles {
            let numbers: Vec<String> = numbers.iter().map(ToString::to_string).collect();
            writeln!(out, "  linkStyle {} {style}", numbers.join(","))?;
        }
        Ok(())
    }
}

fn node_label(node: &Node) -> String {
    let mut lines = vec![escape(&node.id.name)];
    if !node.defined() {
        lines.push("<i>defined nowhere</i>".to_owned());
    }
    if node.accepts_any_caller {
        lines.push("<i>accepts any caller</i>".to_owned());
    }
    if node.depends_all {
        lines.push("<i>dependsAll</i>".to_owned());
    }
    if node.has_errors {
        lines.push("<i>has errors: no policy</i>".to_owned());
    }
    lines.join("<br/>")
}

fn node_class(node: &Node) -> Option<&'static str> {
    if !node.defined() {
        Some("unknown")
    } else if node.has_errors {
        Some("broken")
    } else if node.accepts_any_caller || node.depends_all {
        Some("wildcard")
    } else {
        None
    }
}

/// `text` safe inside a quoted Mermaid label: the characters Mermaid or
/// its HTML labels would read as syntax become entity codes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(escape("id: \"*\""), "id: #quot;*#quot;");
        assert_eq!(escape("a<b>|#&\n"), "a#lt;b#gt;#124;#35;#amp; ");
    }
}
