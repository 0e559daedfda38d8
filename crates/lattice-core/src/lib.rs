//! The analysis core of `kubectl-lattice`.
//!
//! It reads Lattice specs (`lattice.dev/v1alpha1` `LatticeService` and
//! `LatticeMeshMember`) from text with exact source spans, builds the agreement
//! graph, and reports [`Diagnostic`]s. It does no I/O and knows nothing of
//! terminals, editors or Kubernetes clients: the front ends hand it
//! [`Input`]s and render what comes back.

pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod model;
pub mod names;
pub mod parsed;
pub mod query;
pub mod read;
pub mod source;
pub mod unmatched;
pub mod view;
pub mod yaml;

pub use diagnostic::{Code, Diagnostic, Fix, Related, Severity};
pub use graph::{Agreement, Consent, Graph};
pub use model::{ServiceId, Workload, WorkloadKind};
pub use source::{FileId, LineCol, Location, SourceFile, SourceMap, Span};

/// One input to an analysis, as a front end obtained it.
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as shown to people (see [`SourceFile::path`]).
    pub path: String,
    /// The bytes, or why there are none.
    pub content: InputContent,
}

/// What a front end could read of one input.
#[derive(Clone, Debug)]
pub enum InputContent {
    /// The file's bytes; the core checks that they are UTF-8.
    Bytes(Vec<u8>),
    /// The file could not be read; the reason is shown to the user.
    Unreadable(String),
    /// The file is larger than the front end's limit and was not read.
    TooLarge {
        /// Size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}

/// Settings of one analysis.
#[derive(Clone, Debug)]
pub struct Options {
    /// Namespace of specs that name none (`-n`, else `default`).
    pub default_namespace: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            default_namespace: "default".to_owned(),
        }
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files read (or attempted).
    pub files: usize,
    /// `LatticeService` documents accepted into the graph.
    pub services: usize,
    /// `LatticeMeshMember` documents accepted into the graph.
    pub mesh_members: usize,
    /// Agreements found.
    pub agreements: usize,
    /// Diagnostics of severity error.
    pub errors: usize,
    /// Diagnostics of severity warning.
    pub warnings: usize,
    /// Documents that are not Lattice specs and were skipped.
    pub skipped_documents: usize,
}

/// The result of one analysis: every file, the graph, every diagnostic
/// (sorted by file, position and code), and the counts.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Every input, unreadable ones included (with empty text).
    pub sources: SourceMap,
    /// The workloads and their agreements.
    pub graph: Graph,
    /// Findings, sorted by file, position, then code.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub summary: Summary,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }
}

/// What reading one file produced.
struct FileResult {
    source: SourceFile,
    workloads: Vec<Workload>,
    diagnostics: Vec<Diagnostic>,
    skipped: usize,
}

/// Analyze `inputs`: read every Lattice spec, match declarations into
/// agreements, and report what is wrong. Bad input in one file never stops
/// the others from being analyzed. Files are read in parallel; the result
/// does not depend on it.
#[must_use]
pub fn analyze(inputs: Vec<Input>, options: &Options) -> Analysis {
    use rayon::prelude::*;

    let results: Vec<FileResult> = inputs
        .into_par_iter()
        .enumerate()
        .map(|(i, input)| read_file(FileId(i as u32), input, &options.default_namespace))
        .collect();
    link(results)
}

/// The part of [`analyze`] after every file was read on its own: find
/// duplicates, build the graph, check it, sort and count. The results must
/// be in file id order.
fn link(results: Vec<FileResult>) -> Analysis {
    let mut sources = SourceMap::default();
    let mut diagnostics = Vec::new();
    let total = results.iter().map(|r| r.workloads.len()).sum();
    let mut workloads: Vec<Workload> = Vec::with_capacity(total);
    // The graph's index, built here to find the ids defined twice.
    let mut index: std::collections::HashMap<ServiceId, graph::WorkloadIndex> =
        std::collections::HashMap::with_capacity(total);
    let mut skipped = 0;
    for result in results {
        sources.add(result.source);
        diagnostics.extend(result.diagnostics);
        skipped += result.skipped;
        for workload in result.workloads {
            if let Some(&first) = index.get(&workload.id) {
                let first = workloads[first].name_location();
                diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateService,
                        workload.name_location(),
                        format!(
                            "{} {} is defined twice; only the first definition is analyzed",
                            workload.kind.as_str(),
                            workload.id
                        ),
                    )
                    .with_label("second definition")
                    .with_related(first, "first defined here")
                    .with_help("rename one of them, or delete the stale copy"),
                );
                continue;
            }
            index.insert(workload.id.clone(), workloads.len());
            workloads.push(workload);
        }
    }

    let graph = Graph::with_index(workloads, index);
    diagnostics.extend(check::check(&graph));
    sort_diagnostics(&mut diagnostics);

    let count = |kind| graph.workloads.iter().filter(|w| w.kind == kind).count();
    let summary = Summary {
        files: sources.len(),
        services: count(WorkloadKind::Service),
        mesh_members: count(WorkloadKind::MeshMember),
        agreements: graph.agreements.len(),
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        skipped_documents: skipped,
    };
    Analysis {
        sources,
        graph,
        diagnostics,
        summary,
    }
}

