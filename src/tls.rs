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
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    ConnectConfiguration, ErrorCode, HandshakeError, SslConnector, SslContextBuilder, SslFiletype, SslMethod, SslRef,
    SslSession, SslSessionCacheMode, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::{X509Lookup, X509StoreBuilder};
use openssl::x509::{X509, X509VerifyResult};
use std::collections::VecDeque;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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
    client_cert: Option<(PathBuf, PathBuf)>,
    min_version: TlsVersion,
    max_version: Option<TlsVersion>,
    cipher_list: Option<String>,
    ciphersuites: Option<String>,
    session_reuse: bool,
    auth_ssl_fallback: bool,
    protect_data: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            verify: true,
            ca_file: None,
            ca_dir: None,
            client_cert: None,
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
    /// for one; None removes them. Checked now, including that the key fits the certificate.
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
        self.client_cert = cert_and_key.map(|(c, k)| (c.to_path_buf(), k.to_path_buf()));
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
}

impl TlsContext {
    pub fn new(cfg: &TlsConfig, host: &str) -> Result<TlsContext> {
        let setup = |e| setup_error("TLS setup", e);
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(setup)?;
        if cfg.ca_file.is_some() || cfg.ca_dir.is_some() {
            // A CA given replaces the system store (as curl's --cacert does).
            let mut store = X509StoreBuilder::new().map_err(setup)?;
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
        b.set_verify(if cfg.verify { SslVerifyMode::PEER } else { SslVerifyMode::NONE });
        b.set_min_proto_version(Some(cfg.min_version.to_ssl())).map_err(setup)?;
        b.set_max_proto_version(cfg.max_version.map(TlsVersion::to_ssl)).map_err(setup)?;
        if let Some(l) = &cfg.cipher_list {
            b.set_cipher_list(l).map_err(|e| setup_error(format!("cipher list {l:?}"), e))?;
        }
        if let Some(l) = &cfg.ciphersuites {
            b.set_ciphersuites(l).map_err(|e| setup_error(format!("ciphersuites {l:?}"), e))?;
        }
        if let Some((cert, key)) = &cfg.client_cert {
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
        handshake(self.configure()?, &self.host, tcp, "control", self.verify)
    }

    /// Handshakes on a data connection, resuming the control connection's session (or
    /// a ticket from an earlier data connection, which stands for the same session), and
    /// checks the certificate against the same host as the control connection (not the
    /// address a PASV reply named).
    pub fn connect_data(&self, tcp: TcpStream) -> Result<DataTls> {
        let mut c = self.configure()?;
        read_ahead(&mut c);
        let mut offered = false;
        if self.reuse
            && let Some(s) = self.sessions.take()
        {
            // SAFETY: the session comes from a connection of this same context, as
            // SSL_set_session requires.
            unsafe { c.set_session(&s) }.map_err(|e| setup_error("TLS session reuse", e))?;
            offered = true;
        }
        let started = Instant::now();
        let ssl = handshake(c, &self.host, tcp, "data", self.verify)?;
        let resumed = ssl.ssl().session_reused();
        Ok(DataTls { ssl, offered, resumed, handshake_time: started.elapsed() })
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
