//! The language server's document model under random edits: two open
//! specs, a sequence of incremental changes (ranges anywhere, including
//! past line ends and inside multi-byte characters) applied through the
//! workspace, with analyses in between. At the end the published
//! diagnostics must equal those of a fresh workspace opened with the final
//! texts, and of the core's analysis of those texts.

#![no_main]

#[path = "../../crates/lattice-core/tests/workspace_model/mod.rs"]
mod workspace_model;

use std::path::PathBuf;

use arbitrary::Arbitrary;
use lattice_core::{Options, analyze};
use lattice_lsp::diagnostics::by_file;
use lattice_lsp::position::Encoding;
use lattice_lsp::workspace::{MAX_FILE_SIZE, Workspace};
use libfuzzer_sys::fuzz_target;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

const CALLER: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: checkout\nspec:\n  workload:\n    resources:\n      payments:\n        type: service\n";
const CALLEE: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: payments # 🚀 café\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 8080\r\n    resources:\n      checkout:\n        direction: inbound\n";

/// Pieces of text an editor types into specs, multi-byte ones included.
const SNIPPETS: [&str; 18] = [
    "\n", "  ", "- ", ": ", "name: web", "direction: inbound\n", "---\n", "\"", "🚀", "é",
    "\r\n", "resources:\n", "apiVersion: lattice.dev/v1alpha1\n", "*", "{", "}", "checkout", "\t",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Snippet(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Edit {
    second_file: bool,
    start: (u8, u8),
    end: (u8, u8),
    text: Text,
    /// Replace the whole text instead of a range.
    whole: bool,
    /// Analyze after this edit, as the server does after every change.
    refresh: bool,
}

#[derive(Arbitrary, Debug)]
struct Session {
    utf8: bool,
    edits: Vec<Edit>,
}

fuzz_target!(|session: Session| {
    let encoding = if session.utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
    let paths = [PathBuf::from("/fuzz/checkout.yaml"), PathBuf::from("/fuzz/payments.yaml")];
    let open = |texts: [&str; 2]| {
        let mut ws = Workspace::new(Options::default(), MAX_FILE_SIZE);
        for (path, text) in paths.iter().zip(texts) {
            let uri = lattice_lsp::uri::from_path(path);
            ws.open(path.clone(), uri, text.to_owned(), 1);
        }
        ws.refresh();
        ws
    };

    let mut ws = open([CALLER, CALLEE]);
    for (version, edit) in session.edits.iter().take(64).enumerate() {
        let text = match &edit.text {
            Text::Snippet(i) => SNIPPETS[usize::from(*i) % SNIPPETS.len()].to_owned(),
            Text::Raw(s) => s.clone(),
        };
        let range = (!edit.whole).then(|| {
            Range::new(
                Position::new(u32::from(edit.start.0 % 24), u32::from(edit.start.1)),
                Position::new(u32::from(edit.end.0 % 24), u32::from(edit.end.1)),
            )
        });
        let change = TextDocumentContentChangeEvent { range, range_length: None, text };
        let path = &paths[usize::from(edit.second_file)];
        ws.change(path, vec![change], version as i32 + 2, encoding);
        if edit.refresh {
            ws.refresh();
        }
    }
    ws.refresh();

    let texts = [0, 1].map(|i| ws.text(&paths[i]).unwrap_or_default().to_owned());
    let fresh = open([&texts[0], &texts[1]]);
    assert_eq!(by_file(&ws, encoding), by_file(&fresh, encoding), "texts: {texts:#?}");

    let files: Vec<(String, String)> = paths
        .iter()
        .zip(&texts)
        .filter(|(_, t)| t.contains("lattice.dev/"))
        .map(|(p, t)| (p.to_string_lossy().into_owned(), t.clone()))
        .collect();
    let core = analyze(workspace_model::inputs(&files), &Options::default());
    assert_eq!(
        workspace_model::normalized(ws.analysis()),
        workspace_model::normalized(&core),
        "texts: {texts:#?}"
    );
});
