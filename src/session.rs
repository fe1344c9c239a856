//! `Ftp`: one FTP session, with Python ftplib's `FTP` methods. This file holds the
//! session's state, connecting (to a host or a URL), logging in, sending commands,
//! QUIT/close and ABOR. The other methods live by subject, in the modules above this
//! one: `commands.rs` (files and directories), `transfer.rs`, `files.rs`, `extended.rs`
//! (FEAT, MDTM, SITE...), `ftps.rs`, `data_setup.rs` (data connections), `opening.rs`
//! (reopening), `reconnect.rs`, `walk.rs`, `mirror/`. The session depends on none of
//! them (tests/checks/check-module-graph.py keeps the modules free of cycles).

use crate::control::{Control, LogSink, check_line};
use crate::error::{Error, ErrorKind, Result, TlsFailure};
use crate::features::Features;
use crate::interrupt::Interrupter;
use crate::net::{self, Keepalive};
use crate::options::{DEFAULT_PORT, Options, PassiveMode, Timeouts};
use crate::params::{Login, Target};
use crate::progress::{DEFAULT_PROGRESS_INTERVAL, ProgressSink};
use crate::reconnect_state::{Reconnect, Redo};
use crate::reply::Reply;
use crate::stream::Stream;
use crate::tls::{IMPLICIT_PORT, TlsContext, TlsMode};
use std::net::{IpAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The representation types transfers use (TYPE I and TYPE A); the session keeps the
/// one the server is in (`Connection::current_type`).
pub(crate) const TYPE_BINARY: &str = "I";
pub(crate) const TYPE_ASCII: &str = "A";

/// One FTP session (ftplib's `FTP` class).
pub struct Ftp {
    pub(crate) ctrl: Control,
    pub(crate) opts: Options,
    /// What holds for the current connection only: replaced whole when it closes.
    pub(crate) conn: Connection,
    /// The host name the caller connected to: the identity TLS certificates are checked
    /// against, for the control and every data connection.
    pub(crate) host: String,
    /// Receives progress reports during transfers.
    pub(crate) progress: Option<ProgressSink>,
    pub(crate) progress_interval: Duration,
    /// Lets another thread stop a blocked call.
    pub(crate) interrupter: Interrupter,
    /// The size the last transfer's 150 reply announced ("(N bytes)"), if any.
    pub(crate) announced: Option<u64>,
    /// The bytes the last transfer moved on its data connection, also when it failed.
    pub(crate) last_transfer_bytes: u64,
    /// The server and login of the last successful connect (and login): what `reopen`
    /// and a pool connect to. It outlives the connection, unlike `conn`.
    pub(crate) target: Option<Target>,
    /// Reconnecting after a dropped connection (off unless set), and what it restores.
    pub(crate) reconnect: Reconnect,
}

/// What a session knows of its current connection. `close` replaces it whole, so a
/// field added here cannot outlive the connection it describes.
#[derive(Default)]
pub(crate) struct Connection {
    pub(crate) welcome: Option<Reply>,
    /// EPSV was refused on this connection: go straight to PASV from now on.
    pub(crate) epsv_refused: bool,
    /// EPSV has worked on this connection: it may be pipelined with the transfer command.
    pub(crate) epsv_works: bool,
    /// An `OPTS MLST` (from `mlsd` or `sendcmd`) chose the facts MLSD lists: the
    /// parsed listings ask for every fact again before relying on them.
    pub(crate) mlst_facts_chosen: bool,
    /// The parsed listings have asked for the facts they read on this connection (or
    /// found them all on already).
    pub(crate) mlst_facts_asked: bool,
    /// A data connection handed to the caller (transfercmd) awaits its final reply.
    pub(crate) transfer: Option<OpenTransfer>,
    /// The TLS context of this connection, once TLS has started on it.
    pub(crate) tls: Option<TlsContext>,
    /// PROT P is in force: data connections use TLS.
    pub(crate) prot_p: bool,
    /// Whether the last TLS data connection resumed the control connection's session.
    pub(crate) data_resumed: Option<bool>,
    /// What FEAT said on this connection (fetched after login or on demand).
    pub(crate) features: Option<Features>,
    /// The representation type the server is known to be in ("A" or "I"): TYPE is sent
    /// only when a transfer needs another one. Forgotten on login and when the caller
    /// sends TYPE, REIN or USER itself, but for an accepted TYPE I or A.
    pub(crate) current_type: Option<&'static str>,
    /// The proxy this connection went through: its data connections go through it too.
    pub(crate) proxy: Option<crate::proxy::Proxy>,
    /// A raw USER, PASS, ACCT or REIN went out (`sendcmd`) and no `login` completed
    /// since: who the session is logged in as may not be its target's login.
    pub(crate) identity_changed: bool,
}

/// What the session keeps of a data connection it handed to the caller.
#[derive(Default)]
pub(crate) struct OpenTransfer {
    /// A second handle on the caller's socket, so `abort` can cut the connection.
    pub(crate) data: Option<TcpStream>,
    /// Shared with the caller's `DataConn`, which reads end-of-file once it is set.
    pub(crate) cut: Arc<AtomicBool>,
}

impl OpenTransfer {
    /// Resets the data connection under the caller's feet. A server that handles ABOR
    /// only between writes (vsftpd's default) stays blocked on a full socket otherwise,
    /// and ABOR is never answered; with the connection reset its write fails at once.
    /// A caller blocked reading the connection wakes with end-of-file (`mark_cut` first).
    fn cut(self) {
        if let Some(s) = self.data {
            net::reset(&s);
        }
    }

    /// Tells the caller's `DataConn` its connection is being cut: done before ABOR goes
    /// out, as a server may reset the connection on ABOR, and before `cut`.
    fn mark_cut(&self) {
        self.cut.store(true, Ordering::Release);
    }
}

impl Default for Ftp {
    fn default() -> Ftp {
        Ftp {
            ctrl: Control::default(),
            opts: Options::default(),
            conn: Connection::default(),
            host: String::new(),
            progress: None,
            progress_interval: DEFAULT_PROGRESS_INTERVAL,
            interrupter: Interrupter::default(),
            announced: None,
            last_transfer_bytes: 0,
            target: None,
            reconnect: Reconnect::default(),
        }
    }
}

impl Ftp {
    pub fn new() -> Ftp {
        Ftp::default()
    }

    /// The bytes the last transfer (the last data connection of a call) moved, also
    /// when it failed or was cancelled: how much of a download arrived (and was written)
    /// or of an upload was sent. A REST offset is not counted.
    pub fn last_transfer_bytes(&self) -> u64 {
        self.last_transfer_bytes
    }

    /// Reports transfer progress to `sink` (None: no reports), at most once per
    /// `interval` plus once at the end; the sink's `Flow::Break` cancels the transfer.
    pub fn set_progress(&mut self, sink: Option<ProgressSink>, interval: Duration) {
        self.progress = sink;
        self.progress_interval = interval;
    }

    /// A handle another thread can use to stop the transfer or wait this session is in.
    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// The options in force (passive mode, timeout, ...).
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Connects and reads the welcome (ftplib's `connect`). Port 0 means 21 (990 for
    /// implicit FTPS). Any previous connection is closed first. A 120 ("ready in n
    /// minutes") is followed by the 220. In explicit FTPS mode, AUTH TLS follows the
    /// welcome; in implicit mode TLS starts before it.
    pub fn connect(
        &mut self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
        source: Option<IpAddr>,
    ) -> Result<Reply> {
        self.forget_connection();
        self.target = None;
        self.reconnect.at_home();
        self.reconnect.lost = false;
        check_line("host", host)?;
        self.opts.timeout = timeout;
        self.opts.source_address = source;
        let mode = self.opts.tls_mode;
        let port = match port {
            0 if mode == TlsMode::Implicit => IMPLICIT_PORT,
            0 => DEFAULT_PORT,
            p => p,
        };
        // The identity TLS checks: an address the resolver reads as a number, written
        // as one ("127.1" is 127.0.0.1; "fe80::1%eth0" is the address alone).
        self.host = net::numeric_host(host).map_or_else(|| host.to_string(), |ip| ip.to_string());
        let tcp = match &self.opts.proxy {
            Some(proxy) => proxy.connect(host, port, self.opts.connect_timeout(), source, self.opts.source_port)?,
            None => net::connect_host(host, port, self.opts.connect_timeout(), source, self.opts.source_port)?,
        };
        self.conn.proxy = self.opts.proxy.clone();
        net::set_timeouts(&tcp, self.opts.reply_timeout()).map_err(|e| Error::io("control connection", e))?;
        net::set_keepalive(&tcp, self.opts.keepalive).map_err(|e| Error::io("control connection keep-alive", e))?;
        let stream = if mode == TlsMode::Implicit {
            Stream::tls(self.tls_context()?.connect_control(tcp)?)
        } else {
            Stream::Plain(tcp)
        };
        self.ctrl.attach(stream)?;
        self.interrupter.set_control(self.ctrl.stream().ok());
        let welcome =
            self.ctrl.get_response().and_then(|r| if r.code == 120 { self.ctrl.get_response() } else { Ok(r) });
        match welcome {
            Ok(r) if r.class() == 2 => {
                self.conn.welcome = Some(r.clone());
                if mode == TlsMode::Explicit {
                    if let Err(e) = self.secure_before_login(&r) {
                        self.close();
                        return Err(e);
                    }
                }
                self.target = Some(Target { host: host.to_string(), port, tls_mode: mode, login: None });
                Ok(r)
            }
            Ok(r) => {
                self.close();
                Err(Error::Reply(r))
            }
            Err(e) => {
                self.close();
                Err(e)
            }
        }
    }

    /// The welcome reply of the current connection (ftplib's `getwelcome`).
    pub fn welcome(&self) -> Option<&Reply> {
        self.conn.welcome.as_ref()
    }

    pub fn is_connected(&self) -> bool {
        self.ctrl.is_connected()
    }

    /// Connected, in step with the server, and between commands: no data connection
    /// handed out awaits its reply and no reply is held back. A session that is not
    /// usable needs a new connection (a pool discards it). Nor is one with commands
    /// sent ahead of a transfer's end (a mirror's download or order probe) unanswered.
    pub fn is_usable(&self) -> bool {
        self.ctrl.is_usable()
            && self.conn.transfer.is_none()
            && !self.ctrl.has_buffered_reply()
            && !self.ctrl.has_ahead()
    }

    /// Whether the session is known to be in the directory its login put it in: no
    /// CWD or CDUP (nor PWD) since, so a new session of the same login is there too.
    pub(crate) fn at_login_dir(&self) -> bool {
        self.reconnect.cwd.as_ref().is_some_and(Vec::is_empty)
    }

    /// `is_usable`, or in step with a download sent ahead whose replies are due (and
    /// may have come): usable by the download that takes them (`send_next_ahead`).
    pub(crate) fn in_step(&self) -> bool {
        match self.ctrl.ahead() {
            Some(_) => self.ctrl.is_usable() && self.conn.transfer.is_none(),
            None => self.is_usable(),
        }
    }

    /// The last command sent (a password masked), to tell which command a reply answered.
    pub fn last_command(&self) -> Option<&str> {
        self.ctrl.last_command.as_deref()
    }

    /// Whether a raw USER, PASS, ACCT or REIN was sent (`sendcmd`) on this connection
    /// since its last completed `login`: the session may then be logged in as someone
    /// its target does not name (a pool does not keep such a session).
    pub fn identity_changed(&self) -> bool {
        self.conn.identity_changed
    }

    /// The last reply read (any class), if any.
    pub fn last_reply(&self) -> Option<&Reply> {
        self.ctrl.last_reply.as_ref()
    }

    /// How many replies the session has read so far (on any connection): a call that
    /// leaves it unchanged read none.
    pub(crate) fn replies_read(&self) -> u64 {
        self.ctrl.replies_read
    }

    /// Trace level: 0 off, 1 one line per command and reply, 2 every line both ways.
    pub fn set_debuglevel(&mut self, level: u8) {
        self.ctrl.log.level = level;
    }

    pub fn debuglevel(&self) -> u8 {
        self.ctrl.log.level
    }

    /// Where the trace goes (None: stderr). Passwords arrive masked.
    pub fn set_log_sink(&mut self, sink: Option<LogSink>) {
        self.ctrl.log.sink = sink;
    }

    /// The proxy the control and data connections go through from the next connect on
    /// (None: direct, the default). Only passive mode works through a proxy: a transfer
    /// in active mode on a proxied connection fails with `Error::State`. Each data
    /// connection goes through the proxy to the host given to `connect` (by name for
    /// `socks5h://` and `http://`, so the proxy resolves it again) at the port the
    /// server names. A connection already open keeps the proxy it was made with.
    pub fn set_proxy(&mut self, proxy: Option<crate::proxy::Proxy>) {
        self.opts.proxy = proxy;
    }

    /// Passive (true, the default) or active mode for later transfers.
    pub fn set_pasv(&mut self, passive: bool) {
        self.opts.passive = passive;
    }

    /// The local port the control connection is bound to from the next `connect` on, as
    /// the port of ftplib's `source_address=(host, port)` (0, the default: any). With
    /// no source address given to `connect`, the port is bound on the unspecified
    /// address of the server's family. Data connections never use it: a second
    /// connection from the same port to the server could not be told from the first
    /// (and ftplib, which binds its passive data connections to the same address and
    /// port, fails there with "address in use"), so they bind the source address alone,
    /// with a port of the system's choice. The port is bound with SO_REUSEADDR, so a
    /// connection to another server may follow a closed one at once; to the same
    /// server, after a connection this side closed first, the connect fails with an
    /// I/O error until TIME_WAIT (about a minute) has passed.
    pub fn set_source_port(&mut self, port: u16) {
        self.opts.source_port = port;
    }

    /// Which command asks for a passive port: EPSV then PASV (the default), PASV only
    /// or EPSV only. Applies from the next transfer on.
    pub fn set_passive_mode(&mut self, mode: PassiveMode) {
        self.opts.passive_mode = mode;
    }

    /// Whether ABOR on a plain connection goes after Telnet IP and Synch (urgent data,
    /// RFC 959 section 4.1.3) or as a plain `ABOR` line (false, the default). Over TLS it
    /// is always a plain line. Both forms were tried during downloads on vsftpd 3,
    /// proftpd 1.3, pure-ftpd 1.0 and pyftpdlib, plain and FTPS: every one answered
    /// both and stayed in step (the data connection is cut as ABOR goes out, so a server
    /// blocked writing notices it either way; pure-ftpd answers the urgent form with a
    /// 150 summary and no 226). A server that does not strip Telnet bytes takes the
    /// urgent form for an unknown command, or never answers it: the plain line is the
    /// safer default. ftplib sends no Telnet bytes either.
    pub fn set_abort_urgent(&mut self, urgent: bool) {
        self.opts.abort_urgent = urgent;
    }

    /// Whether a needed TYPE goes out in one write with the command after it (EPSV,
    /// PASV or SIZE) instead of waiting for its reply first (on by default).
    pub fn set_pipelining(&mut self, on: bool) {
        self.opts.pipelining = on;
    }

    /// Whether whole-file transfers over plain connections move bytes inside the
    /// kernel: downloads with splice (default on), uploads with sendfile (default:
    /// only to a server on another host; this sets it either way).
    pub fn set_zero_copy(&mut self, download: bool, upload: bool) {
        self.opts.zero_copy_download = download;
        self.opts.zero_copy_upload = Some(upload);
    }

    /// Whether TYPE is sent only when the server may be in another type (true, the
    /// default) or before every transfer, as ftplib does.
    pub fn set_type_caching(&mut self, on: bool) {
        self.opts.cache_type = on;
        self.conn.current_type = None;
    }

    /// Whether login is followed by FEAT and, when offered, OPTS UTF8 ON (the default).
    pub fn set_feat_after_login(&mut self, on: bool) {
        self.opts.feat_after_login = on;
    }

    /// The address to announce in active mode instead of the control connection's local
    /// one, for a client behind NAT that forwards the ports (None: the local address).
    pub fn set_active_address(&mut self, address: Option<IpAddr>) {
        self.opts.active_address = address;
    }

    /// Trust the host a 227 reply names (off by default: the control peer is used).
    pub fn set_trust_pasv_host(&mut self, trust: bool) {
        self.opts.trust_pasv_host = trust;
    }

    /// Changes the timeout of the current and later connections (the one `connect`
    /// takes; separate timeouts set with `set_timeouts` still win).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<()> {
        self.opts.timeout = timeout;
        self.apply_reply_timeout()
    }

    /// Sets the connect, reply and data timeouts separately (for the current and later
    /// connections).
    pub fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        self.opts.timeouts = timeouts;
        self.apply_reply_timeout()
    }

    fn apply_reply_timeout(&mut self) -> Result<()> {
        if self.ctrl.is_connected() { self.ctrl.set_timeout(self.opts.reply_timeout()) } else { Ok(()) }
    }

    /// TCP keep-alive probes on control and data connections after `idle` without
    /// traffic, every `interval` (None: off), so that NAT boxes and firewalls do not drop
    /// an idle control connection during a long transfer. Applies to later connections.
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        self.opts.keepalive = keepalive;
    }

    /// Refuses commands while a caller-held data connection awaits its final reply.
    pub(crate) fn idle(&self) -> Result<()> {
        if self.conn.transfer.is_some() {
            return Err(Error::State("a data transfer is open: finish it (voidresp) or abort it first".into()));
        }
        Ok(())
    }

    /// Sends a command and returns its reply; 4xx/5xx are errors (ftplib's `sendcmd`).
    /// With reconnecting on, it runs again on a new connection only when the lost one
    /// was found before the command went out.
    pub fn sendcmd(&mut self, cmd: impl AsRef<[u8]>) -> Result<Reply> {
        let cmd = cmd.as_ref();
        check_line("command", cmd)?;
        self.reconnecting(("", cmd), Redo::Unsent, |ftp| ftp.sendcmd_now(cmd))
    }

    /// `sendcmd` without reconnecting.
    pub(crate) fn sendcmd_now(&mut self, cmd: &[u8]) -> Result<Reply> {
        self.idle()?;
        let verb = cmd.split(|&b| b == b' ').next().unwrap_or_default();
        if [&b"TYPE"[..], b"REIN", b"USER"].iter().any(|v| verb.eq_ignore_ascii_case(v)) {
            self.conn.current_type = None;
        }
        if [&b"REIN"[..], b"USER"].iter().any(|v| verb.eq_ignore_ascii_case(v)) {
            self.reconnect.at_home();
        }
        if [&b"REIN"[..], b"USER", b"PASS", b"ACCT"].iter().any(|v| verb.eq_ignore_ascii_case(v)) {
            self.conn.identity_changed = true;
        }
        let r = self.ctrl.command(cmd)?;
        if r.class() == 2 {
            self.reconnect.note_cwd(cmd, None);
        }
        if r.class() == 2
            && verb.eq_ignore_ascii_case(b"OPTS")
            && cmd.get(5..9).is_some_and(|a| a.eq_ignore_ascii_case(b"MLST"))
        {
            self.conn.mlst_facts_chosen = true;
        }
        // A plain TYPE I or TYPE A the server took is the type now, as if set here.
        if r.class() == 2 && verb.eq_ignore_ascii_case(b"TYPE") {
            self.conn.current_type = match cmd.to_ascii_uppercase().as_slice() {
                b"TYPE I" => Some(TYPE_BINARY),
                b"TYPE A" => Some(TYPE_ASCII),
                _ => None,
            };
        }
        Ok(r)
    }

    /// Sends `line` after making sure the server is in representation type `ty`: TYPE
    /// goes first when the server may be in another, in the same write when pipelining
    /// is on (both replies are then read, in order, whatever the first says). The outer
    /// error is TYPE's (or the connection's); the inner result is `line`'s reply,
    /// classified as `Control::command` does. Each reply is matched to its command: a
    /// duplicated, late or unsolicited reply that cannot answer TYPE is dropped
    /// (`Control::get_answer`); one that cannot answer `line` is resolved with a NOOP
    /// (`Control::get_answer_resync`). None is ever taken for the next command's answer.
    pub(crate) fn typed_command(&mut self, ty: Option<&'static str>, line: &[u8]) -> Result<Result<Reply>> {
        self.typed_command_within(ty, line, None)
    }

    /// `typed_command`, waiting at most `patience` for `line`'s reply to start: if none
    /// has come by then, the inner result is `Error::Timeout` and the connection stays
    /// usable, `line`'s reply still due (a caller going on must match replies to
    /// commands so that it is never taken for a later command's answer).
    pub(crate) fn typed_command_within(
        &mut self,
        ty: Option<&'static str>,
        line: &[u8],
        patience: Option<Duration>,
    ) -> Result<Result<Reply>> {
        let verb = crate::control::verb_of(line);
        let Some(ty) = ty.filter(|&t| !self.opts.cache_type || self.conn.current_type != Some(t)) else {
            self.ctrl.send_fresh(&[line])?;
            return self.answer_within(verb, patience);
        };
        self.conn.current_type = None;
        let type_line = format!("TYPE {ty}");
        if !self.opts.pipelining {
            self.voidcmd(&type_line)?;
            self.conn.current_type = Some(ty);
            self.ctrl.send_fresh(&[line])?;
            return self.answer_within(verb, patience);
        }
        self.ctrl.send_fresh(&[type_line.as_bytes(), line])?;
        let refused = match self.ctrl.get_answer(b"TYPE") {
            Ok(r) if r.class() == 2 => None,
            Ok(r) => Some(Error::Reply(r)),
            // A refusal, or a well-formed reply of no known class (the connection is
            // still in step): `line`'s reply comes all the same.
            Err(e) if is_reply_error(&e) || self.ctrl.is_usable() => Some(e),
            Err(e) => return Err(e),
        };
        if let Some(e) = refused {
            // `line`'s reply is read only to keep the replies in step: the failure, and
            // the command and reply reported with it, are TYPE's.
            let _ = self.ctrl.get_answer_resync(verb);
            self.ctrl.last_command = Some(type_line);
            if let Some(r) = e.reply() {
                self.ctrl.last_reply = Some(r.clone());
            }
            return Err(e);
        }
        let reply = self.answer_within(verb, patience)?;
        self.conn.current_type = Some(ty);
        Ok(reply)
    }

    /// The answer to `verb`, just sent: see `typed_command_within` for `patience`.
    fn answer_within(&mut self, verb: &[u8], patience: Option<Duration>) -> Result<Result<Reply>> {
        if let Some(wait) = patience {
            if !self.ctrl.reply_within(wait)? {
                let shown = String::from_utf8_lossy(verb);
                return Ok(Err(Error::Timeout(format!("no reply to {shown} within {} ms", wait.as_millis()))));
            }
        }
        Ok(self.ctrl.get_answer_resync(verb))
    }

    /// Makes sure the server is in representation type `ty` (TYPE only when needed).
    pub(crate) fn set_type(&mut self, ty: &'static str) -> Result<()> {
        if !self.opts.cache_type || self.conn.current_type != Some(ty) {
            self.conn.current_type = None;
            self.voidcmd(format!("TYPE {ty}"))?;
            self.conn.current_type = Some(ty);
        }
        Ok(())
    }

    /// Like `sendcmd`, but anything other than 2xx is an error (ftplib's `voidcmd`).
    pub fn voidcmd(&mut self, cmd: impl AsRef<[u8]>) -> Result<Reply> {
        let r = self.sendcmd(cmd)?;
        if r.class() != 2 {
            return Err(Error::Reply(r));
        }
        Ok(r)
    }

    /// Reads the reply that ends a transfer (ftplib's `voidresp`): 2xx or an error.
    pub fn voidresp(&mut self) -> Result<Reply> {
        self.conn.transfer = None;
        self.interrupter.set_data(None);
        let r = self.ctrl.get_transfer_end()?;
        if r.class() != 2 {
            return Err(Error::Reply(r));
        }
        Ok(r)
    }

    /// Logs in (ftplib's `login`): USER, then PASS on 3xx, then ACCT on 3xx.
    /// User defaults to "anonymous"; the anonymous password defaults to "anonymous@"
    /// (and "-" becomes "-anonymous@", as in ftplib).
    ///
    /// With TLS asked for (explicit or implicit mode), nothing is sent unless the control
    /// connection is encrypted: AUTH TLS first if it is not yet. After a login over TLS,
    /// PBSZ 0 and PROT P follow unless the TLS settings turn data protection off.
    pub fn login(&mut self, user: Option<&str>, passwd: Option<&str>, acct: Option<&str>) -> Result<Reply> {
        self.without_reconnect(|ftp| ftp.login_now(user, passwd, acct))
    }

    fn login_now(&mut self, user: Option<&str>, passwd: Option<&str>, acct: Option<&str>) -> Result<Reply> {
        let (user, passwd) = Login::defaults(user, passwd);
        let acct = acct.unwrap_or("");
        check_line("user", &user)?;
        check_line("password", &passwd)?;
        check_line("account", acct)?;
        // A connection that had TLS (an ftps:// URL, then CCC) asked for it too.
        let after_ccc = self.conn.tls.is_some();
        if (self.opts.tls_mode != TlsMode::Off || after_ccc) && !self.ctrl.is_tls() {
            self.idle()?;
            let welcome = self.conn.welcome.clone().ok_or_else(|| Error::State("not connected".into()))?;
            if let Err(e) = self.secure_before_login(&welcome) {
                // A server that will not do TLS is left, as connect() leaves it. After
                // CCC the clear text was the caller's choice, and a local TLS setup
                // error is the caller's to fix: there only the login is refused.
                if !after_ccc && e.kind() == ErrorKind::Tls(TlsFailure::Required) {
                    self.close();
                }
                return Err(e);
            }
        }
        let mut r = self.sendcmd(format!("USER {user}"))?;
        if r.class() == 3 {
            r = self.sendcmd(format!("PASS {passwd}"))?;
        }
        if r.class() == 3 {
            r = self.sendcmd(format!("ACCT {acct}"))?;
        }
        if r.class() != 2 {
            return Err(Error::Reply(r));
        }
        if self.ctrl.is_tls() && self.opts.tls.protect_data() && !self.conn.prot_p {
            self.prot_p()?;
        }
        // Features may differ once logged in: ask again.
        self.conn.features = None;
        if self.opts.feat_after_login {
            self.after_login_features()?;
        }
        if let Some(t) = &mut self.target {
            let acct = Some(acct.to_string()).filter(|a| !a.is_empty());
            t.login = Some(Login { user, passwd, acct });
        }
        self.conn.identity_changed = false;
        // The login's reply stays the last one: it is what the caller asked for.
        self.ctrl.last_reply = Some(r.clone());
        Ok(r)
    }

    /// Sends QUIT and closes the connection whatever the answer (ftplib's `quit`).
    pub fn quit(&mut self) -> Result<Reply> {
        if !self.ctrl.is_connected() {
            return Err(Error::State("not connected".into()));
        }
        self.conn.transfer = None;
        self.reconnect.lost = false;
        let res = self.ctrl.command("QUIT").and_then(|r| if r.class() == 2 { Ok(r) } else { Err(Error::Reply(r)) });
        self.close();
        res
    }

    /// Closes the connection and forgets its last reply and command, which would only
    /// mislead once another connection starts (`connect` begins with this).
    pub fn forget_connection(&mut self) {
        self.close();
        self.ctrl.last_reply = None;
        self.ctrl.last_command = None;
    }

    /// Ends the session without waiting for the server: QUIT goes out, its reply is not
    /// read, and the connection (an open data connection with it) is closed. For a
    /// session dropped once its work is done, where the 221 would only cost a round trip.
    pub(crate) fn hang_up(&mut self) {
        if self.ctrl.is_connected() {
            let _ = self.ctrl.send("QUIT");
        }
        self.close();
    }

    /// Closes the connection without a word to the server (ftplib's `close`).
    pub fn close(&mut self) {
        self.reconnect.lost = false;
        self.ctrl.detach();
        self.interrupter.set_control(None);
        self.interrupter.set_data(None);
        self.conn = Connection::default();
    }

    /// Aborts a transfer (ftplib's `abort`): ABOR (after Telnet IP and Synch as urgent
    /// data on a plain connection if `set_abort_urgent` asked for it), then its reply: 225 or 226, or 426/451 (the
    /// transfer's failure) usually followed by 226. Some servers send nothing after the
    /// 426, so NOOP is sent to find the end without waiting for a reply that never comes.
    /// If a caller-held data connection was open, queued replies are skipped too. The
    /// reply returned (and kept as the last reply) is the 225/226, else the transfer's
    /// failure (426/451, or another 425-459/550-559 with a transfer open); see
    /// `abort_closing` for an ABOR reply that comes after the NOOP's.
    pub fn abort(&mut self) -> Result<Reply> {
        self.abort_closing(None)
    }

    /// `abort`, closing the library's own end of the data connection (`conn`) right
    /// after ABOR goes out: with every handle on the socket closed, the reset reaches a
    /// server blocked writing to it (proftpd), which then answers the ABOR.
    pub(crate) fn abort_closing(&mut self, conn: Option<crate::data::DataConn>) -> Result<Reply> {
        let open = self.conn.transfer.take();
        let was_open = open.is_some();
        if let Some(t) = &open {
            t.mark_cut();
        }
        let sent = self.ctrl.send_abort(self.opts.abort_urgent);
        if let Some(c) = conn {
            c.discard();
        }
        if let Some(t) = open {
            t.cut();
        }
        sent?;
        self.interrupter.set_data(None);
        let first = self.ctrl.read_reply()?;
        if first.code == 421 {
            // The server is closing (ftplib would call this a protocol error).
            self.ctrl.last_reply = Some(first.clone());
            return Err(self.ctrl.fail(Error::Temp(first)));
        }
        // With a transfer open its final reply may be queued too, whatever ABOR got.
        // pure-ftpd answers an ABOR during a download with only a 1xx summary
        // ("150 0.501 seconds ...") and no final reply: the NOOP settles it too.
        let preliminary = first.class() == 1;
        let end = if was_open || preliminary || matches!(first.code, 426 | 451) { self.resync()? } else { None };
        // The transfer's own failure may come under another code than 426/451 (ftp-srv:
        // "551 write ECONNRESET" once the data connection is reset): that ends the
        // transfer just as well. ABOR's own 225/226 may come after it, or, from ftp-srv,
        // only after the NOOP's 200; `Control::command` drops it then. A 50x is ABOR's
        // own refusal.
        let transfer_failed = was_open && matches!(first.code, 425..=459 | 550..=559);
        if !preliminary && !transfer_failed && !matches!(first.code, 225 | 226 | 426 | 451) {
            return Err(Error::Proto(format!("unexpected reply to ABOR: {first}")));
        }
        // With a transfer open, two replies are due (the transfer's, then ABOR's own);
        // if the NOOP's 200 came before a second one, ABOR's may still come (ftp-srv).
        if was_open && end.is_none() {
            self.ctrl.owe_abort_reply();
        }
        let r = end.unwrap_or(first);
        self.ctrl.last_reply = Some(r.clone());
        Ok(r)
    }

    /// Sends NOOP and skips replies until its 200: after an abort, the server may have
    /// queued a transfer's final reply before the ABOR reply, or not. Returns the last
    /// 225/226 skipped, which ends the aborted transfer.
    pub(crate) fn resync(&mut self) -> Result<Option<Reply>> {
        self.ctrl.send("NOOP")?;
        let mut end = None;
        for _ in 0..8 {
            let r = self.ctrl.read_reply()?;
            match r.code {
                200 => return Ok(end),
                // The server is closing: the session ends, as with the ABOR's own 421.
                421 => return Err(self.ctrl.fail(Error::Temp(r))),
                225 | 226 => end = Some(r),
                _ => {}
            }
        }
        Err(self.ctrl.fail(Error::Proto("no reply to NOOP after an aborted transfer".into())))
    }
}

