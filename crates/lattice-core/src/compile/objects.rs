//! The Kubernetes objects `compile` emits, as typed serde structs.
//!
//! Field names and enum values are those of the upstream CRDs: Cilium 1.19
//! `cilium.io/v2` (`CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy`) and
//! Istio 1.29 `security.istio.io/v1` (`AuthorizationPolicy`).
//!
//! Invariants:
//! - Maps are `BTreeMap`s and every list is built sorted, so the same objects
//!   always serialize to the same bytes.
//! - Empty lists and absent options are left out of the output, never written
//!   as `[]`: in Cilium an empty `toPorts` allows every port, so a rule either
//!   names its peers and ports or is the deliberately empty rule `{}` of the
//!   baseline.

use std::collections::BTreeMap;

use serde::Serialize;

/// API version of both Cilium policy kinds.
pub const CILIUM_API_VERSION: &str = "cilium.io/v2";

/// API version of Istio's `AuthorizationPolicy` (the storage version in 1.29).
pub const ISTIO_API_VERSION: &str = "security.istio.io/v1";

/// The pod label Cilium gives every endpoint with its namespace. A selector
/// without it only matches pods in the policy's own namespace.
pub const POD_NAMESPACE_LABEL: &str = "io.kubernetes.pod.namespace";

/// `metadata` of an emitted object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectMeta {
    /// A DNS subdomain of at most 63 characters.
    pub name: String,
    /// `None` for cluster-scoped objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `app.kubernetes.io/managed-by: kubectl-lattice` and what the object is for.
    pub labels: BTreeMap<String, String>,
    /// `lattice.dev/owner` (what it was generated for) and
    /// `lattice.dev/agreements` (the agreements it encodes).
    pub annotations: BTreeMap<String, String>,
}

/// The `matchLabels` of a selector: label keys and values, sorted by key,
/// each key once; written as a mapping.
///
/// A sorted list rather than a `BTreeMap`, because a selector holds two or
/// three labels and a compiled 50,000-service graph holds hundreds of
/// thousands of selectors: a map's node has room for eleven entries, and
/// made them a third of `compile`'s memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    /// Whether there is no label.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The labels, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of label `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    /// Set label `key` to `value`, replacing any value it had.
    pub fn insert(&mut self, key: String, value: String) {
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    /// The labels as a map.
    #[must_use]
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl std::convert::From<&BTreeMap<String, String>> for Labels {
    fn from(map: &BTreeMap<String, String>) -> Self {
        Labels(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

impl<const N: usize> std::convert::From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Self {
        let mut labels = Labels(Vec::with_capacity(N));
        for (key, value) in pairs {
            labels.insert(key, value);
        }
        labels
    }
}

impl Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A Kubernetes label selector, as Cilium's `endpointSelector`,
/// `fromEndpoints` and `toEndpoints` take it. The empty selector `{}`
/// selects every pod of the policy's namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSelector {
    /// Labels a pod must carry, all of them.
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub match_labels: Labels,
    /// Further requirements, all of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<Requirement>,
}

/// One `matchExpressions` item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// How the label is compared.
    pub operator: Operator,
    /// The values for `In` and `NotIn`; empty (and left out) for `Exists`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// Label selector operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Operator {
    /// The label is present, whatever its value.
    Exists,
    /// The label is absent or has none of the values.
    NotIn,
}

/// An L4 port and protocol. `port` is a string in the CRD.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortProtocol {
    /// The pods' port number, as a string.
    pub port: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: &'static str,
}

/// One `toPorts` item: at most [`MAX_PORTS_PER_RULE`] ports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRule {
    /// The ports; never empty.
    pub ports: Vec<PortProtocol>,
}

/// The CRD's `maxItems` for `toPorts[].ports`.
pub const MAX_PORTS_PER_RULE: usize = 40;

/// A Cilium egress rule: the selected pods may open connections to
/// `toEndpoints` on `toPorts`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EgressRule {
    /// The peers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to_endpoints: Vec<EndpointSelector>,
    /// The peers' ports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to_ports: Vec<PortRule>,
}

/// A Cilium ingress rule: `fromEndpoints` may connect to the selected pods
/// on `toPorts`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressRule {
    /// The peers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from_endpoints: Vec<EndpointSelector>,
    /// The selected pods' ports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to_ports: Vec<PortRule>,
}

