//! FTPS: the TLS configuration object (an ssl.SSLContext for FTP) and the session's
//! FTP_TLS calls (AUTH, PROT P/C, CCC) and TLS getters.

use super::args::c_string;
use super::args::{opt_bytes, opt_text};
use super::handle::{Guard, Handle, LastErrorRef, Object, borrow, call, create, free, inspect, last_error};
use super::result::{Failure, ftp_result};
use super::session::Strings;
use super::session::ftp_session;
use crate::{ChainVerdict, Error, KeyPassphrase, TlsConfig, TlsMode, TlsVersion};
use std::ffi::{CString, OsStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// How a session uses TLS (ftp_set_tls()).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_tls_mode {
    /// Plain FTP (the default). ftp_auth() can still secure a connection by hand.
    FTP_TLS_OFF = 0,
    /// Explicit FTPS: ftp_connect() sends AUTH TLS after the welcome and fails if the
    /// server refuses; ftp_login() never sends credentials in clear text.
    FTP_TLS_EXPLICIT = 1,
    /// Implicit FTPS: TLS from the first byte; port 0 in ftp_connect() means 990.
    FTP_TLS_IMPLICIT = 2,
}

/// A TLS protocol version, for ftp_tls_config_set_versions().
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_tls_version {
    /// The default: TLS 1.2 as the minimum, no maximum (the newest OpenSSL has).
    FTP_TLS_VERSION_DEFAULT = 0,
    FTP_TLS_VERSION_1_0 = 10,
    FTP_TLS_VERSION_1_1 = 11,
    FTP_TLS_VERSION_1_2 = 12,
    FTP_TLS_VERSION_1_3 = 13,
}

/// TLS settings (like Python's ssl.SSLContext): trust anchors, verification, client
/// certificate, protocol versions, ciphers, session reuse. Opaque; create with
/// ftp_tls_config_new(), give to sessions with ftp_set_tls() (which copies it), free
/// with ftp_tls_config_free(). Any number of threads may read it at once
/// (ftp_set_tls(), ftp_tls_config_last_error()), so one configuration can serve many
/// sessions; a setter refuses with FTP_E_BUSY while another thread is inside a call
/// on it, as every object does.
pub struct ftp_tls_config {
    guard: Guard<ConfigState>,
}

impl Handle for ftp_tls_config {
    type State = ConfigState;
    fn guard(&self) -> &Guard<ConfigState> {
        &self.guard
    }
}

#[derive(Default)]
pub(crate) struct ConfigState {
    config: TlsConfig,
    last_error: CString,
}

impl Object for ConfigState {
    const NAME: &'static str = "TLS configuration";
    fn last_error(&mut self) -> Option<&mut CString> {
        Some(&mut self.last_error)
    }
}

impl LastErrorRef for ConfigState {
    fn last_error_ref(&self) -> &CString {
        &self.last_error
    }
}

/// A file system path argument: bytes, as open(2) takes them.
fn opt_path<'a>(p: *const c_char) -> Option<&'a Path> {
    opt_bytes(p).map(|b| Path::new(OsStr::from_bytes(b)))
}

fn version(value: c_int, name: &str) -> Result<Option<TlsVersion>, Failure> {
    use ftp_tls_version::*;
    let known = [
        (FTP_TLS_VERSION_DEFAULT, None),
        (FTP_TLS_VERSION_1_0, Some(TlsVersion::Tls1_0)),
        (FTP_TLS_VERSION_1_1, Some(TlsVersion::Tls1_1)),
        (FTP_TLS_VERSION_1_2, Some(TlsVersion::Tls1_2)),
        (FTP_TLS_VERSION_1_3, Some(TlsVersion::Tls1_3)),
    ];
    match known.into_iter().find(|(c, _)| *c as c_int == value) {
        Some((_, v)) => Ok(v),
        None => Err(Failure::Core(Error::Invalid(format!("{name} {value} is not an ftp_tls_version")))),
    }
}

fn tls_mode(value: c_int) -> Result<TlsMode, Failure> {
    use ftp_tls_mode::*;
    let known =
        [(FTP_TLS_OFF, TlsMode::Off), (FTP_TLS_EXPLICIT, TlsMode::Explicit), (FTP_TLS_IMPLICIT, TlsMode::Implicit)];
    match known.into_iter().find(|(c, _)| *c as c_int == value) {
        Some((_, m)) => Ok(m),
        None => Err(Failure::Core(Error::Invalid(format!("mode {value} is not an ftp_tls_mode")))),
    }
}

