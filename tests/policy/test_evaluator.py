"""The evaluator on hand-written policies: it must read Cilium and Istio as
they document themselves, or its verdicts on the compiler's output prove
nothing. Then the harness on deliberately broken compiler output: every
kind of mistake a compiler could make must be caught."""

import copy

import pytest

from cluster import Cluster, Pod, Unsupported
from conftest import ROOT
from harness import Options, assert_only_agreements, compile_objects, evaluate
from specs import read_specs

TCP80 = (80, "TCP")
PROBES = {(80, "TCP"), (80, "UDP"), (443, "TCP"), (53, "UDP")}

A = Pod.make("web/a", "web", {"app": "a"}, "a")
B = Pod.make("web/b", "web", {"app": "b"}, "b")
B_ELSEWHERE = Pod.make("api/b", "api", {"app": "b"}, "b")
NO_SIDECAR = Pod.make("kube-system/x", "kube-system", {"app": "x"}, "x", sidecar=False)
PODS = [A, B, B_ELSEWHERE, NO_SIDECAR]


def cnp(namespace, subject, *, ingress=None, egress=None, deny=None, kind="CiliumNetworkPolicy"):
    spec = {"endpointSelector": subject}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    if deny is not None:
        spec["enableDefaultDeny"] = deny
    meta = {"name": "p"} if kind != "CiliumNetworkPolicy" else {"name": "p", "namespace": namespace}
    return {"apiVersion": "cilium.io/v2", "kind": kind, "metadata": meta, "spec": spec}


def ap(namespace, spec):
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "p", "namespace": namespace},
        "spec": spec,
    }


def verdicts(objects, root="istio-system"):
    cluster = Cluster(objects, PODS, trust_domain="cluster.local", istio_root_namespace=root)
    return cluster.verdicts(PROBES)


def egress_to(app, ports=None):
    rule = {"toEndpoints": [{"matchLabels": {"app": app}}]}
    if ports:
        rule["toPorts"] = [{"ports": ports}]
    return rule


def test_without_policies_everything_flows():
    v = verdicts([])
    assert v[(A, B)].allowed == PROBES
    assert v[(A, B_ELSEWHERE)].allowed == PROBES


def test_a_namespaced_peer_selector_without_namespace_stays_in_the_policy_namespace():
    v = verdicts([cnp("web", {"matchLabels": {"app": "a"}}, egress=[egress_to("b")])])
    assert v[(A, B)].egress == PROBES
    assert v[(A, B_ELSEWHERE)].egress == frozenset()
    with_namespace = {"toEndpoints": [{"matchLabels": {"app": "b", "k8s:io.kubernetes.pod.namespace": "api"}}]}
    v = verdicts([cnp("web", {"matchLabels": {"app": "a"}}, egress=[with_namespace])])
    assert v[(A, B_ELSEWHERE)].egress == PROBES
    assert v[(A, B)].egress == frozenset()


def test_a_namespaced_subject_selector_never_leaves_its_namespace():
    v = verdicts([cnp("api", {"matchLabels": {"app": "a"}}, egress=[egress_to("b")])])
    assert v[(A, B)].egress == PROBES  # the policy in `api` does not select web/a


def test_a_cluster_wide_selector_without_namespace_matches_every_namespace():
    policy = cnp(None, {"matchLabels": {"app": "a"}}, egress=[egress_to("b")], kind="CiliumClusterwideNetworkPolicy")
    v = verdicts([policy])
    assert v[(A, B)].egress == PROBES
    assert v[(A, B_ELSEWHERE)].egress == PROBES
    assert v[(A, NO_SIDECAR)].egress == frozenset()


def test_default_deny_follows_the_directions_a_policy_has_or_asks_for():
    egress_only = cnp("web", {"matchLabels": {"app": "b"}}, egress=[egress_to("a")])
    assert verdicts([egress_only])[(A, B)].ingress == PROBES
    empty_rule = cnp("web", {"matchLabels": {"app": "b"}}, ingress=[{}])
    assert verdicts([empty_rule])[(A, B)].ingress == frozenset()
    opted_out = cnp("web", {"matchLabels": {"app": "b"}}, ingress=[{}], deny={"ingress": False})
    assert verdicts([opted_out])[(A, B)].ingress == PROBES
    # The flag only qualifies the rules a direction has; without ingress
    # rules, asking for ingress default deny does nothing.
    asked = cnp("web", {"matchLabels": {"app": "b"}}, egress=[egress_to("a")], deny={"ingress": True, "egress": False})
    v = verdicts([asked])
    assert v[(A, B)].ingress == PROBES
    assert v[(B, NO_SIDECAR)].egress == PROBES


