//! TLS for FTPS (RFC 4217) on the system OpenSSL: the settings a caller chooses
//! (`TlsConfig`, in the spirit of Python's `ssl.SSLContext`) and the per-connection
//! context that wraps the control and data sockets.
//!
//! Every data connection resumes the control connection's TLS session: vsftpd and
//! proftpd refuse data connections that do not (Python's ftplib fails there). Sessions
//! are taken from OpenSSL's new-session callback, so TLS 1.3 tickets that arrive after
//! the handshake (or after login) are picked up too. OpenSSL servers accept each TLS 1.3
//! ticket once, so tickets are kept in a small pool that every connection refills (a
//! resumed connection brings a fresh ticket), as curl does.

use crate::error::{Error, Result, TlsFailure};
use crate::net;
use openssl::ex_data::Index;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    ConnectConfiguration, ErrorCode, HandshakeError, MidHandshakeSslStream, SslConnector, SslContext,
    SslContextBuilder, SslFiletype, SslMethod, SslRef, SslSession, SslSessionCacheMode, SslStream, SslVerifyMode,
    SslVersion,
};
use openssl::x509::store::{X509Lookup, X509StoreBuilder};
use openssl::x509::{X509, X509StoreContext, X509StoreContextRef, X509VerifyResult};
use std::collections::VecDeque;
use std::net::TcpStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The implicit FTPS port, used when the caller gives port 0 in implicit mode.
pub const IMPLICIT_PORT: u16 = 990;

/// How a session uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain FTP (TLS only if `auth` is called by hand).
    #[default]
    Off,
    /// Explicit FTPS: AUTH TLS right after the welcome; no login in clear text.
    Explicit,
    /// Implicit FTPS: TLS from the first byte (port 990 by default).
    Implicit,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls1_0,
    Tls1_1,
    Tls1_2,
    Tls1_3,
}

impl TlsVersion {
    fn to_ssl(self) -> SslVersion {
        match self {
            TlsVersion::Tls1_0 => SslVersion::TLS1,
            TlsVersion::Tls1_1 => SslVersion::TLS1_1,
            TlsVersion::Tls1_2 => SslVersion::TLS1_2,
            TlsVersion::Tls1_3 => SslVersion::TLS1_3,
        }
    }
}

/// TLS settings. The defaults are the safe ones: certificates verified against the
/// system trust store with the host name checked, TLS 1.2 or newer, session reuse on,
/// data connections protected (PBSZ 0 + PROT P after login).
#[derive(Debug, Clone)]
pub struct TlsConfig {
    verify: bool,
    ca_file: Option<PathBuf>,
    ca_dir: Option<PathBuf>,
    ca_pem: Vec<X509>,
    client_cert: Option<ClientCert>,
    pins: Vec<[u8; 32]>,
    verify_callback: Option<VerifyCallback>,
    min_version: TlsVersion,
    max_version: Option<TlsVersion>,
    cipher_list: Option<String>,
    ciphersuites: Option<String>,
    session_reuse: bool,
    auth_ssl_fallback: bool,
    protect_data: bool,
}

/// The client's identity: PEM files read at each connection, or a chain and key
/// given in memory (and already decrypted).
#[derive(Debug, Clone)]
enum ClientCert {
    Files(PathBuf, PathBuf),
    Memory { chain: Vec<X509>, key: PKey<Private> },
}

/// The passphrase of an encrypted private key given in memory
/// ([`TlsConfig::set_client_cert_pem`]).
pub enum KeyPassphrase<'a> {
    /// No passphrase: an encrypted key is refused.
    None,
    /// The passphrase itself.
    Bytes(&'a [u8]),
    /// Asked once, only if the key is encrypted: writes the passphrase into the buffer
    /// and returns its length, or None to give up (the setter then fails with
    /// [`Error::Cancelled`]).
    Callback(&'a mut dyn FnMut(&mut [u8]) -> Option<usize>),
}

/// What a verify callback ([`TlsConfig::set_verify_callback`]) is shown: the server's
/// certificate chain and OpenSSL's verdict on it.
#[derive(Debug)]
pub struct ChainVerdict<'a> {
    /// The chain as OpenSSL built it, DER, the server's own certificate first (then
    /// its issuers, up to the trust anchor when verification got that far).
    pub chain: &'a [Vec<u8>],
    /// OpenSSL accepted the chain (and the host name, when verification is on).
    pub verified: bool,
    /// OpenSSL's X509_V_* code: 0 (X509_V_OK) when verified.
    pub error: i32,
    /// OpenSSL's text for `error`, e.g. "self-signed certificate".
    pub reason: &'a str,
}

type VerifyFn = dyn Fn(&ChainVerdict<'_>) -> bool + Send + Sync;

/// A verify callback, shared by the copies of a configuration.
#[derive(Clone)]
struct VerifyCallback(Arc<VerifyFn>);

impl std::fmt::Debug for VerifyCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyCallback")
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            verify: true,
            ca_file: None,
            ca_dir: None,
            ca_pem: Vec::new(),
            client_cert: None,
            pins: Vec::new(),
            verify_callback: None,
            min_version: TlsVersion::Tls1_2,
            max_version: None,
            cipher_list: None,
            ciphersuites: None,
            session_reuse: true,
            auth_ssl_fallback: false,
            protect_data: true,
        }
    }
}

fn setup_error(what: impl std::fmt::Display, e: openssl::error::ErrorStack) -> Error {
    Error::tls(TlsFailure::Failed, format!("{what}: {e}"))
}

/// A scratch context, to check settings when they are made rather than at connect time.
fn scratch() -> Result<SslContextBuilder> {
    SslContextBuilder::new(SslMethod::tls_client()).map_err(|e| setup_error("TLS setup", e))
}

