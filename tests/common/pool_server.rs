//! A fake FTP server for pool and batch tests: it accepts many connections at once,
//! each served by a small FTP state machine over one shared in-memory file system
//! (USER/PASS, TYPE, EPSV/PASV, SIZE, REST, RETR, STOR, APPE, RNFR/RNTO, DELE, FEAT,
//! NOOP, QUIT). Faults are set from the test: a connection limit answered with 421, a
//! download cut (control and data reset) after some bytes, slow data, and killing
//! every open connection. It counts what it saw.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server does and has seen; shared by its connection threads.
#[derive(Default)]
pub struct Shared {
    pub files: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    /// Most connections served at once; more get "421 Too many connections" and closed.
    pub max_connections: AtomicUsize,
    /// Connections being served now, and the most at once.
    pub current: AtomicUsize,
    pub peak: AtomicUsize,
    /// Connections accepted (served or refused) and refused.
    pub accepted: AtomicUsize,
    pub refused: AtomicUsize,
    /// Logins that succeeded.
    pub logins: AtomicUsize,
    /// Per command verb, how many came.
    pub commands: Mutex<HashMap<String, usize>>,
    /// The next RETR of this name sends this many bytes, then resets its data and
    /// control connections (one shot).
    pub cut_retr: Mutex<Option<(Vec<u8>, usize)>>,
    /// The next STOR (or APPE) of this name reads this many bytes, then resets both
    /// connections (one shot).
    pub cut_stor: Mutex<Option<(Vec<u8>, usize)>>,
    /// A pause after each 4 KiB sent on a data connection.
    pub slow_data: Mutex<Option<Duration>>,
    /// A download's data connection closed by the client ends the whole session, with
    /// no reply (netkit ftpd: the failed write's SIGPIPE ends its process).
    pub reset_ends_session: AtomicBool,
    /// Control connections open now, to kill them all.
    controls: Mutex<Vec<TcpStream>>,
    stopping: AtomicBool,
}

pub struct PoolServer {
    pub port: u16,
    pub shared: Arc<Shared>,
}

impl PoolServer {
    /// A server on 127.0.0.1 (ephemeral port) serving at most `max_connections` at once.
    pub fn start(max_connections: usize) -> PoolServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        shared.max_connections.store(max_connections, Ordering::SeqCst);
        let s = Arc::clone(&shared);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                s.accepted.fetch_add(1, Ordering::SeqCst);
                let s = Arc::clone(&s);
                thread::spawn(move || serve(s, conn));
            }
        });
        PoolServer { port, shared }
    }

    pub fn put(&self, name: &str, data: Vec<u8>) {
        self.shared.files.lock().unwrap().insert(name.as_bytes().to_vec(), data);
    }

    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        self.shared.files.lock().unwrap().get(name.as_bytes()).cloned()
    }

    pub fn count(&self, verb: &str) -> usize {
        self.shared.commands.lock().unwrap().get(verb).copied().unwrap_or(0)
    }

    /// Resets every control connection open now (as a server restart or an idle
    /// timeout would): their sessions see the connection closed on their next command.
    pub fn kill_all(&self) {
        for c in self.shared.controls.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    pub fn set_slow(&self, pause: Option<Duration>) {
        *self.shared.slow_data.lock().unwrap() = pause;
    }
}

impl Drop for PoolServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.kill_all();
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Resets a connection (RST, not FIN): SO_LINGER 0, then close.
fn reset(s: &TcpStream) {
    let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
    let _ = s.shutdown(Shutdown::Both);
}

struct Conn {
    shared: Arc<Shared>,
    ctrl: TcpStream,
    listener: Option<TcpListener>,
    rest: u64,
    rnfr: Option<Vec<u8>>,
    user_ok: bool,
}

