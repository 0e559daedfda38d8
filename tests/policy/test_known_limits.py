"""Limits of the generated policies that are known and not yet fixed. Each
test asserts the limit exactly as it shows today: when a change removes it,
the test fails, and the note (here and in the code) goes with it."""

import pathlib
import tempfile

import pytest

from harness import Options, assert_only_agreements, compile_objects, evaluate
from specs import Resource, Service, ServicePort, Workspace, document, render


def test_the_istio_policy_of_a_callee_in_the_root_namespace_reaches_look_alikes_elsewhere(binary):
    """Istio applies a policy in its root namespace to matching pods of every
    namespace; the compiler cannot confine it (see `workload_selector`)."""
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
    # Istio alone lets alpha/web reach alpha/api on 8080; Cilium refuses it,
    # so together the layers still allow only the agreement.
    with pytest.raises(AssertionError) as limit:
        assert_only_agreements(evaluate(objects, ws, Options()), ws, Options())
    assert str(limit.value).splitlines()[:2] == [
        "Istio alone (TCP port numbers) does not allow exactly the agreements:",
        "  alpha/web -> alpha/api: allowed beyond the agreements [8080]",
    ]
