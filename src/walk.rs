//! Remote trees: a walk over a directory tree (each entry with its path, type and
//! facts), a recursive remove built on it, and MLST of one path.
//!
//! A walk lists each directory (`list_all`: MLSD, else LIST) and reports its entries
//! before going into its subdirectories. Symbolic links are reported, never followed;
//! a directory whose MLSD "unique" id is that of a directory above it (a link shown as
//! a directory) is reported but not entered. Names that cannot be one path component
//! ("", ".", "..", or holding '/', '\\', NUL, CR or LF) are refused as the mirror
//! refuses them: reported with `refused` set, never joined into a path.

use crate::control::check_line;
use crate::entry::{Entry, EntryType};
use crate::error::{Error, Result};
use crate::mirror::safe_name;
use crate::progress::Flow;
use crate::session::Ftp;

/// The deepest a walk goes when the caller sets no limit: deeper is taken for a loop
/// and fails the walk (the mirror's limit).
pub const MAX_WALK_DEPTH: usize = crate::mirror::MAX_MIRROR_DEPTH;

/// One entry met by a walk.
#[derive(Debug, Clone, Copy)]
pub struct WalkEntry<'a> {
    /// The root joined with the names below it by '/': a path the session can use. For
    /// a refused entry, the parent's path and the name as listed (not a usable path).
    pub path: &'a [u8],
    /// 1 for the root's own entries, 2 for theirs, and so on.
    pub depth: usize,
    /// The entry as listed (kind, size, time, facts).
    pub entry: &'a Entry,
    /// Why the walk does not use the entry, if it does not.
    pub refused: Option<Refusal>,
}

/// Why a walk reports an entry without using it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The name cannot be one path component ("..", a '/', a NUL...).
    UnsafeName,
    /// A directory with the "unique" id of one above it: entering it would loop.
    Loop,
}

/// What a walk does at each step, for the walks built on it (`remove_tree`).
enum Visit<'a> {
    Entry(WalkEntry<'a>),
    /// A directory entered earlier has had all its entries visited.
    Leave {
        path: &'a [u8],
    },
}

/// What a visitor wants after an entry.
enum Next {
    /// Go on (into the entry, if it is a directory).
    Go,
    /// Go on, but not into this directory (`remove_tree` deleted it as a link).
    NotInto,
    /// Stop the walk (`Error::Cancelled`).
    Stop,
}

/// How a walk goes: how deep (None: down to `MAX_WALK_DEPTH`), and whether each
/// directory's links come before its other entries.
#[derive(Clone, Copy)]
struct Order {
    max_depth: Option<usize>,
    links_first: bool,
}

/// `dir` and `name` joined by one '/'.
fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.is_empty() && !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

impl Ftp {
    /// Walks the tree under `root` ("" for the working directory): lists each
    /// directory and calls `callback` with each entry (not "." nor ".."), a directory
    /// before its contents. `max_depth` limits how deep: Some(1) lists `root` only;
    /// None walks down to `MAX_WALK_DEPTH`, and deeper is a protocol error (a loop).
    /// The callback's `Flow::Break` stops the walk with `Error::Cancelled`.
    pub fn walk(
        &mut self,
        root: impl AsRef<[u8]>,
        max_depth: Option<usize>,
        mut callback: impl FnMut(&WalkEntry) -> Flow,
    ) -> Result<()> {
        self.walk_with(root.as_ref(), Order { max_depth, links_first: false }, &mut |_, visit| match visit {
            Visit::Entry(w) => Ok(if callback(&w).is_break() { Next::Stop } else { Next::Go }),
            Visit::Leave { .. } => Ok(Next::Go),
        })
    }

    fn walk_with(
        &mut self,
        root: &[u8],
        order: Order,
        visit: &mut dyn FnMut(&mut Ftp, Visit) -> Result<Next>,
    ) -> Result<()> {
        check_line("path", root)?;
        if order.max_depth == Some(0) {
            return Err(Error::Invalid("a walk's depth limit must be at least 1".into()));
        }
        let mut above = Vec::new();
        self.walk_dir(root, 1, order, &mut above, visit)
    }

