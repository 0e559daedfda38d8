//! Every compiled object validates against the upstream CRD schemas (Cilium
//! 1.19, Istio 1.29), and against the API server's rules for names, labels
//! and annotations.
//!
//! The CRDs are those `scripts/fetch-crds.sh` takes from the Cilium and Istio
//! Go modules: `$LATTICE_CRDS_DIR` (set by `scripts/test.sh`), else the
//! script's machine-level cache, else the reference copies in `../shared/crds`
//! beside the repository.
//!
//! The validator covers the `OpenAPI` v3 subset the CRDs use for these
//! fields: `type`, `properties` (an unknown field is an error, as the API
//! server would silently drop it), `additionalProperties`, `required`,
//! `enum`, `minItems`/`maxItems`, `minLength`/`maxLength`,
//! `maxProperties`, `minimum`/`maximum`, `oneOf`, `anyOf`, `allOf`, `not`.
//! `pattern` and CEL rules are not evaluated here; the two patterns the
//! output meets (ports, label values) are checked by hand below. The policy
//! tests in `tests/policy` validate the compiled output of the examples and
//! of random workspaces against the full schemas, `pattern` and CEL included.

use std::path::PathBuf;

use lattice_core::compile::{CompileOptions, Object, compile, to_value};
use lattice_core::names::{dns_label_problem, label_key_problem, label_value_problem};
use serde_json::Value;

use crate::support::{example, files, service, yaml_value};

/// Where `scripts/fetch-crds.sh` keeps the CRDs it fetched.
const FETCHED: &str = "kubectl-lattice/crds/cilium-v1.19.1-istio-1.29.1";

fn crds() -> PathBuf {
    if let Some(dir) = std::env::var_os("LATTICE_CRDS_DIR") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    let candidates = [
        cache.map(|c| c.join(FETCHED)),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/crds")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "the upstream CRDs are missing: run scripts/fetch-crds.sh, or set $LATTICE_CRDS_DIR"
            )
        })
}

/// The `openAPIV3Schema` of `version` in CRD file `file`.
fn schema(file: &str, version: &str) -> Value {
    let text = std::fs::read_to_string(crds().join(file)).expect("the CRD file is readable");
    let crd = yaml_value(&text);
    crd["spec"]["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|v| v["name"] == version)
        .expect("the version is served")["schema"]["openAPIV3Schema"]
        .clone()
}

struct Schemas {
    network: Value,
    clusterwide: Value,
    authorization: Value,
}

fn schemas() -> Schemas {
    Schemas {
        network: schema("cilium.io_ciliumnetworkpolicies.yaml", "v2"),
        clusterwide: schema("cilium.io_ciliumclusterwidenetworkpolicies.yaml", "v2"),
        authorization: schema("security.istio.io_authorizationpolicies.yaml", "v1"),
    }
}

fn validate(schema: &Value, value: &Value, path: &str, strict: bool, errors: &mut Vec<String>) {
    let mut fail = |message: String| errors.push(format!("{path}: {message}"));
    if let Some(ty) = schema["type"].as_str() {
        let ok = match ty {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            other => panic!("schema type {other} is not handled"),
        };
        if !ok {
            fail(format!("expected {ty}, found {value}"));
            return;
        }
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            fail(format!("{value} is not one of {options:?}"));
        }
    }
    if let Some(n) = schema["maxItems"].as_u64() {
        if value.as_array().is_some_and(|a| a.len() as u64 > n) {
            fail(format!("more than {n} items"));
        }
    }
    if let Some(n) = schema["minItems"].as_u64() {
        if value.as_array().is_some_and(|a| (a.len() as u64) < n) {
            fail(format!("fewer than {n} items"));
        }
    }
    if let Some(n) = schema["maxLength"].as_u64() {
        if value.as_str().is_some_and(|s| s.chars().count() as u64 > n) {
            fail(format!("longer than {n}"));
        }
    }
    if let Some(n) = schema["minLength"].as_u64() {
        if value
            .as_str()
            .is_some_and(|s| (s.chars().count() as u64) < n)
        {
            fail(format!("shorter than {n}"));
        }
    }
    if let Some(n) = schema["maxProperties"].as_u64() {
        if value.as_object().is_some_and(|m| m.len() as u64 > n) {
            fail(format!("more than {n} properties"));
        }
    }
    if let (Some(n), Some(v)) = (schema["maximum"].as_i64(), value.as_i64()) {
        if v > n {
            fail(format!("{v} is above {n}"));
        }
    }
    if let (Some(n), Some(v)) = (schema["minimum"].as_i64(), value.as_i64()) {
        if v < n {
            fail(format!("{v} is below {n}"));
        }
    }
    if let Some(required) = schema["required"].as_array() {
        for key in required.iter().filter_map(Value::as_str) {
            if value.get(key).is_none() {
                fail(format!("`{key}` is required"));
            }
        }
    }
    let matches = |sub: &Value| {
        let mut inner = Vec::new();
        validate(sub, value, path, false, &mut inner);
        inner.is_empty()
    };
    if let Some(all) = schema["oneOf"].as_array() {
        let n = all.iter().filter(|s| matches(s)).count();
        if n != 1 {
            fail(format!("matches {n} of the oneOf alternatives, not one"));
        }
    }
    if let Some(any) = schema["anyOf"].as_array() {
        if !any.iter().any(matches) {
            fail("matches none of the anyOf alternatives".to_owned());
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for sub in all {
            validate(sub, value, path, false, errors);
        }
    }
    if let Some(not) = schema.get("not") {
        if matches(not) {
            errors.push(format!("{path}: matches a `not` schema"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(item_schema, item, &format!("{path}[{i}]"), strict, errors);
            }
        }
    }
    if let Some(map) = value.as_object() {
        let properties = schema["properties"].as_object();
        let additional = schema.get("additionalProperties");
        let open = schema["x-kubernetes-preserve-unknown-fields"] == true;
        // The API server knows these at the root whether the schema lists
        // them or not (Istio's does not), and checks `metadata` itself (see
        // `check_metadata`).
        let implicit = |key: &str| {
            (path.is_empty() && ["apiVersion", "kind", "metadata"].contains(&key))
                || path == ".metadata"
        };
        for (key, item) in map {
            let child = format!("{path}.{key}");
            match (properties.and_then(|p| p.get(key)), additional) {
                (Some(sub), _) | (None, Some(sub)) => validate(sub, item, &child, strict, errors),
                (None, None) if strict && !open && !implicit(key) => {
                    errors.push(format!("{child}: unknown field"));
                }
                (None, None) => {}
            }
        }
    }
}

/// What the API server checks outside the schema: names, label syntax.
fn check_metadata(object: &Value, errors: &mut Vec<String>) {
    let meta = &object["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    if let Some(problem) = dns_label_problem(name) {
        errors.push(format!("metadata.name {name:?} {problem}"));
    }
    if let Some(ns) = meta["namespace"].as_str() {
        if let Some(problem) = dns_label_problem(ns) {
            errors.push(format!("metadata.namespace {ns:?} {problem}"));
        }
    }
    for (key, value) in meta["labels"].as_object().into_iter().flatten() {
        let value = value.as_str().unwrap_or_default();
        if let Some(p) = label_key_problem(key).or_else(|| label_value_problem(value)) {
            errors.push(format!("label {key}={value}: {p}"));
        }
    }
    for key in meta["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if let Some(p) = label_key_problem(key) {
            errors.push(format!("annotation {key}: {p}"));
        }
    }
}

/// The patterns of `toPorts[].ports[].port` (a number here) and of
/// `matchLabels` values, checked on every occurrence.
fn check_patterns(value: &Value, key: Option<&str>, errors: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "matchLabels" {
                    for (lk, lv) in v.as_object().into_iter().flatten() {
                        let lv = lv.as_str().unwrap_or_default();
                        if let Some(p) = label_key_problem(lk).or_else(|| label_value_problem(lv)) {
                            errors.push(format!("selector {lk}={lv}: {p}"));
                        }
                    }
                }
                check_patterns(v, Some(k), errors);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| check_patterns(i, key, errors)),
        Value::String(s) if key == Some("port") && !s.parse::<u16>().is_ok_and(|p| p > 0) => {
            errors.push(format!("port {s:?} is not a port number"));
        }
        _ => {}
    }
}