/// Creates a TLS configuration with the safe defaults: the server's certificate is
/// verified against the system trust store and must name the host given to
/// ftp_connect(); TLS 1.2 or newer; OpenSSL's default ciphers; data connections resume
/// the control connection's session; data protected (PBSZ 0 + PROT P after login);
/// no AUTH SSL fallback.
///
/// @return a new configuration owned by the caller, freed with ftp_tls_config_free();
///         NULL only after an internal error.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_new() -> *mut ftp_tls_config {
    create(|| ftp_tls_config { guard: Guard::new(ConfigState::default()) })
}

/// Frees a TLS configuration. Sessions given it with ftp_set_tls() keep their copy.
///
/// A getter (or call) still inside it on another thread is let finish first: the
/// object is freed when it returns. The free must still be ordered after every use
/// of cfg and of the string ftp_tls_config_last_error() returned.
///
/// @param cfg the configuration, or NULL (does nothing); not usable afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_free(cfg: *mut ftp_tls_config) {
    free(cfg)
}

/// Trusts only the CA certificates in a PEM file (plus those of
/// ftp_tls_config_set_ca_dir(), if set) instead of the system trust store, like curl's
/// --cacert. The file is read now to check it, and again at each connection.
///
/// @param cfg the configuration.
/// @param path the PEM file (bytes, as open(2) takes them), or NULL to go back to the
///        system trust store.
/// @return FTP_OK; FTP_E_IO if the file cannot be read; FTP_E_INVALID if it holds no
///         PEM certificate; FTP_E_NULL if cfg is NULL. On failure the setting is unchanged.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_ca_file(cfg: *mut ftp_tls_config, path: *const c_char) -> ftp_result {
    call(cfg, |s| Ok(s.config.set_ca_file(opt_path(path))?))
}

/// Trusts the CA certificates of an OpenSSL hashed directory (as made by `openssl
/// rehash`) instead of the system trust store, like curl's --capath.
///
/// @param cfg the configuration.
/// @param path the directory (UTF-8), or NULL to go back to the system trust store.
/// @return FTP_OK; FTP_E_INVALID if it is not a directory or not UTF-8; FTP_E_NULL if
///         cfg is NULL. On failure the setting is unchanged.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_ca_dir(cfg: *mut ftp_tls_config, path: *const c_char) -> ftp_result {
    call(cfg, |s| Ok(s.config.set_ca_dir(opt_path(path))?))
}

/// INSECURE: turns certificate verification off (chain and host name), so any server,
/// or anyone in between, is accepted. Only for test servers with self-signed
/// certificates; prefer ftp_tls_config_set_ca_file() with the test CA.
///
/// @param cfg the configuration.
/// @param skip true to skip verification, false (the default) to verify.
/// @return FTP_OK; FTP_E_NULL if cfg is NULL; FTP_E_BUSY if another thread is inside cfg.
/// @since 1.1 (the name ftp_tls_config_insecure_skip_verify() of 1.0 stays, the same
///        function under the name it had before the setters' naming rule).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_insecure_skip_verify(cfg: *mut ftp_tls_config, skip: bool) -> ftp_result {
    call(cfg, |s| {
        s.config.set_verify(!skip);
        Ok(())
    })
}

/// The 1.0 name of ftp_tls_config_set_insecure_skip_verify(), kept for the ABI: the
/// same function, with the same parameters and results.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_insecure_skip_verify(cfg: *mut ftp_tls_config, skip: bool) -> ftp_result {
    ftp_tls_config_set_insecure_skip_verify(cfg, skip)
}

/// A client certificate (or chain, leaf first) and its private key, both PEM files, for
/// servers that ask for one. Both are read and checked against each other now.
///
/// @param cfg the configuration.
/// @param cert_file the certificate PEM file (bytes, as open(2) takes them), or NULL
///        together with key_file to remove the client certificate.
/// @param key_file the unencrypted private key PEM file, or NULL with cert_file.
/// @return FTP_OK; FTP_E_INVALID if a file cannot be read or parsed, the key is
///         encrypted (never a passphrase prompt), or the key does not belong to the
///         certificate; FTP_E_NULL if cfg, or only one of the two
///         files, is NULL. On failure the setting is unchanged.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_client_cert(
    cfg: *mut ftp_tls_config,
    cert_file: *const c_char,
    key_file: *const c_char,
) -> ftp_result {
    call(cfg, |s| {
        let pair = match (opt_path(cert_file), opt_path(key_file)) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (None, Some(_)) => return Err(Failure::Null("cert_file")),
            (Some(_), None) => return Err(Failure::Null("key_file")),
        };
        Ok(s.config.set_client_cert(pair)?)
    })
}