/// True for errors that a reply (not the connection) caused.
pub(crate) fn is_reply_error(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Reply | ErrorKind::Temp | ErrorKind::Perm)
}

impl Ftp {
    /// Connects and logs in as a URL says: implicit TLS for `ftps://` (with the session's
    /// TLS settings), the session's own mode (plain or explicit FTPS) for `ftp://`; the
    /// URL's user and password, or anonymous. The path is left to the caller. An
    /// `ftps://` URL holds for this connection only: the session's mode is kept.
    pub fn connect_url(&mut self, url: &crate::url::FtpUrl, timeout: Option<Duration>) -> Result<Reply> {
        // As `connect`: even a refusal leaves no old connection for the next command.
        self.forget_connection();
        let mode = self.opts.tls_mode;
        if url.implicit_tls {
            self.opts.tls_mode = TlsMode::Implicit;
        } else if mode == TlsMode::Implicit {
            return Err(Error::Invalid("an ftp:// URL on a session set to implicit FTPS (use ftps://)".into()));
        }
        let r = self.connect(&url.host, url.port, timeout, self.opts.source_address).and_then(|_| {
            let r = self.login(url.user.as_deref(), url.password.as_deref(), None);
            if r.is_err() {
                self.close();
            }
            r
        });
        self.opts.tls_mode = mode;
        r
    }
}