/// The certificates of a PEM file (at least one).
fn load_pem_certs(path: &Path) -> Result<Vec<X509>> {
    let pem = std::fs::read(path).map_err(|e| Error::io(format!("read CA file {}", path.display()), e))?;
    let certs = X509::stack_from_pem(&pem)
        .map_err(|e| Error::Invalid(format!("CA file {} is not PEM certificates: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Invalid(format!("CA file {} holds no PEM certificate", path.display())));
    }
    Ok(certs)
}

/// The certificates of PEM text given in memory (at least one).
fn parse_pem_certs(pem: &[u8], what: &str) -> Result<Vec<X509>> {
    let certs =
        X509::stack_from_pem(pem).map_err(|e| Error::Invalid(format!("{what} is not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Invalid(format!("{what} holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")")));
    }
    Ok(certs)
}

/// Reads a PEM private key held in memory, decrypting it with `passphrase` if it is
/// encrypted; never prompts.
fn key_from_pem(pem: &[u8], passphrase: KeyPassphrase<'_>) -> Result<PKey<Private>> {
    let mut passphrase = passphrase;
    let (mut asked, mut declined, mut too_long) = (false, false, false);
    let key = PKey::private_key_from_pem_callback(pem, |buf| {
        asked = true;
        let n = match &mut passphrase {
            KeyPassphrase::None => 0,
            KeyPassphrase::Bytes(p) if p.len() > buf.len() => {
                too_long = true;
                0
            }
            KeyPassphrase::Bytes(p) => {
                buf[..p.len()].copy_from_slice(p);
                p.len()
            }
            KeyPassphrase::Callback(f) => match f(buf) {
                Some(n) if n <= buf.len() => n,
                Some(_) => {
                    too_long = true;
                    0
                }
                None => {
                    declined = true;
                    0
                }
            },
        };
        Ok(n)
    });
    let e = match key {
        Ok(k) => return Ok(k),
        Err(e) => e,
    };
    if declined {
        return Err(Error::Cancelled);
    }
    Err(Error::Invalid(match (asked, &passphrase) {
        (false, _) => format!("client key is not a PEM private key: {e}"),
        (true, KeyPassphrase::None) => "client key is encrypted and no passphrase was given".to_string(),
        (true, _) if too_long => "client key passphrase is longer than OpenSSL takes".to_string(),
        (true, _) => format!("client key: wrong passphrase (or a damaged encrypted key): {e}"),
    }))
}

/// Parses curl-style pins: "sha256//BASE64[;sha256//BASE64...]".
fn parse_pins(pins: &str) -> Result<Vec<[u8; 32]>> {
    let mut out = Vec::new();
    for pin in pins.split(';').map(str::trim) {
        let bad = |why: &str| Error::Invalid(format!("pinned public key {pin:?} {why} (expected sha256//BASE64)"));
        let b64 = pin.strip_prefix("sha256//").ok_or_else(|| bad("does not start with sha256//"))?;
        let hash = openssl::base64::decode_block(b64).map_err(|_| bad("is not base64"))?;
        out.push(hash.try_into().map_err(|_| bad("is not a SHA-256 hash (32 bytes)"))?);
    }
    Ok(out)
}

/// The SHA-256 of a certificate's public key (its DER SubjectPublicKeyInfo), as pinned.
fn spki_sha256(cert: &openssl::x509::X509Ref) -> Result<[u8; 32]> {
    let der = cert
        .public_key()
        .and_then(|k| k.public_key_to_der())
        .map_err(|e| setup_error("the server certificate's public key", e))?;
    Ok(openssl::sha::sha256(&der))
}

impl TlsConfig {
    pub fn new() -> TlsConfig {
        TlsConfig::default()
    }

    /// Trust only the certificates in this PEM file (with `ca_dir`, both), instead of
    /// the system trust store; None goes back to the system store. Checked now.
    pub fn set_ca_file(&mut self, path: Option<&Path>) -> Result<()> {
        if let Some(p) = path {
            load_pem_certs(p)?;
        }
        self.ca_file = path.map(Path::to_path_buf);
        Ok(())
    }

    /// Trust only the CA certificates of this PEM text (one or more), plus those of
    /// `ca_file` and `ca_dir`, instead of the system trust store, replacing those given
    /// before in memory; None forgets them (back to the system store if no file or
    /// directory is set). Parsed now.
    pub fn set_ca_pem(&mut self, pem: Option<&[u8]>) -> Result<()> {
        self.ca_pem = match pem {
            Some(p) => parse_pem_certs(p, "CA PEM")?,
            None => Vec::new(),
        };
        Ok(())
    }

    /// Adds the CA certificates of this PEM text to those given before in memory (see
    /// `set_ca_pem`).
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<()> {
        let certs = parse_pem_certs(pem, "CA PEM")?;
        self.ca_pem.extend(certs);
        Ok(())
    }

    /// A client certificate (chain, leaf first) and its private key as PEM text, the key
    /// decrypted now with `passphrase` if it is encrypted. Replaces a client certificate
    /// given before (files or memory). Fails with `Error::Invalid` for PEM that does not
    /// parse, a wrong passphrase or a key that does not belong to the certificate, and
    /// with `Error::Cancelled` if the passphrase callback gives none.
    pub fn set_client_cert_pem(
        &mut self,
        cert_pem: &[u8],
        key_pem: &[u8],
        passphrase: KeyPassphrase<'_>,
    ) -> Result<()> {
        let chain = parse_pem_certs(cert_pem, "client certificate PEM")?;
        let key = key_from_pem(key_pem, passphrase)?;
        let cert_key =
            chain[0].public_key().map_err(|e| Error::Invalid(format!("client certificate's public key: {e}")))?;
        if !cert_key.public_eq(&key) {
            return Err(Error::Invalid(
                "client key does not match the client certificate (the first certificate of the PEM text)".into(),
            ));
        }
        let mut b = scratch()?;
        b.set_certificate(&chain[0]).map_err(|e| Error::Invalid(format!("client certificate: {e}")))?;
        b.set_private_key(&key).map_err(|e| Error::Invalid(format!("client key: {e}")))?;
        b.check_private_key()
            .map_err(|e| Error::Invalid(format!("client key does not match the client certificate: {e}")))?;
        self.client_cert = Some(ClientCert::Memory { chain, key });
        Ok(())
    }

    /// Pins the server's public key, like curl's --pinnedpubkey: "sha256//BASE64", or
    /// several separated by ';'. The SHA-256 of the DER SubjectPublicKeyInfo of the
    /// server's own certificate must be one of them, on the control connection and on
    /// every data connection (`TlsFailure::Pinned` otherwise). Applies whether or not
    /// certificates are verified (with verification, both must pass). None removes pins.
    pub fn set_pinned_pubkey(&mut self, pins: Option<&str>) -> Result<()> {
        self.pins = match pins {
            Some(p) => parse_pins(p)?,
            None => Vec::new(),
        };
        Ok(())
    }

    /// Calls `f` in each full TLS handshake (control and data connections; one that
    /// resumes a session was already shown) with the server's chain and OpenSSL's
    /// verdict; its answer decides: true accepts the chain (even one OpenSSL rejected),
    /// false rejects it (`TlsFailure::Untrusted`). Pins are checked as well. A panic in
    /// `f` rejects the chain. `f` runs inside the handshake, on the thread using the
    /// session.
    pub fn set_verify_callback(&mut self, f: impl Fn(&ChainVerdict<'_>) -> bool + Send + Sync + 'static) {
        self.verify_callback = Some(VerifyCallback(Arc::new(f)));
    }

    /// Removes the verify callback.
    pub fn clear_verify_callback(&mut self) {
        self.verify_callback = None;
    }

    /// Trust the certificates of an OpenSSL hashed directory (`openssl rehash`) instead
    /// of the system trust store; None goes back to it.
    pub fn set_ca_dir(&mut self, path: Option<&Path>) -> Result<()> {
        if let Some(p) = path {
            if !p.is_dir() {
                return Err(Error::Invalid(format!("CA directory {} is not a directory", p.display())));
            }
            if p.to_str().is_none() {
                return Err(Error::Invalid(format!("CA directory {} is not UTF-8", p.display())));
            }
        }
        self.ca_dir = path.map(Path::to_path_buf);
        Ok(())
    }

    /// Verify the server's certificate and host name (the default). Turning this off
    /// accepts any certificate, which only makes sense against a test server.
    pub fn set_verify(&mut self, verify: bool) {
        self.verify = verify;
    }

    pub fn verify(&self) -> bool {
        self.verify
    }

    /// A client certificate (chain) and its private key, both PEM, for servers that ask
    /// for one; None removes them (also those given in memory). Checked now, including that the key fits the certificate.
    pub fn set_client_cert(&mut self, cert_and_key: Option<(&Path, &Path)>) -> Result<()> {
        if let Some((cert, key)) = cert_and_key {
            let mut b = scratch()?;
            b.set_certificate_chain_file(cert)
                .map_err(|e| Error::Invalid(format!("client certificate {}: {e}", cert.display())))?;
            let pkey =
                read_client_key(key).map_err(|e| Error::Invalid(format!("client key {}: {e}", key.display())))?;
            b.set_private_key(&pkey).map_err(|e| Error::Invalid(format!("client key {}: {e}", key.display())))?;
            b.check_private_key().map_err(|e| {
                Error::Invalid(format!(
                    "client key {} does not match certificate {}: {e}",
                    key.display(),
                    cert.display()
                ))
            })?;
        }
        self.client_cert = cert_and_key.map(|(c, k)| ClientCert::Files(c.to_path_buf(), k.to_path_buf()));
        Ok(())
    }

    /// The oldest and newest protocol versions to accept (None: the newest OpenSSL has).
    pub fn set_versions(&mut self, min: TlsVersion, max: Option<TlsVersion>) -> Result<()> {
        if max.is_some_and(|m| m < min) {
            return Err(Error::Invalid(format!("TLS maximum version {max:?} is below the minimum {min:?}")));
        }
        self.min_version = min;
        self.max_version = max;
        Ok(())
    }

    /// OpenSSL cipher list for TLS 1.2 and older (e.g. "ECDHE+AESGCM"); None: OpenSSL's default.
    pub fn set_cipher_list(&mut self, list: Option<&str>) -> Result<()> {
        if let Some(l) = list {
            scratch()?.set_cipher_list(l).map_err(|e| Error::Invalid(format!("cipher list {l:?}: {e}")))?;
        }
        self.cipher_list = list.map(str::to_string);
        Ok(())
    }

    /// TLS 1.3 ciphersuites (e.g. "TLS_AES_128_GCM_SHA256"); None: OpenSSL's default.
    pub fn set_ciphersuites(&mut self, suites: Option<&str>) -> Result<()> {
        if let Some(l) = suites {
            scratch()?.set_ciphersuites(l).map_err(|e| Error::Invalid(format!("TLS 1.3 ciphersuites {l:?}: {e}")))?;
        }
        self.ciphersuites = suites.map(str::to_string);
        Ok(())
    }

    /// Resume the control connection's session on data connections (the default;
    /// turning it off only serves to test servers that require it).
    pub fn set_session_reuse(&mut self, reuse: bool) {
        self.session_reuse = reuse;
    }

    /// Try the obsolete `AUTH SSL` when the server refuses `AUTH TLS` (off by default).
    pub fn set_auth_ssl_fallback(&mut self, fallback: bool) {
        self.auth_ssl_fallback = fallback;
    }

    pub fn auth_ssl_fallback(&self) -> bool {
        self.auth_ssl_fallback
    }

    /// Send PBSZ 0 + PROT P after a login over TLS (the default), so data connections
    /// are encrypted too.
    pub fn set_protect_data(&mut self, protect: bool) {
        self.protect_data = protect;
    }

    pub fn protect_data(&self) -> bool {
        self.protect_data
    }
}

/// How many sessions (tickets) the pool keeps; older ones are dropped.
const MAX_SESSIONS: usize = 8;

/// Sessions to resume, newest last, shared with OpenSSL's new-session callback.
#[derive(Clone, Default)]
struct SessionPool(Arc<Mutex<VecDeque<SslSession>>>);

impl SessionPool {
    fn add(&self, s: SslSession) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        q.push_back(s);
        if q.len() > MAX_SESSIONS {
            q.pop_front();
        }
    }

    /// Puts back a session `take` handed out and nobody used, unless it is still there.
    fn give_back(&self, s: SslSession) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !q.iter().any(|k| k.id() == s.id()) {
            q.push_back(s);
            if q.len() > MAX_SESSIONS {
                q.pop_front();
            }
        }
    }

    /// The newest session. A TLS 1.3 ticket is taken out while others remain (servers
    /// accept each once); the last one, or a TLS 1.2 session, stays for next time.
    fn take(&self) -> Option<SslSession> {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let newest = q.back()?;
        if q.len() > 1 && newest.protocol_version() == SslVersion::TLS1_3 { q.pop_back() } else { Some(newest.clone()) }
    }
}