/// The oldest and newest TLS versions to accept. Versions the system OpenSSL's policy
/// forbids (often 1.0 and 1.1) stay refused.
///
/// @param cfg the configuration.
/// @param min an ftp_tls_version; FTP_TLS_VERSION_DEFAULT means TLS 1.2.
/// @param max an ftp_tls_version; FTP_TLS_VERSION_DEFAULT means no maximum.
/// @return FTP_OK; FTP_E_INVALID for a value that is not an ftp_tls_version or a max
///         below min; FTP_E_NULL if cfg is NULL. On failure the setting is unchanged.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_versions(cfg: *mut ftp_tls_config, min: c_int, max: c_int) -> ftp_result {
    call(cfg, |s| {
        let min = version(min, "min")?.unwrap_or(TlsVersion::Tls1_2);
        let max = version(max, "max")?;
        Ok(s.config.set_versions(min, max)?)
    })
}

/// The OpenSSL cipher list for TLS 1.2 and older, e.g. "ECDHE+AESGCM" (see ciphers(1)).
///
/// @param cfg the configuration.
/// @param list the cipher list (ASCII), or NULL for OpenSSL's default.
/// @return FTP_OK; FTP_E_INVALID if OpenSSL accepts no cipher of it; FTP_E_NULL if cfg
///         is NULL. On failure the setting is unchanged.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_cipher_list(cfg: *mut ftp_tls_config, list: *const c_char) -> ftp_result {
    call(cfg, |s| Ok(s.config.set_cipher_list(opt_text(list, "list")?)?))
}

/// The TLS 1.3 ciphersuites, e.g. "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256".
///
/// @param cfg the configuration.
/// @param suites colon-separated suite names (ASCII), or NULL for OpenSSL's default.
/// @return FTP_OK; FTP_E_INVALID if OpenSSL rejects it; FTP_E_NULL if cfg is NULL. On
///         failure the setting is unchanged.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_ciphersuites(cfg: *mut ftp_tls_config, suites: *const c_char) -> ftp_result {
    call(cfg, |s| Ok(s.config.set_ciphersuites(opt_text(suites, "suites")?)?))
}

/// Whether data connections resume the control connection's TLS session (the
/// default, and what vsftpd and proftpd require). Turning it off is only useful to
/// check that a server enforces reuse.
///
/// @param cfg the configuration.
/// @param reuse true (the default) to resume, false to do a full handshake each time.
/// @return FTP_OK; FTP_E_NULL if cfg is NULL.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_session_reuse(cfg: *mut ftp_tls_config, reuse: bool) -> ftp_result {
    call(cfg, |s| {
        s.config.set_session_reuse(reuse);
        Ok(())
    })
}

/// Whether to try the obsolete "AUTH SSL" when the server answers "AUTH TLS" with 5xx
/// (off by default).
///
/// @param cfg the configuration.
/// @param fallback true to try AUTH SSL, false (the default) not to.
/// @return FTP_OK; FTP_E_NULL if cfg is NULL.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_auth_ssl_fallback(cfg: *mut ftp_tls_config, fallback: bool) -> ftp_result {
    call(cfg, |s| {
        s.config.set_auth_ssl_fallback(fallback);
        Ok(())
    })
}

/// Whether ftp_login() over TLS is followed by PBSZ 0 and PROT P, so that data
/// connections are encrypted too (the default; ftplib leaves that to the caller).
/// Either way ftp_prot_p() and ftp_prot_c() switch later.
///
/// @param cfg the configuration.
/// @param protect true (the default) to protect data after login, false to leave the
///        data channel in clear text until ftp_prot_p().
/// @return FTP_OK; FTP_E_NULL if cfg is NULL.
///         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
///         after an internal error (cfg is then unusable).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_protect_data(cfg: *mut ftp_tls_config, protect: bool) -> ftp_result {
    call(cfg, |s| {
        s.config.set_protect_data(protect);
        Ok(())
    })
}

