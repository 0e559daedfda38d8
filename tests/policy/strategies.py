"""Hypothesis strategies for random Lattice workspaces.

Small pools of names and namespaces make the interesting cases frequent:
the same name in two namespaces, declarations that name a workload that
exists and ones that name nothing, calls across namespaces with and without
`namespace`, keys renamed with `id`, wildcards with and without a namespace,
`direction: both`, one-sided declarations, `dependsAll`, callees without
ports, UDP and SCTP ports, entries that are not calls, and documents with
errors. Workloads never share pods: a mesh member's selector uses its own
label, and a namespace target gets a namespace of its own.
"""

from __future__ import annotations

import dataclasses

from hypothesis import strategies as st

from harness import Options
from specs import MEMBER_FAULTS, SERVICE_FAULTS, Member, PeerRef, Ref, Resource, Service, ServicePort, Workspace

NAMESPACES = ("alpha", "beta", "gamma")
# One name long enough that object names derived from it must be shortened.
NAMES = ("api", "web", "db", "cache", "auth", "queue", "order-history-projection-rebuilder-for-the-eu-west-shard")
# A name no workload has: declarations naming it match nothing.
GHOST = "ghost"
DEFAULT_NAMESPACE = "alpha"
PORT_NUMBERS = (53, 80, 443, 5432, 8080, 9090)
TARGET_PORTS = (53, 5353, 8080, 8443, 9000)


@dataclasses.dataclass
class Case:
    """One generated workspace, how its documents are laid out in files, and
    the compile options."""

    workspace: Workspace
    files: dict[str, list[int]]  # file name -> indexes into workspace.workloads
    junk: bool  # a file that is not YAML at all
    options: Options


def peer_refs(own: Ref, ids: list[Ref]) -> st.SearchStrategy[Ref]:
    """Mostly another workload of the workspace; sometimes any name at all
    (the workload itself, a workload that does not exist)."""
    others = st.sampled_from([i for i in ids if i != own] or ids)
    anything = st.builds(Ref, st.sampled_from(NAMESPACES), st.sampled_from((*NAMES, GHOST)))
    return st.one_of(others, others, others, anything)


@st.composite
def service_ports(draw) -> list[ServicePort]:
    ports = []
    for i in range(draw(st.integers(0, 3))):
        ports.append(
            ServicePort(
                name=f"p{i}",
                port=draw(st.sampled_from(PORT_NUMBERS)),
                target_port=draw(st.none() | st.sampled_from(TARGET_PORTS)),
                protocol=draw(st.sampled_from((None, None, "TCP", "UDP", "SCTP"))),
            )
        )
    return ports


@st.composite
def resources(draw, own: Ref, ids: list[Ref]) -> list[Resource]:
    out: dict[str, Resource] = {}
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(("named", "named", "named", "wildcard", "not-a-call")))
        if kind == "wildcard":
            namespace = draw(st.none() | st.sampled_from(NAMESPACES))
            key = f"any-{namespace or 'namespace'}"
            out[key] = Resource(key, direction="inbound", id="*", namespace=namespace)
            continue
        peer = draw(peer_refs(own, ids))
        if kind == "not-a-call":
            # Named like a peer, but a secret or an external service is no edge.
            key = peer.name
            kind = draw(st.sampled_from(("secret", "external-service", "volume", "postgres")))
            out.setdefault(key, Resource(key, type=kind, direction=draw(st.sampled_from((None, "outbound")))))
            continue
        direction = draw(st.sampled_from((None, "outbound", "inbound", "both")))
        if peer.namespace != own.namespace:
            namespace = peer.namespace
        else:
            namespace = draw(st.sampled_from((None, peer.namespace)))
        if draw(st.booleans()):
            key, id_ = peer.name, None
        else:
            # With `id`, the key is a name of its own, not the peer's.
            key, id_ = f"{peer.name}-{draw(st.sampled_from(('link', 'dep', 'peer')))}", peer.name
        typed = draw(st.sampled_from((None, "service")))
        out.setdefault(key, Resource(key, type=typed, direction=direction, id=id_, namespace=namespace))
    return list(out.values())


