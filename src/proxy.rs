//! Proxies for the control and data connections: SOCKS5 (RFC 1928, with the
//! user name and password of RFC 1929) and HTTP CONNECT (with basic authentication).
//! A proxy is given as curl writes it: `socks5://[user:pass@]host[:port]` (names
//! resolved here), `socks5h://...` (names resolved by the proxy), `http://...`.
//!
//! Every reply from the proxy is read with a bound on its size, and the whole exchange
//! with the proxy within the connect timeout. A proxy's reply is read byte by byte
//! where its end is not known in advance, so nothing the FTP server sends right after
//! it (its welcome) is taken from the socket.

use crate::error::{Error, ProxyFailure, Result};
use crate::net;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The most an HTTP proxy's reply to CONNECT may take, status line and headers.
pub const MAX_HTTP_REPLY: usize = 16 * 1024;

/// The port a proxy URL without one means (curl's default for both kinds).
pub const DEFAULT_PROXY_PORT: u16 = 1080;

/// Which protocol a proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5; `remote_dns`: the proxy resolves host names (`socks5h://`), else they
    /// are resolved here and the proxy is given an address (`socks5://`).
    Socks5 { remote_dns: bool },
    /// An HTTP proxy, asked with CONNECT (`http://`).
    HttpConnect,
}

/// A proxy the session's connections go through (`Ftp::set_proxy`).
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
    /// User name and password (SOCKS5: RFC 1929; HTTP: basic authentication).
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for Proxy {
    // The password never reaches a log or a panic message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish()
    }
}

impl fmt::Display for Proxy {
    /// The proxy as a URL without its password: "socks5h://127.0.0.1:1080".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.kind {
            ProxyKind::Socks5 { remote_dns: false } => "socks5",
            ProxyKind::Socks5 { remote_dns: true } => "socks5h",
            ProxyKind::HttpConnect => "http",
        };
        write!(f, "{scheme}://{}", host_port(&self.host, self.port))
    }
}

/// `host:port`, an IPv6 address in brackets.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

fn bad(url: &str, why: &str) -> Error {
    // The URL may hold a password: only its scheme and host part are quoted.
    let shown = url.rsplit_once('@').map_or(url.to_string(), |(_, rest)| format!("...@{rest}"));
    Error::Invalid(format!("proxy URL {shown:?}: {why}"))
}

fn percent_decode(url: &str, part: &str, what: &str) -> Result<String> {
    let b = part.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
            let (Some(h), Some(l)) = (hex(b.get(i + 1)), hex(b.get(i + 2))) else {
                return Err(bad(url, &format!("bad %-escape in the {what}")));
            };
            out.push((h << 4 | l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad(url, &format!("the {what} is not UTF-8")))
}

impl Proxy {
    /// Parses a proxy URL as curl's `-x` takes it: `socks5://`, `socks5h://` or
    /// `http://` (also the default without a scheme), optional `user:password@`
    /// (percent-encoded), a host (an IPv6 address in brackets) and an optional port
    /// (1080 by default). Anything else is `Error::Invalid`.
    pub fn parse(url: &str) -> Result<Proxy> {
        if url.bytes().any(|c| c.is_ascii_control() || c == b' ') {
            return Err(bad(url, "holds a space or a control character"));
        }
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "socks5" => ProxyKind::Socks5 { remote_dns: false },
            "socks5h" => ProxyKind::Socks5 { remote_dns: true },
            "http" => ProxyKind::HttpConnect,
            other => {
                return Err(bad(url, &format!("unsupported proxy scheme {other:?} (socks5, socks5h or http)")));
            }
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(bad(url, "a proxy URL has no path"));
        }
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let credentials = match userinfo {
            None => None,
            Some(u) => {
                let (user, pass) = u.split_once(':').unwrap_or((u, ""));
                let user = percent_decode(url, user, "user name")?;
                let pass = percent_decode(url, pass, "password")?;
                if matches!(kind, ProxyKind::Socks5 { .. }) && (user.is_empty() || user.len() > 255 || pass.len() > 255)
                {
                    return Err(bad(url, "a SOCKS5 user name must have 1 to 255 bytes, a password at most 255"));
                }
                if user.contains(':') && matches!(kind, ProxyKind::HttpConnect) {
                    return Err(bad(url, "an HTTP basic-auth user name cannot hold ':'"));
                }
                Some((user, pass))
            }
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (addr, after) = v6.split_once(']').ok_or_else(|| bad(url, "unclosed '[' in the host"))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad(url, "not an IPv6 address in brackets"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad(url, "junk after the IPv6 address"))?),
            };
            (addr.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(bad(url, "no host"));
        }
        let port = match port {
            None => DEFAULT_PROXY_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p != 0 => p,
                _ => return Err(bad(url, &format!("bad port {p:?}"))),
            },
        };
        Ok(Proxy { kind, host, port, credentials })
    }

    /// Connects to the proxy (from `source`, local port `source_port`) and has it
    /// connect to `host:port`; returns the stream that now leads there. The whole of it
    /// takes at most `timeout` (None: no limit).
    pub(crate) fn connect(
        &self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
        source: Option<IpAddr>,
        source_port: u16,
    ) -> Result<TcpStream> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut tcp = net::connect_host(&self.host, self.port, timeout, source, source_port).map_err(|e| match e {
            Error::Io { context, source } => Error::Io { context: format!("proxy {self}: {context}"), source },
            Error::Timeout(what) => Error::Timeout(format!("proxy {self}: {what}")),
            Error::Resolve { host, detail } => Error::Resolve { host, detail: format!("{detail} (proxy {self})") },
            other => other,
        })?;
        let mut talk = Talk { stream: &mut tcp, deadline, proxy: self };
        match self.kind {
            ProxyKind::Socks5 { remote_dns } => talk.socks5(host, port, remote_dns)?,
            ProxyKind::HttpConnect => talk.http_connect(host, port)?,
        }
        Ok(tcp)
    }
}

