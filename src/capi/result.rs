//! Result codes and the one mapping from core errors to them.

use crate::error::{Error, ErrorKind};
use std::ffi::{c_char, c_int};

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
    /// Another thread is using this session right now.
    FTP_E_BUSY = 14,
    /// An internal error (a Rust panic) was caught; the session is unusable, free it.
    FTP_E_PANIC = 15,
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
            ErrorKind::Invalid => FTP_E_INVALID,
            ErrorKind::State => FTP_E_STATE,
        }
    }
}

/// A failed C call: a core error, or a problem with the C arguments themselves.
#[derive(Debug)]
pub(crate) enum Failure {
    Core(Error),
    /// A NULL pointer where one was required; names the parameter.
    Null(&'static str),
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
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Core(e) => e.to_string(),
            Failure::Null(what) => format!("{what} is NULL"),
        }
    }
}

/// A static description of a result code ("unknown error code" for values not listed).
/// Never NULL; do not free. Thread-safe.
///
/// @param code an ftp_result value (an int, so any value is safe to pass).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_strerror(code: c_int) -> *const c_char {
    let s: &'static str = match code {
        0 => "success\0",
        1 => "unexpected reply from the server\0",
        2 => "temporary failure reported by the server (4xx)\0",
        3 => "permanent failure reported by the server (5xx)\0",
        4 => "FTP protocol error\0",
        5 => "I/O error\0",
        6 => "timed out\0",
        7 => "connection closed by the server\0",
        8 => "cannot resolve host name\0",
        9 => "cancelled by callback\0",
        10 => "invalid argument\0",
        11 => "NULL argument\0",
        12 => "operation not possible in the session's state\0",
        13 => "called from inside the session's own callback\0",
        14 => "session in use by another thread\0",
        15 => "internal error (panic); the session is unusable\0",
        _ => "unknown error code\0",
    };
    s.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for code in 0..=FTP_E_PANIC as c_int {
            let s = unsafe { CStr::from_ptr(ftp_strerror(code)) }.to_str().unwrap();
            assert_ne!(s, "unknown error code", "code {code}");
            assert!(seen.insert(s), "duplicate text for {code}");
        }
        let s = unsafe { CStr::from_ptr(ftp_strerror(-1)) };
        assert_eq!(s.to_str().unwrap(), "unknown error code");
    }
}
