//! `kubectl lattice check [PATH...]`: read the specs, analyze them, print the
//! findings in the chosen format, and decide the exit status.

use std::io::{self, BufWriter, Write as _};
use std::time::Instant;

use lattice_core::{Analysis, Code, Input, InputContent, Options, Severity};

use crate::cli::{CheckArgs, CheckFormat, GlobalArgs};
use crate::load::{LoadOptions, display_path};
use crate::render;
use crate::{Error, ExitStatus};

/// Run `check`: everything the user asked for is printed before the exit
/// status is decided by [`exit_status`].
pub fn run(args: &CheckArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let started = Instant::now();
    let inputs = crate::cluster::inputs(
        &args.paths,
        LoadOptions {
            max_file_size: args.max_file_size,
        },
        global,
    )?;
    if inputs.is_empty() && !global.from_cluster {
        warn_nothing_found(args);
    }
    if global.verbose > 0 {
        report_inputs(&inputs, global.verbose, started);
    }

    let options = Options {
        default_namespace: global.default_namespace().to_owned(),
    };
    let analyzed = Instant::now();
    let analysis = lattice_core::analyze(inputs, &options);
    if global.verbose > 0 {
        eprintln!("note: analyzed in {} ms", analyzed.elapsed().as_millis());
    }

    match write_report(&analysis, args.output, global.color.enabled()) {
        // The reader went away (`| head`); what it wanted was written.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => return Err(Error::Output(error)),
        Ok(()) => {}
    }
    let status = exit_status(&analysis);
    crate::exit_soon(analysis);
    Ok(status)
}

/// The exit status of `check`: 2 when a file or folder could not be read
/// (the answer is incomplete, so neither "clean" nor "errors" can be
/// trusted), else 1 when any diagnostic is an error, else 0. Warnings alone
/// never fail a check.
#[must_use]
pub fn exit_status(analysis: &Analysis) -> ExitStatus {
    let diagnostics = &analysis.diagnostics;
    if diagnostics
        .iter()
        .any(|diagnostic| diagnostic.code == Code::IoError)
    {
        ExitStatus::Failure
    } else if diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error)
    {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
}

fn write_report(analysis: &Analysis, format: CheckFormat, color: bool) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        CheckFormat::Text => render::text::render(analysis, color, &mut out)?,
        CheckFormat::Json => render::json::render(analysis, &mut out)?,
        CheckFormat::Sarif => render::sarif::render(analysis, &mut out)?,
    }
    out.flush()
}

fn warn_nothing_found(args: &CheckArgs) {
    let paths: Vec<String> = args
        .paths
        .iter()
        .map(|path| format!("`{}`", display_path(path)))
        .collect();
    eprintln!(
        "warning: no *.yaml or *.yml files found in {}: pass the folders that hold the specs",
        paths.join(", ")
    );
}

/// `-v`: counts and time; `-vv`: every input with what became of it.
fn report_inputs(inputs: &[Input], verbose: u8, started: Instant) {
    if verbose > 1 {
        for input in inputs {
            let what = match &input.content {
                InputContent::Bytes(bytes) => format!("{} bytes", bytes.len()),
                InputContent::Unreadable(reason) => format!("unreadable: {reason}"),
                InputContent::TooLarge { size, limit } => {
                    format!("not read: {size} bytes, over the limit of {limit}")
                }
            };
            eprintln!("note: {}: {what}", input.path);
        }
    }
    let unread = inputs
        .iter()
        .filter(|i| !matches!(i.content, InputContent::Bytes(_)))
        .count();
    eprintln!(
        "note: {} files found in {} ms, {unread} of them not read",
        inputs.len(),
        started.elapsed().as_millis()
    );
}

#[cfg(test)]
mod tests {
    use lattice_core::{Diagnostic, Location, SourceFile, SourceMap, Span};

    use super::*;

    fn analysis_with(codes: &[(Code, Severity)]) -> Analysis {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("a.yaml", "a: 1\n"));
        let at = Location {
            file,
            span: Span::new(0, 1),
        };
        let diagnostics = codes
            .iter()
            .map(|&(code, severity)| Diagnostic::new(code, at, "m").with_severity(severity))
            .collect();
        Analysis {
            sources,
            diagnostics,
            ..Analysis::default()
        }
    }

    #[test]
    fn no_diagnostics_succeed() {
        assert_eq!(exit_status(&analysis_with(&[])), ExitStatus::Success);
    }

    #[test]
    fn warnings_alone_succeed() {
        let analysis = analysis_with(&[(Code::Wildcard, Severity::Warning)]);
        assert_eq!(exit_status(&analysis), ExitStatus::Success);
    }

    #[test]
    fn an_error_is_a_negative_answer() {
        let analysis = analysis_with(&[
            (Code::Wildcard, Severity::Warning),
            (Code::UnmatchedOutbound, Severity::Error),
        ]);
        assert_eq!(exit_status(&analysis), ExitStatus::Negative);
    }

    #[test]
    fn an_unread_file_makes_the_answer_incomplete() {
        let analysis = analysis_with(&[
            (Code::UnmatchedOutbound, Severity::Error),
            (Code::IoError, Severity::Error),
        ]);
        assert_eq!(exit_status(&analysis), ExitStatus::Failure);
    }
}
