//! Directory entries as data: MLSD lines (RFC 3659 facts) and the LIST formats servers
//! really send (Unix `ls -l` in its variants, DOS/IIS), with the raw line kept when a
//! line fits no known format.

use crate::filetime::FileTime;
use crate::listing::MlsdEntry;
use crate::parse::{decimal, parse_time_val};

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    File,
    Dir,
    /// The listed directory itself (MLSD "cdir", or "." in LIST).
    CurrentDir,
    /// Its parent (MLSD "pdir", or ".." in LIST).
    ParentDir,
    Link,
    /// A device, FIFO or socket.
    Special,
    /// Known to the server but not one of the above (an MLSD type such as "OS.x=y").
    Other,
    /// The line fit no known format: `name` is the whole line.
    Unknown,
}

/// One directory entry. Fields a listing does not give are None.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as the server sent it (bytes; not necessarily UTF-8).
    pub name: Vec<u8>,
    pub kind: EntryType,
    pub size: Option<u64>,
    /// Modification time. MLSD gives UTC; LIST gives the server's local time, taken as
    /// UTC, and only to the minute (or the day, for older files).
    pub modified: Option<FileTime>,
    /// MLSD "perm" (e.g. "adfrw").
    pub perm: Option<String>,
    /// MLSD "unique" (an identity for the file on the server).
    pub unique: Option<String>,
    /// Unix permission bits (MLSD "unix.mode", or from `ls -l`'s rwx string).
    pub mode: Option<u32>,
    pub owner: Option<String>,
    pub group: Option<String>,
    /// What a symbolic link points to, where the listing says.
    pub link_target: Option<Vec<u8>>,
    /// The MLSD facts, or the whole LIST line, as received.
    pub raw: Vec<u8>,
}

impl Entry {
    fn new(name: Vec<u8>, kind: EntryType, raw: &[u8]) -> Entry {
        Entry {
            name,
            kind,
            size: None,
            modified: None,
            perm: None,
            unique: None,
            mode: None,
            owner: None,
            group: None,
            link_target: None,
            raw: raw.to_vec(),
        }
    }

    /// An MLSD/MLST line.
    pub fn from_mlsd(line: &[u8]) -> Entry {
        let m = MlsdEntry::parse(line);
        let mut e = Entry::new(m.name.clone(), EntryType::Unknown, &m.raw_facts);
        if let Some(t) = m.fact("type") {
            let lower = t.to_ascii_lowercase();
            e.kind = match lower.as_str() {
                "file" => EntryType::File,
                "dir" => EntryType::Dir,
                "cdir" => EntryType::CurrentDir,
                "pdir" => EntryType::ParentDir,
                _ if lower.starts_with("os.unix=slink") || lower.starts_with("os.unix=symlink") => {
                    // "OS.unix=slink:/target" (RFC 3659 example) names the target, in
                    // the server's bytes.
                    e.link_target = m
                        .raw_fact("type")
                        .and_then(|v| v.iter().position(|&b| b == b':').map(|i| v[i + 1..].to_vec()))
                        .filter(|target| !target.is_empty());
                    EntryType::Link
                }
                _ => EntryType::Other,
            };
        }
        e.size = m.fact("size").or_else(|| m.fact("sizd")).and_then(decimal);
        e.modified = m.fact("modify").and_then(|t| parse_time_val(t.as_bytes()));
        e.perm = m.fact("perm").map(str::to_string);
        e.unique = m.fact("unique").map(str::to_string);
        // Permission bits only: a server's file-type bits (0100644) or junk above them
        // would reach a caller's chmod.
        // pyftpdlib writes Python's octal literal: "0o644".
        let octal = |v: &str| !v.is_empty() && v.bytes().all(|b| (b'0'..=b'7').contains(&b));
        e.mode = m
            .fact("unix.mode")
            .map(|v| v.strip_prefix("0o").unwrap_or(v))
            .filter(|v| octal(v))
            .and_then(|v| u32::from_str_radix(v, 8).ok())
            .map(|m| m & 0o7777);
        e.owner = m.fact("unix.owner").or_else(|| m.fact("unix.uid")).map(str::to_string);
        e.group = m.fact("unix.group").or_else(|| m.fact("unix.gid")).map(str::to_string);
        e
    }

    /// A LIST line. None for lines that are not entries ("total 12", blank). A line
    /// in no known format becomes an entry of kind Unknown whose name is the line.
    /// `now` decides the year of Unix dates given without one (the latest such date
    /// not more than a day in the future, as `ls` shows dates within six months).
    pub fn from_list(line: &[u8], now: FileTime) -> Option<Entry> {
        let text = line.strip_suffix(b"\r").unwrap_or(line);
        if text.iter().all(u8::is_ascii_whitespace) || text.starts_with(b"total ") {
            return None;
        }
        Some(
            parse_unix(text, now)
                .or_else(|| parse_dos(text))
                .unwrap_or_else(|| Entry::new(text.to_vec(), EntryType::Unknown, text)),
        )
    }
}

