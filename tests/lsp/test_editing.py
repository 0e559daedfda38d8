"""Edits the server proposes: the cross-file quick fix, rename across files,
and completion."""

import asyncio
import time

from lsprotocol import types

from conftest import (
    TIMEOUT,
    apply_edits,
    change_doc,
    codes,
    diagnostics_of,
    edits_by_path,
    find,
    open_doc,
    uri,
)


async def test_quick_fix_inserts_the_counterpart_into_the_other_file(client):
    root = client.root
    checkout = root / "checkout.yaml"
    [problem] = await diagnostics_of(client, checkout, lambda d: len(d) > 0)
    open_doc(client, checkout)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(checkout)),
            range=problem.range,
            context=types.CodeActionContext(diagnostics=[problem]),
        )
    )
    fixes = [a for a in actions if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix]
    assert len(fixes) == 1, actions
    fix = fixes[0]
    assert fix.title == "Accept shop/checkout in the spec of shop/payments"
    assert codes(fix.diagnostics) == ["unmatched-outbound"]
    edits = edits_by_path(fix.edit)
    payments = root / "payments.yaml"
    assert list(edits) == [payments], "the edit goes into the other service's file"

    # Apply the edit as the client would and tell the server.
    text = open_doc(client, payments)
    fixed = apply_edits(text, edits[payments])
    assert "            checkout:\n                type: service\n                direction: inbound\n" in fixed
    change_doc(client, payments, 2, edits[payments])
    await diagnostics_of(client, checkout, lambda d: len(d) == 0, "cleared diagnostics")
    # The stale acceptance of legacy-billing is still reported in payments.yaml.
    assert codes(await diagnostics_of(client, payments, lambda d: len(d) == 1)) == ["unmatched-inbound"]


async def test_quick_fix_creates_resources_when_missing(client):
    root = client.root
    # legacy-billing has no `resources:`; the fix for the stale acceptance
    # declares the call there, creating the block.
    payments = root / "payments.yaml"
    [stale] = await diagnostics_of(client, payments, lambda d: len(d) > 0)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(payments)),
            range=stale.range,
            context=types.CodeActionContext(diagnostics=[stale]),
        )
    )
    [fix] = [a for a in actions if getattr(a, "kind", None) == types.CodeActionKind.QuickFix]
    billing = root / "billing" / "legacy-billing.yml"
    edits = edits_by_path(fix.edit)[billing]
    text = open_doc(client, billing)
    assert apply_edits(text, edits).endswith(
        "    resources:\n      payments:\n        type: service\n        direction: outbound\n"
    )
    change_doc(client, billing, 2, edits)
    await diagnostics_of(client, payments, lambda d: len(d) == 0, "cleared diagnostics")


async def rename(client, path, position, new_name):
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position)
    )
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position, new_name=new_name
        )
    )
    return prepared, edits_by_path(edit)