    fn walk_dir(
        &mut self,
        dir: &[u8],
        depth: usize,
        order: Order,
        above: &mut Vec<String>,
        visit: &mut dyn FnMut(&mut Ftp, Visit) -> Result<Next>,
    ) -> Result<()> {
        if order.max_depth.is_none() && depth > MAX_WALK_DEPTH {
            let shown = String::from_utf8_lossy(dir);
            return Err(Error::Proto(format!("{shown}: more than {MAX_WALK_DEPTH} directories deep (a loop?)")));
        }
        let mut entries = self.list_all(dir)?;
        if order.links_first {
            entries.sort_by_key(|e| e.kind != EntryType::Link);
        }
        // The listed directory's own id ("type=cdir;unique=..."), for loop checks below.
        let here = entries.iter().find(|e| e.kind == EntryType::CurrentDir).and_then(|e| e.unique.clone());
        let pushed = here.is_some();
        above.extend(here);
        let walked = self.walk_entries(dir, depth, order, &entries, above, visit);
        if pushed {
            above.pop();
        }
        walked
    }

    fn walk_entries(
        &mut self,
        dir: &[u8],
        depth: usize,
        order: Order,
        entries: &[Entry],
        above: &mut Vec<String>,
        visit: &mut dyn FnMut(&mut Ftp, Visit) -> Result<Next>,
    ) -> Result<()> {
        /// Whether to go into the entry visited (if a directory).
        fn step(ftp: &mut Ftp, visit: &mut dyn FnMut(&mut Ftp, Visit) -> Result<Next>, v: Visit) -> Result<bool> {
            match visit(ftp, v)? {
                Next::Go => Ok(true),
                Next::NotInto => Ok(false),
                Next::Stop => Err(Error::Cancelled),
            }
        }
        for e in entries {
            if matches!(e.kind, EntryType::CurrentDir | EntryType::ParentDir) {
                continue;
            }
            let Some(name) = safe_name(&e.name) else {
                let path = join(dir, &e.name);
                let w = WalkEntry { path: &path, depth, entry: e, refused: Some(Refusal::UnsafeName) };
                step(self, visit, Visit::Entry(w))?;
                continue;
            };
            let path = join(dir, name);
            let looped = e.kind == EntryType::Dir && e.unique.as_ref().is_some_and(|u| above.contains(u));
            let refused = looped.then_some(Refusal::Loop);
            let into = step(self, visit, Visit::Entry(WalkEntry { path: &path, depth, entry: e, refused }))?;
            if into && e.kind == EntryType::Dir && !looped && order.max_depth.is_none_or(|m| depth < m) {
                let pushed = e.unique.clone().map(|u| above.push(u)).is_some();
                let walked = self.walk_dir(&path, depth + 1, order, above, visit);
                if pushed {
                    above.pop();
                }
                walked?;
                step(self, visit, Visit::Leave { path: &path })?;
            }
        }
        Ok(())
    }

    /// Removes the directory `path` and everything under it: a walk that deletes each
    /// file and link (DELE) as it is met (a directory's links before its other
    /// entries), and each directory (RMD) once emptied, then `path` itself. Links are deleted, never followed: a directory entry is first
    /// sent DELE, and entered only when that is refused, since some servers list a
    /// link to a directory as a directory (pyftpdlib's MLSD follows links). An entry the walk refuses (an
    /// unsafe name, a loop) or a LIST line in no known format stops it with a protocol
    /// error before the directory holding it is removed; a refused DELE or RMD stops it
    /// with that reply's error. What was removed before a failure stays removed.
    pub fn remove_tree(&mut self, path: impl AsRef<[u8]>) -> Result<()> {
        let root = path.as_ref();
        check_line("path", root)?;
        // "", "/", "." and the like ("./", "/.", "//"): the root or the current directory.
        if root.split(|&b| b == b'/').all(|c| c.is_empty() || c == b".") {
            return Err(Error::Invalid("remove_tree needs a directory other than the root or the current one".into()));
        }
        // Links go first: servers that stat() what DELE names (GNU inetutils, netkit,
        // ftp-srv) refuse a link whose target, a file beside it, is already deleted.
        self.walk_with(root, Order { max_depth: None, links_first: true }, &mut |ftp, visit| {
            match visit {
                Visit::Entry(w) => {
                    let shown = String::from_utf8_lossy(w.path);
                    match (w.refused, w.entry.kind) {
                        (Some(Refusal::UnsafeName), _) => {
                            return Err(Error::Proto(format!("{shown}: a name that is not a plain file name")));
                        }
                        (Some(Refusal::Loop), _) => {
                            return Err(Error::Proto(format!("{shown}: a directory that contains itself")));
                        }
                        // A link the server shows as a directory goes with DELE; a real
                        // directory refuses it (550) and is emptied, then removed.
                        (None, EntryType::Dir) => {
                            if ftp.delete(w.path).is_ok() {
                                return Ok(Next::NotInto);
                            }
                        }
                        (None, EntryType::Unknown) => {
                            return Err(Error::Proto(format!("{shown}: a listing line in no known format")));
                        }
                        (None, _) => {
                            ftp.delete(w.path)?;
                        }
                    }
                }
                Visit::Leave { path } => {
                    ftp.rmd(path)?;
                }
            }
            Ok(Next::Go)
        })?;
        self.rmd(root)?;
        Ok(())
    }

