//! A borrowed document tree between the typed objects and the printed text.
//!
//! Printing went through a `serde_json::Value` per object before: at 50,000
//! services that is millions of owned strings and map nodes built only to be
//! printed once. A [`Doc`] borrows every string from the object it describes,
//! so building one costs a few small vectors.
//!
//! Invariants:
//! - [`Object::doc`] gives exactly the tree `serde_json::to_value(object)`
//!   gives (same keys, same values, same left-out fields), with every
//!   mapping's keys sorted as `serde_json`'s map sorts them; the JSON and
//!   YAML texts are therefore the ones the `Value` path printed, byte for
//!   byte (tested on every object of the examples and of generated
//!   workspaces).
//! - [`Doc`]'s `Serialize` makes the same calls as `Value`'s, so any serde
//!   format prints it as it printed the value.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap as _, SerializeSeq as _};
use serde::{Serialize, Serializer};
use serde_json::{Number, Value};

use super::objects::{
    Action, AuthorizationPolicy, AuthorizationRule, AuthorizationSpec, CiliumPolicy, CiliumSpec,
    DefaultDeny, EgressRule, EndpointSelector, IngressRule, Labels, Object, ObjectMeta, Operator,
    PortProtocol, PortRule, Requirement, WorkloadSelector,
};

/// A JSON-like value whose strings are borrowed.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, only ever from a `Value`: the objects hold none.
    Number(&'a Number),
    /// A string.
    Str(&'a str),
    /// A sequence.
    Seq(Vec<Doc<'a>>),
    /// A mapping, keys sorted and unique.
    Map(Vec<(&'a str, Doc<'a>)>),
}

impl<'a> Doc<'a> {
    /// A mapping from struct fields in any order; sorted here so the field
    /// lists below can follow the structs' declarations.
    fn fields(mut entries: Vec<(&'a str, Doc<'a>)>) -> Self {
        entries.sort_unstable_by_key(|(key, _)| *key);
        Doc::Map(entries)
    }

    /// A sequence of the items' trees.
    fn seq<T: 'a>(items: &'a [T], doc: impl Fn(&'a T) -> Doc<'a>) -> Self {
        Doc::Seq(items.iter().map(doc).collect())
    }

    /// A sequence of strings.
    fn strings(items: &'a [String]) -> Self {
        Doc::seq(items, |s| Doc::Str(s))
    }

    /// A string-to-string map, already sorted by key.
    fn string_map(map: &'a BTreeMap<String, String>) -> Self {
        Doc::Map(map.iter().map(|(k, v)| (k.as_str(), Doc::Str(v))).collect())
    }

    /// The tree of a `serde_json::Value`.
    #[must_use]
    pub fn from_value(value: &'a Value) -> Self {
        match value {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(*b),
            Value::Number(n) => Doc::Number(n),
            Value::String(s) => Doc::Str(s),
            Value::Array(items) => Doc::seq(items, Doc::from_value),
            Value::Object(map) => Doc::Map(
                map.iter()
                    .map(|(k, v)| (k.as_str(), Doc::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// Append the tree as `serde_json::to_string_pretty` prints it (two
    /// spaces per level), as if it stood `depth` levels deep: every line
    /// after the first is indented by `2 * depth` more spaces.
    pub fn write_json(&self, out: &mut Vec<u8>, depth: usize) {
        match self {
            Doc::Null => out.extend_from_slice(b"null"),
            Doc::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Doc::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Doc::Str(s) => json_string(out, s),
            Doc::Seq(items) if items.is_empty() => out.extend_from_slice(b"[]"),
            Doc::Map(entries) if entries.is_empty() => out.extend_from_slice(b"{}"),
            Doc::Seq(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                    indent(out, depth + 1);
                    item.write_json(out, depth + 1);
                }
                out.push(b'\n');
                indent(out, depth);
                out.push(b']');
            }
            Doc::Map(entries) => {
                out.push(b'{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                    indent(out, depth + 1);
                    json_string(out, key);
                    out.extend_from_slice(b": ");
                    value.write_json(out, depth + 1);
                }
                out.push(b'\n');
                indent(out, depth);
                out.push(b'}');
            }
        }
    }
}

fn indent(out: &mut Vec<u8>, depth: usize) {
    out.extend(std::iter::repeat_n(b' ', 2 * depth));
}

/// `s` quoted and escaped by `serde_json` itself, so escapes cannot drift.
fn json_string(out: &mut Vec<u8>, s: &str) {
    let mut serializer = serde_json::Serializer::new(&mut *out);
    let written: Result<(), serde_json::Error> = serializer.serialize_str(s);
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
}

impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => serializer.serialize_unit(),
            Doc::Bool(b) => serializer.serialize_bool(*b),
            Doc::Number(n) => n.serialize(serializer),
            Doc::Str(s) => serializer.serialize_str(s),
            Doc::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl Object {
    /// The object's printable tree (see the module documentation).
    #[must_use]
    pub fn doc(&self) -> Doc<'_> {
        match self {
            Object::Cilium(policy) => policy.doc(),
            Object::Istio(policy) => policy.doc(),
        }
    }
}

impl CiliumPolicy {
    fn doc(&self) -> Doc<'_> {
        top_level(self.api_version, self.kind, &self.metadata, self.spec.doc())
    }
}

impl AuthorizationPolicy {
    fn doc(&self) -> Doc<'_> {
        top_level(self.api_version, self.kind, &self.metadata, self.spec.doc())
    }
}

/// The fields every Kubernetes object has, around its `spec`.
fn top_level<'a>(
    api_version: &'a str,
    kind: &'a str,
    metadata: &'a ObjectMeta,
    spec: Doc<'a>,
) -> Doc<'a> {
    Doc::fields(vec![
        ("apiVersion", Doc::Str(api_version)),
        ("kind", Doc::Str(kind)),
        ("metadata", metadata.doc()),
        ("spec", spec),
    ])
}

impl ObjectMeta {
    fn doc(&self) -> Doc<'_> {
        let mut fields = vec![("name", Doc::Str(&self.name))];
        if let Some(namespace) = &self.namespace {
            fields.push(("namespace", Doc::Str(namespace)));
        }
        fields.push(("labels", Doc::string_map(&self.labels)));
        fields.push(("annotations", Doc::string_map(&self.annotations)));
        Doc::fields(fields)
    }
}