/// What the last failed setter on this configuration failed on; "" after a success.
///
/// @param cfg the configuration.
/// @return owned by cfg, valid until the next call on it or its free; NULL if cfg is
///         NULL, in a call on another thread, or being freed (a getter does not wait).
///         After an internal error it says what happened.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_last_error(cfg: *const ftp_tls_config) -> *const c_char {
    last_error(cfg)
}

/// Chooses plain FTP, explicit or implicit FTPS, and the TLS settings, for the next
/// ftp_connect() (ftp_auth() uses the settings at once, and after explicit or implicit
/// is chosen on a connection already open in clear text, ftp_login() runs AUTH first,
/// closing the connection if the server refuses it). The configuration is copied:
/// later changes to it need another ftp_set_tls().
///
/// `mode` is an `int`, not an ftp_tls_mode, on purpose: C lets any int be stored in an
/// enum variable, and an out-of-range value arriving as a Rust enum would be undefined
/// behaviour before it could be checked; as an int it is checked and refused.
///
/// @param h the session.
/// @param mode an ftp_tls_mode.
/// @param cfg the TLS settings, or NULL for the defaults of ftp_tls_config_new().
/// @return FTP_OK; FTP_E_INVALID if mode is not an ftp_tls_mode, or cfg is unusable
///         after an internal error; FTP_E_BUSY if h, or cfg, is in a call on another
///         thread or being freed (when cfg is, the session's last error says so:
///         "the TLS configuration is in use by another
///         thread or being freed"); and the general
///         errors, see the top of this header.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_tls(h: *mut ftp_session, mode: c_int, cfg: *const ftp_tls_config) -> ftp_result {
    call(h, |s| {
        let mode = tls_mode(mode)?;
        let config = borrow(cfg, "the TLS configuration", |c| c.config.clone())?.unwrap_or_default();
        s.ftp.set_tls(mode, config);
        Ok(())
    })
}

/// Secures the control connection (ftplib's FTP_TLS.auth): sends AUTH TLS (and AUTH SSL
/// if the configuration allows the fallback), then does the TLS handshake, checking
/// the server's certificate against the host given to ftp_connect(). Explicit mode
/// does this inside ftp_connect(); call it by hand in FTP_TLS_OFF mode.
///
/// @param h the session, connected, control connection not yet secured.
/// @return FTP_OK; FTP_E_TLS_REQUIRED if the server refuses AUTH (the connection stays
///         usable in clear text); FTP_E_TLS_UNTRUSTED, FTP_E_TLS_HOSTNAME,
///         FTP_E_TLS_EXPIRED for a certificate that fails verification; FTP_E_TLS for
///         another handshake failure; FTP_E_PROTO if the server sent anything between
///         its AUTH reply and the handshake; after a handshake failure the connection is
///         closed. FTP_E_STATE if not connected or already secured; FTP_E_IO,
///         FTP_E_TIMEOUT, FTP_E_CLOSED (and the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_auth(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.auth()?;
        Ok(())
    })
}

/// Protects data connections (ftplib's FTP_TLS.prot_p): sends PBSZ 0, then PROT P;
/// later data connections use TLS, resuming the control connection's session.
/// ftp_login() over TLS already does this unless the configuration says otherwise.
///
/// @param h the session; its control connection must have gone through TLS.
/// @return FTP_OK; FTP_E_STATE if TLS was never started on this connection;
///         FTP_E_TEMP/FTP_E_PERM if the server refuses (and the errors of ftp_voidcmd()).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_prot_p(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.prot_p()?;
        Ok(())
    })
}

/// Stops protecting data connections (ftplib's FTP_TLS.prot_c): sends PROT C; later
/// data connections are clear text.
///
/// @param h the session.
/// @return FTP_OK; FTP_E_TEMP/FTP_E_PERM if the server refuses (and the errors of
///         ftp_voidcmd()).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_prot_c(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.prot_c()?;
        Ok(())
    })
}

