//! `kubectl lattice diff OLD NEW`: what changed between two trees of specs,
//! or with `--git` between two revisions read through git without a
//! checkout. Both sides go through the same loader and analysis as every
//! other command; the comparison is the core's.

use std::path::PathBuf;
use std::time::Instant;

use lattice_core::Analysis;
use lattice_core::compile::CompileOptions;
use lattice_core::diff::diff;

use crate::cli::{DiffArgs, DiffFormat, GlobalArgs};
use crate::{Error, ExitStatus, git, render, specs};

/// Run `diff`.
pub fn run(args: &DiffArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let old = side(args, &args.old, global)?;
    let new = side(args, &args.new, global)?;
    let options = CompileOptions {
        trust_domain: args.trust_domain.clone(),
        no_baseline: args.no_baseline,
        ..CompileOptions::default()
    };
    let started = Instant::now();
    let changes = diff(&old, &new, &options);
    specs::note(global, "compared", started);
    let labels = render::diff_text::Labels {
        old: &args.old,
        new: &args.new,
    };

    specs::write_stdout(|out| match args.output {
        DiffFormat::Text => render::diff_text::render(&changes, labels, out),
        DiffFormat::Json => specs::write_json(&changes, out),
        DiffFormat::Markdown => render::markdown::render(&changes, labels, out),
    })?;
    let unread_old = specs::report_unread(&old);
    let unread_new = specs::report_unread(&new);
    let status = if unread_old || unread_new {
        ExitStatus::Failure
    } else if args.exit_code && !changes.is_empty() {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    };
    crate::exit_soon((changes, old, new));
    Ok(status)
}

/// One side: a revision with `--git`, else a file or folder.
fn side(args: &DiffArgs, which: &str, global: &GlobalArgs) -> Result<Analysis, Error> {
    if !args.git {
        return specs::analyze_paths(&[PathBuf::from(which)], args.max_file_size, global);
    }
    let inputs = git::load_revision(which, &args.paths, args.max_file_size)?;
    if inputs.is_empty() {
        eprintln!("warning: revision `{which}` holds no *.yaml or *.yml files here");
    }
    Ok(specs::analyze(inputs, global))
}
