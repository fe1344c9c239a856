//! Session lifetime, connecting, logging in, plain commands and settings.

use super::args::{UserData, bytes, c_string, opt_text, text};
use super::handle::{self, Guard, Handle, LastErrorRef, Object, call, create, free, inspect};
use super::result::{Failure, ftp_result};
use crate::{Error, Ftp, Interrupter, LogKind, Reply};
use std::cell::Cell;
use std::ffi::{CString, c_char, c_int, c_void};
use std::net::IpAddr;
use std::time::Duration;

/// An FTP session (a connection and its settings). Opaque; create with ftp_new(),
/// destroy with ftp_free().
pub struct ftp_session {
    /// Outside the guard: ftp_interrupt() works while another thread is in a call.
    interrupter: Interrupter,
    guard: Guard<State>,
}

impl Handle for ftp_session {
    type State = State;
    fn guard(&self) -> &Guard<State> {
        &self.guard
    }
}

impl ftp_session {
    fn new() -> ftp_session {
        let state = State::default();
        // ftp_interrupt() acts only while a call runs (`begin` and `end` mark them).
        state.ftp.interrupter().set_idle(true);
        ftp_session { interrupter: state.ftp.interrupter(), guard: Guard::new(state) }
    }

    /// A session around one checked out of a pool (ftp_pool_get): its place in the
    /// pool goes with it, back by ftp_pool_put() or freed with the session.
    pub(crate) fn pooled(ftp: Ftp, lease: crate::Lease) -> ftp_session {
        let state = State { ftp, lease: Some(lease), ..State::default() };
        state.ftp.interrupter().set_idle(true);
        ftp_session { interrupter: state.ftp.interrupter(), guard: Guard::new(state) }
    }

    pub(crate) fn interrupter(&self) -> &Interrupter {
        &self.interrupter
    }
}

/// What a session holds behind its guard.
#[derive(Default)]
pub(crate) struct State {
    pub ftp: Ftp,
    /// The place in a pool of a session checked out with ftp_pool_get().
    pub lease: Option<crate::Lease>,
    last_error: CString,
    /// Storage for strings handed out (welcome, reply text, paths): each valid until
    /// the next call on the handle.
    pub strings: Strings,
    /// `Ftp::replies_read` when the current (or last) call began.
    replies_at_call: u64,
    /// Set when a call failed without reading a reply (a local failure, a timeout, a
    /// connection error...): `replies_read` then. Until another reply is read, the last
    /// reply getters say "no reply" rather than show an older call's reply.
    failed_without_reply: Cell<Option<u64>>,
    /// The mirror's parallelism and the last mirror's failures.
    pub mirror: super::mirror::MirrorState,
}

impl State {
    /// The last reply, unless the last failed call read none (then None: "no reply").
    pub(crate) fn last_reply(&self) -> Option<&Reply> {
        let hidden = self.failed_without_reply.get() == Some(self.ftp.replies_read());
        self.ftp.last_reply().filter(|_| !hidden)
    }
}

impl Object for State {
    const NAME: &'static str = "session";

    fn last_error(&mut self) -> Option<&mut CString> {
        Some(&mut self.last_error)
    }

    fn begin(&mut self) {
        self.ftp.interrupter().set_idle(false);
        self.replies_at_call = self.ftp.replies_read();
    }

    fn end(&mut self) {
        self.ftp.interrupter().set_idle(true);
    }

    /// "RETR x: server replied 550 ...": names the command the server refused, when
    /// the error's reply is the one that command got.
    fn describe(&self, fail: &Failure) -> String {
        // Called for every failed call: one that read no reply, and fails with none,
        // hides the older reply from the last reply getters.
        let carries_reply = matches!(fail, Failure::Core(e) if e.reply().is_some());
        let read = self.ftp.replies_read();
        if !carries_reply && read == self.replies_at_call {
            self.failed_without_reply.set(Some(read));
        }
        let message = fail.message();
        match (fail, self.ftp.last_command()) {
            (Failure::Core(e), Some(cmd)) if e.reply().is_some_and(|r| self.ftp.last_reply() == Some(r)) => {
                format!("{cmd}: {message}")
            }
            _ => message,
        }
    }
}

