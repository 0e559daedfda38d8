//! `explain`: can one service reach another, why, what the pair compiles
//! to, and the change that makes it work (contract section 5).
//!
//! Invariants:
//! - The verdict is the compiler's: a pair is allowed exactly when
//!   [`compile`](crate::compile::compile) emits rules for it, that is when
//!   the two workloads have an agreement, both documents are valid, and the
//!   callee exposes a port.
//! - The rules shown are the ones the pair contributes, with the kind,
//!   namespace and name of the compiled object they land in; in that object
//!   they may be merged with other callers' rules on the same ports.
//! - A fix is only ever the missing half of the agreement, in the file that
//!   lacks it, written as [`check::counterpart_fix`] writes it.
//! - Pure: no I/O.

use serde::{Serialize, Serializer};

use crate::Analysis;
use crate::check::{self, Side};
use crate::compile::{
    self, AUTHORIZATION_POLICY, AuthorizationRule, CILIUM_API_VERSION, CompileOptions, EgressRule,
    ISTIO_API_VERSION, IngressRule, NETWORK_POLICY, object_name, pod_namespace, spiffe_id, usable,
};
use crate::diagnostic::Fix;
use crate::graph::{Consent, Graph, WorkloadIndex};
use crate::model::{Declaration, Peer, ServiceId, Workload, WorkloadKind};
use crate::names::closest;
use crate::source::Span;

/// The answer for one (caller, callee) pair. Serializes to the JSON form of
/// `explain -o json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// `namespace/name` of the caller.
    #[serde(serialize_with = "as_display")]
    pub caller: ServiceId,
    /// `namespace/name` of the callee.
    #[serde(serialize_with = "as_display")]
    pub callee: ServiceId,
    /// Whether the compiled policies let the caller reach the callee.
    pub allowed: bool,
    /// The caller's consent: an outbound declaration naming the callee, or
    /// `dependsAll`.
    pub outbound: Declared,
    /// The callee's consent: an inbound declaration naming the caller, or a
    /// wildcard acceptance.
    pub inbound: Declared,
    /// For an allowed pair: the egress, ingress and L7 rules it gets, in that
    /// order. Empty otherwise.
    pub policies: Vec<PolicyRule>,
    /// For a denied pair: the missing halves, the caller's file first. In
    /// JSON, `null` when there is none, the fix object when there is one,
    /// and an array of the two when both halves are missing.
    #[serde(serialize_with = "fix_form")]
    pub fix: Vec<ExplainFix>,
    /// The identities of both sides.
    pub spiffe: Identities,
    /// Why, in sentences: missing halves, wildcards, invalid documents,
    /// callees without ports, names that look renamed.
    pub notes: Vec<String>,
}

/// One side's consent and where it is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Declared {
    /// Whether the consent exists, a wildcard included.
    pub declared: bool,
    /// The file of the declaration; `null` when there is none.
    pub file: Option<String>,
    /// Its 1-based line; `null` when there is none.
    pub line: Option<u32>,
    /// Whether the consent is a wildcard (`id: "*"`, `name: "*"`,
    /// `dependsAll`); written only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub wildcard: bool,
}

impl Declared {
    fn none() -> Self {
        Self {
            declared: false,
            file: None,
            line: None,
            wildcard: false,
        }
    }
}

/// A rule the pair contributes, and the object it lands in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// The object's `apiVersion`.
    pub api_version: &'static str,
    /// The object's `kind`.
    pub kind: &'static str,
    /// The object's namespace.
    pub namespace: String,
    /// The object's name.
    pub name: String,
    /// Where in the object: `spec.egress`, `spec.ingress` or `spec.rules`.
    pub field: &'static str,
    /// The rule.
    pub rule: Rule,
}

/// The rule of a [`PolicyRule`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Rule {
    /// A Cilium egress rule.
    Egress(EgressRule),
    /// A Cilium ingress rule.
    Ingress(IngressRule),
    /// An Istio `AuthorizationPolicy` rule.
    Authorization(AuthorizationRule),
}

/// Lines to insert: `insert` goes before 1-based `line` of `file`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExplainFix {
    /// The file to edit, as shown to people.
    pub file: String,
    /// Insert before this line.
    pub line: u32,
    /// The text, each line ending in `\n`, indented as the file is.
    pub insert: String,
    /// What the fix does; for people, not in the JSON form.
    #[serde(skip)]
    pub description: String,
}

/// Full SPIFFE IDs (`spiffe://<trust-domain>/ns/<ns>/sa/<sa>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identities {
    /// The caller's.
    pub caller: String,
    /// The callee's.
    pub callee: String,
}

/// Which name of the pair an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// CALLER.
    Caller,
    /// CALLEE.
    Callee,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Caller => "caller",
            Role::Callee => "callee",
        })
    }
}