impl Labels {
    fn doc(&self) -> Doc<'_> {
        Doc::Map(self.iter().map(|(k, v)| (k, Doc::Str(v))).collect())
    }
}

impl EndpointSelector {
    fn doc(&self) -> Doc<'_> {
        let mut fields = Vec::with_capacity(2);
        if !self.match_labels.is_empty() {
            fields.push(("matchLabels", self.match_labels.doc()));
        }
        if !self.match_expressions.is_empty() {
            fields.push((
                "matchExpressions",
                Doc::seq(&self.match_expressions, Requirement::doc),
            ));
        }
        Doc::fields(fields)
    }
}

impl Requirement {
    fn doc(&self) -> Doc<'_> {
        let mut fields = vec![
            ("key", Doc::Str(&self.key)),
            ("operator", Doc::Str(self.operator.as_str())),
        ];
        if !self.values.is_empty() {
            fields.push(("values", Doc::strings(&self.values)));
        }
        Doc::fields(fields)
    }
}

impl Operator {
    /// The operator as the CRD spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Exists => "Exists",
            Operator::NotIn => "NotIn",
        }
    }
}

impl PortRule {
    fn doc(&self) -> Doc<'_> {
        Doc::Map(vec![("ports", Doc::seq(&self.ports, PortProtocol::doc))])
    }
}

impl PortProtocol {
    fn doc(&self) -> Doc<'_> {
        Doc::Map(vec![
            ("port", Doc::Str(&self.port)),
            ("protocol", Doc::Str(self.protocol)),
        ])
    }
}

