//! RFC 959 replies: a bounded line reader and the single/multi-line reply parser.

use std::fmt;
use std::io::{self, Read};

/// Longest reply or text-data line accepted, without its line ending (ftplib's MAXLINE).
pub const MAX_LINE: usize = 8192;
/// Largest whole reply accepted (all lines of a multi-line reply together).
pub const MAX_REPLY: usize = 1 << 20;
/// Most lines a reply may have: each line costs memory beyond its bytes, so a million
/// one-byte lines would cost many times MAX_REPLY.
pub const MAX_REPLY_LINES: usize = 65_536;

/// One server reply: its three-digit code and its lines as received (line endings removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<Vec<u8>>,
}

impl Reply {
    /// The whole reply as text, lines joined with '\n' (like ftplib's reply strings);
    /// invalid UTF-8 is replaced.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&String::from_utf8_lossy(line));
        }
        out
    }

    /// The first line's bytes (what 227/229/257/150 parsers look at).
    pub fn first_line(&self) -> &[u8] {
        self.lines.first().map(Vec::as_slice).unwrap_or(&[])
    }

    /// The reply class: 1 (preliminary) to 5 (permanent failure).
    pub fn class(&self) -> u16 {
        self.code / 100
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line for messages: control bytes shown escaped, lines joined by " | ".
        let mut first = true;
        for line in &self.lines {
            if !first {
                f.write_str(" | ")?;
            }
            first = false;
            for ch in String::from_utf8_lossy(line).chars() {
                if ch.is_control() {
                    write!(f, "\\x{:02x}", ch as u32)?;
                } else {
                    write!(f, "{ch}")?;
                }
            }
        }
        Ok(())
    }
}

/// Why a line could not be read.
#[derive(Debug)]
pub enum LineError {
    /// End of stream; `partial` holds bytes received without a line ending.
    Eof {
        partial: usize,
    },
    /// The line exceeded the limit.
    TooLong,
    Io(io::Error),
}

/// Buffered reader that yields lines ending in LF, CRLF or a lone CR (ftplib accepts
/// all three), each bounded in length. Bytes after a line stay buffered for the next call.
pub struct LineReader<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// The last line ended with CR: a LF right after it belongs to that line ending.
    after_cr: bool,
    /// Bytes read from `inner` in all.
    total_read: u64,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: vec![0; 16 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            after_cr: false,
            total_read: 0,
        }
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Drops whatever is buffered (used after a protocol error).
    pub fn discard_buffer(&mut self) {
        self.start = 0;
        self.end = 0;
        self.after_cr = false;
    }

    /// True when bytes of a next line are already buffered, so waiting on the socket
    /// for them would wait for nothing (a lone LF ending a split CRLF does not count).
    pub fn has_buffered(&self) -> bool {
        let pending = &self.buf[self.start..self.end];
        match pending {
            [] => false,
            [b'\n'] => !self.after_cr,
            _ => true,
        }
    }

    /// True when the last line ended with CR and nothing after it is buffered: the LF
    /// of a CRLF split across segments may still be on its way.
    pub fn awaits_lf(&self) -> bool {
        self.after_cr && self.start == self.end
    }

    /// Reads whatever the source holds into the buffer (one read, so call it only when
    /// input is known to be waiting). A LF right after a CR-ended line stays the end of
    /// that line: `has_buffered` does not count it. Ok(0) is the end of the stream.
    pub fn read_waiting(&mut self) -> io::Result<usize> {
        self.fill()
    }

    /// How many bytes are buffered and not yet returned as lines.
    pub fn buffered_len(&self) -> usize {
        self.end - self.start
    }

    /// Bytes read from the source and returned as lines, their endings included (a LF
    /// that ends a CR-ended line counts once it has been read past).
    pub fn consumed(&self) -> u64 {
        self.total_read - self.buffered_len() as u64
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    self.total_read += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads one line into `out` (cleared first) without its ending. Lines longer than
    /// `max` bytes fail with `TooLong`; at most `max` + a buffer's worth is ever held.
    pub fn read_line(&mut self, max: usize, out: &mut Vec<u8>) -> Result<(), LineError> {
        out.clear();
        loop {
            if self.after_cr && self.start < self.end {
                if self.buf[self.start] == b'\n' {
                    self.start += 1;
                }
                self.after_cr = false;
            }
            let avail = &self.buf[self.start..self.end];
            if let Some(pos) = avail.iter().position(|&b| b == b'\n' || b == b'\r') {
                if out.len() + pos > max {
                    return Err(LineError::TooLong);
                }
                out.extend_from_slice(&avail[..pos]);
                let ended_by_cr = avail[pos] == b'\r';
                self.start += pos + 1;
                self.after_cr = ended_by_cr;
                return Ok(());
            }
            if out.len() + avail.len() > max {
                return Err(LineError::TooLong);
            }
            out.extend_from_slice(avail);
            self.start = 0;
            self.end = 0;
            match self.fill() {
                Ok(0) => return Err(LineError::Eof { partial: out.len() }),
                Ok(_) => {}
                Err(e) => return Err(LineError::Io(e)),
            }
        }
    }
}

