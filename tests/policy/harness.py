"""Run `kubectl-lattice compile` on a workspace and hold its output against
the model: every object valid for its CRD, and the traffic the objects allow,
read by the independent evaluator, exactly the traffic the agreements ask for.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import subprocess
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from cluster import PROTOCOLS, Cluster, Pod, Probe, Verdicts
from crds import Schemas
from specs import Ref, Workspace, expected_flows, mentioned_ports, workload_pod

DNS_PORTS = frozenset({(53, "UDP"), (53, "TCP")})
ISTIOD_PORTS = frozenset({(15012, "TCP")})
# Ports nobody declares: a rule that allows every port shows up on them.
STRAY_PORTS = (1, 9, 65535)


@dataclasses.dataclass(frozen=True)
class Options:
    """The `compile` flags a test varies."""

    trust_domain: str = "cluster.local"
    istio_root_namespace: str = "istio-system"
    mesh_wide_baseline: bool = False
    no_baseline: bool = False

    def args(self) -> list[str]:
        args = ["--trust-domain", self.trust_domain, "--istio-root-namespace", self.istio_root_namespace]
        if self.mesh_wide_baseline:
            args.append("--mesh-wide-baseline")
        if self.no_baseline:
            args.append("--no-baseline")
        return args

    @property
    def system_namespaces(self) -> frozenset[str]:
        return frozenset({"kube-system", "istio-system", self.istio_root_namespace})


def compile_objects(
    binary: pathlib.Path, paths: Iterable[pathlib.Path], options: Options, default_namespace: str, output: str = "json"
) -> list[dict[str, Any]]:
    """The objects `compile --allow-partial` prints, read from JSON or YAML."""
    result = subprocess.run(
        [
            str(binary),
            "compile",
            *map(str, paths),
            "-o",
            output,
            "--allow-partial",
            "-n",
            default_namespace,
            *options.args(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"compile exited {result.returncode}: {result.stderr}"
    if output == "json":
        listed = json.loads(result.stdout)
        assert listed["apiVersion"] == "v1" and listed["kind"] == "List", listed.keys()
        return listed["items"]
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def invalid_files(binary: pathlib.Path, folder: pathlib.Path, default_namespace: str) -> set[str]:
    """The files `check -o json` finds `invalid-spec` errors in."""
    result = subprocess.run(
        [str(binary), "check", str(folder), "-o", "json", "-n", default_namespace],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return {pathlib.Path(d["file"]).name for d in report["diagnostics"] if d["code"] == "invalid-spec"}


def platform_pods(options: Options) -> list[Pod]:
    """kube-dns and istiod, as Kubernetes and Istio install them (no sidecars)."""
    return [
        Pod.make("kube-system/kube-dns", "kube-system", {"k8s-app": "kube-dns"}, "coredns", sidecar=False),
        Pod.make(
            f"{options.istio_root_namespace}/istiod",
            options.istio_root_namespace,
            {"app": "istiod"},
            "istiod",
            sidecar=False,
        ),
    ]


def bystander_pods(ws: Workspace) -> list[Pod]:
    """Pods no spec describes: a stranger in every namespace that holds specs,
    look-alikes of every workload in a namespace without specs (a selector
    that forgot its namespace would match them), and a system pod."""
    pods = []
    namespaces = sorted({w.namespace for w in ws.workloads})
    for ns in namespaces:
        pods.append(Pod.make(f"{ns}/stranger", ns, {"app.kubernetes.io/name": "stranger"}, "stranger"))
    for w in ws.workloads:
        twin = workload_pod(w)
        pods.append(Pod.make(f"elsewhere/{w.name}", "elsewhere", dict(twin.labels), twin.service_account))
    pods.append(
        Pod.make(
            "kube-system/metrics-server", "kube-system", {"k8s-app": "metrics-server"}, "metrics-server", sidecar=False
        )
    )
    return list({p.name: p for p in pods}.values())


def probes(ws: Workspace) -> set[Probe]:
    ports = mentioned_ports(ws) | {53, 15012, *STRAY_PORTS}
    return {(port, protocol) for port in ports if 1 <= port <= 65535 for protocol in PROTOCOLS}


def _describe(diff: Mapping[tuple[str, str], tuple[frozenset, frozenset]]) -> str:
    lines = []
    for (src, dst), (extra, missing) in sorted(diff.items()):
        parts = []
        if extra:
            parts.append(f"allowed beyond the agreements {sorted(extra)}")
        if missing:
            parts.append(f"denied though agreed {sorted(missing)}")
        lines.append(f"  {src} -> {dst}: {'; '.join(parts)}")
    return "\n".join(lines)


def _compare(observed: Mapping[tuple[str, str], frozenset], expected: Mapping[tuple[str, str], frozenset]) -> str:
    diff = {}
    for pair in set(observed) | set(expected):
        got, want = observed.get(pair, frozenset()), expected.get(pair, frozenset())
        if got != want:
            diff[pair] = (got - want, want - got)
    return _describe(diff)


@dataclasses.dataclass
class Outcome:
    """What the compiled objects allow, with and without their baseline."""

    verdicts: dict[tuple[Pod, Pod], Verdicts]
    # The same objects less the baseline (as `--no-baseline` prints them),
    # and which pods they leave default-deny at egress.
    bare_verdicts: dict[tuple[Pod, Pod], Verdicts]
    bare_egress_restricted: set[str]
    expected: dict[tuple[str, str], frozenset[Probe]]


def is_baseline(obj: Mapping[str, Any]) -> bool:
    """The default-deny objects: cluster-wide, or an Istio policy that allows nothing."""
    return obj["kind"] == "CiliumClusterwideNetworkPolicy" or (
        obj["kind"] == "AuthorizationPolicy" and not obj.get("spec")
    )


def evaluate(objects: list[dict[str, Any]], ws: Workspace, options: Options) -> Outcome:
    by_ref: dict[Ref, Pod] = {w.ref: workload_pod(w) for w in ws.workloads}
    pods = [*by_ref.values(), *bystander_pods(ws), *platform_pods(options)]
    universe = probes(ws)

    def cluster(objs):
        return Cluster(objs, pods, trust_domain=options.trust_domain, istio_root_namespace=options.istio_root_namespace)

    bare = cluster([o for o in objects if not is_baseline(o)])
    return Outcome(
        verdicts=cluster(objects).verdicts(universe),
        bare_verdicts=bare.verdicts(universe),
        bare_egress_restricted={p.name for p in pods if bare.enforced(p, "egress")},
        expected={(str(a), str(b)): frozenset(ports) for (a, b), ports in expected_flows(ws).items()},
    )


def assert_schema_valid(objects: list[dict[str, Any]], schemas: Schemas) -> None:
    """Every object passes its CRD's schema, and no two share a name: the API
    server keeps one object per kind, namespace and name, so applying the
    stream would silently replace the first with the second."""
    errors = [e for obj in objects for e in schemas.errors(obj)]
    seen: dict[tuple[str, str, str], int] = {}
    for obj in objects:
        key = (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        seen[key] = seen.get(key, 0) + 1
    errors += [f"{kind} {ns or '-'}/{name}: {n} objects of that name" for (kind, ns, name), n in seen.items() if n > 1]
    assert not errors, "objects the API server would refuse or change:\n" + "\n".join(errors)


def assert_only_agreements(outcome: Outcome, ws: Workspace, options: Options) -> None:
    """The objects allow exactly the agreements, layer by layer.

    The baseline leaves the system namespaces alone by design, so their pods'
    own traffic is out of scope. Towards pods outside them: Cilium and Istio
    together allow exactly the agreements' ports; so do the callers' egress
    rules alone, the callees' ingress rules alone, and Istio alone (TCP only,
    ports by number) wherever it governs the namespace. From pods outside
    them into the system namespaces: exactly kube-dns and istiod on their
    ports, and the agreements with callees there. Without the baseline, the
    agreements still flow and every pod whose egress a policy restricts still
    reaches kube-dns and istiod (the allowance must not depend on the
    baseline).
    """
    system = options.system_namespaces
    namespace = {pod.name: pod.namespace for pair in outcome.verdicts for pod in pair}
    inside = {pair: ports for pair, ports in outcome.expected.items() if namespace[pair[1]] not in system}
    governed = {(s.name, d.name): v for (s, d), v in outcome.verdicts.items() if d.namespace not in system}

    def exact(layer: str, observed: Mapping[tuple[str, str], frozenset], expected) -> None:
        problems = _compare({pair: ports for pair, ports in observed.items() if ports}, expected)
        assert not problems, f"{layer} does not allow exactly the agreements:\n{problems}"

    exact("Cilium and Istio together", {pair: v.allowed for pair, v in governed.items()}, inside)
    exact("Cilium ingress alone", {pair: v.ingress for pair, v in governed.items()}, inside)
    # System pods' own egress is not restricted by the baseline.
    egress = {pair: v.egress for pair, v in governed.items() if namespace[pair[0]] not in system}
    exact("Cilium egress alone", egress, {pair: p for pair, p in inside.items() if namespace[pair[0]] not in system})

    istio_namespaces = {workload_pod(w).namespace for w in ws.workloads} | {w.namespace for w in ws.workloads}
    istio = {
        (s.name, d.name): frozenset(port for port, protocol in v.istio if protocol == "TCP")
        for (s, d), v in outcome.verdicts.items()
        if d.sidecar and d.namespace not in system and (options.mesh_wide_baseline or d.namespace in istio_namespaces)
    }
    exact("Istio alone (TCP port numbers)", istio, {pair: frozenset(n for n, _ in p) for pair, p in inside.items()})

    wanted = {"kube-system/kube-dns": DNS_PORTS, f"{options.istio_root_namespace}/istiod": ISTIOD_PORTS}
    into_system = {
        (s.name, d.name): v.allowed
        for (s, d), v in outcome.verdicts.items()
        if s.namespace not in system and d.namespace in system
    }
    expected_into_system = {
        **{
            (s.name, d.name): wanted[d.name]
            for (s, d) in outcome.verdicts
            if s.namespace not in system and d.name in wanted
        },
        **{pair: p for pair, p in outcome.expected.items() if pair not in inside and namespace[pair[0]] not in system},
    }
    exact("From pods outside the system namespaces into them,", into_system, expected_into_system)

    bare = {(s.name, d.name): v for (s, d), v in outcome.bare_verdicts.items()}
    lost = {pair: ports - bare[pair].allowed for pair, ports in outcome.expected.items() if ports - bare[pair].allowed}
    assert not lost, f"without the baseline, agreements no longer flow: {lost}"
    unresolved = {
        (src, dst): bare[(src, dst)].egress
        for src in outcome.bare_egress_restricted
        for dst in wanted
        if bare[(src, dst)].egress != wanted[dst]
    }
    assert not unresolved, f"without the baseline, egress-restricted pods miss kube-dns or istiod: {unresolved}"
