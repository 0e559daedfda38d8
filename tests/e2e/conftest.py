"""Shared helpers for the end-to-end tests: where the binary and the examples are.

The tests drive the real `kubectl-lattice` binary (built by scripts/test.sh,
path in $LATTICE_BIN) as a user or a CI pipeline would.
"""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("LATTICE_BIN", ROOT / "target" / "debug" / "kubectl-lattice"))
    if not path.is_file():
        pytest.fail(f"{path} does not exist: build it with `cargo build` or run scripts/test.sh")
    return path


@pytest.fixture
def run(binary):
    """Run kubectl-lattice with arguments, from the repository root."""

    def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(binary), *args], cwd=ROOT, capture_output=True, text=True, timeout=60, **kwargs
        )

    return _run