/// A data connection's TLS, its handshake done.
pub(crate) struct DataTls {
    pub ssl: SslStream<TcpStream>,
    /// A session (the control connection's, or a ticket standing for it) was offered.
    pub offered: bool,
    /// The server resumed it.
    pub resumed: bool,
    /// How long the handshake took: at least one round trip.
    pub handshake_time: Duration,
}

/// The TLS side of one connection to a server: an OpenSSL context built from a
/// `TlsConfig`, the identity to check (the host the caller connected to) and the
/// sessions its connections received, to resume.
pub(crate) struct TlsContext {
    connector: SslConnector,
    host: String,
    verify: bool,
    reuse: bool,
    sessions: SessionPool,
    pins: Vec<[u8; 32]>,
    hook: Option<Arc<VerifyHook>>,
    /// The key-exchange group data connections offer alone (`data_group`); None:
    /// OpenSSL's own list.
    data_group: Mutex<Option<libc::c_int>>,
}

/// The verify callback's state, kept in the OpenSSL context (so it lives as long as
/// any connection that may handshake with it).
struct VerifyHook {
    callback: VerifyCallback,
    /// Why the callback rejected the last chain, for the handshake's error.
    rejection: Mutex<Option<String>>,
}

/// Where an OpenSSL context keeps its `VerifyHook`.
fn hook_index() -> Result<Index<SslContext, Arc<VerifyHook>>> {
    static INDEX: OnceLock<Index<SslContext, Arc<VerifyHook>>> = OnceLock::new();
    if let Some(i) = INDEX.get() {
        return Ok(*i);
    }
    let i = SslContext::new_ex_index().map_err(|e| setup_error("TLS setup", e))?;
    Ok(*INDEX.get_or_init(|| i))
}

