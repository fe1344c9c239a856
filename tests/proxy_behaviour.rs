//! Sessions through real proxies, started by these tests on free 127.0.0.1 ports:
//! Debian's dante-server (SOCKS5, without and with user name authentication) and
//! tinyproxy (HTTP CONNECT with basic authentication), in front of the shared test
//! servers (LIBFTP_TEST_ENV): plain FTP and FTPS with TLS session reuse on the data
//! connections (vsftpd requires it), wrong proxy credentials, a proxy refusing the
//! target, active mode refused, and the proxy carried over to sessions opened from a
//! session's connection parameters (what pools and segmented downloads use).
//!
//! The bytes uploaded are downloaded again and compared; each proxy's own log shows
//! that the control and data connections went through it.
//!
//! dante authenticates user names against the system's users: it runs inside the
//! test servers' mount namespace (tests/servers/start.sh), where the FTP test user
//! exists, and the proxy credentials are the FTP ones. Needs danted and tinyproxy
//! (tests/setup-debian.sh); missing, the tests are skipped, but fail under CI=true.
//!
//! Before them, tests that need no server: a relaying SOCKS5 proxy written here in
//! front of the scripted fake server shows where the control and data connections
//! were asked to go, and that active mode sends nothing.
//! Ignored by a plain `cargo test` (which starts no servers): ctest's rust_live_proxy
//! runs them with the shared servers' env (`cargo test --test proxy_behaviour --
//! --ignored` with LIBFTP_TEST_ENV set does the same by hand).

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::pattern;
use common::script::{cmds, done, expect, quit, reply};
use ftp::{ConnectParams, ErrorKind, Flow, Ftp, Proxy, ProxyFailure, TlsConfig, TlsMode};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT: Option<Duration> = Some(Duration::from_secs(20));

/// A missing prerequisite: a skip, or a failure under CI.
fn missing(what: &str) -> bool {
    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{what} missing under CI");
    eprintln!("SKIP: {what} missing");
    false
}

fn have(program: &str) -> bool {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].iter().any(|d| Path::new(d).join(program).exists()) || missing(program)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A proxy process this test started; stopped (by its own pid) when dropped.
struct ProxyProcess {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        // SIGTERM first, so that dante stops its own child processes too.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ProxyProcess {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the proxy accepts connections.
    fn wait_ready(mut self) -> ProxyProcess {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("proxy exited ({status}): {}", self.log_text());
            }
            assert!(Instant::now() < deadline, "proxy not listening on {}: {}", self.port, self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
        self
    }
}

/// dante on a free port: `auth` selects user name authentication; `block_port` is a
/// target port its rules refuse.
fn start_dante(env: &HashMap<String, String>, dir: &Path, auth: bool, block_port: u16) -> ProxyProcess {
    let port = free_port();
    let log = dir.join(format!("danted-{port}.log"));
    let conf = dir.join(format!("danted-{port}.conf"));
    let method = if auth { "username" } else { "none" };
    std::fs::write(
        &conf,
        format!(
            "logoutput: {log}\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
             socksmethod: {method}\nclientmethod: none\nuser.privileged: root\nuser.unprivileged: nobody\n\
             client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n\
             socks block {{\n  from: 0.0.0.0/0 to: 127.0.0.1/32 port = {block_port}\n  log: connect\n}}\n\
             socks pass {{\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  command: connect\n  log: connect\n}}\n",
            log = log.display()
        ),
    )
    .unwrap();
    // In the servers' mount namespace, where the FTP test user (dante's user name
    // authentication reads the system's password database) exists.
    let ns_pid = std::fs::read_to_string(Path::new(&env["WORKDIR"]).join("vsftpd.pid")).unwrap();
    let child = Command::new("nsenter")
        .args(["-m", "-t", ns_pid.trim(), "--", "danted", "-f"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.join(format!("danted-{port}.pid")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("danted-{port}.err"))).unwrap())
        .spawn()
        .expect("start danted");
    ProxyProcess { child, port, log }.wait_ready()
}

