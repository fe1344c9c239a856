#!/usr/bin/env python3
"""check-msrv-syntax.py SOURCE_DIR

Fails on let chains (`if a && let Some(x) = b`, `if let P = a && b`, the same after
`while`) in src/, tests/, examples and tools: they need rustc 1.88, above this crate's
rust-version (1.85, Debian 13's rustc, which the Debian package builds with). This
machine's rustc is newer and accepts them, so without this check they creep back
unnoticed. Comments, strings and character literals are blanked first (so code in doc
comments is not checked)."""
import glob
import os
import re
import sys

LITERALS = re.compile(r'//[^\n]*|/\*.*?\*/|b?r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|b?\'(?:\\.|[^\'\\\n])\'', re.S)


def blank(m):
    # Keep line numbers: only newlines survive.
    return re.sub(r"[^\n]", " ", m.group(0))


def conditions(code):
    """(offset, text) of each `if`/`while` condition: up to its block's `{` at depth 0."""
    for m in re.finditer(r"\b(if|while)\b", code):
        depth, i = 0, m.end()
        while i < len(code):
            c = code[i]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
                if depth < 0:
                    break
            elif c == "{" and depth == 0:
                yield m.start(), code[m.end():i]
                break
            elif c == ";" and depth == 0:
                break
            i += 1


def top_level(text):
    """The condition with everything inside brackets removed (a closure's `&&` is not
    the condition's)."""
    out, depth = [], 0
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    files = []
    for part in ("src", "tests", "examples", "tools", "fuzz", "bench"):
        files += glob.glob(os.path.join(root, part, "**", "*.rs"), recursive=True)
    found = []
    for path in sorted(files):
        if "/target/" in path:
            continue
        with open(path, encoding="utf-8") as f:
            code = LITERALS.sub(blank, f.read())
        for at, cond in conditions(code):
            top = top_level(cond)
            if re.search(r"\blet\b", top) and re.search(r"&&|\|\|", top):
                line = code.count("\n", 0, at) + 1
                found.append("%s:%d" % (os.path.relpath(path, root), line))
    for f in found:
        print("check-msrv-syntax: let chain (needs rustc 1.88; rust-version is 1.85): " + f, file=sys.stderr)
    if found:
        sys.exit(1)
    print("check-msrv-syntax: OK: no let chains in %d files" % len(files))


if __name__ == "__main__":
    main()
