"""Fails if a locked dependency that `cargo build` compiles (normal and
build dependencies of the workspace's crates, not dev-dependencies) declares
a `rust-version` newer than the workspace's own. A cheap local stand-in for
the MSRV job in .github/workflows/ci.yml, which builds with that toolchain.

Usage: cargo metadata --locked --format-version 1 | python3 .ci/msrv-deps.py
"""
import json
import sys


def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


metadata = json.load(sys.stdin)
packages = {package["id"]: package for package in metadata["packages"]}
members = set(metadata["workspace_members"])
declared = {packages[member].get("rust_version") for member in members}
if len(declared) != 1 or None in declared:
    sys.exit(f"the workspace's crates declare different rust-versions: {declared}")
msrv = declared.pop()
nodes = {node["id"]: node for node in metadata["resolve"]["nodes"]}
built, queue = set(), list(members)
while queue:
    current = queue.pop()
    if current in built:
        continue
    built.add(current)
    for dep in nodes[current]["deps"]:
        if any(kind["kind"] in (None, "build") for kind in dep["dep_kinds"]):
            queue.append(dep["pkg"])
newer = sorted(
    f"{packages[id]['name']} {packages[id]['version']} needs {packages[id]['rust_version']}"
    for id in built - members
    if packages[id].get("rust_version") and version(packages[id]["rust_version"]) > version(msrv)
)
if newer:
    sys.exit(f"rust-version is {msrv}, but: " + "; ".join(newer))
print(f"every dependency cargo build compiles supports rust {msrv}")
