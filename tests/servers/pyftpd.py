#!/usr/bin/env python3
"""A pyftpdlib server for libftp's tests: one read-write user and read-only anonymous.

It binds port 0 and writes the port it got to --port-file once it is listening, so the
caller never races another process for a port.
"""
import argparse
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--home", required=True)
    ap.add_argument("--anon-root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()

    if a.host not in ("127.0.0.1", "::1"):
        sys.exit("pyftpd.py: loopback addresses only")

    auth = DummyAuthorizer()
    auth.add_user(a.user, a.password, a.home, perm="elradfmwMT")
    auth.add_anonymous(a.anon_root, perm="elr")

    handler = FTPHandler
    handler.authorizer = auth
    handler.banner = "libftp test server (pyftpdlib) ready"
    # Protocol log: the tests read it to check what the server saw.
    logging.basicConfig(filename=a.log, level=logging.DEBUG,
                        format="%(asctime)s %(message)s")

    server = FTPServer((a.host, 0), handler)
    port = server.socket.getsockname()[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.rename(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
