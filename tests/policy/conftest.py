"""Fixtures of the policy tests: the binary, the upstream CRDs, and the
settings of the property test.

The CRDs come from $LATTICE_CRDS_DIR (scripts/test.sh sets it); without it
they are fetched the same way, by scripts/fetch-crds.sh, which reuses its
machine-level cache.
"""

import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from crds import Schemas  # noqa: E402

# The suite's profile: the same examples on every run and every machine, so a
# failure in CI is reproduced by running the suite again; sized to take about
# a minute on a 2-core machine.
settings.register_profile(
    "suite",
    max_examples=int(os.environ.get("LATTICE_HYPOTHESIS_EXAMPLES", "200")),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# For hunting: new examples every run, failures remembered under .cache/.
settings.register_profile(
    "explore",
    max_examples=int(os.environ.get("LATTICE_HYPOTHESIS_EXAMPLES", "1000")),
    deadline=None,
    database=DirectoryBasedExampleDatabase(str(ROOT / ".cache" / "hypothesis")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("LATTICE_HYPOTHESIS_PROFILE", "suite"))


@pytest.fixture(scope="session")
def binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("LATTICE_BIN", ROOT / "target" / "debug" / "kubectl-lattice"))
    if not path.is_file():
        pytest.fail(f"{path} does not exist: build it with `cargo build` or run scripts/test.sh")
    return path


@pytest.fixture(scope="session")
def crds_dir() -> pathlib.Path:
    folder = os.environ.get("LATTICE_CRDS_DIR")
    if not folder:
        fetched = subprocess.run([str(ROOT / "scripts" / "fetch-crds.sh")], capture_output=True, text=True, timeout=600)
        if fetched.returncode != 0:
            pytest.fail(f"scripts/fetch-crds.sh failed:\n{fetched.stderr}")
        folder = fetched.stdout.strip()
    return pathlib.Path(folder)


@pytest.fixture(scope="session")
def schemas(crds_dir) -> Schemas:
    return Schemas(crds_dir)