// A function of libssl that openssl-sys does not bind.
unsafe extern "C" {
    fn SSL_CTX_set_cert_verify_callback(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<unsafe extern "C" fn(*mut openssl_sys::X509_STORE_CTX, *mut libc::c_void) -> libc::c_int>,
        arg: *mut libc::c_void,
    );
}

/// OpenSSL's whole-chain verification step, replaced when a verify callback is set:
/// OpenSSL's own verification, then the callback with the chain and the verdict.
unsafe extern "C" fn cert_verify(ctx: *mut openssl_sys::X509_STORE_CTX, _arg: *mut libc::c_void) -> libc::c_int {
    use foreign_types::ForeignTypeRef;
    // SAFETY: OpenSSL passes a live store context, used by nothing else during the call.
    let ctx = unsafe { X509StoreContextRef::from_ptr_mut(ctx) };
    // Never unwind into OpenSSL: a panic here rejects the chain.
    catch_unwind(AssertUnwindSafe(|| verify_chain(ctx))).unwrap_or(false).into()
}

fn verify_chain(ctx: &mut X509StoreContextRef) -> bool {
    let hook = X509StoreContext::ssl_idx()
        .ok()
        .and_then(|i| ctx.ex_data(i))
        .and_then(|ssl: &SslRef| hook_index().ok().and_then(|i| ssl.ssl_context().ex_data(i)).cloned());
    let verified = ctx.verify_cert().unwrap_or(false);
    let Some(hook) = hook else { return verified };
    let error = ctx.error();
    let chain: Vec<Vec<u8>> =
        ctx.chain().map(|c| c.iter().filter_map(|cert| cert.to_der().ok()).collect()).unwrap_or_default();
    let verdict = ChainVerdict { chain: &chain, verified, error: error.as_raw(), reason: error.error_string() };
    let answer = catch_unwind(AssertUnwindSafe(|| (hook.callback.0)(&verdict)));
    let rejection = match answer {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "the verify callback rejected the server's certificate (OpenSSL's verdict: {})",
            verdict.reason
        )),
        Err(_) => Some("the verify callback panicked; the server's certificate is rejected".to_string()),
    };
    let accepted = rejection.is_none();
    *hook.rejection.lock().unwrap_or_else(|p| p.into_inner()) = rejection;
    if accepted {
        ctx.set_error(X509VerifyResult::OK);
    } else if verified {
        ctx.set_error(X509VerifyResult::APPLICATION_VERIFICATION);
    }
    accepted
}

