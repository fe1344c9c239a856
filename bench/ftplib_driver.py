"""The CPython ftplib side of the benchmark: the same scenarios as ftpbench.c, written the
way ftplib's documentation shows (default block sizes, no tuning).

  python3 ftplib_driver.py [--cafile CA] get-null URL | get-file URL LOCAL |
                           put-file LOCAL URL | append-file LOCAL URL | get-many URL N |
                           list URL
"""
import ftplib
import ssl
import sys
import urllib.parse


def connect(url, cafile):
    u = urllib.parse.urlsplit(url)
    if cafile:
        ftp = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=cafile))
    else:
        ftp = ftplib.FTP()
    ftp.connect(u.hostname, u.port or 21)
    ftp.login(urllib.parse.unquote(u.username or "anonymous"), urllib.parse.unquote(u.password or ""))
    if cafile:
        ftp.prot_p()
    return ftp, urllib.parse.unquote(u.path.lstrip("/"))


def main(argv):
    cafile = None
    if argv[:1] == ["--cafile"]:
        cafile, argv = argv[1], argv[2:]
    mode = argv[0]
    url = argv[2] if mode in ("put-file", "append-file") else argv[1]
    ftp, path = connect(url, cafile)
    total = 0

    def count(block):
        nonlocal total
        total += len(block)

    if mode == "get-null":
        ftp.retrbinary("RETR " + path, count)
    elif mode == "get-file":
        with open(argv[2], "wb") as f:
            ftp.retrbinary("RETR " + path, f.write)
    elif mode in ("put-file", "append-file"):
        with open(argv[1], "rb") as f:
            ftp.storbinary(("STOR " if mode == "put-file" else "APPE ") + path, f)
    elif mode == "get-many":
        for k in range(int(argv[2])):
            ftp.retrbinary("RETR %s/s%04d.bin" % (path, k), count)
    elif mode == "list":
        entries = list(ftp.mlsd(path))
        total = sum(int(facts.get("size", 0)) for _, facts in entries)
        print("entries=%d" % len(entries))
    else:
        sys.exit("unknown mode " + mode)
    ftp.quit()
    print("bytes=%d" % total)


if __name__ == "__main__":
    main(sys.argv[1:])
