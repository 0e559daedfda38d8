"""The bundled examples: every compiled object is valid for its upstream CRD,
and the objects allow exactly the agreements the specs make, as the
independent evaluator reads them."""

import pytest

from conftest import ROOT
from harness import Options, assert_only_agreements, assert_schema_valid, compile_objects, evaluate, is_baseline
from specs import Ref, agreements, read_specs

EXAMPLES = ROOT / "examples"
OPTIONS = [
    pytest.param(Options(), id="defaults"),
    pytest.param(
        Options(trust_domain="prod.example", istio_root_namespace="mesh-root", mesh_wide_baseline=True),
        id="mesh-wide",
    ),
]


def test_the_model_reads_the_examples_as_their_readme_says():
    """The examples' README counts the agreements; the model must agree
    before it can judge the compiler."""
    shop = read_specs(EXAMPLES / "shop")
    assert all(w.fault is None for w in shop.workloads)
    assert len(agreements(shop)) == 21
    assert (Ref("web", "frontend"), Ref("commerce", "checkout")) in agreements(shop)

    mistakes = read_specs(EXAMPLES / "mistakes")
    assert all(w.fault is None for w in mistakes.workloads)
    pairs = {(str(a), str(b)) for a, b in agreements(mistakes)}
    assert pairs == {
        ("shop/checkout", "shop/cart"),
        ("shop/checkout", "shop/orders"),
        ("shop/orders", "shop/payments"),
        ("shop/legacy-billing", "shop/status-page"),
    }


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("example", ["shop", "mistakes"])
def test_examples_compile_to_valid_objects_that_allow_exactly_the_agreements(binary, schemas, example, options):
    ws = read_specs(EXAMPLES / example)
    objects = compile_objects(binary, [EXAMPLES / example], options, "default", output="yaml")
    assert_schema_valid(objects, schemas)
    assert_only_agreements(evaluate(objects, ws, options), ws, options)


@pytest.mark.parametrize("example", ["shop", "mistakes"])
def test_the_yaml_and_json_forms_hold_the_same_objects(binary, example):
    folder = [EXAMPLES / example]
    as_yaml = compile_objects(binary, folder, Options(), "default", output="yaml")
    as_json = compile_objects(binary, folder, Options(), "default", output="json")
    assert as_yaml == as_json


@pytest.mark.parametrize("example", ["shop", "mistakes"])
def test_no_baseline_leaves_out_exactly_the_baseline(binary, example):
    """What the harness strips to check the allowances without a baseline is
    what `--no-baseline` leaves out."""
    folder = [EXAMPLES / example]
    full = compile_objects(binary, folder, Options(), "default")
    bare = compile_objects(binary, folder, Options(no_baseline=True), "default")
    assert bare == [o for o in full if not is_baseline(o)]
    assert len(bare) < len(full)