/// Why a reply could not be read; the control connection is out of step after any of these.
#[derive(Debug)]
pub enum ReplyError {
    Line(LineError),
    /// A line that is not `NNN<SP>text`, `NNN-text` or `NNN`.
    Malformed(Vec<u8>),
    /// The whole reply went over [`MAX_REPLY`] bytes or [`MAX_REPLY_LINES`] lines.
    TooLarge,
}

/// One line of a reply. A last line cut short by the server closing the connection
/// counts as a line (ftplib does the same): some servers close right after "221 Bye"
/// without its CRLF.
fn read_reply_line<R: Read>(reader: &mut LineReader<R>, out: &mut Vec<u8>) -> Result<(), ReplyError> {
    match reader.read_line(MAX_LINE, out) {
        Err(LineError::Eof { partial }) if partial > 0 => Ok(()),
        r => r.map_err(ReplyError::Line),
    }
}

/// Reads one reply: a single line `NNN text`, or `NNN-text` followed by any lines until
/// one that starts with the same code and a space (or is just the code).
pub fn read_reply<R: Read>(reader: &mut LineReader<R>) -> Result<Reply, ReplyError> {
    let mut line = Vec::new();
    read_reply_line(reader, &mut line)?;
    let (code, multi) = parse_first_line(&line).ok_or_else(|| ReplyError::Malformed(line.clone()))?;
    let mut total = line.len();
    let mut lines = vec![line];
    if multi {
        let tag = lines[0][..3].to_vec();
        loop {
            let mut next = Vec::new();
            read_reply_line(reader, &mut next)?;
            total += next.len() + 1;
            if total > MAX_REPLY || lines.len() >= MAX_REPLY_LINES {
                return Err(ReplyError::TooLarge);
            }
            let ends = next.len() >= 3 && next[..3] == tag[..] && (next.len() == 3 || next[3] == b' ');
            lines.push(next);
            if ends {
                break;
            }
        }
    }
    Ok(Reply { code, lines })
}