/// Why a pair cannot be explained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// A name is defined in no analyzed spec.
    #[error(
        "no such service {name} (the {role}) in the analyzed specs{}",
        did_you_mean(suggestion.as_ref())
    )]
    UnknownService {
        /// Caller or callee.
        role: Role,
        /// The name as given, completed with the default namespace.
        name: ServiceId,
        /// The closest defined service, if one is close.
        suggestion: Option<ServiceId>,
    },
    /// Caller and callee are the same service.
    #[error(
        "{0} is both the caller and the callee; traffic within one service is not governed by agreements"
    )]
    SameService(ServiceId),
}

fn did_you_mean(suggestion: Option<&ServiceId>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean {s}?"))
}

/// Explain whether `caller` can reach `callee` under the policies `compile`
/// makes of `analysis` with `options`.
pub fn explain(
    analysis: &Analysis,
    caller: &ServiceId,
    callee: &ServiceId,
    options: &CompileOptions,
) -> Result<Explanation, ExplainError> {
    let graph = &analysis.graph;
    let a = find(graph, caller, Role::Caller)?;
    let b = find(graph, callee, Role::Callee)?;
    if a == b {
        return Err(ExplainError::SameService(caller.clone()));
    }
    let from = &graph.workloads[a];
    let to = &graph.workloads[b];
    let outbound = outbound_side(analysis, a, &to.id);
    let inbound = inbound_side(analysis, b, &from.id);
    let mut notes = Vec::new();
    let mut fix = Vec::new();
    let mut policies = Vec::new();

    for workload in [from, to] {
        if !usable(workload) {
            notes.push(format!(
                "{} {} ({}) has errors, so it produces no policy and takes part in no agreement; \
                 `kubectl lattice check` shows them",
                workload.kind.as_str(),
                workload.id,
                location(analysis, workload, workload.name_span),
            ));
        }
    }

    let agreement = graph.agreement_between(a, b);
    if let Some(agreement) = agreement {
        if agreement.outbound == Consent::DependsAll {
            notes.push(format!(
                "{} calls {} only through `dependsAll`, a wildcard",
                from.id, to.id
            ));
        }
        if matches!(agreement.inbound, Consent::Wildcard(_)) {
            notes.push(format!(
                "{} accepts {} only through a wildcard acceptance",
                to.id, from.id
            ));
        }
        if usable(from) && usable(to) {
            match compile::pair_rules(from, to, options) {
                Some(rules) => {
                    if rules.l7.is_none() {
                        notes.push(format!(
                            "{} runs in the Istio root namespace {}, where an AuthorizationPolicy \
                             would apply to every namespace: the agreement gets Cilium rules only",
                            to.id, options.istio_root_namespace
                        ));
                    }
                    policies = placed(from, to, rules);
                }
                None => notes.push(format!(
                    "{} exposes no port, so the agreement compiles to no rule; declare the ports \
                     it serves under `{}`",
                    to.id,
                    ports_field(to.kind)
                )),
            }
        }
    } else {
        if !outbound.declared {
            notes.push(format!("{} does not declare a call to {}", from.id, to.id));
            notes.extend(misnamed_peer(analysis, from, &from.outbound, &to.id));
            fix_or_note(analysis, from, &to.id, Side::Outbound, &mut fix, &mut notes);
        }
        if !inbound.declared {
            notes.push(format!("{} does not accept {}", to.id, from.id));
            notes.extend(misnamed_peer(analysis, to, &to.inbound, &from.id));
            fix_or_note(analysis, to, &from.id, Side::Inbound, &mut fix, &mut notes);
        }
        if outbound.declared && inbound.declared {
            notes.push(format!(
                "`dependsAll` of {} never meets a wildcard acceptance: one side must name the other",
                from.id
            ));
            fix_or_note(analysis, to, &from.id, Side::Inbound, &mut fix, &mut notes);
        }
    }

    Ok(Explanation {
        caller: from.id.clone(),
        callee: to.id.clone(),
        allowed: !policies.is_empty(),
        outbound,
        inbound,
        policies,
        fix,
        spiffe: Identities {
            caller: spiffe_id(from, &options.trust_domain),
            callee: spiffe_id(to, &options.trust_domain),
        },
        notes,
    })
}

fn find(graph: &Graph, id: &ServiceId, role: Role) -> Result<WorkloadIndex, ExplainError> {
    graph.get(id).ok_or_else(|| ExplainError::UnknownService {
        role,
        name: id.clone(),
        suggestion: graph.suggest(id),
    })
}

fn outbound_side(analysis: &Analysis, a: WorkloadIndex, callee: &ServiceId) -> Declared {
    let graph = &analysis.graph;
    let caller = &graph.workloads[a];
    if let Some(i) = graph.call(a, callee) {
        return declared(analysis, caller, caller.outbound[i].span, false);
    }
    match caller.depends_all {
        Some(span) => declared(analysis, caller, span, true),
        None => Declared::none(),
    }
}

