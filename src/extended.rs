//! Commands beyond ftplib's methods: FEAT (and OPTS UTF8 after a login), NOOP, SYST,
//! SITE, STAT, ACCT, HOST (RFC 7151),
//! ALLO, MDTM and MFMT (RFC 3659 times, as UTC), and directory paths walked one
//! level at a time (CWD into several levels, MKD of a whole path).

use crate::control::{check_line, verb_line};
use crate::error::{Error, Result};
use crate::features::Features;
use crate::filetime::FileTime;
use crate::parse;
use crate::reconnect_state::Redo;
use crate::reply::Reply;
use crate::session::{Ftp, is_reply_error};

impl Ftp {
    /// NOOP: keeps an idle connection alive (servers drop idle sessions after their
    /// timeout, often 300 s) and checks that it still answers.
    pub fn noop(&mut self) -> Result<Reply> {
        self.reconnecting(("NOOP", b""), Redo::Safe, |ftp| ftp.voidcmd("NOOP"))
    }

    /// SYST: the server's system type, e.g. "UNIX Type: L8" (the reply text after the code).
    pub fn syst(&mut self) -> Result<Vec<u8>> {
        let r = self.reconnecting(("SYST", b""), Redo::Safe, |ftp| ftp.voidcmd("SYST"))?;
        Ok(r.first_line().get(4..).unwrap_or_default().to_vec())
    }

    /// SITE with the given arguments (server-specific, e.g. "CHMOD 644 file").
    pub fn site(&mut self, args: impl AsRef<[u8]>) -> Result<Reply> {
        let args = args.as_ref();
        check_line("SITE arguments", args)?;
        self.voidcmd(verb_line("SITE", args))
    }

    /// STAT, or STAT `path`: the lines of the server's (multi-line) reply between its
    /// first and last line, or the single line's text.
    pub fn stat(&mut self, path: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>> {
        let path = path.as_ref();
        check_line("path", path)?;
        let line = if path.is_empty() { b"STAT".to_vec() } else { verb_line("STAT", path) };
        let r = self.reconnecting(("STAT", path), Redo::Safe, |ftp| ftp.voidcmd(&line))?;
        if r.lines.len() <= 1 {
            return Ok(vec![r.first_line().get(4..).unwrap_or_default().to_vec()]);
        }
        Ok(r.lines[1..r.lines.len() - 1].to_vec())
    }

    /// ACCT: sends account information (for servers that ask with 332, or later).
    pub fn acct(&mut self, account: &str) -> Result<Reply> {
        check_line("account", account)?;
        let r = self.sendcmd(format!("ACCT {account}"))?;
        if r.class() != 2 { Err(Error::Reply(r)) } else { Ok(r) }
    }

    /// HOST (RFC 7151): names the virtual host to serve, before login.
    pub fn host_cmd(&mut self, name: &str) -> Result<Reply> {
        check_line("host", name)?;
        self.voidcmd(format!("HOST {name}"))
    }

    /// ALLO: asks the server to reserve `size` bytes before an upload. A server that
    /// does not need it answers 202, which is success too.
    pub fn allo(&mut self, size: u64) -> Result<Reply> {
        self.voidcmd(format!("ALLO {size}"))
    }

    /// MDTM: a file's modification time, as UTC.
    pub fn mdtm(&mut self, path: impl AsRef<[u8]>) -> Result<FileTime> {
        let path = path.as_ref();
        check_line("path", path)?;
        let r = self.reconnecting(("MDTM", path), Redo::Safe, |ftp| ftp.voidcmd(verb_line("MDTM", path)))?;
        if r.code != 213 {
            return Err(Error::Reply(r));
        }
        let text = r.first_line().get(4..).unwrap_or_default();
        parse::parse_time_val(text).ok_or_else(|| {
            Error::Proto(format!("MDTM reply is not YYYYMMDDHHMMSS[.sss]: {}", String::from_utf8_lossy(r.first_line())))
        })
    }

    /// MFMT: sets a file's modification time (UTC, whole seconds).
    pub fn mfmt(&mut self, path: impl AsRef<[u8]>, time: FileTime) -> Result<Reply> {
        let path = path.as_ref();
        check_line("path", path)?;
        let stamp = parse::format_time_val(time.secs)
            .ok_or_else(|| Error::Invalid(format!("time {} is outside years 1970..9999", time.secs)))?;
        let mut line = format!("MFMT {stamp} ").into_bytes();
        line.extend_from_slice(path);
        self.reconnecting(("MFMT", path), Redo::Safe, |ftp| ftp.voidcmd(&line))
    }

    /// Changes directory one level at a time ("a/b/c": CWD a, CWD b, CWD c; a leading
    /// '/' first goes to the root), for servers that do not take paths in CWD. On
    /// failure the working directory is wherever the last successful CWD left it.
    pub fn cwd_each(&mut self, path: impl AsRef<[u8]>) -> Result<Reply> {
        let path = path.as_ref();
        check_line("path", path)?;
        self.reconnecting(("CWD", path), Redo::Safe, |ftp| {
            let mut last = None;
            if path.starts_with(b"/") {
                last = Some(ftp.voidcmd("CWD /")?);
            }
            for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
                last = Some(ftp.voidcmd(verb_line("CWD", part))?);
            }
            match last {
                Some(r) => Ok(r),
                None => ftp.voidcmd("CWD ."),
            }
        })
    }