/// Clears the control channel (ftplib's FTP_TLS.ccc): sends CCC, then shuts TLS down
/// properly (close_notify both ways); later commands go in clear text, for firewalls
/// that inspect them. Data protection (PROT P) is unchanged, but a clear-text reply
/// can no longer vouch for a TLS download: one that ends without close_notify is
/// then FTP_E_TLS ("download truncated"). Log in before: ftp_login() refuses a
/// cleared control channel (FTP_E_TLS_REQUIRED), even after a refused ftp_auth().
///
/// @param h the session, its control connection secured.
/// @return FTP_OK; FTP_E_STATE if the control connection does not use TLS;
///         FTP_E_TEMP/FTP_E_PERM if the server refuses CCC (TLS stays on); FTP_E_TLS,
///         FTP_E_IO, FTP_E_CLOSED if the TLS shutdown fails, after which the connection
///         is unusable (and the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_ccc(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.ccc()?;
        Ok(())
    })
}

/// The TLS version of the control connection, e.g. "TLSv1.3".
///
/// @param h the session.
/// @return a string owned by the session, valid until the next call on it; NULL if
///         the control connection does not use TLS (or h is NULL, in use by another
///         thread, or the call comes from one of its callbacks).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_tls_version(h: *const ftp_session) -> *const c_char {
    inspect(h, std::ptr::null(), |s| match s.ftp.tls_info() {
        Some((version, _)) => Strings::keep(&mut s.strings.tls_version, c_string(version)),
        None => std::ptr::null(),
    })
}

/// The cipher of the control connection's TLS, e.g. "TLS_AES_256_GCM_SHA384".
///
/// @param h the session.
/// @return as ftp_session_tls_version().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_tls_cipher(h: *const ftp_session) -> *const c_char {
    inspect(h, std::ptr::null(), |s| match s.ftp.tls_info().and_then(|(_, cipher)| cipher) {
        Some(cipher) => Strings::keep(&mut s.strings.tls_cipher, c_string(cipher)),
        None => std::ptr::null(),
    })
}

/// Whether the last TLS data connection of this connection resumed the control
/// connection's TLS session (so that servers requiring reuse accepted it).
///
/// @param h the session.
/// @return 1 if it resumed, 0 if it did a full handshake, -1 if no TLS data connection
///         was made since ftp_connect() (or h is NULL, in use by another thread, or the
///         call comes from one of its callbacks).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_data_tls_resumed(h: *const ftp_session) -> c_int {
    inspect(h, -1, |s| s.ftp.data_session_resumed().map_or(-1, c_int::from))
}

/// Gives the passphrase of an encrypted private key to
/// ftp_tls_config_set_client_cert_pem_cb(): write it (bytes, no NUL needed) into `buf`,
/// at most `cap` bytes, store its length in `*len_out` and return 0; return non-zero
/// to give up (the setter then fails with FTP_E_CANCELLED). Called at most once, only
/// if the key is encrypted, inside the setter on the calling thread; must not call
/// into the configuration (FTP_E_RECURSIVE) and must not unwind (longjmp, C++
/// exception) through libftp. Clear `buf` yourself if that matters to you: libftp
/// wipes nothing it did not allocate.
pub type ftp_tls_passphrase_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *mut c_char, cap: usize, len_out: *mut usize) -> c_int>;

/// Decides on the server's certificate chain in each full TLS handshake (see
/// ftp_tls_config_set_verify_cb()). `count` certificates, DER, the server's own first,
/// then its issuers as OpenSSL built the chain: certificate i is `certs[i]`, of
/// `cert_lens[i]` bytes. `verified` is OpenSSL's verdict (chain, dates, and the host
/// name when verification is on), `x509_error` OpenSSL's X509_V_* code (0 when
/// verified) and `reason` its text (e.g. "self-signed certificate"). Everything
/// pointed to is valid only during the call. Return 0 to accept the chain (even one
/// OpenSSL rejected), non-zero to reject it (FTP_E_TLS_UNTRUSTED).
pub type ftp_tls_verify_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        certs: *const *const u8,
        cert_lens: *const usize,
        count: usize,
        verified: bool,
        x509_error: c_int,
        reason: *const c_char,
    ) -> c_int,
>;

/// A PEM argument given as pointer and length.
fn pem_arg<'a>(p: *const c_char, len: usize, name: &'static str) -> Result<&'a [u8], Failure> {
    if p.is_null() {
        return Err(Failure::Null(name));
    }
    if isize::try_from(len).is_err() {
        return Err(Failure::Core(Error::Invalid(format!("{name} length {len} is too large"))));
    }
    // SAFETY: a non-NULL pointer points to `len` readable bytes that live for the call
    // (contract); the length fits an isize, checked above.
    Ok(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) })
}

