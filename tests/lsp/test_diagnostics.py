"""Diagnostics: published for every file of the workspace at start, with the
counterpart's spec as related information, republished for every file an
edit affects, and cleared when the problem is fixed."""

import asyncio

from lsprotocol import types

from conftest import codes, diagnostics_of, find, open_doc, change_doc, uri


async def test_diagnostics_across_files_with_related_information(client):
    root = client.root
    checkout = await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    assert codes(checkout) == ["unmatched-outbound"]
    d = checkout[0]
    assert d.source == "lattice"
    assert d.severity == types.DiagnosticSeverity.Error
    text = (root / "checkout.yaml").read_text()
    assert d.range.start == find(text, "payments:")
    assert d.range.end == find(text, "payments:", delta=len("payments"))
    assert "does not accept" in d.message
    [related] = d.related_information
    assert related.location.uri == uri(root / "payments.yaml")
    payments = (root / "payments.yaml").read_text()
    assert related.location.range.start == find(payments, "payments", nth=0)

    stale = await diagnostics_of(client, root / "payments.yaml", lambda d: len(d) > 0)
    assert codes(stale) == ["unmatched-inbound"]
    assert stale[0].severity == types.DiagnosticSeverity.Warning
    assert stale[0].related_information[0].location.uri == uri(root / "billing" / "legacy-billing.yml")

    member = await diagnostics_of(client, root / "monitoring" / "prometheus.yaml", lambda d: len(d) > 0)
    assert codes(member) == ["unmatched-outbound"]

    # Not Lattice files, or in a skipped folder: nothing is said about them.
    assert uri(root / "chart" / "values.yaml") not in client.diagnostics
    assert uri(root / "node_modules" / "pkg" / "payments.yaml") not in client.diagnostics


async def test_an_edit_in_one_file_republishes_and_clears_the_other(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    path = root / "payments.yaml"
    text = open_doc(client, path)
    at = find(text, "            legacy-billing:")
    accept = "            checkout:\n                direction: inbound\n"
    change_doc(client, path, 2, [types.TextEdit(range=types.Range(start=at, end=at), new_text=accept)])
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) == 0, "cleared diagnostics")

    # Breaking it again brings the diagnostic back in the other file.
    removal = types.Range(start=at, end=types.Position(line=at.line + 2, character=0))
    change_doc(client, path, 3, [types.TextEdit(range=removal, new_text="")])
    again = await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    assert codes(again) == ["unmatched-outbound"]


async def test_an_edit_republishes_only_the_files_whose_diagnostics_change(client):
    root = client.root
    member = root / "monitoring" / "prometheus.yaml"
    before = await diagnostics_of(client, member, lambda d: len(d) > 0)
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    path = root / "payments.yaml"
    text = open_doc(client, path)
    at = find(text, "            legacy-billing:")
    accept = "            checkout:\n                direction: inbound\n"
    change_doc(client, path, 2, [types.TextEdit(range=types.Range(start=at, end=at), new_text=accept)])
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) == 0, "cleared diagnostics")
    await asyncio.sleep(0.3)

    # prometheus' problem is elsewhere: its list was not sent again.
    assert client.diagnostics[uri(member)] is before
    # legacy-billing (named by the edited file) and orders (unrelated) had
    # nothing to report before and after: nothing was ever sent for them.
    assert uri(root / "billing" / "legacy-billing.yml") not in client.diagnostics
    assert uri(root / "orders.yaml") not in client.diagnostics


async def test_utf16_positions_after_non_ascii_text(client):
    root = client.root
    path = root / "notes.yaml"
    text = (
        "apiVersion: lattice.dev/v1alpha1\n"
        "kind: LatticeService\n"
        'metadata: {annotations: {note: "café 🚀 ünïcode"}, name: Bad_Name}\n'
        "spec: {}\n"
    )
    open_doc(client, path, text)
    diags = await diagnostics_of(client, path, lambda d: len(d) > 0)
    assert codes(diags) == ["invalid-spec"]
    # The rocket is two UTF-16 code units, the accented letters one each.
    assert diags[0].range.start == find(text, "Bad_Name")
    line = text.split("\n")[2]
    prefix = line[: line.index("Bad_Name")]
    assert diags[0].range.start.character == len(prefix.encode("utf-16-le")) // 2 == len(prefix) + 1
    assert diags[0].range.end == find(text, "Bad_Name", delta=len("Bad_Name"))

    # An incremental edit counted in UTF-16 lands on the right characters.
    fix = types.TextEdit(range=diags[0].range, new_text="notes")
    change_doc(client, path, 2, [fix])
    await diagnostics_of(client, path, lambda d: len(d) == 0, "cleared diagnostics")


async def test_utf8_is_used_when_the_client_offers_it(utf8_client):
    client = utf8_client
    assert client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    path = client.root / "notes.yaml"
    text = 'apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {x: "🚀é", name: Bad}\n'
    open_doc(client, path, text)
    diags = await diagnostics_of(client, path, lambda d: len(d) > 0)
    line = text.split("\n")[2]
    assert diags[0].range.start.character == len(line[: line.index("Bad")].encode("utf-8"))


async def test_default_encoding_is_utf16(client):
    assert client.init_result.capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)
