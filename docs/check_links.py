#!/usr/bin/env python3
"""Checks the links between the project's Markdown pages (run from the repository root:
python3 docs/check_links.py; .ci/run does).

Every link in README.md, the other top-level *.md files and docs/**/*.md that points to a
local file must name a file that exists, and an anchor (#section) must name a heading of
that page, as GitHub spells heading anchors. Links to the web are not followed. Prints
each broken link with its file and line; exits 1 if there is any."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[(?:[^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose_lines(text):
    """The page's lines outside fenced code blocks, with code spans blanked:
    (line number, line)."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, CODE_SPAN.sub("code", line)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path, cache={}):
    """Every heading anchor of a Markdown page, duplicates numbered as GitHub does."""
    if path not in cache:
        seen, found = {}, set()
        fenced = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if FENCE.match(line):
                fenced = not fenced
                continue
            match = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if match:
                base = slug(match.group(1))
                count = seen.get(base, 0)
                seen[base] = count + 1
                found.add(base if count == 0 else f"{base}-{count}")
        cache[path] = found
    return cache[path]


def pages():
    yield from sorted(ROOT.glob("*.md"))
    yield from sorted((ROOT / "docs").rglob("*.md"))


def main():
    problems, checked = [], 0
    for page in pages():
        text = page.read_text(encoding="utf-8")
        for number, line in prose_lines(text):
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, ...
                    continue
                checked += 1
                path_part, _, anchor = target.partition("#")
                goal = (page.parent / path_part).resolve() if path_part else page
                where = f"{page.relative_to(ROOT)}:{number}: {target}"
                if not goal.exists():
                    problems.append(f"{where}: no such file")
                elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
                    problems.append(f"{where}: no heading with that anchor in {goal.relative_to(ROOT)}")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"links hold: {checked} local links in {len(list(pages()))} pages")


if __name__ == "__main__":
    main()
