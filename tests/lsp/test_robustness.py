"""The server survives what editors send while people type: half-written
YAML, requests in odd places, oversized documents, files that vanish."""

import asyncio

from lsprotocol import types

from conftest import codes, diagnostics_of, find, open_doc, uri

HALF_TYPED = [
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: cart\nspec:\n  workload:\n    resources:\n      pay",
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: cart\nspec:\n  workload:\n    resources:\n      payments:\n        direction: [",
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: cart\nspec:\n\tworkload: x\n",
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: \"cart\n",
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: *nothing\n",
    "apiVersion: lattice.dev/v1alpha1\n" + "[" * 5000,
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: cart\nspec:\n  workload:\n    resources:\n      payments:\n        direction: inbound\n        direction: outbound\n",
]


async def test_half_typed_yaml_never_breaks_the_server(client):
    path = client.root / "cart.yaml"
    open_doc(client, path, "")
    for version, text in enumerate(HALF_TYPED, start=2):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        end = find(text, text[-1], delta=1) if text else types.Position(line=0, character=0)
        doc = types.TextDocumentIdentifier(uri=uri(path))
        # Every feature answers (possibly with nothing) on broken text.
        await client.text_document_completion_async(types.CompletionParams(text_document=doc, position=end))
        await client.text_document_hover_async(types.HoverParams(text_document=doc, position=end))
        await client.text_document_definition_async(types.DefinitionParams(text_document=doc, position=end))
        await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=doc,
                range=types.Range(start=types.Position(line=0, character=0), end=end),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
    diags = await diagnostics_of(client, path, lambda d: "duplicate key" in " ".join(x.message for x in d))
    assert "invalid-yaml" in codes(diags)
    # Still alive and analyzing the rest of the workspace.
    assert codes(await diagnostics_of(client, client.root / "checkout.yaml", lambda d: len(d) > 0)) == [
        "unmatched-outbound"
    ]


async def test_positions_past_the_end_and_unknown_documents_are_harmless(client):
    root = client.root
    checkout = root / "checkout.yaml"
    await diagnostics_of(client, checkout, lambda d: len(d) > 0)
    far = types.Position(line=10_000, character=10_000)
    for target in [checkout, root / "never-opened.yaml", root / "chart" / "values.yaml"]:
        doc = types.TextDocumentIdentifier(uri=uri(target))
        assert await client.text_document_hover_async(types.HoverParams(text_document=doc, position=far)) is None
        await client.text_document_completion_async(types.CompletionParams(text_document=doc, position=far))
        await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))


async def test_an_oversized_document_is_reported_not_read(client):
    path = client.root / "huge.yaml"
    text = "apiVersion: lattice.dev/v1alpha1\n" + "# padding\n" * (17 * 1024 * 1024 // 10)
    open_doc(client, path, text)
    diags = await diagnostics_of(client, path, lambda d: len(d) > 0)
    assert codes(diags) == ["file-too-large"]


async def test_a_vanished_open_file_keeps_its_editor_text(client):
    root = client.root
    payments = root / "payments.yaml"
    text = open_doc(client, payments)
    payments.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri(payments), type=types.FileChangeType.Deleted)])
    )
    # The editor still holds it: checkout still sees payments.
    await asyncio.sleep(0)
    assert codes(await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)) == ["unmatched-outbound"]
    # Closed, it is gone.
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(payments))))
    await diagnostics_of(client, root / "checkout.yaml", lambda d: codes(d) == ["unknown-service"])
    del text