/// `peers` under `peer_key` and the ports under `toPorts`, each left out
/// when empty: the shape of both Cilium rule kinds.
fn rule_doc<'a>(
    peer_key: &'static str,
    peers: &'a [EndpointSelector],
    ports: &'a [PortRule],
) -> Doc<'a> {
    let mut fields = Vec::with_capacity(2);
    if !peers.is_empty() {
        fields.push((peer_key, Doc::seq(peers, EndpointSelector::doc)));
    }
    if !ports.is_empty() {
        fields.push(("toPorts", Doc::seq(ports, PortRule::doc)));
    }
    Doc::fields(fields)
}

impl EgressRule {
    /// The rule's printable tree.
    #[must_use]
    pub fn doc(&self) -> Doc<'_> {
        rule_doc("toEndpoints", &self.to_endpoints, &self.to_ports)
    }
}

impl IngressRule {
    /// The rule's printable tree.
    #[must_use]
    pub fn doc(&self) -> Doc<'_> {
        rule_doc("fromEndpoints", &self.from_endpoints, &self.to_ports)
    }
}

impl DefaultDeny {
    fn doc(self) -> Doc<'static> {
        Doc::Map(vec![
            ("egress", Doc::Bool(self.egress)),
            ("ingress", Doc::Bool(self.ingress)),
        ])
    }
}

impl CiliumSpec {
    fn doc(&self) -> Doc<'_> {
        let mut fields = Vec::with_capacity(5);
        if let Some(description) = &self.description {
            fields.push(("description", Doc::Str(description)));
        }
        fields.push(("endpointSelector", self.endpoint_selector.doc()));
        if let Some(deny) = &self.enable_default_deny {
            fields.push(("enableDefaultDeny", deny.doc()));
        }
        if !self.ingress.is_empty() {
            fields.push(("ingress", Doc::seq(&self.ingress, IngressRule::doc)));
        }
        if !self.egress.is_empty() {
            fields.push(("egress", Doc::seq(&self.egress, EgressRule::doc)));
        }
        Doc::fields(fields)
    }
}

impl WorkloadSelector {
    fn doc(&self) -> Doc<'_> {
        Doc::Map(vec![("matchLabels", self.match_labels.doc())])
    }
}

impl AuthorizationRule {
    /// The rule's printable tree.
    #[must_use]
    pub fn doc(&self) -> Doc<'_> {
        let from = Doc::seq(&self.from, |from| {
            Doc::Map(vec![(
                "source",
                Doc::Map(vec![("principals", Doc::strings(&from.source.principals))]),
            )])
        });
        let to = Doc::seq(&self.to, |to| {
            Doc::Map(vec![(
                "operation",
                Doc::Map(vec![("ports", Doc::strings(&to.operation.ports))]),
            )])
        });
        Doc::Map(vec![("from", from), ("to", to)])
    }
}

impl AuthorizationSpec {
    fn doc(&self) -> Doc<'_> {
        let mut fields = Vec::with_capacity(3);
        if let Some(selector) = &self.selector {
            fields.push(("selector", selector.doc()));
        }
        if let Some(Action::Allow) = self.action {
            fields.push(("action", Doc::Str("ALLOW")));
        }
        if !self.rules.is_empty() {
            fields.push(("rules", Doc::seq(&self.rules, AuthorizationRule::doc)));
        }
        Doc::fields(fields)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_text_is_serde_json_pretty_at_any_depth() {
        let value = json!({
            "b": [1, "two", null, true, [], {}, {"x": "\u{1}\"\\é\n"}],
            "a": {"nested": [[1.5], {"k": false}]},
            "empty": "",
        });
        let doc = Doc::from_value(&value);
        let mut text = Vec::new();
        doc.write_json(&mut text, 0);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
        let mut deep = Vec::new();
        doc.write_json(&mut deep, 2);
        assert_eq!(
            String::from_utf8(deep).unwrap(),
            serde_json::to_string_pretty(&value)
                .unwrap()
                .replace('\n', "\n    ")
        );
        assert_eq!(serde_json::to_value(&doc).unwrap(), value);
    }
}