impl LastErrorRef for State {
    fn last_error_ref(&self) -> &CString {
        &self.last_error
    }
}

#[derive(Default)]
pub(crate) struct Strings {
    pub reply_text: CString,
    pub welcome: CString,
    pub path: CString,
    pub tls_version: CString,
    pub tls_cipher: CString,
    pub feature: CString,
}

impl Strings {
    /// Stores a getter's string in its own slot and returns it. The slot is replaced
    /// only when the text changed, so a pointer an earlier read of the same getter
    /// returned stays valid (several reads may appear in one printf).
    pub(crate) fn keep(slot: &mut CString, text: CString) -> *const c_char {
        if *slot != text {
            *slot = text;
        }
        slot.as_ptr()
    }
}

/// Kind of a protocol trace line given to an ftp_log_cb.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_log_kind {
    /// A command sent (debug level 1 and up).
    FTP_LOG_CMD = 0,
    /// A whole reply received, lines joined by '\n' (debug level 1 and up).
    FTP_LOG_RESP = 1,
    /// One line sent (debug level 2).
    FTP_LOG_PUT = 2,
    /// One line received (debug level 2).
    FTP_LOG_GET = 3,
}

/// Receives the protocol trace. `line` is NUL-terminated and valid only during the call;
/// passwords are already replaced by '*', and text from the server is converted as for
/// ftp_session_last_reply_text(). Must not call into the session (FTP_E_RECURSIVE).
pub type ftp_log_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, kind: ftp_log_kind, line: *const c_char)>;

/// Creates a session, not yet connected: passive mode, no timeout, debug level 0.
///
/// @return a new session, owned by the caller and freed with ftp_free(). Running out of
///         memory aborts the process (as Rust's allocator does) rather than returning
///         NULL; NULL only after an internal error.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_new() -> *mut ftp_session {
    create(ftp_session::new)
}

/// Frees a session, closing its connection without sending QUIT (call ftp_quit() first
/// for a polite goodbye). Also accepted on a session made unusable by FTP_E_PANIC. A
/// data connection from ftp_transfercmd() is not freed with it: see ftp_data_free().
///
/// Called from inside one of the session's callbacks, or while another thread is in a
/// call on the session, it never frees under that call: the session is freed when the
/// call returns. The running call goes on to its end (its callbacks may still be
/// called, so their userdata must stay valid until it returns) and returns its own
/// result. (In 1.0, ftp_free() from a callback was ignored and the session leaked.)
/// To wake a blocked call, call ftp_interrupt() before ftp_free(): once ftp_free() has
/// started, h must not be passed again, to ftp_interrupt() neither (which would find it
/// being freed and return FTP_E_NULL, if the memory were still there at all).
///
/// h is invalid once ftp_free() returns, and no new call may start on it: like free(),
/// it must be ordered after every use of the session and of what it handed out (the
/// strings of its getters and of calls such as ftp_pwd()); the deferred free protects
/// the library's own state, not those pointers.
///
/// @param h the session, or NULL (does nothing); not usable afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_free(h: *mut ftp_session) {
    free(h)
}

