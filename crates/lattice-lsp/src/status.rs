//! What a declaration amounts to: the status of the agreement it takes part
//! in, and the rules that agreement compiles to. Hover and code lenses both
//! say it from here, so they never disagree.

use std::fmt::Write as _;

use lattice_core::check::Side;
use lattice_core::graph::WorkloadIndex;
use lattice_core::model::{Declaration, Peer};
use lattice_core::{Agreement, Consent, Graph, ServiceId, Span, Workload};

/// The trust domain of the principals shown: the compiler's default.
pub const TRUST_DOMAIN: &str = "cluster.local";

/// The status of one side's declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Both sides consent; `wildcard` when the callee's side is a wildcard.
    Agreed {
        /// The other side.
        peer: ServiceId,
        /// Whether the callee accepts by a wildcard.
        wildcard: bool,
    },
    /// An outbound call the callee does not accept (yet).
    Waiting {
        /// The callee that has to accept.
        callee: ServiceId,
    },
    /// An acceptance of a caller that does not call.
    Stale {
        /// The caller that does not call.
        caller: ServiceId,
    },
    /// The peer is defined nowhere in the workspace.
    Unknown {
        /// The peer named.
        peer: ServiceId,
    },
    /// The declaration names its own service.
    SelfReference,
    /// A wildcard acceptance, with the callers it lets in.
    Wildcard {
        /// Callers whose call it completes into an agreement.
        callers: Vec<ServiceId>,
    },
}

/// One declaration as written: a `resources` entry or a list item, with the
/// outbound and inbound halves it declares (both for `direction: both`).
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    /// Where it is (the resource key, or the item's `name` value).
    pub span: Span,
    /// Its outbound half and index in the workload's `outbound` list.
    pub outbound: Option<(usize, &'a Declaration)>,
    /// Its inbound half and index in the workload's `inbound` list.
    pub inbound: Option<(usize, &'a Declaration)>,
}

impl Written<'_> {
    /// The peer it names (both halves name the same one).
    ///
    /// # Panics
    /// Never for a value of [`written`], which sets at least one half.
    #[must_use]
    pub fn peer(&self) -> &Peer {
        let (_, d) = self
            .outbound
            .or(self.inbound)
            .expect("a half is always set");
        &d.peer
    }
}

/// Every declaration of `workload`, in source order.
#[must_use]
pub fn written(workload: &Workload) -> Vec<Written<'_>> {
    let mut out: Vec<Written<'_>> = workload
        .outbound
        .iter()
        .enumerate()
        .map(|(i, d)| Written {
            span: d.span,
            outbound: Some((i, d)),
            inbound: None,
        })
        .collect();
    for (i, d) in workload.inbound.iter().enumerate() {
        match out.iter_mut().find(|w| w.span == d.span) {
            Some(w) => w.inbound = Some((i, d)),
            None => out.push(Written {
                span: d.span,
                outbound: None,
                inbound: Some((i, d)),
            }),
        }
    }
    out.sort_by_key(|w| w.span.start);
    out
}

/// The status of the half `index` of `side` of workload `w`.
#[must_use]
pub fn status(graph: &Graph, w: WorkloadIndex, side: Side, index: usize) -> Status {
    let workload = &graph.workloads[w];
    let declaration = match side {
        Side::Outbound => &workload.outbound[index],
        Side::Inbound => &workload.inbound[index],
    };
    let peer = match &declaration.peer {
        Peer::Named(peer) => peer,
        Peer::Any(_) => {
            let callers = graph
                .agreements
                .iter()
                .filter(|g| g.callee == w && g.inbound == Consent::Wildcard(index))
                .map(|g| graph.workloads[g.caller].id.clone())
                .collect();
            return Status::Wildcard { callers };
        }
    };
    if *peer == workload.id {
        return Status::SelfReference;
    }
    let Some(other) = graph.get(peer) else {
        return Status::Unknown { peer: peer.clone() };
    };
    match side {
        Side::Outbound => match graph.acceptance(other, &workload.id) {
            Some(consent) => Status::Agreed {
                peer: peer.clone(),
                wildcard: matches!(consent, Consent::Wildcard(_)),
            },
            None => Status::Waiting {
                callee: peer.clone(),
            },
        },
        Side::Inbound => {
            let calls = graph.call(other, &workload.id).is_some()
                || graph.workloads[other].depends_all.is_some();
            if calls {
                Status::Agreed {
                    peer: peer.clone(),
                    wildcard: false,
                }
            } else {
                Status::Stale {
                    caller: peer.clone(),
                }
            }
        }
    }
}

