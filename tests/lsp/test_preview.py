"""The preview of the generated policies: a command whose answer is the
YAML the compiler generates for one service, offered as a code lens and a
source action."""

from lsprotocol import types

from conftest import diagnostics_of, find, uri

PREVIEW = "lattice.previewPolicies"


async def preview(client, *arguments):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=PREVIEW, arguments=list(arguments))
    )


async def test_preview_returns_the_compiled_policies_of_a_service(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    assert PREVIEW in client.init_result.capabilities.execute_command_provider.commands

    yaml = await preview(client, uri(root / "orders.yaml"))
    assert yaml.startswith("# Policies of LatticeService shop/orders")
    assert "kind: CiliumNetworkPolicy" in yaml
    assert "kind: AuthorizationPolicy" in yaml
    assert "cluster.local/ns/shop/sa/checkout" in yaml
    assert "'9090'" in yaml or '"9090"' in yaml, "Cilium ports are strings"
    assert "kind: CiliumClusterwideNetworkPolicy" not in yaml, "the baseline is not part of the preview"

    # A service in no agreement: nothing, and it says why.
    lonely = await preview(client, uri(root / "billing" / "legacy-billing.yml"), "shop/legacy-billing")
    assert "takes part in no agreement" in lonely
    assert "kind:" not in lonely


async def test_preview_is_offered_as_lens_and_source_action(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    orders = root / "orders.yaml"
    doc = types.TextDocumentIdentifier(uri=uri(orders))
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    [lens] = [l for l in lenses if l.command.command == PREVIEW]
    assert lens.range.start == find(orders.read_text(), "orders\n")
    assert (await preview(client, *lens.command.arguments)).startswith("# Policies of LatticeService shop/orders")

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc,
            range=types.Range(start=lens.range.start, end=lens.range.start),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    [action] = actions
    assert action.title == "Preview generated policies of shop/orders"
    # lsprotocol 2025.0.0 reads a CodeAction that carries a command as a
    # Command whose `command` is the nested object's text; accept both.
    command = action.command if isinstance(action, types.CodeAction) else action
    assert PREVIEW in str(command.command)
