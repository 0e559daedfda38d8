//! `textDocument/codeAction`: the quick fix that inserts the missing
//! counterpart declaration into the other service's file, and the preview
//! of the generated policies of the service under the cursor.

use std::collections::HashMap;

use lattice_core::{Fix, Span};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, Command,
    TextEdit, WorkspaceEdit,
};

use super::execute_command::PREVIEW_POLICIES;
use crate::diagnostics::to_lsp;
use crate::server::{RequestError, Server};

/// The fixes of the diagnostics in the range, and the preview.
pub fn handle(
    server: &Server<'_>,
    params: &CodeActionParams,
) -> Result<Option<CodeActionResponse>, RequestError> {
    let Some((file, _)) = server.file_of(&params.text_document.uri) else {
        return Ok(None);
    };
    let analysis = server.workspace.analysis();
    let wanted = |kind: &CodeActionKind| {
        params
            .context
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| kind.as_str().starts_with(o.as_str())))
    };
    let asked = server.positions(file).span(params.range);
    let overlaps = |s: Span| s.start <= asked.end && asked.start <= s.end;
    let mut actions = Vec::new();
    if wanted(&CodeActionKind::QUICKFIX) {
        for d in &analysis.diagnostics {
            let Some(fix) = &d.fix else { continue };
            if d.location.file != file || !overlaps(d.location.span) {
                continue;
            }
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: capitalized(&fix.description),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(d, &server.workspace, server.encoding)]),
                edit: Some(fix_edit(server, fix)),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    if crate::preview::AVAILABLE && wanted(&CodeActionKind::SOURCE) {
        let here = analysis
            .graph
            .workloads
            .iter()
            .filter(|w| w.file == file)
            .take_while(|w| w.name_span.start <= asked.end)
            .last()
            .or_else(|| analysis.graph.workloads.iter().find(|w| w.file == file));
        if let Some(w) = here {
            let title = format!("Preview generated policies of {}", w.id);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::SOURCE),
                command: Some(Command::new(
                    title,
                    PREVIEW_POLICIES.to_owned(),
                    Some(vec![
                        serde_json::json!(params.text_document.uri.as_str()),
                        serde_json::json!(w.id.to_string()),
                    ]),
                )),
                ..CodeAction::default()
            }));
        }
    }
    Ok(Some(actions))
}

/// The core's fix as an edit of the file it names (usually another file
/// than the one the diagnostic is in).
fn fix_edit(server: &Server<'_>, fix: &Fix) -> WorkspaceEdit {
    let positions = server.positions(fix.file);
    let at = positions.position(positions.line_start(fix.line));
    let edit = TextEdit::new(lsp_types::Range::new(at, at), fix.insert.clone());
    WorkspaceEdit::new(HashMap::from([(server.uri_of(fix.file), vec![edit])]))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
