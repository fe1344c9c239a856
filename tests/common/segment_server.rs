//! A small FTP server for segmented downloads: one in-memory file, any number of
//! sessions at once (a thread each), passive mode (EPSV/PASV), REST, RETR and ABOR
//! (with the Telnet IP and Synch before it). It records what every session asked, and
//! can be told to drop a session in the middle of a transfer, to refuse REST, or to
//! send slowly.

use socket2::SockRef;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server behaves.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// FEAT lists no "REST STREAM" and REST is answered 502.
    pub no_rest: bool,
    /// The RETR with this number (1 for the first the server gets, from any session)
    /// sends this many bytes, then the server closes that session's data and control
    /// connections without a word.
    pub drop_retr: Option<(usize, usize)>,
    /// A pause after each block of data sent.
    pub block_pause: Option<Duration>,
}

/// What the server saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Control connections accepted.
    pub sessions: usize,
    /// The REST offset (0 for none) of each RETR, in order.
    pub retrs: Vec<u64>,
    /// ABOR commands.
    pub abors: usize,
    /// The session of each ABOR, numbered from 0 in the order they connected.
    pub abor_sessions: Vec<usize>,
    /// Each CWD: its session and directory.
    pub cwds: Vec<(usize, String)>,
    /// Bytes written to data connections.
    pub sent: u64,
}

pub struct SegmentServer {
    pub port: u16,
    pub seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
}

/// The block the server sends at a time.
const BLOCK: usize = 16 * 1024;

impl SegmentServer {
    pub fn start(data: Vec<u8>, behaviour: Behaviour) -> SegmentServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let data = Arc::new(data);
        let retr_count = Arc::new(AtomicUsize::new(0));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        listener.set_nonblocking(true).unwrap();
        thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        let session = {
                            let mut seen = seen2.lock().unwrap();
                            seen.sessions += 1;
                            seen.sessions - 1
                        };
                        let (data, b, seen, count) =
                            (data.clone(), behaviour.clone(), seen2.clone(), retr_count.clone());
                        thread::spawn(move || {
                            let _ = serve(s, session, &data, &b, &seen, &count);
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SegmentServer { port, seen, stop }
    }

    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }
}

impl Drop for SegmentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    ctrl: TcpStream,
    session: usize,
    data: &[u8],
    b: &Behaviour,
    seen: &Mutex<Seen>,
    retr_count: &AtomicUsize,
) -> std::io::Result<()> {
    // ABOR's Synch is urgent data: kept in the stream, and skipped below.
    SockRef::from(&ctrl).set_out_of_band_inline(true)?;
    ctrl.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut out = ctrl.try_clone()?;
    let mut reader = BufReader::new(ctrl.try_clone()?);
    let mut say = |text: &str| out.write_all(format!("{text}\r\n").as_bytes());
    say("220 segment server")?;
    let mut listener: Option<TcpListener> = None;
    let mut rest = 0u64;
    loop {
        let mut raw = Vec::new();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            return Ok(());
        }
        let start = raw.iter().position(|&c| c < 0x80).unwrap_or(raw.len());
        let line = String::from_utf8_lossy(&raw[start..]).trim_end().to_string();
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        match verb.to_ascii_uppercase().as_str() {
            "USER" => say("331 password please")?,
            "PASS" => say("230 logged in")?,
            "FEAT" if b.no_rest => say("211-Features:\r\n SIZE\r\n MDTM\r\n211 End")?,
            "FEAT" => say("211-Features:\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n EPSV\r\n211 End")?,
            "OPTS" => say("200 ok")?,
            "TYPE" => say("200 type set")?,
            "PWD" => say("257 \"/home\" is the directory")?,
            "CWD" => {
                seen.lock().unwrap().cwds.push((session, arg.to_string()));
                say("250 ok")?
            }
            "NOOP" => say("200 noop")?,
            "SIZE" => say(&format!("213 {}", data.len()))?,
            "MDTM" => say("213 20200102030405")?,
            "REST" if b.no_rest => say("502 no REST here")?,
            "REST" => {
                rest = arg.parse().unwrap_or(0);
                say(&format!("350 restarting at {rest}"))?
            }
            "EPSV" => {
                let l = TcpListener::bind("127.0.0.1:0")?;
                let port = l.local_addr()?.port();
                listener = Some(l);
                say(&format!("229 Entering Extended Passive Mode (|||{port}|)"))?
            }
            "PASV" => {
                let l = TcpListener::bind("127.0.0.1:0")?;
                let port = l.local_addr()?.port();
                listener = Some(l);
                say(&format!("227 Entering Passive Mode (127,0,0,1,{},{})", port >> 8, port & 0xff))?
            }
            "RETR" => {
                let n = retr_count.fetch_add(1, Ordering::SeqCst) + 1;
                seen.lock().unwrap().retrs.push(rest);
                let Some(l) = listener.take() else {
                    say("425 use EPSV first")?;
                    continue;
                };
                say("150 opening data connection")?;
                let (mut conn, _) = l.accept()?;
                let from = (rest as usize).min(data.len());
                rest = 0;
                let cut = b.drop_retr.filter(|&(which, _)| which == n).map(|(_, bytes)| from + bytes);
                let mut pos = from;
                let mut failed = false;
                while pos < data.len() {
                    if cut.is_some_and(|c| pos >= c) {
                        // The session dies: data and control connections go at once.
                        let _ = conn.shutdown(Shutdown::Both);
                        let _ = ctrl.shutdown(Shutdown::Both);
                        return Ok(());
                    }
                    let end = (pos + BLOCK).min(data.len()).min(cut.unwrap_or(usize::MAX));
                    if conn.write_all(&data[pos..end]).is_err() {
                        failed = true;
                        break;
                    }
                    seen.lock().unwrap().sent += (end - pos) as u64;
                    pos = end;
                    if let Some(p) = b.block_pause {
                        thread::sleep(p);
                    }
                }
                drop(conn);
                if failed {
                    say("426 connection closed; transfer aborted")?;
                } else {
                    say("226 transfer complete")?;
                }
            }
            "ABOR" => {
                let mut seen = seen.lock().unwrap();
                seen.abors += 1;
                seen.abor_sessions.push(session);
                drop(seen);
                say("226 abort successful")?
            }
            "QUIT" => {
                say("221 bye")?;
                return Ok(());
            }
            _ => say("502 not implemented")?,
        }
    }
}
