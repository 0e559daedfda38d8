//! The default-deny baseline: what makes the compiled stream, applied on its
//! own, let only agreements flow.
//!
//! - One `CiliumClusterwideNetworkPolicy` selects every pod outside the
//!   system namespaces and turns on default deny in both directions. Its
//!   only allowance is the platform egress (kube-dns, istiod): a pod no
//!   agreement names gets no `CiliumNetworkPolicy` of its own and must still
//!   resolve names and join the mesh.
//! - Istio deny-all `AuthorizationPolicy` objects (`spec: {}`, an ALLOW
//!   policy without rules, which matches nothing) in every namespace that
//!   holds specs, or one in the Istio root namespace for the whole mesh.
//!
//! Invariant: the baseline depends only on the options and on the set of
//! namespaces of all workloads, valid or not, so a faulty document never
//! changes it.
//!
//! TODO: traffic from outside the mesh (an ingress gateway in a system
//! namespace reaching a service with `spec.ingress` routes) has no
//! agreement, so the baseline denies it; compiling those routes into
//! ingress rules needs the route model, which the spec reader does not have
//! yet.

use std::collections::BTreeSet;

use super::CompileOptions;
use super::cilium::{CLUSTERWIDE_POLICY, platform_egress};
use super::istio::AUTHORIZATION_POLICY;
use super::meta::baseline_meta;
use super::objects::{
    AuthorizationPolicy, AuthorizationSpec, CILIUM_API_VERSION, CiliumPolicy, CiliumSpec,
    DefaultDeny, EndpointSelector, ISTIO_API_VERSION, IngressRule, Labels, Object, Operator,
    POD_NAMESPACE_LABEL, Requirement,
};
use super::pod_namespace;
use crate::graph::Graph;

/// Name of every baseline object.
pub const BASELINE_NAME: &str = "lattice-default-deny";

/// The baseline objects for the workloads of `graph`.
pub(crate) fn objects(graph: &Graph, options: &CompileOptions) -> Vec<Object> {
    let mut objects = vec![Object::Cilium(cilium(options))];
    if options.mesh_wide_baseline {
        objects.push(Object::Istio(deny_all(&options.istio_root_namespace)));
    } else {
        let namespaces: BTreeSet<&str> = graph
            .workloads
            .iter()
            .flat_map(|w| [w.id.namespace.as_str(), pod_namespace(w)])
            .collect();
        objects.extend(namespaces.into_iter().map(|ns| Object::Istio(deny_all(ns))));
    }
    objects
}

/// The namespaces the Cilium baseline leaves alone: kube-system,
/// istio-system, the Istio root namespace, Cilium's namespace and the extra
/// ones of the options; sorted, without duplicates.
#[must_use]
pub fn system_namespaces(options: &CompileOptions) -> Vec<String> {
    let mut all: BTreeSet<String> = ["kube-system", "istio-system"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    all.insert(options.istio_root_namespace.clone());
    all.insert(options.cilium_namespace.clone());
    all.extend(options.system_namespaces.iter().cloned());
    all.into_iter().collect()
}

fn cilium(options: &CompileOptions) -> CiliumPolicy {
    // `NotIn` also matches endpoints without the label at all (Cilium's
    // health and ingress endpoints); `Exists` keeps the selection to pods.
    let selector = EndpointSelector {
        match_labels: Labels::default(),
        match_expressions: vec![
            Requirement {
                key: POD_NAMESPACE_LABEL.to_owned(),
                operator: Operator::Exists,
                values: Vec::new(),
            },
            Requirement {
                key: POD_NAMESPACE_LABEL.to_owned(),
                operator: Operator::NotIn,
                values: system_namespaces(options),
            },
        ],
    };
    CiliumPolicy {
        api_version: CILIUM_API_VERSION,
        kind: CLUSTERWIDE_POLICY,
        metadata: baseline_meta(BASELINE_NAME, None),
        spec: CiliumSpec {
            description: Some(
                "kubectl-lattice baseline: deny all traffic of pods outside the system \
                 namespaces that no agreement allows; allow DNS and istiod"
                    .to_owned(),
            ),
            endpoint_selector: selector,
            enable_default_deny: Some(DefaultDeny {
                egress: true,
                ingress: true,
            }),
            // The empty rule allows nothing; its presence puts ingress into
            // default deny even where no agreement adds an ingress rule.
            ingress: vec![IngressRule::default()],
            egress: platform_egress(options),
        },
    }
}

fn deny_all(namespace: &str) -> AuthorizationPolicy {
    AuthorizationPolicy {
        api_version: ISTIO_API_VERSION,
        kind: AUTHORIZATION_POLICY,
        metadata: baseline_meta(BASELINE_NAME, Some(namespace)),
        spec: AuthorizationSpec::default(),
    }
}
