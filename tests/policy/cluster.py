"""An independent reading of Cilium and Istio policies: which connections may
a given set of pods open to each other, and on which ports.

It shares nothing with the compiler. It reads the emitted objects as Cilium
1.19 and Istio 1.29 document them:

Cilium (`CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy`)
- A namespaced policy's `endpointSelector` selects pods of the policy's own
  namespace only. A cluster-wide one selects pods of every namespace.
- A peer selector (`fromEndpoints`, `toEndpoints`) that does not mention
  `io.kubernetes.pod.namespace` is confined to the policy's namespace in a
  namespaced policy; in a cluster-wide one it matches pods of any namespace.
- Label keys may carry a source prefix: `k8s:` and `any:` match pod labels,
  other sources (`reserved:`, `cidr:`, ...) never match a pod.
- `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`,
  `DoesNotExist`) must all hold; an empty selector matches every pod in scope.
- A pod's ingress (egress) is default-deny as soon as a policy selecting it
  has an ingress (egress) rule and does not set `enableDefaultDeny.ingress`
  (`.egress`) to false. Cilium attaches the flag to each rule, so a policy
  without rules in a direction never makes that direction default-deny,
  whatever the flag says. Then a connection needs one rule of one policy
  selecting the pod that matches the peer and the port.
- A rule matches a peer when one of its selectors does; a rule with ports but
  no peer fields matches every peer; the empty rule `{}` matches nothing. A
  rule without `toPorts` allows every port; a port entry matches its port (or
  the range up to `endPort`, or every port for `0`) and its protocol (`ANY`
  or absent: TCP, UDP and SCTP).
- A connection needs the source's egress and the destination's ingress.

Istio (`AuthorizationPolicy`)
- A policy applies to the pods of its namespace its `selector` matches (all
  of them without a selector); one in the root namespace applies to the pods
  of every namespace. Only pods with a sidecar are governed at all.
- When ALLOW policies apply to a pod, a request is allowed only if a rule of
  one of them matches; a policy without rules (`spec: {}`) matches nothing,
  so it denies everything. A rule matches when one `from` source (if any)
  and one `to` operation (if any) match.
- `source.principals` match the caller's identity `<td>/ns/<ns>/sa/<sa>`
  (exact, `*`, `prefix*`, `*suffix`); a caller without a sidecar has none.
  `operation.ports` match the destination (container) port.
- Only TCP passes through the sidecar: UDP and SCTP are not seen by Istio.

Anything else in an object (deny rules, entities, CIDRs, L7 rules, HTTP
fields, other actions) raises `Unsupported`: the reading must never approve
what it does not understand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
SERVICE_ACCOUNT_LABEL = "io.cilium.k8s.policy.serviceaccount"
PROTOCOLS = ("TCP", "UDP", "SCTP")

Probe = tuple[int, str]  # (port, protocol)


class Unsupported(Exception):
    """An object uses a feature this reading does not model."""


@dataclasses.dataclass(frozen=True)
class Pod:
    """One pod: where it runs, its labels, its service account."""

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    service_account: str
    sidecar: bool = True

    @staticmethod
    def make(name: str, namespace: str, labels: Mapping[str, str], service_account: str, sidecar: bool = True) -> Pod:
        return Pod(name, namespace, tuple(sorted(labels.items())), service_account, sidecar)

    def cilium_labels(self) -> dict[str, str]:
        """The labels Cilium gives the pod's endpoint."""
        return {**dict(self.labels), NAMESPACE_LABEL: self.namespace, SERVICE_ACCOUNT_LABEL: self.service_account}

    def principal(self, trust_domain: str) -> str | None:
        """The identity the sidecar presents in mTLS, or None without one."""
        if not self.sidecar:
            return None
        return f"{trust_domain}/ns/{self.namespace}/sa/{self.service_account}"