    /// Creates a directory and any missing parents (like `mkdir -p`): each level is
    /// entered if it exists and made (MKD) if not. The working directory is restored
    /// afterwards. Existing directories are not an error.
    pub fn mkd_all(&mut self, path: impl AsRef<[u8]>) -> Result<()> {
        let path = path.as_ref();
        check_line("path", path)?;
        // With no directory in the PWD reply there is nowhere known to go back to.
        self.reconnecting(("MKD", path), Redo::Safe, |ftp| {
            let home = ftp.pwd()?;
            ftp.then_back_to(&home, |ftp| ftp.mkd_walk(path))
        })
    }

    /// Runs `f`, which may change directory, then goes back to the working directory
    /// it started in, whatever happened (an error of `f` wins over one going back).
    /// The PWD reply must name that directory (`pwd_path`).
    pub(crate) fn staying_put<T>(&mut self, f: impl FnOnce(&mut Ftp) -> Result<T>) -> Result<T> {
        let home = self.pwd_path()?;
        self.then_back_to(&home, f)
    }

    /// Runs `f`, then CWD `home` ("" stays wherever `f` left it).
    fn then_back_to<T>(&mut self, home: &[u8], f: impl FnOnce(&mut Ftp) -> Result<T>) -> Result<T> {
        let outcome = f(self);
        let back = if home.is_empty() { Ok(()) } else { self.voidcmd(verb_line("CWD", home)).map(|_| ()) };
        outcome.and_then(|v| back.map(|()| v))
    }

    /// The working directory, which must be known: `pwd` gives "" (as ftplib does) when
    /// the reply names none, and a path built on "" would lead somewhere else.
    pub(crate) fn pwd_path(&mut self) -> Result<Vec<u8>> {
        let path = self.pwd()?;
        if path.is_empty() {
            let reply = self.last_reply().map(ToString::to_string).unwrap_or_default();
            return Err(Error::Proto(format!("the PWD reply names no directory: {reply}")));
        }
        Ok(path)
    }

    fn mkd_walk(&mut self, path: &[u8]) -> Result<()> {
        if path.starts_with(b"/") {
            self.voidcmd("CWD /")?;
        }
        // A refused CWD means "not there (yet)"; any other failure (the connection
        // gone, a timeout, an interrupt) ends the walk as it is.
        let enter = |ftp: &mut Ftp, part: &[u8]| match ftp.voidcmd(verb_line("CWD", part)) {
            Ok(_) => Ok(true),
            Err(e) if is_reply_error(&e) => Ok(false),
            Err(e) => Err(e),
        };
        for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
            if enter(self, part)? {
                continue;
            }
            if let Err(e) = self.mkd(part) {
                // Another client may have made it meanwhile: entering it decides.
                if is_reply_error(&e) && enter(self, part)? {
                    continue;
                }
                return Err(e);
            }
            self.voidcmd(verb_line("CWD", part))?;
        }
        Ok(())
    }
}

impl Ftp {
    /// Sends FEAT and keeps the answer. A server without FEAT (500, 502) has no
    /// features; that is not an error.
    pub fn feat(&mut self) -> Result<&Features> {
        let features = match self.reconnecting(("FEAT", b""), Redo::Safe, |ftp| ftp.sendcmd("FEAT")) {
            Ok(r) if r.code == 211 => Features::parse(&r),
            Ok(_) => Features::default(),
            Err(Error::Perm(r)) if matches!(r.code, 500 | 502) => Features::default(),
            Err(e) => return Err(e),
        };
        Ok(self.conn.features.insert(features))
    }

    /// The features of this connection, asking FEAT first if that was not done yet.
    pub fn features(&mut self) -> Result<&Features> {
        if self.conn.features.is_none() {
            self.feat()?;
        }
        Ok(self.conn.features.as_ref().expect("fetched above"))
    }

    /// After a login: FEAT, then `OPTS UTF8 ON` when UTF8 is offered (RFC 2640), so
    /// servers that need it send and accept UTF-8 names. A refused OPTS is not an error.
    /// The login itself went through, so a FEAT refused now only means no features
    /// (but a 421 means the server is closing: reported).
    pub(crate) fn after_login_features(&mut self) -> Result<()> {
        let utf8 = match self.features() {
            Ok(f) => f.has("UTF8"),
            Err(e) if refusal(&e) => {
                self.conn.features = Some(Features::default());
                false
            }
            Err(e) => return Err(e),
        };
        if utf8 {
            match self.sendcmd("OPTS UTF8 ON") {
                Ok(_) => {}
                Err(e) if refusal(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// A reply error other than 421 (the server closing).
fn refusal(e: &Error) -> bool {
    crate::session::is_reply_error(e) && e.reply().is_some_and(|r| r.code != 421)
}
