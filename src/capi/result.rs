//! Result codes and the one mapping from core errors to them.

use super::handle::pure;
use crate::error::{Error, ErrorKind, ProxyFailure, TlsFailure};
use std::ffi::{CStr, c_char, c_int};

/// Result of a libftp call. FTP_OK is 0; values are fixed forever, new ones are appended.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_result {
    /// Success.
    FTP_OK = 0,
    /// The server sent a well-formed reply the call did not expect (ftplib's error_reply).
    FTP_E_REPLY = 1,
    /// The server answered 4xx: a transient failure (ftplib's error_temp).
    FTP_E_TEMP = 2,
    /// The server answered 5xx: a permanent failure (ftplib's error_perm).
    FTP_E_PERM = 3,
    /// The server broke the protocol: malformed, oversized or out-of-range replies, or
    /// a reply code outside 1xx-5xx (ftplib's error_proto).
    FTP_E_PROTO = 4,
    /// A network or file I/O error.
    FTP_E_IO = 5,
    /// A connect, reply or data timeout expired.
    FTP_E_TIMEOUT = 6,
    /// The server closed the connection.
    FTP_E_CLOSED = 7,
    /// The host name could not be resolved.
    FTP_E_RESOLVE = 8,
    /// A callback returned non-zero; the transfer was aborted, the session is usable.
    FTP_E_CANCELLED = 9,
    /// An argument is unusable: CR, LF or NUL in a command or path, text that is not
    /// UTF-8, an address that does not parse, an out-of-range value.
    FTP_E_INVALID = 10,
    /// A required pointer argument was NULL.
    FTP_E_NULL = 11,
    /// The call does not fit the session's state (not connected, connection unusable
    /// after an error, a data transfer still open).
    FTP_E_STATE = 12,
    /// Called from inside one of this session's own callbacks.
    FTP_E_RECURSIVE = 13,
    /// Another thread is using the object right now (a session, data connection, TLS
    /// configuration or URL: the one the call is on, or one it reads, such as the
    /// ftp_tls_config given to ftp_set_tls()), or a free of it has started.
    FTP_E_BUSY = 14,
    /// An internal error (a Rust panic) was caught; the session is unusable, free it
    /// (ftp_session_last_error() and the other getters still work, to say what happened).
    FTP_E_PANIC = 15,
    /// A TLS failure other than the certificate checks below: no common protocol
    /// version or cipher, a TLS alert or bad record, a server refusing a client
    /// certificate, a TLS data connection closed early (a truncated download, see
    /// "TLS" at the top of this header).
    FTP_E_TLS = 16,
    /// The server's certificate does not chain to a trusted CA (self-signed, unknown
    /// issuer): give the CA with ftp_tls_config_set_ca_file().
    FTP_E_TLS_UNTRUSTED = 17,
    /// The server's certificate is valid but does not name the host connected to
    /// (the host name, or the IP address given to ftp_connect()).
    FTP_E_TLS_HOSTNAME = 18,
    /// The server's certificate has expired or is not valid yet.
    FTP_E_TLS_EXPIRED = 19,
    /// TLS is required but the server will not do it: it refused AUTH TLS, answered in
    /// plain text on an implicit FTPS port, or claimed a login (230) before TLS. No
    /// credentials were sent.
    FTP_E_TLS_REQUIRED = 20,
    /// ftp_interrupt() stopped a transfer: it was aborted and the session is usable.
    /// (A call the interrupt found waiting for a reply has the control connection
    /// shut down instead, and fails with FTP_E_CLOSED or FTP_E_IO; the connection is
    /// then unusable, FTP_E_STATE until ftp_connect().)
    FTP_E_INTERRUPTED = 21,
    /// The server's public key matches none of those pinned with
    /// ftp_tls_config_set_pinned_pubkey(), on the control or a data connection; the
    /// connection was closed before anything was sent over it. @since 1.1
    FTP_E_TLS_PINNED = 22,
    /// The proxy set with ftp_set_proxy() would not connect to the server (a SOCKS5
    /// reply code or an HTTP status, in the session's message), or its reply was
    /// garbled, cut short or too long. The message names the proxy. @since 1.1
    FTP_E_PROXY = 23,
    /// The proxy set with ftp_set_proxy() needs a user name and password, or refused
    /// the ones given. @since 1.1
    FTP_E_PROXY_AUTH = 24,
}

use ftp_result::*;

impl From<ErrorKind> for ftp_result {
    fn from(kind: ErrorKind) -> ftp_result {
        match kind {
            ErrorKind::Reply => FTP_E_REPLY,
            ErrorKind::Temp => FTP_E_TEMP,
            ErrorKind::Perm => FTP_E_PERM,
            ErrorKind::Proto => FTP_E_PROTO,
            ErrorKind::Io => FTP_E_IO,
            ErrorKind::Timeout => FTP_E_TIMEOUT,
            ErrorKind::Closed => FTP_E_CLOSED,
            ErrorKind::Resolve => FTP_E_RESOLVE,
            ErrorKind::Cancelled => FTP_E_CANCELLED,
            ErrorKind::Interrupted => FTP_E_INTERRUPTED,
            ErrorKind::Invalid => FTP_E_INVALID,
            ErrorKind::State => FTP_E_STATE,
            ErrorKind::Tls(TlsFailure::Failed) => FTP_E_TLS,
            ErrorKind::Tls(TlsFailure::Untrusted) => FTP_E_TLS_UNTRUSTED,
            ErrorKind::Tls(TlsFailure::Hostname) => FTP_E_TLS_HOSTNAME,
            ErrorKind::Tls(TlsFailure::Expired) => FTP_E_TLS_EXPIRED,
            ErrorKind::Tls(TlsFailure::Required) => FTP_E_TLS_REQUIRED,
            ErrorKind::Tls(TlsFailure::Pinned) => FTP_E_TLS_PINNED,
            ErrorKind::Proxy(ProxyFailure::Auth) => FTP_E_PROXY_AUTH,
            ErrorKind::Proxy(ProxyFailure::Refused | ProxyFailure::Proto) => FTP_E_PROXY,
        }
    }
}

