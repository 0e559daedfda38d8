//! The policy compiler: the agreements of an [`Analysis`] in, Cilium and
//! Istio objects out (contract section 4).
//!
//! For every agreement A -> B with B's target ports P, A's
//! `CiliumNetworkPolicy` gets an egress rule to B's pods on P, B's gets an
//! ingress rule from A's pods on P, and B's `AuthorizationPolicy` allows A's
//! principal on P. Rules are aggregated into one `CiliumNetworkPolicy` per
//! workload and one `AuthorizationPolicy` per callee; merged rules always
//! allow exactly the (caller, callee, port) triples of the agreements. A
//! default-deny baseline makes everything else denied.
//!
//! Invariants:
//! - Fail closed: a workload whose document has errors takes part in no
//!   rule, as caller or callee; it is listed in [`Compiled::left_out`]
//!   instead, and the output is what it would be without that document.
//!   Nothing it declares can widen a policy.
//! - A callee without ports gets no rule for that agreement (Cilium reads an
//!   empty `toPorts` as every port); the pair is a [`CompileWarning`].
//! - Deterministic: the output depends on the specs and the options, not on
//!   the order of files; objects are sorted by kind, namespace and name.
//! - Pure: no I/O, no clock, no environment.

mod baseline;
mod cilium;
mod doc;
mod emit;
mod istio;
mod meta;
mod objects;
mod render;

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use rayon::prelude::*;

pub use baseline::{BASELINE_NAME, system_namespaces};
pub use cilium::{CLUSTERWIDE_POLICY, NETWORK_POLICY};
pub use doc::Doc;
pub use emit::{to_yaml, write_yaml};
pub use istio::{AUTHORIZATION_POLICY, in_root_namespace, principal, spiffe_id};
pub use meta::{
    AGREEMENTS_ANNOTATION, BASELINE_LABEL, BASELINE_OWNER, MANAGED_BY, MANAGED_BY_LABEL,
    OWNER_ANNOTATION, SERVICE_LABEL, agreement_text, object_name,
};
pub use objects::*;
pub use render::{
    JSON_LIST_END, JSON_LIST_START, json_document, json_item, json_list, json_list_separator,
    to_value, yaml_document, yaml_stream,
};

use crate::diagnostic::{Code, Severity};
use crate::graph::{Agreement, Consent, Graph, WorkloadIndex};
use crate::model::{ServiceId, Workload};
use crate::query::{Adjacency, Direction};
use crate::source::{FileId, Span};
use crate::{Analysis, SourceMap};

/// Settings of one compilation (`compile`'s flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// The mesh's trust domain, the first part of every principal.
    pub trust_domain: String,
    /// Where a mesh-wide Istio baseline goes; istiod is expected there too.
    pub istio_root_namespace: String,
    /// The namespace Cilium runs in, left out of the baseline.
    pub cilium_namespace: String,
    /// More namespaces the baseline leaves alone (`--system-namespace`).
    pub system_namespaces: Vec<String>,
    /// Leave the default-deny baseline out (`--no-baseline`).
    pub no_baseline: bool,
    /// One Istio deny-all in the root namespace instead of one per namespace
    /// that holds specs (`--mesh-wide-baseline`).
    pub mesh_wide_baseline: bool,
    /// Accept output that leaves documents out (`--allow-partial`); see
    /// [`Compiled::refused`].
    pub allow_partial: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            trust_domain: "cluster.local".to_owned(),
            istio_root_namespace: "istio-system".to_owned(),
            cilium_namespace: "kube-system".to_owned(),
            system_namespaces: Vec::new(),
            no_baseline: false,
            mesh_wide_baseline: false,
            allow_partial: false,
        }
    }
}

/// What [`compile`] produced.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The objects, sorted by kind, namespace and name.
    pub objects: Vec<Object>,
    /// Documents and files whose specs are not in `objects`, sorted by path
    /// and line.
    pub left_out: Vec<LeftOut>,
    /// Agreements compiled through a wildcard, and agreements that compile
    /// to no rule; sorted by path and line.
    pub warnings: Vec<CompileWarning>,
    allow_partial: bool,
}

