"""A model of Lattice specs, written for the tests from the contract alone.

It says which agreements a workspace holds and which pods and ports they
concern, without asking the compiler: the policy tests compare what the
emitted policies allow (read by `cluster.py`) with what this model says the
specs ask for. The model renders itself as YAML spec files for the random
workspaces, and reads spec files back for the bundled examples.

The reading, from the contract's section 1 and the README:
- A LatticeService `resources` entry of type `service` (the default) names a
  peer: `id` or else the key, in `namespace` or else the declaring service's.
  `direction` is `outbound` (default), `inbound` or `both`. `id: "*"` on an
  inbound entry accepts every caller, of one namespace when `namespace` is
  given. Entries of other types are not calls.
- A LatticeMeshMember calls its `dependencies`, accepts its `allowedCallers`
  (`name: "*"` is the wildcard) and, with `dependsAll`, calls every workload
  that names it in an inbound declaration (never through a wildcard).
- An agreement A -> B (A and B distinct, both defined) needs A's call to B
  and B's acceptance of A; its traffic goes to B's target ports, with their
  protocols (a mesh member's ports are TCP).
- A document with an error produces nothing: its workload is in no agreement.
- Pods: a service's carry `app.kubernetes.io/name: <name>` and run as service
  account `<name>`; a mesh member's pods carry its selector's labels, or are
  every pod of its target namespace, and run as `serviceAccount` (default:
  the member's name).
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import yaml

from cluster import Pod

API_VERSION = "lattice.dev/v1alpha1"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DIRECTIONS = ("outbound", "inbound", "both")
PROTOCOLS = ("TCP", "UDP", "SCTP")
# A label every generated pod carries beside what its workload implies, so
# that selectors are seen to match subsets of a pod's labels.
EXTRA_POD_LABEL = ("pod-template-hash", "7c9d8f")


@dataclasses.dataclass(frozen=True, order=True)
class Ref:
    """A workload's identity."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclasses.dataclass
class ServicePort:
    name: str
    port: int
    target_port: int | None = None
    protocol: str | None = None

    def probe(self) -> tuple[int, str]:
        return (self.target_port or self.port, self.protocol or "TCP")


@dataclasses.dataclass
class Resource:
    """One `spec.workload.resources` entry."""

    key: str
    type: str | None = None
    direction: str | None = None
    id: str | None = None
    namespace: str | None = None


@dataclasses.dataclass
class PeerRef:
    """One `allowedCallers` or `dependencies` item."""

    name: str
    namespace: str | None = None


@dataclasses.dataclass
class Service:
    namespace: str
    name: str
    ports: list[ServicePort] = dataclasses.field(default_factory=list)
    resources: list[Resource] = dataclasses.field(default_factory=list)
    # Written without `metadata.namespace` (the namespace comes from `-n`).
    omit_namespace: bool = False
    # Why the document is invalid, or None. Rendering writes the error in.
    fault: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(self.namespace, self.name)


@dataclasses.dataclass
class Member:
    namespace: str
    name: str
    selector: dict[str, str] | None = None
    target_namespace: str | None = None
    ports: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    allowed_callers: list[PeerRef] = dataclasses.field(default_factory=list)
    dependencies: list[PeerRef] = dataclasses.field(default_factory=list)
    depends_all: bool = False
    service_account: str | None = None
    omit_namespace: bool = False
    fault: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(self.namespace, self.name)


Workload = Service | Member


@dataclasses.dataclass
class Workspace:
    workloads: list[Workload]
    # The namespace of documents that name none (`-n`).
    default_namespace: str = "default"

    def valid(self) -> dict[Ref, Workload]:
        return {w.ref: w for w in self.workloads if w.fault is None}


# --- agreements ------------------------------------------------------------


def _calls(w: Workload) -> set[Ref]:
    if isinstance(w, Member):
        return {Ref(d.namespace or w.namespace, d.name) for d in w.dependencies if d.name != "*"}
    return {
        Ref(r.namespace or w.namespace, r.id or r.key)
        for r in w.resources
        if (r.type or "service") == "service" and (r.direction or "outbound") in ("outbound", "both") and r.id != "*"
    }


