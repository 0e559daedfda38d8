"""Validate objects the way the API server would, against upstream CRD schemas.

A CRD's `openAPIV3Schema` is not quite JSON Schema, so it is converted first,
following what the API server does with a structural schema:

- an object schema with `properties` and no `additionalProperties` is closed:
  a field it does not list is an error here (the server would prune it, or
  reject it under strict field validation; either way the policy would not
  be what was written);
- `x-kubernetes-preserve-unknown-fields` keeps such an object open;
- `x-kubernetes-int-or-string` accepts an integer or a string;
- `nullable` adds `null` to the type;
- `x-kubernetes-list-type: set` demands unique items, `map` unique keys;
- `x-kubernetes-validations` (CEL) are evaluated with cel-python;
- `pattern` is matched with RE2, the dialect of Go's regexp the server uses;
- `format` is checked for the formats the server knows among those the CRDs
  use (`cidr`, `date-time`, `int32`, `int64`).

Only the structural part of a schema is closed: the branches of `anyOf`,
`oneOf`, `allOf` and `not` constrain a value that the structural part
already describes (Cilium lists `properties: {ingress: {}}` there only to
say `required: [ingress]`).

The root gets `apiVersion` and `kind` (which must be the CRD's) and a
`metadata` schema with the checks the server applies to every object: name,
namespace, label and annotation syntax. A keyword the converter does not know
is an error, so a new CRD feature cannot be ignored silently.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import celpy
import jsonschema
import re2
import yaml

# Keywords copied as they are: their JSON Schema meaning is the OpenAPI one.
PLAIN_KEYWORDS = {
    "type",
    "enum",
    "pattern",
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "maxProperties",
    "minProperties",
    "minimum",
    "maximum",
    "multipleOf",
    "required",
    "format",
    "uniqueItems",
}

# Keywords that say nothing about validity.
IGNORED_KEYWORDS = {"description", "default", "example", "x-kubernetes-map-type", "title"}

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
LABEL_NAME = r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"

# What the server accepts in `metadata` when an object is created. Fields it
# sets itself are listed so that a round-tripped object still validates.
OBJECT_META = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 253, "pattern": DNS_SUBDOMAIN},
        "namespace": {"type": "string", "maxLength": 63, "pattern": DNS_LABEL},
        "labels": {
            "type": "object",
            "propertyNames": {"format": "k8s-qualified-name"},
            "additionalProperties": {"type": "string", "maxLength": 63, "pattern": LABEL_VALUE},
        },
        "annotations": {
            "type": "object",
            "propertyNames": {"format": "k8s-qualified-name"},
            "additionalProperties": {"type": "string"},
            "x-lattice-max-total-size": 256 * 1024,
        },
        "generateName": {"type": "string"},
        "uid": {"type": "string"},
        "resourceVersion": {"type": "string"},
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": ["string", "null"]},
        "deletionTimestamp": {"type": "string"},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "ownerReferences": {"type": "array"},
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "managedFields": {"type": "array"},
    },
}


class UnsupportedSchema(Exception):
    """A CRD uses a schema keyword this converter does not translate."""


def to_json_schema(schema: dict[str, Any], structural: bool = True) -> dict[str, Any]:
    """Translate one OpenAPI v3 schema node of a CRD (see the module docs)."""
    out: dict[str, Any] = {}
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    for key, value in schema.items():
        if key in PLAIN_KEYWORDS:
            out[key] = value
        elif key in IGNORED_KEYWORDS:
            continue
        elif key == "properties":
            out[key] = {name: to_json_schema(sub, structural) for name, sub in value.items()}
        elif key == "items":
            out[key] = to_json_schema(value, structural)
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else to_json_schema(value, structural)
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [to_json_schema(sub, structural=False) for sub in value]
        elif key == "not":
            out[key] = to_json_schema(value, structural=False)
        elif key == "x-kubernetes-list-type":
            if value == "set":
                out["uniqueItems"] = True
            elif value == "map":
                out["x-lattice-list-map-keys"] = schema.get("x-kubernetes-list-map-keys", [])
            elif value != "atomic":
                raise UnsupportedSchema(f"x-kubernetes-list-type: {value}")
        elif key == "x-kubernetes-validations":
            out[key] = value
        elif key in (
            "nullable",
            "x-kubernetes-int-or-string",
            "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-list-map-keys",
        ):
            continue
        else:
            raise UnsupportedSchema(f"schema keyword {key!r}")

    if schema.get("x-kubernetes-int-or-string") is True:
        if "type" in schema:
            raise UnsupportedSchema("x-kubernetes-int-or-string beside a type")
        out["type"] = ["integer", "string"]
    if schema.get("nullable") is True:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if structural and "properties" in schema and "additionalProperties" not in schema and not preserve:
        out["additionalProperties"] = False
    return out


# --- keywords and formats beyond JSON Schema -------------------------------


def _pattern(validator, pattern, instance, schema) -> Iterator[jsonschema.ValidationError]:
    """`pattern` as Go's regexp (RE2) reads it: unanchored search."""
    if isinstance(instance, str) and not _re2(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _re2(pattern: str):
    return re2.compile(pattern)


def _list_map_keys(validator, keys, instance, schema) -> Iterator[jsonschema.ValidationError]:
    """`x-kubernetes-list-type: map`: no two items share their key fields."""
    if not isinstance(instance, list):
        return
    seen = set()
    for item in instance:
        if not isinstance(item, dict):
            continue
        key = tuple(repr(item.get(k)) for k in keys)
        if key in seen:
            yield jsonschema.ValidationError(f"two items have the same keys {dict(zip(keys, key, strict=True))}")
        seen.add(key)


def _max_total_size(validator, limit, instance, schema) -> Iterator[jsonschema.ValidationError]:
    """The server's limit on all annotations together (keys and values)."""
    if isinstance(instance, dict):
        size = sum(len(k.encode()) + len(str(v).encode()) for k, v in instance.items())
        if size > limit:
            yield jsonschema.ValidationError(f"annotations take {size} bytes, more than {limit}")


_CEL = celpy.Environment()


@functools.cache
def _cel_program(rule: str):
    return _CEL.program(_CEL.compile(rule))


def _cel_rules(validator, rules, instance, schema) -> Iterator[jsonschema.ValidationError]:
    """`x-kubernetes-validations`: every rule must evaluate to true."""
    for rule in rules:
        text = rule["rule"]
        # Transition rules compare with the stored object; a create has none.
        if "oldSelf" in text:
            continue
        message = rule.get("message") or f"failed rule: {text}"
        try:
            result = _cel_program(text).evaluate({"self": celpy.json_to_cel(instance)})
        except celpy.CELEvalError as error:
            yield jsonschema.ValidationError(f"{message} (rule {text!r} failed: {error})")
            continue
        if not (isinstance(result, celpy.celtypes.BoolType) and bool(result)):
            yield jsonschema.ValidationError(f"{message} (rule {text!r} gave {result!r})")


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("cidr", raises=ValueError)
def _cidr(value: object) -> bool:
    if isinstance(value, str):
        ipaddress.ip_network(value, strict=False)
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


@FORMATS.checks("k8s-qualified-name")
def _qualified_name(value: object) -> bool:
    """A label or annotation key: an optional DNS subdomain prefix and a name."""
    if not isinstance(value, str):
        return True
    prefix, _, name = value.rpartition("/")
    if "/" in value and not (0 < len(prefix) <= 253 and re.match(DNS_SUBDOMAIN, prefix)):
        return False
    return 0 < len(name) <= 63 and re.match(LABEL_NAME, name) is not None


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {
        "pattern": _pattern,
        "x-lattice-list-map-keys": _list_map_keys,
        "x-lattice-max-total-size": _max_total_size,
        "x-kubernetes-validations": _cel_rules,
    },
)


