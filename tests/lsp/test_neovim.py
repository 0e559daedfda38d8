"""One run through a real editor: headless Neovim with the setup shipped in
editors/nvim opens a spec and reads the diagnostics the server publishes."""

import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import BINARY, ROOT, find

NVIM = shutil.which("nvim")


@pytest.mark.skipif(NVIM is None and not os.environ.get("CI"), reason="nvim is not installed")
def test_headless_neovim_shows_the_diagnostics(workspace: pathlib.Path):
    assert NVIM is not None, "nvim is missing: scripts/test.sh installs Debian's neovim"
    (workspace / ".git").mkdir()
    checkout = workspace / "checkout.yaml"
    env = {
        **os.environ,
        "LATTICE_BIN": BINARY,
        "LATTICE_FILE": str(checkout),
        "LATTICE_NVIM_PLUGIN": str(ROOT / "editors" / "nvim"),
        "LATTICE_HOVER_LINE": str(find(checkout.read_text(), "payments:").line),
        "HOME": str(workspace.parent),
        "XDG_STATE_HOME": str(workspace.parent / "state"),
        "XDG_DATA_HOME": str(workspace.parent / "data"),
    }
    script = ROOT / "tests" / "lsp" / "nvim" / "diagnostics.lua"
    run = subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"],
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    line = find(checkout.read_text(), "payments:").line + 1
    assert any(l.startswith(f"{line}:7 lattice unmatched-outbound shop/checkout calls shop/payments") for l in lines), lines
    assert any(l.startswith("hover: **outbound** `shop/payments`: waiting for payments to accept") for l in lines), lines
    assert "preview: # Policies of LatticeService shop/checkout, as `kubectl lattice compile` generates them" in lines