impl TlsContext {
    pub fn new(cfg: &TlsConfig, host: &str) -> Result<TlsContext> {
        let setup = |e| setup_error("TLS setup", e);
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(setup)?;
        if cfg.ca_file.is_some() || cfg.ca_dir.is_some() || !cfg.ca_pem.is_empty() {
            // A CA given replaces the system store (as curl's --cacert does).
            let mut store = X509StoreBuilder::new().map_err(setup)?;
            for cert in &cfg.ca_pem {
                store.add_cert(cert.clone()).map_err(setup)?;
            }
            if let Some(f) = &cfg.ca_file {
                for cert in load_pem_certs(f)? {
                    store.add_cert(cert).map_err(setup)?;
                }
            }
            if let Some(d) = &cfg.ca_dir {
                let dir = d.to_str().ok_or_else(|| Error::Invalid("CA directory is not UTF-8".into()))?;
                store
                    .add_lookup(X509Lookup::hash_dir())
                    .and_then(|l| l.add_dir(dir, SslFiletype::PEM))
                    .map_err(|e| setup_error(format!("CA directory {dir}"), e))?;
            }
            b.set_cert_store(store.build());
        }
        let hook = match &cfg.verify_callback {
            Some(cb) => {
                let hook = Arc::new(VerifyHook { callback: cb.clone(), rejection: Mutex::new(None) });
                b.set_ex_data(hook_index()?, hook.clone());
                // SAFETY: `b` is a live context; the callback finds its state through the
                // context's own ex_data, which lives as long as the context.
                unsafe { SSL_CTX_set_cert_verify_callback(b.as_ptr(), Some(cert_verify), std::ptr::null_mut()) };
                Some(hook)
            }
            None => None,
        };
        // With a callback, its answer decides, so the handshake must heed the result.
        b.set_verify(if cfg.verify || hook.is_some() { SslVerifyMode::PEER } else { SslVerifyMode::NONE });
        b.set_min_proto_version(Some(cfg.min_version.to_ssl())).map_err(setup)?;
        b.set_max_proto_version(cfg.max_version.map(TlsVersion::to_ssl)).map_err(setup)?;
        if let Some(l) = &cfg.cipher_list {
            b.set_cipher_list(l).map_err(|e| setup_error(format!("cipher list {l:?}"), e))?;
        }
        if let Some(l) = &cfg.ciphersuites {
            b.set_ciphersuites(l).map_err(|e| setup_error(format!("ciphersuites {l:?}"), e))?;
        }
        if let Some(ClientCert::Memory { chain, key }) = &cfg.client_cert {
            let what = "client certificate";
            b.set_certificate(&chain[0]).map_err(|e| setup_error(what, e))?;
            for c in &chain[1..] {
                b.add_extra_chain_cert(c.clone()).map_err(|e| setup_error(what, e))?;
            }
            b.set_private_key(key).map_err(|e| setup_error("client key", e))?;
            b.check_private_key().map_err(|e| setup_error("client key and certificate", e))?;
        }
        if let Some(ClientCert::Files(cert, key)) = &cfg.client_cert {
            b.set_certificate_chain_file(cert)
                .map_err(|e| setup_error(format!("client certificate {}", cert.display()), e))?;
            let pkey =
                read_client_key(key).map_err(|e| Error::Invalid(format!("client key {}: {e}", key.display())))?;
            b.set_private_key(&pkey).map_err(|e| setup_error(format!("client key {}", key.display()), e))?;
            b.check_private_key().map_err(|e| setup_error("client key and certificate", e))?;
        }
        let sessions = SessionPool::default();
        if cfg.session_reuse {
            // OpenSSL calls this for the handshake's session (TLS 1.2) and for each
            // ticket (TLS 1.3), on the control and the data connections.
            b.set_session_cache_mode(SslSessionCacheMode::CLIENT | SslSessionCacheMode::NO_INTERNAL);
            let pool = sessions.clone();
            b.set_new_session_callback(move |_, new| pool.add(new));
        }
        Ok(TlsContext {
            connector: b.build(),
            host: host.to_string(),
            verify: cfg.verify,
            reuse: cfg.session_reuse,
            sessions,
            pins: cfg.pins.clone(),
            hook,
            data_group: Mutex::new(None),
        })
    }

    fn configure(&self) -> Result<ConnectConfiguration> {
        let mut c = self.connector.configure().map_err(|e| setup_error("TLS setup", e))?;
        if !self.verify {
            c.set_verify_hostname(false);
        }
        Ok(c)
    }

    /// Handshakes on the control connection (after AUTH, or at once for implicit FTPS).
    pub fn connect_control(&self, tcp: TcpStream) -> Result<SslStream<TcpStream>> {
        let ssl = self.handshake(self.configure()?, tcp, "control")?;
        self.check_pins(&ssl, "control")?;
        *self.data_group.lock().unwrap_or_else(|p| p.into_inner()) = data_group(ssl.ssl());
        Ok(ssl)
    }

    fn handshake(&self, c: ConnectConfiguration, tcp: TcpStream, which: &str) -> Result<SslStream<TcpStream>> {
        self.reset_rejection();
        handshake(c, &self.host, tcp, which, self.verify).map_err(|e| self.with_rejection(e, which))
    }

    /// Checks the server's public key against the pins, if any: on every connection,
    /// a resumed one too (its certificate is the session's).
    fn check_pins(&self, ssl: &SslStream<TcpStream>, which: &str) -> Result<()> {
        if self.pins.is_empty() {
            return Ok(());
        }
        let cert = ssl.ssl().peer_certificate().ok_or_else(|| {
            Error::tls(
                TlsFailure::Pinned,
                format!(
                    "{which} connection to {}: no server certificate to check the pinned public key against",
                    self.host
                ),
            )
        })?;
        let hash = spki_sha256(&cert)?;
        if self.pins.contains(&hash) {
            return Ok(());
        }
        Err(Error::tls(
            TlsFailure::Pinned,
            format!(
                "{which} connection to {}: pinned public key mismatch: the server's key is sha256//{}, not one of the {} pinned",
                self.host,
                openssl::base64::encode_block(&hash),
                self.pins.len()
            ),
        ))
    }

    /// Handshakes on a data connection, resuming the control connection's session (or
    /// a ticket from an earlier data connection, which stands for the same session), and
    /// checks the certificate against the same host as the control connection (not the
    /// address a PASV reply named).
    pub fn connect_data(&self, tcp: TcpStream) -> Result<DataTls> {
        self.finish_data(self.begin_data(tcp))
    }

    /// Starts `connect_data`'s handshake: sends the ClientHello and returns without
    /// waiting for the server. A failure is kept for `finish_data`.
    pub fn begin_data(&self, tcp: TcpStream) -> DataHandshake {
        let mut hs = DataHandshake {
            state: Handshaking::Taken,
            offered: None,
            started: Instant::now(),
            timeout: tcp.read_timeout().ok().flatten(),
            done_in: None,
        };
        hs.state = match self.start_data(tcp, &mut hs.offered) {
            Ok(Ok(s)) => {
                hs.done_in = Some(hs.started.elapsed());
                Handshaking::Done(s)
            }
            Ok(Err(mid)) => Handshaking::Mid(mid),
            Err(e) => Handshaking::Failed(e),
        };
        hs
    }