def accepts_by_name(w: Workload) -> set[Ref]:
    if isinstance(w, Member):
        return {Ref(c.namespace or w.namespace, c.name) for c in w.allowed_callers if c.name != "*"}
    return {
        Ref(r.namespace or w.namespace, r.id or r.key)
        for r in w.resources
        if (r.type or "service") == "service" and (r.direction or "outbound") in ("inbound", "both") and r.id != "*"
    }


def _accepts_by_wildcard(w: Workload, caller: Ref) -> bool:
    if isinstance(w, Member):
        wildcards = [c.namespace for c in w.allowed_callers if c.name == "*"]
    else:
        wildcards = [
            r.namespace
            for r in w.resources
            if (r.type or "service") == "service" and r.direction == "inbound" and r.id == "*"
        ]
    return any(ns is None or ns == caller.namespace for ns in wildcards)


def agreements(ws: Workspace) -> set[tuple[Ref, Ref]]:
    """Every agreement (caller, callee) between valid workloads."""
    valid = ws.valid()
    out = set()
    for a in valid.values():
        calls = _calls(a)
        for b in valid.values():
            if a.ref == b.ref:
                continue
            named = a.ref in accepts_by_name(b)
            if b.ref in calls and (named or _accepts_by_wildcard(b, a.ref)):
                out.add((a.ref, b.ref))
            elif isinstance(a, Member) and a.depends_all and named:
                out.add((a.ref, b.ref))
    return out


def target_ports(w: Workload) -> set[tuple[int, str]]:
    """The (port, protocol) pairs a callee's pods serve."""
    if isinstance(w, Member):
        return {(port, "TCP") for port, _ in w.ports}
    return {p.probe() for p in w.ports}


def expected_flows(ws: Workspace) -> dict[tuple[Ref, Ref], set[tuple[int, str]]]:
    """What the agreements allow: (caller, callee) -> the callee's ports."""
    valid = ws.valid()
    out = {}
    for caller, callee in agreements(ws):
        ports = target_ports(valid[callee])
        if ports:
            out[(caller, callee)] = ports
    return out


def mentioned_ports(ws: Workspace) -> set[int]:
    """Every port number the specs name, Service ports included."""
    out = set()
    for w in ws.workloads:
        if isinstance(w, Member):
            out |= {port for port, _ in w.ports if isinstance(port, int)}
        else:
            for p in w.ports:
                out |= {n for n in (p.port, p.target_port) if isinstance(n, int)}
    return out


# --- pods ------------------------------------------------------------------


def workload_pod(w: Workload) -> Pod:
    """The pod a workload's spec implies (one per workload)."""
    extra = dict([EXTRA_POD_LABEL])
    if isinstance(w, Service):
        return Pod.make(str(w.ref), w.namespace, {"app.kubernetes.io/name": w.name, **extra}, w.name)
    account = w.service_account or w.name
    if w.target_namespace is not None and w.selector is None:
        return Pod.make(str(w.ref), w.target_namespace, {"app": f"{w.name}-legacy", **extra}, account)
    return Pod.make(str(w.ref), w.namespace, {**(w.selector or {"app": f"{w.name}-unselected"}), **extra}, account)


# --- rendering -------------------------------------------------------------


def _service_document(s: Service) -> dict[str, Any]:
    ports: dict[str, Any] = {}
    for p in s.ports:
        entry: dict[str, Any] = {"port": p.port}
        if p.target_port is not None:
            entry["targetPort"] = p.target_port
        if p.protocol is not None:
            entry["protocol"] = p.protocol
        ports[p.name] = entry
    resources: dict[str, Any] = {}
    for r in s.resources:
        entry = {}
        for field in ("type", "direction", "id", "namespace"):
            if getattr(r, field) is not None:
                entry[field] = getattr(r, field)
        resources[r.key] = entry
    apply_fault(s.fault, ports, resources)
    workload: dict[str, Any] = {"containers": {"main": {"image": f"registry.example/{s.name}:1"}}}
    if ports:
        workload["service"] = {"ports": ports}
    if resources:
        workload["resources"] = resources
    meta = {"name": s.name} if s.omit_namespace else {"name": s.name, "namespace": s.namespace}
    return {"apiVersion": API_VERSION, "kind": "LatticeService", "metadata": meta, "spec": {"workload": workload}}


