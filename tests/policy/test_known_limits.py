"""Limits of the generated policies that are known and not yet fixed. Each
test asserts the limit exactly as it shows today: when a change removes it,
the test fails, and the note (here and in the code) goes with it."""

import pathlib
import tempfile

import pytest

from harness import Options, assert_only_agreements, compile_objects, evaluate
from specs import Resource, Service, ServicePort, Workspace, document, render


def test_a_callee_in_the_root_namespace_is_denied_at_l7_when_it_runs_a_sidecar(binary):
    """Istio applies a policy in its root namespace to matching pods of every
    namespace, so the compiler writes none for a callee there (its ALLOW
    would admit the callers to look-alikes elsewhere): the agreement gets its
    Cilium rules only. Pods of the root namespace rarely run a sidecar; one
    that does is left to the deny-all baseline at L7, which fails closed."""
    ws = Workspace(
        [
            Service(
                "istio-system",
                "api",
                [ServicePort("http", 8080)],
                [Resource("web", direction="inbound", namespace="alpha")],
            ),
            Service("alpha", "api", [ServicePort("http", 8080)], []),
            Service("alpha", "web", [], [Resource("api", namespace="istio-system")]),
        ],
        "alpha",
    )
    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / "specs.yaml").write_text(render(document(w) for w in ws.workloads))
        objects = compile_objects(binary, [pathlib.Path(tmp)], Options(), ws.default_namespace)
    in_root = [
        o for o in objects if o["kind"] == "AuthorizationPolicy" and o["metadata"]["namespace"] == "istio-system"
    ]
    assert all(not o.get("spec") for o in in_root), "only the deny-all baseline may sit in the root namespace"
    # Nothing beyond the agreement anywhere, the look-alike alpha/api
    # included; only the agreement itself misses its L7 permit.
    with pytest.raises(AssertionError) as limit:
        assert_only_agreements(evaluate(objects, ws, Options()), ws, Options())
    assert str(limit.value).splitlines()[:2] == [
        "From pods outside the system namespaces into them, does not allow exactly the agreements:",
        "  alpha/web -> istio-system/api: denied though agreed [(8080, 'TCP')]",
    ]
