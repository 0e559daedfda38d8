"""The CRD validator itself: it must refuse what the API server refuses, so
that a clean result on the compiler's output means something. Each case
breaks one valid object in one way, one keyword at a time."""

import copy

import pytest

from conftest import ROOT
from crds import CRD_FILES, to_json_schema

VALID_CNP = {
    "apiVersion": "cilium.io/v2",
    "kind": "CiliumNetworkPolicy",
    "metadata": {"name": "lattice-api", "namespace": "web", "labels": {"app.kubernetes.io/managed-by": "x"}},
    "spec": {
        "endpointSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
        "ingress": [
            {
                "fromEndpoints": [{"matchLabels": {"io.kubernetes.pod.namespace": "web", "app": "a"}}],
                "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}],
            }
        ],
    },
}

VALID_AP = {
    "apiVersion": "security.istio.io/v1",
    "kind": "AuthorizationPolicy",
    "metadata": {"name": "lattice-api", "namespace": "web"},
    "spec": {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
        "action": "ALLOW",
        "rules": [
            {
                "from": [{"source": {"principals": ["cluster.local/ns/web/sa/a"]}}],
                "to": [{"operation": {"ports": ["8080"]}}],
            }
        ],
    },
}


def broken(base, path, value):
    """A copy of `base` with the value at `path` (keys and indexes) replaced;
    `...` as the value deletes the key."""
    obj = copy.deepcopy(base)
    node = obj
    for step in path[:-1]:
        node = node[step]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return obj


def test_valid_objects_pass(schemas):
    assert schemas.errors(VALID_CNP) == []
    assert schemas.errors(VALID_AP) == []
    ccnp = broken(VALID_CNP, ["kind"], "CiliumClusterwideNetworkPolicy")
    del ccnp["metadata"]["namespace"]
    assert schemas.errors(ccnp) == []


RULE = ["spec", "ingress", 0]
PORT = [*RULE, "toPorts", 0, "ports", 0]
CASES = [
    ("unknown field", VALID_CNP, ["spec", "egres"], [], "'egres' was unexpected"),
    ("unknown field in a rule", VALID_CNP, [*RULE, "fromEndpoint"], [], "'fromEndpoint' was unexpected"),
    ("enum", VALID_CNP, [*PORT, "protocol"], "HTTP", "is not one of"),
    ("type", VALID_CNP, [*PORT, "port"], 8080, "is not of type 'string'"),
    ("pattern", VALID_CNP, [*PORT, "port"], "!!", "does not match"),
    ("maxLength", VALID_CNP, [*RULE, "fromEndpoints", 0, "matchLabels", "app"], "x" * 64, "is too long"),
    (
        "required",
        VALID_CNP,
        [*RULE, "fromEndpoints", 0, "matchExpressions"],
        [{"key": "app"}],
        "'operator' is a required property",
    ),
    ("anyOf", VALID_CNP, ["spec", "ingress"], ..., "is not valid under any of the given schemas"),
    ("oneOf", VALID_CNP, ["spec", "nodeSelector"], {}, "is valid under each of"),
    ("list-type set", VALID_CNP, [*RULE, "toPorts", 0, "serverNames"], ["a.example", "a.example"], "non-unique"),
    ("apiVersion", VALID_CNP, ["apiVersion"], "cilium.io/v1", "does not serve cilium.io/v1"),
    ("metadata name", VALID_CNP, ["metadata", "name"], "Lattice_API", "does not match"),
    ("metadata field", VALID_CNP, ["metadata", "label"], {}, "'label' was unexpected"),
    ("label key", VALID_CNP, ["metadata", "labels"], {"a/b/c": "x"}, "k8s-qualified-name"),
    ("label value", VALID_CNP, ["metadata", "labels"], {"a": "not a value"}, "does not match"),
    ("namespace on a namespaced kind", VALID_CNP, ["metadata", "namespace"], ..., "namespace is missing"),
    ("Istio enum", VALID_AP, ["spec", "action"], "ALLOWED", "is not one of"),
    (
        "Istio unknown field",
        VALID_AP,
        ["spec", "rules", 0, "from", 0, "source", "principal"],
        ["x"],
        "'principal' was unexpected",
    ),
    ("Istio maxItems", VALID_AP, ["spec", "rules", 0, "from"], [{"source": {}}] * 513, "is too long"),
    (
        "CEL on a label value",
        VALID_AP,
        ["spec", "selector", "matchLabels", "app"],
        "a*",
        "wildcard not allowed in label value match",
    ),
    ("CEL on label keys", VALID_AP, ["spec", "selector", "matchLabels"], {"": "x"}, "key must not be empty"),
    (
        "CEL across fields",
        VALID_AP,
        ["spec", "targetRef"],
        {"kind": "Service", "name": "api"},
        "only one of targetRefs or selector",
    ),
    (
        "CEL on a source",
        VALID_AP,
        ["spec", "rules", 0, "from", 0, "source", "serviceAccounts"],
        ["web/a"],
        "Cannot set serviceAccounts with namespaces or principals",
    ),
]


@pytest.mark.parametrize("case, base, path, value, message", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_violation_is_caught(schemas, case, base, path, value, message):
    errors = schemas.errors(broken(base, path, value))
    assert any(message in e for e in errors), f"{case}: {errors}"


def test_int_or_string_and_open_objects_are_read_as_kubernetes_reads_them():
    int_or_string = to_json_schema({"x-kubernetes-int-or-string": True, "pattern": "^[0-9]+$"})
    assert int_or_string["type"] == ["integer", "string"]
    closed = to_json_schema({"type": "object", "properties": {"a": {"type": "string"}}})
    assert closed["additionalProperties"] is False
    open_ = to_json_schema({"type": "object", "properties": {"a": {}}, "x-kubernetes-preserve-unknown-fields": True})
    assert "additionalProperties" not in open_
    nullable = to_json_schema({"type": "string", "nullable": True, "enum": ["a"]})
    assert nullable == {"type": ["string", "null"], "enum": ["a", None]}
    # Branches of anyOf only require fields the structural part describes.
    branch = to_json_schema({"anyOf": [{"properties": {"a": {}}, "required": ["a"]}]})
    assert "additionalProperties" not in branch["anyOf"][0]


def test_an_unknown_schema_keyword_is_refused():
    with pytest.raises(Exception, match="x-kubernetes-embedded-resource"):
        to_json_schema({"type": "object", "x-kubernetes-embedded-resource": True})


def test_the_fetched_crds_are_the_reference_copies(crds_dir):
    """The CRDs from the Go modules are byte for byte the copies kept beside
    the repository (when it has them): the same Cilium files, and the same
    AuthorizationPolicy document of Istio's multi-document file."""
    shared = ROOT.parent / "shared" / "crds"
    if not shared.is_dir():
        pytest.skip("no ../shared/crds beside the repository")
    for name in CRD_FILES.values():
        assert (crds_dir / name).read_bytes() == (shared / name).read_bytes(), name