impl Compiled {
    /// Whether the output must not be used: something was left out and the
    /// options do not allow partial output. A front end then prints
    /// [`Compiled::left_out`] and no objects, and exits 1.
    #[must_use]
    pub fn refused(&self) -> bool {
        !self.left_out.is_empty() && !self.allow_partial
    }

    /// The objects as a YAML stream (see [`yaml_stream`]).
    #[must_use]
    pub fn to_yaml(&self) -> String {
        yaml_stream(&self.objects)
    }

    /// The objects as a JSON `List` (see [`json_list`]).
    #[must_use]
    pub fn to_json(&self) -> String {
        json_list(&self.objects)
    }
}

/// A document (or a whole file) whose specs were left out of the output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeftOut {
    /// The file, as shown to people.
    pub path: String,
    /// The 1-based line of the workload's name, or of the problem.
    pub line: u32,
    /// The workload, when the document names one.
    pub workload: Option<ServiceId>,
    /// Why, in words.
    pub reason: String,
    /// The agreements (`caller->callee`) the graph has with this workload,
    /// none of which were compiled.
    pub agreements: Vec<String>,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.reason)?;
        if !self.agreements.is_empty() {
            write!(f, "; agreements left out: {}", self.agreements.join(", "))?;
        }
        Ok(())
    }
}

/// What a [`CompileWarning`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningKind {
    /// The callee accepts the caller only through `id: "*"` or `name: "*"`.
    WildcardAcceptance,
    /// The caller calls the callee only through `dependsAll`.
    DependsAll,
    /// The callee exposes no port, so the agreement compiled to no rule.
    NoPorts,
    /// The callee's pods are in the Istio root namespace: the agreement got
    /// its Cilium rules and no Istio rule, which would apply mesh-wide.
    RootNamespaceCallee,
}

/// An agreement the output encodes in a way worth a look.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CompileWarning {
    /// The file of the declaration at issue (the wildcard, `dependsAll`, or
    /// the callee's name for [`WarningKind::NoPorts`]).
    pub path: String,
    /// Its 1-based line.
    pub line: u32,
    /// What it is about.
    pub kind: WarningKind,
    /// The caller.
    pub caller: ServiceId,
    /// The callee.
    pub callee: ServiceId,
}

impl fmt::Display for CompileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (caller, callee) = (&self.caller, &self.callee);
        write!(f, "{}:{}: ", self.path, self.line)?;
        match self.kind {
            WarningKind::WildcardAcceptance => write!(
                f,
                "{caller} -> {callee} is allowed through a wildcard acceptance of {callee}"
            ),
            WarningKind::DependsAll => write!(
                f,
                "{caller} -> {callee} is allowed through `dependsAll` of {caller}"
            ),
            WarningKind::NoPorts => write!(
                f,
                "{caller} -> {callee} compiles to no rule: {callee} exposes no port"
            ),
            WarningKind::RootNamespaceCallee => write!(
                f,
                "{caller} -> {callee} gets Cilium rules only: {callee} runs in the Istio root \
                 namespace, where an AuthorizationPolicy would apply to every namespace"
            ),
        }
    }
}

/// Compile the agreements of `analysis` into policy objects.
///
/// Each workload's objects are built from its own agreements only, so the
/// workloads are compiled on every core; merged rules are sets, so the
/// result does not depend on the order in which agreements are added.
#[must_use]
pub fn compile(analysis: &Analysis, options: &CompileOptions) -> Compiled {
    let graph = &analysis.graph;
    let mut warnings: Vec<CompileWarning> = graph
        .agreements
        .par_iter()
        .flat_map_iter(|agreement| agreement_warnings(analysis, agreement, options))
        .collect();
    warnings.par_sort();

    let compiler = Compiler::new(analysis, options);
    let mut objects: Vec<Object> = (0..graph.workloads.len())
        .into_par_iter()
        .flat_map_iter(|index| compiler.workload_objects(index))
        .collect();
    objects.extend(compiler.baseline());
    objects.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    Compiled {
        objects,
        left_out: left_out(analysis),
        warnings,
        allow_partial: options.allow_partial,
    }
}

