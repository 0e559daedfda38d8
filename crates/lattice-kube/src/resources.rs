//! The kinds this crate reads and writes, and the check that the cluster
//! serves them.
//!
//! All five are custom resources, so a cluster may lack any of them; asking
//! discovery first turns "404 page not found" on the first write into a
//! message that names the CRDs and how to install them.

use std::collections::BTreeMap;

use kube::Client;
use kube::core::ApiResource;

use crate::connect::Cluster;
use crate::error::{Attempt, ClusterError, from_api};

/// A kind of object this crate handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `lattice.dev/v1alpha1` `LatticeService`.
    LatticeService,
    /// `lattice.dev/v1alpha1` `LatticeMeshMember`.
    LatticeMeshMember,
    /// `cilium.io/v2` `CiliumNetworkPolicy`.
    CiliumNetworkPolicy,
    /// `cilium.io/v2` `CiliumClusterwideNetworkPolicy` (cluster-scoped).
    CiliumClusterwideNetworkPolicy,
    /// `security.istio.io/v1` `AuthorizationPolicy`.
    AuthorizationPolicy,
}

impl Kind {
    /// The kinds `compile` emits, in the order prune looks at them.
    pub const POLICIES: [Kind; 3] = [
        Kind::CiliumNetworkPolicy,
        Kind::CiliumClusterwideNetworkPolicy,
        Kind::AuthorizationPolicy,
    ];

    /// The kinds that hold specs.
    pub const SPECS: [Kind; 2] = [Kind::LatticeService, Kind::LatticeMeshMember];

    /// The kind's name, as in `kind:`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::LatticeService => "LatticeService",
            Kind::LatticeMeshMember => "LatticeMeshMember",
            Kind::CiliumNetworkPolicy => "CiliumNetworkPolicy",
            Kind::CiliumClusterwideNetworkPolicy => "CiliumClusterwideNetworkPolicy",
            Kind::AuthorizationPolicy => "AuthorizationPolicy",
        }
    }

    /// The API group.
    #[must_use]
    pub fn group(self) -> &'static str {
        match self {
            Kind::LatticeService | Kind::LatticeMeshMember => "lattice.dev",
            Kind::CiliumNetworkPolicy | Kind::CiliumClusterwideNetworkPolicy => "cilium.io",
            Kind::AuthorizationPolicy => "security.istio.io",
        }
    }

    /// The version this crate speaks.
    #[must_use]
    pub fn version(self) -> &'static str {
        match self {
            Kind::LatticeService | Kind::LatticeMeshMember => "v1alpha1",
            Kind::CiliumNetworkPolicy | Kind::CiliumClusterwideNetworkPolicy => "v2",
            Kind::AuthorizationPolicy => "v1",
        }
    }

    /// `group/version`.
    #[must_use]
    pub fn api_version(self) -> String {
        format!("{}/{}", self.group(), self.version())
    }

    /// The resource's plural name, as in URLs.
    #[must_use]
    pub fn plural(self) -> &'static str {
        match self {
            Kind::LatticeService => "latticeservices",
            Kind::LatticeMeshMember => "latticemeshmembers",
            Kind::CiliumNetworkPolicy => "ciliumnetworkpolicies",
            Kind::CiliumClusterwideNetworkPolicy => "ciliumclusterwidenetworkpolicies",
            Kind::AuthorizationPolicy => "authorizationpolicies",
        }
    }

    /// `plural.group`, the way RBAC rules and `kubectl get` name it.
    #[must_use]
    pub fn resource(self) -> String {
        format!("{}.{}", self.plural(), self.group())
    }

    /// Whether objects of this kind live in a namespace.
    #[must_use]
    pub fn namespaced(self) -> bool {
        self != Kind::CiliumClusterwideNetworkPolicy
    }

    /// The kind with this `apiVersion` and `kind`, if it is one of ours.
    #[must_use]
    pub fn from_type(api_version: &str, kind: &str) -> Option<Kind> {
        [Self::SPECS.as_slice(), Self::POLICIES.as_slice()]
            .concat()
            .into_iter()
            .find(|k| k.name() == kind && k.api_version() == api_version)
    }

    /// What kube-rs needs to build requests for the kind.
    #[must_use]
    pub fn api_resource(self) -> ApiResource {
        ApiResource {
            group: self.group().to_owned(),
            version: self.version().to_owned(),
            api_version: self.api_version(),
            kind: self.name().to_owned(),
            plural: self.plural().to_owned(),
        }
    }
}

/// Fail with [`ClusterError::CrdsMissing`], naming every one of `kinds` that
/// the cluster does not serve.
pub async fn ensure_served(cluster: &Cluster, kinds: &[Kind]) -> Result<(), ClusterError> {
    let mut by_group_version: BTreeMap<String, Vec<Kind>> = BTreeMap::new();
    for kind in kinds {
        by_group_version
            .entry(kind.api_version())
            .or_default()
            .push(*kind);
    }
    let mut missing = Vec::new();
    for (group_version, kinds) in by_group_version {
        let served = served_plurals(&cluster.client, &group_version)
            .await
            .map_err(|error| {
                from_api(
                    error,
                    Attempt {
                        verb: "discover",
                        kind: kinds[0],
                        namespace: None,
                        name: None,
                    },
                    &cluster.server,
                )
            })?;
        missing.extend(
            kinds
                .into_iter()
                .filter(|k| !served.iter().any(|p| p == k.plural())),
        );
    }
    if missing.is_empty() {
        Ok(())
    } else {
        missing.sort();
        Err(ClusterError::CrdsMissing { kinds: missing })
    }
}

/// The resources a group version serves; none when the group is unknown.
async fn served_plurals(client: &Client, group_version: &str) -> Result<Vec<String>, kube::Error> {
    match client.list_api_group_resources(group_version).await {
        Ok(list) => Ok(list.resources.into_iter().map(|r| r.name).collect()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_their_type() {
        assert_eq!(
            Kind::from_type("cilium.io/v2", "CiliumNetworkPolicy"),
            Some(Kind::CiliumNetworkPolicy)
        );
        assert_eq!(
            Kind::from_type("security.istio.io/v1", "AuthorizationPolicy"),
            Some(Kind::AuthorizationPolicy)
        );
        assert_eq!(
            Kind::from_type("security.istio.io/v1beta1", "AuthorizationPolicy"),
            None
        );
        assert_eq!(
            Kind::AuthorizationPolicy.resource(),
            "authorizationpolicies.security.istio.io"
        );
    }
}
