//! Opening sessions from what `params.rs` holds: `ConnectParams::open`, a session's
//! `reopen` of the target it remembers, and `SessionSource`, where the work that spreads
//! over several sessions (a pool, a segmented download, a parallel mirror) gets them.

use crate::error::{Error, Result};
use crate::params::{ConnectParams, Target};
use crate::reply::Reply;
use crate::session::Ftp;

impl ConnectParams {
    /// Opens a new session: connects, and logs in when the parameters have a login.
    pub fn open(&self) -> Result<Ftp> {
        let mut ftp = Ftp::new();
        ftp.opts = self.options.clone();
        ftp.open_target(&self.target)?;
        Ok(ftp)
    }
}

/// Where extra sessions come from, for the work that spreads over several of them
/// (segmented downloads, parallel mirrors): each is connected and logged in to the
/// server of the session that asked. Called from several threads at once. A `Pool`
/// lends its sessions; `ConnectParams` opens new ones, and so does any
/// `Fn() -> Result<Ftp> + Sync`.
///
/// Every session `open` returns goes back through `release`, usable or not, exactly
/// once: a pool's place is then never lost. The default `release` ends a usable
/// session with QUIT, without waiting for its reply, and drops a broken one.
pub trait SessionSource: Sync {
    /// A session ready for commands.
    fn open(&self) -> Result<Ftp>;

    /// Takes back a session from `open` that the work is done with, usable or not
    /// (`Ftp::is_usable`).
    fn release(&self, mut ftp: Ftp) {
        if ftp.is_usable() {
            ftp.hang_up();
        }
    }

    /// Whether the sessions given back are used again (a pool's). Where they are not,
    /// the work may end one in the middle of a transfer it no longer needs (a
    /// segmented download's last segment to end) instead of aborting it in step.
    fn reuses(&self) -> bool {
        false
    }
}

impl SessionSource for ConnectParams {
    fn open(&self) -> Result<Ftp> {
        self.for_extra_sessions().open()
    }
}

impl<F: Fn() -> Result<Ftp> + Sync> SessionSource for F {
    fn open(&self) -> Result<Ftp> {
        self()
    }
}

impl Ftp {
    /// The server and login of this session's last successful connect and login, from
    /// which `reopen` (or a pool, with the session's options) connects again. None
    /// before the first connect.
    pub fn target(&self) -> Option<&Target> {
        self.target.as_ref()
    }

    /// Parameters that open sessions like this one: its target and its options.
    pub fn connect_params(&self) -> Option<ConnectParams> {
        self.target.clone().map(|target| ConnectParams { target, options: self.opts.clone() })
    }

    /// Connects again to the remembered target and logs in as before, with this
    /// session's current options. The working directory, TYPE and PROT are those of a
    /// new connection: restoring them is the caller's choice.
    pub fn reopen(&mut self) -> Result<Reply> {
        let target = self.target.clone().ok_or_else(|| Error::State("never connected: nothing to reopen".into()))?;
        self.open_target(&target)
    }

    /// Connects to `target` in its TLS mode (the session's own mode is kept), then logs
    /// in if it has a login; a failed login closes the connection.
    fn open_target(&mut self, target: &Target) -> Result<Reply> {
        let mode = self.opts.tls_mode;
        self.opts.tls_mode = target.tls_mode;
        let timeout = self.opts.timeout;
        let source = self.opts.source_address;
        let mut res = self.connect(&target.host, target.port, timeout, source);
        if let (Ok(_), Some(l)) = (&res, &target.login) {
            res = self.login(Some(&l.user), Some(&l.passwd), l.acct.as_deref());
            if res.is_err() {
                self.close();
            }
        }
        self.opts.tls_mode = mode;
        res
    }
}
