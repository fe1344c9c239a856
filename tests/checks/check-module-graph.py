#!/usr/bin/env python3
"""check-module-graph.py SOURCE_DIR

Fails when the core's modules (src/*.rs, src/mirror/ counted as one) depend on each
other in a cycle, naming the modules of each cycle. A dependency is a `crate::` path
outside comments: to a module, or to a name the crate root re-exports from one. The session is the hub that the method modules (commands,
transfer, files, ...) extend with `impl Ftp` blocks; the parsers, the transport and the
session's own state stay below it, so the layers can be read bottom-up."""
import glob
import os
import re
import sys


def reexports(src):
    """The crate root's `pub use module::{Name, ...}`: which module each name is from."""
    with open(os.path.join(src, "lib.rs"), encoding="utf-8") as f:
        text = re.sub(r"//[^\n]*", "", f.read())
    names = {}
    for m in re.finditer(r"pub use ([a-z_][a-z0-9_]*)::(\{[^}]*\}|\w+)", text):
        for name in re.findall(r"\w+", m.group(2)):
            names[name] = m.group(1)
    return names


def graph(src):
    """module -> the modules it uses, through `crate::module`, `crate::{module::...}`
    or a name the crate root re-exports (`crate::Error`, `crate::{Ftp, Reply}`)."""
    names = reexports(src)
    deps = {}
    for path in glob.glob(os.path.join(src, "*.rs")) + glob.glob(os.path.join(src, "*", "*.rs")):
        rel = os.path.relpath(path, src)
        parts = rel[:-3].split(os.sep)
        if parts[0] in ("lib", "capi"):  # the crate root and the C layer sit above all
            continue
        module = parts[0]
        with open(path, encoding="utf-8") as f:
            code = re.sub(r"//[^\n]*", "", f.read())  # comments (doc comments too) name no dependency
        used = set()
        for m in re.finditer(r"crate::(\{[^}]*\}|\w+)", code):
            # The first path segment of each item: a module, or a re-exported name.
            for item in re.findall(r"(?:^|[{,])\s*(\w+)", m.group(1)):
                used.add(names.get(item, item))
        deps.setdefault(module, set()).update(used - {module})
    return {m: {d for d in ds if d in deps} for m, ds in deps.items()}


def cycles(g):
    """Tarjan's strongly connected components with more than one module."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = os.path.join(sys.argv[1], "src")
    g = graph(src)
    if "session" not in g:
        sys.exit("check-module-graph: no src/session.rs under %s" % sys.argv[1])
    found = cycles(g)
    for comp in found:
        print("check-module-graph: cycle among: " + ", ".join(comp), file=sys.stderr)
        for m in comp:
            print("  %s uses %s" % (m, ", ".join(sorted(g[m] & set(comp)))), file=sys.stderr)
    if found:
        sys.exit(1)
    print("check-module-graph: OK: %d core modules, no cycles" % len(g))


if __name__ == "__main__":
    main()
