//! `textDocument/codeLens`: the agreement status above every declaration
//! ("agreed", "waiting for payments to accept", "stale: checkout does not
//! call"), and a preview of the generated policies above each service.

use lsp_types::{CodeLens, CodeLensParams, Command};

use super::execute_command::PREVIEW_POLICIES;
use crate::server::{RequestError, Server};
use crate::status::{written, written_label};

/// The lenses of one file.
pub fn handle(
    server: &Server<'_>,
    params: &CodeLensParams,
) -> Result<Option<Vec<CodeLens>>, RequestError> {
    let Some((file, _)) = server.file_of(&params.text_document.uri) else {
        return Ok(None);
    };
    let analysis = server.workspace.analysis();
    let graph = &analysis.graph;
    let positions = server.positions(file);
    let mut lenses = Vec::new();
    for (i, w) in graph.workloads.iter().enumerate() {
        if w.file != file {
            continue;
        }
        if crate::preview::AVAILABLE {
            lenses.push(CodeLens {
                range: positions.range(w.name_span),
                command: Some(Command::new(
                    "preview generated policies".to_owned(),
                    PREVIEW_POLICIES.to_owned(),
                    Some(vec![
                        serde_json::json!(params.text_document.uri.as_str()),
                        serde_json::json!(w.id.to_string()),
                    ]),
                )),
                data: None,
            });
        }
        for d in written(w) {
            lenses.push(CodeLens {
                range: positions.range(d.span),
                // A lens without a command id is a label: nothing runs on a click.
                command: Some(Command::new(
                    written_label(graph, i, &d),
                    String::new(),
                    None,
                )),
                data: None,
            });
        }
    }
    Ok(Some(lenses))
}
