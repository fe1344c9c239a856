//! TLS material from memory (CA certificates, client certificate and key with or
//! without a passphrase), public key pinning and the verify callback, against the
//! scripted fake server doing real TLS.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{done, exchange, expect, quit, reply};
use common::tls;
use ftp::{ErrorKind, Flow, Ftp, KeyPassphrase, TlsConfig, TlsFailure, TlsMode};
use openssl::ssl::SslAcceptor;
use openssl::x509::X509;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

fn client() -> Ftp {
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    ftp.set_pipelining(false);
    ftp.set_type_caching(false);
    ftp
}

/// The curl-style pin of a certificate's public key.
fn pin_of(cert: &X509) -> String {
    let der = cert.public_key().unwrap().public_key_to_der().unwrap();
    format!("sha256//{}", openssl::base64::encode_block(&openssl::sha::sha256(&der)))
}

/// Settings trusting the fake server's certificate, given in memory.
fn memory_config() -> TlsConfig {
    let mut c = TlsConfig::new();
    c.set_ca_pem(Some(&tls::server_cert().to_pem().unwrap())).unwrap();
    c
}

fn auth() -> Vec<Step> {
    let mut s = exchange("AUTH TLS", "234 AUTH TLS ok");
    s.push(Step::StartTls);
    s
}

fn login() -> Vec<Step> {
    let mut s = exchange("USER bob", "331 password please");
    s.extend(exchange("PASS pw", "230 logged in"));
    s.extend(exchange("PBSZ 0", "200 PBSZ=0"));
    s.extend(exchange("PROT P", "200 protection private"));
    s
}

fn download(data: &[u8]) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 type set");
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept, Step::DataStartTls]);
    s.extend([Step::DataSend(data.to_vec()), Step::DataClose, reply("226 done")]);
    s
}

fn welcome(script: Vec<Step>) -> Vec<Step> {
    [vec![reply("220 fake ready")], script].concat()
}

fn connect(server: &FakeServer, cfg: TlsConfig) -> (Ftp, ftp::Result<()>) {
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, cfg);
    let res = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).map(|_| ());
    (ftp, res)
}

/// A server with `acceptor` running AUTH then `script`, and a client connected with `cfg`.
fn explicit(acceptor: SslAcceptor, script: Vec<Step>, cfg: TlsConfig) -> (FakeServer, Ftp) {
    let server = FakeServer::start_tls(welcome([auth(), script].concat()), acceptor, false);
    let (ftp, res) = connect(&server, cfg);
    res.expect("connect");
    (server, ftp)
}

fn retr(ftp: &mut Ftp) -> ftp::Result<Vec<u8>> {
    let mut got = Vec::new();
    ftp.retrbinary("RETR f", 8192, None, |b| {
        got.extend_from_slice(b);
        Flow::Continue(())
    })?;
    Ok(got)
}

/// A connection attempt that must fail in the TLS handshake (or right after it):
/// the error, and the commands the server saw.
fn refused(acceptor: SslAcceptor, cfg: TlsConfig) -> (ftp::Error, Vec<String>) {
    let server = FakeServer::start_tls(welcome([auth(), login()].concat()), acceptor, false);
    let (_ftp, res) = connect(&server, cfg);
    let err = res.expect_err("the connection must be refused");
    drop(_ftp);
    (err, server.finish_any().commands)
}

fn tls_kind(e: &ftp::Error) -> Option<TlsFailure> {
    match e.kind() {
        ErrorKind::Tls(f) => Some(f),
        _ => None,
    }
}

#[test]
fn a_ca_given_in_memory_is_trusted() {
    let data = b"from a CA in memory".to_vec();
    let script = [login(), download(&data), quit()].concat();
    let (server, mut ftp) = explicit(tls::acceptor(None), script, memory_config());
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    done(server, ftp);
}