/// Connects to an FTP server and reads its welcome (ftplib's FTP.connect). Any previous
/// connection of the session is closed first. Names that resolve to several addresses
/// are tried in turn. A 120 welcome ("ready in n minutes") is followed by the 220.
/// With ftp_set_tls(): in FTP_TLS_IMPLICIT mode TLS starts before the welcome; in
/// FTP_TLS_EXPLICIT mode AUTH TLS follows it (see ftp_auth()). The TLS certificate is
/// checked against `host`.
///
/// @param h the session.
/// @param host host name or IP address (UTF-8, no CR/LF/NUL; required); a link-local
///        IPv6 address names its interface as "fe80::1%eth0" (TLS then checks the
///        certificate against the address alone).
/// @param port TCP port; 0 means 21 (990 in FTP_TLS_IMPLICIT mode).
/// @param timeout_ms timeout in milliseconds for connecting, for each whole reply, and
///        for every later write and each data connection read (see ftp_set_timeouts());
///        0 means no timeout (block).
/// @param source_address local IP address to bind control and data connections to, or
///        NULL for any.
/// @return FTP_OK; FTP_E_RESOLVE; FTP_E_IO (refused, unreachable...); FTP_E_TIMEOUT;
///         FTP_E_CLOSED (closed before the welcome); FTP_E_TEMP/FTP_E_PERM for a 4xx/5xx
///         welcome (e.g. 421); FTP_E_REPLY for another welcome that is not 2xx;
///         FTP_E_PROTO for a malformed welcome; FTP_E_INVALID (bad host, source_address
///         not an IP address or of another family than host's addresses); FTP_E_NULL if
///         host is NULL; in TLS modes also FTP_E_TLS_REQUIRED (AUTH refused, a 230
///         welcome, or plain text on an implicit port), FTP_E_TLS_UNTRUSTED,
///         FTP_E_TLS_HOSTNAME, FTP_E_TLS_EXPIRED, FTP_E_TLS, and FTP_E_PROTO for bytes
///         sent between the AUTH reply and the handshake (and the general errors, see
///         the top of this header). On failure the session is left unconnected.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_connect(
    h: *mut ftp_session,
    host: *const c_char,
    port: u16,
    timeout_ms: u32,
    source_address: *const c_char,
) -> ftp_result {
    call(h, |s| {
        // Closed before the arguments are checked: a failed connect, whatever failed,
        // must not leave commands meant for the new server going to the old one.
        s.ftp.forget_connection();
        let host = text(host, "host")?;
        let source = match opt_text(source_address, "source_address")? {
            Some(a) => Some(
                a.parse::<IpAddr>()
                    .map_err(|_| Failure::Core(Error::Invalid(format!("source_address {a:?} is not an IP address"))))?,
            ),
            None => None,
        };
        let timeout = (timeout_ms > 0).then(|| Duration::from_millis(u64::from(timeout_ms)));
        s.ftp.connect(host, port, timeout, source)?;
        Ok(())
    })
}

/// Sets the local port the control connection is bound to, from the next
/// ftp_connect() (or ftp_connect_url()) on: the port of ftplib's
/// source_address=(host, port), for firewalls that admit clients by source port. With
/// a source_address given to ftp_connect() the port is bound on it; without one, on
/// the unspecified address (0.0.0.0 or ::) of the server's family. Data connections
/// never use this port: a second connection from the same port to the same server
/// could not be told from the control connection (ftplib, which binds its passive data
/// connections to the same address and port, fails there with "address in use"); they
/// bind the source address alone, with a port the system chooses, as active-mode
/// listeners do. The port is bound with SO_REUSEADDR: a connection to another server
/// may follow a closed one at once, but to the same server, after a connection this
/// side closed first, ftp_connect() fails with FTP_E_IO until TIME_WAIT (about a
/// minute) has passed. A port in use by another connection to the same server also
/// fails with FTP_E_IO. A port below 1024 needs privileges.
///
/// @param h the session.
/// @param port the local port, or 0 (the default) for one the system chooses.
/// @return FTP_OK (or one of the general errors, see the top of this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_source_port(h: *mut ftp_session, port: u16) -> ftp_result {
    call(h, |s| {
        s.ftp.set_source_port(port);
        Ok(())
    })
}