/// One exchange with a proxy, bounded by `deadline`.
struct Talk<'a> {
    stream: &'a mut TcpStream,
    deadline: Option<Instant>,
    proxy: &'a Proxy,
}

/// What a SOCKS5 reply code (RFC 1928 section 6) says.
pub(crate) fn socks5_reply_text(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

impl Talk<'_> {
    fn fail(&self, failure: ProxyFailure, what: &str) -> Error {
        let kind = match self.proxy.kind {
            ProxyKind::Socks5 { .. } => "SOCKS5",
            ProxyKind::HttpConnect => "HTTP",
        };
        Error::Proxy {
            failure,
            detail: format!("{kind} proxy {}: {what}", host_port(&self.proxy.host, self.proxy.port)),
        }
    }

    /// Sets the socket's timeout to what is left of the exchange's time.
    fn arm(&mut self, what: &str) -> Result<()> {
        let left = match self.deadline {
            None => None,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Timeout(format!("proxy {}: {what}", self.proxy)));
                }
                Some(left)
            }
        };
        net::set_timeouts(self.stream, left).map_err(|e| Error::io(format!("proxy {}", self.proxy), e))
    }

    fn io_error(&self, what: &str, e: io::Error) -> Error {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                Error::Timeout(format!("proxy {}: no reply to {what} in time", self.proxy))
            }
            _ => Error::io(format!("proxy {}: {what}", self.proxy), e),
        }
    }

    fn send(&mut self, bytes: &[u8], what: &str) -> Result<()> {
        self.arm(what)?;
        let mut sent = 0;
        while sent < bytes.len() {
            match self.stream.write(&bytes[sent..]) {
                Ok(0) => return Err(self.fail(ProxyFailure::Proto, &format!("connection closed while sending {what}"))),
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.arm(what)?,
                Err(e) => return Err(self.io_error(what, e)),
            }
        }
        Ok(())
    }

    /// Reads exactly `buf.len()` bytes of the reply to `what`.
    fn recv(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        let mut got = 0;
        while got < buf.len() {
            self.arm(what)?;
            match self.stream.read(&mut buf[got..]) {
                Ok(0) => {
                    return Err(self.fail(
                        ProxyFailure::Proto,
                        &format!("connection closed during the reply to {what} ({got} of {} bytes)", buf.len()),
                    ));
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(what, e)),
            }
        }
        Ok(())
    }

    fn socks5(&mut self, host: &str, port: u16, remote_dns: bool) -> Result<()> {
        let creds = self.proxy.credentials.clone();
        let greeting: &[u8] = if creds.is_some() { &[5, 2, 0, 2] } else { &[5, 1, 0] };
        self.send(greeting, "the SOCKS5 greeting")?;
        let mut choice = [0u8; 2];
        self.recv(&mut choice, "the SOCKS5 greeting")?;
        if choice[0] != 5 {
            return Err(self.fail(
                ProxyFailure::Proto,
                &format!("garbled reply to the greeting: version {} instead of 5 (not a SOCKS5 proxy?)", choice[0]),
            ));
        }
        match (choice[1], &creds) {
            (0, _) => {}
            (2, Some((user, pass))) => {
                let mut auth = vec![1, user.len() as u8];
                auth.extend_from_slice(user.as_bytes());
                auth.push(pass.len() as u8);
                auth.extend_from_slice(pass.as_bytes());
                self.send(&auth, "the user name and password")?;
                let mut status = [0u8; 2];
                self.recv(&mut status, "the user name and password")?;
                if status[0] != 1 {
                    return Err(self.fail(
                        ProxyFailure::Proto,
                        &format!("garbled reply to the user name and password: version {}", status[0]),
                    ));
                }
                if status[1] != 0 {
                    return Err(
                        self.fail(ProxyFailure::Auth, &format!("user name or password refused (status {})", status[1]))
                    );
                }
            }
            (0xff, None) => {
                return Err(self.fail(ProxyFailure::Auth, "needs authentication, and no user name was given"));
            }
            (0xff, Some(_)) => {
                return Err(self.fail(ProxyFailure::Auth, "accepts neither no authentication nor user name/password"));
            }
            (m, _) => {
                return Err(self.fail(ProxyFailure::Proto, &format!("chose authentication method {m}, not offered")));
            }
        }
        // The target: an address as it is; a name resolved by the proxy (socks5h) or here.
        let mut req = vec![5, 1, 0];
        let ip = match net::numeric_host(host) {
            Some(ip) => Some(ip),
            None if remote_dns => None,
            None => Some(
                (host, port)
                    .to_socket_addrs()
                    .map_err(|e| Error::Resolve { host: host.to_string(), detail: e.to_string() })?
                    .next()
                    .map(|a: SocketAddr| a.ip())
                    .ok_or_else(|| Error::Resolve { host: host.to_string(), detail: "no addresses".into() })?,
            ),
        };
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => {
                req.push(1);
                req.extend_from_slice(&v4.octets());
            }
            Some(IpAddr::V6(v6)) => {
                req.push(4);
                req.extend_from_slice(&v6.octets());
            }
            None => {
                if host.len() > 255 {
                    return Err(Error::Invalid(format!("host name of {} bytes: SOCKS5 takes 255 at most", host.len())));
                }
                req.push(3);
                req.push(host.len() as u8);
                req.extend_from_slice(host.as_bytes());
            }
        }
        req.extend_from_slice(&port.to_be_bytes());
        let what = format!("CONNECT to {}", host_port(host, port));
        self.send(&req, &what)?;
        let mut head = [0u8; 4];
        self.recv(&mut head, &what)?;
        if head[0] != 5 {
            return Err(self.fail(ProxyFailure::Proto, &format!("garbled reply to {what}: version {}", head[0])));
        }
        if head[1] != 0 {
            return Err(self.fail(
                ProxyFailure::Refused,
                &format!("{what} refused: {} (SOCKS5 reply {})", socks5_reply_text(head[1]), head[1]),
            ));
        }
        // The address the proxy connected from: read and dropped.
        let rest = match head[3] {
            1 => 4 + 2,
            4 => 16 + 2,
            3 => {
                let mut len = [0u8; 1];
                self.recv(&mut len, &what)?;
                len[0] as usize + 2
            }
            t => {
                return Err(self.fail(ProxyFailure::Proto, &format!("garbled reply to {what}: address type {t}")));
            }
        };
        let mut bound = [0u8; 255 + 2];
        self.recv(&mut bound[..rest], &what)
    }

    fn http_connect(&mut self, host: &str, port: u16) -> Result<()> {
        if host.bytes().any(|c| c.is_ascii_whitespace() || c.is_ascii_control()) {
            return Err(Error::Invalid(format!("host {host:?} cannot be sent to an HTTP proxy")));
        }
        // A bare IPv6 address goes in brackets ("fe80::1%eth0" loses its scope).
        let target = match net::numeric_host(host) {
            Some(IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
            _ => host_port(host, port),
        };
        let mut req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some((user, pass)) = &self.proxy.credentials {
            req.push_str(&format!("Proxy-Authorization: Basic {}\r\n", base64(format!("{user}:{pass}").as_bytes())));
        }
        req.push_str("\r\n");
        let what = format!("CONNECT {target}");
        self.send(req.as_bytes(), &what)?;
        // Byte by byte up to the blank line: what follows is the FTP server's.
        let mut reply = Vec::with_capacity(256);
        loop {
            let mut b = [0u8; 1];
            self.recv(&mut b, &what)?;
            reply.push(b[0]);
            if reply.ends_with(b"\r\n\r\n") || reply.ends_with(b"\n\n") {
                break;
            }
            if reply.len() >= MAX_HTTP_REPLY {
                return Err(self.fail(
                    ProxyFailure::Proto,
                    &format!("reply to {what} longer than {MAX_HTTP_REPLY} bytes without its end"),
                ));
            }
        }
        let text = String::from_utf8_lossy(&reply);
        let status = text.lines().next().unwrap_or("").trim_end();
        let mut parts = status.splitn(3, ' ');
        let (version, code, reason) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
        let code = match code.parse::<u16>() {
            Ok(c) if version.starts_with("HTTP/1.") && code.len() == 3 && (100..600).contains(&c) => c,
            _ => {
                let shown: String = status.chars().take(80).collect();
                return Err(self.fail(ProxyFailure::Proto, &format!("garbled reply to {what}: {shown:?}")));
            }
        };
        let reason = reason.unwrap_or("").chars().take(200).collect::<String>();
        match code {
            200..=299 => Ok(()),
            // 407 as RFC 9110 says; tinyproxy answers a wrong Proxy-Authorization with 401.
            401 | 407 if self.proxy.credentials.is_some() => {
                Err(self.fail(ProxyFailure::Auth, &format!("user name or password refused ({code} {reason})")))
            }
            401 | 407 => Err(self.fail(ProxyFailure::Auth, &format!("needs authentication ({code} {reason})"))),
            _ => Err(self.fail(ProxyFailure::Refused, &format!("{what} refused: {code} {reason}"))),
        }
    }
}

