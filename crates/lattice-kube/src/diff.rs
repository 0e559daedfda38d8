//! Unified diffs of objects, as `kubectl diff` shows them: the live object
//! against what the server would make of the applied one, both as YAML
//! without the fields the server changes on every write.

use serde_json::Value;
use similar::TextDiff;

use crate::error::ObjectRef;
use crate::plan::normalized;

/// The diff of `object` from `live` to `applied`; `None` on either side is
/// an object that does not exist (created or deleted). Empty when equal.
#[must_use]
pub fn unified(object: &ObjectRef, live: Option<&Value>, applied: Option<&Value>) -> String {
    let text = |value: Option<&Value>| {
        value.map_or_else(String::new, |v| {
            lattice_core::compile::to_yaml(&normalized(v))
        })
    };
    let (old, new) = (text(live), text(applied));
    if old == new {
        return String::new();
    }
    let label = path_label(object);
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{label}"), &format!("applied/{label}"))
        .to_string()
}

/// `CiliumNetworkPolicy/shop/lattice-checkout`, a path-like name for diff headers.
fn path_label(object: &ObjectRef) -> String {
    match &object.namespace {
        Some(ns) => format!("{}/{ns}/{}", object.kind.name(), object.name),
        None => format!("{}/{}", object.kind.name(), object.name),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resources::Kind;

    #[test]
    fn a_changed_port_shows_as_one_line_removed_and_one_added() {
        let object = ObjectRef {
            kind: Kind::AuthorizationPolicy,
            namespace: Some("shop".into()),
            name: "lattice-payments".into(),
        };
        let live = json!({"metadata": {"name": "lattice-payments", "resourceVersion": "9"},
                          "spec": {"rules": [{"to": [{"operation": {"ports": ["8080"]}}]}]}});
        let applied = json!({"metadata": {"name": "lattice-payments", "resourceVersion": "10"},
                             "spec": {"rules": [{"to": [{"operation": {"ports": ["8443"]}}]}]}});
        let diff = unified(&object, Some(&live), Some(&applied));
        assert!(diff.starts_with(
            "--- live/AuthorizationPolicy/shop/lattice-payments\n\
             +++ applied/AuthorizationPolicy/shop/lattice-payments\n"
        ));
        assert!(
            diff.contains("\n-              - \"8080\"\n+              - \"8443\"\n"),
            "{diff}"
        );
        assert!(!diff.contains("resourceVersion"), "{diff}");
        assert_eq!(unified(&object, Some(&live), Some(&live)), "");
    }
}