/// Whether agreement `caller -> callee` compiles to rules: both documents
/// may produce policy and the callee exposes a port (`pair_rules` makes
/// rules exactly then).
#[must_use]
pub fn enforced(caller: &Workload, callee: &Workload) -> bool {
    usable(caller) && usable(callee) && !callee.ports.is_empty()
}

/// Whether two definitions of a workload give it and its peers the same
/// rules: everything of a workload that the objects below are made of is
/// compared here (more is harmless, less would hide a change from `diff`).
#[must_use]
pub fn same_policy_inputs(a: &Workload, b: &Workload) -> bool {
    a.id == b.id
        && a.valid == b.valid
        && a.selector == b.selector
        && a.target_namespace == b.target_namespace
        && a.service_account == b.service_account
        && a.ports == b.ports
}

/// One analysis's compiler, for building the objects of one workload at a
/// time: [`compile`] builds all of them, `diff` only those of workloads
/// whose agreements or peers changed.
pub struct Compiler<'a> {
    graph: &'a Graph,
    options: &'a CompileOptions,
    adjacency: Adjacency,
    /// Whether each agreement compiles to rules ([`enforced`]).
    compiles: Vec<bool>,
}

impl<'a> Compiler<'a> {
    /// Index the agreements of `analysis` for compiling with `options`.
    #[must_use]
    pub fn new(analysis: &'a Analysis, options: &'a CompileOptions) -> Self {
        let graph = &analysis.graph;
        let compiles = graph
            .agreements
            .par_iter()
            .map(|agreement| {
                enforced(
                    &graph.workloads[agreement.caller],
                    &graph.workloads[agreement.callee],
                )
            })
            .collect();
        Self {
            graph,
            options,
            adjacency: Adjacency::new(graph),
            compiles,
        }
    }

    /// The workloads the workload at `index` has compiled agreements with,
    /// as its callees (`Outbound`) or its callers (`Inbound`).
    pub fn peers(
        &self,
        index: WorkloadIndex,
        direction: Direction,
    ) -> impl Iterator<Item = WorkloadIndex> + '_ {
        self.adjacency
            .neighbours(index, direction)
            .iter()
            .filter(|&&(_, agreement)| self.compiles[agreement])
            .map(|&(peer, _)| peer)
    }

    /// The number of workloads, the bound of every index.
    #[must_use]
    pub fn workloads(&self) -> usize {
        self.graph.workloads.len()
    }

    /// The default-deny baseline, or nothing with `--no-baseline`.
    #[must_use]
    pub fn baseline(&self) -> Vec<Object> {
        if self.options.no_baseline {
            Vec::new()
        } else {
            baseline::objects(self.graph, self.options)
        }
    }

    /// The objects of the workload at `index`: its `CiliumNetworkPolicy`
    /// with an egress rule for each compiled agreement it calls through and
    /// an ingress rule for each it is called through, and its
    /// `AuthorizationPolicy` with an L7 rule for each of the latter (none in
    /// the Istio root namespace).
    pub fn workload_objects(&self, index: WorkloadIndex) -> impl Iterator<Item = Object> + use<> {
        let (graph, options) = (self.graph, self.options);
        let workload = &graph.workloads[index];
        let mut cilium = cilium::Rules::default();
        let mut cilium_agreements = Vec::new();
        let mut istio = istio::Rules::default();
        let mut istio_agreements = Vec::new();
        for callee in self.peers(index, Direction::Outbound) {
            let callee = &graph.workloads[callee];
            if let Some(rule) = cilium::egress_rule(callee) {
                cilium.add_egress(rule);
                cilium_agreements.push(agreement_text(&workload.id, &callee.id));
            }
        }
        let l7 = !istio::in_root_namespace(workload, &options.istio_root_namespace);
        for caller in self.peers(index, Direction::Inbound) {
            let caller = &graph.workloads[caller];
            if let Some(rule) = cilium::ingress_rule(caller, workload) {
                cilium.add_ingress(rule);
                cilium_agreements.push(agreement_text(&caller.id, &workload.id));
            }
            if !l7 {
                continue;
            }
            if let Some(rule) = istio::pair_rule(caller, workload, &options.trust_domain) {
                istio.add(rule);
                istio_agreements.push(agreement_text(&caller.id, &workload.id));
            }
        }

        let mut objects = Vec::new();
        if cilium_agreements.is_empty() {
            return objects.into_iter();
        }
        let namespace = pod_namespace(workload);
        let name = object_name(&workload.id, namespace);
        let cilium_meta =
            meta::workload_meta(name.clone(), namespace, &workload.id, cilium_agreements);
        objects.extend(
            cilium
                .into_policy(workload, cilium_meta, options)
                .map(Object::Cilium),
        );
        let istio_meta = meta::workload_meta(name, namespace, &workload.id, istio_agreements);
        objects.extend(istio.into_policy(workload, istio_meta).map(Object::Istio));
        objects.into_iter()
    }
}

