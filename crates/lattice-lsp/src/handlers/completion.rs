//! `textDocument/completion`: field names, enum values, namespaces, and the
//! names of services from the workspace and, when one is configured, the
//! cluster (from a cache that never makes typing wait).

use std::collections::BTreeSet;

use lattice_core::source::LineIndex;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    Range, TextEdit,
};

use crate::complete::{Offer, Place, document_kind, offer, place};
use crate::position::Positions;
use crate::server::{RequestError, Server};

/// Fields whose value is a mapping or a list: the value goes on the next lines.
const BLOCK_FIELDS: [&str; 16] = [
    "metadata",
    "spec",
    "labels",
    "annotations",
    "workload",
    "containers",
    "service",
    "resources",
    "ports",
    "params",
    "target",
    "selector",
    "allowedCallers",
    "dependencies",
    "class",
    "variables",
];

/// What may be written at the cursor.
pub fn handle(
    server: &Server<'_>,
    params: &CompletionParams,
) -> Result<Option<CompletionResponse>, RequestError> {
    let at = &params.text_document_position;
    let path = Server::path_of(&at.text_document.uri);
    let Some(text) = server.workspace.text(&path) else {
        return Ok(None);
    };
    let lines = LineIndex::new(text);
    let positions = Positions::new(text, &lines, server.encoding);
    let offset = positions.offset(at.position);
    let Some(place) = place(text, &lines, offset) else {
        return Ok(None);
    };
    let kind = document_kind(text, &lines, offset);
    let Some(offer) = offer(kind.as_deref(), &place) else {
        return Ok(None);
    };
    let (Place::Key { start, .. } | Place::Value { start, .. }) = place;
    let range = Range::new(positions.position(start), positions.position(offset));
    let item = |label: String, insert: String, kind, detail: Option<String>, sort: String| {
        CompletionItem {
            label,
            kind: Some(kind),
            detail,
            sort_text: Some(sort),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, insert))),
            ..CompletionItem::default()
        }
    };
    let items: Vec<CompletionItem> = match offer {
        Offer::Fields(fields) => fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let insert = if BLOCK_FIELDS.contains(f) {
                    format!("{f}:")
                } else {
                    format!("{f}: ")
                };
                item(
                    (*f).to_owned(),
                    insert,
                    CompletionItemKind::FIELD,
                    None,
                    format!("{i:02}"),
                )
            })
            .collect(),
        Offer::Values(values) => values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let v = (*v).to_owned();
                item(
                    v.clone(),
                    v,
                    CompletionItemKind::ENUM_MEMBER,
                    None,
                    format!("{i:02}"),
                )
            })
            .collect(),
        Offer::Namespaces => namespaces(server)
            .into_iter()
            .map(|(ns, detail)| {
                item(
                    ns.clone(),
                    ns.clone(),
                    CompletionItemKind::MODULE,
                    Some(detail.to_owned()),
                    ns,
                )
            })
            .collect(),
        Offer::Services { wildcard } => {
            let mut items: Vec<CompletionItem> = services(server, &path, offset)
                .into_iter()
                .map(|(name, detail, rank)| {
                    item(
                        name.clone(),
                        name.clone(),
                        CompletionItemKind::VALUE,
                        Some(detail),
                        format!("{rank}{name}"),
                    )
                })
                .collect();
            if wildcard {
                items.push(item(
                    "*".to_owned(),
                    "\"*\"".to_owned(),
                    CompletionItemKind::VALUE,
                    Some("wildcard: every caller (inbound only)".to_owned()),
                    "9*".to_owned(),
                ));
            }
            items
        }
    };
    Ok(Some(CompletionResponse::Array(items)))
}

/// Namespaces of the workspace and the cluster, with where each is from.
fn namespaces(server: &Server<'_>) -> Vec<(String, &'static str)> {
    let analysis = server.workspace.analysis();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let workspace: BTreeSet<&String> = analysis.graph.by_namespace.keys().collect();
    for ns in workspace {
        if seen.insert(ns.clone()) {
            out.push((ns.clone(), "namespace in the workspace"));
        }
    }
    if let Some(snapshot) = server
        .cluster
        .as_ref()
        .and_then(crate::cluster::ClusterCache::names)
    {
        for ns in &snapshot.namespaces {
            if seen.insert(ns.clone()) {
                out.push((ns.clone(), "namespace in the cluster"));
            }
        }
    }
    out
}

/// Service names with a detail and a rank: the document's own namespace
/// first, then other namespaces, then names only the cluster knows.
fn services(
    server: &Server<'_>,
    path: &std::path::Path,
    offset: usize,
) -> Vec<(String, String, u8)> {
    let analysis = server.workspace.analysis();
    let graph = &analysis.graph;
    let file = server.workspace.file_id(path);
    // The workload of the document the cursor is in: the last one named
    // before it in this file.
    let own = file.and_then(|file| {
        let here = graph.workloads.iter().filter(|w| w.file == file);
        here.clone()
            .rfind(|w| w.name_span.start as usize <= offset)
            .or_else(|| here.clone().next())
    });
    let here = own.map_or("default", |w| w.id.namespace.as_str());
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut ids: Vec<_> = graph
        .workloads
        .iter()
        .map(|w| (&w.id, w.kind.as_str()))
        .collect();
    ids.sort();
    for (id, kind) in ids {
        if own.is_some_and(|w| w.id == *id) || !seen.insert(id.name.clone()) {
            continue;
        }
        if id.namespace == here {
            out.push((id.name.clone(), format!("{kind} {id}"), 0));
        } else {
            out.push((
                id.name.clone(),
                format!("{kind} {id}; add `namespace: {}`", id.namespace),
                1,
            ));
        }
    }
    if let Some(snapshot) = server
        .cluster
        .as_ref()
        .and_then(crate::cluster::ClusterCache::names)
    {
        for id in &snapshot.services {
            if seen.insert(id.name.clone()) {
                out.push((id.name.clone(), format!("{id} in the cluster"), 2));
            }
        }
    }
    out
}
