//! Converting C arguments: strings, optional strings, rest offsets, callbacks' userdata.

use super::result::Failure;
use crate::Error;
use std::ffi::{CStr, CString, c_char, c_void};

/// Pass as `rest` to transfer calls to send no REST command (other negative values
/// are refused with FTP_E_INVALID).
pub const FTP_NO_REST: i64 = -1;

/// A required NUL-terminated UTF-8 string argument.
pub(crate) fn text<'a>(p: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    opt_text(p, name)?.ok_or(Failure::Null(name))
}

/// An optional (NULL allowed) NUL-terminated UTF-8 string argument.
pub(crate) fn opt_text<'a>(p: *const c_char, name: &'static str) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL string arguments are NUL-terminated and live for the call (contract).
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(Some).map_err(|_| Failure::Core(Error::Invalid(format!("{name} is not valid UTF-8"))))
}

/// A required NUL-terminated string sent to the server as the bytes given (commands,
/// paths): names from listings, in whatever encoding the server uses, can come back.
pub(crate) fn bytes<'a>(p: *const c_char, name: &'static str) -> Result<&'a [u8], Failure> {
    opt_bytes(p).ok_or(Failure::Null(name))
}

/// An optional (NULL allowed) NUL-terminated byte string argument.
pub(crate) fn opt_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: non-NULL string arguments are NUL-terminated and live for the call (contract).
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// `rest` argument: FTP_NO_REST for none, else an offset (other negatives are refused).
pub(crate) fn rest(value: i64) -> Result<Option<u64>, Failure> {
    match value {
        FTP_NO_REST => Ok(None),
        _ => u64::try_from(value).map(Some).map_err(|_| {
            Failure::Core(Error::Invalid(format!("rest {value} is negative (FTP_NO_REST, -1, means none)")))
        }),
    }
}

/// The caller's userdata pointer, carried into closures the core may keep (log sink).
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub *mut c_void);

// SAFETY: the pointer is only handed back to the caller's own callbacks, on whatever
// thread is using the session; the header makes the caller responsible for that.
unsafe impl Send for UserData {}

/// Bytes from the server as C reads them: the bytes as received, then a NUL. The bytes
/// may hold NULs of their own, so the length goes out beside the pointer.
pub(crate) struct BytesZ(Vec<u8>);

impl BytesZ {
    pub(crate) fn new(bytes: &[u8]) -> BytesZ {
        let mut v = Vec::with_capacity(bytes.len() + 1);
        v.extend_from_slice(bytes);
        v.push(0);
        BytesZ(v)
    }

    /// The first byte, with the length (without the NUL) put in `len_out`.
    pub(crate) fn out(&self, len_out: *mut usize) -> *const c_char {
        put(len_out, self.0.len() - 1);
        self.0.as_ptr().cast()
    }
}

/// Writes `value` through an optional output pointer.
pub(crate) fn put<T>(out: *mut T, value: T) {
    // SAFETY: a non-NULL output pointer points to writable memory for a T (contract).
    if let Some(slot) = unsafe { out.as_mut() } {
        *slot = value;
    }
}

/// Converts bytes to a C string, replacing NUL bytes (which C cannot carry) with '?'.
pub(crate) fn c_string(bytes: impl Into<Vec<u8>>) -> CString {
    let mut v = bytes.into();
    for b in v.iter_mut() {
        if *b == 0 {
            *b = b'?';
        }
    }
    CString::new(v).expect("NUL bytes were replaced")
}
