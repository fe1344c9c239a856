//! Opt-in reconnection of one session (`Ftp::set_reconnect`): when the server has
//! dropped an idle connection (a 421 before or as the first reply to the next command,
//! end-of-file or a reset on the control connection), the session connects again to the
//! target it remembers (`Ftp::reopen`), logs in as before, restores the working
//! directory, TYPE and PROT, and runs the operation again where that is safe.
//!
//! Which calls run again, after a reconnect:
//!
//! - Any call, when the lost connection was found before any command of the call was
//!   sent (a 421 or end-of-file already waiting on a plain control connection): the
//!   server never saw the call, so it runs once, on the new connection.
//! - Calls without lasting effect, or with the same effect when repeated, also when the
//!   command went out and the connection failed before its first reply or the first
//!   reply was 421 (the server closing): `noop`, `pwd`, `cwd`, `cwd_each`, `size`,
//!   `mdtm`, `mfmt`, `stat`, `syst`, `feat`, `mkd_all`, the listings (`dir`, `nlst`,
//!   `mlsd`, `retrlines`, `list_entries`, `list_all`).
//! - Downloads, also when the connection was lost during the transfer: `retr_file`
//!   starts again (from the local file's size when resuming); `retrbinary` and
//!   `retr_to`, whose bytes already went to the caller, continue at the first byte not
//!   delivered (REST) where the new connection lists REST STREAM in FEAT, and fail
//!   otherwise (nothing is ever delivered twice). A resuming `stor_file`
//!   (`FileOptions::resume`) starts again too: it asks the server's size first.
//! - Never once the command may have reached the server: `sendcmd`, `voidcmd`,
//!   `delete` (DELE), `rename` (RNFR/RNTO), `mkd`, `rmd`, `site`, `acct`, `host_cmd`,
//!   `allo`, uploads (`storbinary`, `storlines`, `stor_file` without resume,
//!   `stor_from_file`) and `transfercmd`/`ntransfercmd`. The call fails with the
//!   connection's error, and the next call reconnects before it sends anything.
//!
//! A reply timeout, a cancel or an interrupt never leads to a reconnect. A reconnect
//! whose restoring is refused (a CWD to a directory gone meanwhile) fails the call with
//! `Error::Reconnect { reconnected: true, .. }`; the session stays connected where the
//! CWDs replayed before the refusal took it, and a later reconnect goes back there.

use crate::control::LogKind;
use crate::error::{Error, ErrorKind, Result, TlsFailure};
use crate::reconnect_state::{MAX_CWD_STEPS, ReconnectPolicy, Redo};
use crate::session::Ftp;
use std::time::{Duration, Instant};

/// How errors name a call: a verb and its argument, or (verb "") a whole command line.
/// Built only when needed: most calls never need it.
pub(crate) type Name<'a> = (&'a str, &'a [u8]);

/// "VERB argument", or the command line given (a password masked).
fn named((verb, arg): Name<'_>) -> String {
    let arg = String::from_utf8_lossy(arg);
    match (verb, arg.is_empty()) {
        ("", _) => crate::control::mask_password(&arg),
        (_, true) => verb.to_string(),
        _ => format!("{verb} {arg}"),
    }
}

/// Whether `e` says the control connection was lost (not a timeout, cancel, interrupt or
/// refusal): end-of-file, an OS error such as a reset, a TLS record failure, or 421.
fn lost_connection(e: &Error) -> bool {
    match e {
        Error::Abandoned { cleanup, .. } => lost_connection(cleanup),
        Error::Temp(r) => r.code == 421,
        _ => matches!(e.kind(), ErrorKind::Closed | ErrorKind::Io | ErrorKind::Tls(TlsFailure::Failed)),
    }
}

/// Whether a failed connection attempt is worth another: not a refused login (5xx),
/// a certificate or TLS requirement failure, or a local mistake.
fn worth_retrying(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Closed
            | ErrorKind::Io
            | ErrorKind::Timeout
            | ErrorKind::Resolve
            | ErrorKind::Temp
            | ErrorKind::Proto
            | ErrorKind::Tls(TlsFailure::Failed)
    )
}