/// tinyproxy on a free port with basic authentication; `connect_ports`: the only
/// target ports it allows (none listed: every port, as passive mode needs).
fn start_tinyproxy(env: &HashMap<String, String>, dir: &Path, connect_ports: &[u16]) -> ProxyProcess {
    let port = free_port();
    let log = dir.join(format!("tinyproxy-{port}.log"));
    let conf = dir.join(format!("tinyproxy-{port}.conf"));
    let mut text = format!(
        "User nobody\nGroup nogroup\nPort {port}\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\nMaxClients 50\n\
         LogLevel Info\nBasicAuth {} {}\n",
        env["FTP_USER"], env["FTP_PASS"]
    );
    for p in connect_ports {
        text.push_str(&format!("ConnectPort {p}\n"));
    }
    std::fs::write(&conf, text).unwrap();
    let child = Command::new("tinyproxy")
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::from(std::fs::OpenOptions::new().append(true).open(&log).unwrap()))
        .spawn()
        .expect("start tinyproxy");
    ProxyProcess { child, port, log }.wait_ready()
}

fn session(env: &HashMap<String, String>, proxy: &str, tls: bool) -> Ftp {
    let mut ftp = Ftp::new();
    ftp.set_proxy(Some(Proxy::parse(proxy).unwrap()));
    if tls {
        let mut config = TlsConfig::default();
        config.set_ca_file(Some(Path::new(&env["CA_FILE"]))).unwrap();
        ftp.set_tls(TlsMode::Explicit, config);
    }
    ftp
}

/// Logs in at `host:port` through the session's proxy, uploads, lists, downloads and
/// compares, and removes the file. With TLS the data connections must have resumed
/// the control connection's TLS session.
fn round_trip(env: &HashMap<String, String>, ftp: &mut Ftp, host: &str, port: u16, tls: bool, name: &str) {
    ftp.connect(host, port, TIMEOUT, None).unwrap_or_else(|e| panic!("connect {host}:{port}: {e}"));
    ftp.login(Some(&env["FTP_USER"]), Some(&env["FTP_PASS"]), None).unwrap();
    let data = pattern(300_000 + name.len());
    // Over TLS three times: a proxy that cuts the tunnel at the client's half-close
    // (tinyproxy) truncated about one TLS upload in four before uploads through a proxy
    // waited for the server's close (the server answers 426).
    for _ in 0..if tls { 3 } else { 1 } {
        ftp.storbinary(format!("STOR {name}"), &mut &data[..], 8192, None, |_| Flow::Continue(())).unwrap();
    }
    if tls {
        assert_eq!(ftp.data_session_resumed(), Some(true), "{name}: data connection resumed the TLS session");
    }
    let mut names = Vec::new();
    ftp.nlst("", |n| {
        names.push(String::from_utf8_lossy(n).into_owned());
        Flow::Continue(())
    })
    .unwrap();
    assert!(names.iter().any(|n| n.trim_start_matches("./") == name), "{name} in {names:?}");
    let mut back = Vec::new();
    ftp.retrbinary(format!("RETR {name}"), 8192, None, |b| {
        back.extend_from_slice(b);
        Flow::Continue(())
    })
    .unwrap();
    assert!(back == data, "{name}: {} bytes back of {}", back.len(), data.len());
    ftp.delete(name).unwrap();
    ftp.quit().unwrap();
}

fn port(env: &HashMap<String, String>, key: &str) -> u16 {
    env[key].parse().unwrap()
}

fn setup(what: &str) -> Option<(HashMap<String, String>, PathBuf)> {
    let env = common::live_env()?;
    if !have("danted") || !have("tinyproxy") || !have("nsenter") {
        return None;
    }
    Some((env, common::temp_dir(what)))
}