    fn start_data(
        &self,
        tcp: TcpStream,
        offered: &mut Option<SslSession>,
    ) -> Result<std::result::Result<SslStream<TcpStream>, MidHandshakeSslStream<TcpStream>>> {
        let mut c = self.configure()?;
        read_ahead(&mut c);
        if let Some(group) = *self.data_group.lock().unwrap_or_else(|p| p.into_inner()) {
            offer_group(&mut c, group);
        }
        if self.reuse {
            if let Some(s) = self.sessions.take() {
                // SAFETY: the session comes from a connection of this same context, as
                // SSL_set_session requires.
                unsafe { c.set_session(&s) }.map_err(|e| setup_error("TLS session reuse", e))?;
                *offered = Some(s);
            }
        }
        tcp.set_nonblocking(true).map_err(|e| self.data_socket_error(e))?;
        self.reset_rejection();
        match c.connect(&self.host, tcp) {
            Ok(s) => Ok(Ok(s)),
            Err(HandshakeError::WouldBlock(mid)) => Ok(Err(mid)),
            Err(e) => Err(self.data_handshake_error(e)),
        }
    }

    /// Goes on with a handshake `begin_data` started for as long as the server answers
    /// on it and the control connection `ctrl` has nothing to read (`reply_waiting`:
    /// a reply already buffered), within the data connection's timeout: a server may
    /// wait for the handshake before its 1xx (ftp-srv), or for its 1xx before the
    /// handshake (vsftpd). A failure is kept for `finish_data`, so the transfer
    /// command's reply is read first.
    pub fn advance_data(&self, hs: &mut DataHandshake, ctrl: &TcpStream, reply_waiting: impl Fn() -> bool) {
        let deadline = hs.timeout.and_then(|t| hs.started.checked_add(t));
        loop {
            let mid = match std::mem::replace(&mut hs.state, Handshaking::Taken) {
                Handshaking::Mid(mid) => mid,
                other => {
                    hs.state = other;
                    return;
                }
            };
            // Writes wait only when the send buffer is full, which a ClientHello never
            // fills: left to `finish_data`.
            if reply_waiting() || mid.error().code() == ErrorCode::WANT_WRITE {
                hs.state = Handshaking::Mid(mid);
                return;
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                hs.state = Handshaking::Mid(mid);
                return;
            }
            hs.state = match net::wait_readable(mid.get_ref(), ctrl, left) {
                Ok(Some(net::Ready::First)) => match mid.handshake() {
                    Ok(s) => {
                        hs.done_in = Some(hs.started.elapsed());
                        Handshaking::Done(s)
                    }
                    Err(HandshakeError::WouldBlock(mid)) => Handshaking::Mid(mid),
                    Err(e) => Handshaking::Failed(self.data_handshake_error(e)),
                },
                // A reply, or out of time: the caller reads it, `finish_data` goes on.
                Ok(Some(net::Ready::Second)) | Ok(None) => {
                    hs.state = Handshaking::Mid(mid);
                    return;
                }
                Err(e) => Handshaking::Failed(self.data_socket_error(e)),
            };
        }
    }

    /// Completes a handshake `begin_data` started and checks the pinned keys. What is
    /// left of it has the data connection's timeout as a whole, counted from here: the
    /// time the server took to send its 1xx is not the handshake's.
    pub fn finish_data(&self, hs: DataHandshake) -> Result<DataTls> {
        let DataHandshake { state, offered, timeout, done_in, .. } = hs;
        let started = Instant::now();
        let deadline = timeout.and_then(|t| started.checked_add(t));
        let mut state = state;
        let ssl = loop {
            state = match state {
                Handshaking::Done(s) => break s,
                Handshaking::Failed(e) => return Err(e),
                Handshaking::Taken => return Err(Error::State("a data handshake taken twice".into())),
                Handshaking::Mid(mid) => {
                    let step = match deadline {
                        Some(deadline) => {
                            let output = mid.error().code() == ErrorCode::WANT_WRITE;
                            if !net::wait_until(mid.get_ref(), output, deadline)
                                .map_err(|e| self.data_socket_error(e))?
                            {
                                return Err(Error::Timeout(format!(
                                    "TLS handshake on the data connection to {}: not done within the timeout",
                                    self.host
                                )));
                            }
                            mid.handshake()
                        }
                        // No timeout: the rest blocks, as a blocking socket's handshake does.
                        None => {
                            mid.get_ref().set_nonblocking(false).map_err(|e| self.data_socket_error(e))?;
                            mid.handshake()
                        }
                    };
                    match step {
                        Ok(s) => Handshaking::Done(s),
                        Err(HandshakeError::WouldBlock(mid)) => Handshaking::Mid(mid),
                        Err(e) => return Err(self.data_handshake_error(e)),
                    }
                }
            };
        };
        ssl.get_ref().set_nonblocking(false).map_err(|e| self.data_socket_error(e))?;
        self.check_pins(&ssl, "data")?;
        let resumed = ssl.ssl().session_reused();
        let handshake_time = done_in.unwrap_or_else(|| started.elapsed());
        Ok(DataTls { ssl, offered: offered.is_some(), resumed, handshake_time })
    }

    /// Ends a handshake `begin_data` started that will not be finished (the transfer
    /// was refused): a TLS 1.3 ticket it offered goes back to the pool, since a server
    /// that refused the transfer never took it (OpenSSL servers accept each once).
    pub fn drop_data(&self, hs: DataHandshake) {
        if let (Handshaking::Mid(_), Some(s)) = (&hs.state, hs.offered) {
            self.sessions.give_back(s);
        }
    }

    fn data_socket_error(&self, e: std::io::Error) -> Error {
        Error::io(format!("TLS handshake on the data connection to {}", self.host), e)
    }