# --- CRDs ------------------------------------------------------------------

# The files in a CRD folder, by the kind they define.
CRD_FILES = {
    "CiliumNetworkPolicy": "cilium.io_ciliumnetworkpolicies.yaml",
    "CiliumClusterwideNetworkPolicy": "cilium.io_ciliumclusterwidenetworkpolicies.yaml",
    "AuthorizationPolicy": "security.istio.io_authorizationpolicies.yaml",
}


def _load_yaml(path: pathlib.Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(), Loader=loader)


def _patterns(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _patterns(item)


class Schemas:
    """Validators for the kinds of CRD_FILES, built from one CRD folder."""

    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self._validators: dict[tuple[str, str], Any] = {}

    def validator(self, api_version: str, kind: str):
        """The validator for `kind` at `api_version` (group/version)."""
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._build(api_version, kind)
        return self._validators[key]

    def _build(self, api_version: str, kind: str):
        if kind not in CRD_FILES:
            raise KeyError(f"no CRD for kind {kind}")
        crd = _load_yaml(self.folder / CRD_FILES[kind])
        group, _, version = api_version.rpartition("/")
        if crd["spec"]["group"] != group or crd["spec"]["names"]["kind"] != kind:
            raise KeyError(f"{CRD_FILES[kind]} does not define {api_version} {kind}")
        served = [v for v in crd["spec"]["versions"] if v["name"] == version and v.get("served")]
        if not served:
            raise KeyError(f"{CRD_FILES[kind]} does not serve {api_version}")
        schema = dict(served[0]["schema"]["openAPIV3Schema"])
        # The server knows these at the root whether the schema lists them or not.
        schema["properties"] = {
            **schema.get("properties", {}),
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
        }
        converted = to_json_schema(schema)
        converted["properties"]["apiVersion"] = {"const": api_version}
        converted["properties"]["kind"] = {"const": kind}
        converted["properties"]["metadata"] = OBJECT_META
        converted["required"] = sorted({*converted.get("required", []), "apiVersion", "kind", "metadata"})
        # The metaschema's own `format: regex` would read patterns as Python
        # regexes; they are RE2 (`\\PC` is a Unicode class there), so they
        # are compiled with RE2 instead.
        problems = list(jsonschema.Draft202012Validator(Validator.META_SCHEMA).iter_errors(converted))
        if problems:
            raise UnsupportedSchema(f"{CRD_FILES[kind]}: {problems[0].message}")
        for pattern in _patterns(converted):
            _re2(pattern)
        return Validator(converted, format_checker=FORMATS)

    def errors(self, obj: dict[str, Any]) -> list[str]:
        """Every reason the server would refuse or change `obj`, as text."""
        where = (
            f"{obj.get('kind')} {obj.get('metadata', {}).get('namespace', '-')}/{obj.get('metadata', {}).get('name')}"
        )
        try:
            validator = self.validator(obj["apiVersion"], obj["kind"])
        except KeyError as error:
            return [f"{where}: {error}"]
        out = []
        for error in validator.iter_errors(obj):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            out.append(f"{where}: {path or '.'}: {error.message}")
        if obj.get("kind") == "CiliumNetworkPolicy" and "namespace" not in obj.get("metadata", {}):
            # Namespaced objects without a namespace land in the client's
            # current one; a policy stream must say where each policy goes.
            out.append(f"{where}: metadata.namespace is missing on a namespaced kind")
        if obj.get("kind") == "AuthorizationPolicy" and "namespace" not in obj.get("metadata", {}):
            out.append(f"{where}: metadata.namespace is missing on a namespaced kind")
        if obj.get("kind") == "CiliumClusterwideNetworkPolicy" and "namespace" in obj.get("metadata", {}):
            out.append(f"{where}: metadata.namespace is set on a cluster-scoped kind")
        return sorted(out)
