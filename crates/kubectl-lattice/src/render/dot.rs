//! `graph -o dot`: Graphviz, one cluster per namespace.
//!
//! Solid edges are agreements; escape hatches (`id: "*"`, `name: "*"`,
//! `dependsAll`) are orange and labelled; dashed red edges are declarations
//! waiting for their counterpart, and a service defined nowhere is a dashed
//! red node. Every id and label is a quoted DOT string, escaped.

use std::collections::BTreeMap;
use std::io::{self, Write};

use lattice_core::view::{Edge, GraphView, Node, Status};

const WILDCARD_COLOUR: &str = "darkorange";
const UNMATCHED_COLOUR: &str = "red3";

/// Write `view` as one DOT `digraph`.
pub fn render(view: &GraphView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph lattice {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"
    )?;
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];")?;

    let mut namespaces: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for node in &view.nodes {
        namespaces.entry(&node.id.namespace).or_default().push(node);
    }
    for (namespace, nodes) in namespaces {
        writeln!(
            out,
            "  subgraph {} {{",
            quote(&format!("cluster_{namespace}"))
        )?;
        writeln!(out, "    label={};", quote(namespace))?;
        writeln!(out, "    color=grey70;")?;
        for node in nodes {
            writeln!(out, "    {};", node_statement(view, node))?;
        }
        writeln!(out, "  }}")?;
    }
    for edge in &view.edges {
        writeln!(out, "  {};", edge_statement(edge))?;
    }
    writeln!(out, "}}")
}

fn node_statement(view: &GraphView, node: &Node) -> String {
    let mut label = vec![node.id.name.clone()];
    let mut attributes = Vec::new();
    if !node.defined() {
        label.push("defined nowhere".to_owned());
        attributes.push("style=\"rounded,dashed\"".to_owned());
        attributes.push(format!("color={UNMATCHED_COLOUR}"));
    }
    if node.kind == Some("LatticeMeshMember") {
        attributes.push("shape=ellipse".to_owned());
    }
    if node.accepts_any_caller {
        label.push("accepts any caller".to_owned());
        attributes.push(format!("color={WILDCARD_COLOUR}"));
    }
    if node.depends_all {
        label.push("dependsAll".to_owned());
        attributes.push(format!("color={WILDCARD_COLOUR}"));
    }
    if node.has_errors {
        label.push("has errors: no policy".to_owned());
        attributes.push(format!("fontcolor={UNMATCHED_COLOUR}"));
    }
    let start = view
        .query
        .as_ref()
        .is_some_and(|q| q.from.as_ref() == Some(&node.id) || q.to.as_ref() == Some(&node.id));
    if start {
        attributes.push("penwidth=2".to_owned());
    }
    attributes.insert(0, format!("label={}", quote_lines(&label)));
    format!(
        "{} [{}]",
        quote(&node.id.to_string()),
        attributes.join(", ")
    )
}

fn edge_statement(edge: &Edge) -> String {
    let mut attributes = Vec::new();
    match edge.status {
        Status::Agreement => {
            if let Some(wildcard) = edge.wildcard {
                attributes.push(format!("label={}", quote(wildcard)));
                attributes.push(format!("color={WILDCARD_COLOUR}"));
                attributes.push(format!("fontcolor={WILDCARD_COLOUR}"));
            }
            if !edge.enforced {
                attributes.push("style=dotted".to_owned());
            }
        }
        status => {
            attributes.push("style=dashed".to_owned());
            attributes.push(format!("color={UNMATCHED_COLOUR}"));
            attributes.push(format!("fontcolor={UNMATCHED_COLOUR}"));
            attributes.push(format!("label={}", quote(status.describe())));
        }
    }
    let ends = format!(
        "{} -> {}",
        quote(&edge.caller.to_string()),
        quote(&edge.callee.to_string())
    );
    if attributes.is_empty() {
        ends
    } else {
        format!("{ends} [{}]", attributes.join(", "))
    }
}

/// `text` as a DOT double-quoted string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lines joined with DOT's `\n` escape, each line escaped.
fn quote_lines(lines: &[String]) -> String {
    let quoted: Vec<String> = lines
        .iter()
        .map(|line| {
            let q = quote(line);
            q[1..q.len() - 1].to_owned()
        })
        .collect();
    format!("\"{}\"", quoted.join("\\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(
            quote_lines(&["x\"".to_owned(), "y".to_owned()]),
            "\"x\\\"\\ny\""
        );
    }
}
