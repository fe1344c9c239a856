//! Building blocks for fake-server scripts, and the end of a scripted session: the same
//! few steps every test file writes its scripts with.

use super::fake_server::{FakeServer, Step, Transcript};
use ftp::Ftp;

/// The server sends `text` (one reply, CRLF added).
pub fn reply(text: &str) -> Step {
    Step::Reply(text.to_string())
}

/// The server waits for the command `cmd`.
pub fn expect(cmd: &str) -> Step {
    Step::Expect(cmd.to_string())
}

/// The server sends `bytes` exactly as given.
pub fn raw(bytes: &[u8]) -> Step {
    Step::Raw(bytes.to_vec())
}

/// `cmd` answered by `answer`.
pub fn exchange(cmd: &str, answer: &str) -> Vec<Step> {
    vec![expect(cmd), reply(answer)]
}

/// What the client sends for ABOR by default: a plain line, as ftplib sends it.
pub const ABOR_LINE: &[u8] = b"ABOR\r\n";

/// What the client sends for ABOR on a plain connection with `set_abort_urgent(true)`:
/// Telnet IP, Synch (IAC urgent, DM), ABOR, CRLF.
pub const URGENT_ABOR_LINE: &[u8] = b"\xff\xf4\xff\xf2ABOR\r\n";

/// QUIT answered by 221.
pub fn quit() -> Vec<Step> {
    exchange("QUIT", "221 bye")
}

/// Ends a session whose script ends with `quit()`: the client quits, and the server's
/// transcript is returned once its script has run to the end.
pub fn done(server: FakeServer, mut ftp: Ftp) -> Transcript {
    ftp.quit().expect("QUIT");
    server.finish()
}

/// Asserts that no command the server received starts with one of `verbs`.
pub fn assert_never_sent(t: &Transcript, verbs: &[&str]) {
    assert!(!t.commands.iter().any(|c| verbs.iter().any(|v| c.starts_with(v))), "{:?}", t.commands);
}

/// The commands the server received, in order.
pub fn cmds(t: &Transcript) -> Vec<&str> {
    t.commands.iter().map(String::as_str).collect()
}

/// `len` bytes of test data. 251 is prime, so no block of a power-of-two size repeats
/// the one before it: data sent from the wrong offset does not compare equal.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 251) as u8).collect()
}
