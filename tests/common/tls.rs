//! TLS for the fake server: a certificate made at run time (EC P-256, self-signed, for
//! 127.0.0.1 and localhost) and acceptors built on it, plus the PEM file clients trust.

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod, SslVersion};
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509, X509NameBuilder};
use std::path::PathBuf;
use std::sync::OnceLock;

struct Identity {
    cert: X509,
    key: PKey<Private>,
}

/// A self-signed certificate for `dns` (and 127.0.0.1 when `with_ip`).
fn make_identity(dns: &str, with_ip: bool) -> Identity {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", dns).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
    let mut san = SubjectAlternativeName::new();
    san.dns(dns);
    if with_ip {
        san.ip("127.0.0.1");
    }
    let san = san.build(&b.x509v3_context(None, None)).unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    Identity { cert: b.build(), key }
}

struct Identities {
    good: Identity,
    /// Another key and certificate, for 127.0.0.1 (and other.localhost), in no CA file.
    other: Identity,
    wrong_host: Identity,
    pem_file: PathBuf,
}

fn identities() -> &'static Identities {
    static IDS: OnceLock<Identities> = OnceLock::new();
    IDS.get_or_init(|| {
        let good = make_identity("localhost", true);
        let wrong_host = make_identity("wrong.example", false);
        // Both are trust anchors: the wrong-host one is trusted, only its name is wrong.
        let mut pem = good.cert.to_pem().unwrap();
        pem.extend(wrong_host.cert.to_pem().unwrap());
        let pem_file =
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fake-server-{}.pem", std::process::id()));
        std::fs::write(&pem_file, pem).unwrap();
        // A subject of its own: OpenSSL looks trust anchors up by subject name.
        let other = make_identity("other.localhost", true);
        Identities { good, other, wrong_host, pem_file }
    })
}

/// The PEM file of the fake server's certificates, to give clients as their CA file.
pub fn ca_file() -> PathBuf {
    identities().pem_file.clone()
}

fn builder(id: &Identity, max: Option<SslVersion>) -> openssl::ssl::SslAcceptorBuilder {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    b.set_private_key(&id.key).unwrap();
    b.set_certificate(&id.cert).unwrap();
    // Needed for TLS 1.2 session-ID resumption on the server side.
    b.set_session_id_context(b"libftp-fake").unwrap();
    b.set_max_proto_version(max).unwrap();
    b
}

fn build(id: &Identity, max: Option<SslVersion>) -> SslAcceptor {
    builder(id, max).build()
}

/// A server-side TLS acceptor for 127.0.0.1 and localhost, optionally capped at `max`.
pub fn acceptor(max: Option<SslVersion>) -> SslAcceptor {
    build(&identities().good, max)
}

/// An acceptor whose TLS 1.3 tickets are each good for one resumption: stateful ones,
/// which OpenSSL takes out of its cache when used (as proftpd's default setup does).
pub fn single_use_ticket_acceptor() -> SslAcceptor {
    let mut b = builder(&identities().good, None);
    b.set_options(openssl::ssl::SslOptions::NO_TICKET);
    b.build()
}

/// An acceptor counting the ClientHellos it reads, taking only the key-exchange
/// `groups` given (vsftpd takes only "P-256"; None: OpenSSL's defaults, X25519 first). A
/// client whose first key share is not one of them sends two per handshake (the second
/// after a HelloRetryRequest).
pub fn counting_acceptor(groups: Option<&str>, hellos: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> SslAcceptor {
    let mut b = builder(&identities().good, None);
    if let Some(groups) = groups {
        b.set_groups_list(groups).unwrap();
    }
    b.set_client_hello_callback(move |_, _| {
        hellos.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(openssl::ssl::ClientHelloResponse::SUCCESS)
    });
    b.build()
}

/// A TLS 1.2 acceptor that ends the handshake with an alert unless the client shows a
/// certificate (any: the refusal is what a test looks at).
pub fn client_cert_required_acceptor() -> SslAcceptor {
    use openssl::ssl::SslVerifyMode;
    let mut b = builder(&identities().good, Some(SslVersion::TLS1_2));
    b.set_verify_callback(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT, |_, _| true);
    b.build()
}

/// An encrypted PEM key (passphrase "secret") and a certificate for it, as files in `dir`.
pub fn encrypted_client_key(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let id = make_identity("client.example", false);
    let key = id.key.private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"secret").unwrap();
    let (cert_file, key_file) = (dir.join("client.pem"), dir.join("client.key"));
    std::fs::write(&cert_file, id.cert.to_pem().unwrap()).unwrap();
    std::fs::write(&key_file, key).unwrap();
    (cert_file, key_file)
}

/// An acceptor whose (trusted) certificate names only wrong.example.
pub fn wrong_host_acceptor() -> SslAcceptor {
    build(&identities().wrong_host, None)
}

/// The fake server's certificate (for 127.0.0.1 and localhost) and its key, written as
/// PEM files into `dir`, for a real server a test starts itself; clients trust it
/// through `ca_file()`.
pub fn server_files(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let id = &identities().good;
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert, id.cert.to_pem().unwrap()).unwrap();
    std::fs::write(&key, id.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (cert, key)
}

/// The fake server's certificate for 127.0.0.1 and localhost.
pub fn server_cert() -> X509 {
    identities().good.cert.clone()
}

/// Another certificate for 127.0.0.1 (and other.localhost), with its own key, trusted by no
/// CA file: give it to clients in memory.
pub fn other_cert() -> X509 {
    identities().other.cert.clone()
}

/// An acceptor presenting `other_cert()`.
pub fn other_acceptor() -> SslAcceptor {
    build(&identities().other, None)
}

/// A client certificate and key made at run time (PEM), the key encrypted with
/// `passphrase` when one is given.
pub fn client_identity_pem(passphrase: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
    let id = make_identity("client.example", false);
    let key = match passphrase {
        Some(p) => id.key.private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), p).unwrap(),
        None => id.key.private_key_to_pem_pkcs8().unwrap(),
    };
    (id.cert.to_pem().unwrap(), key)
}
