//! `textDocument/hover`: on a declaration, the status of its agreement and
//! what it compiles to; on a service's name, who calls it and whom it calls.

use std::fmt::Write as _;

use lattice_core::Graph;
use lattice_core::check::Side;
use lattice_core::graph::WorkloadIndex;
use lattice_core::model::Peer;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::target_at;
use crate::locate::{Target, find_written};
use crate::server::{RequestError, Server};
use crate::status::{Status, compiles_to, label, short, status, written};

/// The hover text of the declaration or service under the cursor.
pub fn handle(server: &Server<'_>, params: &HoverParams) -> Result<Option<Hover>, RequestError> {
    let Some((file, target, _)) = target_at(server, &params.text_document_position_params) else {
        return Ok(None);
    };
    let analysis = server.workspace.analysis();
    let graph = &analysis.graph;
    let (text, span) = match target {
        Target::Service(w) => (service_text(graph, w), graph.workloads[w].name_span),
        Target::Declaration { workload, span } => {
            let Some(written) = find_written(analysis, workload, span) else {
                return Ok(None);
            };
            let mut text = String::new();
            if let Some((i, _)) = written.outbound {
                half_text(&mut text, graph, workload, Side::Outbound, i);
            }
            if let Some((i, _)) = written.inbound {
                half_text(&mut text, graph, workload, Side::Inbound, i);
            }
            (text, span)
        }
    };
    let markdown = server
        .client
        .text_document
        .as_ref()
        .and_then(|t| t.hover.as_ref())
        .and_then(|h| h.content_format.as_ref())
        .is_none_or(|formats| formats.contains(&MarkupKind::Markdown));
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value: text,
        }),
        range: Some(server.positions(file).range(span)),
    }))
}

fn half_text(out: &mut String, graph: &Graph, w: WorkloadIndex, side: Side, index: usize) {
    let workload = &graph.workloads[w];
    let here = &workload.id.namespace;
    let s = status(graph, w, side, index);
    let what = match side {
        Side::Outbound => "outbound",
        Side::Inbound => "inbound",
    };
    let peer = match &workload_half(graph, w, side, index) {
        Peer::Named(id) => format!("`{id}`"),
        Peer::Any(Some(ns)) => format!("every caller in namespace `{ns}`"),
        Peer::Any(None) => "every caller".to_owned(),
    };
    let _ = writeln!(out, "**{what}** {peer}: {}\n", label(&s, here));
    let pairs: Vec<(WorkloadIndex, WorkloadIndex)> = match (&s, side) {
        (Status::Agreed { peer, .. }, Side::Outbound) => {
            graph.get(peer).map(|b| (w, b)).into_iter().collect()
        }
        (Status::Agreed { peer, .. }, Side::Inbound) => {
            graph.get(peer).map(|a| (a, w)).into_iter().collect()
        }
        (Status::Wildcard { callers }, _) => callers
            .iter()
            .filter_map(|c| graph.get(c))
            .map(|a| (a, w))
            .collect(),
        (Status::Waiting { callee }, _) => {
            let _ = writeln!(
                out,
                "Nothing is generated: the calls are denied until {} accepts {}.\n",
                short(callee, here),
                workload.id.name
            );
            Vec::new()
        }
        (Status::Stale { caller }, _) => {
            let _ = writeln!(
                out,
                "Nothing is generated: {} declares no call to {}. Remove this acceptance if it is no longer needed.\n",
                short(caller, here),
                workload.id.name
            );
            Vec::new()
        }
        _ => {
            out.push_str("Nothing is generated.\n\n");
            Vec::new()
        }
    };
    for (a, b) in pairs {
        if let Some(&g) = graph.agreement_between(a, b) {
            let _ = writeln!(
                out,
                "`{}` → `{}` compiles to:\n\n{}",
                graph.workloads[a].id,
                graph.workloads[b].id,
                compiles_to(graph, &g)
            );
        }
    }
}

fn workload_half(graph: &Graph, w: WorkloadIndex, side: Side, index: usize) -> Peer {
    let workload = &graph.workloads[w];
    match side {
        Side::Outbound => workload.outbound[index].peer.clone(),
        Side::Inbound => workload.inbound[index].peer.clone(),
    }
}

fn service_text(graph: &Graph, w: WorkloadIndex) -> String {
    let workload = &graph.workloads[w];
    let here = &workload.id.namespace;
    let mut out = format!(
        "**{} `{}`**, service account `{}`\n\n",
        workload.kind.as_str(),
        workload.id,
        workload.service_account
    );
    let mut callers = Vec::new();
    for (a, caller) in graph.workloads.iter().enumerate() {
        for (i, d) in caller.outbound.iter().enumerate() {
            if d.peer == Peer::Named(workload.id.clone()) {
                let s = status(graph, a, Side::Outbound, i);
                callers.push(format!(
                    "`{}` ({})",
                    short(&caller.id, here),
                    label(&s, &caller.id.namespace)
                ));
            }
        }
        if caller.depends_all.is_some() && graph.agreement_between(a, w).is_some() {
            callers.push(format!(
                "`{}` (agreed, dependsAll)",
                short(&caller.id, here)
            ));
        }
    }
    let calls: Vec<String> = written(workload)
        .iter()
        .filter_map(|d| {
            let (i, decl) = d.outbound?;
            let Peer::Named(peer) = &decl.peer else {
                return None;
            };
            Some(format!(
                "`{}` ({})",
                short(peer, here),
                label(&status(graph, w, Side::Outbound, i), here)
            ))
        })
        .collect();
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let _ = writeln!(out, "called by: {}\n", list(&callers));
    let _ = writeln!(out, "calls: {}", list(&calls));
    out
}
