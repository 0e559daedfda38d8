"""Properties between two compilations, read by the independent evaluator:

- removing one declaration from a workspace never lets any pod reach any
  other pod on a port it could not reach before (what is allowed shrinks
  or stays, layer by layer);
- the order of files and of the documents within a file changes neither
  the compiled output (byte for byte) nor the findings of `check`.

Workspaces come from `strategies.cases`; each example runs the binary a few
times, so the example count is a fraction of the profile's.
"""

from __future__ import annotations

import copy
import json
import pathlib
import subprocess
import tempfile

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harness import compile_objects, evaluate
from specs import Member, Service, document, render
from strategies import Case, cases
from test_random_workspaces import write

# A sixth of the profile's examples: 33 in the suite, more when hunting.
EXAMPLES = max(10, settings().max_examples // 6)


def declarations(case: Case) -> list[tuple[int, str, int]]:
    """Every declaration of a valid workload: (workload, field, item)."""
    out = []
    for i, w in enumerate(case.workspace.workloads):
        if w.fault is not None:
            continue
        if isinstance(w, Service):
            out += [(i, "resources", j) for j in range(len(w.resources))]
        else:
            out += [(i, "allowed_callers", j) for j in range(len(w.allowed_callers))]
            out += [(i, "dependencies", j) for j in range(len(w.dependencies))]
            if w.depends_all:
                out.append((i, "depends_all", 0))
    return out


def without(case: Case, where: tuple[int, str, int]) -> Case:
    i, field, j = where
    smaller = copy.deepcopy(case)
    w = smaller.workspace.workloads[i]
    if field == "depends_all":
        w.depends_all = False
    else:
        del getattr(w, field)[j]
    if isinstance(w, Member) and not w.ports and not w.dependencies and not w.depends_all:
        # Now an error of its own (a member serving and calling nothing):
        # the model drops the whole document, as the tool does.
        w.fault = "serves-and-calls-nothing"
    return smaller


def compiled(binary: pathlib.Path, case: Case) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="lattice-policy-") as tmp:
        folder = pathlib.Path(tmp)
        write(case, folder)
        return compile_objects(binary, [folder], case.options, case.workspace.default_namespace)


@settings(max_examples=EXAMPLES)
@given(case=cases(), data=st.data())
def test_removing_a_declaration_never_widens_what_is_allowed(binary, case, data):
    candidates = declarations(case)
    assume(candidates)
    smaller = without(case, data.draw(st.sampled_from(candidates)))

    # The pods are those of the larger workspace in both evaluations: the
    # removal changes declarations, never which pods exist.
    before = evaluate(compiled(binary, case), case.workspace, case.options).verdicts
    after = evaluate(compiled(binary, smaller), case.workspace, case.options).verdicts

    widened = {}
    for pair, verdict in after.items():
        for layer in ("egress", "ingress", "istio"):
            extra = getattr(verdict, layer) - getattr(before[pair], layer)
            if extra:
                widened[(pair[0].name, pair[1].name, layer)] = sorted(extra)
    assert not widened, f"removing a declaration allowed more: {widened}"


def check_findings(binary: pathlib.Path, folder: pathlib.Path, default_namespace: str) -> list[tuple]:
    """`check -o json` findings without their positions: (file, code, message)."""
    result = subprocess.run(
        [str(binary), "check", str(folder), "-o", "json", "-n", default_namespace],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return sorted((pathlib.Path(d["file"]).name, d["code"], d["message"]) for d in report["diagnostics"])


def compile_text(binary: pathlib.Path, folder: pathlib.Path, case: Case) -> str:
    result = subprocess.run(
        [
            str(binary),
            "compile",
            str(folder),
            "--allow-partial",
            "-n",
            case.workspace.default_namespace,
            *case.options.args(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@settings(max_examples=EXAMPLES)
@given(case=cases(), data=st.data())
def test_file_and_document_order_change_nothing(binary, case, data):
    ws = case.workspace
    # The same documents in the same files, with the files read in another
    # order (names sort differently) and each file's documents shuffled.
    names = list(case.files)
    renamed = dict(zip(names, data.draw(st.permutations(names)), strict=True))
    shuffled = {renamed[name]: data.draw(st.permutations(indexes)) for name, indexes in case.files.items()}
    with (
        tempfile.TemporaryDirectory(prefix="lattice-order-a-") as a,
        tempfile.TemporaryDirectory(prefix="lattice-order-b-") as b,
    ):
        first, second = pathlib.Path(a), pathlib.Path(b)
        write(case, first)
        write(case, second)
        for name in names:
            (second / name).unlink()
        for name, indexes in shuffled.items():
            (second / name).write_text(render(document(ws.workloads[i]) for i in indexes))

        assert compile_text(binary, first, case) == compile_text(binary, second, case)
        # A file's findings stay with its documents, whatever the file is
        # called now.
        back = {new: old for old, new in renamed.items()}
        findings = [
            (back.get(file, file), code, message)
            for file, code, message in check_findings(binary, second, ws.default_namespace)
        ]
        assert check_findings(binary, first, ws.default_namespace) == sorted(findings)
