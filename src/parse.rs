//! Parsers for the replies whose text carries data: 227 (PASV), 229 (EPSV), 257 (PWD/MKD),
//! 150 (expected size), 213 (SIZE, MDTM times). Each checks its bounds instead of trusting
//! the server.

use crate::error::{Error, Result};
use std::net::Ipv4Addr;

/// 227 reply → (address, port). Takes the first six comma-separated numbers anywhere in
/// the first line, like ftplib, but requires each to be 0..=255 and the port to be non-zero.
pub fn parse_227(line: &[u8]) -> Result<(Ipv4Addr, u16)> {
    let text = String::from_utf8_lossy(line);
    let body = text.get(4..).unwrap_or("");
    let mut best: Option<Vec<&str>> = None;
    // Find the first run of digits-and-commas that holds at least six numbers.
    for run in body.split(|c: char| !(c.is_ascii_digit() || c == ',')) {
        let nums: Vec<&str> = run.split(',').collect();
        if nums.len() >= 6 && nums[..6].iter().all(|n| !n.is_empty()) {
            best = Some(nums);
            break;
        }
    }
    let nums =
        best.ok_or_else(|| Error::Proto(format!("PASV reply has no h1,h2,h3,h4,p1,p2 numbers: {}", text.trim_end())))?;
    if nums.len() != 6 {
        return Err(Error::Proto(format!("PASV reply has {} fields, expected 6: {}", nums.len(), text.trim_end())));
    }
    let mut v = [0u8; 6];
    for (slot, n) in v.iter_mut().zip(&nums) {
        *slot = n
            .parse::<u8>()
            .map_err(|_| Error::Proto(format!("PASV reply field {n:?} is not 0..255: {}", text.trim_end())))?;
    }
    let port = u16::from(v[4]) << 8 | u16::from(v[5]);
    if port == 0 {
        return Err(Error::Proto(format!("PASV reply names port 0: {}", text.trim_end())));
    }
    Ok((Ipv4Addr::new(v[0], v[1], v[2], v[3]), port))
}

/// 229 reply → port. The text holds `(<d><d><d>port<d>)` where `<d>` is any delimiter
/// character; the address is always the control connection's peer.
pub fn parse_229(line: &[u8]) -> Result<u16> {
    let text = String::from_utf8_lossy(line);
    let bad = |why: &str| Error::Proto(format!("EPSV reply {why}: {}", text.trim_end()));
    let open = text.find('(').ok_or_else(|| bad("has no '('"))?;
    let inner = &text[open + 1..];
    let close = inner.find(')').ok_or_else(|| bad("has no ')'"))?;
    let inner = &inner[..close];
    let delim = inner.chars().next().ok_or_else(|| bad("is empty between the parentheses"))?;
    let parts: Vec<&str> = inner.split(delim).collect();
    if parts.len() != 5 || !parts[0].is_empty() || !parts[1].is_empty() || !parts[4].is_empty() {
        return Err(bad("is not (|||port|)"));
    }
    let port: u32 = decimal(parts[3]).ok_or_else(|| bad("port is not a number"))?;
    if port == 0 || port > 65535 {
        return Err(bad("port is out of range"));
    }
    Ok(port as u16)
}

/// 257 reply → the quoted path, with `""` standing for one `"`. The first line must be
/// 257; rubbish before the first quote is skipped; no quote at all gives an empty path
/// (what ftplib returns for servers that do not quote). A missing closing quote or a
/// control byte in the path is an error.
pub fn parse_257(line: &[u8]) -> Result<Vec<u8>> {
    let shown = || String::from_utf8_lossy(line).escape_debug().to_string();
    if !line.starts_with(b"257") {
        return Err(Error::Proto(format!("expected a 257 reply: {}", shown())));
    }
    let rest = &line[3..];
    let Some(open) = rest.iter().position(|&b| b == b'"') else {
        return Ok(Vec::new());
    };
    let mut path = Vec::new();
    let mut i = open + 1;
    loop {
        match rest.get(i) {
            None => return Err(Error::Proto(format!("257 reply has no closing quote: {}", shown()))),
            Some(b'"') if rest.get(i + 1) == Some(&b'"') => {
                path.push(b'"');
                i += 2;
            }
            Some(b'"') => return Ok(path),
            Some(&b) if b < 0x20 || b == 0x7f => {
                return Err(Error::Proto(format!("257 reply has a control byte in the path: {}", shown())));
            }
            Some(&b) => {
                path.push(b);
                i += 1;
            }
        }
    }
}

