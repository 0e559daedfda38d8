"""The property: for any workspace, `compile --allow-partial` prints objects
that the API server accepts, and that allow exactly the agreements the specs
make, as the independent evaluator reads them. Documents with errors
contribute nothing.

Workspaces come from `strategies.cases`; on a failure Hypothesis shrinks the
workspace to a small one that still fails and prints it. The suite profile
(conftest.py) runs a fixed set of examples.
"""

import pathlib
import tempfile

from hypothesis import event, given

from harness import assert_only_agreements, assert_schema_valid, compile_objects, evaluate, invalid_files
from specs import Member, agreements, document, render
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


@given(case=cases())
def test_random_workspaces_compile_to_exactly_their_agreements(binary, schemas, case):
    describe(case)
    ws = case.workspace
    with tempfile.TemporaryDirectory(prefix="lattice-policy-") as tmp:
        folder = pathlib.Path(tmp)
        write(case, folder)

        faulty = {name for name, indexes in case.files.items() if any(ws.workloads[i].fault for i in indexes)}
        assert invalid_files(binary, folder, ws.default_namespace) == faulty, "the model and the tool disagree on which documents have errors"

        objects = compile_objects(binary, [folder], case.options, ws.default_namespace)
    assert_schema_valid(objects, schemas)
    assert_only_agreements(evaluate(objects, ws, case.options), ws, case.options)
