//! The two output forms of `compile`.
//!
//! - YAML: one document per object, each starting with a `---` line, in the
//!   order given (the compiler's order: kind, namespace, name).
//! - JSON: one `{"apiVersion": "v1", "kind": "List", "items": [...]}` object,
//!   the form `kubectl get -o json` prints and `kubectl apply -f` reads,
//!   pretty-printed with two spaces and ending in a newline.
//!
//! Both print the object's [`Doc`](super::Doc), so keys come in the same order in both
//! (sorted, as `serde_json`'s map keeps them) and as [`to_value`] has them.

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
    let mut text = String::with_capacity(2048);
    text.push_str("---\n");
    emit::write_yaml(&mut text, &object.doc());
    text
}

/// `objects` as a YAML stream; empty for no objects.
#[must_use]
pub fn yaml_stream(objects: &[Object]) -> String {
    objects.iter().map(yaml_document).collect()
}

/// `object` pretty-printed as JSON, as an item of [`json_list`] prints it:
/// every line after the first indented by four spaces.
#[must_use]
pub fn json_item(object: &Object) -> Vec<u8> {
    let mut text = Vec::with_capacity(4096);
    object.doc().write_json(&mut text, 2);
    text
}

/// `object` pretty-printed as JSON on its own, ending in a newline.
#[must_use]
pub fn json_document(object: &Object) -> Vec<u8> {
    let mut text = Vec::with_capacity(4096);
    object.doc().write_json(&mut text, 0);
    text.push(b'\n');
    text
}

/// The first line of [`json_list`]'s output, up to the first item.
pub const JSON_LIST_START: &str =
    "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [";

/// What [`json_list`] writes between items: the first item gets
/// `separator(true)`.
#[must_use]
pub fn json_list_separator(first: bool) -> &'static str {
    if first { "\n    " } else { ",\n    " }
}

/// The end of [`json_list`]'s output after the last item.
pub const JSON_LIST_END: &str = "\n  ]\n}\n";

/// `objects` as a JSON `List`, laid out as `serde_json`'s pretty printer
/// lays out `{"apiVersion": "v1", "kind": "List", "items": [...]}` (in that
/// order, the order `kubectl` prints a list's fields in).
#[must_use]
pub fn json_list(objects: &[Object]) -> String {
    if objects.is_empty() {
        return format!("{JSON_LIST_START}]\n}}\n");
    }
    let mut text = Vec::from(JSON_LIST_START);
    for (i, object) in objects.iter().enumerate() {
        text.extend_from_slice(json_list_separator(i == 0).as_bytes());
        object.doc().write_json(&mut text, 2);
    }
    text.extend_from_slice(JSON_LIST_END.as_bytes());
    String::from_utf8(text).unwrap_or_else(|_| unreachable!("JSON text is UTF-8"))
}
