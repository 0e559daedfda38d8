//! The relational diagnostics: declarations without a counterpart, unknown
//! peers, wildcards, self-references and callees without ports, each with
//! the counterpart's spec as a related location and, where one exists, the
//! exact lines that fix it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use crate::diagnostic::{Code, Diagnostic, Fix, Severity};
use crate::graph::{Consent, Graph, WorkloadIndex};
use crate::model::{
    Declaration, DeclarationSource, InsertPoint, Peer, ServiceId, Workload, WorkloadKind,
};
use crate::names::closest;
use crate::source::Location;

/// Which side of an agreement a declaration is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The caller's outbound call.
    Outbound,
    /// The callee's inbound acceptance.
    Inbound,
}

/// Report every relational problem of `graph`.
#[must_use]
pub fn check(graph: &Graph) -> Vec<Diagnostic> {
    use rayon::prelude::*;

    let settled = Settled::new(graph);
    // Workloads on every core, in slices whose findings are joined in order.
    let mut out: Vec<Diagnostic> = (0..graph.workloads.len())
        .into_par_iter()
        .fold_chunks(256, Vec::new, |mut found, w| {
            check_declarations(graph, w, &settled, &mut found);
            found
        })
        .flatten_iter()
        .collect();
    check_ports(graph, &mut out);
    out
}

/// The relational problems of the declarations of workload `w` (its
/// unmatched, unknown, wildcard and self-referencing declarations), in the
/// order [`check`] reports them. They all point into `w`'s file.
///
/// `graph.agreements` must be up to date for `w` as a caller: the outbound
/// declarations its agreements are made of are not looked at again.
pub fn check_workload(graph: &Graph, w: WorkloadIndex, out: &mut Vec<Diagnostic>) {
    check_declarations(graph, w, &Settled::of_caller(graph, w), out);
}

/// [`check_workload`] looking at every declaration, agreement or not: what
/// the shortcuts of [`check`] and [`check_workload`] are tested against.
#[doc(hidden)]
pub fn check_workload_in_full(graph: &Graph, w: WorkloadIndex, out: &mut Vec<Diagnostic>) {
    check_declarations(graph, w, &Settled::default(), out);
}

/// What checking the workloads of one graph shares.
///
/// Which named declarations some agreement of the graph is made of: such a
/// declaration has nothing to report (its peer exists, is another workload,
/// and consents), so [`check`] skips the lookups that would show it, and
/// checks the rest in full. One flag per declaration, the outbound and the
/// inbound ones of each workload in turn.
///
/// For one workload checked alone, only its outbound declarations, from
/// its own agreements (a few, found by binary search): a caller of a shared
/// service would otherwise look through all of that service's inbound
/// declarations.
///
/// And the "did you mean" found for each unknown peer so far: a renamed
/// service is usually named by many others, and each search compares the
/// name with every name of its namespace.
#[derive(Default)]
struct Settled {
    /// Where each workload's flags start: its outbound ones, then its inbound.
    starts: Vec<usize>,
    flags: Vec<bool>,
    /// The one workload whose outbound declarations `flags` are, when
    /// checked alone.
    caller: Option<WorkloadIndex>,
    suggestions: Mutex<HashMap<ServiceId, Option<(String, WorkloadIndex)>>>,
}

impl Settled {
    fn new(graph: &Graph) -> Self {
        let mut starts = Vec::with_capacity(graph.workloads.len());
        let mut total = 0;
        for w in &graph.workloads {
            starts.push(total);
            total += w.outbound.len() + w.inbound.len();
        }
        let mut flags = vec![false; total];
        for agreement in &graph.agreements {
            if let Consent::Named(i) = agreement.outbound {
                flags[starts[agreement.caller] + i] = true;
            }
            if let Consent::Named(j) = agreement.inbound {
                let callee = agreement.callee;
                flags[starts[callee] + graph.workloads[callee].outbound.len() + j] = true;
            }
        }
        Self {
            starts,
            flags,
            ..Self::default()
        }
    }