/// Sets the proxy that the control connection and every data connection go through,
/// from the next ftp_connect() (or ftp_connect_url()) on, as curl's -x takes it:
/// "socks5://host:port" (SOCKS5, RFC 1928; host names resolved by this library),
/// "socks5h://host:port" (SOCKS5, host names resolved by the proxy), or
/// "http://host:port" (an HTTP proxy asked with CONNECT; also the meaning of a string
/// without a scheme). "user:password@" before the host gives the proxy's credentials
/// (SOCKS5 user name and password, RFC 1929; HTTP basic authentication), with '%'
/// escapes for special characters. Without a port, 1080. An IPv6 proxy address goes
/// in brackets. Only passive mode works through a proxy: a transfer in active mode on
/// a proxied connection fails with FTP_E_STATE. Each data connection goes through the
/// proxy to the host given to ftp_connect() at the port the server names (by name
/// for socks5h:// and http://: the proxy resolves it). The exchange with the proxy
/// counts against the connect timeout. A connection already open keeps its proxy.
/// Errors from the proxy: FTP_E_PROXY_AUTH (credentials wanted or refused), FTP_E_PROXY
/// (target refused, garbled reply); the session's message names the proxy.
///
/// @param h the session.
/// @param proxy_url the proxy as above (UTF-8, copied), or NULL for direct connections
///        (the default).
/// @return FTP_OK, FTP_E_INVALID for a string that is not such a proxy URL (unknown
///         scheme, bad port, a path, a SOCKS5 user name or password over 255 bytes;
///         the setting is then unchanged), or one of the general errors (see the top of
///         this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_proxy(h: *mut ftp_session, proxy_url: *const c_char) -> ftp_result {
    call(h, |s| {
        let proxy = opt_text(proxy_url, "proxy_url")?.map(crate::Proxy::parse).transpose()?;
        s.ftp.set_proxy(proxy);
        Ok(())
    })
}

/// The welcome reply of the current connection (ftplib's getwelcome), all its lines
/// joined by '\n', converted as for ftp_session_last_reply_text().
///
/// @param h the session.
/// @return the text, owned by the session and valid until the next call on it; NULL if
///         not connected, or if h is NULL, in use by another thread or the call comes
///         from one of its callbacks.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_getwelcome(h: *const ftp_session) -> *const c_char {
    inspect(h, std::ptr::null(), |s| match s.ftp.welcome() {
        Some(r) => Strings::keep(&mut s.strings.welcome, c_string(r.text())),
        None => std::ptr::null(),
    })
}

/// Logs in (ftplib's FTP.login): USER, then PASS if the server asks (3xx), then ACCT if
/// it asks again. In a TLS mode nothing is sent unless the control connection is
/// encrypted (AUTH TLS first if needed, like FTP_TLS.login), and a login over TLS is
/// followed by PBSZ 0 + PROT P unless the TLS configuration turns that off. Then FEAT
/// and, where offered, OPTS UTF8 ON (see ftp_set_feat_after_login()): a refusal of
/// either leaves the login standing, but a 421 to them is FTP_E_TEMP.
///
/// @param h the session.
/// @param user user name, or NULL or "" for "anonymous".
/// @param passwd password, or NULL for ""; for anonymous, "" and "-" become
///        "anonymous@" and "-anonymous@" as in ftplib.
/// @param acct account for servers that answer 332, or NULL.
/// @return FTP_OK; FTP_E_PERM (530 login incorrect); FTP_E_TEMP (e.g. 421); FTP_E_REPLY
///         (a final reply that is not 2xx); FTP_E_INVALID (CR/LF/NUL, not UTF-8);
///         FTP_E_STATE if not connected, the connection is unusable or a transfer is
///         open; FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED/FTP_E_PROTO for connection failures;
///         in a TLS mode, the errors of ftp_auth() and ftp_prot_p(), and
///         FTP_E_TLS_REQUIRED after ftp_ccc() (and the general errors, see the top of
///         this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_login(
    h: *mut ftp_session,
    user: *const c_char,
    passwd: *const c_char,
    acct: *const c_char,
) -> ftp_result {
    call(h, |s| {
        let user = opt_text(user, "user")?;
        let passwd = opt_text(passwd, "passwd")?;
        let acct = opt_text(acct, "acct")?;
        s.ftp.login(user, passwd, acct)?;
        Ok(())
    })
}