/// What `compile` says about one agreement: that it goes through a
/// wildcard, that it compiles to no rule, or that it gets no Istio rule.
/// Agreements with a workload that produces no policy get nothing here:
/// [`Compiled::left_out`] names them.
fn agreement_warnings(
    analysis: &Analysis,
    agreement: &Agreement,
    options: &CompileOptions,
) -> impl Iterator<Item = CompileWarning> + use<> {
    let graph = &analysis.graph;
    let caller = &graph.workloads[agreement.caller];
    let callee = &graph.workloads[agreement.callee];
    let mut warnings = Vec::new();
    if !(usable(caller) && usable(callee)) {
        return warnings.into_iter();
    }
    warnings.extend(wildcard_warning(analysis, agreement));
    let kind = if callee.ports.is_empty() {
        Some(WarningKind::NoPorts)
    } else if istio::in_root_namespace(callee, &options.istio_root_namespace) {
        Some(WarningKind::RootNamespaceCallee)
    } else {
        None
    };
    warnings.extend(kind.map(|kind| CompileWarning {
        path: path(&analysis.sources, callee.file),
        line: line(&analysis.sources, callee.file, callee.name_span),
        kind,
        caller: caller.id.clone(),
        callee: callee.id.clone(),
    }));
    warnings.into_iter()
}

/// The three rules agreement `caller -> callee` contributes, before merging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PairRules {
    /// Into the caller's `CiliumNetworkPolicy`.
    pub egress: EgressRule,
    /// Into the callee's `CiliumNetworkPolicy`.
    pub ingress: IngressRule,
    /// Into the callee's `AuthorizationPolicy`; `None` for a callee in the
    /// Istio root namespace, which gets none.
    pub l7: Option<AuthorizationRule>,
}

/// The rules of agreement `caller -> callee`, or `None` when the callee
/// exposes no port. Validity is the caller's business.
pub(crate) fn pair_rules(
    caller: &Workload,
    callee: &Workload,
    options: &CompileOptions,
) -> Option<PairRules> {
    let l7 = istio::pair_rule(caller, callee, &options.trust_domain)?;
    Some(PairRules {
        egress: cilium::egress_rule(callee)?,
        ingress: cilium::ingress_rule(caller, callee)?,
        l7: (!istio::in_root_namespace(callee, &options.istio_root_namespace)).then_some(l7),
    })
}