impl Ftp {
    /// Reconnect after the server dropped the connection (see the module documentation
    /// for exactly which calls run again): up to `policy.tries` connection attempts per
    /// call, `policy.delay` apart. None (the default) turns it off; tries 0 is off too.
    pub fn set_reconnect(&mut self, policy: Option<ReconnectPolicy>) {
        self.reconnect.policy = policy.filter(|p| p.tries > 0);
    }

    /// The reconnect policy in force, if any.
    pub fn reconnect_policy(&self) -> Option<ReconnectPolicy> {
        self.reconnect.policy
    }

    /// How many times this session reconnected (counted over its life).
    pub fn reconnects(&self) -> u64 {
        self.reconnect.count
    }

    /// Runs the call `op` (named `what` in errors), reconnecting and running it again as
    /// `redo` allows. Calls made from inside `op` run as they are.
    pub(crate) fn reconnecting<T>(
        &mut self,
        what: Name<'_>,
        redo: Redo,
        mut op: impl FnMut(&mut Ftp) -> Result<T>,
    ) -> Result<T> {
        let Some(policy) = self.reconnect.policy.filter(|_| self.reconnect.depth == 0) else {
            return op(self);
        };
        self.reconnect.depth += 1;
        let result = self.reconnect_loop(&named(what), redo, policy, &mut op);
        self.reconnect.depth -= 1;
        result
    }

    /// Runs `f` with reconnecting held off (a login, which reconnecting itself uses).
    pub(crate) fn without_reconnect<T>(&mut self, f: impl FnOnce(&mut Ftp) -> Result<T>) -> Result<T> {
        self.reconnect.depth += 1;
        let result = f(self);
        self.reconnect.depth -= 1;
        result
    }

    fn reconnect_loop<T>(
        &mut self,
        what: &str,
        redo: Redo,
        policy: ReconnectPolicy,
        op: &mut impl FnMut(&mut Ftp) -> Result<T>,
    ) -> Result<T> {
        let mut tries_left = policy.tries;
        if self.reconnect.lost && !self.ctrl.is_usable() && self.target.is_some() {
            let why = Error::Closed("the connection was lost in an earlier call".into());
            self.reopen_restoring(what, &why, policy, &mut tries_left)?;
        }
        loop {
            let usable = self.ctrl.is_usable() && self.conn.transfer.is_none();
            if usable {
                self.reconnect.saved_type = self.conn.current_type;
                self.reconnect.saved_prot_p = self.conn.prot_p;
            }
            let (sent, answers) = (self.ctrl.sent, self.ctrl.answers);
            let mut e = match op(self) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            // A 421 the call read as a reply: the server is closing the connection.
            if e.reply().is_some_and(|r| r.code == 421) {
                e = self.ctrl.fail(e);
            }
            if !usable
                || self.ctrl.is_usable()
                || self.target.is_none()
                || self.interrupter.requested()
                || !lost_connection(&e)
            {
                return Err(e);
            }
            self.reconnect.lost = true;
            let unsent = self.ctrl.sent == sent;
            let again = unsent
                || match redo {
                    Redo::Safe => self.ctrl.answers == answers,
                    Redo::Anytime => true,
                    Redo::Unsent => false,
                };
            if !again {
                let why = format!("connection lost ({e}); {what} may have reached the server: not run again");
                self.ctrl.log.emit(1, LogKind::Resp, &why);
                return Err(e);
            }
            if tries_left == 0 {
                return Err(Error::Reconnect {
                    command: what.to_string(),
                    lost: Box::new(e),
                    failed: None,
                    tries: 0,
                    reconnected: false,
                });
            }
            self.reopen_restoring(what, &e, policy, &mut tries_left)?;
        }
    }