/// Sets the protocol trace level (ftplib's set_debuglevel): 0 off, 1 one line per
/// command and per reply, 2 every line in both directions. Passwords are masked. The
/// trace goes to the callback set with ftp_set_log_callback(), or to stderr.
///
/// @param h the session.
/// @param level 0, 1 or 2 (larger values mean 2).
/// @return FTP_OK; FTP_E_INVALID for a negative level (and the general errors, see the
///         top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_debuglevel(h: *mut ftp_session, level: c_int) -> ftp_result {
    call(h, |s| {
        if level < 0 {
            return Err(Error::Invalid(format!("debug level {level} is negative")).into());
        }
        s.ftp.set_debuglevel(level.min(2) as u8);
        Ok(())
    })
}

/// Sends the protocol trace to `cb` instead of stderr (NULL restores stderr). The
/// callback runs on the thread making the call that produced the line, and stays set
/// across connections until replaced.
///
/// @param h the session.
/// @param cb the callback, or NULL.
/// @param userdata passed back to cb as its first argument; must stay valid while cb is
///        set.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_log_callback(h: *mut ftp_session, cb: ftp_log_cb, userdata: *mut c_void) -> ftp_result {
    call(h, |s| {
        let ud = UserData(userdata);
        let sink = cb.map(|f| {
            Box::new(move |kind: LogKind, line: &str| {
                let ud = ud;
                let kind = match kind {
                    LogKind::Cmd => ftp_log_kind::FTP_LOG_CMD,
                    LogKind::Resp => ftp_log_kind::FTP_LOG_RESP,
                    LogKind::Put => ftp_log_kind::FTP_LOG_PUT,
                    LogKind::Get => ftp_log_kind::FTP_LOG_GET,
                };
                let line = c_string(line);
                // SAFETY: `f` is the caller's callback, called with its own userdata and a
                // NUL-terminated string that lives for the call.
                unsafe { f(ud.0, kind, line.as_ptr()) }
            }) as Box<dyn FnMut(LogKind, &str) + Send>
        });
        s.ftp.set_log_sink(sink);
        Ok(())
    })
}

/// Sends a command and reads its reply (ftplib's sendcmd). The reply is available
/// through ftp_session_last_reply_code() and ftp_session_last_reply_text(). A 426 to a
/// command that opens no transfer (not RETR, STOR, STOU, APPE, LIST, NLST, MLSD, ABOR)
/// is a late reply for a transfer aborted before: it is dropped (logged at level 1)
/// and the command's own reply read.
///
/// @param h the session.
/// @param cmd the command line without CRLF (bytes as given; CR, LF, NUL refused before sending).
/// @return FTP_OK for a 1xx-3xx reply; FTP_E_TEMP for 4xx; FTP_E_PERM for 5xx;
///         FTP_E_PROTO for a malformed reply or a code outside 1xx-5xx; FTP_E_INVALID;
///         FTP_E_NULL if cmd is NULL; FTP_E_STATE if not connected, the connection is
///         unusable or a transfer is open; FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED for
///         connection failures (and the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_sendcmd(h: *mut ftp_session, cmd: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.sendcmd(bytes(cmd, "cmd")?)?;
        Ok(())
    })
}

/// Like ftp_sendcmd(), but any reply other than 2xx is an error (ftplib's voidcmd).
///
/// @param h the session.
/// @param cmd the command line without CRLF (bytes as given; CR, LF, NUL refused before sending).
/// @return as ftp_sendcmd(), and FTP_E_REPLY for a 1xx or 3xx reply.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_voidcmd(h: *mut ftp_session, cmd: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.voidcmd(bytes(cmd, "cmd")?)?;
        Ok(())
    })
}