    /// The outbound declarations of `w` that its agreements are made of.
    fn of_caller(graph: &Graph, w: WorkloadIndex) -> Self {
        let Some(workload) = graph.workloads.get(w) else {
            return Self::default();
        };
        let agreements = &graph.agreements;
        let start = agreements.partition_point(|g| graph.workloads[g.caller].id < workload.id);
        let mut flags = vec![false; workload.outbound.len()];
        for agreement in agreements[start..].iter().take_while(|g| g.caller == w) {
            if let Consent::Named(i) = agreement.outbound
                && let Some(flag) = flags.get_mut(i)
            {
                *flag = true;
            }
        }
        Self {
            flags,
            caller: Some(w),
            ..Self::default()
        }
    }

    /// [`suggest`], once per peer.
    fn suggest(&self, graph: &Graph, peer: &ServiceId) -> Option<(String, WorkloadIndex)> {
        let memo = || {
            self.suggestions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(found) = memo().get(peer) {
            return found.clone();
        }
        let found = suggest(graph, peer);
        memo().insert(peer.clone(), found.clone());
        found
    }

    fn outbound(&self, w: WorkloadIndex, i: usize) -> bool {
        match self.caller {
            Some(caller) => caller == w && self.flags.get(i).copied().unwrap_or(false),
            None => self
                .starts
                .get(w)
                .is_some_and(|&start| self.flags[start + i]),
        }
    }

    fn inbound(&self, graph: &Graph, w: WorkloadIndex, j: usize) -> bool {
        self.caller.is_none()
            && self
                .starts
                .get(w)
                .is_some_and(|&start| self.flags[start + graph.workloads[w].outbound.len() + j])
    }
}

fn check_declarations(
    graph: &Graph,
    w: WorkloadIndex,
    settled: &Settled,
    out: &mut Vec<Diagnostic>,
) {
    let Some(workload) = graph.workloads.get(w) else {
        return;
    };
    for (i, declaration) in workload.outbound.iter().enumerate() {
        if !settled.outbound(w, i) {
            check_outbound(graph, w, declaration, settled, out);
        }
    }
    for (j, declaration) in workload.inbound.iter().enumerate() {
        if !settled.inbound(graph, w, j) {
            check_inbound(graph, w, declaration, settled, out);
        }
    }
    if let Some(span) = workload.depends_all {
        out.push(
            Diagnostic::new(
                Code::Wildcard,
                Location {
                    file: workload.file,
                    span,
                },
                format!(
                    "{} calls every service that accepts it (`dependsAll`)",
                    workload.id
                ),
            )
            .with_label("escape hatch")
            .with_help("list the services it calls under `dependencies` instead"),
        );
    }
}

fn check_outbound(
    graph: &Graph,
    a: WorkloadIndex,
    declaration: &Declaration,
    settled: &Settled,
    out: &mut Vec<Diagnostic>,
) {
    let caller = &graph.workloads[a];
    let Peer::Named(peer) = &declaration.peer else {
        return;
    };
    let here = Location {
        file: caller.file,
        span: declaration.span,
    };
    if *peer == caller.id {
        out.push(self_reference(caller, here));
        return;
    }
    let Some(b) = graph.get(peer) else {
        out.push(unknown(graph, settled, caller, peer, here, Side::Outbound));
        return;
    };
    if graph.acceptance(b, &caller.id).is_some() {
        return;
    }
    let callee = &graph.workloads[b];
    let fix = counterpart_fix(callee, &caller.id, Side::Inbound);
    let mut d = Diagnostic::new(
        Code::UnmatchedOutbound,
        here,
        format!(
            "{} calls {}, but {} does not accept it: no policy is generated and the calls are denied",
            caller.id, callee.id, callee.id.name
        ),
    )
    .with_label(format!("outbound declaration to {}", callee.id))
    .with_related(callee.name_location(), format!("{} is defined here, without an inbound declaration for {}", callee.id, caller.id.name));
    if fix.is_none() {
        d = d.with_help(format!(
            "add an inbound declaration for {} to the spec of {}",
            caller.id, callee.id
        ));
    }
    out.push(d.with_fix(fix));
}

fn check_inbound(
    graph: &Graph,
    b: WorkloadIndex,
    declaration: &Declaration,
    settled: &Settled,
    out: &mut Vec<Diagnostic>,
) {
    let callee = &graph.workloads[b];
    let here = Location {
        file: callee.file,
        span: declaration.span,
    };
    let peer = match &declaration.peer {
        Peer::Named(peer) => peer,
        Peer::Any(scope) => {
            let whom = match scope {
                Some(ns) => format!("every caller in namespace {ns}"),
                None => "every caller in every namespace".to_owned(),
            };
            out.push(
                Diagnostic::new(
                    Code::Wildcard,
                    here,
                    format!("{} accepts {whom} that declares a call to it", callee.id),
                )
                .with_label("wildcard acceptance")
                .with_help(
                    "name each caller in its own inbound declaration, so every path is reviewed",
                ),
            );
            return;
        }
    };
    if *peer == callee.id {
        // The outbound half of `direction: both` already reported it.
        if declaration.source != (DeclarationSource::Resource { both: true }) {
            out.push(self_reference(callee, here));
        }
        return;
    }
    let Some(a) = graph.get(peer) else {
        out.push(unknown(graph, settled, callee, peer, here, Side::Inbound));
        return;
    };
    let caller = &graph.workloads[a];
    if graph.call(a, &callee.id).is_some() || caller.depends_all.is_some() {
        return;
    }
    if let Some(d) = renamed_call(graph, caller, callee, here) {
        out.push(d);
        return;
    }
    let fix = counterpart_fix(caller, &callee.id, Side::Outbound);
    let mut d = Diagnostic::new(
        Code::UnmatchedInbound,
        here,
        format!(
            "{} accepts {}, but {} does not call it: a stale or one-sided acceptance",
            callee.id, caller.id, caller.id.name
        ),
    )
    .with_label(format!("inbound declaration from {}", caller.id))
    .with_related(
        caller.name_location(),
        format!(
            "{} is defined here, without an outbound declaration to {}",
            caller.id, callee.id.name
        ),
    )
    .with_help(format!(
        "remove this declaration if {} no longer calls {}; if it does, declare the call:",
        caller.id.name, callee.id.name
    ));
    if fix.is_none() {
        d = d.with_help(format!(
            "add an outbound declaration to {} in the spec of {}",
            callee.id, caller.id
        ));
    }
    out.push(d.with_fix(fix));
}

/// An acceptance whose caller does call, but under a name that exists
/// nowhere and looks like this callee's: the callee was renamed and the
/// caller's spec still uses the old name. The fix is the rename, not a new
/// declaration.
fn renamed_call(
    graph: &Graph,
    caller: &Workload,
    callee: &Workload,
    here: Location,
) -> Option<Diagnostic> {
    let stale = caller.outbound.iter().find(|d| match &d.peer {
        Peer::Named(p) => {
            graph.get(p).is_none()
                && (p.name == callee.id.name
                    || (p.namespace == callee.id.namespace
                        && closest(&p.name, [callee.id.name.as_str()]).is_some()))
        }
        Peer::Any(_) => false,
    })?;
    let Peer::Named(old) = &stale.peer else {
        return None;
    };
    let (what, help) = if old.name == callee.id.name {
        (
            "a namespace mismatch?",
            format!(
                "set `namespace: {}` on that entry in the spec of {}",
                callee.id.namespace, caller.id
            ),
        )
    } else {
        (
            "a renamed service?",
            format!(
                "rename `{}` to `{}` in the spec of {} (or set `id: {}` on that entry)",
                old.name, callee.id.name, caller.id, callee.id.name
            ),
        )
    };
    Some(
        Diagnostic::new(
            Code::UnmatchedInbound,
            here,
            format!(
                "{} accepts {}, but {} calls {old} instead, which is defined nowhere: {what}",
                callee.id, caller.id, caller.id.name
            ),
        )
        .with_label(format!("inbound declaration from {}", caller.id))
        .with_related(
            Location {
                file: caller.file,
                span: stale.span,
            },
            format!("{} calls {old} here", caller.id),
        )
        .with_help(help),
    )
}

fn self_reference(workload: &Workload, here: Location) -> Diagnostic {
    Diagnostic::new(
        Code::SelfReference,
        here,
        format!(
            "{} names itself; traffic within a service needs no agreement",
            workload.id
        ),
    )
    .with_label("names its own service")
    .with_help("remove this declaration")
}

fn unknown(
    graph: &Graph,
    settled: &Settled,
    declarer: &Workload,
    peer: &ServiceId,
    here: Location,
    side: Side,
) -> Diagnostic {
    let known_namespace = graph.by_namespace.contains_key(&peer.namespace);
    let (verb, label) = match side {
        Side::Outbound => ("calls", "outbound declaration"),
        Side::Inbound => ("accepts", "inbound declaration"),
    };
    let message = if known_namespace {
        format!("{} {verb} {peer}, which is defined nowhere", declarer.id)
    } else {
        format!(
            "{} {verb} {peer}, which is defined nowhere in the analyzed specs; namespace {} is not among them",
            declarer.id, peer.namespace
        )
    };
    let mut d = Diagnostic::new(Code::UnknownService, here, message)
        .with_label(format!("{label} naming an unknown service"));
    if !known_namespace {
        d = d.with_severity(Severity::Warning);
    }
    if let Some((suggestion, index)) = settled.suggest(graph, peer) {
        let target = &graph.workloads[index];
        d = d.with_help(suggestion).with_related(
            target.name_location(),
            format!("{} is defined here", target.id),
        );
    } else if !known_namespace {
        d = d.with_help(format!(
            "analyze the specs of namespace {} too, or check the `namespace` field",
            peer.namespace
        ));
    }
    d
}

/// "Did you mean": the same name in another namespace, else the closest name
/// in the peer's namespace (a renamed service is the usual cause). Among
/// several namespaces holding the name, the first by id, so the advice does
/// not depend on the order the files were read in.
fn suggest(graph: &Graph, peer: &ServiceId) -> Option<(String, WorkloadIndex)> {
    let same_name = graph.by_name.get(&peer.name).and_then(|v| {
        v.iter()
            .copied()
            .min_by(|&a, &b| graph.workloads[a].id.cmp(&graph.workloads[b].id))
    });
    if let Some(i) = same_name {
        let found = &graph.workloads[i].id;
        return Some((
            format!(
                "did you mean {found}? {} exists in namespace {}: set `namespace: {}`",
                found.name, found.namespace, found.namespace
            ),
            i,
        ));
    }
    let candidates = graph.by_namespace.get(&peer.namespace)?;
    let names = candidates
        .iter()
        .map(|&i| graph.workloads[i].id.name.as_str());
    let best = closest(&peer.name, names)?;
    let i = *candidates
        .iter()
        .find(|&&i| graph.workloads[i].id.name == best)?;
    Some((format!("did you mean `{best}`? (a renamed service?)"), i))
}

fn check_ports(graph: &Graph, out: &mut Vec<Diagnostic>) {
    // The callers of each callee without ports, gathered in one pass over
    // the agreements: a workspace that declares no ports at all would
    // otherwise scan every agreement once per callee.
    let mut callers: HashMap<WorkloadIndex, Vec<WorkloadIndex>> = HashMap::new();
    let mut callees = Vec::new();
    for agreement in &graph.agreements {
        if graph.workloads[agreement.callee].ports.is_empty() {
            callers
                .entry(agreement.callee)
                .or_insert_with(|| {
                    callees.push(agreement.callee);
                    Vec::new()
                })
                .push(agreement.caller);
        }
    }
    for callee in callees {
        out.extend(portless(graph, callee, &callers[&callee]));
    }
}

/// The `no-ports` warning of `callee`: it is the callee of agreements but
/// exposes no port. It points into `callee`'s file.
#[must_use]
pub fn no_ports(graph: &Graph, callee: WorkloadIndex) -> Option<Diagnostic> {
    if graph.workloads.get(callee)?.ports.is_empty() {
        let callers: Vec<WorkloadIndex> = graph
            .agreements
            .iter()
            .filter(|g| g.callee == callee)
            .map(|g| g.caller)
            .collect();
        portless(graph, callee, &callers)
    } else {
        None
    }
}

/// The warning of [`no_ports`] for a callee without ports and its
/// `callers`, in agreement order; `None` for no callers.
fn portless(graph: &Graph, callee: WorkloadIndex, callers: &[WorkloadIndex]) -> Option<Diagnostic> {
    if callers.is_empty() {
        return None;
    }
    let workload = &graph.workloads[callee];
    let callers: Vec<String> = callers
        .iter()
        .map(|&a| graph.workloads[a].id.to_string())
        .collect();
    let (field, example) = match workload.kind {
        WorkloadKind::Service => ("spec.workload.service.ports", "`http: {port: 8080}`"),
        WorkloadKind::MeshMember => ("spec.ports", "`- {port: 8080, name: http}`"),
    };
    Some(
        Diagnostic::new(
            Code::NoPorts,
            workload.name_location(),
            format!(
                "{} accepts {} but exposes no port, so its agreements compile to no rule",
                workload.id,
                callers.join(", ")
            ),
        )
        .with_label("callee without ports")
        .with_help(format!(
            "declare the ports it serves under `{field}`, e.g. {example}"
        )),
    )
}

/// The lines that add `peer` as a declaration of `side` to `workload`'s
/// document, in that document's indentation, or `None` when the document's
/// layout (flow style, no `spec`) leaves no safe place.
#[must_use]
pub fn counterpart_fix(workload: &Workload, peer: &ServiceId, side: Side) -> Option<Fix> {
    let point = match side {
        Side::Outbound => workload.insert.outbound.as_ref()?,
        Side::Inbound => workload.insert.inbound.as_ref()?,
    };
    let cross_namespace = peer.namespace != workload.id.namespace;
    let mut text = String::new();
    if point.needs_newline {
        text.push('\n');
    }
    text.push_str(&point.prefix);
    match workload.kind {
        WorkloadKind::Service => {
            service_entry(&mut text, point, workload, peer, side, cross_namespace);
        }
        WorkloadKind::MeshMember => list_item(&mut text, point, peer, cross_namespace),
    }
    let what = match side {
        Side::Outbound => format!("declare the call to {peer}"),
        Side::Inbound => format!("accept {peer}"),
    };
    Some(Fix {
        description: format!("{what} in the spec of {}", workload.id),
        file: workload.file,
        line: point.line,
        insert: text,
    })
}

fn service_entry(
    text: &mut String,
    point: &InsertPoint,
    workload: &Workload,
    peer: &ServiceId,
    side: Side,
    cross_namespace: bool,
) {
    let taken = |k: &str| workload.insert.taken_keys.iter().any(|t| t == k);
    let direction = match side {
        Side::Outbound => "outbound",
        Side::Inbound => "inbound",
    };
    let key = if taken(&peer.name) {
        let mut key = format!("{}-{direction}", peer.name);
        if taken(&key) && cross_namespace {
            key = format!("{}-{}-{direction}", peer.name, peer.namespace);
        }
        key
    } else {
        peer.name.clone()
    };
    let pad = " ".repeat(point.indent);
    let inner = " ".repeat(point.indent + point.step);
    let _ = write!(
        text,
        "{pad}{key}:\n{inner}type: service\n{inner}direction: {direction}\n"
    );
    if key != peer.name {
        let _ = writeln!(text, "{inner}id: {}", peer.name);
    }
    if cross_namespace {
        let _ = writeln!(text, "{inner}namespace: {}", peer.namespace);
    }
}

fn list_item(text: &mut String, point: &InsertPoint, peer: &ServiceId, cross_namespace: bool) {
    let pad = " ".repeat(point.indent);
    let _ = writeln!(text, "{pad}- name: {}", peer.name);
    if cross_namespace {
        let _ = writeln!(text, "{pad}  namespace: {}", peer.namespace);
    }
}
