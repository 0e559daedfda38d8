"""The workspace follows the disk: files created, changed, deleted and
renamed outside the editor (workspace/didChangeWatchedFiles)."""

from lsprotocol import types

from conftest import codes, diagnostics_of, uri


def event(path, kind):
    return types.FileEvent(uri=uri(path), type=kind)


def changed(client, *events):
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=list(events)))


async def test_the_server_asks_for_file_events_when_the_client_can_watch(client):
    root = client.root
    await diagnostics_of(client, root / "checkout.yaml", lambda d: len(d) > 0)
    methods = [r.method for r in client.registrations]
    if client.profile == "visual-studio-code":
        assert methods == [types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
        globs = [w["globPattern"] for w in client.registrations[0].register_options["watchers"]]
        assert globs == ["**/*.yaml", "**/*.yml"]
    else:
        assert methods == [], "Neovim 0.7 cannot watch files: nothing is registered"


async def test_created_deleted_and_renamed_files_are_followed(client):
    root = client.root
    checkout = root / "checkout.yaml"
    await diagnostics_of(client, checkout, lambda d: len(d) > 0)

    # Deleted: payments is gone, so checkout now calls an unknown service,
    # and the diagnostics of payments.yaml are withdrawn.
    payments = root / "payments.yaml"
    text = payments.read_text()
    payments.unlink()
    changed(client, event(payments, types.FileChangeType.Deleted))
    assert codes(await diagnostics_of(client, checkout, lambda d: codes(d) == ["unknown-service"])) == [
        "unknown-service"
    ]
    await diagnostics_of(client, payments, lambda d: len(d) == 0, "withdrawn diagnostics")

    # Renamed into place (a creation): payments is back, under another path,
    # this time accepting checkout.
    moved = root / "team" / "payments.yml"
    moved.parent.mkdir()
    moved.write_text(text.replace("legacy-billing:", "checkout:"))
    changed(client, event(moved, types.FileChangeType.Created))
    await diagnostics_of(client, checkout, lambda d: len(d) == 0, "cleared diagnostics")

    # Changed on disk: the acceptance is taken back.
    moved.write_text(text)
    changed(client, event(moved, types.FileChangeType.Changed))
    assert codes(await diagnostics_of(client, checkout, lambda d: len(d) > 0)) == ["unmatched-outbound"]

    # A new file that is not a Lattice spec changes nothing and is not reported.
    other = root / "chart" / "other.yaml"
    other.write_text("a: [1\n")
    changed(client, event(other, types.FileChangeType.Created))
    assert uri(other) not in client.diagnostics
