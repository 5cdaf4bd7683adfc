#!/usr/bin/env python3
"""The declared minimum Rust holds: no locked package (dependencies of every kind, every
platform) declares a `rust-version` above the workspace's own. Only one toolchain can be
installed here, so the claim is checked against what the packages themselves declare
(`cargo metadata --locked`), not by building with the old compiler. A package that
declares none is taken at its word.

  python3 .ci/msrv.py               # check the lock file; exit 1 naming each offender
  python3 .ci/msrv.py --self-test   # the check itself, on made-up metadata
"""
import json
import subprocess
import sys


def version(text):
    """'1.94' or '1.94.0' as a comparable tuple (1, 94, 0)."""
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def offenders(metadata):
    """The locked packages that need a newer Rust than every workspace member declares."""
    members = set(metadata["workspace_members"])
    declared = [
        version(package["rust_version"])
        for package in metadata["packages"]
        if package["id"] in members and package.get("rust_version")
    ]
    if not declared:
        return ["the workspace declares no rust-version"]
    ours = min(declared)
    locked = {node["id"] for node in metadata["resolve"]["nodes"]}
    found = []
    for package in metadata["packages"]:
        needs = package.get("rust_version")
        if package["id"] in locked and needs and version(needs) > ours:
            found.append(
                f"{package['name']} {package['version']} needs Rust {needs}, above the declared "
                f"{'.'.join(map(str, ours))}: raise rust-version in Cargo.toml (and README.md, "
                f"docs/development.md) or lock an older {package['name']}"
            )
    return sorted(found)


def self_test():
    def meta(ours, theirs):
        return {
            "workspace_members": ["bot"],
            "packages": [
                {"id": "bot", "name": "bot", "version": "0.1.0", "rust_version": ours},
                {"id": "dep", "name": "dep", "version": "1.0.0", "rust_version": theirs},
                {"id": "old", "name": "old", "version": "1.0.0", "rust_version": None},
            ],
            "resolve": {"nodes": [{"id": "bot"}, {"id": "dep"}, {"id": "old"}]},
        }

    assert offenders(meta("1.94", "1.94.0")) == []
    assert offenders(meta("1.94", "1.89")) == []
    found = offenders(meta("1.88", "1.89"))
    assert len(found) == 1 and found[0].startswith("dep 1.0.0 needs Rust 1.89"), found
    # 1.100 is newer than 1.94: compared as numbers, not as text.
    assert len(offenders(meta("1.94", "1.100"))) == 1
    print("msrv self-test: 4 cases hold")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--locked", "--format-version", "1"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    found = offenders(metadata)
    for line in found:
        print(line)
    if found:
        sys.exit(1)
    print(f"msrv: every locked package builds with the declared rust-version ({len(metadata['packages'])} packages)")


if __name__ == "__main__":
    main()
