#!/usr/bin/env python3
"""Latency of the language server from a didChange to the last publishDiagnostics it causes.

usage: lsp_edit.py KUBECTL_LATTICE WORKSPACE [EDITS [FILE]]

Opens one service file, then flips one of its inbound declarations to outbound and
back, EDITS times. Each flip changes the diagnostics of two files (the edited one
and the peer's), so every edit must be followed by publishes for both. With FILE,
that file is edited instead (its first same-namespace inbound declaration), and one
publish is enough: the peer of a shared service that also names it by another key
sees no change. The latency
of an edit is the time from writing the didChange to the last publishDiagnostics
read before the server has been quiet for QUIET seconds. The number of files
published per edit is printed too: a server that republishes unchanged files
shows more than two.
"""
import json
import os
import re
import select
import statistics
import subprocess
import sys
import time

QUIET = float(os.environ.get("LSP_QUIET", "0.3"))


class Client:
    def __init__(self, exe):
        self.proc = subprocess.Popen([exe, "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""
        self.next_id = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            msg = self.read(None)
            if msg.get("id") == self.next_id and "method" not in msg:
                return msg

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def read(self, timeout):
        """One message, or None when none arrives within timeout seconds."""
        fd = self.proc.stdout.fileno()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            m = re.search(rb"Content-Length: (\d+)", self.buf[:head_end]) if head_end >= 0 else None
            if m and len(self.buf) >= head_end + 4 + int(m.group(1)):
                end = head_end + 4 + int(m.group(1))
                body, self.buf = self.buf[head_end + 4:end], self.buf[end:]
                msg = json.loads(body)
                if "method" in msg and "id" in msg:  # server request: answer it
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                    continue
                return msg
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise SystemExit("server exited")
            self.buf += chunk

    def drain(self, first_wait=60.0, need=1):
        """Wait up to first_wait seconds for publishes of `need` files, then read
        until quiet; the publishes seen and the time of the last one."""
        uris, last = set(), None
        wait = first_wait
        while (msg := self.read(wait)) is not None:
            if msg.get("method") == "textDocument/publishDiagnostics":
                uris.add(msg["params"]["uri"])
                last = time.monotonic()
            if len(uris) >= need:
                wait = QUIET
        return uris, last


INBOUND = re.compile(r"\n      (svc-\d+):\n        type: service\n"
                     r"        direction: inbound\n(?!        namespace)")


def pick_file(root):
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            path = os.path.join(dirpath, f)
            text = open(path).read()
            if text.count("apiVersion") == 1 and "kind: LatticeService" in text:
                m = INBOUND.search(text)
                if m:
                    return path, text, m
    raise SystemExit("no file with a same-namespace inbound declaration")


def given_file(path):
    text = open(path).read()
    m = INBOUND.search(text)
    if not m:
        raise SystemExit(f"{path}: no same-namespace inbound declaration to flip")
    return path, text, m


def main():
    exe, root = sys.argv[1], os.path.abspath(sys.argv[2])
    edits = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    client = Client(exe)
    t0 = time.monotonic()
    client.request("initialize", {
        "processId": os.getpid(), "rootUri": "file://" + root,
        "workspaceFolders": [{"uri": "file://" + root, "name": "bench"}],
        "capabilities": {"textDocument": {"publishDiagnostics": {}}},
    })
    client.notify("initialized", {})
    uris, last = client.drain()
    print(f"initial analysis: {len(uris)} files published, "
          f"{(last or time.monotonic()) - t0:.2f} s to the last publish")

    if len(sys.argv) > 4:
        path, text, m = given_file(os.path.abspath(sys.argv[4]))
        need = 1
    else:
        path, text, m = pick_file(root)
        need = 2
    uri = "file://" + path
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    client.drain(first_wait=QUIET)
    flipped = text[:m.start()] + m.group(0).replace("inbound", "outbound") + text[m.end():]

    latencies, published, version = [], [], 1
    for i in range(edits):
        version += 1
        new = flipped if i % 2 == 0 else text
        start = time.monotonic()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": new}]})
        uris, last = client.drain(need=need)
        if len(uris) < need or last is None:
            raise SystemExit(f"edit {i}: expected publishes for {need} files, got {sorted(uris)}")
        latencies.append((last - start) * 1000)
        published.append(len(uris))

    latencies.sort()
    p90 = latencies[min(len(latencies) - 1, int(round(0.9 * len(latencies))) - 1)]
    print(f"edits: {len(latencies)}  median: {statistics.median(latencies):.1f} ms  "
          f"p90: {p90:.1f} ms  min: {latencies[0]:.1f} ms  max: {latencies[-1]:.1f} ms")
    print(f"files published per edit: min {min(published)}, max {max(published)}")
    client.request("shutdown", None)
    client.notify("exit", None)
    client.proc.wait(timeout=10)


if __name__ == "__main__":
    main()