/// Trusts only the CA certificates of PEM text in memory (one or more, plus those of
/// ftp_tls_config_set_ca_file() and ftp_tls_config_set_ca_dir(), if set) instead of
/// the system trust store, like ftp_tls_config_set_ca_file() but without a file. It
/// replaces the certificates given before with this function or
/// ftp_tls_config_add_ca_pem(). The text is parsed now and copied: the caller's
/// buffer may be freed on return.
///
/// @param cfg the configuration.
/// @param pem PEM text holding one or more "-----BEGIN CERTIFICATE-----" blocks (need
///        not be NUL-terminated), or NULL to forget the certificates given in memory
///        (back to the system trust store if no CA file or directory is set).
/// @param len the length of pem in bytes (ignored when pem is NULL).
/// @return FTP_OK; FTP_E_INVALID if the text holds no PEM certificate or one that does
///         not parse; FTP_E_NULL if cfg is NULL; FTP_E_BUSY if another thread is inside
///         cfg. On failure the setting is unchanged.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_ca_pem(cfg: *mut ftp_tls_config, pem: *const c_char, len: usize) -> ftp_result {
    call(cfg, |s| {
        let pem = if pem.is_null() { None } else { Some(pem_arg(pem, len, "pem")?) };
        Ok(s.config.set_ca_pem(pem)?)
    })
}

/// Adds the CA certificates of PEM text in memory to those given before with
/// ftp_tls_config_set_ca_pem() or this function (see there: together they replace
/// the system trust store). Parsed now and copied.
///
/// @param cfg the configuration.
/// @param pem PEM text holding one or more certificates (need not be NUL-terminated).
/// @param len the length of pem in bytes.
/// @return FTP_OK; FTP_E_INVALID if the text holds no PEM certificate or one that does
///         not parse; FTP_E_NULL if cfg or pem is NULL; FTP_E_BUSY if another thread
///         is inside cfg. On failure the setting is unchanged.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_add_ca_pem(cfg: *mut ftp_tls_config, pem: *const c_char, len: usize) -> ftp_result {
    call(cfg, |s| Ok(s.config.add_ca_pem(pem_arg(pem, len, "pem")?)?))
}

/// A client certificate (or chain, leaf first) and its private key as PEM text in
/// memory, for servers that ask for one; the key may be encrypted, with its
/// passphrase given here. Both are parsed, the key decrypted and checked against the
/// certificate now, and kept (decrypted, in memory) until replaced; the caller's
/// buffers may be freed on return. Replaces a client certificate set before, from
/// files or memory; ftp_tls_config_set_client_cert(cfg, NULL, NULL) removes it.
///
/// @param cfg the configuration.
/// @param cert_pem the certificate PEM text (need not be NUL-terminated).
/// @param cert_len its length in bytes.
/// @param key_pem the private key PEM text (PKCS#8 or traditional, encrypted or not).
/// @param key_len its length in bytes.
/// @param passphrase the key's passphrase (NUL-terminated bytes), or NULL for a key
///        that is not encrypted (ignored if the key is not encrypted).
/// @return FTP_OK; FTP_E_INVALID if either text does not parse, the key is encrypted
///         and passphrase is NULL or wrong, or the key does not belong to the
///         certificate (the message says which); FTP_E_NULL if cfg, cert_pem or key_pem
///         is NULL; FTP_E_BUSY if another thread is inside cfg. On failure the setting
///         is unchanged.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_client_cert_pem(
    cfg: *mut ftp_tls_config,
    cert_pem: *const c_char,
    cert_len: usize,
    key_pem: *const c_char,
    key_len: usize,
    passphrase: *const c_char,
) -> ftp_result {
    call(cfg, |s| {
        let cert = pem_arg(cert_pem, cert_len, "cert_pem")?;
        let key = pem_arg(key_pem, key_len, "key_pem")?;
        let pass = match opt_bytes(passphrase) {
            Some(p) => KeyPassphrase::Bytes(p),
            None => KeyPassphrase::None,
        };
        Ok(s.config.set_client_cert_pem(cert, key, pass)?)
    })
}

