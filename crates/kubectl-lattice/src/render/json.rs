//! `check -o json`: the object fixed by section 3 of the contract, with keys
//! in the contract's order. Additions the contract allows come after the
//! fixed keys: `help` on a diagnostic, `description` on a fix,
//! `skippedDocuments` in the summary.

use std::io::{self, Write};

use lattice_core::{Analysis, Diagnostic, SourceMap, Summary};
use serde::Serialize;

use super::position;

/// Write `analysis` as one pretty-printed JSON object and a final newline.
pub fn render(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let report = Report {
        diagnostics: analysis
            .diagnostics
            .iter()
            .map(|diagnostic| JsonDiagnostic::new(&analysis.sources, diagnostic))
            .collect(),
        summary: JsonSummary::from(&analysis.summary),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Report<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    help: &'a [String],
}

impl<'a> JsonDiagnostic<'a> {
    fn new(sources: &'a SourceMap, diagnostic: &'a Diagnostic) -> Self {
        let at = position(sources, diagnostic.location);
        Self {
            code: diagnostic.code.as_str(),
            severity: diagnostic.severity.as_str(),
            message: &diagnostic.message,
            file: &at.file.path,
            line: at.start.line,
            column: at.start.column,
            end_line: at.end.line,
            end_column: at.end.column,
            related: diagnostic
                .related
                .iter()
                .map(|related| {
                    let at = position(sources, related.location);
                    JsonRelated {
                        file: &at.file.path,
                        line: at.start.line,
                        column: at.start.column,
                        message: &related.message,
                    }
                })
                .collect(),
            fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
                file: &sources.get(fix.file).path,
                line: fix.line,
                insert: &fix.insert,
                description: &fix.description,
            }),
            help: &diagnostic.help,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFix<'a> {
    file: &'a str,
    line: u32,
    insert: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    files: usize,
    services: usize,
    mesh_members: usize,
    agreements: usize,
    errors: usize,
    warnings: usize,
    skipped_documents: usize,
}

impl From<&Summary> for JsonSummary {
    fn from(summary: &Summary) -> Self {
        Self {
            files: summary.files,
            services: summary.services,
            mesh_members: summary.mesh_members,
            agreements: summary.agreements,
            errors: summary.errors,
            warnings: summary.warnings,
            skipped_documents: summary.skipped_documents,
        }
    }
}
