//! Setting up data connections for the session: passive (EPSV/PASV, pipelined with
//! the transfer command where that is safe) and active (PORT/EPRT, then accepting the
//! server's connection).

use crate::control::{AheadOrder, check_line};
use crate::error::{Error, Result};
use crate::net::{self, Ready};
use crate::options::{FIRST_EPSV_WAIT, PassiveMode};
use crate::parse;
use crate::reply::Reply;
use crate::session::{Ftp, is_reply_error};
use crate::tls::DataHandshake;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// `addr` with another port; an IPv6 scope (a link-local server's interface) stays.
fn with_port(mut addr: SocketAddr, port: u16) -> SocketAddr {
    addr.set_port(port);
    addr
}

/// A data connection being set up: passive ones are connected before the command,
/// active ones wait for the server after it.
pub(crate) enum Pending {
    Connected(TcpStream),
    Listening(TcpListener),
}

impl Ftp {
    /// Asks for a passive port and returns the address to connect to, as the passive
    /// mode says. EPSV then PASV: on IPv6 only EPSV; on IPv4 EPSV first, and PASV if the
    /// server refuses EPSV, or leaves the connection's first EPSV unanswered for
    /// `FIRST_EPSV_WAIT` (shortened to the reply timeout). That wait is safe: EPSV was the
    /// last command sent, the connection stays in step, and a 229 coming late cannot
    /// answer PASV (or any later pipelined command), so it is dropped where it comes
    /// (`Control::get_answer`). A refusal PASV then gets may be EPSV's, late: a NOOP
    /// tells (PASV's own 227 comes before NOOP's 200 if so). EPSV is not sent again on
    /// that connection.
    /// `ty`: the representation type the transfer needs, sent with the first command.
    pub(crate) fn makepasv(&mut self, mut ty: Option<&'static str>) -> Result<SocketAddr> {
        let peer = self.ctrl.peer()?;
        // An IPv4-mapped peer ("::ffff:127.0.0.1") is an IPv4 server: PASV may help.
        // Through a proxy the peer is the proxy: the server's family is known only for
        // an address, and PASV may help a server known by name.
        let ipv4 = match &self.conn.proxy {
            Some(_) => !matches!(net::numeric_host(&self.host), Some(IpAddr::V6(_))),
            None => peer.ip().to_canonical().is_ipv4(),
        };
        let mode = self.opts.passive_mode;
        let fallback = ipv4 && mode == PassiveMode::EpsvThenPasv;
        let use_epsv = match mode {
            PassiveMode::PasvOnly => false,
            PassiveMode::EpsvOnly => true,
            PassiveMode::EpsvThenPasv => !ipv4 || !self.conn.epsv_refused,
        };
        // EPSV went unanswered: its reply may still come, before PASV's.
        let mut epsv_late = false;
        if use_epsv {
            // Only the connection's first EPSV gets the short wait: one that worked once
            // is answered, and one already dropped is not sent again.
            let patience = (fallback && !self.conn.epsv_works)
                .then(|| self.opts.reply_timeout().map_or(FIRST_EPSV_WAIT, |t| t.min(FIRST_EPSV_WAIT)));
            match self.typed_command_within(ty.take(), b"EPSV", patience)? {
                Ok(r) if r.code == 229 => {
                    let port = parse::parse_229(r.first_line())?;
                    self.conn.epsv_works = true;
                    return Ok(with_port(peer, port));
                }
                Ok(r) => return Err(Error::Reply(r)),
                // Not after a 421: the server is closing, and PASV would hide why.
                Err(e) if fallback && is_reply_error(&e) && e.reply().is_none_or(|r| r.code != 421) => {
                    self.conn.epsv_refused = true
                }
                // No answer within the wait, the connection still in step: EPSV's reply
                // is still due, and dropped when it comes (it cannot answer PASV).
                Err(e) if fallback && patience.is_some() && matches!(e, Error::Timeout(_)) && self.ctrl.is_usable() => {
                    self.ctrl.log.emit(1, crate::control::LogKind::Resp, &format!("{e}: trying PASV"));
                    self.conn.epsv_refused = true;
                    epsv_late = true;
                }
                Err(e) => return Err(e),
            }
        }
        let r = match self.typed_command(ty, b"PASV")? {
            Ok(r) => r,
            Err(e) if epsv_late && is_reply_error(&e) && e.reply().is_some_and(|r| r.code != 421) => {
                match self.pasv_after_a_late_refusal()? {
                    Some(r) => r,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        if r.code != 227 {
            return Err(Error::Reply(r));
        }
        let (host, port) = parse::parse_227(r.first_line())?;
        Ok(if self.opts.trust_pasv_host { SocketAddr::new(IpAddr::V4(host), port) } else { with_port(peer, port) })
    }

    /// After a refusal that may have been EPSV's late answer rather than PASV's: NOOP,
    /// and the replies up to its 200. PASV's 227 among them is PASV's answer (the
    /// refusal was EPSV's); none means the refusal was PASV's own.
    fn pasv_after_a_late_refusal(&mut self) -> Result<Option<Reply>> {
        self.ctrl.send("NOOP")?;
        let mut pasv = None;
        for _ in 0..8 {
            let r = self.ctrl.read_reply()?;
            match r.code {
                227 => pasv = Some(r),
                421 => return Err(self.ctrl.fail(Error::Temp(r))),
                // NOOP's answer (200, or another 2xx some servers give); a late 229 is
                // EPSV's and skipped.
                229 => {}
                _ if r.class() == 2 => return Ok(pasv),
                _ => {}
            }
        }
        Err(self.ctrl.fail(Error::Proto("no reply to NOOP after a late EPSV refusal".into())))
    }

    /// Listens on the control connection's local address and tells the server with
    /// PORT (IPv4) or EPRT (IPv6).
    /// With an external address set (a client behind NAT), that address is announced
    /// instead, while the listener stays on the local one.
    pub(crate) fn makeport(&mut self) -> Result<TcpListener> {
        let local = self.ctrl.local()?;
        let listener = net::listen_on(with_port(local, 0))?;
        let port = listener.local_addr().map_err(|e| Error::io("active mode listener address", e))?.port();
        // An IPv4-mapped address is announced as the IPv4 address it is: the server
        // sees an IPv4 client, and refuses EPRT |2| for it.
        let announced = self.opts.active_address.unwrap_or(local.ip()).to_canonical();
        let cmd = match announced {
            IpAddr::V4(ip) => {
                let o = ip.octets();
                format!("PORT {},{},{},{},{},{}", o[0], o[1], o[2], o[3], port >> 8, port & 0xff)
            }
            IpAddr::V6(ip) => format!("EPRT |2|{ip}|{port}|"),
        };
        let r = self.ctrl.command(&cmd)?;
        if r.class() != 2 {
            return Err(Error::Reply(r));
        }
        Ok(listener)
    }

    /// The data timeout and keep-alive, on a new data connection.
    fn data_socket_options(&self, s: &TcpStream) -> Result<()> {
        net::set_timeouts(s, self.opts.data_timeout()).map_err(|e| Error::io("data connection", e))?;
        net::set_keepalive(s, self.opts.keepalive).map_err(|e| Error::io("data connection keep-alive", e))
    }

    /// Connects a passive data connection to `addr`, which `makepasv` made: directly,
    /// or through the connection's proxy to the host the control connection went to
    /// (the proxy's address stands in for the server's as the control peer), or to the
    /// address a trusted 227 named.
    fn connect_data(&self, addr: SocketAddr) -> Result<TcpStream> {
        let timeout = self.opts.connect_timeout();
        match &self.conn.proxy {
            None => net::connect_addr(addr, timeout, self.opts.source_address),
            Some(proxy) => {
                let via_peer = self.ctrl.peer().is_ok_and(|p| p.ip() == addr.ip());
                let host = if via_peer { self.host.clone() } else { addr.ip().to_string() };
                proxy.connect(&host, addr.port(), timeout, self.opts.source_address, 0)
            }
        }
    }

    /// Opens the data side before the transfer command is sent.
    /// `ty`: the representation type the transfer needs (None: leave it as it is).
    pub(crate) fn open_data(&mut self, ty: Option<&'static str>) -> Result<Pending> {
        if !self.opts.passive {
            if let Some(proxy) = &self.conn.proxy {
                return Err(Error::State(format!(
                    "active mode does not work through a proxy ({proxy}): the server cannot connect back; use passive mode"
                )));
            }
        }
        if self.opts.passive {
            let addr = self.makepasv(ty)?;
            let s = self.connect_data(addr)?;
            self.data_socket_options(&s)?;
            Ok(Pending::Connected(s))
        } else {
            if let Some(ty) = ty {
                self.set_type(ty)?;
            }
            Ok(Pending::Listening(self.makeport()?))
        }
    }

    /// Whether `open_data_pipelined` may be used: passive mode with pipelining on, an
    /// EPSV that already worked on this connection, no REST and no TYPE to send first
    /// (a refused REST or TYPE would let the transfer command run with the wrong offset
    /// or type, so those are never pipelined with it).
    pub(crate) fn can_pipeline_transfer(&self, rest: Option<u64>, ty: Option<&'static str>) -> bool {
        let type_ok = ty.is_none_or(|t| self.opts.cache_type && self.conn.current_type == Some(t));
        self.opts.passive
            && self.opts.passive_mode != PassiveMode::PasvOnly
            && self.opts.pipelining
            && self.conn.epsv_works
            && !self.conn.epsv_refused
            && rest.is_none()
            && type_ok
    }

    /// Sends EPSV and the transfer command `cmd` in one write, connects to the port the
    /// 229 names, and returns the data connection and `cmd`'s first reply. This saves a
    /// round trip per transfer. A server that refuses `cmd` (e.g. 550) may close the
    /// port before we connect: its reply then wins over the connection error.
    /// With PROT P, the data connection's TLS handshake is started before `cmd`'s reply
    /// is read (`early_data_tls`) and returned with it.
    /// `sent_ahead`: EPSV and `cmd` went out already (`send_next_ahead`), and only
    /// their replies are read here.
    pub(crate) fn open_data_pipelined(
        &mut self,
        cmd: &[u8],
        sent_ahead: bool,
    ) -> Result<(TcpStream, Option<DataHandshake>, Reply)> {
        let peer = self.ctrl.peer()?;
        if !sent_ahead {
            self.ctrl.send_fresh(&[b"EPSV", cmd])?;
        }
        // Each reply is matched to its command: a stray one (a duplicated 229, a late
        // 226) is dropped, never taken for EPSV's or `cmd`'s answer.
        let verb = crate::control::verb_of(cmd);
        let addr = match self.ctrl.get_answer(b"EPSV") {
            Ok(r) if r.code == 229 => parse::parse_229(r.first_line()).map(|port| with_port(peer, port)),
            Ok(r) => Err(Error::Reply(r)),
            Err(e) => Err(e),
        };
        let connected = match addr {
            Ok(addr) => self.connect_data(addr),
            Err(e) if !self.ctrl.is_usable() => return Err(e),
            Err(e) => Err(e),
        };
        match connected {
            Ok(s) => {
                self.data_socket_options(&s)?;
                let early = self.early_data_tls(&s);
                match self.ctrl.get_answer(verb) {
                    Ok(r) => Ok((s, early, r)),
                    Err(e) => {
                        self.drop_data_tls(early);
                        Err(e)
                    }
                }
            }
            // `cmd`'s reply is still due: read it so later replies stay in step.
            Err(e) => match self.ctrl.get_answer(verb) {
                Ok(r) if r.class() == 1 => Err(self.abandon(None, e)),
                Ok(_) => Err(e),
                Err(refused) if is_reply_error(&refused) && is_reply_error(&e) => Err(e),
                Err(refused) if is_reply_error(&refused) => Err(refused),
                Err(broken) => Err(broken),
            },
        }
    }

    /// Whether the next download may be sent ahead (`send_next_ahead`) now: as for
    /// `can_pipeline_transfer` in binary mode, and only on plain data connections
    /// reached directly (a TLS data connection's close and a proxy's tunnel are left
    /// to end in turn), with nothing sent ahead already, and not in a call being
    /// interrupted (the next transfer would not start).
    pub(crate) fn can_send_ahead(&self) -> bool {
        !self.interrupter.requested()
            && self.can_pipeline_transfer(None, Some(crate::session::TYPE_BINARY))
            && !self.conn.prot_p
            && self.conn.proxy.is_none()
            && self.ctrl.is_usable()
            && !self.ctrl.has_ahead()
            && self.ctrl.ahead_order() != AheadOrder::OutOfTurn
    }

    /// Once a download's data has ended, and before its final reply: asks `next` for
    /// the path of the download to run next on this session and sends its EPSV and
    /// RETR at once, so the server answers them right after the final reply instead of
    /// a round trip later. `next` is asked only when that can be done; the caller runs
    /// the download it gave next (which takes the replies, or runs in turn), or settles
    /// it. On a connection where the order the server answers in is not known yet, a
    /// NOOP goes instead, to learn it (`Control::send_order_probe`): transfers go ahead
    /// only to a server that answers in turn.
    pub(crate) fn send_next_ahead(&mut self, next: &mut dyn FnMut() -> Option<Vec<u8>>) {
        if !self.can_send_ahead() {
            return;
        }
        // Asked first even for the probe: no probe without a next download, and one
        // taken then just runs next, in turn.
        let Some(path) = next() else { return };
        if self.ctrl.ahead_order() == AheadOrder::Unknown {
            let _ = self.ctrl.send_order_probe();
            return;
        }
        if check_line("path", &path).is_err() {
            return; // the download itself reports it
        }
        // A failed write leaves the connection unusable: the final reply read next
        // says so, and the next download runs on another session.
        let _ = self.ctrl.send_ahead(&crate::control::verb_line("RETR", &path));
    }

    /// Ends a transfer sent ahead that no download took (the download failed before
    /// its RETR, say): its EPSV's reply is read and the data connection opened; once
    /// the RETR is answered with a 1xx, the connection is reset (before that the server
    /// may not have accepted it, and a reset one can vanish from its queue, leaving it
    /// waiting) and the transfer's final reply read. The session is then in step
    /// again; a failure leaves the connection unusable.
    pub(crate) fn settle_ahead(&mut self) -> Result<()> {
        let Some(cmd) = self.ctrl.take_ahead() else { return Ok(()) };
        self.ctrl.log.emit(1, crate::control::LogKind::Resp, "ending a download sent ahead that was not run");
        let settled = self.settle_transfer(crate::control::verb_of(&cmd));
        settled.map_err(|e| self.ctrl.fail(e))
    }

    fn settle_transfer(&mut self, verb: &[u8]) -> Result<()> {
        let peer = self.ctrl.peer()?;
        let data = match self.ctrl.get_answer(b"EPSV") {
            Ok(r) if r.code == 229 => {
                let addr = parse::parse_229(r.first_line()).map(|port| with_port(peer, port));
                addr.and_then(|a| self.connect_data(a)).ok()
            }
            Ok(_) => None,
            Err(e) if is_reply_error(&e) => None,
            Err(e) => return Err(e),
        };
        let started = match self.ctrl.get_answer(verb) {
            Ok(r) => r.class() == 1,
            Err(e) if is_reply_error(&e) => false,
            Err(e) => return Err(e),
        };
        // Reset, not closed: the server's send fails at once, and no byte is taken
        // for a whole file.
        if let Some(s) = data {
            net::reset(&s);
        }
        if started {
            match self.ctrl.get_response() {
                Err(e) if !is_reply_error(&e) => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// Waits for the server to connect in active mode. Connections from any address but
    /// the control peer's are refused; a reply arriving instead (e.g. 425) ends the wait.
    pub(crate) fn accept_data(&mut self, listener: TcpListener) -> Result<TcpStream> {
        let peer_ip = self.ctrl.peer()?.ip().to_canonical();
        // checked_add: a timeout too long to add (Duration::MAX) is no deadline at all.
        let deadline = self.opts.connect_timeout().and_then(|t| Instant::now().checked_add(t));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(Error::Timeout("waiting for the server to open the active-mode data connection".into()));
            }
            // A reply that came in the same packet as the 150 is already buffered: the
            // socket would never signal it. A connection already queued still wins.
            let ready = if self.ctrl.has_buffered_reply() {
                match net::wait_readable(&listener, self.ctrl.stream()?, Some(Duration::ZERO)) {
                    Ok(Some(Ready::First)) => Some(Ready::First),
                    _ => Some(Ready::Second),
                }
            } else {
                net::wait_readable(&listener, self.ctrl.stream()?, left)
                    .map_err(|e| Error::io("wait for data connection", e))?
            };
            match ready {
                None => continue,
                Some(Ready::Second) => {
                    // Only the LF of the 150's CRLF, split off: no reply yet.
                    self.ctrl.absorb_split_lf()?;
                    if !self.ctrl.has_buffered_reply() && !net::has_input(self.ctrl.stream()?) {
                        continue;
                    }
                    let r = self.ctrl.read_reply()?;
                    return Err(Error::from_reply(r));
                }
                Some(Ready::First) => {
                    let (stream, from) = listener.accept().map_err(|e| Error::io("accept data connection", e))?;
                    if from.ip().to_canonical() != peer_ip {
                        // Someone else raced the server to our port: refuse and keep waiting.
                        drop(stream);
                        continue;
                    }
                    self.data_socket_options(&stream)?;
                    return Ok(stream);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_address_keeps_the_link_local_scope_of_the_control_peer() {
        let peer = SocketAddr::V6(std::net::SocketAddrV6::new("fe80::1".parse().unwrap(), 21, 0, 3));
        match with_port(peer, 40000) {
            SocketAddr::V6(a) => assert_eq!((a.port(), a.scope_id()), (40000, 3)),
            other => panic!("{other}"),
        }
    }
}