    /// Connects again (up to `tries_left` attempts, `policy.delay` apart), then restores
    /// the working directory, TYPE and PROT the lost connection had.
    fn reopen_restoring(
        &mut self,
        what: &str,
        lost: &Error,
        policy: ReconnectPolicy,
        tries_left: &mut u32,
    ) -> Result<()> {
        let cwd = self.reconnect.cwd.clone();
        let (ty, prot_p) = (self.reconnect.saved_type, self.reconnect.saved_prot_p);
        // A failed connect forgets the target: kept here for the next try and call.
        let target = self.target.clone();
        let give_up = |failed: Error, tries: u32, reconnected: bool| Error::Reconnect {
            command: what.to_string(),
            lost: Box::new(clone_lite(lost)),
            failed: Some(Box::new(failed)),
            tries,
            reconnected,
        };
        let mut made = 0;
        loop {
            if made > 0 && !self.pause(policy.delay) {
                self.reconnect.lost = true;
                return Err(give_up(Error::Interrupted, made, false));
            }
            *tries_left -= 1;
            made += 1;
            self.ctrl.log.emit(1, LogKind::Resp, &format!("reconnecting (try {made}) after: {lost}"));
            match self.reopen() {
                Ok(_) => break,
                Err(e) => {
                    self.target = target.clone();
                    self.reconnect.lost = true;
                    if *tries_left == 0 || !worth_retrying(&e) || self.interrupter.requested() {
                        return Err(give_up(e, made, false));
                    }
                }
            }
        }
        self.reconnect.count += 1;
        self.reconnect.lost = false;
        let cwd_noted = cwd.clone();
        let restored = self.restore(cwd, ty, prot_p);
        if let Err(e) = restored {
            // Refused: the CWDs replayed before the refusal are noted again, so the note
            // says where the session is now, and a later reconnect goes back there.
            if !self.ctrl.is_usable() {
                // Lost again: the next call starts over from what was noted.
                self.reconnect.cwd = cwd_noted;
                self.reconnect.lost = true;
            }
            return Err(give_up(e, made, true));
        }
        Ok(())
    }

    fn restore(&mut self, cwd: Option<Vec<Vec<u8>>>, ty: Option<&'static str>, prot_p: bool) -> Result<()> {
        if self.ctrl.is_tls() && self.conn.prot_p != prot_p {
            if prot_p {
                self.prot_p()?;
            } else {
                self.prot_c()?;
            }
        }
        let Some(steps) = cwd else {
            // The new connection is in the home directory, and noted so from now on.
            self.reconnect.at_home();
            return Err(Error::State(format!(
                "the working directory is not known (more than {MAX_CWD_STEPS} relative CWDs since the last PWD or absolute CWD)"
            )));
        };
        self.reconnect.at_home();
        for line in &steps {
            self.voidcmd(line)?;
        }
        if let Some(ty) = ty {
            self.set_type(ty)?;
        }
        Ok(())
    }

    /// Waits `delay`, looking for an interrupt every 50 ms; false when interrupted.
    fn pause(&self, delay: Duration) -> bool {
        let end = Instant::now() + delay;
        loop {
            if self.interrupter.requested() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }
}

/// A copy of `e` for an error that reports it (errors hold io::Error, which does not
/// clone): the same class and message.
fn clone_lite(e: &Error) -> Error {
    match e {
        Error::Temp(r) => Error::Temp(r.clone()),
        Error::Closed(s) => Error::Closed(s.clone()),
        other => match other.kind() {
            ErrorKind::Tls(f) => Error::tls(f, other.to_string()),
            ErrorKind::Closed => Error::Closed(other.to_string()),
            _ => Error::Io { context: other.to_string(), source: std::io::Error::other("connection lost") },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lost_connection_counts() {
        let reply = |code| crate::Reply { code, lines: vec![format!("{code} x").into_bytes()] };
        assert!(lost_connection(&Error::Temp(reply(421))));
        assert!(!lost_connection(&Error::Temp(reply(450))));
        assert!(lost_connection(&Error::Closed("eof".into())));
        assert!(!lost_connection(&Error::Timeout("slow".into())));
        assert!(!lost_connection(&Error::Interrupted));
        let abandoned =
            Error::Abandoned { first: Box::new(Error::Cancelled), cleanup: Box::new(Error::Closed("eof".into())) };
        assert!(lost_connection(&abandoned));
    }
}
