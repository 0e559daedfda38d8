"""The property: for any workspace, `compile --allow-partial` prints objects
that the API server accepts, and that allow exactly the agreements the specs
make, as the independent evaluator reads them. Documents with errors
contribute nothing.

Workspaces come from `strategies.cases`; on a failure Hypothesis shrinks the
workspace to a small one that still fails and prints it. The suite profile
(conftest.py) runs a fixed set of examples.
"""

import copy
import pathlib
import tempfile

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from harness import assert_only_agreements, assert_schema_valid, compile_objects, evaluate, invalid_files
from specs import Member, accepts_by_name, agreements, document, expected_flows, render
from strategies import Case, cases

JUNK = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: [unclosed\n"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: alpha\n"


def write(case: Case, folder: pathlib.Path) -> None:
    ws = case.workspace
    for name, indexes in case.files.items():
        (folder / name).write_text(render(document(ws.workloads[i]) for i in indexes))
    (folder / "namespaces.yaml").write_text(NAMESPACE)
    if case.junk:
        (folder / "junk.yaml").write_text(JUNK)


def describe(case: Case) -> None:
    """Tell Hypothesis' statistics what the example covered."""
    ws = case.workspace
    pairs = agreements(ws)
    valid = ws.valid()
    event(f"agreements: {min(len(pairs), 5)}{'+' if len(pairs) >= 5 else ''}")
    if any(a.namespace != b.namespace for a, b in pairs):
        event("an agreement across namespaces")
    if any(isinstance(valid[a], Member) and valid[a].depends_all for a, _ in pairs):
        event("a dependsAll caller")
    if any(isinstance(valid[b], Member) and valid[b].target_namespace for _, b in pairs):
        event("a namespace-target callee")
    if any(w.fault for w in ws.workloads):
        event("a document with an error")
    flows = expected_flows(ws)
    if any(protocol != "TCP" for ports in flows.values() for _, protocol in ports):
        event("an agreement on a UDP or SCTP port")
    if len(flows) < len(pairs):
        event("an agreement with a callee without ports")
    if any(a not in accepts_by_name(valid[b]) for a, b in pairs):
        event("an agreement through a wildcard")


@given(case=cases())
def test_random_workspaces_compile_to_exactly_their_agreements(binary, schemas, case):
    describe(case)
    ws = case.workspace
    with tempfile.TemporaryDirectory(prefix="lattice-policy-") as tmp:
        folder = pathlib.Path(tmp)
        write(case, folder)

        faulty = {name for name, indexes in case.files.items() if any(ws.workloads[i].fault for i in indexes)}
        assert invalid_files(binary, folder, ws.default_namespace) == faulty, (
            "the model and the tool disagree on which documents have errors"
        )

        objects = compile_objects(binary, [folder], case.options, ws.default_namespace)
    assert_schema_valid(objects, schemas)
    assert_only_agreements(evaluate(objects, ws, case.options), ws, case.options)


def removable(objects: list[dict]) -> list[tuple[int, str, int, int]]:
    """Every peer of a compiled rule that could be dropped: (object, field,
    rule, peer) for Cilium peer selectors and Istio principals."""
    out = []
    for i, obj in enumerate(objects):
        spec = obj.get("spec") or {}
        if obj["kind"] == "CiliumNetworkPolicy":
            for field, peers in (("ingress", "fromEndpoints"), ("egress", "toEndpoints")):
                for r, rule in enumerate(spec.get(field, [])):
                    out += [(i, field, r, p) for p in range(len(rule.get(peers, [])))]
        elif obj["kind"] == "AuthorizationPolicy":
            for r, rule in enumerate(spec.get("rules", [])):
                out += [(i, "rules", r, p) for p in range(len(rule["from"][0]["source"]["principals"]))]
    return out


def drop(objects: list[dict], where: tuple[int, str, int, int]) -> list[dict]:
    i, field, r, p = where
    objects = copy.deepcopy(objects)
    rule = objects[i]["spec"][field][r]
    peers = (
        rule["from"][0]["source"]["principals"]
        if field == "rules"
        else rule["fromEndpoints" if field == "ingress" else "toEndpoints"]
    )
    del peers[p]
    if not peers:
        del objects[i]["spec"][field][r]
    return objects


@settings(max_examples=min(settings().max_examples, 40))
@given(case=cases(), data=st.data())
def test_every_peer_of_every_rule_is_needed(binary, case, data):
    """The property test has teeth on random workspaces too: dropping any one
    peer (a Cilium selector, an Istio principal) from the output is caught."""
    ws = case.workspace
    assume(expected_flows(ws))
    with tempfile.TemporaryDirectory(prefix="lattice-policy-") as tmp:
        write(case, pathlib.Path(tmp))
        objects = compile_objects(binary, [pathlib.Path(tmp)], case.options, ws.default_namespace)
    where = data.draw(st.sampled_from(removable(objects)))
    broken = drop(objects, where)
    with pytest.raises(AssertionError):
        assert_only_agreements(evaluate(broken, ws, case.options), ws, case.options)