@st.composite
def peer_list(draw, own: Ref, ids: list[Ref], wildcards: bool) -> list[PeerRef]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        if wildcards and draw(st.integers(0, 4)) == 0:
            out.append(PeerRef("*", draw(st.none() | st.sampled_from(NAMESPACES))))
            continue
        peer = draw(peer_refs(own, ids))
        namespace = peer.namespace if peer.namespace != own.namespace else draw(st.sampled_from((None, peer.namespace)))
        out.append(PeerRef(peer.name, namespace))
    return out


@st.composite
def member(draw, ref: Ref, ids: list[Ref]) -> Member:
    m = Member(ref.namespace, ref.name)
    if draw(st.integers(0, 3)) == 0:
        m.target_namespace = f"{ref.namespace}-pods-{NAMES.index(ref.name)}"
    else:
        m.selector = {"app": f"{ref.name}-member"}
        if draw(st.booleans()):
            m.selector["tier"] = "backend"
    m.ports = [
        (port, f"port-{i}")
        for i, port in enumerate(draw(st.lists(st.sampled_from(TARGET_PORTS), max_size=2, unique=True)))
    ]
    m.allowed_callers = draw(peer_list(ref, ids, wildcards=True))
    m.dependencies = draw(peer_list(ref, ids, wildcards=False))
    m.depends_all = draw(st.integers(0, 3)) == 0
    m.service_account = draw(st.none() | st.just(f"{ref.name}-sa"))
    if not m.ports and not m.dependencies and not m.depends_all:
        # A member must serve or call something; one that does neither is
        # an error of its own, which the faults below cover otherwise.
        m.ports = [(8080, "http")]
    return m


@st.composite
def cases(draw) -> Case:
    ids = draw(
        st.lists(
            st.builds(Ref, st.sampled_from(NAMESPACES), st.sampled_from(NAMES)),
            min_size=2,
            max_size=8,
            unique=True,
        )
    )
    workloads = []
    for ref in ids:
        if draw(st.integers(0, 3)) == 0:
            w = draw(member(ref, ids))
            faults = MEMBER_FAULTS
        else:
            w = Service(ref.namespace, ref.name, draw(service_ports()), draw(resources(ref, ids)))
            faults = SERVICE_FAULTS
        if draw(st.integers(0, 11)) == 0:
            w.fault = draw(st.sampled_from(faults))
            if w.fault in ("no-target", "two-targets"):
                # The document then says nothing usable about its pods.
                w.selector, w.target_namespace = None, None
        w.omit_namespace = ref.namespace == DEFAULT_NAMESPACE and draw(st.booleans())
        workloads.append(w)

    # Most random declarations are one-sided; give some of them their
    # counterpart so that agreements are common.
    by_ref = {w.ref: w for w in workloads}
    for caller in workloads:
        for callee_ref in sorted(_declared_calls(caller)):
            callee = by_ref.get(callee_ref)
            if callee is not None and callee is not caller and draw(st.integers(0, 3)) > 0:
                _accept(callee, caller.ref)

    # Documents go one per file or several to a file.
    files: dict[str, list[int]] = {}
    for i in range(len(workloads)):
        name = f"specs-{draw(st.integers(0, len(workloads) - 1))}.yaml"
        files.setdefault(name, []).append(i)

    options = Options(
        trust_domain=draw(st.sampled_from(("cluster.local", "prod.example"))),
        istio_root_namespace=draw(st.sampled_from(("istio-system", "mesh-root"))),
        mesh_wide_baseline=draw(st.booleans()),
    )
    return Case(Workspace(workloads, DEFAULT_NAMESPACE), files, draw(st.booleans()), options)


def _declared_calls(w: Service | Member) -> set[Ref]:
    if isinstance(w, Member):
        return {Ref(d.namespace or w.namespace, d.name) for d in w.dependencies}
    return {
        Ref(r.namespace or w.namespace, r.id or r.key)
        for r in w.resources
        if (r.type or "service") == "service" and r.direction in (None, "outbound", "both")
    }


def _accept(callee: Service | Member, caller: Ref) -> None:
    """Add an inbound declaration of `caller` to `callee`'s document."""
    namespace = caller.namespace if caller.namespace != callee.namespace else None
    if isinstance(callee, Member):
        callee.allowed_callers.append(PeerRef(caller.name, namespace))
        return
    keys = {r.key for r in callee.resources}
    key, id_ = (caller.name, None) if caller.name not in keys else (f"{caller.name}-caller", caller.name)
    if key not in keys:
        callee.resources.append(Resource(key, direction="inbound", id=id_, namespace=namespace))
