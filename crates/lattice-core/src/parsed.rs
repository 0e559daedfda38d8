//! Analysis from files that were read once and kept.
//!
//! [`crate::analyze`] reads every input each time. A front end that analyzes
//! again after every edit (the language server) keeps one [`ParsedFile`] per
//! file, reads again only the file that changed, and links the whole set with
//! [`analyze_parsed`]. Both paths give the same [`Analysis`] for the same
//! files in the same order.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::model::Workload;
use crate::source::{FileId, SourceFile};
use crate::{Analysis, FileResult, Input, Options, read_file};

/// One file read on its own: its text, the workloads it defines and the
/// diagnostics that concern it alone. Its file id is a placeholder until
/// [`analyze_parsed`] gives it its place.
pub struct ParsedFile {
    result: FileResult,
}

impl std::fmt::Debug for ParsedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedFile")
            .field("path", &self.result.source.path)
            .field("workloads", &self.result.workloads.len())
            .field("diagnostics", &self.result.diagnostics.len())
            .finish_non_exhaustive()
    }
}

impl ParsedFile {
    /// Read one input, as [`crate::analyze`] reads each of its inputs.
    #[must_use]
    pub fn read(input: Input, options: &Options) -> Self {
        Self {
            result: read_file(FileId(0), input, &options.default_namespace),
        }
    }

    /// The file's text as the core sees it (invalid UTF-8 replaced).
    #[must_use]
    pub fn source(&self) -> &SourceFile {
        &self.result.source
    }

    /// The workloads it defines, duplicates of other files included.
    #[must_use]
    pub fn workloads(&self) -> &[Workload] {
        &self.result.workloads
    }

    /// [`ParsedFile::workloads`] as file `id` of an analysis defines them.
    #[must_use]
    pub fn workloads_in(&self, id: FileId) -> Vec<Workload> {
        self.result
            .workloads
            .iter()
            .map(|w| Workload {
                file: id,
                ..w.clone()
            })
            .collect()
    }

    /// The diagnostics that concern this file alone (YAML and spec errors),
    /// pointing into file `id` of an analysis.
    #[must_use]
    pub fn diagnostics_in(&self, id: FileId) -> Vec<Diagnostic> {
        self.result
            .diagnostics
            .iter()
            .map(|d| relocate(d.clone(), id))
            .collect()
    }

    /// Documents that are not Lattice specs and were skipped.
    #[must_use]
    pub fn skipped(&self) -> usize {
        self.result.skipped
    }
}

/// Link files read with [`ParsedFile::read`] into one analysis: file `i` of
/// `files` gets `FileId(i)`. Only the cross-file work (duplicates, the graph,
/// relational checks) is done again.
#[must_use]
pub fn analyze_parsed(files: &[Arc<ParsedFile>]) -> Analysis {
    let results = files
        .iter()
        .enumerate()
        .map(|(i, parsed)| {
            let id = FileId(i as u32);
            FileResult {
                source: parsed.result.source.clone(),
                workloads: parsed.workloads_in(id),
                diagnostics: parsed.diagnostics_in(id),
                skipped: parsed.result.skipped,
            }
        })
        .collect();
    crate::link(results)
}

/// Diagnostics of one file read alone point into that file only.
fn relocate(mut diagnostic: Diagnostic, id: FileId) -> Diagnostic {
    diagnostic.location.file = id;
    for related in &mut diagnostic.related {
        related.location.file = id;
    }
    if let Some(fix) = &mut diagnostic.fix {
        fix.file = id;
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InputContent, analyze};

    fn input(path: &str, text: &str) -> Input {
        Input {
            path: path.to_owned(),
            content: InputContent::Bytes(text.as_bytes().to_vec()),
        }
    }

    #[test]
    fn linking_parsed_files_matches_analyzing_inputs() {
        let a = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a}\nspec:\n  workload:\n    resources:\n      b: {}\n";
        let b = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: b}\nspec:\n  workload:\n    service:\n      ports:\n        http: {port: 80}\n    resources:\n      a:\n        direction: nope\n";
        let inputs = vec![input("a.yaml", a), input("b.yaml", b)];
        let options = Options::default();
        let direct = analyze(inputs.clone(), &options);
        let parsed: Vec<_> = inputs
            .into_iter()
            .map(|i| Arc::new(ParsedFile::read(i, &options)))
            .collect();
        let linked = analyze_parsed(&parsed);
        assert_eq!(direct.diagnostics, linked.diagnostics);
        assert_eq!(direct.summary, linked.summary);
        assert!(
            linked
                .diagnostics
                .iter()
                .any(|d| d.location.file == FileId(1))
        );
    }
}
