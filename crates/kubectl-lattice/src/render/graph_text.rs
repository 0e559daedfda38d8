//! `graph` for people: one section per service with the services it calls
//! (`->`), or with `--to` alone the services that call it (`<-`). Dotted
//! arrows (`..>`, `<..`) are declarations still waiting for their
//! counterpart, with the file and line to look at.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use lattice_core::ServiceId;
use lattice_core::view::{Depth, Edge, GraphView, Node, Status};

/// Write `view` as text.
pub fn render(view: &GraphView, out: &mut dyn Write) -> io::Result<()> {
    let query = view.query.as_ref();
    let callers_first = query.is_none_or(|q| q.from.is_some() || q.to.is_none());
    if let Some(query) = query {
        let depth = match (query.depth, &query.from, &query.to) {
            (Depth::Hops(1), _, _) => ", directly".to_owned(),
            (Depth::Hops(n), _, _) => format!(", within {n} agreements"),
            (Depth::All, Some(_), Some(_)) => String::new(),
            (Depth::All, _, _) => ", through any chain of agreements".to_owned(),
        };
        match (&query.from, &query.to) {
            (Some(from), Some(to)) => writeln!(out, "From {from} to {to}{depth}:")?,
            (Some(from), None) => writeln!(out, "What {from} calls{depth}:")?,
            (None, Some(to)) => writeln!(out, "What can reach {to}{depth}:")?,
            (None, None) => {}
        }
        writeln!(out)?;
    }

    let mut sections: BTreeMap<&ServiceId, Vec<&Edge>> = BTreeMap::new();
    for edge in &view.edges {
        let key = if callers_first {
            &edge.caller
        } else {
            &edge.callee
        };
        sections.entry(key).or_default().push(edge);
    }
    // Every service on some edge, so a service alone in the graph still gets
    // a section in the whole-graph view.
    let touched: BTreeSet<&ServiceId> = view
        .edges
        .iter()
        .flat_map(|edge| [&edge.caller, &edge.callee])
        .collect();
    let mut order: Vec<&Node> = view
        .nodes
        .iter()
        .filter(|node| {
            sections.contains_key(&node.id)
                || is_start(view, &node.id)
                || (query.is_none() && (marked(node) || !touched.contains(&node.id)))
        })
        .collect();
    order.sort_by_key(|node| (node.depth, &node.id));

    for node in order {
        write_header(out, node, query.is_some())?;
        let edges = sections.get(&node.id).map_or(&[][..], Vec::as_slice);
        if edges.is_empty() {
            let none = if callers_first {
                "(calls nothing)"
            } else {
                "(nothing calls it)"
            };
            writeln!(out, "  {none}")?;
        }
        let peer = |edge: &Edge| {
            if callers_first {
                edge.callee.to_string()
            } else {
                edge.caller.to_string()
            }
        };
        let width = edges
            .iter()
            .map(|e| peer(e).chars().count())
            .max()
            .unwrap_or(0);
        for edge in edges {
            let arrow = match (edge.status == Status::Agreement, callers_first) {
                (true, true) => "-->",
                (true, false) => "<--",
                (false, true) => "..>",
                (false, false) => "<..",
            };
            let notes = notes(edge);
            let name = printable(&peer(edge));
            if notes.is_empty() {
                writeln!(out, "  {arrow} {name}")?;
            } else {
                writeln!(out, "  {arrow} {name:<width$}  {}", printable(&notes))?;
            }
        }
    }

    let s = &view.summary;
    writeln!(out)?;
    let wildcards = match s.wildcard_agreements {
        0 => String::new(),
        n => format!(" ({n} through an escape hatch)"),
    };
    writeln!(
        out,
        "{}, {}{wildcards}, {}",
        count(s.workloads, "service", "services"),
        count(s.agreements, "agreement", "agreements"),
        count(
            s.unmatched,
            "unmatched declaration",
            "unmatched declarations"
        ),
    )
}

/// Whether `id` is where the query starts: `--from`, else `--to`.
fn is_start(view: &GraphView, id: &ServiceId) -> bool {
    view.query
        .as_ref()
        .is_some_and(|q| q.from.as_ref().or(q.to.as_ref()) == Some(id))
}

/// Whether the node carries a mark worth a section of its own.
fn marked(node: &Node) -> bool {
    node.accepts_any_caller || node.depends_all || node.has_errors
}

fn write_header(out: &mut dyn Write, node: &Node, with_depth: bool) -> io::Result<()> {
    let mut marks = Vec::new();
    if node.kind == Some("LatticeMeshMember") {
        marks.push("mesh member");
    }
    if !node.defined() {
        marks.push("defined nowhere");
    }
    if node.accepts_any_caller {
        marks.push("accepts any caller");
    }
    if node.depends_all {
        marks.push("dependsAll");
    }
    if node.has_errors {
        marks.push("has errors: no policy");
    }
    let hops;
    if with_depth && let Some(depth) = node.depth.filter(|d| *d > 0) {
        hops = count(depth, "hop away", "hops away");
        marks.push(&hops);
    }
    let id = printable(&node.id.to_string());
    if marks.is_empty() {
        writeln!(out, "{id}")
    } else {
        writeln!(out, "{id}  [{}]", marks.join(", "))
    }
}

/// What to say about an edge beyond its two ends.
fn notes(edge: &Edge) -> String {
    let mut notes = Vec::new();
    let at = |site: &Option<lattice_core::view::Site>| {
        site.as_ref().map_or_else(String::new, ToString::to_string)
    };
    match edge.status {
        Status::Agreement => {
            if let Some(wildcard) = edge.wildcard {
                notes.push(format!("via {wildcard}"));
            }
            if !edge.enforced {
                notes.push("compiles to no policy".to_owned());
            }
        }
        Status::UnmatchedOutbound => notes.push(format!(
            "declared at {}; {} does not accept it",
            at(&edge.outbound),
            edge.callee.name
        )),
        Status::UnmatchedInbound => notes.push(format!(
            "accepted at {}; {} does not declare the call",
            at(&edge.inbound),
            edge.caller.name
        )),
        Status::UnknownService => {
            let (site, verb, ghost) = match &edge.outbound {
                Some(_) => (&edge.outbound, "declared", &edge.callee),
                None => (&edge.inbound, "accepted", &edge.caller),
            };
            notes.push(format!(
                "{verb} at {}; {ghost} is defined nowhere",
                at(site)
            ));
        }
    }
    notes.join("; ")
}

/// `n` with the singular or plural noun.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Names and paths come from the user's files: keep control characters
/// from reaching the terminal.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}