/// `enableDefaultDeny`: which directions drop what no rule allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DefaultDeny {
    /// Drop egress no rule allows.
    pub egress: bool,
    /// Drop ingress no rule allows.
    pub ingress: bool,
}

/// The `spec` of a Cilium policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumSpec {
    /// Free text for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The pods the policy applies to.
    pub endpoint_selector: EndpointSelector,
    /// Set explicitly only by the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_default_deny: Option<DefaultDeny>,
    /// Ingress rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IngressRule>,
    /// Egress rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<EgressRule>,
}

/// A `CiliumNetworkPolicy` or `CiliumClusterwideNetworkPolicy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumPolicy {
    /// [`CILIUM_API_VERSION`].
    pub api_version: &'static str,
    /// `CiliumNetworkPolicy` or `CiliumClusterwideNetworkPolicy`.
    pub kind: &'static str,
    /// Name, namespace, labels, annotations.
    pub metadata: ObjectMeta,
    /// The rules.
    pub spec: CiliumSpec,
}

/// `selector` of an `AuthorizationPolicy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Labels the workload's pods carry.
    pub match_labels: Labels,
}

/// `action` of an `AuthorizationPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Action {
    /// Requests matching a rule are allowed; with any ALLOW policy on a
    /// workload, requests matching none are denied.
    #[serde(rename = "ALLOW")]
    Allow,
}

/// `rules[].from[].source`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Source {
    /// Peer identities, `<trust-domain>/ns/<ns>/sa/<sa>`.
    pub principals: Vec<String>,
}

/// `rules[].from[]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct From {
    /// Who.
    pub source: Source,
}

/// `rules[].to[].operation`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Operation {
    /// Destination ports (the pods' ports), as strings.
    pub ports: Vec<String>,
}

/// `rules[].to[]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct To {
    /// What.
    pub operation: Operation,
}

/// One `AuthorizationPolicy` rule: a request matches when it matches one
/// `from` and one `to`, so every source here may reach every port here.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AuthorizationRule {
    /// Sources.
    pub from: Vec<From>,
    /// Operations.
    pub to: Vec<To>,
}

/// The `spec` of an `AuthorizationPolicy`. All fields absent is `spec: {}`,
/// an ALLOW policy that matches nothing: deny-all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuthorizationSpec {
    /// The pods it applies to; absent means every workload of the namespace
    /// (of the mesh, in the Istio root namespace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// `ALLOW`, or absent (which Istio also reads as ALLOW).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// The rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<AuthorizationRule>,
}

/// An Istio `AuthorizationPolicy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    /// [`ISTIO_API_VERSION`].
    pub api_version: &'static str,
    /// `AuthorizationPolicy`.
    pub kind: &'static str,
    /// Name, namespace, labels, annotations.
    pub metadata: ObjectMeta,
    /// The rules.
    pub spec: AuthorizationSpec,
}

/// One emitted object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// A `CiliumNetworkPolicy` or `CiliumClusterwideNetworkPolicy`.
    Cilium(CiliumPolicy),
    /// An Istio `AuthorizationPolicy`.
    Istio(AuthorizationPolicy),
}

impl Object {
    /// The object's `apiVersion`.
    #[must_use]
    pub fn api_version(&self) -> &'static str {
        match self {
            Object::Cilium(p) => p.api_version,
            Object::Istio(p) => p.api_version,
        }
    }

    /// The object's `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Cilium(p) => p.kind,
            Object::Istio(p) => p.kind,
        }
    }

    /// The object's `metadata`.
    #[must_use]
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Cilium(p) => &p.metadata,
            Object::Istio(p) => &p.metadata,
        }
    }

    /// The order of the output stream: kind, then namespace (cluster-scoped
    /// first), then name.
    #[must_use]
    pub fn sort_key(&self) -> (&'static str, &str, &str) {
        let meta = self.metadata();
        (
            self.kind(),
            meta.namespace.as_deref().unwrap_or(""),
            &meta.name,
        )
    }

    /// A file name unique within one compile output, for writing one file
    /// per object: `<kind>_<namespace>_<name>.yaml` in lower case, the
    /// namespace left out for cluster-scoped objects.
    #[must_use]
    pub fn file_name(&self) -> String {
        let kind = self.kind().to_ascii_lowercase();
        let meta = self.metadata();
        match &meta.namespace {
            Some(ns) => format!("{kind}_{ns}_{}.yaml", meta.name),
            None => format!("{kind}_{}.yaml", meta.name),
        }
    }
}
