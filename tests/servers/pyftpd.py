#!/usr/bin/env python3
"""A pyftpdlib server for libftp's tests: one read-write user and read-only anonymous,
optionally with FTPS (explicit TLS required, --certfile/--keyfile), clear data allowed
or not (--tls-data-required) and client certificates required (--client-ca).

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


def tls_handler(a):
    from OpenSSL import SSL
    from pyftpdlib.handlers import TLS_FTPHandler

    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.set_options(SSL.OP_NO_SSLv2 | SSL.OP_NO_SSLv3 | SSL.OP_NO_COMPRESSION)
    ctx.use_certificate_chain_file(a.certfile)
    ctx.use_privatekey_file(a.keyfile)
    # Data connections resume the control session; with client verification OpenSSL
    # needs a session id context for that.
    ctx.set_session_id(b"libftp-test")
    if a.client_ca:
        ctx.load_verify_locations(a.client_ca)
        ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, lambda conn, cert, err, depth, ok: ok)
    handler = TLS_FTPHandler
    handler.ssl_context = ctx
    handler.tls_control_required = True
    handler.tls_data_required = a.tls_data_required
    return handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--home", required=True)
    ap.add_argument("--anon-root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--certfile")
    ap.add_argument("--keyfile")
    ap.add_argument("--tls-data-required", action="store_true")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA")
    a = ap.parse_args()

    if a.host not in ("127.0.0.1", "::1"):
        sys.exit("pyftpd.py: loopback addresses only")

    auth = DummyAuthorizer()
    auth.add_user(a.user, a.password, a.home, perm="elradfmwMT")
    auth.add_anonymous(a.anon_root, perm="elr")

    handler = FTPHandler
    if a.certfile:
        handler = tls_handler(a)
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