fn inbound_side(analysis: &Analysis, b: WorkloadIndex, caller: &ServiceId) -> Declared {
    let callee = &analysis.graph.workloads[b];
    match analysis.graph.acceptance(b, caller) {
        Some(Consent::Named(i)) => declared(analysis, callee, callee.inbound[i].span, false),
        Some(Consent::Wildcard(i)) => declared(analysis, callee, callee.inbound[i].span, true),
        Some(Consent::DependsAll) | None => Declared::none(),
    }
}

fn declared(analysis: &Analysis, workload: &Workload, span: Span, wildcard: bool) -> Declared {
    let file = analysis.sources.get(workload.file);
    Declared {
        declared: true,
        file: Some(file.path.clone()),
        line: Some(file.line_col(span.start as usize).line),
        wildcard,
    }
}

fn location(analysis: &Analysis, workload: &Workload, span: Span) -> String {
    let file = analysis.sources.get(workload.file);
    format!("{}:{}", file.path, file.line_col(span.start as usize).line)
}

/// The missing half as a fix in `workload`'s file, or a note saying what to
/// add when the document's layout leaves no safe place.
fn fix_or_note(
    analysis: &Analysis,
    workload: &Workload,
    peer: &ServiceId,
    side: Side,
    fixes: &mut Vec<ExplainFix>,
    notes: &mut Vec<String>,
) {
    if let Some(fix) = check::counterpart_fix(workload, peer, side) {
        fixes.push(explain_fix(analysis, fix));
        return;
    }
    let what = match side {
        Side::Outbound => format!("an outbound declaration to {peer}"),
        Side::Inbound => format!("an inbound declaration for {peer}"),
    };
    notes.push(format!(
        "add {what} to the spec of {} ({}); its layout leaves no safe place to insert one \
         automatically",
        workload.id,
        location(analysis, workload, workload.name_span)
    ));
}

fn explain_fix(analysis: &Analysis, fix: Fix) -> ExplainFix {
    ExplainFix {
        file: analysis.sources.get(fix.file).path.clone(),
        line: fix.line,
        insert: fix.insert,
        description: fix.description,
    }
}

/// A declaration of `declarer` that names no defined service but looks
/// meant for `wanted`: the same name in another namespace, or a close name
/// in `wanted`'s namespace (a rename one side has not followed).
fn misnamed_peer(
    analysis: &Analysis,
    declarer: &Workload,
    declarations: &[Declaration],
    wanted: &ServiceId,
) -> Option<String> {
    declarations.iter().find_map(|d| {
        let Peer::Named(peer) = &d.peer else {
            return None;
        };
        if analysis.graph.get(peer).is_some() {
            return None;
        }
        let at = location(analysis, declarer, d.span);
        if peer.name == wanted.name {
            return Some(format!(
                "{} names {peer} ({at}), which is defined nowhere; {} is in namespace {}: set \
                 `namespace: {}` there",
                declarer.id, wanted.name, wanted.namespace, wanted.namespace
            ));
        }
        let renamed = peer.namespace == wanted.namespace
            && closest(&peer.name, [wanted.name.as_str()]).is_some();
        renamed.then(|| {
            format!(
                "{} names {peer} ({at}), which is defined nowhere: if it is the old name of {}, \
                 rename that entry to `{}` instead of adding one",
                declarer.id, wanted, wanted.name
            )
        })
    })
}

fn placed(from: &Workload, to: &Workload, rules: compile::PairRules) -> Vec<PolicyRule> {
    let object = |workload: &Workload| {
        let namespace = pod_namespace(workload).to_owned();
        let name = object_name(&workload.id, &namespace);
        (namespace, name)
    };
    let (caller_ns, caller_name) = object(from);
    let (callee_ns, callee_name) = object(to);
    let mut placed = vec![
        PolicyRule {
            api_version: CILIUM_API_VERSION,
            kind: NETWORK_POLICY,
            namespace: caller_ns,
            name: caller_name,
            field: "spec.egress",
            rule: Rule::Egress(rules.egress),
        },
        PolicyRule {
            api_version: CILIUM_API_VERSION,
            kind: NETWORK_POLICY,
            namespace: callee_ns.clone(),
            name: callee_name.clone(),
            field: "spec.ingress",
            rule: Rule::Ingress(rules.ingress),
        },
    ];
    if let Some(l7) = rules.l7 {
        placed.push(PolicyRule {
            api_version: ISTIO_API_VERSION,
            kind: AUTHORIZATION_POLICY,
            namespace: callee_ns,
            name: callee_name,
            field: "spec.rules",
            rule: Rule::Authorization(l7),
        });
    }
    placed
}

fn ports_field(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Service => "spec.workload.service.ports",
        WorkloadKind::MeshMember => "spec.ports",
    }
}

fn as_display<S: Serializer>(id: &ServiceId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

fn fix_form<S: Serializer>(fixes: &[ExplainFix], serializer: S) -> Result<S::Ok, S::Error> {
    match fixes {
        [] => serializer.serialize_none(),
        [one] => one.serialize(serializer),
        all => all.serialize(serializer),
    }
}