/// Reads the reply that ends a transfer started with ftp_transfercmd() (ftplib's
/// voidresp): call it after ftp_data_free(). It waits for a reply even when no transfer
/// is open.
///
/// @param h the session.
/// @return FTP_OK for 2xx; FTP_E_TEMP for 4xx (e.g. 426 transfer aborted); FTP_E_PERM
///         for 5xx; FTP_E_REPLY for 1xx/3xx; FTP_E_PROTO for a malformed reply or a code
///         outside 1xx-5xx; FTP_E_STATE if not connected or the connection is unusable;
///         FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED for connection failures (and the general
///         errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_voidresp(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.voidresp()?;
        Ok(())
    })
}

/// Aborts a transfer in progress (ftplib's abort): sends ABOR (a plain line since 1.1,
/// as ftplib sends it; 1.0 sent Telnet IP and Synch as urgent data first, which
/// ftp_set_abort_urgent() brings back), then reads the reply. Accepted: 225 or 226; or 426 or 451 (the
/// transfer's failure) usually followed by 225/226: NOOP is sent and replies are read up
/// to its 200, so a server that sends nothing more is not waited for. With a data
/// connection from ftp_transfercmd() open, a 225/226 is followed by the same NOOP step,
/// which skips replies queued before the ABOR reply, so the session stays in step. With
/// a transfer open, the transfer's own failure under another code (ftp-srv: "551 write
/// ECONNRESET") ends it too. The 225/226 (else the transfer's failure) is kept as the
/// last reply; an ABOR reply that comes only after the NOOP's 200 (ftp-srv answers
/// commands out of order) is dropped when the next command reads it.
///
/// Unlike ftplib, the open data connection is also reset (its ftp_data handle then reads
/// end-of-file; still free it with ftp_data_free()). Servers that only look for ABOR
/// between writes, vsftpd by default among them, otherwise stay blocked on a full socket
/// and never answer. It also wakes a thread blocked in ftp_data_read(): the session is
/// not in use while its data connection is read, so another thread may call ftp_abort().
///
/// @param h the session.
/// @return FTP_OK; FTP_E_PROTO if the reply is not one of those, or NOOP gets no 200
///         within 8 replies; FTP_E_TEMP if the server answers 421 (closing);
///         FTP_E_STATE if not connected or the connection is unusable;
///         FTP_E_CLOSED/FTP_E_TIMEOUT/FTP_E_IO for connection failures; FTP_E_RECURSIVE
///         from inside one of the session's callbacks (return non-zero from it instead);
///         FTP_E_BUSY from another thread while a call on the session runs (and the
///         general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_abort(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.abort()?;
        Ok(())
    })
}

/// Chooses passive (true, the default) or active mode for later transfers (ftplib's
/// set_pasv). Passive: EPSV, and PASV if the server refuses EPSV on IPv4. Active: the
/// library listens on the control connection's local address and sends PORT (IPv4) or
/// EPRT (IPv6); only the server's address may connect.
///
/// @param h the session.
/// @param passive true for passive mode, false for active mode.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_pasv(h: *mut ftp_session, passive: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_pasv(passive);
        Ok(())
    })
}

/// Whether to connect to the address a PASV (227) reply names (ftplib's
/// trust_server_pasv_ipv4_address). Off by default: the control connection's peer
/// address is used with the port from the reply, so a hostile server cannot point
/// the data connection at another host.
///
/// @param h the session.
/// @param trust true to use the address in the 227 reply, false (the default) to use
///        the control connection's peer address.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_trust_server_pasv_ipv4_address(h: *mut ftp_session, trust: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_trust_pasv_host(trust);
        Ok(())
    })
}

/// Sends QUIT and closes the connection, even when QUIT fails (ftplib's quit).
///
/// @param h the session.
/// @return FTP_OK; FTP_E_STATE if not connected (or the connection is unusable);
///         FTP_E_REPLY for a 1xx/3xx reply; FTP_E_TEMP/FTP_E_PERM for 4xx/5xx;
///         FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED/FTP_E_PROTO for connection failures (and
///         the general errors, see the top of this header). The connection is closed
///         whatever the result.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_quit(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.quit()?;
        Ok(())
    })
}

