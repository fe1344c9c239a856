//! The listing parsers on listings recorded from real servers (tests/listings/): every
//! line is understood, and the tree's known files come out with the right facts.

use ftp::{Entry, EntryType, FileTime};

const NOW: FileTime = FileTime { secs: 1795555800, nanos: 0 }; // 2026-11-24 21:30 UTC

fn parse(file: &str) -> Vec<Entry> {
    parse_at(file, NOW)
}

/// `parse` with another "now" (for LIST dates without a year) than NOW.
fn parse_at(file: &str, now: FileTime) -> Vec<Entry> {
    let path = format!("{}/tests/listings/{file}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mlsd = file.ends_with("-mlsd.txt");
    raw.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .filter_map(|l| if mlsd { Some(Entry::from_mlsd(l)) } else { Entry::from_list(l, now) })
        .collect()
}

fn find<'a>(entries: &'a [Entry], name: &[u8]) -> &'a Entry {
    entries.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no {:?}", String::from_utf8_lossy(name)))
}

fn date(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
    let days = (y - 1970) * 365 + (1970..y).filter(|y| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)).count() as i64;
    let month_days = [31, 28 + i64::from(y % 4 == 0), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let days = days + month_days[..(mo - 1) as usize].iter().sum::<i64>() + d - 1;
    days * 86400 + h * 3600 + mi * 60 + s
}

#[test]
fn the_now_constant_is_right() {
    assert_eq!(NOW.secs, date(2026, 11, 24, 21, 30, 0));
}

#[test]
fn real_server_listings() {
    let unix = [
        "vsftpd-list.txt",
        "proftpd-list.txt",
        "pure-ftpd-list.txt",
        "pyftpdlib-list.txt",
        "inetutils-list.txt",
        "netkit-list.txt",
    ];
    let mlsd = ["proftpd-mlsd.txt", "pure-ftpd-mlsd.txt", "pyftpdlib-mlsd.txt"];
    for file in unix.iter().chain(&mlsd) {
        let entries = parse(file);
        assert!(entries.iter().all(|e| e.kind != EntryType::Unknown), "{file}: {entries:?}");
        let is_mlsd = file.ends_with("-mlsd.txt");
        assert_eq!(find(&entries, b"big.sparse").size, Some(5 << 30), "{file}");
        assert_eq!(find(&entries, b"with space.txt").size, Some(1234), "{file}");
        assert_eq!(find(&entries, b"empty").size, Some(0), "{file}");
        assert_eq!(find(&entries, "café ü.txt".as_bytes()).kind, EntryType::File, "{file}");
        // pyftpdlib sends '?' for bytes that are not UTF-8; the others send the byte.
        let latin1: &[u8] = if file.starts_with("pyftpdlib") { b"latin1-caf?.txt" } else { b"latin1-caf\xe9.txt" };
        assert_eq!(find(&entries, latin1).kind, EntryType::File, "{file}");
        assert_eq!(find(&entries, b"sub dir").kind, EntryType::Dir, "{file}");
        let old = find(&entries, b"old.txt").modified.unwrap().secs;
        // MLSD: exact UTC; LIST: the day only, for dates older than six months.
        let want = if is_mlsd { date(2001, 2, 3, 4, 5, 6) } else { date(2001, 2, 3, 0, 0, 0) };
        assert_eq!(old, want, "{file}");
        let recent = find(&entries, b"one").modified.unwrap().secs;
        assert_eq!(recent / 60, date(2026, 11, 24, 21, 23, 0) / 60, "{file}");
        if !is_mlsd {
            let link = find(&entries, b"link-to-one");
            assert_eq!((link.kind, link.link_target.as_deref()), (EntryType::Link, Some(&b"one"[..])), "{file}");
            assert_eq!(find(&entries, b"private").mode, Some(0o600), "{file}");
            assert_eq!(find(&entries, b"script.sh").mode, Some(0o755), "{file}");
        }
    }
    // Server differences the recordings show.
    assert_eq!(find(&parse("proftpd-mlsd.txt"), b"link-to-one").kind, EntryType::Link);
    let pure = parse("pure-ftpd-mlsd.txt");
    assert_eq!((find(&pure, b"dangling").kind, find(&pure, b"dangling").link_target.clone()), (EntryType::Link, None));
    assert_eq!(find(&pure, b"script.sh").mode, Some(0o755));
    assert_eq!(find(&parse("pyftpdlib-mlsd.txt"), b"link-to-one").kind, EntryType::File, "pyftpdlib follows links");
    assert_eq!(find(&parse("vsftpd-list.txt"), b"future.txt").modified.unwrap().secs, date(2040, 1, 1, 0, 0, 0));
    assert_eq!(find(&parse("netkit-list.txt"), b"future.txt").modified.unwrap().secs, date(2040, 1, 1, 0, 0, 0));
}

