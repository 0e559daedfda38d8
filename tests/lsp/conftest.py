"""Fixtures of the language server's end-to-end tests.

Every test gets a fresh copy of a small workspace of specs (`workspace`) and a
real LSP client (`client`) that starts `$LATTICE_BIN lsp` over stdio and
initializes it with that workspace folder. The client runs each test twice:
with the capabilities Neovim 0.7 announces and with those of VS Code.
"""

import asyncio
import os
import pathlib
import subprocess
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("LATTICE_BIN", str(ROOT / "target" / "debug" / "kubectl-lattice"))
SERVER = [BINARY, "lsp"]
PROFILES = ["neovim@v0.7.0", "visual-studio-code"]
TIMEOUT = 20.0

# The workspace: checkout calls orders (agreed) and payments (payments does
# not accept it); payments accepts legacy-billing, which does not call it;
# prometheus (a mesh member in another namespace) calls checkout, which does
# not accept it. The comment on checkout's first line is not ASCII on purpose.
SPECS = {
    "checkout.yaml": """\
# Checkout — the café's till 🚀
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: checkout
  namespace: shop
spec:
  workload:
    service:
      ports:
        http:
          port: 80
          targetPort: 8080
    resources:
      orders:
        type: service
      payments:
        type: service
        direction: outbound
""",
    "payments.yaml": """\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
    name: payments
    namespace: shop
spec:
    workload:
        service:
            ports:
                http:
                    port: 8443
        resources:
            legacy-billing:
                direction: inbound
""",
    "orders.yaml": """\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: orders
  namespace: shop
spec:
  workload:
    service:
      ports:
        grpc:
          port: 9090
    resources:
      checkout-caller:
        id: checkout
        direction: inbound
""",
    "billing/legacy-billing.yml": """\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: legacy-billing
  namespace: shop
spec:
  workload:
    service:
      ports:
        http:
          port: 8080
""",
    "monitoring/prometheus.yaml": """\
apiVersion: lattice.dev/v1alpha1
kind: LatticeMeshMember
metadata:
  name: prometheus
  namespace: monitoring
spec:
  target:
    selector:
      app: prometheus
  ports:
  - port: 9090
    name: web
  dependencies:
  - name: checkout
    namespace: shop
""",
    # Not a Lattice file: its syntax error is the YAML server's business.
    "chart/values.yaml": "replicas: [1\n",
    # Skipped folder: a copy here must not count as a second definition.
    "node_modules/pkg/payments.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: payments, namespace: shop}\n",
}


@pytest.fixture
def workspace(tmp_path: pathlib.Path) -> pathlib.Path:
    root = tmp_path / "ws"
    for name, text in SPECS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def uri(path: pathlib.Path) -> str:
    return path.as_uri()


async def start(
    lsp_client: LanguageClient, capabilities: types.ClientCapabilities, root: pathlib.Path, options=None
):
    registrations: list = []

    # pytest-lsp 1.0.1 has no handler for client/registerCapability; the server
    # asks for file events when the client can watch files (VS Code does).
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params: types.RegistrationParams):
        registrations.extend(params.registrations)
        return None

    lsp_client.registrations = registrations
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options=options,
        )
    )
    lsp_client.init_result = result
    lsp_client.root = root
    return result


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=PROFILES)
async def client(request, lsp_client: LanguageClient, workspace):
    lsp_client.profile = request.param
    await start(lsp_client, client_capabilities(request.param), workspace)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def utf8_client(lsp_client: LanguageClient, workspace):
    capabilities = client_capabilities("visual-studio-code")
    capabilities.general = types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
    )
    await start(lsp_client, capabilities, workspace)
    yield
    await lsp_client.shutdown_session()


async def eventually(predicate, what: str, timeout: float = TIMEOUT):
    """Wait until `predicate()` holds; the server publishes in its own time."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def diagnostics_of(client: LanguageClient, path: pathlib.Path, predicate=lambda d: True, what="diagnostics"):
    """The diagnostics last published for `path`, once `predicate` accepts them."""
    key = uri(path)
    await eventually(lambda: key in client.diagnostics and predicate(client.diagnostics[key]), f"{what} of {path.name}")
    return client.diagnostics[key]


def open_doc(client: LanguageClient, path: pathlib.Path, text: str | None = None, version: int = 1) -> str:
    if text is None:
        text = path.read_text(encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri(path), language_id="yaml", version=version, text=text)
        )
    )
    return text


def offset_of(text: str, position: types.Position) -> int:
    """Index in `text` of an LSP position counted in UTF-16 code units."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= position.character:
            return start + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(line)


def position_of(text: str, index: int) -> types.Position:
    """The LSP position (UTF-16) of index `index` in `text`."""
    before = text[:index]
    line = before.count("\n")
    column = before[before.rfind("\n") + 1 :]
    return types.Position(line=line, character=len(column.encode("utf-16-le")) // 2)


def find(text: str, needle: str, nth: int = 0, delta: int = 0) -> types.Position:
    """The position of the `nth` occurrence of `needle`, plus `delta` characters."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return position_of(text, index + delta)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) as a client does: from the end."""
    spans = [(offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits]
    for start, end, new in sorted(spans, key=lambda s: s[0], reverse=True):
        text = text[:start] + new + text[end:]
    return text


def edits_by_path(edit: types.WorkspaceEdit) -> dict[pathlib.Path, list[types.TextEdit]]:
    out: dict[pathlib.Path, list[types.TextEdit]] = {}
    for key, edits in (edit.changes or {}).items():
        out[pathlib.Path(key.removeprefix("file://"))] = list(edits)
    for change in edit.document_changes or []:
        out[pathlib.Path(change.text_document.uri.removeprefix("file://"))] = list(change.edits)
    return out


def change_doc(client: LanguageClient, path: pathlib.Path, version: int, edits: list[types.TextEdit]):
    """Send `edits` as incremental changes, in the order a client applies them."""
    changes = [
        types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=changes,
        )
    )


def codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


# The names the cluster test completes: a workload only the cluster has
# (prod/ledger) and one the workspace defines too (shop/payments).
CLUSTER_SPECS = """
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: ledger, namespace: prod}
spec: {workload: {service: {ports: {http: {port: 80}}}}}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: payments, namespace: shop}
spec: {workload: {service: {ports: {http: {port: 80}}}}}
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def cluster_client(lsp_client: LanguageClient, workspace):
    # The test API server of tests/cluster/cluster.sh, which scripts/test.sh starts.
    kubeconfig = os.environ.get("LATTICE_TEST_KUBECONFIG")
    if not kubeconfig:
        pytest.skip("needs the test API server: scripts/test.sh starts it")
    subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", "apply", "-f", "-"],
        input=CLUSTER_SPECS, text=True, check=True, capture_output=True,
    )
    await start(lsp_client, client_capabilities("neovim@v0.7.0"), workspace, {"cluster": {"kubeconfig": kubeconfig}})
    yield
    await lsp_client.shutdown_session()