    /// MLST of one path (RFC 3659): its facts, parsed as an MLSD line is ("" for the
    /// working directory). The name is the server's: the whole path, usually. A server
    /// without MLST in FEAT, or that answers MLST with 500 or 502, has the parent
    /// directory listed instead (MLSD or LIST, as `list_entries`) and the entry of that
    /// name taken from it (the name then is the last component); a path with no parent
    /// to list ("", "/"), or a name the listing lacks, is then a protocol error.
    pub fn mlst(&mut self, path: impl AsRef<[u8]>) -> Result<Entry> {
        let path = path.as_ref();
        check_line("path", path)?;
        if self.features()?.has("MLST") {
            self.our_mlst_facts()?;
            let cmd = if path.is_empty() { b"MLST".to_vec() } else { crate::control::verb_line("MLST", path) };
            match self.voidcmd(cmd) {
                Ok(r) => return mlst_reply(&r),
                Err(Error::Perm(r)) if matches!(r.code, 500 | 502) => {}
                Err(e) => return Err(e),
            }
        }
        self.listed_entry(path)
    }

    /// The entry for `path` from a listing of its parent.
    fn listed_entry(&mut self, path: &[u8]) -> Result<Entry> {
        let shown = String::from_utf8_lossy(path).into_owned();
        let trimmed = path.strip_suffix(b"/").unwrap_or(path);
        let (parent, name) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(0) => (&b"/"[..], &trimmed[1..]),
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => (&b""[..], trimmed),
        };
        if safe_name(name).is_none() {
            return Err(Error::Proto(format!(
                "the server has no MLST, and {shown:?} has no parent directory to list instead"
            )));
        }
        let mut found = None;
        // Read to the end (the first entry of the name wins): stopping early would
        // cost an ABOR.
        self.list_entries(parent, |e| {
            if found.is_none() && e.kind != EntryType::Unknown && e.name == name {
                found = Some(e.clone());
            }
            Flow::Continue(())
        })?;
        found.ok_or_else(|| {
            let parent = String::from_utf8_lossy(parent);
            Error::Proto(format!("the server has no MLST, and the listing of {parent:?} has no entry {shown:?}"))
        })
    }
}

/// The entry of an MLST reply: "250-Listing path", then the entry's one line after a
/// leading space, then "250 End".
fn mlst_reply(r: &crate::reply::Reply) -> Result<Entry> {
    let inner = r.lines.get(1..r.lines.len().saturating_sub(1)).unwrap_or_default();
    let line = inner.iter().find(|l| l.starts_with(b" ")).or_else(|| inner.first());
    match line {
        Some(l) => Ok(Entry::from_mlsd(l.strip_prefix(b" ").unwrap_or(l))),
        None => Err(Error::Proto(format!("the MLST reply {} holds no entry", r.code))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlst_replies() {
        let lines = |l: &[&str]| l.iter().map(|s| s.as_bytes().to_vec()).collect();
        let r = crate::reply::Reply {
            code: 250,
            lines: lines(&["250-Listing /a", " type=file;size=3;unix.mode=0644; /a", "250 End"]),
        };
        let e = mlst_reply(&r).unwrap();
        assert_eq!((e.name.as_slice(), e.kind, e.size, e.mode), (&b"/a"[..], EntryType::File, Some(3), Some(0o644)));
        let r = crate::reply::Reply { code: 250, lines: lines(&["250 nothing"]) };
        assert_eq!(mlst_reply(&r).unwrap_err().kind(), crate::ErrorKind::Proto);
    }

    #[test]
    fn joins_with_one_slash() {
        assert_eq!(join(b"", b"a"), b"a");
        assert_eq!(join(b"/", b"a"), b"/a");
        assert_eq!(join(b"/d", b"a"), b"/d/a");
        assert_eq!(join(b"d/", b"a"), b"d/a");
    }
}