/// Closes the connection without sending anything (ftplib's close). The session keeps
/// its settings and can ftp_connect() again. Closing a closed session is FTP_OK.
///
/// @param h the session.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_close(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.close();
        Ok(())
    })
}

/// The code of the last reply read from the server (e.g. 226), kept across
/// ftp_close() until another reply is read or ftp_connect() starts a new connection.
/// After a call that failed without a reply from the server (a local file that cannot
/// be opened, an invalid argument, a timeout, a lost connection), 0 ("no reply") until
/// the next reply is read, never an earlier call's reply (since 1.1; 1.0 kept showing
/// it). So 0 after a failure means the server did not answer that call: see
/// ftp_session_last_error() for why it failed.
/// Where a refused TYPE went out with the command after it (pipelining), the call
/// failed on TYPE's reply, and this is its code, though the other reply came later.
/// Works on a session made unusable by FTP_E_PANIC.
///
/// @param h the session.
/// A session's getters take one thread at a time, as its calls do (the session holds
/// callbacks that may not be shared between threads): two threads reading the same
/// session at once may get 0 or NULL.
///
/// @return the code; 0 if no reply yet, or if h is NULL, in use by another thread
///         (another getter included), being freed, or the call comes from one of its
///         callbacks.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_last_reply_code(h: *const ftp_session) -> c_int {
    inspect(h, 0, |s| s.last_reply().map_or(0, |r| c_int::from(r.code)))
}

/// The text of the last reply read, all lines joined by '\n' with their codes (like
/// ftplib's reply strings). "" when ftp_session_last_reply_code() is 0. Invalid UTF-8 from the server appears as U+FFFD, NUL bytes
/// as '?'. Works on a session made unusable by FTP_E_PANIC.
///
/// @param h the session.
/// @return owned by the session, valid until the next call on it (or ftp_free()); ""
///         if no reply yet; NULL if h is NULL, in use by another thread (another getter
///         included), being freed, or the call comes from one of its callbacks.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_last_reply_text(h: *const ftp_session) -> *const c_char {
    inspect(h, std::ptr::null(), |s| {
        let text = s.last_reply().map(|r| r.text()).unwrap_or_default();
        Strings::keep(&mut s.strings.reply_text, c_string(text))
    })
}

/// A message saying what the last call on this session failed on, with the details
/// ("PASV reply has 7 fields, expected 6: ..."); "" if it succeeded. When the server
/// refused something, the command comes first, a password masked: "RETR x: server
/// replied 550 No such file." Calls refused with
/// FTP_E_NULL (h itself NULL), FTP_E_BUSY or FTP_E_RECURSIVE on h, and the getters,
/// leave it unchanged; FTP_E_BUSY for another object the call reads (the TLS
/// configuration of ftp_set_tls(), the URL of ftp_connect_url()) is recorded, naming it. After FTP_E_PANIC it describes the panic and stays so.
///
/// @param h the session.
/// @return owned by the session, valid until the next call on it (and during that call,
///         so it may be passed to it as an argument) or ftp_free(); NULL if h is NULL,
///         in use by another thread (another getter included), being freed, or the call
///         comes from one of its callbacks.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_last_error(h: *const ftp_session) -> *const c_char {
    handle::last_error_exclusive(h)
}

/// Pass to ftp_set_timeouts() to follow the timeout_ms given to ftp_connect().
pub const FTP_TIMEOUT_DEFAULT: i64 = -1;

/// A timeout argument in milliseconds: FTP_TIMEOUT_DEFAULT, 0 (none) or positive.
fn timeout_arg(ms: i64, name: &str) -> Result<Option<Option<Duration>>, Failure> {
    match ms {
        FTP_TIMEOUT_DEFAULT => Ok(None),
        0 => Ok(Some(None)),
        ms if ms > 0 => Ok(Some(Some(Duration::from_millis(ms as u64)))),
        _ => Err(Failure::Core(Error::Invalid(format!(
            "{name} {ms} is negative (FTP_TIMEOUT_DEFAULT, -1, follows ftp_connect)"
        )))),
    }
}

