//! Lattice specs read from a cluster, as the core's [`Input`]s.
//!
//! Each `LatticeService` and `LatticeMeshMember` becomes one input whose path
//! is the object's reference (`LatticeService shop/checkout`) and whose text
//! is the object written back as YAML: `apiVersion`, `kind`, `metadata`
//! (name, namespace, labels) and `spec`. What the server adds (status,
//! managed fields, resource versions) is left out, so positions in
//! diagnostics point into text that holds only what the user wrote. The
//! inputs are sorted by kind, namespace and name, so output built from them
//! does not depend on the order the server lists objects in.

use kube::api::{Api, ListParams};
use kube::core::DynamicObject;
use lattice_core::{Input, InputContent};
use serde_json::{Map, Value};

use crate::connect::Cluster;
use crate::error::{Attempt, ClusterError, from_api};
use crate::resources::{Kind, ensure_served};

/// Which namespaces to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One namespace (`-n`, or the context's).
    Namespace(String),
    /// Every namespace (`-A`).
    All,
}

impl Scope {
    /// Whether `namespace` is in the scope.
    #[must_use]
    pub fn contains(&self, namespace: &str) -> bool {
        match self {
            Scope::Namespace(ns) => ns == namespace,
            Scope::All => true,
        }
    }
}

/// Read every Lattice spec in `scope`.
pub async fn read_specs(cluster: &Cluster, scope: &Scope) -> Result<Vec<Input>, ClusterError> {
    ensure_served(cluster, &Kind::SPECS).await?;
    let mut specs = Vec::new();
    for kind in Kind::SPECS {
        let objects = list(cluster, kind, scope, &ListParams::default()).await?;
        specs.extend(objects.iter().map(|object| (kind, object)).map(to_spec));
    }
    specs.sort_by(|a, b| a.0.cmp(&b.0));
    tracing::debug!(count = specs.len(), ?scope, "specs read from the cluster");
    Ok(specs.into_iter().map(|(_, input)| input).collect())
}

/// One object as an [`Input`], with its sort key.
fn to_spec((kind, object): (Kind, &DynamicObject)) -> ((Kind, String, String), Input) {
    let namespace = object.metadata.namespace.clone().unwrap_or_default();
    let name = object.metadata.name.clone().unwrap_or_default();
    let input = spec_input(kind, object);
    ((kind, namespace, name), input)
}

/// `object` of `kind` as the core's input.
#[must_use]
pub fn spec_input(kind: Kind, object: &DynamicObject) -> Input {
    Input {
        path: spec_path(kind, object),
        content: InputContent::Bytes(spec_yaml(kind, object).into_bytes()),
    }
}

/// `LatticeService shop/checkout`: the path diagnostics show for an object.
#[must_use]
pub fn spec_path(kind: Kind, object: &DynamicObject) -> String {
    format!(
        "{} {}/{}",
        kind.name(),
        object.metadata.namespace.as_deref().unwrap_or_default(),
        object.metadata.name.as_deref().unwrap_or_default()
    )
}

/// The parts of `object` a user wrote, as one YAML document.
#[must_use]
pub fn spec_yaml(kind: Kind, object: &DynamicObject) -> String {
    let mut metadata = Map::new();
    if let Some(name) = &object.metadata.name {
        metadata.insert("name".into(), Value::String(name.clone()));
    }
    if let Some(namespace) = &object.metadata.namespace {
        metadata.insert("namespace".into(), Value::String(namespace.clone()));
    }
    if let Some(labels) = object.metadata.labels.as_ref().filter(|l| !l.is_empty()) {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        metadata.insert("labels".into(), Value::Object(labels));
    }
    let mut document = Map::new();
    document.insert("apiVersion".into(), Value::String(kind.api_version()));
    document.insert("kind".into(), Value::String(kind.name().to_owned()));
    document.insert("metadata".into(), Value::Object(metadata));
    if let Some(spec) = object.data.get("spec") {
        document.insert("spec".into(), spec.clone());
    }
    lattice_core::compile::to_yaml(&Value::Object(document))
}

/// The cluster's namespaces, or `None` when they cannot be listed (RBAC
/// often allows reading specs but not listing namespaces).
pub async fn namespaces(cluster: &Cluster) -> Option<Vec<String>> {
    let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(cluster.client.clone());
    match api.list_metadata(&ListParams::default()).await {
        Ok(list) => Some(
            list.items
                .into_iter()
                .filter_map(|n| n.metadata.name)
                .collect(),
        ),
        Err(error) => {
            tracing::debug!(%error, "namespaces not listed");
            None
        }
    }
}

/// List the objects of `kind` in `scope`.
pub(crate) async fn list(
    cluster: &Cluster,
    kind: Kind,
    scope: &Scope,
    params: &ListParams,
) -> Result<Vec<DynamicObject>, ClusterError> {
    let resource = kind.api_resource();
    let (api, namespace) = match scope {
        Scope::Namespace(ns) if kind.namespaced() => (
            Api::<DynamicObject>::namespaced_with(cluster.client.clone(), ns, &resource),
            Some(ns.as_str()),
        ),
        _ => (
            Api::<DynamicObject>::all_with(cluster.client.clone(), &resource),
            None,
        ),
    };
    let attempt = Attempt {
        verb: "list",
        kind,
        namespace,
        name: None,
    };
    let list = api
        .list(params)
        .await
        .map_err(|error| from_api(error, attempt, &cluster.server))?;
    Ok(list.items)
}

#[cfg(test)]
mod tests {
    use kube::core::ObjectMeta;

    use super::*;

    #[test]
    fn objects_are_written_back_without_what_the_server_added() {
        let mut object = DynamicObject::new("checkout", &Kind::LatticeService.api_resource())
            .within("shop")
            .data(serde_json::json!({
                "spec": {"workload": {"resources": {"payments": {"direction": "outbound"}}}},
                "status": {"phase": "Ready"},
            }));
        object.metadata = ObjectMeta {
            resource_version: Some("42".into()),
            uid: Some("u-1".into()),
            ..object.metadata
        };
        let input = spec_input(Kind::LatticeService, &object);
        assert_eq!(input.path, "LatticeService shop/checkout");
        let InputContent::Bytes(bytes) = input.content else {
            panic!("no bytes");
        };
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\n"));
        assert!(text.contains("  namespace: shop\n"), "{text}");
        assert!(text.contains("        direction: outbound\n"), "{text}");
        for absent in ["status", "resourceVersion", "uid"] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
    }
}
