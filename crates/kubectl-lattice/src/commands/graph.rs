//! `kubectl lattice graph [PATH...]`: the agreement graph, or the part of it
//! around `--from` (what a service calls) and `--to` (what can reach it),
//! as text, DOT, Mermaid or JSON.

use std::time::Instant;

use lattice_core::ServiceId;
use lattice_core::query::{self, Adjacency};
use lattice_core::view::{self, Depth, Query};

use crate::cli::{GlobalArgs, GraphArgs, GraphFormat};
use crate::{Error, ExitStatus, render, specs};

/// Run `graph`.
pub fn run(args: &GraphArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let analysis = specs::analyze_paths(&args.paths, args.max_file_size, global)?;
    let graph = &analysis.graph;
    let namespace = global.default_namespace();
    let find = |name: &Option<String>| {
        name.as_deref()
            .map(|name| query::find(graph, &ServiceId::parse(name, namespace)))
            .transpose()
    };
    let from = find(&args.from)?;
    let to = find(&args.to)?;

    let started = Instant::now();
    let adjacency = Adjacency::new(graph);
    let asked = from.is_some() || to.is_some();
    let depth = args.depth.unwrap_or(if from.is_some() && to.is_some() {
        Depth::All
    } else {
        Depth::Hops(1)
    });
    let limit = if asked { depth.limit() } else { None };
    let subgraph = query::subgraph(&adjacency, from, to, limit);
    let query = asked.then(|| Query {
        from: from.map(|i| graph.workloads[i].id.clone()),
        to: to.map(|i| graph.workloads[i].id.clone()),
        depth,
    });
    let view = view::graph_view(&analysis, &subgraph, query);
    specs::note(global, "queried", started);

    specs::write_stdout(|out| match args.output {
        GraphFormat::Text => render::graph_text::render(&view, out),
        GraphFormat::Dot => render::dot::render(&view, out),
        GraphFormat::Mermaid => render::mermaid::graph(&view, out),
        GraphFormat::Json => specs::write_json(&view, out),
    })?;
    let status = if specs::report_unread(&analysis) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    crate::exit_soon((view, analysis));
    Ok(status)
}