const MONTHS: [&[u8]; 12] =
    [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];

fn month(tok: &[u8]) -> Option<i64> {
    let lower = tok.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == lower.as_slice()).map(|i| i as i64 + 1)
}

fn number(tok: &[u8]) -> Option<u64> {
    decimal(std::str::from_utf8(tok).ok()?)
}

/// Whitespace-separated tokens with their byte ranges.
fn tokens(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        while i < text.len() && text[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < text.len() && !text[i].is_ascii_whitespace() {
            i += 1;
        }
        if start < i {
            out.push((start, i));
        }
    }
    out
}

fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> Option<FileTime> {
    let stamp = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}00");
    parse_time_val(stamp.as_bytes())
}

/// The nine rwx characters after the type letter → permission bits (s/S/t/T too).
fn mode_bits(perms: &[u8]) -> Option<u32> {
    if perms.len() < 10 {
        return None;
    }
    let p = &perms[1..10];
    let mut mode = 0u32;
    for (i, &c) in p.iter().enumerate() {
        let bit = 1 << (8 - i);
        match (i % 3, c) {
            (_, b'-') => {}
            (0, b'r') | (1, b'w') | (2, b'x') => mode |= bit,
            (2, b's') if i < 6 => mode |= bit | if i == 2 { 0o4000 } else { 0o2000 },
            (2, b'S') if i < 6 => mode |= if i == 2 { 0o4000 } else { 0o2000 },
            (2, b't') if i == 8 => mode |= bit | 0o1000,
            (2, b'T') if i == 8 => mode |= 0o1000,
            _ => return None,
        }
    }
    Some(mode)
}

/// `drwxr-xr-x 2 owner group 4096 Jan 16 14:15 name` and its variants: no group
/// column, device numbers "1, 3" instead of a size, a year instead of a time,
/// "name -> target" for links, ACL marks after the permissions.
fn parse_unix(text: &[u8], now: FileTime) -> Option<Entry> {
    let toks = tokens(text);
    let tok = |i: usize| &text[toks[i].0..toks[i].1];
    if toks.len() < 6 {
        return None;
    }
    let perms = tok(0);
    let kind = match perms.first()? {
        b'-' => EntryType::File,
        b'd' => EntryType::Dir,
        b'l' => EntryType::Link,
        b'c' | b'b' | b'p' | b's' => EntryType::Special,
        _ => return None,
    };
    if perms.len() < 10 {
        return None;
    }
    // The date: month, day, then a time or a year; the size is just before it.
    let m = (3..toks.len().saturating_sub(2)).find(|&i| {
        month(tok(i)).is_some()
            && number(tok(i + 1)).is_some_and(|d| (1..=31).contains(&d))
            && (tok(i + 2).contains(&b':') || number(tok(i + 2)).is_some())
    })?;
    let mo = month(tok(m))?;
    let day = number(tok(m + 1))? as i64;
    let when = tok(m + 2);
    let modified = if let Some(colon) = when.iter().position(|&b| b == b':') {
        let h = number(&when[..colon])? as i64;
        let mi = number(&when[colon + 1..])? as i64;
        // No year: the latest such date at most a day ahead (a server east of UTC is
        // in next year's January while it is still December here).
        let year_now = crate::parse::civil_year(now.secs);
        [year_now + 1, year_now, year_now - 1]
            .into_iter()
            .filter_map(|y| utc(y, mo, day, h, mi))
            .find(|t| t.secs <= now.secs + 86400)
    } else {
        utc(number(when)? as i64, mo, day, 0, 0)
    };
    let mut e = Entry::new(Vec::new(), kind, text);
    e.mode = mode_bits(perms);
    // Device files show "major, minor" where the size would be.
    let size_tok = tok(m - 1);
    if kind == EntryType::Special && m >= 2 && tok(m - 2).ends_with(b",") {
        e.size = None;
    } else {
        e.size = number(size_tok);
    }
    let before_size = if e.size.is_none() && kind == EntryType::Special { m.saturating_sub(2) } else { m - 1 };
    // perms links owner [group]
    if before_size >= 3 {
        e.owner = Some(String::from_utf8_lossy(tok(2)).into_owned());
    }
    if before_size >= 4 {
        e.group = Some(String::from_utf8_lossy(tok(3)).into_owned());
    }
    e.modified = modified;
    // The name: everything after the date field and the one space that follows it.
    let start = toks[m + 2].1 + 1;
    let mut name = text.get(start..)?.to_vec();
    if name.is_empty() {
        return None;
    }
    if kind == EntryType::Link {
        if let Some(p) = name.windows(4).position(|w| w == b" -> ") {
            e.link_target = Some(name[p + 4..].to_vec());
            name.truncate(p);
        }
    }
    e.kind = match name.as_slice() {
        b"." if kind == EntryType::Dir => EntryType::CurrentDir,
        b".." if kind == EntryType::Dir => EntryType::ParentDir,
        _ => kind,
    };
    e.name = name;
    Some(e)
}