def _only(obj: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    unknown = set(obj) - set(allowed)
    if unknown:
        raise Unsupported(f"{where}: {sorted(unknown)} not modelled")


# --- label selectors -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Selector:
    """A Kubernetes label selector over plain label keys."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in self.labels):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            ok = {
                "In": present and labels.get(key) in values,
                "NotIn": not present or labels[key] not in values,
                "Exists": present,
                "DoesNotExist": not present,
            }[operator]
            if not ok:
                return False
        return True

    def mentions(self, key: str) -> bool:
        return any(k == key for k, _ in self.labels) or any(k == key for k, _, _ in self.expressions)

    def with_label(self, key: str, value: str) -> Selector:
        kept = tuple((k, v) for k, v in self.labels if k != key)
        return Selector(tuple(sorted((*kept, (key, value)))), self.expressions)

    def with_expression(self, key: str, operator: str) -> Selector:
        return Selector(self.labels, (*self.expressions, (key, operator, ())))


def _cilium_key(key: str) -> str:
    """A selector key as a pod label key; other sources get a key no pod has."""
    source, colon, name = key.partition(":")
    if not colon:
        return key
    if source in ("k8s", "any"):
        return name
    return f"\0{key}"


def parse_selector(raw: Any, where: str, cilium: bool) -> Selector:
    if not isinstance(raw, dict):
        raise Unsupported(f"{where}: a selector must be a mapping")
    _only(raw, ("matchLabels", "matchExpressions"), where)
    key = _cilium_key if cilium else (lambda k: k)
    labels = tuple(sorted((key(k), v) for k, v in (raw.get("matchLabels") or {}).items()))
    expressions = []
    for item in raw.get("matchExpressions") or []:
        _only(item, ("key", "operator", "values"), where)
        if item["operator"] not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise Unsupported(f"{where}: operator {item['operator']}")
        expressions.append((key(item["key"]), item["operator"], tuple(item.get("values") or ())))
    if cilium and any(k.startswith("io.cilium.k8s.namespace.labels.") for k, *_ in (*labels, *expressions)):
        raise Unsupported(f"{where}: namespace label selectors are not modelled")
    return Selector(labels, tuple(expressions))


# --- Cilium ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PortMatch:
    low: int
    high: int
    protocols: frozenset[str]

    def matches(self, probe: Probe) -> bool:
        port, protocol = probe
        return self.low <= port <= self.high and protocol in self.protocols


def _port_number(text: Any, where: str) -> int:
    if not isinstance(text, str):
        raise Unsupported(f"{where}: port {text!r} is not a string")
    if not text.isdigit():
        raise Unsupported(f"{where}: named port {text!r} is not modelled")
    number = int(text)
    if not 0 <= number <= 65535:
        raise Unsupported(f"{where}: port {text!r} is out of range")
    return number


def parse_port_rules(raw: Any, where: str) -> tuple[PortMatch, ...] | None:
    """`toPorts`, or None when absent (every port)."""
    if raw is None:
        return None
    matches = []
    for i, item in enumerate(raw):
        _only(item, ("ports",), f"{where}.toPorts[{i}]")
        for j, port in enumerate(item.get("ports") or []):
            at = f"{where}.toPorts[{i}].ports[{j}]"
            _only(port, ("port", "endPort", "protocol"), at)
            low = _port_number(port.get("port", "0"), at)
            high = port.get("endPort", low)
            if low == 0:
                low, high = 1, 65535
            protocol = port.get("protocol", "ANY")
            protocols = frozenset(PROTOCOLS) if protocol == "ANY" else frozenset([protocol])
            if not protocols <= set(PROTOCOLS):
                raise Unsupported(f"{at}: protocol {protocol} is not modelled")
            matches.append(PortMatch(low, high, protocols))
    if not matches:
        raise Unsupported(f"{where}: `toPorts` without ports")
    return tuple(matches)


@dataclasses.dataclass(frozen=True)
class CiliumRule:
    # None: every peer (a rule with ports and no peer fields). Empty: none.
    peers: tuple[Selector, ...] | None
    # None: every port.
    ports: tuple[PortMatch, ...] | None

    def matches_peer(self, labels: Mapping[str, str]) -> bool:
        return self.peers is None or any(s.matches(labels) for s in self.peers)

    def allows(self, probe: Probe) -> bool:
        return self.ports is None or any(p.matches(probe) for p in self.ports)


@dataclasses.dataclass(frozen=True)
class CiliumPolicy:
    kind: str
    name: str
    namespace: str | None
    subject: Selector
    ingress: tuple[CiliumRule, ...]
    egress: tuple[CiliumRule, ...]
    deny_ingress: bool
    deny_egress: bool


def parse_cilium(obj: Mapping[str, Any]) -> CiliumPolicy:
    kind = obj["kind"]
    meta = obj["metadata"]
    namespace = meta.get("namespace") if kind == "CiliumNetworkPolicy" else None
    if kind == "CiliumNetworkPolicy" and namespace is None:
        raise Unsupported(f"{kind} {meta['name']}: no namespace")
    where = f"{kind} {namespace or '-'}/{meta['name']}"
    spec = obj["spec"]
    _only(spec, ("description", "endpointSelector", "enableDefaultDeny", "ingress", "egress"), where)
    if "endpointSelector" not in spec:
        raise Unsupported(f"{where}: no endpointSelector")
    subject = parse_selector(spec["endpointSelector"], f"{where}.endpointSelector", cilium=True)
    if namespace is not None:
        # The selector of a namespaced policy is always within its namespace.
        subject = subject.with_label(NAMESPACE_LABEL, namespace)

    def peer(raw: Any, at: str) -> Selector:
        selector = parse_selector(raw, at, cilium=True)
        if selector.mentions(NAMESPACE_LABEL):
            return selector
        if namespace is not None:
            return selector.with_label(NAMESPACE_LABEL, namespace)
        # Cluster-wide: any namespace, but only pods (which carry the label).
        return selector.with_expression(NAMESPACE_LABEL, "Exists")

    def rules(direction: str, peer_field: str) -> tuple[CiliumRule, ...]:
        out = []
        for i, rule in enumerate(spec.get(direction) or []):
            at = f"{where}.{direction}[{i}]"
            _only(rule, (peer_field, "toPorts"), at)
            ports = parse_port_rules(rule.get("toPorts"), at)
            if peer_field in rule:
                if not rule[peer_field]:
                    raise Unsupported(f"{at}: an empty `{peer_field}` list")
                peers = tuple(peer(s, f"{at}.{peer_field}") for s in rule[peer_field])
            else:
                peers = None if ports is not None else ()
            out.append(CiliumRule(peers, ports))
        return tuple(out)

    ingress = rules("ingress", "fromEndpoints")
    egress = rules("egress", "toEndpoints")
    default_deny = spec.get("enableDefaultDeny") or {}
    _only(default_deny, ("ingress", "egress"), f"{where}.enableDefaultDeny")
    return CiliumPolicy(
        kind=kind,
        name=meta["name"],
        namespace=namespace,
        subject=subject,
        ingress=ingress,
        egress=egress,
        deny_ingress=bool(ingress) and default_deny.get("ingress", True) is not False,
        deny_egress=bool(egress) and default_deny.get("egress", True) is not False,
    )


# --- Istio -----------------------------------------------------------------


def _istio_string_match(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    if pattern == "*":
        return value != ""
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


@dataclasses.dataclass(frozen=True)
class Source:
    principals: tuple[str, ...] | None
    not_principals: tuple[str, ...] | None
    namespaces: tuple[str, ...] | None
    not_namespaces: tuple[str, ...] | None

    def matches(self, principal: str | None, namespace: str | None) -> bool:
        if self.principals is not None and not any(_istio_string_match(p, principal) for p in self.principals):
            return False
        if self.not_principals is not None and any(_istio_string_match(p, principal) for p in self.not_principals):
            return False
        if self.namespaces is not None and not any(_istio_string_match(n, namespace) for n in self.namespaces):
            return False
        if self.not_namespaces is not None and any(_istio_string_match(n, namespace) for n in self.not_namespaces):
            return False
        return True


@dataclasses.dataclass(frozen=True)
class Operation:
    ports: tuple[int, ...] | None
    not_ports: tuple[int, ...] | None

    def matches(self, port: int) -> bool:
        if self.ports is not None and port not in self.ports:
            return False
        return not (self.not_ports is not None and port in self.not_ports)


@dataclasses.dataclass(frozen=True)
class IstioRule:
    sources: tuple[Source, ...] | None
    operations: tuple[Operation, ...] | None

    def matches(self, principal: str | None, namespace: str | None, port: int) -> bool:
        if self.sources is not None and not any(s.matches(principal, namespace) for s in self.sources):
            return False
        return self.operations is None or any(o.matches(port) for o in self.operations)


@dataclasses.dataclass(frozen=True)
class AuthorizationPolicy:
    name: str
    namespace: str
    selector: Selector | None
    rules: tuple[IstioRule, ...]


def _strings(raw: Any, at: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise Unsupported(f"{at}: a list of strings expected")
    return tuple(raw)


def _ports(raw: Any, at: str) -> tuple[int, ...] | None:
    strings = _strings(raw, at)
    if strings is None:
        return None
    return tuple(_port_number(s, at) for s in strings)


def parse_authorization_policy(obj: Mapping[str, Any]) -> AuthorizationPolicy:
    meta = obj["metadata"]
    if "namespace" not in meta:
        raise Unsupported(f"AuthorizationPolicy {meta['name']}: no namespace")
    where = f"AuthorizationPolicy {meta['namespace']}/{meta['name']}"
    spec = obj.get("spec") or {}
    _only(spec, ("selector", "action", "rules"), where)
    if spec.get("action", "ALLOW") != "ALLOW":
        raise Unsupported(f"{where}: action {spec['action']} is not modelled")
    selector = None
    if "selector" in spec:
        _only(spec["selector"], ("matchLabels",), f"{where}.selector")
        selector = parse_selector(spec["selector"], f"{where}.selector", cilium=False)
    rules = []
    for i, rule in enumerate(spec.get("rules") or []):
        at = f"{where}.rules[{i}]"
        _only(rule, ("from", "to"), at)
        sources = None
        if "from" in rule:
            sources = []
            for j, item in enumerate(rule["from"]):
                _only(item, ("source",), f"{at}.from[{j}]")
                source = item["source"]
                _only(source, ("principals", "notPrincipals", "namespaces", "notNamespaces"), f"{at}.from[{j}].source")
                sources.append(
                    Source(
                        principals=_strings(source.get("principals"), at),
                        not_principals=_strings(source.get("notPrincipals"), at),
                        namespaces=_strings(source.get("namespaces"), at),
                        not_namespaces=_strings(source.get("notNamespaces"), at),
                    )
                )
            sources = tuple(sources)
        operations = None
        if "to" in rule:
            operations = []
            for j, item in enumerate(rule["to"]):
                _only(item, ("operation",), f"{at}.to[{j}]")
                operation = item["operation"]
                _only(operation, ("ports", "notPorts"), f"{at}.to[{j}].operation")
                operations.append(Operation(_ports(operation.get("ports"), at), _ports(operation.get("notPorts"), at)))
            operations = tuple(operations)
        rules.append(IstioRule(sources, operations))
    return AuthorizationPolicy(meta["name"], meta["namespace"], selector, tuple(rules))


# --- the cluster -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Verdicts:
    """What each layer allows from one pod to another, as sets of probes."""

    egress: frozenset[Probe]
    ingress: frozenset[Probe]
    istio: frozenset[Probe]

    @property
    def allowed(self) -> frozenset[Probe]:
        return self.egress & self.ingress & self.istio

    @property
    def l4(self) -> frozenset[Probe]:
        return self.egress & self.ingress


class Cluster:
    """Pods and the policies applied to them."""

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]],
        pods: Iterable[Pod],
        *,
        trust_domain: str,
        istio_root_namespace: str,
    ):
        self.pods = list(pods)
        self.trust_domain = trust_domain
        self.root = istio_root_namespace
        self.cilium: list[CiliumPolicy] = []
        self.istio: list[AuthorizationPolicy] = []
        for obj in objects:
            kind = obj.get("kind")
            if kind in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
                if obj.get("apiVersion") != "cilium.io/v2":
                    raise Unsupported(f"{kind} {obj.get('apiVersion')}")
                self.cilium.append(parse_cilium(obj))
            elif kind == "AuthorizationPolicy":
                if obj.get("apiVersion") not in ("security.istio.io/v1", "security.istio.io/v1beta1"):
                    raise Unsupported(f"{kind} {obj.get('apiVersion')}")
                self.istio.append(parse_authorization_policy(obj))
            else:
                raise Unsupported(f"kind {kind}")

    def _cilium_selecting(self, pod: Pod) -> list[CiliumPolicy]:
        labels = pod.cilium_labels()
        return [p for p in self.cilium if p.subject.matches(labels)]

    def _istio_applying(self, pod: Pod) -> list[AuthorizationPolicy]:
        if not pod.sidecar:
            return []
        labels = dict(pod.labels)
        return [
            p
            for p in self.istio
            if p.namespace in (pod.namespace, self.root) and (p.selector is None or p.selector.matches(labels))
        ]

    def enforced(self, pod: Pod, direction: str) -> bool:
        """Whether the pod's `direction` ("ingress" or "egress") is default-deny."""
        policies = self._cilium_selecting(pod)
        return any(p.deny_ingress if direction == "ingress" else p.deny_egress for p in policies)

    def verdicts(self, probes: Iterable[Probe]) -> dict[tuple[Pod, Pod], Verdicts]:
        """For every ordered pair of distinct pods, what each layer allows."""
        probes = frozenset(probes)
        egress = {pod: self._direction(self._cilium_selecting(pod), "egress", probes) for pod in self.pods}
        ingress = {pod: self._direction(self._cilium_selecting(pod), "ingress", probes) for pod in self.pods}
        applying = {pod: self._istio_applying(pod) for pod in self.pods}
        labels = {pod: pod.cilium_labels() for pod in self.pods}
        out = {}
        for src in self.pods:
            principal = src.principal(self.trust_domain)
            src_namespace = src.namespace if principal else None
            for dst in self.pods:
                if dst is src:
                    continue
                out[(src, dst)] = Verdicts(
                    egress=egress[src](labels[dst]),
                    ingress=ingress[dst](labels[src]),
                    istio=self._istio(applying[dst], principal, src_namespace, probes),
                )
        return out

    @staticmethod
    def _direction(policies: list[CiliumPolicy], direction: str, probes: frozenset[Probe]):
        """A function from the peer's labels to the probes one direction allows."""
        enforced = any(p.deny_ingress if direction == "ingress" else p.deny_egress for p in policies)
        rules = [
            (rule, frozenset(probe for probe in probes if rule.allows(probe)))
            for p in policies
            for rule in (p.ingress if direction == "ingress" else p.egress)
        ]

        def allowed(peer_labels: Mapping[str, str]) -> frozenset[Probe]:
            if not enforced:
                return probes
            out: set[Probe] = set()
            for rule, ports in rules:
                if rule.matches_peer(peer_labels):
                    out |= ports
            return frozenset(out)

        return allowed

    @staticmethod
    def _istio(
        policies: list[AuthorizationPolicy], principal: str | None, namespace: str | None, probes: frozenset[Probe]
    ) -> frozenset[Probe]:
        if not policies:
            return probes
        return frozenset(
            (port, protocol)
            for port, protocol in probes
            if protocol != "TCP" or any(r.matches(principal, namespace, port) for p in policies for r in p.rules)
        )