/// A failed C call: a core error, or a problem with the C arguments themselves.
#[derive(Debug)]
pub(crate) enum Failure {
    Core(Error),
    /// A NULL pointer where one was required; names the parameter.
    Null(&'static str),
    /// Another object the call reads is in use by another thread; names it.
    Busy(String),
    /// A code with a message of its own: a batch's or a mirror's summary of its items'
    /// failures (the first one's code).
    Summary(ftp_result, String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Core(e)
    }
}

impl Failure {
    pub(crate) fn code(&self) -> ftp_result {
        match self {
            Failure::Core(e) => e.kind().into(),
            Failure::Null(_) => FTP_E_NULL,
            Failure::Busy(_) => FTP_E_BUSY,
            Failure::Summary(code, _) => *code,
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Core(e) => e.to_string(),
            Failure::Null(what) => format!("{what} is NULL"),
            Failure::Busy(what) => format!("{what} is in use by another thread or being freed"),
            Failure::Summary(_, message) => message.clone(),
        }
    }
}

impl ftp_result {
    /// Every code, in value order (a unit test checks the order); a new code goes here
    /// too, and text() will not compile without its text.
    const ALL: [ftp_result; 25] = [
        FTP_OK,
        FTP_E_REPLY,
        FTP_E_TEMP,
        FTP_E_PERM,
        FTP_E_PROTO,
        FTP_E_IO,
        FTP_E_TIMEOUT,
        FTP_E_CLOSED,
        FTP_E_RESOLVE,
        FTP_E_CANCELLED,
        FTP_E_INVALID,
        FTP_E_NULL,
        FTP_E_STATE,
        FTP_E_RECURSIVE,
        FTP_E_BUSY,
        FTP_E_PANIC,
        FTP_E_TLS,
        FTP_E_TLS_UNTRUSTED,
        FTP_E_TLS_HOSTNAME,
        FTP_E_TLS_EXPIRED,
        FTP_E_TLS_REQUIRED,
        FTP_E_INTERRUPTED,
        FTP_E_TLS_PINNED,
        FTP_E_PROXY,
        FTP_E_PROXY_AUTH,
    ];

    fn from_int(code: c_int) -> Option<ftp_result> {
        Self::ALL.into_iter().find(|&r| r as c_int == code)
    }

    /// The text ftp_strerror() gives; a match on the enum, so no code can lack one.
    fn text(self) -> &'static CStr {
        match self {
            FTP_OK => c"success",
            FTP_E_REPLY => c"unexpected reply from the server",
            FTP_E_TEMP => c"temporary failure reported by the server (4xx)",
            FTP_E_PERM => c"permanent failure reported by the server (5xx)",
            FTP_E_PROTO => c"FTP protocol error",
            FTP_E_IO => c"I/O error",
            FTP_E_TIMEOUT => c"timed out",
            FTP_E_CLOSED => c"connection closed by the server",
            FTP_E_RESOLVE => c"cannot resolve host name",
            FTP_E_CANCELLED => c"cancelled by callback",
            FTP_E_INVALID => c"invalid argument",
            FTP_E_NULL => c"NULL argument",
            FTP_E_STATE => c"operation not possible in the session's state",
            FTP_E_RECURSIVE => c"called from inside the session's own callback",
            FTP_E_BUSY => c"object in use by another thread or being freed",
            FTP_E_PANIC => c"internal error (panic); the session is unusable",
            FTP_E_TLS => c"TLS error",
            FTP_E_TLS_UNTRUSTED => c"server certificate not trusted",
            FTP_E_TLS_HOSTNAME => c"server certificate does not match the host name",
            FTP_E_TLS_EXPIRED => c"server certificate expired or not yet valid",
            FTP_E_TLS_REQUIRED => c"TLS required but not available from the server",
            FTP_E_INTERRUPTED => c"interrupted by ftp_interrupt()",
            FTP_E_TLS_PINNED => c"server public key does not match the pinned key",
            FTP_E_PROXY => c"proxy refused the connection or sent a garbled reply",
            FTP_E_PROXY_AUTH => c"proxy authentication failed",
        }
    }
}

/// A static description of a result code, e.g. "permanent failure reported by the
/// server (5xx)". Thread-safe; needs no session.
///
/// @param code an ftp_result value; any int is safe to pass.
/// @return a static NUL-terminated string, never NULL; do not free. Values that are
///         not an ftp_result give "unknown error code".
#[unsafe(no_mangle)]
pub extern "C" fn ftp_strerror(code: c_int) -> *const c_char {
    pure(UNKNOWN.as_ptr(), || ftp_result::from_int(code).map_or(UNKNOWN, ftp_result::text).as_ptr())
}

const UNKNOWN: &CStr = c"unknown error code";

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn all_lists_every_code_in_order() {
        for (i, r) in ftp_result::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
    }

    #[test]
    fn every_code_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for code in 0..=FTP_E_TLS_PINNED as c_int {
            // SAFETY: ftp_strerror returns a static NUL-terminated string for any code.
            let s = unsafe { CStr::from_ptr(ftp_strerror(code)) }.to_str().unwrap();
            assert_ne!(s, "unknown error code", "code {code}");
            assert!(seen.insert(s), "duplicate text for {code}");
        }
        // SAFETY: as above.
        let s = unsafe { CStr::from_ptr(ftp_strerror(-1)) };
        assert_eq!(s.to_str().unwrap(), "unknown error code");
    }
}
