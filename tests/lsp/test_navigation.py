"""Reading the agreements: hover, go to definition, references, code lenses."""

from lsprotocol import types

from conftest import diagnostics_of, find, open_doc, uri


def doc(path):
    return types.TextDocumentIdentifier(uri=uri(path))


async def hover(client, path, position):
    result = await client.text_document_hover_async(types.HoverParams(text_document=doc(path), position=position))
    return result.contents.value if result else None


async def test_hover_shows_the_status_and_what_it_compiles_to(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    checkout = root / "checkout.yaml"
    text = open_doc(client, checkout)

    agreed = await hover(client, checkout, find(text, "orders:", delta=1))
    assert "**outbound** `shop/orders`: agreed" in agreed
    assert "L4 egress on `shop/checkout` (CiliumNetworkPolicy): to `shop/orders` on 9090/TCP" in agreed
    assert "L4 ingress on `shop/orders` (CiliumNetworkPolicy): from `shop/checkout` on 9090/TCP" in agreed
    assert "principal `cluster.local/ns/shop/sa/checkout` on ports 9090" in agreed

    waiting = await hover(client, checkout, find(text, "payments:", delta=1))
    assert "waiting for payments to accept" in waiting
    assert "denied" in waiting

    payments = root / "payments.yaml"
    stale = await hover(client, payments, find(payments.read_text(), "legacy-billing:", delta=1))
    assert "stale: legacy-billing does not call" in stale

    service = await hover(client, checkout, find(text, "name: checkout", delta=7))
    assert "LatticeService `shop/checkout`" in service
    assert "`monitoring/prometheus` (waiting for shop/checkout to accept)" in service
    assert "calls: `orders` (agreed), `payments` (waiting for payments to accept)" in service


async def test_definition_goes_to_the_peer_spec(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    orders = root / "orders.yaml"
    text = orders.read_text()
    checkout_text = (root / "checkout.yaml").read_text()
    for position in [find(text, "id: checkout", delta=5), find(text, "checkout-caller:", delta=3)]:
        result = await client.text_document_definition_async(
            types.DefinitionParams(text_document=doc(orders), position=position)
        )
        location = result[0] if isinstance(result, list) else result
        assert location.uri == uri(root / "checkout.yaml")
        assert location.range.start == find(checkout_text, "checkout\n")

    member = root / "monitoring" / "prometheus.yaml"
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(member), position=find(member.read_text(), "name: checkout", delta=7))
    )
    location = result[0] if isinstance(result, list) else result
    assert location.uri == uri(root / "checkout.yaml")


async def test_references_list_every_declaration_naming_the_service(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    checkout = root / "checkout.yaml"
    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(checkout),
            position=find(checkout.read_text(), "name: checkout", delta=8),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    found = sorted((r.uri.rsplit("/", 1)[-1], r.range.start.line) for r in result)
    orders = (root / "orders.yaml").read_text()
    member = (root / "monitoring" / "prometheus.yaml").read_text()
    assert found == [
        ("orders.yaml", find(orders, "id: checkout", delta=4).line),
        ("prometheus.yaml", find(member, "name: checkout").line),
    ]

    # From a declaration: the same service's references, its name included.
    payments = root / "payments.yaml"
    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(checkout),
            position=find(checkout.read_text(), "payments:", delta=2),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert sorted(r.uri for r in result) == sorted([uri(payments), uri(checkout)])


async def test_code_lenses_show_the_status_of_each_declaration(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)

    async def lenses(path):
        result = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc(path)))
        return {(lens.range.start.line, lens.command.title) for lens in result}

    checkout = root / "checkout.yaml"
    text = checkout.read_text()
    titles = await lenses(checkout)
    assert (find(text, "orders:").line, "agreed") in titles
    assert (find(text, "payments:").line, "waiting for payments to accept") in titles
    payments = root / "payments.yaml"
    assert (find(payments.read_text(), "legacy-billing:").line, "stale: legacy-billing does not call") in await lenses(
        payments
    )
    member = root / "monitoring" / "prometheus.yaml"
    assert (find(member.read_text(), "name: checkout").line, "waiting for shop/checkout to accept") in await lenses(
        member
    )
