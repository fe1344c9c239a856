#!/usr/bin/env python3
"""Writes section 3 man pages from include/ftp.h, so the pages say what the header says.

gen-man.py HEADER OUTDIR [VERSION]

ftp.3 gets the header's opening overview (errors, ownership, callbacks, threads, TLS,
where libftp differs from ftplib), the error codes and the list of functions; each
exported function gets NAME.3 with its declaration, description, parameters and
return value from its doc comment. Fails if a function has no doc comment, so an
undocumented function cannot ship.
"""
import os
import re
import sys

DOC = re.compile(r"/\*\*(.*?)\*/\s*([^;{}]*?\bftp_\w+\s*\([^;]*?\))\s*;", re.S)
NAME = re.compile(r"\b(ftp_\w+)\s*\(")


def roff(text):
    """Escapes text for roff: backslashes, and a leading '.' or "'" on a line."""
    text = text.replace("\\", "\\e")
    return "\n".join("\\&" + l if l.startswith((".", "'")) else l for l in text.split("\n"))


def uncomment(body):
    """The comment's lines without their leading ' * '."""
    lines = []
    for line in body.strip("\n").split("\n"):
        line = re.sub(r"^\s*\*? ?", "", line, count=1)
        lines.append(line.rstrip())
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def paragraphs(lines):
    """Joins lines into paragraphs (blank lines separate them); list items stay lines."""
    out, cur = [], []
    for line in lines:
        if not line.strip():
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(line)
    if cur:
        out.append(cur)
    return out


def body_roff(lines):
    parts = []
    for para in paragraphs(lines):
        if any(l.lstrip().startswith("- ") for l in para):
            # A list: one .IP per item, continuation lines joined to their item.
            items = []
            for l in para:
                if l.lstrip().startswith("- "):
                    items.append(l.lstrip()[2:])
                elif items:
                    items[-1] += " " + l.strip()
                else:
                    parts.append(".PP\n" + roff(l.strip()))
            for item in items:
                parts.append('.IP \\(bu 2\n' + roff(item))
        else:
            parts.append(".PP\n" + roff(" ".join(l.strip() for l in para)))
    return "\n".join(parts)


def split_tags(lines):
    """(description lines, [(param, text)], return text) from a doc comment."""
    desc, params, ret, cur = [], [], None, None
    for line in lines:
        m = re.match(r"@param\s+(\w+)\s*(.*)", line)
        if m:
            params.append([m.group(1), m.group(2)])
            cur = params[-1]
            continue
        m = re.match(r"@return\s*(.*)", line)
        if m:
            ret = [None, m.group(1)]
            cur = ret
            continue
        if cur is not None and line.strip():
            cur[1] += " " + line.strip()
        elif cur is None:
            desc.append(line)
    return desc, params, (ret[1] if ret else None)


def header(name, version, summary):
    return (f'.TH {name.upper()} 3 "" "libftp {version}" "libftp Manual"\n'
            f".SH NAME\n{name} \\- {roff(summary)}\n")


def first_sentence(lines):
    text = " ".join(l.strip() for l in lines if l.strip())
    m = re.match(r"(.+?[.:])(\s|$)", text)
    s = (m.group(1) if m else text).rstrip(".:")
    return s[0].lower() + s[1:] if s and not s[:2].isupper() else s


def function_page(name, decl, lines, version):
    desc, params, ret = split_tags(lines)
    decl = re.sub(r"\s+", " ", decl).replace("( ", "(").strip()
    page = header(name, version, first_sentence(desc))
    page += ".SH SYNOPSIS\n.nf\n.B #include <ftp.h>\n.PP\n" + roff(decl) + ";\n.fi\n"
    page += ".SH DESCRIPTION\n" + body_roff(desc) + "\n"
    if params:
        page += ".SH PARAMETERS\n"
        for p, text in params:
            page += f".TP\n.I {p}\n{roff(text.strip())}\n"
    if ret:
        page += ".SH RETURN VALUE\n.PP\n" + roff(ret.strip()) + "\n"
    if "(ftp_session *" in decl:
        page += (".SH THREADS AND ERRORS\n.PP\nSee \\fBftp\\fR(3): a session is used by one "
                 "thread at a time (a concurrent call gets FTP_E_BUSY); NULL pointers give "
                 "FTP_E_NULL; calls from the session's own callbacks give FTP_E_RECURSIVE.\n")
    page += ".SH SEE ALSO\n.BR ftp (3)\n"
    return page


def overview_page(text, enums, functions, version):
    lines = uncomment(text)
    page = header("ftp", version, "libftp, an FTP and FTPS client library with a C ABI")
    page += ".SH SYNOPSIS\n.nf\n.B #include <ftp.h>\n.PP\n"
    page += "Link with \\fB$(pkg-config \\-\\-cflags \\-\\-libs libftp)\\fR.\n.fi\n"
    # The overview's sections are lines with no indent ("Errors", "Threads", ...).
    section, body = "DESCRIPTION", []
    out = []
    for line in lines[1:]:
        if line and not line.startswith(" "):
            out.append((section, body))
            section, body = ("DESCRIPTION" if line == "Overview" else line.upper()), []
        else:
            body.append(line[2:] if line.startswith("  ") else line)
    out.append((section, body))
    for sec, b in out:
        if any(x.strip() for x in b):
            page += f".SH {roff(sec)}\n" + body_roff(b) + "\n"
    page += ".SH ERROR CODES\n"
    for code, value, doc in enums:
        page += f".TP\n.B {code} ({value})\n{roff(doc)}\n"
    page += ".SH FUNCTIONS\n"
    page += ",\n".join(f".BR {f} (3)" for f in sorted(functions)) + "\n"
    return page


def error_codes(src):
    m = re.search(r"typedef enum \{(.*?)\} ftp_result;", src, re.S)
    if not m:
        return []
    codes = []
    for doc, code, value in re.findall(r"/\*\*(.*?)\*/\s*(FTP_\w+) = (\d+)", m.group(1), re.S):
        codes.append((code, value, " ".join(l.strip() for l in uncomment(doc))))
    return codes


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: gen-man.py HEADER OUTDIR [VERSION]")
    src = open(sys.argv[1], encoding="utf-8").read()
    outdir, version = sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "")
    os.makedirs(outdir, exist_ok=True)
    overview = re.match(r"\s*/\*(.*?)\*/", src, re.S).group(1)
    pages = {}
    for m in DOC.finditer(src):
        decl = m.group(2)
        # The comment right before the declaration: the regex may have started at an
        # earlier comment (of a typedef); keep only the last one.
        doc = m.group(1).split("/**")[-1]
        name = NAME.search(decl).group(1)
        if "typedef" in decl or "(*" in decl:
            continue
        pages[name] = function_page(name, decl, uncomment(doc), version)
    declared = set(re.findall(r"^[\w ]*?[\s*](ftp_\w+)\(", src, re.M))
    missing = sorted(declared - set(pages))
    if missing:
        sys.exit("gen-man.py: no doc comment for: " + ", ".join(missing))
    for name, page in pages.items():
        with open(os.path.join(outdir, name + ".3"), "w", encoding="utf-8") as f:
            f.write(page)
    with open(os.path.join(outdir, "ftp.3"), "w", encoding="utf-8") as f:
        f.write(overview_page(overview, error_codes(src), pages, version))
    print(f"gen-man.py: {len(pages) + 1} pages in {outdir}")


if __name__ == "__main__":
    main()
