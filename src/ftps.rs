//! FTPS on a session (ftplib's `FTP_TLS`): AUTH, PBSZ/PROT, CCC, the TLS mode and
//! settings, and protecting data connections. The TLS machinery itself is in `tls.rs`.

use crate::error::{Error, Result, TlsFailure};
use crate::reply::Reply;
use crate::session::{Connection, Ftp, is_reply_error};
use crate::stream::Stream;
use crate::tls::{DataHandshake, TlsConfig, TlsContext, TlsMode};
use std::net::TcpStream;
use std::time::Duration;

/// How long past twice the data handshake's time a server that declined the session
/// offered has to close the connection to count as refusing it.
const REFUSAL_SLACK: Duration = Duration::from_millis(20);

impl Ftp {
    /// Chooses plain FTP, explicit or implicit FTPS, and the TLS settings, for the next
    /// `connect` (`auth` uses the settings at once, and `login` on a connection still in
    /// clear text runs AUTH first).
    pub fn set_tls(&mut self, mode: TlsMode, config: TlsConfig) {
        self.opts.tls_mode = mode;
        self.opts.tls = config;
    }

    /// This connection's TLS context, built on first use.
    pub(crate) fn tls_context(&mut self) -> Result<&TlsContext> {
        if self.conn.tls.is_none() {
            self.conn.tls = Some(TlsContext::new(&self.opts.tls, &self.host)?);
        }
        Ok(self.conn.tls.as_ref().expect("set above"))
    }

    /// Secures the control connection (ftplib's `auth`): `AUTH TLS` (and `AUTH SSL` if
    /// the settings allow the fallback and TLS was refused), then the handshake. A
    /// refusal is `TlsFailure::Required`; the connection stays usable in clear text.
    pub fn auth(&mut self) -> Result<Reply> {
        self.idle()?;
        self.ctrl.check_usable()?;
        if self.ctrl.is_tls() {
            return Err(Error::State("the control connection already uses TLS".into()));
        }
        // Built afresh: the settings may have changed since an earlier, refused AUTH.
        // The one it replaces is kept for a refusal: after CCC it is what says this
        // connection had TLS, which keeps the next login from going in clear text.
        let had = self.conn.tls.replace(TlsContext::new(&self.opts.tls, &self.host)?);
        let mut res = self.ctrl.command("AUTH TLS");
        if self.opts.tls.auth_ssl_fallback() && matches!(res, Err(Error::Perm(_))) {
            res = self.ctrl.command("AUTH SSL");
        }
        let refused = match res {
            // 334 is what some old servers answer to AUTH SSL.
            Ok(r) if r.code == 234 || r.code == 334 => Ok(r),
            Ok(r) => Err(Error::tls(TlsFailure::Required, format!("the server did not accept AUTH TLS: {r}"))),
            Err(e) if is_reply_error(&e) => {
                let r = e.reply().map(ToString::to_string).unwrap_or_default();
                Err(Error::tls(TlsFailure::Required, format!("the server refused AUTH TLS: {r}")))
            }
            Err(e) => Err(e),
        };
        let r = match refused {
            Ok(r) => r,
            Err(e) => {
                // `tls` set means the connection had TLS: as it was before this AUTH.
                self.conn.tls = had;
                return Err(e);
            }
        };
        let Ftp { ctrl, conn: Connection { tls, .. }, .. } = self;
        let ctx = tls.as_ref().expect("built above");
        if let Err(e) = ctrl.start_tls(|tcp| ctx.connect_control(tcp)) {
            self.close();
            return Err(e);
        }
        Ok(r)
    }

    /// Makes sure no credentials go out in clear text when TLS was asked for: refuses a
    /// server that says it logged us in (230) before TLS, and runs AUTH otherwise.
    pub(crate) fn secure_before_login(&mut self, welcome: &Reply) -> Result<()> {
        if self.ctrl.is_tls() {
            return Ok(());
        }
        if self.conn.tls.is_some() {
            return Err(Error::tls(
                TlsFailure::Required,
                "the control connection is in clear text after CCC; log in before CCC",
            ));
        }
        if welcome.code == 230 {
            return Err(Error::tls(
                TlsFailure::Required,
                format!("the server claims a login (230) before TLS was set up: {welcome}"),
            ));
        }
        self.auth().map(|_| ())
    }

    /// Turns data protection on (ftplib's `prot_p`): `PBSZ 0`, then `PROT P`. Needs a
    /// control connection that went through TLS.
    pub fn prot_p(&mut self) -> Result<Reply> {
        if self.conn.tls.is_none() {
            return Err(Error::State("PROT P needs TLS on the control connection first (AUTH)".into()));
        }
        self.voidcmd("PBSZ 0")?;
        let r = self.voidcmd("PROT P")?;
        self.conn.prot_p = true;
        Ok(r)
    }