#[test]
#[ignore = "live: ctest rust_live_proxy runs it against the shared servers"]
fn socks5_through_dante_plain_and_ftps_with_and_without_user_names() {
    let Some((env, dir)) = setup("proxy-dante") else { return };
    let vsftpd = port(&env, "VSFTPD_PORT");
    let vsftps = port(&env, "VSFTPS_PORT");
    let (user, pass) = (&env["FTP_USER"], &env["FTP_PASS"]);
    for auth in [false, true] {
        let dante = start_dante(&env, &dir, auth, 9);
        let creds = if auth { format!("{user}:{pass}@") } else { String::new() };
        let p = dante.port;
        // socks5h with a name the proxy resolves; socks5 with an address.
        let mut ftp = session(&env, &format!("socks5h://{creds}127.0.0.1:{p}"), false);
        round_trip(&env, &mut ftp, "localhost", vsftpd, false, &format!("px-dante-{auth}-h.bin"));
        let mut ftp = session(&env, &format!("socks5://{creds}127.0.0.1:{p}"), false);
        round_trip(&env, &mut ftp, "127.0.0.1", port(&env, "PROFTPD_PORT"), false, &format!("px-dante-{auth}-p.bin"));
        let mut ftp = session(&env, &format!("socks5h://{creds}127.0.0.1:{p}"), true);
        round_trip(&env, &mut ftp, "127.0.0.1", vsftps, true, &format!("px-dante-{auth}-tls.bin"));
        // Every connection went through dante: control and data, to the server's ports.
        let log = dante.log_text();
        let through = log.lines().filter(|l| l.contains("pass(") && l.contains("tcp/connect")).count();
        assert!(through >= 3 * 4, "control and data connections through dante: {through}\n{log}");
        assert!(log.contains(&format!("127.0.0.1.{vsftps}")), "{log}");
        if auth {
            for wrong in [format!("socks5h://{user}:wrong@127.0.0.1:{p}"), format!("socks5h://127.0.0.1:{p}")] {
                let mut ftp = session(&env, &wrong, false);
                let e = ftp.connect("127.0.0.1", vsftpd, TIMEOUT, None).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Proxy(ProxyFailure::Auth), "{wrong}: {e}");
                assert!(e.to_string().contains(&format!("SOCKS5 proxy 127.0.0.1:{p}")), "{e}");
            }
        }
        // The rules refuse port 9: SOCKS5 reply 2.
        let mut ftp = session(&env, &format!("socks5://{creds}127.0.0.1:{p}"), false);
        let e = ftp.connect("127.0.0.1", 9, TIMEOUT, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Proxy(ProxyFailure::Refused), "{e}");
        assert!(e.to_string().contains("not allowed by ruleset (SOCKS5 reply 2)"), "{e}");
    }
}

#[test]
#[ignore = "live: ctest rust_live_proxy runs it against the shared servers"]
fn http_connect_through_tinyproxy_plain_and_ftps_with_basic_auth() {
    let Some((env, dir)) = setup("proxy-tinyproxy") else { return };
    let (user, pass) = (&env["FTP_USER"], &env["FTP_PASS"]);
    let tiny = start_tinyproxy(&env, &dir, &[]);
    let p = tiny.port;
    let url = format!("http://{user}:{pass}@127.0.0.1:{p}");
    let mut ftp = session(&env, &url, false);
    round_trip(&env, &mut ftp, "127.0.0.1", port(&env, "VSFTPD_PORT"), false, "px-tiny.bin");
    let mut ftp = session(&env, &url, true);
    round_trip(&env, &mut ftp, "localhost", port(&env, "VSFTPS_PORT"), true, "px-tiny-tls.bin");
    let mut ftp = session(&env, &url, true);
    round_trip(&env, &mut ftp, "127.0.0.1", port(&env, "PROFTPS_PORT"), true, "px-tiny-proftps.bin");
    let log = tiny.log_text();
    let through = log.lines().filter(|l| l.contains("Established connection to host")).count();
    assert!(through >= 3 * 4, "control and data connections through tinyproxy: {through}\n{log}");
    for wrong in [format!("http://{user}:wrong@127.0.0.1:{p}"), format!("http://127.0.0.1:{p}")] {
        let mut ftp = session(&env, &wrong, false);
        let e = ftp.connect("127.0.0.1", port(&env, "VSFTPD_PORT"), TIMEOUT, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Proxy(ProxyFailure::Auth), "{wrong}: {e}");
        // tinyproxy says 401 (not 407) to wrong credentials, 407 to none.
        assert!(e.to_string().contains(&format!("HTTP proxy 127.0.0.1:{p}")), "{e}");
    }
    // A tinyproxy that allows CONNECT to port 443 only refuses the FTP server.
    let strict = start_tinyproxy(&env, &dir, &[443]);
    let mut ftp = session(&env, &format!("http://{user}:{pass}@127.0.0.1:{}", strict.port), false);
    let e = ftp.connect("127.0.0.1", port(&env, "VSFTPD_PORT"), TIMEOUT, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proxy(ProxyFailure::Refused), "{e}");
    assert!(e.to_string().contains("refused: 403"), "{e}");
}