def test_ports_protocols_and_rules_without_peers():
    ports = [{"port": "80", "protocol": "TCP"}]
    v = verdicts([cnp("web", {"matchLabels": {"app": "a"}}, egress=[egress_to("b", ports)])])
    assert v[(A, B)].egress == {TCP80}
    any_protocol = [{"port": "80", "protocol": "ANY"}]
    v = verdicts([cnp("web", {"matchLabels": {"app": "a"}}, egress=[egress_to("b", any_protocol)])])
    assert v[(A, B)].egress == {(80, "TCP"), (80, "UDP")}
    ranged = [{"port": "80", "endPort": 443, "protocol": "TCP"}]
    v = verdicts([cnp("web", {"matchLabels": {"app": "a"}}, egress=[egress_to("b", ranged)])])
    assert v[(A, B)].egress == {(80, "TCP"), (443, "TCP")}
    ports_only = {"toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}]}]}
    v = verdicts([cnp("web", {"matchLabels": {"app": "a"}}, egress=[ports_only])])
    assert v[(A, B_ELSEWHERE)].egress == {(53, "UDP")}


def test_match_expressions_and_label_sources():
    subject = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "c"]}]}
    notin = {"toEndpoints": [{"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["b"]}]}]}
    v = verdicts([cnp("web", subject, egress=[notin])])
    assert v[(A, B)].egress == frozenset()
    reserved = {"toEndpoints": [{"matchLabels": {"reserved:app": "b"}}]}
    v = verdicts([cnp("web", subject, egress=[reserved])])
    assert v[(A, B)].egress == frozenset()
    absent = {"toEndpoints": [{"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}]}
    v = verdicts([cnp("web", subject, egress=[absent])])
    assert v[(A, B)].egress == PROBES


def test_istio_allow_policies():
    assert verdicts([ap("web", {})])[(A, B)].istio == {(80, "UDP"), (53, "UDP")}
    other = ap("web", {"selector": {"matchLabels": {"app": "zzz"}}})
    assert verdicts([other])[(A, B)].istio == PROBES
    rule = {
        "from": [{"source": {"principals": ["cluster.local/ns/web/sa/a"]}}],
        "to": [{"operation": {"ports": ["80"]}}],
    }
    allow = ap("web", {"selector": {"matchLabels": {"app": "b"}}, "action": "ALLOW", "rules": [rule]})
    v = verdicts([allow, ap("web", {})])
    assert v[(A, B)].istio == {(80, "TCP"), (80, "UDP"), (53, "UDP")}
    assert v[(NO_SIDECAR, B)].istio == {(80, "UDP"), (53, "UDP")}
    prefix = {"from": [{"source": {"principals": ["cluster.local/ns/web/*"]}}]}
    v = verdicts([ap("web", {"rules": [prefix]})])
    assert v[(A, B)].istio == PROBES
    assert v[(B_ELSEWHERE, B)].istio == {(80, "UDP"), (53, "UDP")}
    everything = ap("web", {"rules": [{}]})
    assert verdicts([everything])[(B_ELSEWHERE, B)].istio == PROBES


def test_an_istio_policy_in_the_root_namespace_applies_to_the_whole_mesh():
    v = verdicts([ap("istio-system", {})])
    assert v[(A, B_ELSEWHERE)].istio == {(80, "UDP"), (53, "UDP")}
    assert v[(A, NO_SIDECAR)].istio == PROBES  # no sidecar, no enforcement
    v = verdicts([ap("mesh-root", {})], root="mesh-root")
    assert v[(A, B)].istio == {(80, "UDP"), (53, "UDP")}


@pytest.mark.parametrize(
    "obj",
    [
        cnp("web", {}, ingress=[{"fromEntities": ["world"]}]),
        {**cnp("web", {}, egress=[egress_to("b")]), "spec": {"endpointSelector": {}, "egressDeny": [egress_to("b")]}},
        cnp(
            "web", {}, egress=[{"toEndpoints": [{}], "toPorts": [{"ports": [{"port": "80"}], "rules": {"http": [{}]}}]}]
        ),
        cnp("web", {}, egress=[egress_to("b", [{"port": "http"}])]),
        ap("web", {"action": "DENY", "rules": [{}]}),
        ap("web", {"rules": [{"to": [{"operation": {"methods": ["GET"]}}]}]}),
    ],
    ids=["entities", "deny rules", "L7 rules", "named port", "DENY", "HTTP methods"],
)
def test_what_the_evaluator_does_not_model_is_refused(obj):
    with pytest.raises(Unsupported):
        verdicts([obj])


# --- the harness catches a broken compiler ---------------------------------

SHOP = ROOT / "examples" / "shop"


@pytest.fixture(scope="module")
def shop(binary):
    return read_specs(SHOP), compile_objects(binary, [SHOP], Options(), "default")


def find(objects, kind, name, namespace=None):
    return next(
        o
        for o in objects
        if o["kind"] == kind and o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace
    )


def drop_namespace_label(objects):
    for rule in find(objects, "CiliumNetworkPolicy", "lattice-frontend", "web")["spec"]["egress"]:
        for selector in rule["toEndpoints"]:
            if selector["matchLabels"].get("io.kubernetes.pod.namespace") == "commerce":
                del selector["matchLabels"]["io.kubernetes.pod.namespace"]


def use_service_port(objects):
    rule = find(objects, "CiliumNetworkPolicy", "lattice-payments", "commerce")["spec"]["ingress"][0]
    for item in rule["toPorts"]:
        for port in item["ports"]:
            if port["port"] == "8443":
                port["port"] = "443"


def drop_cilium_baseline(objects):
    objects.remove(find(objects, "CiliumClusterwideNetworkPolicy", "lattice-default-deny"))


def drop_istio_baseline(objects):
    objects.remove(find(objects, "AuthorizationPolicy", "lattice-default-deny", "data"))


def wrong_principal(objects):
    rule = find(objects, "AuthorizationPolicy", "lattice-payments", "commerce")["spec"]["rules"][0]
    rule["from"][0]["source"]["principals"] = ["cluster.local/ns/commerce/sa/checkout-v2"]


def any_protocol(objects):
    rule = find(objects, "CiliumNetworkPolicy", "lattice-checkout", "commerce")["spec"]["egress"][0]
    rule["toPorts"][0]["ports"][0]["protocol"] = "ANY"


def all_ports(objects):
    rule = find(objects, "CiliumNetworkPolicy", "lattice-orders-db", "data")["spec"]["ingress"][0]
    del rule["toPorts"]


def no_dns(objects):
    policy = find(objects, "CiliumNetworkPolicy", "lattice-frontend", "web")
    policy["spec"]["egress"] = [r for r in policy["spec"]["egress"] if "53" not in str(r)]


def baseline_without_its_empty_ingress_rule(objects):
    del find(objects, "CiliumClusterwideNetworkPolicy", "lattice-default-deny")["spec"]["ingress"]


def selector_of_another_workload(objects):
    policy = find(objects, "AuthorizationPolicy", "lattice-orders", "commerce")
    policy["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "cart"


@pytest.mark.parametrize(
    "mutate",
    [
        drop_namespace_label,
        use_service_port,
        drop_cilium_baseline,
        drop_istio_baseline,
        wrong_principal,
        any_protocol,
        all_ports,
        no_dns,
        baseline_without_its_empty_ingress_rule,
        selector_of_another_workload,
    ],
)
def test_the_harness_catches_a_broken_compiler(shop, mutate):
    ws, objects = shop
    options = Options()
    assert_only_agreements(evaluate(objects, ws, options), ws, options)
    broken = copy.deepcopy(objects)
    mutate(broken)
    with pytest.raises(AssertionError):
        assert_only_agreements(evaluate(broken, ws, options), ws, options)
