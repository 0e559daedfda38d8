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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rayon::prelude::*;

pub use baseline::{BASELINE_NAME, system_namespaces};
pub use cilium::{CLUSTERWIDE_POLICY, NETWORK_POLICY};
pub use emit::{to_yaml, write_yaml};
pub use istio::{AUTHORIZATION_POLICY, in_root_namespace, principal, spiffe_id};
pub use meta::{
    AGREEMENTS_ANNOTATION, BASELINE_LABEL, BASELINE_OWNER, MANAGED_BY, MANAGED_BY_LABEL,
    OWNER_ANNOTATION, SERVICE_LABEL, agreement_text, object_name,
};
pub use objects::*;
pub use doc::Doc;
pub use render::{
    JSON_LIST_END, JSON_LIST_START, json_document, json_item, json_list, json_list_separator,
    to_value, yaml_document, yaml_stream,
};

use crate::diagnostic::{Code, Severity};
use crate::graph::{Agreement, Consent, WorkloadIndex};
use crate::model::{ServiceId, Workload};
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
#[must_use]
pub fn compile(analysis: &Analysis, options: &CompileOptions) -> Compiled {
    let graph = &analysis.graph;
    // Each agreement's rules on every core; merged into the plans in order.
    let all_rules: Vec<Option<Option<PairRules>>> = graph
        .agreements
        .par_iter()
        .map(|agreement| {
            let caller = &graph.workloads[agreement.caller];
            let callee = &graph.workloads[agreement.callee];
            (usable(caller) && usable(callee)).then(|| pair_rules(caller, callee, options))
        })
        .collect();
    let mut plans: BTreeMap<WorkloadIndex, Plan> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (agreement, rules) in graph.agreements.iter().zip(all_rules) {
        let caller = &graph.workloads[agreement.caller];
        let callee = &graph.workloads[agreement.callee];
        let Some(rules) = rules else {
            continue;
        };
        warnings.extend(wildcard_warning(analysis, agreement));
        let Some(rules) = rules else {
            warnings.push(CompileWarning {
                path: path(&analysis.sources, callee.file),
                line: line(&analysis.sources, callee.file, callee.name_span),
                kind: WarningKind::NoPorts,
                caller: caller.id.clone(),
                callee: callee.id.clone(),
            });
            continue;
        };
        let text = agreement_text(&caller.id, &callee.id);
        let plan = plans.entry(agreement.caller).or_default();
        plan.cilium.add_egress(rules.egress);
        plan.cilium_agreements.push(text.clone());
        let plan = plans.entry(agreement.callee).or_default();
        plan.cilium.add_ingress(rules.ingress);
        plan.cilium_agreements.push(text.clone());
        match rules.l7 {
            Some(l7) => {
                plan.istio.add(l7);
                plan.istio_agreements.push(text);
            }
            None => warnings.push(CompileWarning {
                path: path(&analysis.sources, callee.file),
                line: line(&analysis.sources, callee.file, callee.name_span),
                kind: WarningKind::RootNamespaceCallee,
                caller: caller.id.clone(),
                callee: callee.id.clone(),
            }),
        }
    }

    let plans: Vec<(WorkloadIndex, Plan)> = plans.into_iter().collect();
    let mut objects: Vec<Object> = plans
        .into_par_iter()
        .flat_map_iter(|(index, plan)| {
            let workload = &graph.workloads[index];
            let namespace = pod_namespace(workload);
            let name = object_name(&workload.id, namespace);
            let cilium_meta = meta::workload_meta(
                name.clone(),
                namespace,
                &workload.id,
                &plan.cilium_agreements,
            );
            let cilium = plan.cilium.into_policy(workload, cilium_meta, options);
            let istio_meta =
                meta::workload_meta(name, namespace, &workload.id, &plan.istio_agreements);
            let istio = plan.istio.into_policy(workload, istio_meta);
            [cilium.map(Object::Cilium), istio.map(Object::Istio)]
                .into_iter()
                .flatten()
        })
        .collect();
    if !options.no_baseline {
        objects.extend(baseline::objects(graph, options));
    }
    objects.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    warnings.sort();

    Compiled {
        objects,
        left_out: left_out(analysis),
        warnings,
        allow_partial: options.allow_partial,
    }
}

/// What one workload's objects collect.
#[derive(Debug, Default)]
struct Plan {
    cilium: cilium::Rules,
    cilium_agreements: Vec<String>,
    istio: istio::Rules,
    istio_agreements: Vec<String>,
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
    for (index, workload) in graph.workloads.iter().enumerate() {
        if usable(workload) {
            continue;
        }
        files_with_faulty_workloads.insert(workload.file);
        let agreements = graph
            .agreements
            .iter()
            .filter(|g| g.caller == index || g.callee == index)
            .map(|g| agreement_text(&graph.workloads[g.caller].id, &graph.workloads[g.callee].id))
            .collect();
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
