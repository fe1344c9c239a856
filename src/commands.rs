//! ftplib's file and directory commands: rename, delete, cwd, mkd, pwd, rmd, size.

use crate::control::{check_line, verb_line};
use crate::error::{Error, Result};
use crate::parse;
use crate::reconnect_state::Redo;
use crate::reply::Reply;
use crate::session::Ftp;

impl Ftp {
    /// Renames `from` to `to` (RNFR, which must get 3xx, then RNTO).
    pub fn rename(&mut self, from: impl AsRef<[u8]>, to: impl AsRef<[u8]>) -> Result<Reply> {
        let (from, to) = (from.as_ref(), to.as_ref());
        check_line("path", from)?;
        check_line("path", to)?;
        self.reconnecting(("RNFR", from), Redo::Unsent, |ftp| {
            let r = ftp.sendcmd(verb_line("RNFR", from))?;
            if r.class() != 3 {
                return Err(Error::Reply(r));
            }
            ftp.voidcmd(verb_line("RNTO", to))
        })
    }

    /// Deletes a file (DELE); only 250 or 200 count as success, as in ftplib.
    pub fn delete(&mut self, path: impl AsRef<[u8]>) -> Result<Reply> {
        let path = path.as_ref();
        check_line("path", path)?;
        let r = self.sendcmd(verb_line("DELE", path))?;
        if r.code == 250 || r.code == 200 { Ok(r) } else { Err(Error::Reply(r)) }
    }

    /// Changes directory. ".." sends CDUP (and CWD .. if CDUP gets 500); "" means ".".
    pub fn cwd(&mut self, dir: impl AsRef<[u8]>) -> Result<Reply> {
        let dir = dir.as_ref();
        check_line("path", dir)?;
        self.reconnecting(("CWD", dir), Redo::Safe, |ftp| {
            if dir == b".." {
                match ftp.voidcmd("CDUP") {
                    Err(Error::Perm(r)) if r.code == 500 => {}
                    other => return other,
                }
            }
            let dir = if dir.is_empty() { b"." } else { dir };
            ftp.voidcmd(verb_line("CWD", dir))
        })
    }

    /// Creates a directory; returns the path from the 257 reply (empty if the server
    /// answered with another 2xx code).
    pub fn mkd(&mut self, dir: impl AsRef<[u8]>) -> Result<Vec<u8>> {
        let dir = dir.as_ref();
        check_line("path", dir)?;
        let r = self.voidcmd(verb_line("MKD", dir))?;
        if r.code != 257 {
            return Ok(Vec::new());
        }
        parse::parse_257(r.first_line())
    }

    /// The current directory (PWD), parsed from the 257 reply.
    pub fn pwd(&mut self) -> Result<Vec<u8>> {
        self.reconnecting(("PWD", b""), Redo::Safe, |ftp| {
            let r = ftp.voidcmd("PWD")?;
            if r.code != 257 {
                return Ok(Vec::new());
            }
            let path = parse::parse_257(r.first_line())?;
            ftp.reconnect.note_cwd(b"PWD", Some(&path));
            Ok(path)
        })
    }

    /// Removes a directory (RMD).
    pub fn rmd(&mut self, dir: impl AsRef<[u8]>) -> Result<Reply> {
        let dir = dir.as_ref();
        check_line("path", dir)?;
        self.voidcmd(verb_line("RMD", dir))
    }

    /// The size of a file (TYPE I if needed, then SIZE). None when the server answers with another
    /// 2xx than 213, or does not implement SIZE (500, 502, 504).
    pub fn size(&mut self, path: impl AsRef<[u8]>) -> Result<Option<u64>> {
        let path = path.as_ref();
        check_line("path", path)?;
        self.reconnecting(("SIZE", path), Redo::Safe, |ftp| {
            ftp.idle()?;
            match ftp.typed_command(Some("I"), &verb_line("SIZE", path))? {
                Ok(r) if r.code == 213 => parse::parse_213_size(r.first_line()).map(Some),
                Ok(_) => Ok(None),
                Err(Error::Perm(r)) if matches!(r.code, 500 | 502 | 504) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }
}
