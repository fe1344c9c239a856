//! Transfers (ftplib's transfercmd, retrbinary, retrlines, storbinary, storlines) and
//! the listings built on them (mlsd, nlst, dir).

use crate::control::{LogKind, check_line, verb_line};
use crate::data::DataConn;
use crate::data_setup::Pending;
use crate::entry::{Entry, EntryType};
use crate::error::{Error, ErrorKind, Result};
use crate::filetime::FileTime;
use crate::listing::MlsdEntry;
use crate::parse;
use crate::progress::{Flow, Meter, Stop};
use crate::reconnect_state::Redo;
use crate::reply::{LineError, LineReader, MAX_LINE, Reply};
use crate::session::{Ftp, OpenTransfer, is_reply_error};
use crate::session::{TYPE_ASCII, TYPE_BINARY};
use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Default block size for binary transfers (ftplib's 8192).
pub const DEFAULT_BLOCKSIZE: usize = 8192;
/// Largest block size accepted; larger requests are clamped.
pub const MAX_BLOCKSIZE: usize = 16 << 20;

/// One step of a transfer's data loop.
pub(crate) enum Step {
    /// `n` bytes crossed the data connection.
    Moved(usize),
    /// The data is all there (download: end of file; upload: the source is done).
    End,
    /// The data connection failed.
    DataFailed(io::Error),
    /// Stop the transfer for this reason (cancelled, a local file error, ...).
    Stop(Error),
    /// A download whose session is dropped next: end the session at once (`hang_up`)
    /// instead of aborting the transfer in step, and fail with this reason. An upload
    /// takes it as `Stop`: a data connection closed early would look complete.
    HangUp(Error),
}

/// Put inside an `io::Error` by an upload source to cancel the transfer
/// (the C layer's read callback uses it); any other read error is an I/O failure.
#[derive(Debug)]
pub struct CancelRead;

impl std::fmt::Display for CancelRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("upload source asked to stop")
    }
}

impl std::error::Error for CancelRead {}

fn source_error(e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<CancelRead>()) {
        Error::Cancelled
    } else {
        Error::Io { context: "read upload source".into(), source: e }
    }
}

/// How a transfer starts: the REST offset, and for the whole-file helpers the size
/// SIZE gave (the progress total where the 150 reply announces none) and whether REST
/// must be answered 350: a server that ignored the offset would send or take the whole
/// file, which a resumed file would then hold in the wrong place (ftplib accepts any
/// 2xx/3xx).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Start {
    pub(crate) rest: Option<u64>,
    pub(crate) size_hint: Option<u64>,
    pub(crate) strict_rest: bool,
}

impl Start {
    /// ftplib's transfers: REST `rest` if given, any 2xx/3xx to it accepted.
    pub(crate) fn at(rest: Option<u64>) -> Start {
        Start { rest, ..Start::default() }
    }

    /// The whole-file helpers': REST held to 350, `size_hint` for progress.
    pub(crate) fn whole_file(rest: Option<u64>, size_hint: Option<u64>) -> Start {
        Start { rest, size_hint, strict_rest: true }
    }
}

impl Ftp {
    /// Opens a data connection and sends `cmd` (ftplib's `ntransfercmd`): passive connect
    /// or active PORT/EPRT first, then `REST rest` if given, then the command, whose reply
    /// must be 1xx (a 2xx first is skipped). Returns the connection and the size a 150
    /// reply announced. The caller reads or writes, drops the connection, then calls
    /// `voidresp` (or `abort`).
    pub fn ntransfercmd(&mut self, cmd: impl AsRef<[u8]>, rest: Option<u64>) -> Result<(DataConn, Option<u64>)> {
        let cmd = cmd.as_ref();
        self.reconnecting(("", cmd), Redo::Unsent, |ftp| ftp.ntransfercmd_typed(cmd, Start::at(rest), None))
    }

    /// `ntransfercmd` that first puts the server in representation type `ty` (TYPE only
    /// when it may be in another, pipelined with EPSV/PASV when that is on).
    fn ntransfercmd_typed(
        &mut self,
        cmd: &[u8],
        start: Start,
        ty: Option<&'static str>,
    ) -> Result<(DataConn, Option<u64>)> {
        check_line("command", cmd)?;
        match self.open_transfer(cmd, start, ty, true)? {
            Some(opened) => Ok(opened),
            // Refused for a session not resumed: once more, with the tickets that
            // refused connection brought (servers give new ones after a full handshake).
            None => self
                .open_transfer(cmd, start, ty, false)?
                .ok_or_else(|| Error::Proto("the server refused the TLS data connection twice in a row".into())),
        }
    }

