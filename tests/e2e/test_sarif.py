"""`check -o sarif` validates against the SARIF 2.1.0 JSON schema.

The schema file ships in the npm package @microsoft/sarif-multitool-linux
(scripts/test.sh installs it and sets $LATTICE_SARIF_SCHEMA). The package's
own `validate` command only applies its style rules, so the schema is
checked here with a JSON-schema validator.
"""

import copy
import json
import os
import pathlib

import jsonschema
import pytest

from conftest import ROOT

FIXTURES = ROOT / "crates" / "kubectl-lattice" / "tests" / "fixtures"


@pytest.fixture(scope="session")
def validator():
    path = os.environ.get("LATTICE_SARIF_SCHEMA")
    if not path or not pathlib.Path(path).is_file():
        pytest.fail("LATTICE_SARIF_SCHEMA does not name the SARIF schema; run scripts/test.sh")
    schema = json.loads(pathlib.Path(path).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_of(run, *paths):
    result = run("check", "-o", "sarif", *paths)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def assert_valid(validator, log):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_mistakes_sarif_is_valid(run, validator):
    log = sarif_of(run, "examples/mistakes")
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {
        "unmatched-outbound",
        "unknown-service",
        "unmatched-inbound",
        "wildcard",
    }
    with_fix = [r for r in results if r.get("fixes")]
    assert with_fix, "the one-sided declaration carries a fix"


def test_clean_sarif_is_valid_and_empty(run, validator):
    log = sarif_of(run, "examples/shop")
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == []


def test_every_fixture_sarif_is_valid(run, validator):
    cases = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    assert cases, f"no fixtures under {FIXTURES}"
    for case in cases:
        log = sarif_of(run, str(case.relative_to(ROOT)))
        assert_valid(validator, log)


def test_the_validator_catches_a_bad_level(run, validator):
    log = sarif_of(run, "examples/mistakes")
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken)), "a bogus level must not validate"