fn serve(shared: Arc<Shared>, ctrl: TcpStream) {
    let _ = ctrl.set_read_timeout(Some(IO_TIMEOUT));
    let now = shared.current.fetch_add(1, Ordering::SeqCst) + 1;
    if now > shared.max_connections.load(Ordering::SeqCst) {
        shared.current.fetch_sub(1, Ordering::SeqCst);
        shared.refused.fetch_add(1, Ordering::SeqCst);
        let _ = (&ctrl).write_all(b"421 Too many connections (test limit)\r\n");
        return;
    }
    shared.peak.fetch_max(now, Ordering::SeqCst);
    shared.controls.lock().unwrap().push(ctrl.try_clone().unwrap());
    let mut conn = Conn { shared: Arc::clone(&shared), ctrl, listener: None, rest: 0, rnfr: None, user_ok: false };
    let _ = conn.run();
    shared.current.fetch_sub(1, Ordering::SeqCst);
}

impl Conn {
    fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.ctrl.write_all(format!("{text}\r\n").as_bytes())
    }

    fn run(&mut self) -> std::io::Result<()> {
        self.reply("220 pool test server")?;
        let mut reader = BufReader::new(self.ctrl.try_clone()?);
        loop {
            let mut line = Vec::new();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            while line.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
                line.pop();
            }
            // ABOR comes after Telnet IP and Synch (urgent data).
            let skip = line.iter().take_while(|c| !c.is_ascii_alphabetic()).count();
            line.drain(..skip);
            let (verb, arg) = match line.iter().position(|c| *c == b' ') {
                Some(at) => (String::from_utf8_lossy(&line[..at]).to_uppercase(), line[at + 1..].to_vec()),
                None => (String::from_utf8_lossy(&line).to_uppercase(), Vec::new()),
            };
            *self.shared.commands.lock().unwrap().entry(verb.clone()).or_default() += 1;
            match verb.as_str() {
                "USER" => {
                    self.user_ok = true;
                    self.reply("331 password please")?
                }
                "PASS" if self.user_ok => {
                    self.shared.logins.fetch_add(1, Ordering::SeqCst);
                    self.reply("230 logged in")?
                }
                "FEAT" => self.reply("211-Features:\r\n SIZE\r\n REST STREAM\r\n211 End")?,
                "TYPE" => self.reply("200 type set")?,
                "NOOP" => self.reply("200 NOOP ok")?,
                "ABOR" => self.reply("226 ABOR ok")?,
                "PWD" => self.reply("257 \"/\" is the current directory")?,
                "QUIT" => {
                    self.reply("221 bye")?;
                    return Ok(());
                }
                "EPSV" => {
                    let l = TcpListener::bind("127.0.0.1:0")?;
                    let port = l.local_addr()?.port();
                    self.listener = Some(l);
                    self.reply(&format!("229 Entering Extended Passive Mode (|||{port}|)"))?
                }
                "PASV" => {
                    let l = TcpListener::bind("127.0.0.1:0")?;
                    let port = l.local_addr()?.port();
                    self.listener = Some(l);
                    self.reply(&format!("227 Entering Passive Mode (127,0,0,1,{},{})", port >> 8, port & 255))?
                }
                "REST" => {
                    self.rest = String::from_utf8_lossy(&arg).parse().unwrap_or(0);
                    self.reply(&format!("350 restarting at {}", self.rest))?
                }
                "SIZE" => match self.shared.files.lock().unwrap().get(&arg).map(Vec::len) {
                    Some(n) => self.ctrl.write_all(format!("213 {n}\r\n").as_bytes())?,
                    None => self.ctrl.write_all(b"550 no such file\r\n")?,
                },
                "RETR" => self.retr(&arg)?,
                "STOR" | "APPE" => self.stor(&arg, verb == "APPE")?,
                "DELE" => match self.shared.files.lock().unwrap().remove(&arg) {
                    Some(_) => self.ctrl.write_all(b"250 deleted\r\n")?,
                    None => self.ctrl.write_all(b"550 no such file\r\n")?,
                },
                "RNFR" => {
                    self.rnfr = Some(arg);
                    self.reply("350 ready for RNTO")?
                }
                "RNTO" => {
                    let from = self.rnfr.take().unwrap_or_default();
                    let mut files = self.shared.files.lock().unwrap();
                    match files.remove(&from) {
                        Some(data) => {
                            files.insert(arg, data);
                            drop(files);
                            self.reply("250 renamed")?
                        }
                        None => {
                            drop(files);
                            self.reply("550 no such file")?
                        }
                    }
                }
                _ => self.reply("502 not implemented")?,
            }
        }
    }

    fn data(&mut self) -> std::io::Result<TcpStream> {
        let l = self.listener.take().ok_or_else(|| std::io::Error::other("no EPSV/PASV before the transfer"))?;
        l.set_nonblocking(false)?;
        let (s, _) = accept_within(&l, IO_TIMEOUT)?;
        s.set_read_timeout(Some(IO_TIMEOUT))?;
        s.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(s)
    }

    fn retr(&mut self, name: &[u8]) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.rest) as usize;
        let Some(data) = self.shared.files.lock().unwrap().get(name).cloned() else {
            self.listener = None;
            return self.reply("550 no such file");
        };
        let body = data.get(rest..).unwrap_or_default().to_vec();
        let cut = {
            let mut cut = self.shared.cut_retr.lock().unwrap();
            match cut.as_ref() {
                Some((n, at)) if n == name => {
                    let at = *at;
                    *cut = None;
                    Some(at)
                }
                _ => None,
            }
        };
        self.reply(&format!("150 opening data connection ({} bytes)", body.len()))?;
        let mut sock = self.data()?;
        let pause = *self.shared.slow_data.lock().unwrap();
        let limit = cut.unwrap_or(usize::MAX).min(body.len());
        for chunk in body[..limit].chunks(4096) {
            if sock.write_all(chunk).is_err() {
                // The client went away (an ABOR or a cancel): answer like a server does.
                return self.abor_after_cut();
            }
            if let Some(p) = pause {
                thread::sleep(p);
            }
        }
        if cut.is_some() {
            reset(&sock);
            reset(&self.ctrl);
            return Err(std::io::Error::other("cut as the test asked"));
        }
        drop(sock);
        self.reply("226 transfer complete")
    }

    /// After the client closed a data connection mid-transfer: 426, and a 226 for the
    /// ABOR that usually follows.
    fn abor_after_cut(&mut self) -> std::io::Result<()> {
        if self.shared.reset_ends_session.load(Ordering::SeqCst) {
            reset(&self.ctrl);
            return Err(std::io::Error::other("the session ends, as the test asked"));
        }
        self.reply("426 connection closed; transfer aborted")
    }

    fn stor(&mut self, name: &[u8], append: bool) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.rest) as usize;
        let cut = {
            let mut cut = self.shared.cut_stor.lock().unwrap();
            match cut.as_ref() {
                Some((n, at)) if n == name => {
                    let at = *at;
                    *cut = None;
                    Some(at)
                }
                _ => None,
            }
        };
        self.reply("150 ready to receive")?;
        let mut sock = self.data()?;
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = sock.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if let Some(at) = cut {
                if got.len() >= at {
                    got.truncate(at);
                    self.store(name, append, rest, &got);
                    reset(&sock);
                    reset(&self.ctrl);
                    return Err(std::io::Error::other("cut as the test asked"));
                }
            }
        }
        self.store(name, append, rest, &got);
        self.reply("226 stored")
    }

    /// Writes what a STOR/APPE got, as a real server does even for a cut upload.
    fn store(&self, name: &[u8], append: bool, rest: usize, got: &[u8]) {
        let mut files = self.shared.files.lock().unwrap();
        let file = files.entry(name.to_vec()).or_default();
        if append {
            file.extend_from_slice(got);
        } else {
            file.truncate(rest);
            file.extend_from_slice(got);
        }
    }
}

fn accept_within(l: &TcpListener, limit: Duration) -> std::io::Result<(TcpStream, std::net::SocketAddr)> {
    l.set_nonblocking(true)?;
    let end = std::time::Instant::now() + limit;
    loop {
        match l.accept() {
            Ok((s, a)) => {
                s.set_nonblocking(false)?;
                return Ok((s, a));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && std::time::Instant::now() < end => {
                thread::sleep(Duration::from_millis(2))
            }
            Err(e) => return Err(e),
        }
    }
}