#[test]
fn a_ca_in_memory_replaces_the_system_store_and_others_can_be_added() {
    // Only another certificate trusted: the server's is not.
    let mut cfg = TlsConfig::new();
    cfg.set_ca_pem(Some(&tls::other_cert().to_pem().unwrap())).unwrap();
    let (err, cmds) = refused(tls::acceptor(None), cfg.clone());
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
    assert!(!cmds.iter().any(|c| c.starts_with("USER")), "{cmds:?}");

    // Adding the server's certificate to it: both trusted.
    cfg.add_ca_pem(&tls::server_cert().to_pem().unwrap()).unwrap();
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), quit()].concat(), cfg.clone());
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);

    // Replacing them with the other one alone again: refused again.
    cfg.set_ca_pem(Some(&tls::other_cert().to_pem().unwrap())).unwrap();
    let (err, _) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
}

#[test]
fn several_cas_in_one_pem_text() {
    let mut pem = tls::other_cert().to_pem().unwrap();
    pem.extend(tls::server_cert().to_pem().unwrap());
    let mut cfg = TlsConfig::new();
    cfg.set_ca_pem(Some(&pem)).unwrap();
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
}

#[test]
fn pem_that_is_not_certificates_is_invalid_and_changes_nothing() {
    let mut cfg = memory_config();
    for bad in [&b""[..], b"not pem at all", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
        let e = cfg.set_ca_pem(Some(bad)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
        assert!(e.to_string().contains("CA PEM"), "{e}");
        assert_eq!(cfg.add_ca_pem(bad).unwrap_err().kind(), ErrorKind::Invalid);
    }
    // The CA set before still holds.
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
}

#[test]
fn a_matching_pin_passes_on_control_and_every_data_connection() {
    let data = b"pinned bytes".to_vec();
    let script = [login(), download(&data), download(&data), quit()].concat();
    let mut cfg = memory_config();
    // The right pin among others.
    let pins = format!("sha256//{}; {}", openssl::base64::encode_block(&[1u8; 32]), pin_of(&tls::server_cert()));
    cfg.set_pinned_pubkey(Some(&pins)).unwrap();
    let (server, mut ftp) = explicit(tls::acceptor(None), script, cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert_eq!(ftp.data_session_resumed(), Some(true));
    done(server, ftp);
}

#[test]
fn a_pin_mismatch_on_the_control_connection_sends_no_credentials() {
    let mut cfg = memory_config();
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::other_cert()))).unwrap();
    let (err, cmds) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Pinned), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("pinned public key mismatch") && msg.contains("control"), "{msg}");
    assert!(msg.contains(&pin_of(&tls::server_cert())), "names the server's key: {msg}");
    assert_eq!(cmds, vec!["AUTH TLS".to_string()], "nothing after the handshake");
}

#[test]
fn a_pin_mismatch_on_a_data_connection_fails_the_transfer() {
    // The control connection shows the pinned key, the data connections another one
    // (trusted, so verification alone would pass).
    let mut script = [auth(), login()].concat();
    script.extend(exchange("TYPE I", "200 type set"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept]);
    script.extend([Step::DataStartTls, expect("ABOR"), Step::DataClose, reply("426 aborted"), reply("226 ok")]);
    script.extend(exchange("NOOP", "200 in step")); // the library's check after ABOR
    script.extend(exchange("NOOP", "200 still here"));
    script.extend(quit());
    let server = FakeServer::start_tls_split(welcome(script), tls::acceptor(None), tls::other_acceptor());
    let mut cfg = memory_config();
    cfg.add_ca_pem(&tls::other_cert().to_pem().unwrap()).unwrap();
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::server_cert()))).unwrap();
    let (mut ftp, res) = connect(&server, cfg);
    res.unwrap();
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    let mut got = Vec::new();
    let err = ftp
        .retrbinary("RETR f", 8192, None, |b| {
            got.extend_from_slice(b);
            Flow::Continue(())
        })
        .unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Pinned), "{err}");
    assert!(err.to_string().contains("data connection"), "{err}");
    assert!(got.is_empty(), "no byte of the unpinned connection was delivered");
    // The session goes on.
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn with_verification_off_the_pin_alone_decides() {
    let data = b"pin only".to_vec();
    let mut cfg = TlsConfig::new(); // system store: the fake server is not trusted
    cfg.set_verify(false);
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::server_cert()))).unwrap();
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), download(&data), quit()].concat(), cfg.clone());
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    done(server, ftp);

    cfg.set_pinned_pubkey(Some(&pin_of(&tls::other_cert()))).unwrap();
    let (err, _) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Pinned), "{err}");
}

