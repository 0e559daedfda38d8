"""The CRD validator against the real thing: a kube-apiserver with the same
Cilium and Istio CRDs installed (tests/cluster, started by scripts/test.sh).

Every object the validator refuses, the server refuses too, and the server
accepts what the compiler prints for the examples and for random workspaces
(server-side dry run with strict field validation: an unknown field is an
error, not a warning). Skipped without the test API server.
"""

import json
import os
import pathlib
import subprocess
import tempfile

import pytest
from hypothesis import given, settings
from test_crd_schema import CASES, VALID_AP, VALID_CNP, broken
from test_random_workspaces import write

from conftest import ROOT
from harness import Options, compile_objects
from strategies import cases

KUBECONFIG = os.environ.get("LATTICE_TEST_KUBECONFIG")
pytestmark = pytest.mark.skipif(
    not KUBECONFIG, reason="needs the test API server: scripts/test.sh starts it (tests/cluster/cluster.sh)"
)

# Rules of this suite that no server checks: kubectl puts an object without a
# namespace into the kubeconfig's namespace.
CLIENT_ONLY = {"namespace on a namespaced kind"}


def kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["kubectl", "--kubeconfig", KUBECONFIG, *args], input=stdin, capture_output=True, text=True, timeout=120
    )


CREATED: set[str] = set()


def server_accepts(objects: list[dict]) -> subprocess.CompletedProcess:
    """Create the objects' namespaces, then dry-run the objects on the server."""
    namespaces = {o["metadata"]["namespace"] for o in objects if "namespace" in o["metadata"]} - CREATED
    if namespaces:
        manifests = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in sorted(namespaces)]
        created = kubectl(
            "apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests})
        )
        assert created.returncode == 0, created.stderr
        CREATED.update(namespaces)
    listed = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})
    return kubectl("apply", "--dry-run=server", "--validate=strict", "-f", "-", stdin=listed)


def test_the_server_accepts_the_valid_objects():
    result = server_accepts([VALID_CNP, VALID_AP])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "case, base, path, value, message",
    [c for c in CASES if c[0] not in CLIENT_ONLY],
    ids=[c[0] for c in CASES if c[0] not in CLIENT_ONLY],
)
def test_the_server_refuses_what_the_validator_refuses(schemas, case, base, path, value, message):
    obj = broken(base, path, value)
    assert schemas.errors(obj)
    result = server_accepts([obj])
    assert result.returncode != 0, f"{case}: the server accepted it:\n{result.stdout}"


@pytest.mark.parametrize("example", ["shop", "mistakes"])
def test_the_server_accepts_the_examples_policies(binary, example):
    for options in (Options(), Options(istio_root_namespace="mesh-root", mesh_wide_baseline=True)):
        objects = compile_objects(binary, [ROOT / "examples" / example], options, "default")
        result = server_accepts(objects)
        assert result.returncode == 0, result.stderr


@settings(max_examples=min(settings().max_examples, 15))
@given(case=cases())
def test_the_server_accepts_the_policies_of_random_workspaces(binary, case):
    with tempfile.TemporaryDirectory(prefix="lattice-policy-") as tmp:
        write(case, pathlib.Path(tmp))
        objects = compile_objects(binary, [pathlib.Path(tmp)], case.options, case.workspace.default_namespace)
    result = server_accepts(objects)
    assert result.returncode == 0, result.stderr
