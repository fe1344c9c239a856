//! The core's error type. It keeps the server's reply (code and text) where there is one,
//! so callers can tell "550 No such file" from a dropped connection.

use crate::reply::Reply;
use std::io;

/// What went wrong, classified like Python's ftplib (`error_reply`, `error_temp`,
/// `error_perm`, `error_proto`) plus the failures ftplib leaves to `OSError`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A well-formed reply the operation did not expect (ftplib's `error_reply`).
    #[error("unexpected reply {0}")]
    Reply(Reply),
    /// A 4xx reply: transient failure (ftplib's `error_temp`).
    #[error("server replied {0}")]
    Temp(Reply),
    /// A 5xx reply: permanent failure (ftplib's `error_perm`).
    #[error("server replied {0}")]
    Perm(Reply),
    /// The server broke the protocol: a reply that is not 1xx-5xx, a malformed line,
    /// an unparsable PASV/EPSV/257 answer, a line or reply over the size limit.
    #[error("protocol error: {0}")]
    Proto(String),
    /// An operating-system I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    /// A connect, reply or data timeout expired.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server closed the connection.
    #[error("connection closed: {0}")]
    Closed(String),
    /// The host name could not be resolved.
    #[error("cannot resolve host {host:?}: {detail}")]
    Resolve { host: String, detail: String },
    /// A callback asked to stop.
    #[error("cancelled by callback")]
    Cancelled,
    /// Another thread interrupted the call (`Interrupter::interrupt`).
    #[error("interrupted")]
    Interrupted,
    /// The caller passed something unusable (CR/LF/NUL in a command, bad option...).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// The call does not fit the session's state (not connected, transfer open...).
    #[error("bad state: {0}")]
    State(String),
    /// A transfer failed or was cancelled (`first`), and ending it cleanly failed too
    /// (`cleanup`), so the connection was closed. Classified by `cleanup`: the session
    /// is no longer usable, which matters more than why the transfer stopped.
    #[error("{first}; ending the transfer then failed ({cleanup}), so the connection was closed")]
    Abandoned { first: Box<Error>, cleanup: Box<Error> },
    /// The server dropped the connection during `command` (`lost`), and reconnecting
    /// (`Ftp::set_reconnect`) failed after `tries` attempts (`failed`; with
    /// `reconnected`, the connection was made but restoring the working directory, TYPE
    /// or PROT failed), or the call was not to be run again (`failed` None, the tries
    /// used up). Classified by `failed` (else by `lost`).
    #[error("{command}: {lost}; {}", reconnect_failure(failed.as_deref(), *tries, *reconnected))]
    Reconnect { command: String, lost: Box<Error>, failed: Option<Box<Error>>, tries: u32, reconnected: bool },
    /// A TLS failure: a handshake or certificate problem, a server that will not do TLS
    /// when it is required, or a TLS data connection cut short.
    #[error("{detail}")]
    Tls { failure: TlsFailure, detail: String },
    /// The proxy (`Ftp::set_proxy`) refused the credentials or the target, or its reply
    /// made no sense; `detail` names the proxy.
    #[error("{detail}")]
    Proxy { failure: ProxyFailure, detail: String },
}

/// What kind of proxy failure an [`Error::Proxy`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyFailure {
    /// The proxy wants credentials, or refused the user name or password given.
    Auth,
    /// The proxy would not connect to the target (a SOCKS5 reply code, or an HTTP
    /// status other than 2xx and 407).
    Refused,
    /// The proxy's reply was garbled: not SOCKS5 or HTTP, cut short, or too long.
    Proto,
}

/// What kind of TLS failure an [`Error::Tls`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The handshake or a TLS record failed for another reason than the certificate
    /// (no shared protocol version or cipher, bad record, alert from the server...), or
    /// a TLS data connection ended without close_notify before all its bytes came.
    Failed,
    /// The server's certificate does not chain to a trusted CA (self-signed, unknown issuer).
    Untrusted,
    /// The certificate is valid but does not name the host connected to.
    Hostname,
    /// The certificate has expired or is not valid yet.
    Expired,
    /// TLS was required but the server refused AUTH, does not speak TLS on an implicit
    /// port, or tried to log in before TLS (a 230 in clear text).
    Required,
    /// The server's public key matches none of the pinned ones
    /// (`TlsConfig::set_pinned_pubkey`).
    Pinned,
}

/// The class of an [`Error`], for mapping to codes (the C layer) and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Reply,
    Temp,
    Perm,
    Proto,
    Io,
    Timeout,
    Closed,
    Resolve,
    Cancelled,
    Interrupted,
    Invalid,
    State,
    Tls(TlsFailure),
    Proxy(ProxyFailure),
}

impl Error {
    /// The error's class.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Reply(_) => ErrorKind::Reply,
            Error::Temp(_) => ErrorKind::Temp,
            Error::Perm(_) => ErrorKind::Perm,
            Error::Proto(_) => ErrorKind::Proto,
            Error::Io { .. } => ErrorKind::Io,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Closed(_) => ErrorKind::Closed,
            Error::Resolve { .. } => ErrorKind::Resolve,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Interrupted => ErrorKind::Interrupted,
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::State(_) => ErrorKind::State,
            Error::Abandoned { cleanup, .. } => cleanup.kind(),
            Error::Tls { failure, .. } => ErrorKind::Tls(*failure),
            Error::Proxy { failure, .. } => ErrorKind::Proxy(*failure),
            Error::Reconnect { failed: Some(failed), .. } => failed.kind(),
            Error::Reconnect { lost, .. } => lost.kind(),
        }
    }

    /// The server reply this error carries, if it is a reply error.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Error::Reply(r) | Error::Temp(r) | Error::Perm(r) => Some(r),
            _ => None,
        }
    }

    /// Wraps an I/O error with what was being done; timeouts and resets get their own class.
    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        let context = context.into();
        // A stream may carry a classified failure inside an io::Error (a truncated TLS
        // download); a TLS record error is a TLS failure, not an OS one.
        let source = match source.downcast::<Error>() {
            Ok(inner) => return inner,
            Err(source) => source,
        };
        if let Some(ssl) = source.get_ref().and_then(|e| e.downcast_ref::<openssl::ssl::Error>()) {
            return Error::tls(TlsFailure::Failed, format!("{context}: TLS error: {ssl}"));
        }
        match source.kind() {
            // A timeout the code raised itself says why; the OS's own says nothing more.
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut if source.get_ref().is_some() => {
                Error::Timeout(format!("{context}: {source}"))
            }
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout(context),
            io::ErrorKind::UnexpectedEof => Error::Closed(context),
            _ => Error::Io { context, source },
        }
    }

    pub fn tls(failure: TlsFailure, detail: impl Into<String>) -> Error {
        Error::Tls { failure, detail: detail.into() }
    }

    /// Classifies a reply that ended an operation: 4xx, 5xx, not 1-5, or just unexpected.
    pub fn from_reply(reply: Reply) -> Error {
        match reply.code / 100 {
            4 => Error::Temp(reply),
            5 => Error::Perm(reply),
            1..=3 => Error::Reply(reply),
            _ => Error::Proto(format!("reply code {} is not 1xx-5xx", reply.code)),
        }
    }
}

fn reconnect_failure(failed: Option<&Error>, tries: u32, reconnected: bool) -> String {
    match failed {
        Some(e) if reconnected => format!("reconnected, but restoring the session failed: {e}"),
        Some(e) if tries == 1 => format!("reconnecting failed: {e}"),
        Some(e) => format!("reconnecting failed after {tries} tries: {e}"),
        None => "the reconnect tries for this call are used up".into(),
    }
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
