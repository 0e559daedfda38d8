//! `kubectl lattice path FROM TO [PATH...]`: the shortest chain of
//! agreements from FROM to TO with both declarations of every hop, or with
//! `--all` the simple paths shortest first. The answer is the exit status:
//! 0 a path exists, 1 none does.

use std::time::Instant;

use lattice_core::ServiceId;
use lattice_core::query::{self, Adjacency};
use lattice_core::view;

use crate::cli::{GlobalArgs, PathArgs, PathFormat};
use crate::{Error, ExitStatus, render, specs};

/// Run `path`.
pub fn run(args: &PathArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let analysis = specs::analyze_paths(&args.paths, args.max_file_size, global)?;
    let graph = &analysis.graph;
    let namespace = global.default_namespace();
    let from = query::find(graph, &ServiceId::parse(&args.from, namespace))?;
    let to = query::find(graph, &ServiceId::parse(&args.to, namespace))?;
    if from == to {
        return Err(Error::SameEnds(graph.workloads[from].id.clone()));
    }

    let started = Instant::now();
    let adjacency = Adjacency::new(graph);
    let max_paths = if args.all {
        usize::from(args.max_paths)
    } else {
        1
    };
    let report = view::path_report(&analysis, &adjacency, from, to, max_paths);
    specs::note(global, "searched", started);

    specs::write_stdout(|out| match args.output {
        PathFormat::Text => render::path_text::render(&report, args.all, out),
        PathFormat::Json => specs::write_json(&report, out),
    })?;
    let status = if specs::report_unread(&analysis) {
        ExitStatus::Failure
    } else if report.found {
        ExitStatus::Success
    } else {
        ExitStatus::Negative
    };
    crate::exit_soon((adjacency, analysis));
    Ok(status)
}