/// Like ftp_tls_config_set_client_cert_pem(), the passphrase of an encrypted key
/// coming from a callback (asked once, during this call, only if the key is
/// encrypted), so that it need not sit in a string.
///
/// @param cfg the configuration.
/// @param cert_pem the certificate PEM text (need not be NUL-terminated).
/// @param cert_len its length in bytes.
/// @param key_pem the private key PEM text.
/// @param key_len its length in bytes.
/// @param cb gives the passphrase (see ftp_tls_passphrase_cb), or NULL for a key that
///        is not encrypted.
/// @param userdata passed to cb as is.
/// @return FTP_OK; FTP_E_CANCELLED if cb returned non-zero; FTP_E_INVALID as
///         ftp_tls_config_set_client_cert_pem(), or if cb claimed more than `cap`
///         bytes; FTP_E_RECURSIVE if cb calls into cfg; FTP_E_NULL if cfg, cert_pem or
///         key_pem is NULL; FTP_E_BUSY if another thread is inside cfg. On failure the
///         setting is unchanged.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_client_cert_pem_cb(
    cfg: *mut ftp_tls_config,
    cert_pem: *const c_char,
    cert_len: usize,
    key_pem: *const c_char,
    key_len: usize,
    cb: ftp_tls_passphrase_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(cfg, |s| {
        let cert = pem_arg(cert_pem, cert_len, "cert_pem")?;
        let key = pem_arg(key_pem, key_len, "key_pem")?;
        let Some(cb) = cb else {
            return Ok(s.config.set_client_cert_pem(cert, key, KeyPassphrase::None)?);
        };
        let mut ask = |buf: &mut [u8]| {
            let mut len = usize::MAX;
            // SAFETY: buf is writable for buf.len() bytes and len is a live usize, both
            // for the duration of the call; the callback's contract is in the header.
            let rc = unsafe { cb(userdata, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
            // A length over `cap` is refused by the core as too long.
            (rc == 0).then_some(len)
        };
        Ok(s.config.set_client_cert_pem(cert, key, KeyPassphrase::Callback(&mut ask))?)
    })
}

/// Pins the server's public key, like curl's --pinnedpubkey: the SHA-256 of the DER
/// SubjectPublicKeyInfo of the server's own certificate, base64, as "sha256//BASE64",
/// or several separated by ';' (e.g. the current key and the next). Checked after the
/// handshake on the control connection and on every data connection (a resumed one
/// too), before anything is sent over it; a mismatch closes that connection and
/// fails with FTP_E_TLS_PINNED. Pinning applies whether certificates are verified or
/// not: with verification on both must pass, with it off (see
/// ftp_tls_config_set_insecure_skip_verify()) the pin alone decides. The pin of a
/// certificate file: `openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin
/// -outform der | openssl dgst -sha256 -binary | base64`.
///
/// @param cfg the configuration.
/// @param pins the pins (ASCII), or NULL to remove them.
/// @return FTP_OK; FTP_E_INVALID if a pin does not start with "sha256//", is not
///         base64 or not 32 bytes (the setting is then unchanged); FTP_E_NULL if cfg is
///         NULL; FTP_E_BUSY if another thread is inside cfg.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_pinned_pubkey(cfg: *mut ftp_tls_config, pins: *const c_char) -> ftp_result {
    call(cfg, |s| Ok(s.config.set_pinned_pubkey(opt_text(pins, "pins")?)?))
}

/// A C verify callback with its userdata.
struct VerifyHook {
    cb: unsafe extern "C" fn(*mut c_void, *const *const u8, *const usize, usize, bool, c_int, *const c_char) -> c_int,
    userdata: *mut c_void,
}

// SAFETY: the pointer is only handed back to the caller's callback, on whatever thread
// runs a session holding the configuration; the header makes the caller responsible
// for the callback and userdata being usable there (and from several threads at once
// when sessions on several threads share the configuration).
unsafe impl Send for VerifyHook {}
// SAFETY: as for Send: the hook itself is never mutated.
unsafe impl Sync for VerifyHook {}

impl VerifyHook {
    fn decide(&self, v: &ChainVerdict<'_>) -> bool {
        let ptrs: Vec<*const u8> = v.chain.iter().map(|c| c.as_ptr()).collect();
        let lens: Vec<usize> = v.chain.iter().map(Vec::len).collect();
        let reason = c_string(v.reason);
        // SAFETY: every pointer is valid for the call (the chain, the two arrays of
        // v.chain.len() entries, the NUL-terminated reason); the callback's contract
        // (no unwinding, no calls into the session) is in the header.
        let rc = unsafe {
            (self.cb)(self.userdata, ptrs.as_ptr(), lens.as_ptr(), ptrs.len(), v.verified, v.error, reason.as_ptr())
        };
        rc == 0
    }
}

