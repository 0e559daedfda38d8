//! Istio: workload identities (principals and SPIFFE IDs), the L7 rule one
//! agreement needs, and the one `AuthorizationPolicy` per callee that holds
//! all of them.
//!
//! Invariants:
//! - A rule's `from` and `to` form a cross product, so principals are merged
//!   into one rule only when they are allowed the same ports.
//! - Ports are the pods' target ports, as strings, sorted numerically.
//! - A principal is `<trust-domain>/ns/<pod namespace>/sa/<service account>`;
//!   Istio prefixes `spiffe://` itself.

use std::collections::{BTreeMap, BTreeSet};

use super::objects::{
    Action, AuthorizationPolicy, AuthorizationRule, AuthorizationSpec, From, ISTIO_API_VERSION,
    Labels, ObjectMeta, Operation, Source, To, WorkloadSelector,
};
use super::pod_namespace;
use crate::model::Workload;

/// `kind` of Istio's authorization policy.
pub const AUTHORIZATION_POLICY: &str = "AuthorizationPolicy";

/// The identity `workload`'s pods present in mTLS, as `AuthorizationPolicy`
/// principals write it.
#[must_use]
pub fn principal(workload: &Workload, trust_domain: &str) -> String {
    format!(
        "{trust_domain}/ns/{}/sa/{}",
        pod_namespace(workload),
        workload.service_account
    )
}

/// The full SPIFFE ID of `workload`'s pods: `spiffe://` and the principal.
#[must_use]
pub fn spiffe_id(workload: &Workload, trust_domain: &str) -> String {
    format!("spiffe://{}", principal(workload, trust_domain))
}

/// Whether `workload`'s pods are in the Istio root namespace, where an ALLOW
/// policy for them would allow its principals to matching pods of every
/// namespace (a namespace target: to every pod of the mesh).
#[must_use]
pub fn in_root_namespace(workload: &Workload, root_namespace: &str) -> bool {
    pod_namespace(workload) == root_namespace
}

/// `selector` for `workload`'s pods, or `None` for a namespace target (the
/// policy then applies to every workload of its namespace).
///
/// Istio applies a policy in its root namespace to matching pods of every
/// namespace, and no selector can confine it to one; so a callee whose pods
/// are in the root namespace gets no `AuthorizationPolicy` at all (see
/// [`pair_rule`]), only its Cilium rules.
// TODO: `check` cannot warn about such callees, as the root namespace is a
// `compile` option; a diagnostic would need it as an analysis option too.
pub(crate) fn workload_selector(workload: &Workload) -> Option<WorkloadSelector> {
    (!workload.selector.is_empty()).then(|| WorkloadSelector {
        match_labels: Labels::from(&workload.selector),
    })
}

/// The callee's L7 rule for agreement `caller -> callee`, or `None` when the
/// callee exposes no port. Callees in the root namespace are the caller's
/// business ([`in_root_namespace`]).
pub(crate) fn pair_rule(
    caller: &Workload,
    callee: &Workload,
    trust_domain: &str,
) -> Option<AuthorizationRule> {
    let ports: BTreeSet<u16> = callee.ports.iter().map(|p| p.target_port).collect();
    if ports.is_empty() {
        return None;
    }
    Some(AuthorizationRule {
        from: vec![From {
            source: Source {
                principals: vec![principal(caller, trust_domain)],
            },
        }],
        to: vec![To {
            operation: Operation {
                ports: ports.iter().map(u16::to_string).collect(),
            },
        }],
    })
}

/// The L7 rules of one callee, principals merged per set of operations.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    by_operations: BTreeMap<Vec<To>, BTreeSet<String>>,
}

impl Rules {
    pub(crate) fn add(&mut self, rule: AuthorizationRule) {
        let principals = self.by_operations.entry(rule.to).or_default();
        for from in rule.from {
            principals.extend(from.source.principals);
        }
    }

    /// The ALLOW policy selecting `callee`'s pods, or `None` without rules.
    pub(crate) fn into_policy(
        self,
        callee: &Workload,
        metadata: ObjectMeta,
    ) -> Option<AuthorizationPolicy> {
        if self.by_operations.is_empty() {
            return None;
        }
        let rules = self
            .by_operations
            .into_iter()
            .map(|(to, principals)| AuthorizationRule {
                from: vec![From {
                    source: Source {
                        principals: principals.into_iter().collect(),
                    },
                }],
                to,
            })
            .collect();
        Some(AuthorizationPolicy {
            api_version: ISTIO_API_VERSION,
            kind: AUTHORIZATION_POLICY,
            metadata,
            spec: AuthorizationSpec {
                selector: workload_selector(callee),
                action: Some(Action::Allow),
                rules,
            },
        })
    }
}
