//! `textDocument/rename`: rename a service everywhere: its `metadata.name`
//! and every declaration naming it, across files (resource keys, `id`
//! values, mesh member `name` values).

use std::collections::HashMap;

use lattice_core::model::{DeclarationSource, Peer};
use lattice_core::names::dns_label_problem;
use lattice_core::{FileId, ServiceId, Span};
use lsp_types::{RenameParams, TextEdit, WorkspaceEdit};

use super::target_at;
use crate::locate::{name_site, unquoted};
use crate::server::{RequestError, Server};
use crate::status::written;

/// The edits of the rename, or why it cannot be done.
pub fn handle(
    server: &Server<'_>,
    params: &RenameParams,
) -> Result<Option<WorkspaceEdit>, RequestError> {
    let new = params.new_name.trim();
    if let Some(problem) = dns_label_problem(new) {
        return Err(RequestError::invalid_params(format!(
            "{new:?} is not a valid service name: it {problem}"
        )));
    }
    let Some((_, target, _)) = target_at(server, &params.text_document_position) else {
        return Ok(None);
    };
    let analysis = server.workspace.analysis();
    let Some(old) = target.service(analysis) else {
        return Err(RequestError::failed("a wildcard names no service"));
    };
    let renamed = ServiceId::new(old.namespace.clone(), new);
    if renamed == old {
        return Ok(None);
    }
    if analysis.graph.get(&renamed).is_some() {
        return Err(RequestError::failed(format!(
            "{renamed} already exists; rename it first or choose another name"
        )));
    }

    let mut sites: Vec<(FileId, Span)> = Vec::new();
    if let Some(w) = analysis.graph.get(&old) {
        let w = &analysis.graph.workloads[w];
        sites.push((w.file, w.name_span));
    }
    for (i, w) in analysis.graph.workloads.iter().enumerate() {
        for d in written(w) {
            if *d.peer() != Peer::Named(old.clone()) {
                continue;
            }
            let site = name_site(analysis, i, d.span);
            let is_key = site == d.span
                && d.outbound
                    .or(d.inbound)
                    .is_some_and(|(_, d)| matches!(d.source, DeclarationSource::Resource { .. }));
            if is_key && w.insert.taken_keys.iter().any(|k| k == new) {
                return Err(RequestError::failed(format!(
                    "{} already has a resource named `{new}`; give the entry for {old} an `id` first",
                    w.id
                )));
            }
            sites.push((w.file, site));
        }
    }
    sites.sort();
    sites.dedup();

    #[expect(
        clippy::mutable_key_type,
        reason = "lsp-types keys workspace edits by Uri, whose hash is that of its text"
    )]
    let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
    for (file, span) in sites {
        let text = &analysis.sources.get(file).text;
        let range = server.positions(file).range(unquoted(text, span));
        changes
            .entry(server.uri_of(file))
            .or_default()
            .push(TextEdit::new(range, new.to_owned()));
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}
