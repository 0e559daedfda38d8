//! `textDocument/prepareRename`: whether the cursor is on something that
//! names a service, and the range of that name.

use lsp_types::{PrepareRenameResponse, TextDocumentPositionParams};

use super::target_at;
use crate::locate::{Target, name_site, unquoted};
use crate::server::{RequestError, Server};

/// The name under the cursor, with the service's name as placeholder.
pub fn handle(
    server: &Server<'_>,
    params: &TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, RequestError> {
    let Some((file, target, offset)) = target_at(server, params) else {
        return Err(RequestError::failed(
            "only a service's metadata.name or a declaration naming a service can be renamed",
        ));
    };
    let analysis = server.workspace.analysis();
    let Some(service) = target.service(analysis) else {
        return Err(RequestError::failed(
            "a wildcard names no service; there is nothing to rename",
        ));
    };
    let span = match target {
        Target::Service(w) => analysis.graph.workloads[w].name_span,
        Target::Declaration { workload, span } => {
            let site = name_site(analysis, workload, span);
            let within =
                |s: lattice_core::Span| s.start as usize <= offset && offset <= s.end as usize;
            if within(span) { span } else { site }
        }
    };
    let text = &analysis.sources.get(file).text;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: server.positions(file).range(unquoted(text, span)),
        placeholder: service.name,
    }))
}