async def test_rename_a_service_across_files(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    checkout = root / "checkout.yaml"
    text = checkout.read_text()
    prepared, edits = await rename(client, checkout, find(text, "name: checkout", delta=8), "till")
    assert prepared.placeholder == "checkout"
    assert prepared.range.start == find(text, "checkout\n")
    orders = root / "orders.yaml"
    prometheus = root / "monitoring" / "prometheus.yaml"
    assert sorted(edits) == sorted([checkout, orders, prometheus])
    assert "metadata:\n  name: till\n" in apply_edits(text, edits[checkout])
    # A key with an `id`: the id is renamed, the key (a label) stays.
    assert "      checkout-caller:\n        id: till\n" in apply_edits(orders.read_text(), edits[orders])
    # A mesh member's dependency `name`.
    assert "  - name: till\n    namespace: shop\n" in apply_edits(prometheus.read_text(), edits[prometheus])

    # Applied everywhere, the workspace means what it meant before.
    for path, path_edits in edits.items():
        open_doc(client, path)
        change_doc(client, path, 2, path_edits)
    member = await diagnostics_of(client, prometheus, lambda d: len(d) > 0 and "till" in d[0].message)
    assert codes(member) == ["unmatched-outbound"]


async def test_rename_from_a_declaration_renames_the_key_without_id(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    checkout = root / "checkout.yaml"
    text = checkout.read_text()
    _, edits = await rename(client, checkout, find(text, "payments:", delta=2), "billing")
    payments = root / "payments.yaml"
    assert sorted(edits) == sorted([checkout, payments])
    assert "      billing:\n        type: service\n        direction: outbound\n" in apply_edits(text, edits[checkout])
    assert "    name: billing\n" in apply_edits(payments.read_text(), edits[payments])


async def test_rename_to_a_taken_or_invalid_name_is_refused(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    checkout = root / "checkout.yaml"
    position = find(checkout.read_text(), "name: checkout", delta=8)
    for bad in ["orders", "Not_A_Label"]:
        try:
            await client.text_document_rename_async(
                types.RenameParams(
                    text_document=types.TextDocumentIdentifier(uri=uri(checkout)), position=position, new_name=bad
                )
            )
        except Exception as error:  # the server answers with an error response
            assert "orders" in str(error) or "not a valid" in str(error)
        else:
            raise AssertionError(f"renaming to {bad} was accepted")


async def complete(client, path, text, position):
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position)
    )
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    return items


async def test_completion_of_enum_values_fields_services_and_namespaces(client):
    root = client.root
    path = root / "new.yaml"
    head = (
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: cart\n  namespace: shop\n"
        "spec:\n  workload:\n    resources:\n"
    )
    cases = [
        ("      payments:\n        direction: ", ["outbound", "inbound", "both"]),
        ("      payments:\n        type: ", ["service", "external-service", "volume", "secret", "gpu"]),
        ("      payments:\n        dir", ["type", "direction", "id", "namespace", "class", "metadata", "params"]),
        ("      payments:\n        namespace: ", ["monitoring", "shop"]),
    ]
    for version, (tail, expected) in enumerate(cases, start=1):
        text = head + tail
        if version == 1:
            open_doc(client, path, text)
        else:
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
        end = find(text, tail, delta=len(tail))
        labels = [i.label for i in await complete(client, path, text, end)]
        assert labels == expected, (tail, labels)

    # Service names for a new resource key: the workspace's, own namespace first.
    text = head + "      pay"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=10),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    items = await complete(client, path, text, find(text, "pay", delta=3))
    labels = [i.label for i in sorted(items, key=lambda i: i.sort_text)]
    assert labels[:4] == ["checkout", "legacy-billing", "orders", "payments"], labels
    assert "prometheus" in labels and "cart" not in labels
    payments = next(i for i in items if i.label == "payments")
    assert payments.text_edit.range.start == find(text, "pay")
    assert payments.text_edit.new_text == "payments"


async def test_completion_in_a_mesh_member(client):
    path = client.root / "member.yaml"
    text = (
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: grafana\n"
        "spec:\n  ports:\n  - port: 3000\n    peerAuth: "
    )
    open_doc(client, path, text)
    items = await complete(client, path, text, find(text, "peerAuth: ", delta=10))
    assert [i.label for i in items] == ["Strict", "Permissive", "Webhook"]


async def test_completion_adds_names_from_the_cluster_without_waiting(cluster_client):
    client = cluster_client
    path = client.root / "new.yaml"
    text = (
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: cart\n  namespace: shop\n"
        "spec:\n  workload:\n    resources:\n      ledger:\n        namespace: "
    )
    open_doc(client, path, text)
    end = find(text, "namespace: ", nth=1, delta=len("namespace: "))
    key = find(text, "ledger", delta=3)
    labels: dict = {}

    async def ask():
        # Services first: the snapshot holds both, so namespaces asked after
        # services that show cluster names show them too.
        services = await complete(client, path, text, key)
        namespaces = await complete(client, path, text, end)
        labels["namespaces"] = {i.label: i.detail for i in namespaces}
        labels["services"] = {i.label: i.detail for i in services}

    # The names arrive from a background fetch; completion answers meanwhile.
    deadline = time.monotonic() + TIMEOUT
    while True:
        await ask()
        if "ledger" in labels["services"]:
            break
        assert time.monotonic() < deadline, "cluster names never arrived"
        await asyncio.sleep(0.05)
    assert labels["services"]["ledger"] == "prod/ledger in the cluster"
    assert labels["services"]["payments"].startswith("LatticeService shop/payments"), "the workspace's own wins"
    assert labels["namespaces"]["kube-system"] == "namespace in the cluster"
    assert labels["namespaces"]["shop"] == "namespace in the workspace"
