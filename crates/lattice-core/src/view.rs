//! The agreement graph as `graph` and `path` show it: workloads and edges
//! with their status and the file and line of each side's declaration,
//! restricted to what a query looks at.
//!
//! An edge is an agreement or a half of one: an outbound declaration
//! waiting for acceptance, an acceptance nobody uses, or a declaration
//! naming a service defined nowhere (which then appears as a node that is
//! not defined). Agreements made through an escape hatch (`id: "*"`,
//! `name: "*"`, `dependsAll`) say which. The front ends render these types
//! as text, DOT, Mermaid and JSON; the JSON form is their serialization.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::{Serialize, Serializer};

use crate::check::Side;
use crate::compile::enforced;
use crate::graph::{Agreement, Consent, Graph, WorkloadIndex};
use crate::model::{DeclarationSource, Peer, ServiceId, Workload};
use crate::query::{self, Adjacency, AgreementIndex, Subgraph};
use crate::source::Span;
use crate::unmatched::{Unmatched, unmatched};
use crate::{Analysis, Code};

/// How far a query follows agreements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// At most this many hops (at least 1).
    Hops(usize),
    /// Any number of hops.
    All,
}

impl Depth {
    /// The hop limit, `None` for none.
    #[must_use]
    pub fn limit(self) -> Option<usize> {
        match self {
            Depth::Hops(n) => Some(n),
            Depth::All => None,
        }
    }
}

impl Serialize for Depth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Depth::Hops(n) => serializer.serialize_u64(*n as u64),
            Depth::All => serializer.serialize_str("all"),
        }
    }
}

/// What restricted a [`GraphView`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Query {
    /// The workload whose calls were followed.
    #[serde(serialize_with = "optional_id")]
    pub from: Option<ServiceId>,
    /// The workload whose callers were followed.
    #[serde(serialize_with = "optional_id")]
    pub to: Option<ServiceId>,
    /// How far.
    pub depth: Depth,
}

/// The graph, or the part of it a query looks at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GraphView {
    /// The query; absent for the whole graph.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<Query>,
    /// The workloads, sorted by namespace and name; peers defined nowhere
    /// included.
    pub nodes: Vec<Node>,
    /// Agreements and unmatched declarations, sorted by caller, callee and
    /// status.
    pub edges: Vec<Edge>,
    /// Counts of what is shown.
    pub summary: ViewSummary,
}

/// One workload, or a peer that is defined nowhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `namespace/name`.
    #[serde(serialize_with = "id")]
    pub id: ServiceId,
    /// `LatticeService` or `LatticeMeshMember`; `null` for a peer defined
    /// nowhere.
    pub kind: Option<&'static str>,
    /// The file that defines it.
    pub file: Option<String>,
    /// The line of its `metadata.name`.
    pub line: Option<u32>,
    /// Hops from the query's start (`from`, else `to`); absent without a
    /// query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// It accepts callers through `id: "*"` or `name: "*"`.
    pub accepts_any_caller: bool,
    /// It calls everything that accepts it (`dependsAll`).
    pub depends_all: bool,
    /// Its document has errors, so it produces no policy.
    pub has_errors: bool,
}

impl Node {
    /// Whether a spec defines it.
    #[must_use]
    pub fn defined(&self) -> bool {
        self.kind.is_some()
    }
}

/// What an [`Edge`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Both sides consent.
    Agreement,
    /// The caller declares the call; the callee does not accept it.
    UnmatchedOutbound,
    /// The callee accepts the caller; the caller does not declare the call.
    UnmatchedInbound,
    /// One side names a service that is defined nowhere.
    UnknownService,
}

impl Status {
    /// The diagnostic code of an unmatched status.
    #[must_use]
    pub fn code(self) -> Option<Code> {
        match self {
            Status::Agreement => None,
            Status::UnmatchedOutbound => Some(Code::UnmatchedOutbound),
            Status::UnmatchedInbound => Some(Code::UnmatchedInbound),
            Status::UnknownService => Some(Code::UnknownService),
        }
    }

    /// In a few words, for labels.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Status::Agreement => "agreement",
            Status::UnmatchedOutbound => "not accepted",
            Status::UnmatchedInbound => "accepted, not called",
            Status::UnknownService => "unknown service",
        }
    }
}

/// A caller -> callee edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// `namespace/name` of the caller.
    #[serde(serialize_with = "id")]
    pub caller: ServiceId,
    /// `namespace/name` of the callee.
    #[serde(serialize_with = "id")]
    pub callee: ServiceId,
    /// Agreement or which half.
    pub status: Status,
    /// The escape hatch an agreement goes through, as written: `dependsAll`,
    /// `id: "*"` or `name: "*"`; absent when both sides name each other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wildcard: Option<&'static str>,
    /// The caller's declaration; `null` when it has none.
    pub outbound: Option<Site>,
    /// The callee's declaration; `null` when it has none.
    pub inbound: Option<Site>,
    /// Whether `compile` turns it into rules: an agreement between two
    /// valid documents whose callee exposes a port.
    pub enforced: bool,
}

