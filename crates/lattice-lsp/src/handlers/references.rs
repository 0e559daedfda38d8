//! `textDocument/references`: every declaration naming a service (who calls
//! it, who accepts it), from its `metadata.name` or from any declaration
//! naming it.

use lattice_core::model::Peer;
use lsp_types::{Location, ReferenceParams};

use super::target_at;
use crate::locate::name_site;
use crate::server::{RequestError, Server};
use crate::status::written;

/// The declarations naming the service, and its own name when asked.
pub fn handle(
    server: &Server<'_>,
    params: &ReferenceParams,
) -> Result<Option<Vec<Location>>, RequestError> {
    let Some((_, target, _)) = target_at(server, &params.text_document_position) else {
        return Ok(None);
    };
    let analysis = server.workspace.analysis();
    let Some(service) = target.service(analysis) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    if params.context.include_declaration {
        if let Some(w) = analysis.graph.get(&service) {
            let w = &analysis.graph.workloads[w];
            out.push(Location::new(
                server.uri_of(w.file),
                server.positions(w.file).range(w.name_span),
            ));
        }
    }
    for (i, w) in analysis.graph.workloads.iter().enumerate() {
        for d in written(w) {
            if *d.peer() == Peer::Named(service.clone()) {
                let site = name_site(analysis, i, d.span);
                out.push(Location::new(
                    server.uri_of(w.file),
                    server.positions(w.file).range(site),
                ));
            }
        }
    }
    Ok(Some(out))
}