#[test]
#[ignore = "live: ctest rust_live_proxy runs it against the shared servers"]
fn active_mode_is_refused_through_a_proxy_and_the_session_stays_usable() {
    let Some((env, dir)) = setup("proxy-active") else { return };
    let dante = start_dante(&env, &dir, false, 9);
    let mut ftp = session(&env, &format!("socks5://127.0.0.1:{}", dante.port), false);
    ftp.connect("127.0.0.1", port(&env, "VSFTPD_PORT"), TIMEOUT, None).unwrap();
    ftp.login(Some(&env["FTP_USER"]), Some(&env["FTP_PASS"]), None).unwrap();
    ftp.set_pasv(false);
    let e = ftp.nlst("", |_| Flow::Continue(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::State, "{e}");
    assert!(e.to_string().contains("active mode does not work through a proxy (socks5://127.0.0.1:"), "{e}");
    assert!(ftp.is_usable());
    ftp.set_pasv(true);
    ftp.nlst("", |_| Flow::Continue(())).unwrap();
    ftp.quit().unwrap();
}

#[test]
#[ignore = "live: ctest rust_live_proxy runs it against the shared servers"]
fn sessions_opened_from_connect_params_keep_the_proxy() {
    let Some((env, dir)) = setup("proxy-params") else { return };
    let (user, pass) = (&env["FTP_USER"], &env["FTP_PASS"]);
    let tiny = start_tinyproxy(&env, &dir, &[]);
    let url = format!("http://{user}:{pass}@127.0.0.1:{}", tiny.port);
    let mut ftp = session(&env, &url, false);
    ftp.connect("127.0.0.1", port(&env, "VSFTPD_PORT"), TIMEOUT, None).unwrap();
    ftp.login(Some(user), Some(pass), None).unwrap();
    let params: ConnectParams = ftp.connect_params().unwrap();
    assert_eq!(params.options.proxy, Some(Proxy::parse(&url).unwrap()));
    let established = || tiny.log_text().matches("Established connection to host").count();
    let before = established();
    let mut other = params.open().unwrap();
    other.nlst("", |_| Flow::Continue(())).unwrap();
    other.quit().unwrap();
    assert_eq!(established(), before + 2, "the second session's control and data connections went through");
    // A pool's sessions, opened from the same parameters.
    let pool = ftp::Pool::new(params.clone(), ftp::PoolOptions::default());
    let before = established();
    {
        let mut pooled = pool.get().unwrap();
        pooled.nlst("", |_| Flow::Continue(())).unwrap();
    }
    assert_eq!(established(), before + 2, "the pooled session's control and data connections went through");
    drop(pool);
    // And a session reopened (reconnect's path) too.
    ftp.quit().unwrap();
    let before = established();
    ftp.reopen().unwrap();
    assert_eq!(established(), before + 1);
    ftp.quit().unwrap();
}

// ---- Without servers: a relaying SOCKS5 proxy in front of the fake server ----

/// What a relay was asked for: address type (1 IPv4, 3 name, 4 IPv6), host, port.
type Asked = Arc<Mutex<Vec<(u8, String, u16)>>>;

/// A SOCKS5 proxy without authentication that connects where it is asked and relays.
fn relay() -> (u16, Asked) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked: Asked = Arc::default();
    let log = asked.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let log = log.clone();
            std::thread::spawn(move || {
                let mut b = [0u8; 262];
                client.read_exact(&mut b[..3]).unwrap();
                assert_eq!(&b[..3], [5, 1, 0]);
                client.write_all(&[5, 0]).unwrap();
                client.read_exact(&mut b[..4]).unwrap();
                let atyp = b[3];
                let host = match atyp {
                    1 => {
                        client.read_exact(&mut b[..4]).unwrap();
                        std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
                    }
                    3 => {
                        client.read_exact(&mut b[..1]).unwrap();
                        let n = b[0] as usize;
                        client.read_exact(&mut b[..n]).unwrap();
                        String::from_utf8(b[..n].to_vec()).unwrap()
                    }
                    t => panic!("address type {t}"),
                };
                client.read_exact(&mut b[..2]).unwrap();
                let port = u16::from_be_bytes([b[0], b[1]]);
                log.lock().unwrap().push((atyp, host.clone(), port));
                let addrs: Vec<_> = (host.as_str(), port).to_socket_addrs().unwrap().collect();
                let Some(server) = addrs.iter().find_map(|a| TcpStream::connect(a).ok()) else {
                    let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
                    return;
                };
                client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).unwrap();
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut s2);
                    let _ = s2.shutdown(std::net::Shutdown::Write);
                });
                let (mut s3, mut c3) = (server, client);
                let _ = std::io::copy(&mut s3, &mut c3);
                let _ = c3.shutdown(std::net::Shutdown::Write);
                let _ = up.join();
            });
        }
    });
    (port, asked)
}