/// Where a declaration is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Site {
    /// The file, as shown to people.
    pub file: String,
    /// The 1-based line.
    pub line: u32,
    /// Whether it is a wildcard (`id: "*"`, `name: "*"`, `dependsAll`);
    /// written only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub wildcard: bool,
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Counts of a [`GraphView`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewSummary {
    /// Defined workloads shown.
    pub workloads: usize,
    /// Agreements shown.
    pub agreements: usize,
    /// Of those, agreements through an escape hatch.
    pub wildcard_agreements: usize,
    /// Unmatched declarations shown.
    pub unmatched: usize,
}

/// The part of `analysis`'s graph that `subgraph` selects, with the
/// unmatched declarations the same query admits.
// TODO: edges and nodes own copies of their ids and paths, allocated on
// every core; borrowing them from the analysis would make a view of a whole
// 50,000-service graph cheaper still, at the cost of a lifetime on the
// view types.
#[must_use]
pub fn graph_view(analysis: &Analysis, subgraph: &Subgraph, query: Option<Query>) -> GraphView {
    let graph = &analysis.graph;
    let mut edges: Vec<Edge> = subgraph
        .agreements
        .par_iter()
        .map(|&i| agreement_edge(analysis, i))
        .collect();
    let mut members: BTreeSet<WorkloadIndex> = subgraph.nodes.iter().copied().collect();
    let mut ghosts: BTreeSet<ServiceId> = BTreeSet::new();
    for half in unmatched(analysis) {
        let caller = graph.get(half.caller(graph));
        let callee = graph.get(half.callee(graph));
        if !subgraph.admits(caller, callee) {
            continue;
        }
        for (index, id) in [(caller, half.caller(graph)), (callee, half.callee(graph))] {
            match index {
                Some(index) => members.insert(index),
                None => ghosts.insert(id.clone()),
            };
        }
        edges.push(unmatched_edge(analysis, &half));
    }
    // The agreements come sorted; the sort merges the few halves in.
    edges.sort_by(|a, b| (&a.caller, &a.callee, a.status).cmp(&(&b.caller, &b.callee, b.status)));

    let mut nodes: Vec<Node> = members
        .into_iter()
        .map(|i| {
            let mut node = workload_node(analysis, i);
            if query.is_some() {
                node.depth = subgraph.depth(i);
            }
            node
        })
        .collect();
    nodes.extend(ghosts.into_iter().map(|id| Node {
        id,
        kind: None,
        file: None,
        line: None,
        depth: None,
        accepts_any_caller: false,
        depends_all: false,
        has_errors: false,
    }));
    nodes.sort_by(|a, b| a.id.cmp(&b.id));

    let agreements = edges
        .iter()
        .filter(|e| e.status == Status::Agreement)
        .count();
    let summary = ViewSummary {
        workloads: nodes.iter().filter(|n| n.defined()).count(),
        agreements,
        wildcard_agreements: edges.iter().filter(|e| e.wildcard.is_some()).count(),
        unmatched: edges.len() - agreements,
    };
    GraphView {
        query,
        nodes,
        edges,
        summary,
    }
}

/// The answer of `path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathReport {
    /// `namespace/name` of the start.
    #[serde(serialize_with = "id")]
    pub from: ServiceId,
    /// `namespace/name` of the end.
    #[serde(serialize_with = "id")]
    pub to: ServiceId,
    /// Whether a path exists.
    pub found: bool,
    /// The paths, shortest first, each a list of agreements (hops).
    pub paths: Vec<Vec<Edge>>,
    /// Whether more paths exist than were listed.
    pub truncated: bool,
    /// Unmatched declarations between the two that would add a way from
    /// `from` to `to` once completed; listed when no path exists.
    pub blocked: Vec<Edge>,
}

/// The shortest path from `from` to `to`, or with `max_paths` above 1 the
/// simple paths shortest first, and when there is none, the declarations
/// that would open one.
#[must_use]
pub fn path_report(
    analysis: &Analysis,
    adjacency: &Adjacency,
    from: WorkloadIndex,
    to: WorkloadIndex,
    max_paths: usize,
) -> PathReport {
    let graph = &analysis.graph;
    let found = query::all_paths(adjacency, from, to, max_paths.saturating_add(1));
    let truncated = found.len() > max_paths;
    let paths: Vec<Vec<Edge>> = found
        .into_iter()
        .take(max_paths)
        .map(|path| path.iter().map(|&i| agreement_edge(analysis, i)).collect())
        .collect();
    let blocked = if paths.is_empty() {
        blocked(analysis, adjacency, from, to)
    } else {
        Vec::new()
    };
    PathReport {
        from: graph.workloads[from].id.clone(),
        to: graph.workloads[to].id.clone(),
        found: !paths.is_empty(),
        paths,
        truncated,
        blocked,
    }
}