fn validate_all(objects: &[Object], schemas: &Schemas) {
    assert!(!objects.is_empty());
    let mut errors = Vec::new();
    for object in objects {
        let value = to_value(object);
        let schema = match object.kind() {
            "CiliumNetworkPolicy" => &schemas.network,
            "CiliumClusterwideNetworkPolicy" => &schemas.clusterwide,
            "AuthorizationPolicy" => &schemas.authorization,
            other => panic!("unexpected kind {other}"),
        };
        let before = errors.len();
        validate(schema, &value, "", true, &mut errors);
        check_metadata(&value, &mut errors);
        check_patterns(&value, None, &mut errors);
        for e in &mut errors[before..] {
            *e = format!("{} {}: {e}", object.kind(), object.metadata().name);
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_object_validates_against_the_upstream_crds() {
    let schemas = schemas();
    for name in ["shop", "mistakes"] {
        validate_all(
            &compile(&example(name), &CompileOptions::default()).objects,
            &schemas,
        );
    }
    let mesh_wide = CompileOptions {
        mesh_wide_baseline: true,
        system_namespaces: vec!["ops".to_owned()],
        ..CompileOptions::default()
    };
    validate_all(&compile(&example("shop"), &mesh_wide).objects, &schemas);

    let member = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: batch\n  namespace: platform\nspec:\n  target:\n    namespace: legacy\n  dependencies:\n    - name: api\n      namespace: web\n";
    let analysis = files(&[
        ("batch.yaml", member),
        (
            "api.yaml",
            &service(
                "api",
                "web",
                8080,
                "      batch: {direction: inbound, namespace: platform}\n",
            ),
        ),
    ]);
    validate_all(
        &compile(&analysis, &CompileOptions::default()).objects,
        &schemas,
    );
}

#[test]
fn the_validator_catches_what_the_api_server_would_refuse() {
    let schemas = schemas();
    let mut errors = Vec::new();
    let bad = serde_json::json!({
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "x"},
        "spec": {
            "endpointSelector": {},
            "ingress": [{"toPorts": [{"ports": [{"port": 80, "protocol": "HTTP"}]}]}],
            "egres": []
        }
    });
    validate(&schemas.network, &bad, "", true, &mut errors);
    let text = errors.join("\n");
    assert!(text.contains(".spec.egres: unknown field"), "{text}");
    assert!(text.contains("expected string, found 80"), "{text}");
    assert!(text.contains("\"HTTP\" is not one of"), "{text}");

    let mut errors = Vec::new();
    let neither = serde_json::json!({"spec": {"endpointSelector": {}}});
    validate(&schemas.network, &neither, "", true, &mut errors);
    assert!(errors.iter().any(|e| e.contains("anyOf")), "{errors:?}");
}