/// Standard base64 with padding (RFC 4648), for basic authentication.
fn base64(input: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// A fake proxy on a free loopback port that runs `script` on its one connection
    /// and returns what the script collected.
    fn fake(script: impl FnOnce(TcpStream) -> Vec<u8> + Send + 'static) -> (u16, thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            script(s)
        });
        (port, handle)
    }

    fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        s.read_exact(&mut buf).unwrap();
        buf
    }

    /// Reads a SOCKS5 CONNECT request (after the greeting), returning it whole.
    fn read_connect(s: &mut TcpStream) -> Vec<u8> {
        let mut req = read_n(s, 4);
        let rest = match req[3] {
            1 => 6,
            4 => 18,
            3 => {
                let len = read_n(s, 1);
                req.extend_from_slice(&len);
                len[0] as usize + 2
            }
            t => panic!("address type {t}"),
        };
        req.extend(read_n(s, rest));
        req
    }

    fn proxy(url: &str, port: u16) -> Proxy {
        Proxy::parse(&url.replace("PORT", &port.to_string())).unwrap()
    }

    const T: Option<Duration> = Some(Duration::from_secs(5));

    #[test]
    fn proxy_urls_are_read_as_curl_reads_them() {
        let p = Proxy::parse("socks5h://u%40x:p%3Aw@proxy.example:1081").unwrap();
        assert_eq!(p.kind, ProxyKind::Socks5 { remote_dns: true });
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 1081));
        assert_eq!(p.credentials, Some(("u@x".into(), "p:w".into())));
        assert_eq!(p.to_string(), "socks5h://proxy.example:1081");
        assert!(!format!("{p:?}").contains("p:w"), "the password stays out of Debug");
        let p = Proxy::parse("socks5://[::1]").unwrap();
        assert_eq!((p.kind, p.host.as_str(), p.port), (ProxyKind::Socks5 { remote_dns: false }, "::1", 1080));
        assert_eq!(p.to_string(), "socks5://[::1]:1080");
        let p = Proxy::parse("proxy:3128").unwrap();
        assert_eq!((p.kind, p.host.as_str(), p.port, p.credentials), (ProxyKind::HttpConnect, "proxy", 3128, None));
        let p = Proxy::parse("HTTP://user@h:8080/").unwrap();
        assert_eq!(p.credentials, Some(("user".into(), String::new())));
        for bad in [
            "",
            "socks4://h:1",
            "https://h:1",
            "socks5://h:0",
            "socks5://h:65536",
            "socks5://h:x",
            "socks5://:1080",
            "http://h:1/path",
            "socks5://[::1:1080",
            "socks5://[nothost]:1",
            "socks5://:pw@h:1",
            "http://h\r\n:1",
            "socks5://a b:1",
            "http://u%zz:p@h:1",
        ] {
            let e = Proxy::parse(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Invalid, "{bad:?}: {e}");
        }
        let long = format!("socks5://{}:p@h:1", "u".repeat(256));
        assert_eq!(Proxy::parse(&long).unwrap_err().kind(), crate::ErrorKind::Invalid);
        // The password is not quoted in the message.
        let e = Proxy::parse("ftp://user:secret@h:1").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn base64_as_rfc_4648_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn socks5h_sends_the_name_and_socks5_an_address_with_credentials_when_given() {
        // socks5h: the name goes to the proxy; the bytes after the reply are the server's.
        let (port, h) = fake(|mut s| {
            assert_eq!(read_n(&mut s, 4), [5, 2, 0, 2]);
            s.write_all(&[5, 2]).unwrap();
            let auth = read_n(&mut s, 2 + 5 + 1 + 6);
            s.write_all(&[1, 0]).unwrap();
            let req = read_connect(&mut s);
            s.write_all(&[5, 0, 0, 3, 4, b'h', b'o', b's', b't', 0, 21, b'2', b'2', b'0', b' ']).unwrap();
            [auth, req].concat()
        });
        let mut s =
            proxy("socks5h://alice:s3cret@127.0.0.1:PORT", port).connect("ftp.example", 2121, T, None, 0).unwrap();
        let seen = h.join().unwrap();
        assert_eq!(&seen[..14], b"\x01\x05alice\x06s3cret");
        assert_eq!(&seen[14..], b"\x05\x01\x00\x03\x0bftp.example\x08\x49");
        let mut welcome = [0u8; 4];
        s.read_exact(&mut welcome).unwrap();
        assert_eq!(&welcome, b"220 ", "the proxy's reply is read exactly, no further");

        // socks5: the name is resolved here and an address goes to the proxy; no credentials.
        let (port, h) = fake(|mut s| {
            assert_eq!(read_n(&mut s, 3), [5, 1, 0]);
            s.write_all(&[5, 0]).unwrap();
            let req = read_connect(&mut s);
            s.write_all(&[5, 0, 0, 4]).unwrap();
            s.write_all(&[0; 18]).unwrap();
            req
        });
        proxy("socks5://127.0.0.1:PORT", port).connect("localhost", 21, T, None, 0).unwrap();
        let req = h.join().unwrap();
        assert!(
            req == [5, 1, 0, 1, 127, 0, 0, 1, 0, 21]
                || req == [5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 21],
            "{req:?}"
        );
    }

    #[test]
    fn each_socks5_reply_code_is_a_refusal_naming_the_proxy_and_the_code() {
        for code in 1u8..=9 {
            let (port, h) = fake(move |mut s| {
                read_n(&mut s, 3);
                s.write_all(&[5, 0]).unwrap();
                read_connect(&mut s);
                s.write_all(&[5, code, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap();
                vec![]
            });
            let e = proxy("socks5h://127.0.0.1:PORT", port).connect("ftp.example", 21, T, None, 0).unwrap_err();
            h.join().unwrap();
            assert_eq!(e.kind(), crate::ErrorKind::Proxy(ProxyFailure::Refused), "{code}: {e}");
            let msg = e.to_string();
            assert!(msg.contains(&format!("SOCKS5 proxy 127.0.0.1:{port}")), "{msg}");
            assert!(msg.contains(&format!("SOCKS5 reply {code}")), "{msg}");
            assert!(msg.contains(socks5_reply_text(code)), "{msg}");
            assert!(msg.contains("ftp.example:21"), "{msg}");
        }
    }

    /// Runs a SOCKS5 exchange where the fake proxy answers the greeting (and, with
    /// credentials, the login) with `replies` in turn, and returns the error.
    fn socks5_failure(url: &str, replies: Vec<Vec<u8>>) -> Error {
        let (port, h) = fake(move |mut s| {
            let mut buf = [0u8; 512];
            for r in replies {
                let _ = s.read(&mut buf);
                if s.write_all(&r).is_err() {
                    break;
                }
            }
            // Let the client see the end of what was sent before the close.
            thread::sleep(Duration::from_millis(50));
            vec![]
        });
        let e = proxy(url, port).connect("ftp.example", 21, T, None, 0).unwrap_err();
        h.join().unwrap();
        e
    }

    #[test]
    fn garbled_or_short_socks5_replies_and_refused_logins_are_told_apart() {
        use crate::ErrorKind::Proxy as P;
        let cases: Vec<(&str, Vec<Vec<u8>>, crate::ErrorKind, &str)> = vec![
            (
                "socks5h://127.0.0.1:PORT",
                vec![b"HTTP/1.1 400 Bad\r\n\r\n".to_vec()],
                P(ProxyFailure::Proto),
                "version 72",
            ),
            ("socks5h://127.0.0.1:PORT", vec![vec![5]], P(ProxyFailure::Proto), "1 of 2 bytes"),
            ("socks5h://127.0.0.1:PORT", vec![vec![5, 0xff]], P(ProxyFailure::Auth), "no user name"),
            ("socks5h://u:p@127.0.0.1:PORT", vec![vec![5, 0xff]], P(ProxyFailure::Auth), "neither"),
            ("socks5h://127.0.0.1:PORT", vec![vec![5, 2]], P(ProxyFailure::Proto), "method 2, not offered"),
            ("socks5h://u:p@127.0.0.1:PORT", vec![vec![5, 2], vec![1, 1]], P(ProxyFailure::Auth), "refused"),
            ("socks5h://u:p@127.0.0.1:PORT", vec![vec![5, 2], vec![5, 0]], P(ProxyFailure::Proto), "garbled"),
            ("socks5h://127.0.0.1:PORT", vec![vec![5, 0], vec![4, 0, 0, 1]], P(ProxyFailure::Proto), "version 4"),
            ("socks5h://127.0.0.1:PORT", vec![vec![5, 0], vec![5, 0, 0, 9]], P(ProxyFailure::Proto), "address type 9"),
            ("socks5h://127.0.0.1:PORT", vec![vec![5, 0], vec![5, 0, 0, 1, 1, 2]], P(ProxyFailure::Proto), "closed"),
        ];
        for (url, replies, kind, text) in cases {
            let e = socks5_failure(url, replies.clone());
            assert_eq!(e.kind(), kind, "{replies:?}: {e}");
            assert!(
                e.to_string().contains(text) && e.to_string().contains("SOCKS5 proxy 127.0.0.1:"),
                "{replies:?}: {e}"
            );
        }
    }

    #[test]
    fn a_silent_proxy_times_out_within_the_connect_timeout() {
        let (port, h) = fake(|mut s| {
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf);
            thread::sleep(Duration::from_millis(1500));
            vec![]
        });
        let started = Instant::now();
        let e = proxy("socks5h://127.0.0.1:PORT", port)
            .connect("ftp.example", 21, Some(Duration::from_millis(300)), None, 0)
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(1200), "{:?}", started.elapsed());
        assert_eq!(e.kind(), crate::ErrorKind::Timeout, "{e}");
        assert!(e.to_string().contains("proxy socks5h://127.0.0.1:"), "{e}");
        h.join().unwrap();
    }

    /// Runs an HTTP CONNECT exchange where the fake proxy answers `reply`; returns the
    /// result, the request it saw, and what the client read after (on success).
    fn http(url: &str, reply: Vec<u8>) -> (Result<Vec<u8>>, String) {
        let (port, h) = fake(move |mut s| {
            let mut req = Vec::new();
            let mut b = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") {
                s.read_exact(&mut b).unwrap();
                req.push(b[0]);
            }
            let _ = s.write_all(&reply);
            thread::sleep(Duration::from_millis(50));
            req
        });
        let res = proxy(url, port).connect("ftp.example", 2121, T, None, 0).map(|mut s| {
            let mut rest = Vec::new();
            let _ = s.read_to_end(&mut rest);
            rest
        });
        (res, String::from_utf8(h.join().unwrap()).unwrap())
    }

    #[test]
    fn http_connect_sends_basic_auth_and_leaves_the_servers_bytes_alone() {
        let (res, req) = http(
            "http://Aladdin:open%20sesame@127.0.0.1:PORT",
            b"HTTP/1.1 200 Connection established\r\nProxy-agent: fake\r\n\r\n220 welcome\r\n".to_vec(),
        );
        assert_eq!(res.unwrap(), b"220 welcome\r\n");
        assert_eq!(
            req,
            "CONNECT ftp.example:2121 HTTP/1.1\r\nHost: ftp.example:2121\r\n\
             Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        let (res, req) = http("http://127.0.0.1:PORT", b"HTTP/1.0 200 OK\n\n".to_vec());
        assert_eq!(res.unwrap(), b"");
        assert!(!req.contains("Proxy-Authorization"), "{req}");
    }

    #[test]
    fn http_proxy_refusals_and_garbage_are_clear_errors() {
        use crate::ErrorKind::Proxy as P;
        let huge = [b"HTTP/1.1 200 OK\r\n".to_vec(), b"X-Pad: y\r\n".repeat(2000)].concat();
        let cases: Vec<(&str, Vec<u8>, crate::ErrorKind, &str)> = vec![
            (
                "http://127.0.0.1:PORT",
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n".to_vec(),
                P(ProxyFailure::Auth),
                "needs authentication (407",
            ),
            (
                "http://u:bad@127.0.0.1:PORT",
                b"HTTP/1.1 407 Denied\r\n\r\n".to_vec(),
                P(ProxyFailure::Auth),
                "password refused (407 Denied)",
            ),
            (
                "http://u:bad@127.0.0.1:PORT",
                b"HTTP/1.0 401 Unauthorized\r\n\r\n".to_vec(),
                P(ProxyFailure::Auth),
                "password refused (401 Unauthorized)",
            ),
            (
                "http://127.0.0.1:PORT",
                b"HTTP/1.1 403 Access violation\r\n\r\n".to_vec(),
                P(ProxyFailure::Refused),
                "CONNECT ftp.example:2121 refused: 403 Access violation",
            ),
            (
                "http://127.0.0.1:PORT",
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".to_vec(),
                P(ProxyFailure::Refused),
                "502",
            ),
            ("http://127.0.0.1:PORT", b"220 I am an FTP server\r\n\r\n".to_vec(), P(ProxyFailure::Proto), "garbled"),
            ("http://127.0.0.1:PORT", b"HTTP/1.1 2000 OK\r\n\r\n".to_vec(), P(ProxyFailure::Proto), "garbled"),
            ("http://127.0.0.1:PORT", b"HTTP/1.1 200 OK\r\n".to_vec(), P(ProxyFailure::Proto), "closed"),
            ("http://127.0.0.1:PORT", huge, P(ProxyFailure::Proto), "longer than 16384 bytes"),
        ];
        for (url, reply, kind, text) in cases {
            let (res, _) = http(url, reply);
            let e = res.unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
            assert!(e.to_string().contains(text) && e.to_string().starts_with("HTTP proxy 127.0.0.1:"), "{e}");
        }
    }

    #[test]
    fn a_proxy_that_is_not_there_is_named_in_the_error() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = proxy("socks5://127.0.0.1:PORT", port).connect("ftp.example", 21, T, None, 0).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io, "{e}");
        assert!(e.to_string().contains(&format!("proxy socks5://127.0.0.1:{port}")), "{e}");
    }
}
