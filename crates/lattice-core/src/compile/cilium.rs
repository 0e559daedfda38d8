//! Cilium: which pods a workload is, the L4 rules one agreement needs, and
//! the one `CiliumNetworkPolicy` per workload that holds all of its rules.
//!
//! Invariants:
//! - Every rule names its peers and its ports. A rule without peers allows
//!   every peer, one without ports every port; neither is ever built here.
//! - Rules of a policy are merged only when their ports are equal, so a
//!   merged rule (peers x ports) allows exactly the pairs it was made of.
//! - Peer selectors always carry `io.kubernetes.pod.namespace`, also for
//!   peers in the policy's own namespace, so a rule reads the same wherever
//!   it is copied.
//! - A policy that restricts egress also lets the pods reach kube-dns and
//!   istiod: without them no pod resolves a name or gets its mesh
//!   certificate.

use std::collections::{BTreeMap, BTreeSet};

use super::CompileOptions;
use super::objects::{
    CILIUM_API_VERSION, CiliumPolicy, CiliumSpec, EgressRule, EndpointSelector, IngressRule,
    Labels, MAX_PORTS_PER_RULE, ObjectMeta, POD_NAMESPACE_LABEL, PortProtocol, PortRule,
};
use super::pod_namespace;
use crate::model::{Port, Protocol, Workload};

/// `kind` of a namespaced Cilium policy.
pub const NETWORK_POLICY: &str = "CiliumNetworkPolicy";

/// `kind` of a cluster-wide Cilium policy.
pub const CLUSTERWIDE_POLICY: &str = "CiliumClusterwideNetworkPolicy";

/// The pods of `workload`, as the subject of a policy in its pod namespace:
/// its labels, or `{}` (every pod of the namespace) for a namespace target.
pub(crate) fn subject_selector(workload: &Workload) -> EndpointSelector {
    EndpointSelector {
        match_labels: Labels::from(&workload.selector),
        match_expressions: Vec::new(),
    }
}

/// The pods of `workload`, as the peer of a rule in any namespace.
pub(crate) fn peer_selector(workload: &Workload) -> EndpointSelector {
    let mut labels = Labels::from(&workload.selector);
    labels.insert(
        POD_NAMESPACE_LABEL.to_owned(),
        pod_namespace(workload).to_owned(),
    );
    EndpointSelector {
        match_labels: labels,
        match_expressions: Vec::new(),
    }
}

/// `toPorts` for the target ports of `ports`: sorted, without duplicates,
/// split into items of at most [`MAX_PORTS_PER_RULE`]. Empty when `ports` is.
pub(crate) fn port_rules(ports: &[Port]) -> Vec<PortRule> {
    let unique: BTreeSet<(u16, Protocol)> =
        ports.iter().map(|p| (p.target_port, p.protocol)).collect();
    let all: Vec<PortProtocol> = unique
        .into_iter()
        .map(|(port, protocol)| PortProtocol {
            port: port.to_string(),
            protocol: protocol.as_str(),
        })
        .collect();
    all.chunks(MAX_PORTS_PER_RULE)
        .map(|chunk| PortRule {
            ports: chunk.to_vec(),
        })
        .collect()
}

/// The caller's side of agreement `caller -> callee`, or `None` when the
/// callee exposes no port.
pub(crate) fn egress_rule(callee: &Workload) -> Option<EgressRule> {
    let to_ports = port_rules(&callee.ports);
    (!to_ports.is_empty()).then(|| EgressRule {
        to_endpoints: vec![peer_selector(callee)],
        to_ports,
    })
}

/// The callee's side of agreement `caller -> callee`, or `None` when the
/// callee exposes no port.
pub(crate) fn ingress_rule(caller: &Workload, callee: &Workload) -> Option<IngressRule> {
    let to_ports = port_rules(&callee.ports);
    (!to_ports.is_empty()).then(|| IngressRule {
        from_endpoints: vec![peer_selector(caller)],
        to_ports,
    })
}

/// What every pod with restricted egress may still reach: kube-dns on 53
/// (UDP and TCP), and istiod's xDS and certificate port 15012, assumed to run
/// in the Istio root namespace as Istio installs it.
pub(crate) fn platform_egress(options: &CompileOptions) -> Vec<EgressRule> {
    let port = |port: &str, protocol: Protocol| PortProtocol {
        port: port.to_owned(),
        protocol: protocol.as_str(),
    };
    let pods = |namespace: &str, key: &str, value: &str| EndpointSelector {
        match_labels: Labels::from([
            (POD_NAMESPACE_LABEL.to_owned(), namespace.to_owned()),
            (key.to_owned(), value.to_owned()),
        ]),
        match_expressions: Vec::new(),
    };
    vec![
        EgressRule {
            to_endpoints: vec![pods("kube-system", "k8s-app", "kube-dns")],
            to_ports: vec![PortRule {
                ports: vec![port("53", Protocol::Tcp), port("53", Protocol::Udp)],
            }],
        },
        EgressRule {
            to_endpoints: vec![pods(&options.istio_root_namespace, "app", "istiod")],
            to_ports: vec![PortRule {
                ports: vec![port("15012", Protocol::Tcp)],
            }],
        },
    ]
}

/// The rules of one workload's policy, peers merged per port set.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    egress: BTreeMap<Vec<PortRule>, BTreeSet<EndpointSelector>>,
    ingress: BTreeMap<Vec<PortRule>, BTreeSet<EndpointSelector>>,
}

impl Rules {
    pub(crate) fn add_egress(&mut self, rule: EgressRule) {
        self.egress
            .entry(rule.to_ports)
            .or_default()
            .extend(rule.to_endpoints);
    }

    pub(crate) fn add_ingress(&mut self, rule: IngressRule) {
        self.ingress
            .entry(rule.to_ports)
            .or_default()
            .extend(rule.from_endpoints);
    }

    /// The policy selecting `workload`'s pods, or `None` without rules.
    pub(crate) fn into_policy(
        self,
        workload: &Workload,
        metadata: ObjectMeta,
        options: &CompileOptions,
    ) -> Option<CiliumPolicy> {
        if self.egress.is_empty() && self.ingress.is_empty() {
            return None;
        }
        let mut egress: Vec<EgressRule> = self
            .egress
            .into_iter()
            .map(|(to_ports, peers)| EgressRule {
                to_endpoints: peers.into_iter().collect(),
                to_ports,
            })
            .collect();
        if !egress.is_empty() {
            egress.extend(platform_egress(options));
        }
        let ingress = self
            .ingress
            .into_iter()
            .map(|(to_ports, peers)| IngressRule {
                from_endpoints: peers.into_iter().collect(),
                to_ports,
            })
            .collect();
        Some(CiliumPolicy {
            api_version: CILIUM_API_VERSION,
            kind: NETWORK_POLICY,
            metadata,
            spec: CiliumSpec {
                description: None,
                endpoint_selector: subject_selector(workload),
                enable_default_deny: None,
                ingress,
                egress,
            },
        })
    }
}
