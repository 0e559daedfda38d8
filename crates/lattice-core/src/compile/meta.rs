//! Names, labels and annotations of emitted objects.
//!
//! Invariants: names are deterministic functions of the workload's id and
//! the namespace the object lives in, valid DNS subdomains of at most 63
//! characters; every object carries the managed-by label, the owner
//! annotation and the agreements annotation (empty for the baseline, which
//! encodes none).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::objects::ObjectMeta;
use crate::model::ServiceId;

/// The label every emitted object carries, so `apply --prune` and people can
/// find them.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";

/// The value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY: &str = "kubectl-lattice";

/// The label naming the workload an object belongs to.
pub const SERVICE_LABEL: &str = "lattice.dev/service";

/// The label marking the default-deny baseline.
pub const BASELINE_LABEL: &str = "lattice.dev/baseline";

/// The annotation naming what an object was generated for: the workload's
/// `namespace/name`, or [`BASELINE_OWNER`]. Together with [`MANAGED_BY_LABEL`]
/// it is what `apply --prune` goes by: an object without both was not made
/// by this tool and is never deleted by it, and an object whose owner's spec
/// could not be compiled is kept as it is.
pub const OWNER_ANNOTATION: &str = "lattice.dev/owner";

/// The value of [`OWNER_ANNOTATION`] on the default-deny baseline.
pub const BASELINE_OWNER: &str = "baseline";

/// The annotation listing the agreements an object encodes, as
/// `caller->callee` pairs of `namespace/name`, sorted, comma-separated.
pub const AGREEMENTS_ANNOTATION: &str = "lattice.dev/agreements";

/// Longest object name emitted; Kubernetes allows 253 for these kinds, but 63
/// keeps names usable as label values and in every tool's columns.
const MAX_NAME: usize = 63;

/// `caller->callee`, the form agreements take in annotations and messages.
#[must_use]
pub fn agreement_text(caller: &ServiceId, callee: &ServiceId) -> String {
    format!("{caller}->{callee}")
}

/// Metadata of an object that belongs to workload `owner`.
pub(crate) fn workload_meta(
    name: String,
    namespace: &str,
    owner: &ServiceId,
    agreements: Vec<String>,
) -> ObjectMeta {
    let mut labels = managed_labels();
    labels.insert(SERVICE_LABEL.to_owned(), owner.name.clone());
    ObjectMeta {
        name,
        namespace: Some(namespace.to_owned()),
        labels,
        annotations: annotations(&owner.to_string(), agreements),
    }
}

/// Metadata of a baseline object (`namespace` is `None` when cluster-scoped).
pub(crate) fn baseline_meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    let mut labels = managed_labels();
    labels.insert(BASELINE_LABEL.to_owned(), "true".to_owned());
    ObjectMeta {
        name: name.to_owned(),
        namespace: namespace.map(str::to_owned),
        labels,
        annotations: annotations(BASELINE_OWNER, Vec::new()),
    }
}

fn managed_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(MANAGED_BY_LABEL.to_owned(), MANAGED_BY.to_owned())])
}

fn annotations(owner: &str, mut sorted: Vec<String>) -> BTreeMap<String, String> {
    sorted.sort_unstable();
    sorted.dedup();
    BTreeMap::from([
        (AGREEMENTS_ANNOTATION.to_owned(), sorted.join(",")),
        (OWNER_ANNOTATION.to_owned(), owner.to_owned()),
    ])
}

/// The name of the objects of workload `id` that live in `namespace`:
/// `lattice-<name>`, or `lattice--<id namespace>-<name>` when the object
/// lives outside the workload's own namespace (a mesh member targeting
/// another namespace). Too long a name is cut and ends in a hash of the id,
/// so it stays unique.
///
/// The double hyphen keeps the two forms apart: a workload name is a DNS
/// label and never starts with `-`, so no workload of the target namespace
/// (a service named `<id namespace>-<name>`, say) can get the name of a
/// foreign workload's objects and replace them when the stream is applied.
#[must_use]
pub fn object_name(id: &ServiceId, namespace: &str) -> String {
    let name = if id.namespace == namespace {
        format!("lattice-{}", id.name)
    } else {
        format!("lattice--{}-{}", id.namespace, id.name)
    };
    if name.len() <= MAX_NAME {
        return name;
    }
    let hash = fnv1a(id.to_string().as_bytes());
    let keep = MAX_NAME - 9;
    let mut short = name[..keep].trim_end_matches(['-', '.']).to_owned();
    let _ = write!(short, "-{:08x}", hash & 0xffff_ffff);
    short
}

/// FNV-1a, 64 bits: stable across Rust releases, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::dns_subdomain_problem;

    #[test]
    fn names_are_prefixed_and_mention_a_foreign_namespace() {
        let id = ServiceId::new("commerce", "payments");
        assert_eq!(object_name(&id, "commerce"), "lattice-payments");
        assert_eq!(object_name(&id, "legacy"), "lattice--commerce-payments");
        let local = ServiceId::new("legacy", "commerce-payments");
        assert_ne!(object_name(&local, "legacy"), object_name(&id, "legacy"));
    }

    #[test]
    fn long_names_are_cut_to_63_and_stay_distinct() {
        let a = ServiceId::new("ns", format!("{}a", "x".repeat(62)));
        let b = ServiceId::new("ns", format!("{}b", "x".repeat(62)));
        let (na, nb) = (object_name(&a, "ns"), object_name(&b, "ns"));
        assert_eq!(na.len(), 63);
        assert_ne!(na, nb);
        assert_eq!(dns_subdomain_problem(&na), None);
        assert_eq!(na, object_name(&a, "ns"));
    }

    #[test]
    fn the_annotation_is_sorted_and_deduplicated() {
        let meta = workload_meta(
            "lattice-b".into(),
            "ns",
            &ServiceId::new("ns", "b"),
            vec![
                "ns/c->ns/b".into(),
                "ns/a->ns/b".into(),
                "ns/c->ns/b".into(),
            ],
        );
        assert_eq!(
            meta.annotations[AGREEMENTS_ANNOTATION],
            "ns/a->ns/b,ns/c->ns/b"
        );
        assert_eq!(meta.labels[MANAGED_BY_LABEL], MANAGED_BY);
        assert_eq!(meta.annotations[OWNER_ANNOTATION], "ns/b");
    }
}
