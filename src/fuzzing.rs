//! Entry points for the fuzz targets in `fuzz/`: the private parsers, reachable only
//! with the `fuzzing` feature (never part of the library's API or ABI).

use crate::reply::{self, LineReader, MAX_LINE, MAX_REPLY, Reply};

/// Reads replies from `bytes` until the first error or the end, checking the bounds
/// every reply must keep whatever the input: no line over MAX_LINE, no reply over
/// MAX_REPLY (plus one byte per line for the line breaks).
pub fn replies(bytes: &[u8]) -> Vec<Reply> {
    let mut reader = LineReader::new(bytes);
    let mut out = Vec::new();
    while let Ok(r) = reply::read_reply(&mut reader) {
        let total: usize = r.lines.iter().map(|l| l.len() + 1).sum();
        assert!(r.lines.iter().all(|l| l.len() <= MAX_LINE), "a reply line over MAX_LINE");
        assert!(total <= MAX_REPLY + 1, "a reply over MAX_REPLY");
        // Three digits, any of them 0 (`030` is code 30, classified later as class 0).
        assert!(r.code < 1000, "code {} is not three digits", r.code);
        let _ = (r.text(), r.to_string());
        out.push(r);
    }
    out
}

pub use crate::parse::{parse_150_size, parse_213_size, parse_227, parse_229, parse_257, parse_time_val};
