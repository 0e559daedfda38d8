//! The two output forms of `compile`.
//!
//! - YAML: one document per object, each starting with a `---` line, in the
//!   order given (the compiler's order: kind, namespace, name).
//! - JSON: one `{"apiVersion": "v1", "kind": "List", "items": [...]}` object,
//!   the form `kubectl get -o json` prints and `kubectl apply -f` reads,
//!   pretty-printed with two spaces and ending in a newline.
//!
//! Both go through the same `serde_json::Value` per object, so keys come in
//! the same order in both (sorted, as `serde_json`'s map keeps them).

use serde::Serialize;
use serde_json::Value;

use super::emit;
use super::objects::Object;

/// `object` as a JSON value.
#[must_use]
#[expect(
    clippy::missing_panics_doc,
    reason = "serialization into a `Value` fails only for non-string map keys and non-finite floats, which these types cannot hold"
)]
pub fn to_value(object: &Object) -> Value {
    serde_json::to_value(object).expect("policy objects always serialize")
}

/// `object` as one YAML document, starting with `---`.
#[must_use]
pub fn yaml_document(object: &Object) -> String {
    format!("---\n{}", emit::to_yaml(&to_value(object)))
}

/// `objects` as a YAML stream; empty for no objects.
#[must_use]
pub fn yaml_stream(objects: &[Object]) -> String {
    objects.iter().map(yaml_document).collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct List {
    api_version: &'static str,
    kind: &'static str,
    items: Vec<Value>,
}

/// `objects` as a JSON `List`.
#[must_use]
#[expect(
    clippy::missing_panics_doc,
    reason = "writing a tree of `Value`s to a string cannot fail"
)]
pub fn json_list(objects: &[Object]) -> String {
    let list = List {
        api_version: "v1",
        kind: "List",
        items: objects.iter().map(to_value).collect(),
    };
    let mut text = serde_json::to_string_pretty(&list).expect("a list of values always serializes");
    text.push('\n');
    text
}