def _member_document(m: Member) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if m.selector is not None:
        spec["target"] = {"selector": dict(m.selector)}
    if m.target_namespace is not None:
        spec.setdefault("target", {})["namespace"] = m.target_namespace
    if m.ports:
        spec["ports"] = [{"port": port, "name": name} for port, name in m.ports]
    for field, refs in (("allowedCallers", m.allowed_callers), ("dependencies", m.dependencies)):
        if refs:
            spec[field] = [{"name": r.name, **({"namespace": r.namespace} if r.namespace else {})} for r in refs]
    if m.depends_all:
        spec["dependsAll"] = True
    if m.service_account is not None:
        spec["serviceAccount"] = m.service_account
    apply_member_fault(m.fault, spec)
    meta = {"name": m.name} if m.omit_namespace else {"name": m.name, "namespace": m.namespace}
    return {"apiVersion": API_VERSION, "kind": "LatticeMeshMember", "metadata": meta, "spec": spec}


# Errors the contract names (a bad direction, a port out of range, a name
# that is not a DNS label, ...), written into an otherwise valid document.
SERVICE_FAULTS = (
    "direction",
    "port-range",
    "port-type",
    "protocol",
    "peer-namespace",
    "outbound-wildcard",
    "service-port-name",
    "key-with-id",
)
MEMBER_FAULTS = ("dependency-wildcard", "no-target", "two-targets", "port-name", "depends-all-type")


def apply_fault(fault: str | None, ports: dict[str, Any], resources: dict[str, Any]) -> None:
    match fault:
        case None:
            return
        case "direction":
            resources["broken-peer"] = {"direction": "sideways"}
        case "port-range":
            ports["broken"] = {"port": 70000}
        case "port-type":
            ports["broken"] = {"port": 80, "targetPort": "http"}
        case "protocol":
            ports["broken"] = {"port": 81, "protocol": "HTTP"}
        case "peer-namespace":
            resources["broken-peer"] = {"namespace": "Not_A_Namespace"}
        case "outbound-wildcard":
            resources["everyone"] = {"id": "*", "direction": "outbound"}
        case "service-port-name":
            ports["HTTP"] = {"port": 82}
        case "key-with-id":
            # Harmless as written (`id` names the peer), refused as a key.
            resources["cluster.local/ns/evil/sa/x"] = {"id": "api", "direction": "inbound"}
        case _:
            raise ValueError(fault)


def apply_member_fault(fault: str | None, spec: dict[str, Any]) -> None:
    match fault:
        case None:
            return
        case "dependency-wildcard":
            spec.setdefault("dependencies", []).append({"name": "*"})
        case "no-target":
            spec.pop("target", None)
        case "two-targets":
            spec["target"] = {"selector": {"app": "both"}, "namespace": "both"}
        case "port-name":
            spec.setdefault("ports", []).append({"port": 9999})
        case "depends-all-type":
            spec["dependsAll"] = "yes please"
        case "serves-and-calls-nothing":
            # The document as written is the error: nothing to add.
            return
        case _:
            raise ValueError(fault)


def document(w: Workload) -> dict[str, Any]:
    return _service_document(w) if isinstance(w, Service) else _member_document(w)


def render(documents: Iterable[dict[str, Any]]) -> str:
    """A YAML stream of the documents."""
    return "---\n".join(yaml.safe_dump(d, sort_keys=False, default_flow_style=False) for d in documents)


