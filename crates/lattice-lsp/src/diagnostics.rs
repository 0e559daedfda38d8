//! The one conversion of the core's [`Diagnostic`] to an LSP diagnostic, and
//! the grouping of an analysis's diagnostics by file for publishing (every
//! file after a full link, one file after an incremental update).

use std::collections::BTreeMap;
use std::path::PathBuf;

use lattice_core::{Diagnostic, FileId, Severity};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString};

use crate::position::{Encoding, Positions};
use crate::workspace::Workspace;

/// The `source` of every diagnostic this server publishes.
pub const SOURCE: &str = "lattice";

/// `d` as LSP shows it: code, severity, the message followed by its help
/// lines, and the related locations (the counterpart's spec) in their own
/// files.
#[must_use]
pub fn to_lsp(d: &Diagnostic, workspace: &Workspace, encoding: Encoding) -> lsp_types::Diagnostic {
    let analysis = workspace.analysis();
    let file = analysis.sources.get(d.location.file);
    let range = Positions::of(file, encoding).range(d.location.span);
    let mut message = d.message.clone();
    for help in &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related = d
        .related
        .iter()
        .map(|r| {
            let file = analysis.sources.get(r.location.file);
            DiagnosticRelatedInformation {
                location: Location::new(
                    workspace.uri(workspace.path(r.location.file)),
                    Positions::of(file, encoding).range(r.location.span),
                ),
                message: r.message.clone(),
            }
        })
        .collect::<Vec<_>>();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: None,
        source: Some(SOURCE.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The LSP diagnostics of every analyzed file, empty lists included, by path.
#[must_use]
pub fn by_file(
    workspace: &Workspace,
    encoding: Encoding,
) -> BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = workspace
        .analyzed_paths()
        .iter()
        .map(|p| (p.clone(), Vec::new()))
        .collect();
    for d in &workspace.analysis().diagnostics {
        let path = workspace.path(d.location.file);
        if let Some(list) = out.get_mut(path) {
            list.push(to_lsp(d, workspace, encoding));
        }
    }
    out
}

/// The LSP diagnostics of analyzed file `id`.
#[must_use]
pub fn of_file(
    workspace: &Workspace,
    id: FileId,
    encoding: Encoding,
) -> Vec<lsp_types::Diagnostic> {
    let all = &workspace.analysis().diagnostics;
    let start = all.partition_point(|d| d.location.file < id);
    let end = all.partition_point(|d| d.location.file <= id);
    all[start..end]
        .iter()
        .map(|d| to_lsp(d, workspace, encoding))
        .collect()
}