    /// Forgets the verify callback's last rejection, before a handshake.
    fn reset_rejection(&self) {
        if let Some(h) = &self.hook {
            *h.rejection.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }

    /// `handshake_error` for a data connection, with the verify callback's reason
    /// when it rejected the chain.
    fn data_handshake_error(&self, e: HandshakeError<TcpStream>) -> Error {
        let e = handshake_error(e, &self.host, "data", self.verify);
        self.with_rejection(e, "data")
    }

    fn with_rejection(&self, e: Error, which: &str) -> Error {
        let rejection = self.hook.as_ref().and_then(|h| h.rejection.lock().unwrap_or_else(|p| p.into_inner()).take());
        match rejection {
            Some(why) => Error::tls(
                TlsFailure::Untrusted,
                format!("TLS handshake on the {which} connection to {} failed: {why}", self.host),
            ),
            None => e,
        }
    }
}

/// A data connection's TLS handshake under way: `TlsContext::begin_data`, then
/// `advance_data` while the transfer command's reply is awaited, then `finish_data`
/// (or `drop_data`).
pub(crate) struct DataHandshake {
    state: Handshaking,
    /// The session offered for resumption, if any.
    offered: Option<SslSession>,
    started: Instant,
    /// The data connection's read timeout: the bound of each stage.
    timeout: Option<Duration>,
    /// How long it took, when it was done before `finish_data`.
    done_in: Option<Duration>,
}

enum Handshaking {
    Mid(MidHandshakeSslStream<TcpStream>),
    Done(SslStream<TcpStream>),
    Failed(Error),
    /// Only while a step holds the state.
    Taken,
}

impl DataHandshake {
    /// One that failed before it started (the failure shows in `finish_data`).
    pub fn failed(e: Error) -> DataHandshake {
        DataHandshake {
            state: Handshaking::Failed(e),
            offered: None,
            started: Instant::now(),
            timeout: None,
            done_in: None,
        }
    }
}

// Functions of libssl (1.1.0 and later) that openssl-sys does not bind.
unsafe extern "C" {
    fn SSL_set_read_ahead(ssl: *mut openssl_sys::SSL, yes: libc::c_int);
    fn SSL_set_default_read_buffer_len(ssl: *mut openssl_sys::SSL, len: libc::size_t);
}

/// The record buffer of a data connection: about four 16 KiB TLS records.
const DATA_READ_BUFFER: usize = 64 * 1024;

/// Lets a data connection read several TLS records per system call. Without read-ahead
/// OpenSSL reads each record with two calls (its 5-byte header, then its body). Only
/// data connections get it: after CCC the control connection goes on in clear text,
/// and bytes read ahead past the TLS close would be lost.
fn read_ahead(c: &mut SslRef) {
    use foreign_types::ForeignTypeRef;
    // SAFETY: `c` is a live SSL object this function has exclusive access to; both calls
    // only set fields that OpenSSL reads when the connection starts reading.
    unsafe {
        SSL_set_read_ahead(c.as_ptr(), 1);
        SSL_set_default_read_buffer_len(c.as_ptr(), DATA_READ_BUFFER);
    }
}

/// SSL_CTRL_CLEAR_MODE, which openssl-sys does not name.
const SSL_CTRL_CLEAR_MODE: libc::c_int = 78;

/// Makes SSL_read and SSL_shutdown return (WANT_READ) after a record that carries no data
/// instead of reading on inside OpenSSL, where no bound applies; the stream's read loop
/// bounds such runs (see `NonDataRecords`). Set once the handshake is done, as the
/// handshake code expects OpenSSL to retry by itself.
pub(crate) fn return_after_non_data_records(c: &SslRef) {
    use foreign_types::ForeignTypeRef;
    // SAFETY: `c` is a live SSL object; the call only clears a mode bit that later reads
    // and shutdowns consult.
    unsafe {
        openssl_sys::SSL_ctrl(c.as_ptr(), SSL_CTRL_CLEAR_MODE, openssl_sys::SSL_MODE_AUTO_RETRY, std::ptr::null_mut());
    }
}

/// SSL_ctrl commands for key-exchange groups (SSL_set1_groups, and
/// SSL_get_negotiated_group: OpenSSL 3.0 and later; 1.1.1 answers 0 to it), which
/// openssl-sys does not name; and the flag OpenSSL sets on a group it has no NID for
/// (TLSEXT_nid_unknown: a provider's group, such as 3.5's hybrid X25519MLKEM768).
const SSL_CTRL_SET_GROUPS: libc::c_int = 91;
const SSL_CTRL_GET_NEGOTIATED_GROUP: libc::c_int = 134;
const NID_UNKNOWN_GROUP: libc::c_int = 0x100_0000;
/// X25519, the group OpenSSL offers a key share for first (3.5 adds one for its hybrid
/// group beside it).
const NID_X25519: libc::c_int = 1034;

/// The one group data connections should offer, when the server chose on the control
/// connection (`ssl`) a TLS 1.3 group other than X25519. A TLS 1.3 client sends key
/// shares for its first groups only; a server that wants another answers with a
/// HelloRetryRequest, a round trip more for every data connection (vsftpd fixes P-256).
/// Data connections go to the same server, which took this group under the system's
/// TLS policy moments ago, so offering it alone changes nothing else. None where
/// nothing is to gain: TLS 1.2 (no retry there), X25519, a group without a NID.
fn data_group(ssl: &SslRef) -> Option<libc::c_int> {
    use foreign_types::ForeignTypeRef;
    if ssl.version2() != Some(SslVersion::TLS1_3) {
        return None;
    }
    // SAFETY: `ssl` is a live SSL object; SSL_get_negotiated_group only reads it.
    let chosen = unsafe { openssl_sys::SSL_ctrl(ssl.as_ptr(), SSL_CTRL_GET_NEGOTIATED_GROUP, 0, std::ptr::null_mut()) };
    libc::c_int::try_from(chosen).ok().filter(|&g| g > 0 && g != NID_X25519 && g & NID_UNKNOWN_GROUP == 0)
}

/// Makes a data connection offer `group` only (`data_group`). Should OpenSSL refuse it,
/// the connection keeps OpenSSL's own list (this only saves a round trip), and the
/// refusal is taken off the thread's error queue, where the handshake would read it.
fn offer_group(c: &mut SslRef, group: libc::c_int) {
    use foreign_types::ForeignTypeRef;
    let groups = [group];
    // SAFETY: `c` is a live SSL object this function has exclusive access to;
    // SSL_set1_groups copies the one int the pointer gives and keeps no reference.
    let set = unsafe { openssl_sys::SSL_ctrl(c.as_ptr(), SSL_CTRL_SET_GROUPS, 1, groups.as_ptr().cast_mut().cast()) };
    if set != 1 {
        // SAFETY: clears this thread's OpenSSL error queue; no other state is touched.
        unsafe { openssl_sys::ERR_clear_error() };
    }
}

/// Reads a PEM private key. OpenSSL's own file loader asks for the passphrase of an
/// encrypted key on the terminal, which a library must never do: such a key is refused.
fn read_client_key(path: &Path) -> std::result::Result<PKey<Private>, String> {
    let pem = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut asked = false;
    let key = PKey::private_key_from_pem_callback(&pem, |_| {
        asked = true;
        Ok(0)
    });
    key.map_err(|e| match asked {
        true => "the key is encrypted, and libftp takes no passphrase: give it decrypted (readable by its user only)"
            .to_string(),
        false => e.to_string(),
    })
}

/// OpenSSL 3's reason code for "unexpected eof while reading" (SSL_R_UNEXPECTED_EOF_WHILE_READING),
/// which openssl-sys does not name.
pub(crate) const SSL_R_UNEXPECTED_EOF_WHILE_READING: i32 = 294;

/// Runs a handshake within the socket's read timeout as a whole. That timeout alone
/// bounds each read, so a server dripping its handshake (a certificate chain may be
/// 100 KB) could hold it for a timeout per byte; the socket is non-blocking meanwhile
/// and each wait is for the time left.
fn handshake(
    c: ConnectConfiguration,
    host: &str,
    tcp: TcpStream,
    which: &str,
    verify: bool,
) -> Result<SslStream<TcpStream>> {
    let Some(deadline) = tcp.read_timeout().ok().flatten().and_then(|t| Instant::now().checked_add(t)) else {
        return c.connect(host, tcp).map_err(|e| handshake_error(e, host, which, verify));
    };
    let socket_error = |e| Error::io(format!("TLS handshake on the {which} connection to {host}"), e);
    tcp.set_nonblocking(true).map_err(socket_error)?;
    let mut attempt = c.connect(host, tcp);
    loop {
        match attempt {
            Ok(s) => {
                s.get_ref().set_nonblocking(false).map_err(socket_error)?;
                return Ok(s);
            }
            Err(HandshakeError::WouldBlock(mid)) => {
                let output = mid.error().code() == ErrorCode::WANT_WRITE;
                if !net::wait_until(mid.get_ref(), output, deadline).map_err(socket_error)? {
                    return Err(Error::Timeout(format!(
                        "TLS handshake on the {which} connection to {host}: not done within the timeout"
                    )));
                }
                attempt = mid.handshake();
            }
            Err(e) => return Err(handshake_error(e, host, which, verify)),
        }
    }
}

/// Turns a failed handshake into an error that says what failed, classified so that
/// callers can tell an untrusted certificate from a wrong name or an expired one.
/// `verify`: certificates were checked. OpenSSL records a verification result even
/// when they are not, and it is not why such a handshake failed.
fn handshake_error(e: HandshakeError<TcpStream>, host: &str, which: &str, verify: bool) -> Error {
    let what = format!("TLS handshake on the {which} connection to {host}");
    let mid = match e {
        HandshakeError::SetupFailure(stack) => return setup_error(what, stack),
        HandshakeError::WouldBlock(_) => return Error::Timeout(what),
        HandshakeError::Failure(mid) => mid,
    };
    let result = mid.ssl().verify_result();
    if verify && result != X509VerifyResult::OK {
        let (failure, hint) = match result.as_raw() {
            openssl_sys::X509_V_ERR_CERT_HAS_EXPIRED
            | openssl_sys::X509_V_ERR_CERT_NOT_YET_VALID
            | openssl_sys::X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD
            | openssl_sys::X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD => {
                (TlsFailure::Expired, "the certificate is outside its validity period".to_string())
            }
            openssl_sys::X509_V_ERR_HOSTNAME_MISMATCH | openssl_sys::X509_V_ERR_IP_ADDRESS_MISMATCH => {
                (TlsFailure::Hostname, format!("the certificate is not valid for {host:?}"))
            }
            _ => (
                TlsFailure::Untrusted,
                "the certificate does not chain to a trusted CA (give the CA file or directory that signed it)"
                    .to_string(),
            ),
        };
        let subject = mid
            .ssl()
            .peer_certificate()
            .map(|c| {
                let names: Vec<String> = c.subject_name().entries().filter_map(|e| e.data().to_string().ok()).collect();
                format!(" (server certificate: {})", names.join(", "))
            })
            .unwrap_or_default();
        return Error::tls(
            failure,
            format!("{what} failed: certificate verification failed: {}: {hint}{subject}", result.error_string()),
        );
    }
    let err = mid.into_error();
    if let Some(stack) = err.ssl_error() {
        // "wrong version number": the bytes that came back are not TLS at all.
        if stack.errors().iter().any(|e| e.reason().is_some_and(|r| r.contains("wrong version number"))) {
            return Error::tls(
                TlsFailure::Required,
                format!("{what} failed: the server did not answer in TLS (a plain FTP port?): {stack}"),
            );
        }
        if stack.errors().iter().any(|e| e.reason_code() == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            return Error::tls(TlsFailure::Failed, format!("{what} failed: the server closed the connection"));
        }
        return Error::tls(TlsFailure::Failed, format!("{what} failed: {stack}"));
    }
    match err.into_io_error() {
        Ok(io) => Error::io(what, io),
        Err(e) => Error::tls(TlsFailure::Failed, format!("{what} failed: the server closed the connection ({e})")),
    }
}
