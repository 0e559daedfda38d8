"""`kubectl lattice ...` through the real kubectl binary's plugin mechanism."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT


@pytest.fixture
def kubectl(binary, tmp_path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed; scripts/test.sh installs it")
    # Only the freshly built binary may answer as the plugin, not an installed copy.
    plugin_dir = tmp_path / "bin"
    plugin_dir.mkdir()
    (plugin_dir / "kubectl-lattice").symlink_to(binary)
    env = {
        **os.environ,
        "PATH": f"{plugin_dir}{os.pathsep}{os.environ['PATH']}",
        # kubectl reads no cluster for plugins, but must not touch the user's config.
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
        "NO_COLOR": "1",
    }

    def _kubectl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [kubectl, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    return _kubectl


def test_plugin_list_shows_the_plugin(kubectl):
    result = kubectl("plugin", "list")
    assert "kubectl-lattice" in result.stdout, result.stdout + result.stderr


def test_check_clean_examples_exits_zero(kubectl):
    result = kubectl("lattice", "check", "examples/shop")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error[" not in result.stdout


def test_check_mistakes_exits_one_and_names_every_problem(kubectl):
    result = kubectl("lattice", "check", "examples/mistakes")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    for code in ["unmatched-outbound", "unknown-service", "unmatched-inbound", "wildcard"]:
        assert f"[{code}]" in out, f"{code} missing from:\n{out}"
    assert "did you mean `inventory`" in out
    assert "examples/mistakes/checkout.yaml:30:7" in out


def test_flags_and_json_pass_through_kubectl(kubectl):
    result = kubectl("lattice", "check", "examples/mistakes", "-o", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 2
    assert {d["code"] for d in report["diagnostics"]} >= {"unmatched-outbound", "unknown-service"}


def test_usage_error_exit_code_is_propagated(kubectl):
    result = kubectl("lattice", "check", "--output", "bogus")
    assert result.returncode == 2