#[test]
fn ftp_srv_listing() {
    // ftp-srv 4.6.3 (Node.js) lists what it can stat by a UTF-8 name: the Latin-1 name and
    // the dangling link are left out, and links show as what they point to.
    let entries = parse("ftp-srv-list.txt");
    assert_eq!(entries.len(), 11);
    assert!(entries.iter().all(|e| e.kind != EntryType::Unknown), "{entries:?}");
    assert_eq!(find(&entries, b"big.sparse").size, Some(5 << 30));
    assert_eq!(find(&entries, b"with space.txt").size, Some(1234));
    assert_eq!(find(&entries, "caf\u{e9} \u{fc}.txt".as_bytes()).kind, EntryType::File);
    assert_eq!(find(&entries, b"link-to-one").kind, EntryType::File);
    assert_eq!(find(&entries, b"sub dir").kind, EntryType::Dir);
    assert_eq!(find(&entries, b"private").mode, Some(0o600));
    assert_eq!(find(&entries, b"old.txt").modified.unwrap().secs, date(2001, 2, 3, 0, 0, 0));
    assert_eq!(find(&entries, b"one").modified.unwrap().secs / 60, date(2026, 11, 24, 21, 23, 0) / 60);
    assert!(entries.iter().all(|e| e.name != b"dangling" && !e.name.starts_with(b"latin1")));
}

#[test]
fn iis_and_unix_samples() {
    for file in ["iis-dos-list.txt", "iis-dos4-list.txt"] {
        let e = parse(file);
        assert_eq!(find(&e, b"sub dir").kind, EntryType::Dir, "{file}");
        assert_eq!(find(&e, b"big.sparse").size, Some(5 << 30), "{file}");
        assert_eq!(find(&e, b"old.txt").modified.unwrap().secs, date(2001, 2, 3, 4, 5, 0), "{file}");
        assert_eq!(find(&e, b"with space.txt").modified.unwrap().secs, date(2026, 11, 24, 0, 0, 0), "{file}");
    }
    assert_eq!(find(&parse("iis-dos-list.txt"), b"future.txt").modified.unwrap().secs, date(2040, 1, 1, 12, 0, 0));
    let e = parse("samples-unix-list.txt");
    assert_eq!(e.len(), 6, "the total line is not an entry");
    assert_eq!((find(&e, b"null").kind, find(&e, b"null").size), (EntryType::Special, None));
    assert_eq!(find(&e, b"sda").kind, EntryType::Special);
    assert_eq!((find(&e, b"fifo").kind, find(&e, b"fifo").size), (EntryType::Special, Some(0)));
    let ng = find(&e, b"no-group.txt");
    assert_eq!((ng.size, ng.owner.as_deref(), ng.group.as_deref()), (Some(1234), Some("ftp"), None));
    assert_eq!(find(&e, b"arrow name").link_target.as_deref(), Some(&b"target -> x"[..]));
    assert_eq!(find(&e, b"acl dir").kind, EntryType::Dir);
}

#[test]
fn unftp_listings() {
    // unftp 0.16.0, anonymous: LIST then MLSD of the root followed by those of dir1
    // (recorded 2026-12-03 14:49 UTC; the files are dated 2026-12-03 14:32). LIST shows
    // numeric owner and group (0 0) and no year; MLSD gives type, size and modify only.
    const RECORDED: FileTime = FileTime { secs: 1796309340, nanos: 0 };
    assert_eq!(RECORDED.secs, date(2026, 12, 3, 14, 49, 0));
    let want: [(&[u8], EntryType, u64); 8] = [
        (b"lines.txt", EntryType::File, 65),
        (b"dir1", EntryType::Dir, 4096),
        (b"hello.txt", EntryType::File, 13),
        (b"with space.txt", EntryType::File, 6),
        (b"big.bin", EntryType::File, 8 << 20),
        (b"b.txt", EntryType::File, 2),
        (b"sub", EntryType::Dir, 4096),
        (b"a.txt", EntryType::File, 2),
    ];
    for file in ["unftp-list.txt", "unftp-mlsd.txt"] {
        let entries = parse_at(file, RECORDED);
        let got: Vec<(&[u8], EntryType, u64)> =
            entries.iter().map(|e| (e.name.as_slice(), e.kind, e.size.unwrap_or(u64::MAX))).collect();
        assert_eq!(got, want, "{file}");
        let is_mlsd = file.ends_with("-mlsd.txt");
        // MLSD: to the second, in UTC; LIST: to the minute, the year from "now".
        let hello = find(&entries, b"hello.txt").modified.unwrap().secs;
        assert_eq!(hello, if is_mlsd { date(2026, 12, 3, 14, 32, 3) } else { date(2026, 12, 3, 14, 32, 0) }, "{file}");
        if is_mlsd {
            assert_eq!(find(&entries, b"big.bin").modified.unwrap().secs, date(2026, 12, 3, 14, 32, 4));
            assert!(entries.iter().all(|e| e.mode.is_none() && e.unique.is_none() && e.owner.is_none()));
        } else {
            let dir1 = find(&entries, b"dir1");
            assert_eq!((dir1.mode, dir1.owner.as_deref(), dir1.group.as_deref()), (Some(0o755), Some("0"), Some("0")));
            assert_eq!(find(&entries, b"a.txt").mode, Some(0o644));
        }
    }
}
