//! What it takes to open a session again: the server a session connected to, the
//! login it gave, and its options. A pool opens its sessions from `ConnectParams`; a
//! session reconnects from the `Target` it remembers.

use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::session::{Ftp, Options};
use crate::tls::TlsMode;
use std::fmt;

/// The login a session gave, as sent (defaults applied: "anonymous", "anonymous@").
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub passwd: String,
    pub acct: Option<String>,
}

impl fmt::Debug for Login {
    // The password never reaches a log or a panic message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login").field("user", &self.user).field("passwd", &"****").field("acct", &self.acct).finish()
    }
}

/// The server of a session's last successful connect, and its login once one succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The host as the caller gave it (a name is resolved again on each connect).
    pub host: String,
    /// The port connected to (never 0).
    pub port: u16,
    /// The TLS mode of that connection (implicit for an `ftps://` URL even when the
    /// session's own mode is another).
    pub tls_mode: TlsMode,
    pub login: Option<Login>,
}

/// Everything needed to open sessions like one: where, who, and the session options
/// (timeouts, passive or active, TLS settings, keep-alive, source address, tuning).
#[derive(Debug, Clone)]
pub struct ConnectParams {
    pub target: Target,
    pub options: Options,
}

impl ConnectParams {
    /// Parameters for `host` and `port` (0: the default for the options' TLS mode),
    /// with no login yet (`with_login`).
    pub fn new(host: &str, port: u16, options: Options) -> ConnectParams {
        let target = Target { host: host.to_string(), port, tls_mode: options.tls_mode, login: None };
        ConnectParams { target, options }
    }

    /// The same parameters, logging in as `user` (None or empty: anonymous).
    pub fn with_login(mut self, user: Option<&str>, passwd: Option<&str>, acct: Option<&str>) -> ConnectParams {
        let (user, passwd) = Login::defaults(user, passwd);
        self.target.login = Some(Login { user, passwd, acct: acct.map(str::to_string) });
        self
    }

    /// The same parameters for sessions opened beside the one they come from (a pool's,
    /// a segmented download's, a parallel mirror's): without a fixed source port, as a
    /// second connection from the same local port to the same server fails.
    pub fn for_extra_sessions(&self) -> ConnectParams {
        let mut params = self.clone();
        params.options.source_port = 0;
        params
    }

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
/// once: a pool's place is then never lost. The default `release` quits a usable
/// session and drops a broken one.
pub trait SessionSource: Sync {
    /// A session ready for commands.
    fn open(&self) -> Result<Ftp>;

    /// Takes back a session from `open` that the work is done with, usable or not
    /// (`Ftp::is_usable`).
    fn release(&self, mut ftp: Ftp) {
        if ftp.is_usable() {
            let _ = ftp.quit();
        }
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

impl Login {
    /// ftplib's defaults: user "anonymous"; its password "anonymous@" when empty or
    /// "-" (and "-" becomes "-anonymous@").
    pub(crate) fn defaults(user: Option<&str>, passwd: Option<&str>) -> (String, String) {
        let user = user.filter(|u| !u.is_empty()).unwrap_or("anonymous");
        let mut passwd = passwd.unwrap_or("").to_string();
        if user == "anonymous" && (passwd.is_empty() || passwd == "-") {
            passwd.push_str("anonymous@");
        }
        (user.to_string(), passwd)
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