    /// One try of `ntransfercmd_typed`. None when the server refused a TLS data
    /// connection that did not resume the session offered (a 4xx after closing it at
    /// once) and `may_retry`: nothing has moved, so the transfer can be asked again.
    fn open_transfer(
        &mut self,
        cmd: &[u8],
        start: Start,
        ty: Option<&'static str>,
        may_retry: bool,
    ) -> Result<Option<(DataConn, Option<u64>)>> {
        let rest = start.rest;
        self.idle()?;
        // This very download sent ahead (`send_next_ahead`): only its replies are due.
        let sent_ahead = self.ctrl.ahead() == Some(cmd) && self.can_pipeline_transfer(rest, ty) && !self.conn.prot_p;
        if sent_ahead {
            self.ctrl.take_ahead();
        } else {
            self.settle_ahead()?;
        }
        let (pending, early, mut r) = if sent_ahead || self.can_pipeline_transfer(rest, ty) {
            let (s, early, r) = self.open_data_pipelined(cmd, sent_ahead)?;
            (Pending::Connected(s), early, r)
        } else {
            let pending = self.open_data(ty)?;
            if let Some(offset) = rest {
                let r = self.ctrl.command(format!("REST {offset}"))?;
                if start.strict_rest && r.code != 350 {
                    return Err(Error::Reply(r));
                }
            }
            self.ctrl.send_fresh(&[cmd])?;
            // A passive connection's TLS handshake starts now, before the reply.
            let early = match &pending {
                Pending::Connected(s) => self.early_data_tls(s),
                Pending::Listening(_) => None,
            };
            match self.ctrl.command_answer(crate::control::verb_of(cmd)) {
                Ok(r) => (pending, early, r),
                Err(e) => {
                    self.drop_data_tls(early);
                    return Err(e);
                }
            }
        };
        if r.class() == 2 {
            r = match self.ctrl.get_response() {
                Ok(r) => r,
                Err(e) => {
                    self.drop_data_tls(early);
                    return Err(e);
                }
            };
        }
        if r.class() != 1 {
            self.drop_data_tls(early);
            return Err(Error::Reply(r));
        }
        let stream = match pending {
            Pending::Connected(s) => s,
            Pending::Listening(l) => match self.accept_data(l) {
                Ok(s) => s,
                Err(e) => {
                    // The server said 1xx, so a final reply is coming: don't leave it queued.
                    if is_reply_error(&e) {
                        return Err(e);
                    }
                    return Err(self.abandon(None, e));
                }
            },
        };
        let size = if r.code == 150 { parse::parse_150_size(r.first_line()) } else { None };
        self.announced = size;
        // Registered before the TLS handshake, so a failed one is cleaned up by `abandon`
        // (which cuts the connection the server may be blocked on).
        let cut = Arc::new(AtomicBool::new(false));
        self.conn.transfer = Some(OpenTransfer { data: stream.try_clone().ok(), cut: cut.clone() });
        self.interrupter.set_data(Some(&stream));
        let stream = match self.protect(stream, early) {
            Ok((s, false)) => s,
            // The caller's interrupt shuts the connection too: then no retry, and the
            // reply just read keeps the session in step.
            Ok((_, true)) if self.interrupter.requested() => {
                return match self.voidresp() {
                    Err(e) if !is_reply_error(&e) => Err(e),
                    _ => Err(Error::Interrupted),
                };
            }
            Ok((s, true)) => match self.voidresp() {
                // An empty file, sent in full: its reply is the next one read.
                Ok(done) => {
                    self.ctrl.hold(done);
                    self.conn.transfer = Some(OpenTransfer { data: None, cut: cut.clone() });
                    s
                }
                // Not for a 421: the server is closing the session.
                Err(e) if may_retry && e.kind() == ErrorKind::Temp && e.reply().is_none_or(|r| r.code != 421) => {
                    let why = "the server refused a TLS data connection that did not resume the session; asking again";
                    self.ctrl.log.emit(1, LogKind::Resp, why);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
            // A handshake our own interrupt cut short failed because of it.
            Err(_) if self.interrupter.requested() => return Err(self.abandon(None, Error::Interrupted)),
            Err(e) => return Err(self.abandon(None, e)),
        };
        // Only a whole file's size, sent in binary, can be compared with the bytes
        // received: in ASCII mode a server may announce the size on disk and convert
        // line endings. Where no comparison applies, the final reply decides.
        let binary = self.conn.current_type == Some(TYPE_BINARY);
        let expected = size.filter(|_| binary && rest.is_none_or(|r| r == 0));
        // After CCC (a connection that had TLS, in clear text now) replies prove nothing.
        let replies_vouch = self.ctrl.is_tls() || self.conn.tls.is_none();
        let mut data = DataConn::new(stream, expected, replies_vouch, cut);
        data.set_through_proxy(self.conn.proxy.is_some());
        Ok(Some((data, size)))
    }

    /// `ntransfercmd` without the size (ftplib's `transfercmd`).
    pub fn transfercmd(&mut self, cmd: impl AsRef<[u8]>, rest: Option<u64>) -> Result<DataConn> {
        Ok(self.ntransfercmd(cmd, rest)?.0)
    }

    /// Ends a transfer that failed or was cancelled on our side (`why`) the way `abort`
    /// does: ABOR, reset the data connection, skip the transfer's replies up to a NOOP's
    /// 200. Returns `why`, or, if that cleanup failed and the connection had to be
    /// closed, an error saying both.
    pub(crate) fn abandon(&mut self, conn: Option<DataConn>, why: Error) -> Error {
        // Counted as an open transfer even before its connection was accepted: a 1xx
        // came, so a final reply is on its way.
        self.conn.transfer.get_or_insert_with(OpenTransfer::default);
        let settled = self.abort_closing(conn);
        match settled {
            Ok(_) => why,
            // ABOR itself was refused, but the NOOP step kept the replies in step.
            Err(e) if e.kind() == ErrorKind::Proto && self.ctrl.is_usable() => why,
            Err(cleanup) => {
                self.close();
                Error::Abandoned { first: Box::new(why), cleanup: Box::new(cleanup) }
            }
        }
    }

    /// Runs a transfer with a meter: progress reports and interrupts. The progress sink
    /// is lent to the meter and given back whatever happens.
    fn metered<T>(&mut self, f: impl FnOnce(&mut Ftp, &mut Meter) -> Result<T>) -> Result<T> {
        if self.interrupter.transfer_starts() {
            return Err(Error::Interrupted);
        }
        let mut meter = Meter::new(self.progress.take(), self.progress_interval, self.interrupter.clone());
        let result = f(self, &mut meter);
        self.progress = meter.sink.take();
        self.last_transfer_bytes = meter.bytes();
        result
    }

    /// Opens the data connection for a metered transfer. The total to report: the 150
    /// reply's size for a whole file, else the size a whole-file helper got from SIZE
    /// (`start.size_hint`); either less a REST offset. After REST the 150 is not used:
    /// servers differ on whether it counts the whole file (vsftpd) or what is left
    /// (proftpd).
    fn metered_open(&mut self, meter: &mut Meter, cmd: &[u8], ty: &'static str, start: Start) -> Result<DataConn> {
        let (conn, size) = self.ntransfercmd_typed(cmd, start, Some(ty))?;
        let offset = start.rest.unwrap_or(0);
        let whole = if offset == 0 { size.or(start.size_hint) } else { start.size_hint };
        meter.set_total(whole.map(|s| s.saturating_sub(offset)), offset);
        Ok(conn)
    }

    /// Ends a transfer stopped by its meter (progress sink or interrupt).
    fn stopped(&mut self, conn: DataConn, stop: Stop) -> Error {
        let why = match stop {
            Stop::Cancelled => Error::Cancelled,
            Stop::Interrupted => Error::Interrupted,
        };
        self.abandon(Some(conn), why)
    }

    /// A data connection failed: an interrupt shuts it down on purpose, which is not an
    /// I/O error.
    fn data_failed(&mut self, meter: &Meter, conn: DataConn, e: Error) -> Error {
        let why = if meter.interrupted() { Error::Interrupted } else { e };
        self.abandon(Some(conn), why)
    }

    /// Downloads with `cmd` in binary mode (TYPE I), passing each block of up to
    /// `blocksize` bytes to `callback` (ftplib's `retrbinary`). Returns the final reply.
    /// With reconnecting on, a download whose connection was lost continues on a new
    /// one at the first byte `callback` did not get (REST, where the server lists REST
    /// STREAM; else it fails): no byte is delivered twice.
    pub fn retrbinary(
        &mut self,
        cmd: impl AsRef<[u8]>,
        blocksize: usize,
        rest: Option<u64>,
        mut callback: impl FnMut(&[u8]) -> Flow,
    ) -> Result<Reply> {
        let cmd = cmd.as_ref();
        let mut buf = vec![0u8; blocksize.clamp(1, MAX_BLOCKSIZE)];
        let mut delivered = 0u64;
        self.reconnecting(("", cmd), Redo::Anytime, |ftp| {
            let start = ftp.continue_at(rest, delivered)?;
            ftp.download(cmd, start, None, |conn| match conn.read_batched(&mut buf) {
                Ok(0) => Step::End,
                Ok(n) => {
                    delivered += n as u64;
                    if callback(&buf[..n]).is_break() { Step::Stop(Error::Cancelled) } else { Step::Moved(n) }
                }
                Err(e) => Step::DataFailed(e),
            })
        })
    }

    /// Where a download runs again after a reconnect, once `delivered` bytes went to
    /// the caller: at `rest` while nothing did, else `delivered` further on, with REST
    /// held to 350 (a server ignoring it would send those bytes again), where the
    /// server lists REST STREAM.
    pub(crate) fn continue_at(&mut self, rest: Option<u64>, delivered: u64) -> Result<Start> {
        if delivered == 0 {
            return Ok(Start::at(rest));
        }
        if !self.features()?.has("REST STREAM") {
            return Err(Error::Proto(format!(
                "the connection was lost after {delivered} bytes were delivered, and the server lists no \
                 REST STREAM to continue from there"
            )));
        }
        Ok(Start { rest: Some(rest.unwrap_or(0) + delivered), size_hint: None, strict_rest: true })
    }

    /// A binary download (TYPE I) whose bytes `step` moves out of the data connection,
    /// one step at a time, until it reports the end. Progress, interrupts and every
    /// failure are handled here, for the buffered and the zero-copy paths alike.
    /// `next`: where this session runs another download right after this one, gives
    /// its path once this one's data has ended, to send it ahead (`send_next_ahead`).
    pub(crate) fn download(
        &mut self,
        cmd: &[u8],
        start: Start,
        next: Option<&mut dyn FnMut() -> Option<Vec<u8>>>,
        mut step: impl FnMut(&mut DataConn) -> Step,
    ) -> Result<Reply> {
        check_line("command", cmd)?;
        self.metered(|this, meter| {
            let mut conn = this.metered_open(meter, cmd, TYPE_BINARY, start)?;
            loop {
                match step(&mut conn) {
                    Step::End => break,
                    Step::Moved(n) => {
                        if let Err(stop) = meter.add(n) {
                            return Err(this.stopped(conn, stop));
                        }
                    }
                    Step::DataFailed(e) => {
                        return Err(this.data_failed(meter, conn, Error::io("read data connection", e)));
                    }
                    Step::Stop(why) => return Err(this.abandon(Some(conn), why)),
                    Step::HangUp(why) => {
                        drop(conn);
                        this.hang_up();
                        return Err(why);
                    }
                }
            }
            if let Err(stop) = meter.finish() {
                return Err(this.stopped(conn, stop));
            }
            drop(conn);
            if let Some(next) = next {
                this.send_next_ahead(next);
            }
            this.voidresp()
        })
    }

    /// Downloads with `cmd` in ASCII mode (TYPE A), passing each line without its line
    /// ending to `callback` (ftplib's `retrlines`). Lines over 8192 bytes are an error.
    pub fn retrlines(&mut self, cmd: impl AsRef<[u8]>, mut callback: impl FnMut(&[u8]) -> Flow) -> Result<Reply> {
        let cmd = cmd.as_ref();
        check_line("command", cmd)?;
        self.reconnecting(("", cmd), Redo::Safe, |ftp| ftp.retrlines_now(cmd, &mut callback))
    }

    fn retrlines_now(&mut self, cmd: &[u8], callback: &mut impl FnMut(&[u8]) -> Flow) -> Result<Reply> {
        self.metered(|this, meter| {
            let conn = this.metered_open(meter, cmd, TYPE_ASCII, Start::at(None))?;
            let mut reader = LineReader::new(conn);
            let mut line = Vec::new();
            let mut counted = 0;
            loop {
                let last = match reader.read_line(MAX_LINE, &mut line) {
                    Ok(()) => false,
                    Err(LineError::Eof { partial: 0 }) => break,
                    Err(LineError::Eof { .. }) => true,
                    Err(LineError::TooLong) => {
                        let e = Error::Proto(format!("data line longer than {MAX_LINE} bytes"));
                        return Err(this.abandon(Some(reader.into_inner()), e));
                    }
                    Err(LineError::Io(e)) => {
                        let e = Error::io("read data connection", e);
                        return Err(this.data_failed(meter, reader.into_inner(), e));
                    }
                };
                if callback(&line).is_break() {
                    return Err(this.abandon(Some(reader.into_inner()), Error::Cancelled));
                }
                // The bytes that crossed the connection: the line and its ending (the LF
                // of a CRLF is counted once read past, with the next line or below).
                let moved = reader.consumed() - counted;
                counted += moved;
                if let Err(stop) = meter.add(moved as usize) {
                    return Err(this.stopped(reader.into_inner(), stop));
                }
                if last {
                    break;
                }
            }
            let rest = (reader.consumed() - counted) as usize;
            if let Err(stop) = meter.add(rest).and_then(|()| meter.finish()) {
                return Err(this.stopped(reader.into_inner(), stop));
            }
            drop(reader);
            this.voidresp()
        })
    }

    /// Uploads what `source` yields with `cmd` in binary mode (TYPE I), in blocks of up
    /// to `blocksize`, calling `callback` after each block is sent (ftplib's `storbinary`).
    pub fn storbinary(
        &mut self,
        cmd: impl AsRef<[u8]>,
        source: &mut dyn Read,
        blocksize: usize,
        rest: Option<u64>,
        mut callback: impl FnMut(&[u8]) -> Flow,
    ) -> Result<Reply> {
        let mut buf = vec![0u8; blocksize.clamp(1, MAX_BLOCKSIZE)];
        let cmd = cmd.as_ref();
        self.reconnecting(("", cmd), Redo::Unsent, |ftp| {
            ftp.upload(cmd, Start::at(rest), |conn| {
                let n = loop {
                    match source.read(&mut buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Step::Stop(source_error(e)),
                    }
                };
                if n == 0 {
                    return Step::End;
                }
                if let Err(e) = conn.write_all(&buf[..n]) {
                    return Step::DataFailed(e);
                }
                if callback(&buf[..n]).is_break() {
                    return Step::Stop(Error::Cancelled);
                }
                Step::Moved(n)
            })
        })
    }

    /// A binary upload (TYPE I) whose bytes `step` moves into the data connection, one
    /// step at a time, until it reports the end; then the upload is ended cleanly.
    pub(crate) fn upload(
        &mut self,
        cmd: &[u8],
        start: Start,
        mut step: impl FnMut(&mut DataConn) -> Step,
    ) -> Result<Reply> {
        check_line("command", cmd)?;
        self.metered(|this, meter| {
            let mut conn = this.metered_open(meter, cmd, TYPE_BINARY, start)?;
            loop {
                match step(&mut conn) {
                    Step::End => break,
                    Step::Moved(n) => {
                        if let Err(stop) = meter.add(n) {
                            return Err(this.stopped(conn, stop));
                        }
                    }
                    Step::DataFailed(e) => return Err(this.upload_failed(meter, conn, e)),
                    Step::Stop(why) | Step::HangUp(why) => return Err(this.abandon(Some(conn), why)),
                }
            }
            if let Err(stop) = meter.finish() {
                return Err(this.stopped(conn, stop));
            }
            this.end_upload(meter, conn)
        })
    }

    /// Uploads lines from `source` with `cmd` in ASCII mode (TYPE A), each sent with CRLF
    /// (ftplib's `storlines`: a line ending in a lone CR or LF gets CRLF instead, a last
    /// line without ending gets CRLF added). `callback` sees each line as sent.
    pub fn storlines(
        &mut self,
        cmd: impl AsRef<[u8]>,
        source: &mut dyn Read,
        mut callback: impl FnMut(&[u8]) -> Flow,
    ) -> Result<Reply> {
        let cmd = cmd.as_ref();
        check_line("command", cmd)?;
        self.reconnecting(("", cmd), Redo::Unsent, |ftp| ftp.storlines_now(cmd, source, &mut callback))
    }

    fn storlines_now(
        &mut self,
        cmd: &[u8],
        source: &mut dyn Read,
        callback: &mut impl FnMut(&[u8]) -> Flow,
    ) -> Result<Reply> {
        self.metered(|this, meter| {
            let mut conn = this.metered_open(meter, cmd, TYPE_ASCII, Start::at(None))?;
            let mut pending: Vec<u8> = Vec::new();
            let mut out: Vec<u8> = Vec::with_capacity(64 * 1024);
            let mut chunk = vec![0u8; 64 * 1024];
            let mut eof = false;
            while !eof || !pending.is_empty() {
                if !eof && !pending.contains(&b'\n') && pending.len() <= MAX_LINE {
                    match source.read(&mut chunk) {
                        Ok(0) => eof = true,
                        Ok(n) => pending.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(this.abandon(Some(conn), source_error(e))),
                    }
                    continue;
                }
                let end = pending.iter().position(|&b| b == b'\n').map_or(pending.len(), |p| p + 1);
                if end > MAX_LINE {
                    let e = Error::Invalid(format!("line to upload is longer than {MAX_LINE} bytes"));
                    return Err(this.abandon(Some(conn), e));
                }
                let mut line: Vec<u8> = pending.drain(..end).collect();
                if !line.ends_with(b"\r\n") {
                    if matches!(line.last(), Some(b'\r' | b'\n')) {
                        line.pop();
                    }
                    line.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(&line);
                if callback(&line).is_break() {
                    return Err(this.abandon(Some(conn), Error::Cancelled));
                }
                if out.len() >= 32 * 1024 {
                    if let Err(e) = conn.write_all(&out) {
                        return Err(this.upload_failed(meter, conn, e));
                    }
                    if let Err(stop) = meter.add(out.len()) {
                        return Err(this.stopped(conn, stop));
                    }
                    out.clear();
                }
            }
            if let Err(e) = conn.write_all(&out) {
                return Err(this.upload_failed(meter, conn, e));
            }
            if let Err(stop) = meter.add(out.len()).and_then(|()| meter.finish()) {
                return Err(this.stopped(conn, stop));
            }
            this.end_upload(meter, conn)
        })
    }

    /// Ends an upload cleanly (close_notify over TLS, then end-of-file) and reads the
    /// final reply.
    fn end_upload(&mut self, meter: &Meter, mut conn: DataConn) -> Result<Reply> {
        if let Err(e) = conn.finish() {
            return Err(self.upload_failed(meter, conn, e));
        }
        drop(conn);
        self.voidresp()
    }

    /// A write to the data connection failed: usually the server gave up and says why on
    /// the control connection, so that reply is the better error. A write our own
    /// interrupt cut short is an interrupt, ended the abort way (the server may not
    /// have replied, or be stalled).
    fn upload_failed(&mut self, meter: &Meter, conn: DataConn, e: io::Error) -> Error {
        if meter.interrupted() {
            return self.stopped(conn, Stop::Interrupted);
        }
        drop(conn);
        match self.voidresp() {
            Err(reply_err) if is_reply_error(&reply_err) => reply_err,
            Ok(_) => Error::io("write data connection", e),
            Err(other) => other,
        }
    }

    /// MLSD listing (ftplib's `mlsd`): sends `OPTS MLST fact;...;` first when facts are
    /// given, then streams each entry to `callback`.
    pub fn mlsd(
        &mut self,
        path: impl AsRef<[u8]>,
        facts: &[&str],
        mut callback: impl FnMut(&MlsdEntry) -> Flow,
    ) -> Result<Reply> {
        let path = path.as_ref();
        check_line("path", path)?;
        for f in facts {
            check_line("fact", f)?;
        }
        let line = optional_arg("MLSD", path);
        self.reconnecting(("", &line), Redo::Safe, |ftp| {
            if !facts.is_empty() {
                let list: String = facts.iter().map(|f| format!("{f};")).collect();
                ftp.sendcmd(format!("OPTS MLST {list}"))?;
            }
            ftp.retrlines(&line, |line| callback(&MlsdEntry::parse(line)))
        })
    }

    /// NLST with optional arguments; each name goes to `callback` (ftplib's `nlst`).
    pub fn nlst(&mut self, args: impl AsRef<[u8]>, callback: impl FnMut(&[u8]) -> Flow) -> Result<Reply> {
        self.retrlines(optional_arg("NLST", args.as_ref()), callback)
    }

    /// LIST with optional arguments; each line goes to `callback` (ftplib's `dir`).
    pub fn dir(&mut self, args: impl AsRef<[u8]>, callback: impl FnMut(&[u8]) -> Flow) -> Result<Reply> {
        self.retrlines(optional_arg("LIST", args.as_ref()), callback)
    }
}

/// The largest LIST time-zone offset taken, in seconds (a day).
pub const MAX_LIST_TIME_OFFSET: u32 = 86_400;

/// The MLST facts `Entry::from_mlsd` reads.
pub(crate) const PARSED_FACTS: [&str; 11] = [
    "type",
    "size",
    "sizd",
    "modify",
    "perm",
    "unique",
    "unix.mode",
    "unix.owner",
    "unix.uid",
    "unix.group",
    "unix.gid",
];

/// The most entries a listing gathered in memory may have (`list_all`, the mirrors): a
/// server that streams entries without end gets an error, not all of the memory.
pub const MAX_LISTED: usize = 1_000_000;

/// The most bytes of names and lines a gathered listing may hold: entries of 8 KiB
/// lines would otherwise reach gigabytes well before `MAX_LISTED`.
pub const MAX_LISTED_BYTES: usize = 256 << 20;

impl Ftp {
    /// `list_entries` gathered into a vector; more than `MAX_LISTED` entries, or more
    /// than `MAX_LISTED_BYTES` of names and lines, is a protocol error.
    pub fn list_all(&mut self, path: impl AsRef<[u8]>) -> Result<Vec<Entry>> {
        let mut entries = Vec::new();
        let mut held = 0usize;
        let mut too_many = None;
        let listed = self.list_entries(path, |e| {
            held += e.name.len() + e.raw.len() + e.link_target.as_ref().map_or(0, Vec::len);
            if entries.len() == MAX_LISTED {
                too_many = Some(format!("more than {MAX_LISTED} entries"));
            } else if held > MAX_LISTED_BYTES {
                too_many = Some(format!("more than {} MiB of names and lines", MAX_LISTED_BYTES >> 20));
            }
            if too_many.is_some() {
                return ControlFlow::Break(());
            }
            entries.push(e.clone());
            ControlFlow::Continue(())
        });
        match listed {
            Err(e) if too_many.is_some() && e.kind() == ErrorKind::Cancelled => {
                Err(Error::Proto(format!("the listing has {}", too_many.unwrap_or_default())))
            }
            Err(e) => Err(e),
            Ok(_) => Ok(entries),
        }
    }

    /// Once per connection, and again after a caller chose MLSD's facts (`mlsd` with
    /// facts: no "type", say): asks for the facts FEAT offers that parsed entries use
    /// (`PARSED_FACTS`), with those on by default. Nothing is sent when they all are on
    /// already. A refusal leaves the server's choice, and is not asked again.
    pub(crate) fn our_mlst_facts(&mut self) -> Result<()> {
        if self.conn.mlst_facts_asked && !self.conn.mlst_facts_chosen {
            return Ok(());
        }
        let offered = self.features()?.mlst_facts();
        let wanted = |f: &str| PARSED_FACTS.contains(&f);
        // After a caller's OPTS MLST, FEAT's marks no longer say what is on. A FEAT
        // that names no facts (unftp) gets no OPTS MLST: an empty list would ask for none.
        let facts: String = offered.iter().filter(|(f, on)| *on || wanted(f)).map(|(f, _)| format!("{f};")).collect();
        if !facts.is_empty() && (self.conn.mlst_facts_chosen || offered.iter().any(|(f, on)| !on && wanted(f))) {
            match self.ctrl.command(format!("OPTS MLST {facts}")) {
                Ok(_) => {}
                Err(e) if is_reply_error(&e) => {}
                Err(e) => return Err(e),
            }
        }
        self.conn.mlst_facts_chosen = false;
        self.conn.mlst_facts_asked = true;
        Ok(())
    }

    /// A directory listing as parsed entries: MLSD where the server lists MLST in FEAT
    /// (asked once per login), otherwise (or if MLSD is refused with 500/502) LIST with
    /// the Unix and DOS parsers. `path` may be empty for the working directory. A path
    /// with blanks goes to LIST from inside it (PWD, CWD, LIST, CWD back): servers that
    /// run ls split LIST's argument. ls's complaint that the path does not exist, sent
    /// as the listing, is no entry.
    pub fn list_entries(&mut self, path: impl AsRef<[u8]>, mut callback: impl FnMut(&Entry) -> Flow) -> Result<Reply> {
        let path = path.as_ref();
        check_line("path", path)?;
        self.reconnecting(("LIST", path), Redo::Safe, |ftp| ftp.list_entries_now(path, &mut callback))
    }

    fn list_entries_now(&mut self, path: &[u8], callback: &mut impl FnMut(&Entry) -> Flow) -> Result<Reply> {
        if self.features()?.has("MLST") {
            self.our_mlst_facts()?;
            // A blank line is no entry (LIST's are skipped too).
            let entry = |line: &[u8]| match line.iter().all(u8::is_ascii_whitespace) {
                true => Flow::Continue(()),
                false => callback(&Entry::from_mlsd(line)),
            };
            match self.retrlines(optional_arg("MLSD", path), entry) {
                Err(Error::Perm(r)) if matches!(r.code, 500 | 502) => {}
                other => return other,
            }
        }
        // Servers that hand LIST's argument to ls (GNU inetutils) split it at blanks:
        // such a directory is listed from inside it. (Where PWD fails or names no
        // directory to come back to, LIST gets the path as is.)
        let blank = path.iter().any(|b| matches!(b, b' ' | b'\t'));
        let back = if blank { self.pwd().unwrap_or_default() } else { Vec::new() };
        if !back.is_empty() {
            self.cwd(path)?;
            let listed = self.list_lines(b"", callback);
            let returned = self.cwd(&back);
            let listed = listed?;
            returned?;
            return Ok(listed);
        }
        self.list_lines(path, callback)
    }

    /// LIST `path`, each line parsed (Unix or DOS format).
    fn list_lines(&mut self, path: &[u8], callback: &mut impl FnMut(&Entry) -> Flow) -> Result<Reply> {
        // LIST shows the server's local time: its "now" decides the year of recent
        // dates, and its offset comes off every time parsed.
        let offset = i64::from(self.opts.list_time_offset);
        let now = FileTime::now();
        let local_now = FileTime { secs: now.secs + offset, ..now };
        self.retrlines(optional_arg("LIST", path), |line| match Entry::from_list(line, local_now) {
            // ls's complaint about the argument ("dir: No such file or directory"),
            // which ls-based servers send as the listing, with a 226: no entry.
            Some(e) if e.kind == EntryType::Unknown && is_ls_complaint(line, path) => Flow::Continue(()),
            Some(mut e) => {
                e.modified = e.modified.map(|t| FileTime { secs: t.secs - offset, ..t });
                callback(&e)
            }
            None => Flow::Continue(()),
        })
    }

    /// Sets the offset, in seconds, of the time zone a server's LIST times are in
    /// (3600 for UTC+1, -18000 for UTC-5; 0, the default, takes them as UTC), for the
    /// parsed listings (`list_entries`, `list_all`, the mirrors, `walk`) that fall back
    /// to LIST. MLSD and MLST times are UTC by definition and are not changed. More
    /// than a day either way is refused.
    pub fn set_list_time_offset(&mut self, seconds: i32) -> Result<()> {
        if seconds.unsigned_abs() > MAX_LIST_TIME_OFFSET {
            return Err(Error::Invalid(format!(
                "a time-zone offset of {seconds} seconds is more than a day ({MAX_LIST_TIME_OFFSET})"
            )));
        }
        self.opts.list_time_offset = seconds;
        Ok(())
    }
}

/// Whether a LIST line is ls's complaint that the path listed does not exist:
/// "PATH: No such file or directory" (inetutils' own ls), or "ls: ..." /
/// "/bin/ls: cannot access ...: No such file or directory" as GNU ls writes it. Other
/// complaints (Permission denied) stay entries of unknown kind, so that a listing the
/// server could not read never looks like an empty directory.
fn is_ls_complaint(line: &[u8], path: &[u8]) -> bool {
    let Some(colon) = line.windows(2).position(|w| w == b": ") else {
        return false;
    };
    let before = &line[..colon];
    let by_ls = (!path.is_empty() && before == path) || (before.ends_with(b"ls") && !before.contains(&b' '));
    by_ls && line.ends_with(b": No such file or directory")
}

/// `VERB` alone when `arg` is empty, else `VERB arg`.
fn optional_arg(verb: &str, arg: &[u8]) -> Vec<u8> {
    if arg.is_empty() { verb.as_bytes().to_vec() } else { verb_line(verb, arg) }
}
