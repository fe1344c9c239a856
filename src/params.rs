//! What it takes to open a session again: the server a session connected to, the
//! login it gave, and its options. A pool opens its sessions from `ConnectParams`; a
//! session reconnects from the `Target` it remembers (the opening itself is in
//! `opening.rs`).

use crate::options::Options;
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