/// `id` as people in namespace `here` say it: the bare name at home, else
/// `namespace/name`.
#[must_use]
pub fn short(id: &ServiceId, here: &str) -> String {
    if id.namespace == here {
        id.name.clone()
    } else {
        id.to_string()
    }
}

/// The status in a few words: "agreed", "waiting for payments to accept",
/// "stale: checkout does not call", ...
#[must_use]
pub fn label(status: &Status, here: &str) -> String {
    match status {
        Status::Agreed { wildcard: true, .. } => "agreed (by a wildcard)".to_owned(),
        Status::Agreed { .. } => "agreed".to_owned(),
        Status::Waiting { callee } => format!("waiting for {} to accept", short(callee, here)),
        Status::Stale { caller } => format!("stale: {} does not call", short(caller, here)),
        Status::Unknown { peer } => format!("unknown: {} is defined nowhere", short(peer, here)),
        Status::SelfReference => "names itself".to_owned(),
        Status::Wildcard { callers } if callers.is_empty() => {
            "wildcard: no caller uses it".to_owned()
        }
        Status::Wildcard { callers } => {
            let names: Vec<String> = callers.iter().map(|c| short(c, here)).collect();
            format!("wildcard: accepts {}", names.join(", "))
        }
    }
}

/// The label of a written declaration, both halves when it has two.
#[must_use]
pub fn written_label(graph: &Graph, w: WorkloadIndex, written: &Written<'_>) -> String {
    let here = &graph.workloads[w].id.namespace;
    match (written.outbound, written.inbound) {
        (Some((o, _)), Some((i, _))) => format!(
            "calls: {} · accepts: {}",
            label(&status(graph, w, Side::Outbound, o), here),
            label(&status(graph, w, Side::Inbound, i), here)
        ),
        (Some((o, _)), None) => label(&status(graph, w, Side::Outbound, o), here),
        (None, Some((i, _))) => label(&status(graph, w, Side::Inbound, i), here),
        (None, None) => String::new(),
    }
}

/// What an agreement compiles to, as Markdown list items: L4 egress on the
/// caller, L4 ingress on the callee, and the L7 permit of the caller's
/// principal on the callee's target ports.
#[must_use]
pub fn compiles_to(graph: &Graph, agreement: &Agreement) -> String {
    let caller = &graph.workloads[agreement.caller];
    let callee = &graph.workloads[agreement.callee];
    let mut out = String::new();
    if callee.ports.is_empty() {
        let _ = writeln!(out, "- no rule: {} exposes no port (`no-ports`)", callee.id);
        return out;
    }
    let mut ports: Vec<String> = callee
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.target_port, p.protocol.as_str()))
        .collect();
    ports.dedup();
    let ports = ports.join(", ");
    let mut numbers: Vec<String> = callee
        .ports
        .iter()
        .map(|p| p.target_port.to_string())
        .collect();
    numbers.dedup();
    let _ = writeln!(
        out,
        "- L4 egress on `{}` (CiliumNetworkPolicy): to `{}` on {ports}",
        caller.id, callee.id
    );
    let _ = writeln!(
        out,
        "- L4 ingress on `{}` (CiliumNetworkPolicy): from `{}` on {ports}",
        callee.id, caller.id
    );
    let _ = writeln!(
        out,
        "- L7 permit on `{}` (Istio AuthorizationPolicy): principal `{}` on ports {}",
        callee.id,
        principal(caller),
        numbers.join(", ")
    );
    if !caller.valid || !callee.valid {
        out.push_str("- (not generated while a spec of this pair has errors)\n");
    }
    out
}

/// The Istio principal of a workload's pods, as the compiler writes it.
#[must_use]
pub fn principal(workload: &Workload) -> String {
    lattice_core::compile::principal(workload, TRUST_DOMAIN)
}