/// IIS/DOS: `01-16-24  02:15PM       <DIR>          name` or `... 12345 name`, with
/// 2- or 4-digit years and 12- or 24-hour times.
fn parse_dos(text: &[u8]) -> Option<Entry> {
    let toks = tokens(text);
    if toks.len() < 4 {
        return None;
    }
    let tok = |i: usize| &text[toks[i].0..toks[i].1];
    let date: Vec<&[u8]> = tok(0).split(|&b| b == b'-' || b == b'/').collect();
    if date.len() != 3 {
        return None;
    }
    let (mo, d, y) = (number(date[0])? as i64, number(date[1])? as i64, number(date[2])? as i64);
    let year = match date[2].len() {
        2 if y < 70 => 2000 + y,
        2 => 1900 + y,
        4 => y,
        _ => return None,
    };
    let time = tok(1).to_ascii_uppercase();
    let (clock, pm, am) = match time.strip_suffix(b"PM") {
        Some(c) => (c.to_vec(), true, false),
        None => match time.strip_suffix(b"AM") {
            Some(c) => (c.to_vec(), false, true),
            None => (time.clone(), false, false),
        },
    };
    let colon = clock.iter().position(|&b| b == b':')?;
    let mut h = number(&clock[..colon])? as i64;
    let mi = number(&clock[colon + 1..])? as i64;
    if pm && h < 12 {
        h += 12;
    }
    if am && h == 12 {
        h = 0;
    }
    let modified = utc(year, mo, d, h, mi)?;
    let third = tok(2);
    let (kind, size) = if third.eq_ignore_ascii_case(b"<DIR>") {
        (EntryType::Dir, None)
    } else {
        let digits: Vec<u8> = third.iter().copied().filter(|&b| b != b',' && b != b'.').collect();
        (EntryType::File, Some(number(&digits)?))
    };
    let name = text.get(toks[3].0..)?.to_vec();
    let mut e = Entry::new(name, kind, text);
    e.size = size;
    e.modified = Some(modified);
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> FileTime {
        parse_time_val(b"20240615120000").unwrap()
    }

    fn list(line: &str) -> Entry {
        Entry::from_list(line.as_bytes(), now()).unwrap()
    }

    fn at(stamp: &str) -> Option<FileTime> {
        parse_time_val(stamp.as_bytes())
    }

    #[test]
    fn unix_lines_of_every_shape() {
        let e = list("-rw-r--r--    1 1001     1001      8388608 Jun 10 09:30 big.bin");
        assert_eq!((e.name.as_slice(), e.kind, e.size), (&b"big.bin"[..], EntryType::File, Some(8388608)));
        assert_eq!((e.owner.as_deref(), e.group.as_deref(), e.mode), (Some("1001"), Some("1001"), Some(0o644)));
        assert_eq!(e.modified, at("20240610093000"));
        // A date without a year later in the year than now is last year's.
        assert_eq!(list("-rw-r--r-- 1 u g 5 Dec 24 18:00 x").modified, at("20231224180000"));
        // ... and one just after New Year, on a server ahead of UTC, is next year's.
        let new_year_eve = at("20241231230000").unwrap();
        let e = Entry::from_list(b"-rw-r--r-- 1 u g 5 Jan  1 00:30 x", new_year_eve).unwrap();
        assert_eq!(e.modified, at("20250101003000"));
        let e = list("drwxr-xr-x  2 ftp ftp 4096 Feb  3  2001 old dir");
        assert_eq!((e.name.as_slice(), e.kind, e.modified), (&b"old dir"[..], EntryType::Dir, at("20010203000000")));
        let e = list("lrwxrwxrwx 1 root root 7 Jan  1 00:00 link name -> target file");
        assert_eq!((e.kind, e.name.as_slice()), (EntryType::Link, &b"link name"[..]));
        assert_eq!(e.link_target.as_deref(), Some(&b"target file"[..]));
        let e = list("crw-rw-rw- 1 root root 1, 3 Jan  1 00:00 null");
        assert_eq!(
            (e.kind, e.size, e.name.as_slice(), e.group.as_deref()),
            (EntryType::Special, None, &b"null"[..], Some("root"))
        );
        let e = list("-rw-r--r--  1 ftp 1234 Jan 01 12:00 nogroup.txt");
        assert_eq!((e.size, e.owner.as_deref(), e.group.as_deref()), (Some(1234), Some("ftp"), None));
        let e = list("-rwsr-x--T+ 1 a b 5368709120 Mar 3 2040 huge");
        assert_eq!((e.size, e.mode), (Some(5368709120), Some(0o4000 | 0o1000 | 0o750)));
        assert_eq!(list("drwxr-xr-x 2 a b 6 Jun 1 10:00 .").kind, EntryType::CurrentDir);
        assert_eq!(list("drwxr-xr-x 2 a b 6 Jun 1 10:00 ..").kind, EntryType::ParentDir);
        let e = Entry::from_list(b"-rw-r--r-- 1 a b 5 Jun 1 10:00 caf\xe9.txt\r", now()).unwrap();
        assert_eq!(e.name, b"caf\xe9.txt");
        // Names with leading spaces keep them after the one separator.
        assert_eq!(list("-rw-r--r-- 1 a b 5 Jun 1 10:00  spaced").name, b" spaced");
    }

    #[test]
    fn dos_lines() {
        let e = list("01-16-24  02:15PM       <DIR>          Program Files");
        assert_eq!(
            (e.kind, e.name.as_slice(), e.modified),
            (EntryType::Dir, &b"Program Files"[..], at("20240116141500"))
        );
        let e = list("12-31-23  12:05AM              12,345 file.txt");
        assert_eq!((e.kind, e.size, e.modified), (EntryType::File, Some(12345), at("20231231000500")));
        let e = list("01-16-2024  14:15                 99 four digit.txt");
        assert_eq!((e.size, e.modified, e.name.as_slice()), (Some(99), at("20240116141500"), &b"four digit.txt"[..]));
    }

    #[test]
    fn non_entries_and_fallback() {
        assert!(Entry::from_list(b"total 42", now()).is_none());
        assert!(Entry::from_list(b"   ", now()).is_none());
        let e = list("some banner the server sent");
        assert_eq!((e.kind, e.name.as_slice()), (EntryType::Unknown, &b"some banner the server sent"[..]));
        // Garbage that looks half like ls must not panic or invent fields.
        for junk in
            ["drwx", "-rw-r--r-- 1 a b x Jun 1 10:00", "-rw-r--r-- 1 a b 5 Jun 99 10:00 n", "01-99-24 10:00AM 5 x"]
        {
            let e = list(junk);
            assert_eq!(e.kind, EntryType::Unknown, "{junk}");
        }
    }

    #[test]
    fn mlsd_facts() {
        let e = Entry::from_mlsd(
            b"type=file;size=1234567;modify=20010203040506.5;perm=adfrw;UNIX.mode=0640;unix.owner=ftp;unix.group=users;unique=803g3; a b",
        );
        assert_eq!((e.name.as_slice(), e.kind, e.size), (&b"a b"[..], EntryType::File, Some(1234567)));
        assert_eq!(e.modified, Some(FileTime { secs: 981173106, nanos: 500_000_000 }));
        assert_eq!((e.perm.as_deref(), e.unique.as_deref(), e.mode), (Some("adfrw"), Some("803g3"), Some(0o640)));
        let modes = [("0100644", Some(0o644)), ("37777777777", Some(0o7777)), ("99", None), ("+644", None)];
        // pyftpdlib: Python's octal literal.
        let pyftpdlib = [("0o644", Some(0o644)), ("0o", None), ("0o9", None)];
        for (fact, mode) in modes.into_iter().chain(pyftpdlib) {
            let e = Entry::from_mlsd(format!("type=file;unix.mode={fact}; f").as_bytes());
            assert_eq!(e.mode, mode, "{fact}");
        }
        assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("ftp"), Some("users")));
        assert_eq!(Entry::from_mlsd(b"type=cdir; .").kind, EntryType::CurrentDir);
        assert_eq!(Entry::from_mlsd(b"Type=pdir; ..").kind, EntryType::ParentDir);
        let l = Entry::from_mlsd(b"type=OS.unix=slink:/etc/x; l");
        assert_eq!((l.kind, l.link_target.as_deref()), (EntryType::Link, Some(&b"/etc/x"[..])));
        // A target that is not UTF-8 keeps the server's bytes.
        let l = Entry::from_mlsd(b"TYPE=OS.unix=slink:/caf\xe9;size=3; l");
        assert_eq!((l.kind, l.link_target.as_deref()), (EntryType::Link, Some(&b"/caf\xe9"[..])));
        assert_eq!(Entry::from_mlsd(b"type=OS.unix=chr-1/3; null").kind, EntryType::Other);
        assert_eq!(Entry::from_mlsd(b"size=x;modify=bad; n").size, None);
        assert_eq!(Entry::from_mlsd(b"size=+5; n").size, None);
        assert_eq!(Entry::from_mlsd(b"noname").kind, EntryType::Unknown);
    }
}
