#!/usr/bin/env python3
"""Which crates' machine code a running echoterra-bot holds in memory.

The idle bot's resident memory is mostly its own code (see `benches/idle_memory.rs`
and BENCHMARKS.md, "Idle memory"), so a heap profile cannot say what holds it. This
reads which pages of the binary's executable mapping are resident
(`/proc/<pid>/pagemap`, root only) and gives each resident page's bytes to the
symbols it holds (`nm`, so the binary must be built with symbols:
`CARGO_PROFILE_RELEASE_STRIP=false`), summed by crate.

Usage: resident_code.py <pid> <unstripped binary the process runs> [top]

Written by hand: no packaged tool maps resident pages of a live process to symbols.
"""

import bisect
import re
import struct
import subprocess
import sys
from collections import defaultdict

PAGE = 4096


def load_segments(binary):
    """The binary's LOAD segments: (file offset, virtual address, file size)."""
    out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True)
    segments = []
    for line in out.stdout.splitlines():
        words = line.split()
        if words and words[0] == "LOAD":
            segments.append((int(words[1], 16), int(words[2], 16), int(words[4], 16)))
    return segments


def symbols(binary):
    """Sorted (address, size, crate) of every sized code symbol."""
    out = subprocess.run(
        ["nm", "-C", "-S", "--defined-only", binary], capture_output=True, text=True, check=True
    )
    found = []
    for line in out.stdout.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[2].lower() not in ("t", "w"):
            continue
        found.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    found.sort()
    # A C library is one object, linked whole: its static functions, whatever their
    # names, lie between its first and last prefixed symbol.
    ranges = {}
    for library, prefix in C_LIBRARIES:
        addresses = [address for address, _, name in found if name.startswith(prefix)]
        if addresses:
            ranges[library] = (min(addresses), max(addresses))
    table = []
    for address, size, name in found:
        crate = crate_of(name)
        if crate is None:
            crate = next(
                (lib for lib, (low, high) in ranges.items() if low <= address <= high),
                "(other C or runtime)",
            )
        table.append((address, size, crate))
    return table


# The C code linked in: SQLite (sqlx's bundled copy) and ring's C and assembly.
C_LIBRARIES = [("sqlite (C)", "sqlite3"), ("ring (C, assembly)", "ring_core_")]

# Crates whose generic code is instantiated for another crate's types.
GENERIC = {"core", "alloc", "std"}


def crate_of(name):
    """The crate a demangled Rust symbol belongs to, or None for C. Generic code of
    the standard library (`core::ptr::drop_in_place<serenity::model::…>`) goes to
    the first other crate it names: that crate's types made it."""
    crates = re.findall(r"(?<![A-Za-z0-9_:])([A-Za-z_][A-Za-z0-9_]*)::", name)
    if not crates:
        return None
    return next((crate for crate in crates if crate not in GENERIC), crates[0])


def resident_pages(pid, start, end):
    """Addresses of the resident pages of [start, end)."""
    resident = []
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        pagemap.seek(start // PAGE * 8)
        data = pagemap.read((end - start) // PAGE * 8)
    for index in range(len(data) // 8):
        (entry,) = struct.unpack_from("<Q", data, index * 8)
        if entry >> 63:
            resident.append(start + index * PAGE)
    return resident


def main():
    pid, binary = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    segments = load_segments(binary)
    table = symbols(binary)
    starts = [address for address, _, _ in table]
    resident_by_crate = defaultdict(int)
    size_by_crate = defaultdict(int)
    for _, size, crate in table:
        size_by_crate[crate] += size
    total = 0
    with open(f"/proc/{pid}/maps") as maps:
        mappings = [line.split() for line in maps]
    for words in mappings:
        if len(words) < 6 or words[5] != binary or "x" not in words[1]:
            continue
        start, end = (int(part, 16) for part in words[0].split("-"))
        offset = int(words[2], 16)
        for page in resident_pages(pid, start, end):
            total += PAGE
            file_offset = offset + (page - start)
            vaddr = next(
                (v + file_offset - o for o, v, size in segments if o <= file_offset < o + size),
                None,
            )
            if vaddr is None:
                resident_by_crate["(outside the segments)"] += PAGE
                continue
            covered = 0
            index = max(bisect.bisect_right(starts, vaddr) - 1, 0)
            while index < len(table) and table[index][0] < vaddr + PAGE:
                address, size, crate = table[index]
                overlap = min(address + size, vaddr + PAGE) - max(address, vaddr)
                if overlap > 0:
                    resident_by_crate[crate] += overlap
                    covered += overlap
                index += 1
            resident_by_crate["(between symbols)"] += max(PAGE - covered, 0)
    print(f"resident code: {total / 1048576:.1f} MiB of the executable mapping\n")
    print("| crate | resident code (KiB) | share | its code in the binary (KiB) |")
    print("|---|---|---|---|")
    ranked = sorted(resident_by_crate.items(), key=lambda item: -item[1])
    for crate, resident in ranked[:top]:
        print(
            f"| {crate} | {resident // 1024} | {100 * resident / max(total, 1):.1f} % "
            f"| {size_by_crate.get(crate, 0) // 1024} |"
        )
    rest = sum(resident for _, resident in ranked[top:])
    if rest:
        print(f"| {len(ranked) - top} others | {rest // 1024} | {100 * rest / total:.1f} % | |")


if __name__ == "__main__":
    main()