/// Unmatched declarations from a workload `from` reaches (or `from`
/// itself) to one that reaches `to` (or `to` itself).
fn blocked(
    analysis: &Analysis,
    adjacency: &Adjacency,
    from: WorkloadIndex,
    to: WorkloadIndex,
) -> Vec<Edge> {
    let graph = &analysis.graph;
    let between = query::subgraph(adjacency, Some(from), Some(to), None);
    let mut edges: Vec<Edge> = unmatched(analysis)
        .iter()
        .filter(|u| u.code != Code::UnknownService)
        .filter(|u| between.admits(graph.get(u.caller(graph)), graph.get(u.callee(graph))))
        .map(|u| unmatched_edge(analysis, u))
        .collect();
    edges.sort_by(|a, b| (&a.caller, &a.callee).cmp(&(&b.caller, &b.callee)));
    edges
}

/// The edge of agreement `index`.
#[must_use]
pub fn agreement_edge(analysis: &Analysis, index: AgreementIndex) -> Edge {
    let graph = &analysis.graph;
    let agreement = &graph.agreements[index];
    let caller = &graph.workloads[agreement.caller];
    let callee = &graph.workloads[agreement.callee];
    let outbound = consent_site(analysis, caller, agreement.outbound, Side::Outbound);
    let inbound = consent_site(analysis, callee, agreement.inbound, Side::Inbound);
    Edge {
        caller: caller.id.clone(),
        callee: callee.id.clone(),
        status: Status::Agreement,
        wildcard: wildcard(graph, agreement),
        outbound: Some(outbound),
        inbound: Some(inbound),
        enforced: enforced(caller, callee),
    }
}

/// Where `workload` gave `consent` on `side`.
fn consent_site(analysis: &Analysis, workload: &Workload, consent: Consent, side: Side) -> Site {
    let declarations = match side {
        Side::Outbound => &workload.outbound,
        Side::Inbound => &workload.inbound,
    };
    let (span, wildcard) = match consent {
        Consent::Named(i) => (declarations[i].span, false),
        Consent::Wildcard(i) => (declarations[i].span, true),
        Consent::DependsAll => (workload.depends_all.unwrap_or(workload.name_span), true),
    };
    site(analysis, workload, span, wildcard)
}

/// What [`agreement_edge`] says of agreement `index` beyond its two ends
/// and their lines: its escape hatch and whether it is enforced; cheaper
/// than the edge when only those are compared.
#[must_use]
pub fn agreement_traits(
    analysis: &Analysis,
    index: AgreementIndex,
) -> (Option<&'static str>, bool) {
    let graph = &analysis.graph;
    let agreement = &graph.agreements[index];
    let caller = &graph.workloads[agreement.caller];
    let callee = &graph.workloads[agreement.callee];
    (wildcard(graph, agreement), enforced(caller, callee))
}

/// The escape hatch of `agreement`, as written.
fn wildcard(graph: &Graph, agreement: &Agreement) -> Option<&'static str> {
    if agreement.outbound == Consent::DependsAll {
        return Some("dependsAll");
    }
    let Consent::Wildcard(i) = agreement.inbound else {
        return None;
    };
    match graph.workloads[agreement.callee].inbound[i].source {
        DeclarationSource::AllowedCaller => Some("name: \"*\""),
        DeclarationSource::Resource { .. } | DeclarationSource::Dependency => Some("id: \"*\""),
    }
}

/// The edge an unmatched declaration would make.
#[must_use]
pub fn unmatched_edge(analysis: &Analysis, half: &Unmatched) -> Edge {
    let graph = &analysis.graph;
    let declarer = &graph.workloads[half.declarer];
    let written = Some(site(analysis, declarer, half.location.span, false));
    let (outbound, inbound) = match half.side {
        Side::Outbound => (written, None),
        Side::Inbound => (None, written),
    };
    let status = match half.code {
        Code::UnmatchedOutbound => Status::UnmatchedOutbound,
        Code::UnmatchedInbound => Status::UnmatchedInbound,
        _ => Status::UnknownService,
    };
    Edge {
        caller: half.caller(graph).clone(),
        callee: half.callee(graph).clone(),
        status,
        wildcard: None,
        outbound,
        inbound,
        enforced: false,
    }
}

fn workload_node(analysis: &Analysis, index: WorkloadIndex) -> Node {
    let workload = &analysis.graph.workloads[index];
    let at = site(analysis, workload, workload.name_span, false);
    Node {
        id: workload.id.clone(),
        kind: Some(workload.kind.as_str()),
        file: Some(at.file),
        line: Some(at.line),
        depth: None,
        accepts_any_caller: workload
            .inbound
            .iter()
            .any(|d| matches!(d.peer, Peer::Any(_))),
        depends_all: workload.depends_all.is_some(),
        has_errors: !workload.valid,
    }
}

fn site(analysis: &Analysis, workload: &Workload, span: Span, wildcard: bool) -> Site {
    let file = analysis.sources.get(workload.file);
    let line = file.lines.line_of(span.start as usize) + 1;
    Site {
        file: file.path.clone(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        wildcard,
    }
}

fn id<S: Serializer>(id: &ServiceId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

#[expect(
    clippy::ref_option,
    reason = "serde's `serialize_with` passes a reference to the field"
)]
fn optional_id<S: Serializer>(id: &Option<ServiceId>, serializer: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => serializer.collect_str(id),
        None => serializer.serialize_none(),
    }
}
