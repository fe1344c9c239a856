//! FTP URLs: the parsed-URL object, its accessors, and connecting from one.

use super::args::c_string;
use super::args::text;
use super::handle::{Guard, Handle, LastErrorRef, Object, borrow, call, create, free, last_error, read};
use super::result::ftp_result;
use super::session::ftp_session;
use crate::{FtpUrl, IMPLICIT_PORT};
use std::ffi::{CString, c_char, c_int};
use std::time::Duration;

/// A parsed ftp:// or ftps:// URL. Opaque; create with ftp_url_new(), fill with
/// ftp_url_parse(), free with ftp_url_free(). Strings it hands out stay valid until the
/// next ftp_url_parse() on it or ftp_url_free(); it may be read from several threads,
/// but not while another thread parses into it: a getter then returns NULL (0, false)
/// rather than wait, as it does once ftp_url_free() has started. ftp_url_free() must
/// be ordered after every use of u and of the strings it handed out: the deferred free
/// protects the object, not those pointers.
pub struct ftp_url {
    guard: Guard<UrlState>,
}

impl Handle for ftp_url {
    type State = UrlState;
    fn guard(&self) -> &Guard<UrlState> {
        &self.guard
    }
}

#[derive(Default)]
pub(crate) struct UrlState {
    url: Option<FtpUrl>,
    host: CString,
    user: Option<CString>,
    password: Option<CString>,
    path: CString,
    last_error: CString,
}

impl Object for UrlState {
    const NAME: &'static str = "URL object";
    fn last_error(&mut self) -> Option<&mut CString> {
        Some(&mut self.last_error)
    }
}

impl LastErrorRef for UrlState {
    fn last_error_ref(&self) -> &CString {
        &self.last_error
    }
}

/// Creates an empty URL object (no URL parsed yet).
///
/// @return a new object owned by the caller, freed with ftp_url_free(); NULL only after
///         an internal error.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_new() -> *mut ftp_url {
    create(|| ftp_url { guard: Guard::new(UrlState::default()) })
}

/// Frees a URL object.
///
/// A getter (or call) still inside it on another thread is let finish first: the
/// object is freed when it returns.
///
/// @param u the object, or NULL (does nothing); not usable afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_free(u: *mut ftp_url) {
    free(u)
}

/// Parses `ftp[s]://[user[:password]@]host[:port]/path[;type=a|i|d]` into u (RFC 1738,
/// as curl reads it): user, password, host and path are percent-decoded; an IPv6 host
/// is written in brackets, with an optional zone as RFC 6874 writes it
/// ("[fe80::1%25eth0]"); ftps:// means implicit TLS. Refused: encoded CR, LF or NUL
/// bytes, a bad %-escape, a host with characters other than ASCII letters, digits,
/// '-', '.', '_' and non-ASCII (so an unbracketed IPv6 address, or ";type=" with no
/// path before it), a port outside 1..65535, a query or fragment.
///
/// @param u the URL object.
/// @param url the URL (NUL-terminated UTF-8; write other bytes of a path as %XX, e.g.
///        "caf%E9"; user, password and host must decode to UTF-8).
/// @return FTP_OK; FTP_E_INVALID with the reason in ftp_url_last_error() (which never
///         repeats the password); FTP_E_NULL if u or url is NULL. On failure u keeps
///         its previous contents.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_parse(u: *mut ftp_url, url: *const c_char) -> ftp_result {
    call(u, |st| {
        let p = FtpUrl::parse(text(url, "url")?)?;
        st.host = c_string(p.host.as_bytes());
        st.user = p.user.as_deref().map(|s| c_string(s.as_bytes()));
        st.password = p.password.as_deref().map(|s| c_string(s.as_bytes()));
        st.path = c_string(p.path.clone());
        st.url = Some(p);
        Ok(())
    })
}

/// Why the last ftp_url_parse() on u failed; "" after a success.
///
/// @param u the URL object.
/// @return owned by u, valid until its next parse or free; NULL if u is NULL or busy
///         (see ftp_url). After an
///         internal error it says what happened.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_last_error(u: *const ftp_url) -> *const c_char {
    last_error(u)
}

/// The host (an IPv6 address without its brackets; with a zone, as ftp_connect()
/// takes it: "fe80::1%eth0").
///
/// @param u the URL object.
/// @return owned by u; NULL if u is NULL, busy (see ftp_url) or holds no URL yet.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_host(u: *const ftp_url) -> *const c_char {
    read(u, std::ptr::null(), |st| if st.url.is_some() { st.host.as_ptr() } else { std::ptr::null() })
}

/// The decoded user name.
///
/// @param u the URL object.
/// @return owned by u; NULL if the URL names no user (anonymous), or u is NULL, busy or
///         empty; "" for "@host" or ":password@host", which ftp_login() also takes as
///         anonymous.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_user(u: *const ftp_url) -> *const c_char {
    read(u, std::ptr::null(), |st| st.user.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()))
}