/// Sets a callback that decides on the server's certificate chain, in each full TLS
/// handshake of sessions given this configuration (control and data connections; a
/// data connection that resumes the control connection's session shows no
/// certificate and was decided already). It is shown the chain and OpenSSL's verdict
/// (see ftp_tls_verify_cb), and its answer replaces the verdict: it can reject a
/// chain OpenSSL accepted (FTP_E_TLS_UNTRUSTED, the message naming the callback) or
/// accept one OpenSSL rejected (its own trust rules: take care). Pins
/// (ftp_tls_config_set_pinned_pubkey()) are checked in addition. With verification
/// off, OpenSSL's verdict (then without the host name check) is still given and the
/// callback still decides.
///
/// The callback runs inside the TLS handshake, inside the libftp call that opened the
/// connection (ftp_connect(), ftp_auth(), a transfer...), on the thread making that
/// call. Sessions opened from another session's settings copy its configuration, and
/// with it this callback: a pool's sessions (ftp_pool_new()), the extra sessions of a
/// segmented download (ftp_retr_file_segmented()) and of a parallel mirror
/// (ftp_set_mirror_parallel()). It is then called on the threads those sessions run
/// on, several at once. It must not call libftp functions on that session (they fail with
/// FTP_E_RECURSIVE) nor on this configuration, and must not unwind (longjmp, C++
/// exception) through libftp. A Rust panic never crosses the handshake: the Rust
/// core catches one from its closure and rejects the chain.
///
/// @param cfg the configuration.
/// @param cb the callback, or NULL to remove it.
/// @param userdata passed to cb as is; it must stay valid as long as cfg or any
///        session given cfg with ftp_set_tls() may connect, and be usable from every
///        thread such a session runs on (from several at once if several sessions on
///        different threads share the configuration).
/// @return FTP_OK; FTP_E_NULL if cfg is NULL; FTP_E_BUSY if another thread is inside cfg.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_tls_config_set_verify_cb(
    cfg: *mut ftp_tls_config,
    cb: ftp_tls_verify_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(cfg, |s| {
        match cb {
            Some(cb) => {
                let hook = VerifyHook { cb, userdata };
                s.config.set_verify_callback(move |v| hook.decide(v));
            }
            None => s.config.clear_verify_callback(),
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // C code cannot make the library panic, so a call that does stands in for a bug.
    #[test]
    fn a_panic_in_a_setter_leaves_its_message_and_the_configuration_unusable() {
        let cfg = ftp_tls_config_new();
        assert_eq!(call(cfg, |_| panic!("deliberate test panic")), ftp_result::FTP_E_PANIC);
        // SAFETY: the pointer is the live message owned by cfg.
        let msg = unsafe { std::ffi::CStr::from_ptr(ftp_tls_config_last_error(cfg)) }.to_string_lossy().into_owned();
        assert!(msg.contains("deliberate test panic") && msg.contains("TLS configuration is unusable"), "{msg}");
        assert_eq!(call(cfg, |_| Ok(())), ftp_result::FTP_E_PANIC);
        ftp_tls_config_free(cfg);
    }

    /// FTP_E_BUSY because the configuration ftp_set_tls() reads is in a call is recorded
    /// on the session and names the configuration (the session itself was free).
    #[test]
    fn a_busy_configuration_is_the_sessions_error_and_names_it() {
        let h = super::super::session::ftp_new();
        let cfg = ftp_tls_config_new();
        let mut inner = ftp_result::FTP_OK;
        let rc = call(cfg, |_| {
            inner = ftp_set_tls(h, 1, cfg);
            Ok(())
        });
        assert_eq!((rc, inner), (ftp_result::FTP_OK, ftp_result::FTP_E_BUSY));
        let err = super::super::session::ftp_session_last_error(h);
        // SAFETY: the pointer is the live message owned by h.
        let msg = unsafe { std::ffi::CStr::from_ptr(err) }.to_string_lossy().into_owned();
        assert_eq!(msg, "the TLS configuration is in use by another thread or being freed");
        // Once the configuration is free again, the same call works.
        assert_eq!(ftp_set_tls(h, 1, cfg), ftp_result::FTP_OK);
        ftp_tls_config_free(cfg);
        super::super::session::ftp_free(h);
    }
}