/// Logs in through `proxy` to `host` (the fake server), downloads a file, and checks
/// active mode is refused without a command.
fn download_through(proxy: &str, host: &str) {
    let data = common::script::pattern(70_000);
    let mut script = vec![reply("220 ready")];
    script.extend([expect("USER u"), reply("331 pw"), expect("PASS p"), reply("230 in")]);
    script.extend([expect("TYPE I"), expect("EPSV"), reply("200 binary"), Step::Epsv, expect("RETR f")]);
    script.extend([reply("150 here"), Step::DataAccept, Step::DataSend(data.clone()), Step::DataClose]);
    script.push(reply("226 done"));
    script.extend(quit());
    let server = FakeServer::start(script);
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    ftp.set_proxy(Some(Proxy::parse(proxy).unwrap()));
    ftp.connect(host, server.port, Some(Duration::from_secs(5)), None).unwrap();
    ftp.login(Some("u"), Some("p"), None).unwrap();
    let mut got = Vec::new();
    ftp.retrbinary("RETR f", 8192, None, |b| {
        got.extend_from_slice(b);
        Flow::Continue(())
    })
    .unwrap();
    assert!(got == data, "{} bytes of {}", got.len(), data.len());
    ftp.set_pasv(false);
    let e = ftp.nlst("", |_| Flow::Continue(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::State, "{e}");
    let t = done(server, ftp);
    assert_eq!(cmds(&t), ["USER u", "PASS p", "TYPE I", "EPSV", "RETR f", "QUIT"], "no PORT, EPRT or NLST");
}

#[test]
fn control_and_data_connections_go_through_the_proxy_to_the_host_given() {
    let (p, asked) = relay();
    // socks5h: the name goes to the proxy, for the data connection too.
    download_through(&format!("socks5h://127.0.0.1:{p}"), "localhost");
    let seen = std::mem::take(&mut *asked.lock().unwrap());
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].0, seen[0].1.as_str()), (3, "localhost"));
    assert_eq!((seen[1].0, seen[1].1.as_str()), (3, "localhost"));
    assert_ne!(seen[0].2, seen[1].2, "the data connection goes to the port EPSV named");
    // socks5 with an address: the address goes to the proxy.
    download_through(&format!("socks5://127.0.0.1:{p}"), "127.0.0.1");
    let seen = std::mem::take(&mut *asked.lock().unwrap());
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|(t, h, _)| *t == 1 && h == "127.0.0.1"), "{seen:?}");
}

#[test]
fn a_failed_proxy_leaves_the_session_ready_for_the_next_connect() {
    // A "proxy" that answers the SOCKS5 greeting with an FTP welcome.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let p = listener.local_addr().unwrap().port();
    let fake = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut b = [0u8; 3];
        s.read_exact(&mut b).unwrap();
        s.write_all(b"220 not a proxy\r\n").unwrap();
    });
    let mut ftp = Ftp::new();
    ftp.set_proxy(Some(Proxy::parse(&format!("socks5h://127.0.0.1:{p}")).unwrap()));
    let e = ftp.connect("ftp.example", 21, Some(Duration::from_secs(5)), None).unwrap_err();
    fake.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Proxy(ProxyFailure::Proto), "{e}");
    assert!(e.to_string().contains(&format!("SOCKS5 proxy 127.0.0.1:{p}: garbled reply")), "{e}");
    assert!(!ftp.is_usable());
    assert!(ftp.target().is_none());
    // Without the proxy, the same session connects.
    ftp.set_proxy(None);
    let server = FakeServer::start(vec![reply("220 direct"), expect("QUIT"), reply("221 bye")]);
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap();
    let t = done(server, ftp);
    assert_eq!(cmds(&t), ["QUIT"]);
}
