"""Turns a generated workspace into one with a shared service: every other
service also calls the first one, which names each of them as a caller.

usage: hub.py GENERATED_WORKSPACE OUT
"""

import glob
import os
import re
import shutil
import sys

CALL = (
    "      hub-call:\n        id: {name}\n        type: service\n"
    "        direction: outbound\n        namespace: {namespace}\n"
)
ACCEPT = (
    "      in-{name}:\n        id: {name}\n        type: service\n"
    "        direction: inbound\n        namespace: {namespace}\n"
)
IDENTITY = re.compile(r"^  name: (\S+)\n  namespace: (\S+)", re.M)


def with_resources(doc: str) -> str:
    """The document with a `resources` block at its end to append to."""
    doc = doc.rstrip("\n") + "\n"
    if "    resources:\n" not in doc:
        doc += "    resources:\n"
    return doc


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(source, out)
    files = sorted(glob.glob(os.path.join(out, "*", "*.yaml")))
    hub_file, rest = files[0], files[1:]
    hub_docs = open(hub_file).read().split("---\n")
    hub_name, hub_namespace = IDENTITY.search(hub_docs[0]).groups()
    callers = []
    for path in rest:
        docs = open(path).read().split("---\n")
        for i, doc in enumerate(docs):
            if "kind: LatticeService" not in doc:
                continue
            callers.append(IDENTITY.search(doc).groups())
            docs[i] = with_resources(doc) + CALL.format(name=hub_name, namespace=hub_namespace)
        open(path, "w").write("---\n".join(docs))
    accepts = "".join(ACCEPT.format(name=n, namespace=ns) for n, ns in callers)
    hub_docs[0] = with_resources(hub_docs[0]) + accepts
    open(hub_file, "w").write("---\n".join(hub_docs))


if __name__ == "__main__":
    main()