/// The decoded password.
///
/// @param u the URL object.
/// @return owned by u; NULL if the URL has none (no ':' after the user), or u is NULL, busy or
///         empty; "" for "user:@host".
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_password(u: *const ftp_url) -> *const c_char {
    read(u, std::ptr::null(), |st| st.password.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()))
}

/// The port to connect to: the URL's, or the scheme's default (21, 990 for ftps://).
///
/// @param u the URL object.
/// @return the port; 0 if u is NULL, busy (see ftp_url) or holds no URL yet.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_port(u: *const ftp_url) -> u16 {
    read(u, 0, |st| match &st.url {
        Some(p) if p.port != 0 => p.port,
        Some(p) if p.implicit_tls => IMPLICIT_PORT,
        Some(_) => crate::DEFAULT_PORT,
        None => 0,
    })
}

/// Whether the URL is ftps:// (implicit TLS).
///
/// @param u the URL object.
/// @return true for ftps://; false otherwise, or if u is NULL, busy or empty.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_is_ftps(u: *const ftp_url) -> bool {
    read(u, false, |st| st.url.as_ref().is_some_and(|p| p.implicit_tls))
}

/// The decoded path after the host's '/', as bytes (names need not be UTF-8), "" for
/// the login directory. "dir/file" is relative to the login directory, as in RFC 1738;
/// a path that starts with '/' once decoded (ftp://host/%2Fetc/x, or curl's
/// ftp://host//etc/x) is absolute.
///
/// @param u the URL object.
/// @param len_out receives the length (a path cannot contain NUL); may be NULL.
/// @return NUL-terminated bytes owned by u; NULL if u is NULL, busy or empty.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_path(u: *const ftp_url, len_out: *mut usize) -> *const c_char {
    read(u, std::ptr::null(), |st| {
        if st.url.is_none() {
            return std::ptr::null();
        }
        super::args::put(len_out, st.path.as_bytes().len());
        st.path.as_ptr()
    })
}

/// The `;type=` code of the path: 'a' (ASCII), 'i' (binary), 'd' (directory listing).
///
/// @param u the URL object.
/// @return the code as a lower-case character, or 0 if the URL has none (or u is NULL or busy).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_url_type(u: *const ftp_url) -> c_int {
    read(u, 0, |st| st.url.as_ref().and_then(|p| p.typecode).map_or(0, |c| c as c_int))
}

/// Connects and logs in as the URL says: implicit TLS for ftps:// (with the TLS
/// configuration given to ftp_set_tls(), if any), the session's own mode (plain, or
/// explicit FTPS after ftp_set_tls(h, FTP_TLS_EXPLICIT, ...)) for ftp://; then
/// ftp_login() with the URL's user and password, or anonymously. The path is the
/// caller's to use (ftp_url_path()). ftps:// holds for this connection only: the mode set
/// with ftp_set_tls() applies again to the next ftp_connect() or ftp:// URL.
///
/// @param h the session.
/// @param u a parsed URL.
/// @param timeout_ms as for ftp_connect().
/// @return FTP_OK; the errors of ftp_connect() and ftp_login() (after a failed login the
///         connection is closed); FTP_E_INVALID if u holds no URL, or it is ftp:// while
///         the session is set to implicit FTPS; FTP_E_NULL if u is NULL; FTP_E_BUSY if
///         another thread is parsing into u or freeing it (recorded as the session's
///         last error, which names u).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_connect_url(h: *mut ftp_session, u: *const ftp_url, timeout_ms: u32) -> ftp_result {
    call(h, |s| {
        // As ftp_connect: even a refusal leaves no old connection for the next command.
        s.ftp.forget_connection();
        let url = borrow(u, "the URL object", |st| st.url.clone())?
            .ok_or(super::result::Failure::Null("u"))?
            .ok_or_else(|| crate::Error::Invalid("the URL object holds no URL".into()))?;
        let timeout = (timeout_ms > 0).then(|| Duration::from_millis(u64::from(timeout_ms)));
        s.ftp.connect_url(&url, timeout)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // C code cannot make the library panic, so a call that does stands in for a bug.
    #[test]
    fn a_panic_on_a_url_object_leaves_its_message_and_the_object_unusable() {
        let u = ftp_url_new();
        assert_eq!(call(u, |_| panic!("deliberate test panic")), ftp_result::FTP_E_PANIC);
        // SAFETY: the pointer is the live message owned by u.
        let msg = unsafe { std::ffi::CStr::from_ptr(ftp_url_last_error(u)) }.to_string_lossy().into_owned();
        assert!(msg.contains("deliberate test panic") && msg.contains("URL object is unusable"), "{msg}");
        assert_eq!(ftp_url_parse(u, c"ftp://h/".as_ptr()), ftp_result::FTP_E_PANIC);
        ftp_url_free(u);
    }
}