/// The namespace `workload`'s pods run in, where its objects live: the
/// target namespace of a namespace-target mesh member, else its own.
#[must_use]
pub fn pod_namespace(workload: &Workload) -> &str {
    workload
        .target_namespace
        .as_deref()
        .unwrap_or(&workload.id.namespace)
}

/// Whether `workload` may produce policy: its document is valid and it says
/// which pods it is. The second half holds for every valid document; it is
/// checked again because an empty selector would select a whole namespace.
#[must_use]
pub fn usable(workload: &Workload) -> bool {
    workload.valid && (!workload.selector.is_empty() || workload.target_namespace.is_some())
}

fn wildcard_warning(analysis: &Analysis, agreement: &Agreement) -> Option<CompileWarning> {
    let graph = &analysis.graph;
    let caller = &graph.workloads[agreement.caller];
    let callee = &graph.workloads[agreement.callee];
    let (workload, span, kind) = match (agreement.outbound, agreement.inbound) {
        (Consent::DependsAll, _) => (caller, caller.depends_all?, WarningKind::DependsAll),
        (_, Consent::Wildcard(i)) => (
            callee,
            callee.inbound.get(i)?.span,
            WarningKind::WildcardAcceptance,
        ),
        _ => return None,
    };
    Some(CompileWarning {
        path: path(&analysis.sources, workload.file),
        line: line(&analysis.sources, workload.file, span),
        kind,
        caller: caller.id.clone(),
        callee: callee.id.clone(),
    })
}

/// Every document whose specs are not in the output: workloads with errors,
/// files not (fully) read, second definitions, and documents too broken to
/// name their workload.
fn left_out(analysis: &Analysis) -> Vec<LeftOut> {
    let graph = &analysis.graph;
    let sources = &analysis.sources;
    let mut out = Vec::new();
    let mut files_with_faulty_workloads = BTreeSet::new();
    // The agreements of every faulty workload, in agreement order, from one
    // pass over the agreements (many faulty workloads are a common first
    // run, and a pass each would be quadratic).
    let mut lost: HashMap<WorkloadIndex, Vec<String>> = HashMap::new();
    for g in &graph.agreements {
        for index in [g.caller, g.callee] {
            if !usable(&graph.workloads[index]) {
                let text =
                    agreement_text(&graph.workloads[g.caller].id, &graph.workloads[g.callee].id);
                lost.entry(index).or_default().push(text);
            }
        }
    }
    for (index, workload) in graph.workloads.iter().enumerate() {
        if usable(workload) {
            continue;
        }
        files_with_faulty_workloads.insert(workload.file);
        let agreements = lost.remove(&index).unwrap_or_default();
        out.push(LeftOut {
            path: path(sources, workload.file),
            line: line(sources, workload.file, workload.name_span),
            workload: Some(workload.id.clone()),
            reason: format!(
                "{} {} has errors and produces no policy",
                workload.kind.as_str(),
                workload.id
            ),
            agreements,
        });
    }

    let mut seen = BTreeSet::new();
    for d in &analysis.diagnostics {
        if d.severity != Severity::Error {
            continue;
        }
        let file = d.location.file;
        let reason = match d.code {
            Code::InvalidYaml | Code::IoError | Code::FileTooLarge => {
                format!("not read as specs: {}", d.message)
            }
            Code::DuplicateService => format!("left out: {}", d.message),
            Code::InvalidSpec if !files_with_faulty_workloads.contains(&file) => {
                format!("a document too broken to name its workload: {}", d.message)
            }
            _ => continue,
        };
        if !seen.insert((file, d.code)) {
            continue;
        }
        out.push(LeftOut {
            path: path(sources, file),
            line: line(sources, file, d.location.span),
            workload: None,
            reason,
            agreements: Vec::new(),
        });
    }
    out.sort();
    out
}

fn path(sources: &SourceMap, file: FileId) -> String {
    sources.get(file).path.clone()
}

fn line(sources: &SourceMap, file: FileId, span: Span) -> u32 {
    sources.get(file).line_col(span.start as usize).line
}
