//! What a session keeps for reconnecting (`reconnect.rs` does the reconnecting): the
//! policy, how many reconnects it made, whether the connection is known lost, and the
//! working directory, TYPE and PROT to restore on a new connection.

use std::time::Duration;

/// How a session reconnects after the server dropped its connection: up to `tries`
/// connection attempts for one call (the first at once, the next ones each `delay`
/// after the one before failed). Reconnecting is off unless set (`Ftp::set_reconnect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Connection attempts per call, at least 1.
    pub tries: u32,
    /// The wait between two attempts (none before the first).
    pub delay: Duration,
}

/// The most relative CWDs remembered since the last absolute one (or PWD); past that
/// the working directory counts as unknown and a reconnect cannot restore it.
pub(crate) const MAX_CWD_STEPS: usize = 256;

/// What a call risks when it runs again on a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redo {
    /// No lasting effect, or the same one twice: again when the connection was lost
    /// before the first reply to the call (or that reply was 421).
    Safe,
    /// A download that continues or starts over by itself: again whenever the
    /// connection was lost, the call deciding how (or refusing).
    Anytime,
    /// Again only if nothing of it was sent.
    Unsent,
}

/// The session's reconnection state; it outlives connections.
#[derive(Debug, Default)]
pub(crate) struct Reconnect {
    pub(crate) policy: Option<ReconnectPolicy>,
    /// Reconnections made so far.
    pub(crate) count: u64,
    /// A call lost the connection and it was not reopened: the next call reopens it.
    pub(crate) lost: bool,
    /// Inside a call that handles reconnecting: the calls it makes do not.
    pub(crate) depth: u32,
    /// The working directory as the commands that reached it (CWD, CDUP lines that got
    /// 2xx since the login, from the last absolute CWD or PWD on). None: unknown.
    pub(crate) cwd: Option<Vec<Vec<u8>>>,
    /// TYPE and PROT P of the connection when the last call started.
    pub(crate) saved_type: Option<&'static str>,
    pub(crate) saved_prot_p: bool,
}

impl Reconnect {
    /// Forgets the working directory: a new login starts in the user's home.
    pub(crate) fn at_home(&mut self) {
        self.cwd = Some(Vec::new());
    }

    /// Notes a command the server accepted (2xx) that changes the working directory,
    /// or the path a PWD reported (`pwd`).
    pub(crate) fn note_cwd(&mut self, line: &[u8], pwd: Option<&[u8]>) {
        let verb = line.split(|&b| b == b' ').next().unwrap_or_default().to_ascii_uppercase();
        let absolute = |arg: &[u8]| arg.starts_with(b"/");
        match (verb.as_slice(), pwd) {
            (b"PWD" | b"XPWD", Some(path)) if absolute(path) => {
                self.cwd = Some(vec![crate::control::verb_line("CWD", path)]);
            }
            (b"PWD" | b"XPWD", _) => {}
            (b"CWD" | b"XCWD", _) if absolute(line.get(verb.len() + 1..).unwrap_or_default()) => {
                self.cwd = Some(vec![line.to_vec()]);
            }
            (b"CWD" | b"XCWD" | b"CDUP" | b"XCUP", _) => {
                if let Some(steps) = &mut self.cwd {
                    steps.push(line.to_vec());
                    if steps.len() > MAX_CWD_STEPS {
                        self.cwd = None;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_working_directory_follows_cwd_cdup_and_pwd() {
        let mut r = Reconnect::default();
        r.at_home();
        r.note_cwd(b"CWD a", None);
        r.note_cwd(b"CDUP", None);
        r.note_cwd(b"CWD b", None);
        assert_eq!(r.cwd, Some(vec![b"CWD a".to_vec(), b"CDUP".to_vec(), b"CWD b".to_vec()]));
        r.note_cwd(b"CWD /srv/x", None);
        assert_eq!(r.cwd, Some(vec![b"CWD /srv/x".to_vec()]));
        r.note_cwd(b"PWD", Some(b"/home/u/y"));
        assert_eq!(r.cwd, Some(vec![b"CWD /home/u/y".to_vec()]));
        r.note_cwd(b"PWD", Some(b"C:\\odd"));
        assert_eq!(r.cwd, Some(vec![b"CWD /home/u/y".to_vec()]), "a path not from the root is no anchor");
        r.note_cwd(b"NOOP", None);
        for _ in 0..MAX_CWD_STEPS {
            r.note_cwd(b"CWD d", None);
        }
        assert_eq!(r.cwd, None, "too many relative steps: unknown");
        r.note_cwd(b"CWD /again", None);
        assert_eq!(r.cwd, Some(vec![b"CWD /again".to_vec()]));
    }
}
