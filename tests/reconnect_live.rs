//! Reconnecting against a real server that drops idle sessions: a private pyftpdlib
//! with a 1 s idle timeout, started by this test on a free 127.0.0.1 port (plain, and
//! FTPS with a certificate made at run time, tests/common/tls.rs). The session changes
//! directory, sleeps past the timeout, then lists and downloads; the bytes are compared
//! with the file.
//!
//! Needs python3 with pyftpdlib (and pyOpenSSL for FTPS), which tests/setup-debian.sh
//! installs. Missing, the test is skipped, but fails under CI=true.

mod common;

use common::script::pattern;
use ftp::{Flow, Ftp, ReconnectPolicy, TlsConfig, TlsMode};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The idle timeout of the private server, in seconds.
const IDLE_TIMEOUT: u64 = 1;

const SERVER: &str = r#"
import logging, os, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
home, port_file, log, idle = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
auth = DummyAuthorizer()
auth.add_user("rc", "rc-secret", home, perm="elradfmwMT")
handler = FTPHandler
if len(sys.argv) > 6:
    from OpenSSL import SSL
    from pyftpdlib.handlers import TLS_FTPHandler
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.use_certificate_chain_file(sys.argv[5])
    ctx.use_privatekey_file(sys.argv[6])
    ctx.set_session_id(b"libftp-reconnect")
    handler = TLS_FTPHandler
    handler.ssl_context = ctx
    handler.tls_control_required = True
    handler.tls_data_required = True
handler.authorizer = auth
handler.timeout = idle
logging.basicConfig(filename=log, level=logging.DEBUG, format="%(asctime)s %(message)s")
server = FTPServer(("127.0.0.1", 0), handler)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % server.socket.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"#;

/// A missing prerequisite: a skip, or a failure under CI.
fn missing(what: &str) {
    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{what} missing under CI");
    eprintln!("SKIP: {what} missing");
}

/// The private server; killed (by its own pid) when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dir: &Path, home: &Path, tls: Option<(&Path, &Path)>) -> Option<Server> {
    let probe = if tls.is_some() { "import pyftpdlib, OpenSSL" } else { "import pyftpdlib" };
    let have = Command::new("python3").args(["-c", probe]).stderr(Stdio::null()).status();
    if !have.is_ok_and(|s| s.success()) {
        missing("python3 with pyftpdlib (and pyOpenSSL for FTPS)");
        return None;
    }
    let script = dir.join("server.py");
    std::fs::write(&script, SERVER).unwrap();
    let port_file = dir.join("port");
    let log = dir.join("server.log");
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg(home).arg(&port_file).arg(&log).arg(IDLE_TIMEOUT.to_string());
    if let Some((cert, key)) = tls {
        cmd.arg(cert).arg(key);
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start python3");
    let mut server = Server { child, port: 0, log };
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.port == 0 {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            server.port = text.trim().parse().unwrap();
        } else {
            assert!(Instant::now() < deadline, "the private pyftpdlib did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Some(server)
}

/// Connects, enters "sub", then twice sleeps past the idle timeout and lists and
/// downloads there; checks each reconnect happened and the bytes are the file's.
fn idle_and_back(tls: Option<TlsConfig>, name: &str) {
    let dir = common::temp_dir(&format!("reconnect-live-{name}"));
    let home = dir.join("home");
    std::fs::create_dir_all(home.join("sub")).unwrap();
    let content = pattern(300_000);
    std::fs::write(home.join("sub/file.bin"), &content).unwrap();
    let files = tls.as_ref().map(|_| common::tls::server_files(&dir));
    let Some(server) = start_server(&dir, &home, files.as_ref().map(|(c, k)| (c.as_path(), k.as_path()))) else {
        return;
    };

    let mut ftp = Ftp::new();
    let protect = tls.is_some();
    if let Some(cfg) = tls {
        ftp.set_tls(TlsMode::Explicit, cfg);
    }
    ftp.set_reconnect(Some(ReconnectPolicy { tries: 3, delay: Duration::from_millis(200) }));
    let started = Instant::now();
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(10)), None).unwrap();
    ftp.login(Some("rc"), Some("rc-secret"), None).unwrap();
    eprintln!("{name}: connect and login {:?}", started.elapsed());
    ftp.cwd("sub").unwrap();
    assert_eq!(ftp.is_data_protected(), protect);

    for round in 1..=2u64 {
        std::thread::sleep(Duration::from_millis(IDLE_TIMEOUT * 1000 + 1500));
        let mut lines = Vec::new();
        let started = Instant::now();
        ftp.dir("", |l| {
            lines.push(String::from_utf8_lossy(l).into_owned());
            Flow::Continue(())
        })
        .unwrap_or_else(|e| panic!("LIST after idle round {round}: {e}"));
        let with_reconnect = started.elapsed();
        let started = Instant::now();
        ftp.dir("", |_| Flow::Continue(())).unwrap();
        eprintln!("{name}: LIST with a reconnect {with_reconnect:?}, without {:?}", started.elapsed());
        assert_eq!(ftp.reconnects(), round, "a reconnect per idle period");
        assert!(lines.len() == 1 && lines[0].ends_with(" file.bin"), "{lines:?}");
        assert_eq!(ftp.is_data_protected(), protect, "PROT restored");
        let mut got = Vec::new();
        ftp.retrbinary("RETR file.bin", 65536, None, |b| {
            got.extend_from_slice(b);
            Flow::Continue(())
        })
        .unwrap();
        assert!(got == content, "round {round}: {} bytes differ from the file", got.len());
        assert_eq!(ftp.pwd().unwrap(), b"/sub");
    }
    ftp.quit().unwrap();
    // The server saw three logins, and its own timeouts.
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert_eq!(log.matches("USER 'rc' logged in").count(), 3, "{log}");
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn plain_session_comes_back_after_the_idle_timeout() {
    idle_and_back(None, "plain");
}

#[test]
fn ftps_session_comes_back_with_prot_p_after_the_idle_timeout() {
    let mut cfg = TlsConfig::new();
    cfg.set_ca_file(Some(&common::tls::ca_file())).unwrap();
    idle_and_back(Some(cfg), "ftps");
}
