//! `textDocument/definition`: from a declaration (its key, `id` value or
//! `name` value) to the `metadata.name` of the peer's spec.

use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

use super::target_at;
use crate::locate::Target;
use crate::server::{RequestError, Server};

/// The peer's `metadata.name`, when the peer is in the workspace.
pub fn handle(
    server: &Server<'_>,
    params: &GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>, RequestError> {
    let Some((_, target, _)) = target_at(server, &params.text_document_position_params) else {
        return Ok(None);
    };
    if matches!(target, Target::Service(_)) {
        return Ok(None);
    }
    let analysis = server.workspace.analysis();
    let Some(peer) = target
        .service(analysis)
        .and_then(|id| analysis.graph.get(&id))
    else {
        return Ok(None);
    };
    let peer = &analysis.graph.workloads[peer];
    let range = server.positions(peer.file).range(peer.name_span);
    Ok(Some(GotoDefinitionResponse::Scalar(Location::new(
        server.uri_of(peer.file),
        range,
    ))))
}