#[test]
fn with_verification_on_a_matching_pin_does_not_excuse_an_untrusted_certificate() {
    let mut cfg = TlsConfig::new();
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::server_cert()))).unwrap();
    let (err, _) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
}

#[test]
fn malformed_pins_are_invalid_and_none_removes_them() {
    let mut cfg = TlsConfig::new();
    for bad in ["", "sha1//AAAA", "sha256//not base64!", "sha256//AAAA", "sha256//;"] {
        let e = cfg.set_pinned_pubkey(Some(bad)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{bad:?}: {e}");
        assert!(e.to_string().contains("pinned public key"), "{e}");
    }
    let mut cfg = memory_config();
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::other_cert()))).unwrap();
    cfg.set_pinned_pubkey(None).unwrap();
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
}

/// A client identity is accepted by a server that requires one.
fn client_cert_accepted(cfg: TlsConfig) {
    let (server, mut ftp) = explicit(tls::client_cert_required_acceptor(), [login(), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
}

#[test]
fn a_client_certificate_from_memory_is_shown() {
    let (cert, key) = tls::client_identity_pem(None);
    let mut cfg = memory_config();
    cfg.set_client_cert_pem(&cert, &key, KeyPassphrase::None).unwrap();
    client_cert_accepted(cfg);
    // Without it the server refuses the handshake.
    let (err, _) = refused(tls::client_cert_required_acceptor(), memory_config());
    assert_eq!(tls_kind(&err), Some(TlsFailure::Failed), "{err}");
}

#[test]
fn an_encrypted_key_with_the_right_passphrase_given_or_asked_for() {
    let (cert, key) = tls::client_identity_pem(Some(b"s3cret"));
    let mut cfg = memory_config();
    cfg.set_client_cert_pem(&cert, &key, KeyPassphrase::Bytes(b"s3cret")).unwrap();
    client_cert_accepted(cfg);

    let mut asked = 0;
    let mut give = |buf: &mut [u8]| {
        asked += 1;
        buf[..6].copy_from_slice(b"s3cret");
        Some(6)
    };
    let mut cfg = memory_config();
    cfg.set_client_cert_pem(&cert, &key, KeyPassphrase::Callback(&mut give)).unwrap();
    assert_eq!(asked, 1);
    client_cert_accepted(cfg);
}

#[test]
fn wrong_missing_or_declined_passphrases_are_refused_and_change_nothing() {
    let (cert, key) = tls::client_identity_pem(Some(b"s3cret"));
    let mut cfg = memory_config();
    let e = cfg.set_client_cert_pem(&cert, &key, KeyPassphrase::Bytes(b"wrong")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    assert!(e.to_string().contains("wrong passphrase"), "{e}");
    let e = cfg.set_client_cert_pem(&cert, &key, KeyPassphrase::None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    assert!(e.to_string().contains("encrypted and no passphrase"), "{e}");
    let mut decline = |_: &mut [u8]| None;
    let e = cfg.set_client_cert_pem(&cert, &key, KeyPassphrase::Callback(&mut decline)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    // A key that is not the certificate's.
    let (_, other_key) = tls::client_identity_pem(None);
    let e = cfg.set_client_cert_pem(&cert, &other_key, KeyPassphrase::None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    assert!(e.to_string().contains("does not match"), "{e}");
    let e = cfg.set_client_cert_pem(b"junk", &other_key, KeyPassphrase::None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    let e = cfg.set_client_cert_pem(&cert, b"junk", KeyPassphrase::None).unwrap_err();
    assert!(e.to_string().contains("not a PEM private key"), "{e}");
    // No client certificate was set by any of these.
    let (err, _) = refused(tls::client_cert_required_acceptor(), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Failed), "{err}");
}

/// What a verify callback was shown: the leaf, OpenSSL's verdict, code and reason.
type Shown = (Vec<u8>, bool, i32, String);

#[test]
fn the_verify_callback_sees_the_chain_and_the_verdict_and_may_accept() {
    let seen: Arc<Mutex<Vec<Shown>>> = Arc::default();
    let log = seen.clone();
    let mut cfg = memory_config();
    cfg.set_verify_callback(move |v| {
        log.lock().unwrap().push((v.chain[0].clone(), v.verified, v.error, v.reason.to_string()));
        true
    });
    let data = b"callback said yes".to_vec();
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), download(&data), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert_eq!(ftp.data_session_resumed(), Some(true));
    done(server, ftp);
    let seen = seen.lock().unwrap();
    // Once: the data connection resumed the control connection's session.
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].0, tls::server_cert().to_der().unwrap(), "leaf first, DER");
    assert_eq!((seen[0].1, seen[0].2), (true, 0), "{}", seen[0].3);
}

#[test]
fn the_verify_callback_may_accept_a_chain_openssl_rejected() {
    let verdicts: Arc<Mutex<Vec<(bool, i32)>>> = Arc::default();
    let log = verdicts.clone();
    let mut cfg = TlsConfig::new(); // the system store does not know the fake server
    let trusted = tls::server_cert().to_der().unwrap();
    cfg.set_verify_callback(move |v| {
        log.lock().unwrap().push((v.verified, v.error));
        v.chain[0] == trusted
    });
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
    let v = verdicts.lock().unwrap();
    assert_eq!(v.len(), 1);
    assert!(!v[0].0 && v[0].1 != 0, "OpenSSL's verdict was a rejection: {v:?}");
}

#[test]
fn the_verify_callback_may_reject_a_chain_openssl_accepted() {
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    let mut cfg = memory_config();
    cfg.set_verify_callback(move |v| {
        assert!(v.verified);
        n.fetch_add(1, Ordering::SeqCst);
        false
    });
    let (err, cmds) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
    assert!(err.to_string().contains("verify callback rejected"), "{err}");
    assert_eq!(cmds, vec!["AUTH TLS".to_string()]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn the_verify_callback_decides_with_verification_off_too() {
    let mut cfg = TlsConfig::new();
    cfg.set_verify(false);
    cfg.set_verify_callback(|_| false);
    let (err, _) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
}

#[test]
fn a_panicking_verify_callback_rejects_and_does_not_unwind_through_openssl() {
    let mut cfg = memory_config();
    cfg.set_verify_callback(|_| panic!("deliberate panic in a verify callback"));
    let (err, _) = refused(tls::acceptor(None), cfg);
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
    assert!(err.to_string().contains("panicked"), "{err}");
}

#[test]
fn callback_and_pin_must_both_pass() {
    let mut cfg = memory_config();
    cfg.set_verify_callback(|_| true);
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::other_cert()))).unwrap();
    let (err, _) = refused(tls::acceptor(None), cfg.clone());
    assert_eq!(tls_kind(&err), Some(TlsFailure::Pinned), "{err}");
    cfg.clear_verify_callback();
    cfg.set_pinned_pubkey(Some(&pin_of(&tls::server_cert()))).unwrap();
    let (server, mut ftp) = explicit(tls::acceptor(None), [login(), quit()].concat(), cfg);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
}