/// Sort diagnostics into the order of [`Analysis::diagnostics`]: by file,
/// position, code and message. The sort is stable, so diagnostics equal in
/// all four keep the order they were reported in.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.location.file, a.location.span.start, a.code, &a.message).cmp(&(
            b.location.file,
            b.location.span.start,
            b.code,
            &b.message,
        ))
    });
}

fn read_file(file: FileId, input: Input, default_namespace: &str) -> FileResult {
    let here = Location {
        file,
        span: Span::empty(0),
    };
    let mut result = FileResult {
        source: SourceFile::new(input.path, ""),
        workloads: Vec::new(),
        diagnostics: Vec::new(),
        skipped: 0,
    };
    let bytes = match input.content {
        InputContent::Bytes(bytes) => bytes,
        InputContent::Unreadable(reason) => {
            let message = format!("this file could not be read: {reason}");
            result.diagnostics.push(
                Diagnostic::new(Code::IoError, here, message)
                    .with_help("fix the file's permissions or link, or leave it out of the paths"),
            );
            return result;
        }
        InputContent::TooLarge { size, limit } => {
            let message = format!(
                "this file is {:.1} MiB, over the {:.1} MiB limit, and was not read",
                mib(size),
                mib(limit)
            );
            result.diagnostics.push(
                Diagnostic::new(Code::FileTooLarge, here, message).with_help(
                    "split it into smaller files, or raise the limit with --max-file-size",
                ),
            );
            return result;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            result.source = SourceFile::new(result.source.path, lossy);
            let at = result.source.line_col(valid);
            result.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidYaml,
                    Location { file, span: Span::new(valid, valid + 1) },
                    format!(
                        "this file is not UTF-8 text (invalid byte at line {}, column {}); YAML must be UTF-8",
                        at.line, at.column
                    ),
                )
                .with_label("not UTF-8")
                .with_help("convert the file to UTF-8, e.g. `iconv -f LATIN1 -t UTF-8`"),
            );
            return result;
        }
    };
    result.source = SourceFile::new(result.source.path, text);
    let source = &result.source;
    let stream = yaml::parse(&source.text, &source.lines);
    for error in &stream.errors {
        let mut d = Diagnostic::new(
            Code::InvalidYaml,
            Location {
                file,
                span: error.span,
            },
            error.message.clone(),
        );
        if let Some(first) = error.first {
            d = d
                .with_label("duplicate key")
                .with_related(Location { file, span: first }, "first defined here");
        } else {
            d = d.with_label("here");
            if stream.documents.is_empty() {
                d = d.with_help("no document of this file was analyzed");
            } else {
                d = d.with_help("the documents after this point were not analyzed");
            }
        }
        result.diagnostics.push(d);
    }
    if stream.errors.is_empty() && stream.documents.iter().all(|d| d.root.is_none()) {
        result.diagnostics.push(
            Diagnostic::new(Code::EmptyFile, here, "this file holds no YAML document")
                .with_help("delete the file, or add the spec it was meant to hold"),
        );
    }
    let text = read::Text {
        file,
        text: &source.text,
        lines: &source.lines,
    };
    for document in &stream.documents {
        let Some(root) = &document.root else { continue };
        for root in list_items(root) {
            match read::read_document(text, root, default_namespace, &mut result.diagnostics) {
                read::DocumentOutcome::Workload(mut workload) => {
                    workload.valid &= !document.damaged;
                    result.workloads.push(*workload);
                }
                read::DocumentOutcome::Skipped => result.skipped += 1,
                read::DocumentOutcome::Broken => {}
            }
        }
    }
    result
}

/// The documents of a `kind: List` (what `kubectl get -o yaml` prints), or
/// the document itself.
fn list_items(root: &yaml::Node) -> Vec<&yaml::Node> {
    let is_list = root.get("apiVersion").and_then(yaml::Node::as_str) == Some("v1")
        && root.get("kind").and_then(yaml::Node::as_str) == Some("List");
    match root.get("items").and_then(yaml::Node::as_sequence) {
        Some(items) if is_list => items.iter().collect(),
        _ => vec![root],
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "sizes are shown with one decimal"
)]
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
