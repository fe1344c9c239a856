#!/usr/bin/env python3
"""Certificates for libftp's FTPS tests, made fresh for each run.

Usage: make-certs.py OUTDIR

Writes PEM files (NAME.pem certificate, NAME.key private key):
  ca          the test CA the clients trust
  server      signed by ca, for localhost, 127.0.0.1 and ::1 (server-bundle.pem: both)
  expired     signed by ca, valid 2000-01-01 .. 2001-01-01
  notyet      signed by ca, valid from five years from now
  wronghost   signed by ca, for wrong.example only
  untrusted   self-signed, for localhost, 127.0.0.1 and ::1 (not chaining to ca)
  client      signed by ca, a client certificate (clientAuth)
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
# 127.0.0.2 too: the bench's WAN proxy (bench/wanproxy.py) listens there, and TLS
# verification stays on through it.
LOOPBACK = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("127.0.0.2")), x509.IPAddress(ipaddress.ip_address("::1"))]


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make(cn, issuer=None, sans=None, not_before=None, not_after=None, ca=False, client=False):
    """A certificate and its key; issuer is (cert, key) or None for self-signed."""
    # RSA for leaf certificates: vsftpd's TLS 1.2 ciphers are RSA ones.
    key = ec.generate_private_key(ec.SECP256R1()) if ca else rsa.generate_private_key(65537, 2048)
    b = (x509.CertificateBuilder()
         .subject_name(name(cn))
         .issuer_name(issuer[0].subject if issuer else name(cn))
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before or NOW - DAY)
         .not_valid_after(not_after or NOW + 3650 * DAY)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        b = b.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    signer = issuer[1] if issuer else key
    return b.sign(signer, hashes.SHA256()), key


def write(outdir, base, cert, key):
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    with open(os.path.join(outdir, base + ".pem"), "wb") as f:
        f.write(cert_pem)
    with open(os.path.join(outdir, base + ".key"), "wb") as f:
        f.write(key_pem)
    return cert_pem + key_pem


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-certs.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ca = make("libftp test CA", ca=True)
    write(out, "ca", *ca)
    bundle = write(out, "server", *make("localhost", ca, LOOPBACK))
    with open(os.path.join(out, "server-bundle.pem"), "wb") as f:
        f.write(bundle)
    utc = datetime.timezone.utc
    write(out, "expired", *make("localhost", ca, LOOPBACK, datetime.datetime(2000, 1, 1, tzinfo=utc),
                                datetime.datetime(2001, 1, 1, tzinfo=utc)))
    write(out, "notyet", *make("localhost", ca, LOOPBACK, NOW + 5 * 365 * DAY, NOW + 10 * 365 * DAY))
    write(out, "wronghost", *make("wrong.example", ca, [x509.DNSName("wrong.example")]))
    write(out, "untrusted", *make("localhost", None, LOOPBACK))
    write(out, "client", *make("libftp-test-client", ca, client=True))
    # The servers may read them after dropping privileges; this is a throwaway test dir.
    for f in os.listdir(out):
        os.chmod(os.path.join(out, f), 0o644)


if __name__ == "__main__":
    main()