/// Sets the three timeouts separately, for the current connection and later ones.
/// Each is in milliseconds: 0 means none (block), FTP_TIMEOUT_DEFAULT means the
/// timeout_ms given to ftp_connect() (the initial setting of all three).
///
/// @param h the session.
/// @param connect_ms establishing control and data connections, and waiting for the
///        server's connection in active mode.
/// @param reply_ms how long the server may take to send a whole reply, however slowly
///        its bytes come (ftplib's timeout bounds each read instead); also bounds each
///        write of a command and the control connection's TLS handshake as a whole.
/// @param data_ms each read or write on a data connection: how long a transfer may
///        stall before it fails with FTP_E_TIMEOUT (and is aborted); also bounds a data
///        connection's TLS handshake as a whole.
/// @return FTP_OK; FTP_E_INVALID for a negative value other than FTP_TIMEOUT_DEFAULT
///         (and the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_timeouts(h: *mut ftp_session, connect_ms: i64, reply_ms: i64, data_ms: i64) -> ftp_result {
    call(h, |s| {
        let t = crate::Timeouts {
            connect: timeout_arg(connect_ms, "connect_ms")?,
            reply: timeout_arg(reply_ms, "reply_ms")?,
            data: timeout_arg(data_ms, "data_ms")?,
        };
        s.ftp.set_timeouts(t)?;
        Ok(())
    })
}

/// Turns TCP keep-alive on (or off) for later control and data connections: probes
/// after `idle_s` seconds without traffic, then every `interval_s` seconds, so that a
/// NAT box or firewall does not drop the control connection while a long transfer
/// keeps it silent. To keep an idle session open on the server's side too (servers
/// time out idle sessions, often after 300 s), send ftp_noop() every minute or so.
///
/// @param h the session.
/// @param on true to enable, false (the default) to leave it off.
/// @param idle_s seconds of silence before the first probe (1 to 32767 when on).
/// @param interval_s seconds between probes (1 to 32767 when on).
/// @return FTP_OK; FTP_E_INVALID for idle_s or interval_s outside 1 to 32767 when on
///         (and the general errors).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_keepalive(h: *mut ftp_session, on: bool, idle_s: u32, interval_s: u32) -> ftp_result {
    // Linux refuses TCP_KEEPIDLE and TCP_KEEPINTVL above this: refused here rather
    // than by the next ftp_connect().
    const MAX_KEEPALIVE_S: u32 = 32767;
    call(h, |s| {
        if on && !((1..=MAX_KEEPALIVE_S).contains(&idle_s) && (1..=MAX_KEEPALIVE_S).contains(&interval_s)) {
            return Err(Failure::Core(Error::Invalid(format!(
                "keep-alive idle and interval must be 1 to {MAX_KEEPALIVE_S} seconds"
            ))));
        }
        let k = on.then(|| crate::Keepalive {
            idle: Duration::from_secs(u64::from(idle_s)),
            interval: Duration::from_secs(u64::from(interval_s)),
        });
        s.ftp.set_keepalive(k);
        Ok(())
    })
}

/// The address to announce in active mode (PORT for IPv4, EPRT for IPv6) instead of the
/// control connection's local address, for a client behind NAT whose router forwards
/// the data ports to it. The listener still binds the local address, and only the
/// server may connect to it.
///
/// @param h the session.
/// @param address an IPv4 or IPv6 address (text), or NULL to announce the local address
///        again (the default).
/// @return FTP_OK; FTP_E_INVALID if address is not an IP address (and the general
///         errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_active_address(h: *mut ftp_session, address: *const c_char) -> ftp_result {
    call(h, |s| {
        let ip = match opt_text(address, "address")? {
            Some(a) => Some(
                a.parse::<IpAddr>()
                    .map_err(|_| Failure::Core(Error::Invalid(format!("address {a:?} is not an IP address"))))?,
            ),
            None => None,
        };
        s.ftp.set_active_address(ip);
        Ok(())
    })
}