/// 150 reply → the transfer size announced as "(N bytes)", if any (ftplib's parse150).
/// The last one counts, as with ftplib's greedy pattern: a file name may hold another.
pub fn parse_150_size(line: &[u8]) -> Option<u64> {
    let lower = String::from_utf8_lossy(line).to_ascii_lowercase();
    lower.rmatch_indices(" bytes)").find_map(|(end, _)| {
        let start = lower[..end].rfind('(')? + 1;
        decimal(&lower[start..end])
    })
}

/// A run of ASCII digits as a number; None for anything else (`str::parse` alone would
/// take a sign, "+21") or a value too large for `T`.
pub fn decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// 213 reply to SIZE → the size. Anything but digits after the code is an error.
pub fn parse_213_size(line: &[u8]) -> Result<u64> {
    let text = String::from_utf8_lossy(line);
    let digits = text.get(4..).unwrap_or("").trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Proto(format!("SIZE reply is not a number: {}", text.escape_debug())));
    }
    digits.parse().map_err(|_| Error::Proto(format!("SIZE reply is larger than 2^64: {}", text.escape_debug())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn pasv_ok_forms() {
        assert_eq!(parse_227(b"227 Entering Passive Mode (127,0,0,1,195,80).").unwrap(), (Ipv4Addr::LOCALHOST, 50000));
        assert_eq!(parse_227(b"227 =10,1,2,3,0,21").unwrap(), (Ipv4Addr::new(10, 1, 2, 3), 21));
        assert_eq!(parse_227(b"227 Passive 192,168,0,1,4,1 ok").unwrap().1, 1025);
    }

    #[test]
    fn pasv_rejects_bad_numbers() {
        for bad in [
            &b"227 (300,0,0,1,4,1)"[..],
            b"227 (127,0,0,1,0,0)",
            b"227 (127,0,0,1,4)",
            b"227 (127,0,0,1,4,1,7)",
            b"227 Entering Passive Mode",
            b"227 (127,0,0,1,999999999999,1)",
            b"227 (127,,0,1,4,1)",
        ] {
            let e = parse_227(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Proto, "{:?}", String::from_utf8_lossy(bad));
        }
        let e = parse_227(b"227 (127,0,0,1,4,1,7)").unwrap_err();
        assert!(e.to_string().contains("7 fields"), "{e}");
    }

    #[test]
    fn epsv_forms() {
        assert_eq!(parse_229(b"229 Entering Extended Passive Mode (|||6446|)").unwrap(), 6446);
        assert_eq!(parse_229(b"229 ok (!!!21!)").unwrap(), 21);
        for bad in [
            &b"229 (|||4242)"[..],
            b"229 (|||0|)",
            b"229 (|||65536|)",
            b"229 (|||abc|)",
            b"229 no parens",
            b"229 ()",
            b"229 (||4242|)",
            b"229 (|1|::1|4242|)",
        ] {
            assert_eq!(parse_229(bad).unwrap_err().kind(), ErrorKind::Proto, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn reply_257_forms() {
        assert_eq!(parse_257(b"257 \"/home/x\" is current directory").unwrap(), b"/home/x");
        assert_eq!(parse_257(b"257 \"/a \"\"q\"\" b\" created").unwrap(), b"/a \"q\" b");
        assert_eq!(parse_257(b"257 MKD command successful: \"/new\"").unwrap(), b"/new");
        assert_eq!(parse_257(b"257 \"\"").unwrap(), b"");
        assert_eq!(parse_257(b"257 /no/quotes").unwrap(), b"");
        assert_eq!(parse_257(b"257 \"/caf\xc3\xa9\xff\"").unwrap(), b"/caf\xc3\xa9\xff");
        assert!(parse_257(b"257 \"/unterminated").is_err());
        assert!(parse_257(b"257 \"/a\x01b\"").is_err());
        assert!(parse_257(b"250 \"/x\"").is_err());
    }

    #[test]
    fn size_from_150() {
        assert_eq!(
            parse_150_size(b"150 Opening BINARY mode data connection for big.bin (8388608 bytes)."),
            Some(8388608)
        );
        assert_eq!(parse_150_size(b"150 Opening data connection (12 Bytes)"), Some(12));
        assert_eq!(parse_150_size(b"150 File status okay."), None);
        assert_eq!(parse_150_size(b"150 (x bytes)"), None);
        // ftplib's pattern is greedy: the last "(N bytes)" is the size, not one in the name.
        let named = b"150 Opening BINARY mode data connection for report (12 bytes).txt (5000 bytes).";
        assert_eq!(parse_150_size(named), Some(5000));
        assert_eq!(parse_150_size(b"150 Opening f (12 bytes) (x bytes)"), Some(12));
        assert_eq!(parse_150_size(b"150 Opening f (+5 bytes)"), None);
        assert_eq!(parse_150_size(b"150 Opening f ( 5 bytes)"), None);
        assert_eq!(parse_150_size(b"150 Opening f (18446744073709551616 bytes)"), None);
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(decimal::<u32>("21"), Some(21));
        assert_eq!(decimal::<u32>("+21"), None);
        assert_eq!(decimal::<u32>("-1"), None);
        assert_eq!(decimal::<u32>(" 21"), None);
        assert_eq!(decimal::<u32>(""), None);
        assert_eq!(decimal::<u8>("256"), None);
        assert!(parse_229(b"229 Entering Extended Passive Mode (|||+21|)").is_err());
    }

    #[test]
    fn size_213() {
        assert_eq!(parse_213_size(b"213 1234").unwrap(), 1234);
        assert_eq!(parse_213_size(b"213 18446744073709551615").unwrap(), u64::MAX);
        assert!(parse_213_size(b"213 18446744073709551616").is_err());
        assert!(parse_213_size(b"213 12ab").is_err());
        assert!(parse_213_size(b"213 -1").is_err());
        assert!(parse_213_size(b"213").is_err());
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day count since 1970-01-01 (the inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The (proleptic Gregorian, UTC) year of a time in seconds since the epoch.
pub fn civil_year(secs: i64) -> i64 {
    civil_from_days(secs.div_euclid(86400)).0
}

/// An RFC 3659 time-val, `YYYYMMDDHHMMSS[.sss...]` (UTC), as seconds since the epoch
/// and nanoseconds; None unless every field is in range.
pub fn parse_time_val(text: &[u8]) -> Option<crate::filetime::FileTime> {
    let text = std::str::from_utf8(text).ok()?.trim();
    let (whole, frac) = match text.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (text, ""),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| whole[r].parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (n(0..4)?, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?);
    let month_days = [
        31,
        if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo) || d < 1 || d > month_days[(mo - 1) as usize] || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse::<u32>().ok()? };
    Some(crate::filetime::FileTime { secs, nanos })
}

/// Seconds since the epoch as an RFC 3659 time-val `YYYYMMDDHHMMSS` (years 1970..9999).
pub fn format_time_val(secs: i64) -> Option<String> {
    if !(0..=253402300799).contains(&secs) {
        return None;
    }
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let t = secs.rem_euclid(86400);
    Some(format!("{y:04}{m:02}{d:02}{:02}{:02}{:02}", t / 3600, t / 60 % 60, t % 60))
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn time_vals_round_trip_and_check_ranges() {
        let t = parse_time_val(b"20010203040506").unwrap();
        assert_eq!((t.secs, t.nanos), (981173106, 0));
        assert_eq!(format_time_val(t.secs).unwrap(), "20010203040506");
        assert_eq!(parse_time_val(b"19700101000000").unwrap().secs, 0);
        assert_eq!(parse_time_val(b"20240229235959.5").unwrap().nanos, 500_000_000);
        assert_eq!(parse_time_val(b"20400101000000.123456789").unwrap().nanos, 123_456_789);
        assert_eq!(format_time_val(parse_time_val(b"20400101000000").unwrap().secs).unwrap(), "20400101000000");
        for bad in [
            &b"2023022912000"[..],
            b"20230229120000",
            b"20231301000000",
            b"2023010100000x",
            b"20230101246000",
            b"20230101000000.",
            b"20230101000000.1234567890",
            b"",
        ] {
            assert!(parse_time_val(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(format_time_val(-1).is_none());
        assert!(format_time_val(253402300800).is_none());
    }
}