    /// Turns data protection off (ftplib's `prot_c`): `PROT C`.
    pub fn prot_c(&mut self) -> Result<Reply> {
        let r = self.voidcmd("PROT C")?;
        self.conn.prot_p = false;
        Ok(r)
    }

    /// Clears the control channel (ftplib's `ccc`): `CCC`, then a full TLS shutdown;
    /// later commands go in clear text (data protection is unchanged).
    pub fn ccc(&mut self) -> Result<Reply> {
        if !self.ctrl.is_tls() {
            return Err(Error::State("the control connection does not use TLS".into()));
        }
        let r = self.voidcmd("CCC")?;
        self.ctrl.end_tls()?;
        Ok(r)
    }

    /// True while PROT P is in force.
    pub fn is_data_protected(&self) -> bool {
        self.conn.prot_p
    }

    /// The control connection's TLS version (e.g. "TLSv1.3") and cipher, when it uses TLS.
    pub fn tls_info(&self) -> Option<(&'static str, Option<&'static str>)> {
        self.ctrl.tls_info()
    }

    /// Whether the last TLS data connection resumed the control connection's session
    /// (None before the first one).
    pub fn data_session_resumed(&self) -> Option<bool> {
        self.conn.data_resumed
    }

    /// Starts the TLS handshake on a passive data connection right after the transfer
    /// command went out, and runs it until the command's reply comes. RFC 4217 leaves
    /// the order open: ftp-srv sends its 1xx only once the handshake is done (a client
    /// that waits for the 1xx first, as curl does, gets 425 after five seconds), while
    /// vsftpd starts its side only after its 1xx. None without PROT P. Never an error:
    /// a failure shows in `protect`, after the reply was read, so the replies stay in
    /// step; a refused transfer hands its handshake to `drop_data_tls`.
    pub(crate) fn early_data_tls(&mut self, tcp: &TcpStream) -> Option<DataHandshake> {
        if !self.conn.prot_p {
            return None;
        }
        let Ftp { ctrl, conn, .. } = self;
        let Some(ctx) = conn.tls.as_ref() else {
            return Some(DataHandshake::failed(Error::State("PROT P without a TLS context".into())));
        };
        let mut hs = match tcp.try_clone() {
            Ok(dup) => ctx.begin_data(dup),
            Err(e) => return Some(DataHandshake::failed(Error::io("data connection", e))),
        };
        if let Ok(stream) = ctrl.stream() {
            ctx.advance_data(&mut hs, stream, || ctrl.has_buffered_reply());
        }
        Some(hs)
    }

    /// Ends an `early_data_tls` handshake whose transfer the server refused.
    pub(crate) fn drop_data_tls(&self, early: Option<DataHandshake>) {
        if let (Some(hs), Some(ctx)) = (early, self.conn.tls.as_ref()) {
            ctx.drop_data(hs);
        }
    }

    /// Wraps a new data connection in TLS when PROT P is in force. The flag is true when
    /// the server did not resume the session offered and then closed the connection at
    /// once: a server that requires reuse refusing the transfer (proftpd, once its TLS 1.3
    /// tickets, each good for one connection, ran out), or an empty file; the transfer's
    /// reply tells which.
    /// `early`: the handshake `early_data_tls` started on this connection, if any.
    pub(crate) fn protect(&mut self, tcp: TcpStream, early: Option<DataHandshake>) -> Result<(Stream, bool)> {
        if !self.conn.prot_p {
            return Ok((Stream::Plain(tcp), false));
        }
        let ctx = self.conn.tls.as_ref().ok_or_else(|| Error::State("PROT P without a TLS context".into()))?;
        let tls = match early {
            Some(hs) => ctx.finish_data(hs)?,
            None => ctx.connect_data(tcp)?,
        };
        self.conn.data_resumed = Some(tls.resumed);
        let mut stream = Stream::tls(tls.ssl);
        if !tls.offered || tls.resumed {
            return Ok((stream, false));
        }
        // The server decides right after its handshake, about a round trip after ours.
        let wait = tls.handshake_time * 2 + REFUSAL_SLACK;
        let closed = stream.closed_within(wait).map_err(|e| Error::io("TLS data connection", e))?;
        if closed {
            // Our end too: proftpd sends its refusal only once the connection is gone.
            let _ = stream.tcp().shutdown(std::net::Shutdown::Both);
        }
        Ok((stream, closed))
    }
}