# --- reading spec files ----------------------------------------------------


def _dns_label(value: Any) -> bool:
    return isinstance(value, str) and DNS_LABEL.match(value) is not None


def _port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def read_service(doc: dict[str, Any], namespace: str) -> Service:
    name = doc["metadata"]["name"]
    service = Service(namespace, name)
    faults = []
    workload = (doc.get("spec") or {}).get("workload") or {}
    for port_name, entry in ((workload.get("service") or {}).get("ports") or {}).items():
        port, target, protocol = entry.get("port"), entry.get("targetPort"), entry.get("protocol")
        bad_port = not _port(port) or (target is not None and not _port(target))
        if not _dns_label(port_name) or bad_port or protocol not in (None, *PROTOCOLS):
            faults.append(f"port {port_name}")
            continue
        service.ports.append(ServicePort(port_name, port, target, protocol))
    for key, entry in (workload.get("resources") or {}).items():
        entry = entry or {}
        resource = Resource(key, entry.get("type"), entry.get("direction"), entry.get("id"), entry.get("namespace"))
        if (resource.type or "service") != "service":
            service.resources.append(resource)
            continue
        if resource.direction not in (None, *DIRECTIONS):
            faults.append(f"direction of {key}")
        elif resource.namespace is not None and not _dns_label(resource.namespace):
            faults.append(f"namespace of {key}")
        elif resource.id is not None and not _dns_label(key):
            faults.append(f"key {key}")
        elif resource.id == "*" and resource.direction != "inbound":
            faults.append(f"wildcard {key} is not inbound")
        elif resource.id != "*" and not _dns_label(resource.id or key):
            faults.append(f"peer name of {key}")
        else:
            service.resources.append(resource)
    service.fault = "; ".join(faults) or None
    return service


def read_member(doc: dict[str, Any], namespace: str) -> Member:
    spec = doc.get("spec") or {}
    member = Member(namespace, doc["metadata"]["name"])
    faults = []
    target = spec.get("target") or {}
    if ("selector" in target) == ("namespace" in target):
        faults.append("target")
    member.selector = target.get("selector")
    member.target_namespace = target.get("namespace")
    for item in spec.get("ports") or []:
        if not _port(item.get("port")) or not _dns_label(item.get("name")):
            faults.append("port")
            continue
        member.ports.append((item["port"], item["name"]))
    for field, out in (("allowedCallers", member.allowed_callers), ("dependencies", member.dependencies)):
        for item in spec.get(field) or []:
            ref = PeerRef(item.get("name"), item.get("namespace"))
            if ref.name == "*" and field == "dependencies":
                faults.append("dependency wildcard")
            elif ref.name != "*" and not _dns_label(ref.name):
                faults.append(f"{field} name")
            else:
                out.append(ref)
    depends_all = spec.get("dependsAll", False)
    if not isinstance(depends_all, bool):
        faults.append("dependsAll")
    member.depends_all = depends_all is True
    member.service_account = spec.get("serviceAccount")
    if not member.ports and not member.dependencies and not member.depends_all:
        faults.append("serves and calls nothing")
    member.fault = "; ".join(faults) or None
    return member


def read_specs(folder: pathlib.Path, default_namespace: str = "default") -> Workspace:
    """The Lattice documents of every `*.yaml` / `*.yml` under `folder`."""
    workloads: list[Workload] = []
    for path in sorted(_spec_files(folder)):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict) or doc.get("apiVersion") != API_VERSION:
                continue
            namespace = (doc.get("metadata") or {}).get("namespace") or default_namespace
            if doc.get("kind") == "LatticeService":
                workloads.append(read_service(doc, namespace))
            elif doc.get("kind") == "LatticeMeshMember":
                workloads.append(read_member(doc, namespace))
    return Workspace(workloads, default_namespace)


def _spec_files(folder: pathlib.Path) -> Iterator[pathlib.Path]:
    yield from folder.rglob("*.yaml")
    yield from folder.rglob("*.yml")