/// `NNN`, `NNN text` or `NNN-text` → (code, is multi-line).
fn parse_first_line(line: &[u8]) -> Option<(u16, bool)> {
    if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = line[..3].iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    match line.get(3) {
        None | Some(b' ') => Some((code, false)),
        Some(b'-') => Some((code, true)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Reply, ReplyError> {
        read_reply(&mut LineReader::new(bytes))
    }

    fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut r = LineReader::new(bytes);
        let mut out = Vec::new();
        let mut line = Vec::new();
        while r.read_line(100, &mut line).is_ok() {
            out.push(line.clone());
        }
        out
    }

    #[test]
    fn single_line() {
        let r = parse(b"220 Welcome\r\n").unwrap();
        assert_eq!(r.code, 220);
        assert_eq!(r.text(), "220 Welcome");
    }

    #[test]
    fn bare_code_is_a_reply() {
        assert_eq!(parse(b"200\r\n").unwrap().code, 200);
    }

    #[test]
    fn multi_line_ends_only_at_code_space() {
        let r =
            parse(b"211-Features:\r\n MDTM\r\n211-still going\r\n212 other code\r\n211x no\r\n211 End\r\n").unwrap();
        assert_eq!(r.code, 211);
        assert_eq!(r.lines.len(), 6);
        assert_eq!(r.text().lines().last(), Some("211 End"));
    }

    #[test]
    fn line_endings_lf_cr_crlf() {
        assert_eq!(lines(b"a\nb\r\nc\rd\r\n"), vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]);
        // A CRLF split across reads still counts once.
        assert_eq!(lines(b"a\r\n\r\nb\n"), vec![b"a".to_vec(), b"".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn cr_then_lf_split_across_reads_is_one_ending() {
        struct Chunks(Vec<&'static [u8]>);
        impl Read for Chunks {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Ok(0);
                }
                let c = self.0.remove(0);
                buf[..c.len()].copy_from_slice(c);
                Ok(c.len())
            }
        }
        let mut r = LineReader::new(Chunks(vec![b"220 a\r", b"\n230 b\r\n"]));
        let mut line = Vec::new();
        r.read_line(100, &mut line).unwrap();
        assert_eq!(line, b"220 a");
        r.read_line(100, &mut line).unwrap();
        assert_eq!(line, b"230 b");
    }

    #[test]
    fn malformed_first_lines() {
        for bad in [&b"22 x\r\n"[..], b"abc def\r\n", b"220x\r\n", b"\r\n", b"2a0 x\r\n"] {
            assert!(matches!(parse(bad), Err(ReplyError::Malformed(_))), "{bad:?}");
        }
    }

    #[test]
    fn codes_outside_1_to_5_parse_and_are_classified_later() {
        let r = parse(b"600 odd\r\n").unwrap();
        assert_eq!(r.class(), 6);
    }

    #[test]
    fn long_line_is_an_error_not_memory() {
        let mut data = b"220 ".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        data.extend_from_slice(b"\r\n");
        assert!(matches!(parse(&data), Err(ReplyError::Line(LineError::TooLong))));
        // Exactly MAX_LINE is accepted.
        let mut ok = b"220 ".to_vec();
        ok.extend(std::iter::repeat_n(b'x', MAX_LINE - 4));
        ok.extend_from_slice(b"\r\n");
        assert_eq!(parse(&ok).unwrap().first_line().len(), MAX_LINE);
    }

    #[test]
    fn a_reply_of_many_tiny_lines_is_capped_by_its_line_count() {
        // 100,000 lines of one byte: far under MAX_REPLY in bytes, not in memory.
        let mut data = b"211-start\r\n".to_vec();
        data.extend(b"x\r\n".repeat(100_000));
        data.extend_from_slice(b"211 end\r\n");
        assert!(matches!(parse(&data), Err(ReplyError::TooLarge)));
        let mut ok = b"211-start\r\n".to_vec();
        ok.extend(b"x\r\n".repeat(MAX_REPLY_LINES - 2));
        ok.extend_from_slice(b"211 end\r\n");
        assert_eq!(parse(&ok).unwrap().lines.len(), MAX_REPLY_LINES);
    }

    #[test]
    fn endless_multi_line_reply_is_capped() {
        let mut data = b"211-start\r\n".to_vec();
        for _ in 0..200_000 {
            data.extend_from_slice(b" continuation\r\n");
        }
        assert!(matches!(parse(&data), Err(ReplyError::TooLarge)));
    }

    #[test]
    fn eof_mid_reply() {
        assert!(matches!(parse(b"211-start\r\n more"), Err(ReplyError::Line(LineError::Eof { partial: 0 }))));
        assert!(matches!(parse(b""), Err(ReplyError::Line(LineError::Eof { partial: 0 }))));
    }

    #[test]
    fn last_line_without_ending_before_close_is_a_reply() {
        let r = parse(b"221 Bye").unwrap();
        assert_eq!((r.code, r.first_line()), (221, &b"221 Bye"[..]));
        let r = parse(b"211-a\r\n211 end").unwrap();
        assert_eq!(r.lines.len(), 2);
    }

    #[test]
    fn nul_and_invalid_utf8_are_kept_as_bytes() {
        let r = parse(b"550 bad\x00name\xff\r\n").unwrap();
        assert_eq!(r.first_line(), b"550 bad\x00name\xff");
        assert_eq!(r.to_string(), "550 bad\\x00name\u{fffd}");
    }
}
