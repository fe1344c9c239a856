//! Sockets: connecting (with timeout and source address), listening for active mode,
//! and waiting on several sockets at once. socket2 gives bind-before-connect and urgent
//! data, which std's TcpStream lacks.

use crate::error::{Error, Result};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Resolves `host:port` and connects to each address in turn until one answers, from
/// local port `source_port` (0: any), on `source` or, without one, on the unspecified
/// address of each target's family.
pub fn connect_host(
    host: &str,
    port: u16,
    timeout: Option<Duration>,
    source: Option<IpAddr>,
    source_port: u16,
) -> Result<TcpStream> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::Resolve { host: host.to_string(), detail: e.to_string() })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::Resolve { host: host.to_string(), detail: "no addresses".into() });
    }
    connect_first(&addrs, host, timeout, source, source_port)
}

/// The address `host` stands for when the resolver reads it as a number, not a name:
/// besides the usual forms, inet_aton's ("127.1", "0x7f.0.0.1", "2130706433") and a
/// scoped IPv6 address ("fe80::1%eth0", scope dropped). TLS checks such a host as an
/// address, and sends no SNI for it (RFC 6066).
pub fn numeric_host(host: &str) -> Option<IpAddr> {
    if let Ok(ip) = host.parse() {
        return Some(ip);
    }
    let c_host = std::ffi::CString::new(host).ok()?;
    // SAFETY: addrinfo is plain data, for which all-zero is a valid value (the hints
    // getaddrinfo(3) asks for: zero but the fields set).
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_flags = libc::AI_NUMERICHOST;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: c_host is NUL-terminated, hints initialised, list a valid out-pointer;
    // AI_NUMERICHOST keeps this from any lookup.
    if unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, &mut list) } != 0 {
        return None;
    }
    // SAFETY: on success list is a non-empty list getaddrinfo allocated; ai_addr points
    // to a sockaddr of the family ai_family says, read before the list is freed once.
    unsafe {
        let ai = &*list;
        let ip = match ai.ai_family {
            // s_addr holds the address in network order: its bytes as stored.
            libc::AF_INET => {
                Some(IpAddr::from((*(ai.ai_addr as *const libc::sockaddr_in)).sin_addr.s_addr.to_ne_bytes()))
            }
            libc::AF_INET6 => Some(IpAddr::from((*(ai.ai_addr as *const libc::sockaddr_in6)).sin6_addr.s6_addr)),
            _ => None,
        };
        libc::freeaddrinfo(list);
        ip
    }
}

/// Connects to the first of `addrs` that answers (IPv6 and IPv4 alike).
fn connect_first(
    addrs: &[SocketAddr],
    host: &str,
    timeout: Option<Duration>,
    source: Option<IpAddr>,
    source_port: u16,
) -> Result<TcpStream> {
    let mut last = None;
    for &addr in addrs {
        // A source address of the other family cannot be used; skip those targets.
        if source.is_some_and(|s| s.is_ipv4() != addr.is_ipv4()) {
            continue;
        }
        match connect_addr_from(addr, timeout, source, source_port) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::Invalid(format!("source address {} does not match the address family of {host}", source.unwrap()))
    }))
}

/// Connects to one address, optionally binding the local side to `source` (port 0) first.
pub fn connect_addr(addr: SocketAddr, timeout: Option<Duration>, source: Option<IpAddr>) -> Result<TcpStream> {
    connect_addr_from(addr, timeout, source, 0)
}

/// `connect_addr` from local port `source_port` (0: any). A fixed port is bound with
/// SO_REUSEADDR, so that a connection closed moments ago (its port in TIME_WAIT) does
/// not keep a new one to another server from it.
fn connect_addr_from(
    addr: SocketAddr,
    timeout: Option<Duration>,
    source: Option<IpAddr>,
    source_port: u16,
) -> Result<TcpStream> {
    let ctx = || format!("connect to {addr}");
    let sock =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(|e| Error::io(ctx(), e))?;
    let unspecified = || match addr {
        SocketAddr::V4(_) => IpAddr::from([0u8; 4]),
        SocketAddr::V6(_) => IpAddr::from([0u16; 8]),
    };
    let local = match (source, source_port) {
        (None, 0) => None,
        (ip, port) => Some(SocketAddr::new(ip.unwrap_or_else(unspecified), port)),
    };
    if let Some(local) = local {
        if local.port() != 0 {
            sock.set_reuse_address(true).map_err(|e| Error::io(format!("bind source address {local}"), e))?;
        }
        sock.bind(&SockAddr::from(local)).map_err(|e| Error::io(format!("bind source address {local}"), e))?;
    }
    let res = match timeout {
        Some(t) => sock.connect_timeout(&SockAddr::from(addr), t),
        None => sock.connect(&SockAddr::from(addr)),
    };
    res.map_err(|e| Error::io(ctx(), e))?;
    let stream: TcpStream = sock.into();
    stream.set_nodelay(true).map_err(|e| Error::io(ctx(), e))?;
    set_timeouts(&stream, timeout).map_err(|e| Error::io(ctx(), e))?;
    Ok(stream)
}

/// TCP keep-alive settings: first probe after `idle` without traffic, then every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    pub idle: Duration,
    pub interval: Duration,
}

/// Turns keep-alive on with these settings, or leaves the socket's default (off).
pub fn set_keepalive(stream: &TcpStream, keepalive: Option<Keepalive>) -> io::Result<()> {
    let Some(k) = keepalive else { return Ok(()) };
    let params = socket2::TcpKeepalive::new().with_time(k.idle).with_interval(k.interval);
    socket2::SockRef::from(stream).set_tcp_keepalive(&params)
}

/// Applies the same timeout to reads and writes (None blocks forever).
pub fn set_timeouts(stream: &TcpStream, timeout: Option<Duration>) -> io::Result<()> {
    stream.set_read_timeout(timeout)?;
    stream.set_write_timeout(timeout)
}

/// A listener on `ip`, any port, for an active-mode data connection.
pub fn listen_on(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| Error::io(format!("listen on {} for active mode", addr.ip()), e))
}

/// Sends `bytes` as TCP urgent data (the last byte carries the urgent mark).
pub fn send_urgent(stream: &TcpStream, bytes: &[u8]) -> io::Result<()> {
    let sock = socket2::SockRef::from(stream);
    let mut sent = 0;
    while sent < bytes.len() {
        // MSG_NOSIGNAL as std uses for every other write: a closed peer is an error, not SIGPIPE.
        sent += sock.send_with_flags(&bytes[sent..], libc::MSG_OOB | libc::MSG_NOSIGNAL)?;
    }
    Ok(())
}

/// Resets a TCP connection (RST) through any of its descriptors, without closing them:
/// a peer blocked writing to it fails at once, and a local reader wakes up. Closing the
/// last descriptor with SO_LINGER 0 would do the same, but the caller of a transfer may
/// still hold one. Linux disconnects a TCP socket on connect() to AF_UNSPEC.
pub fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
    let addr = libc::sockaddr { sa_family: libc::AF_UNSPEC as libc::sa_family_t, sa_data: [0; 14] };
    // SAFETY: a valid descriptor (borrowed from `stream` for the call) and a
    // sockaddr of the size passed; connect() only reads it.
    let rc =
        unsafe { libc::connect(stream.as_raw_fd(), &addr, std::mem::size_of::<libc::sockaddr>() as libc::socklen_t) };
    if rc != 0 {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Which of two sockets became readable first.
#[derive(Debug, PartialEq, Eq)]
pub enum Ready {
    First,
    Second,
}

/// poll(2) on `fds` up to `timeout` (None: forever), again after a signal for the time
/// left: how many are ready.
fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<usize> {
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let ms = left.map_or(-1, |t| t.as_millis().clamp(1, i32::MAX as u128) as i32);
        // SAFETY: `fds` is a valid, initialised slice of pollfd for the duration of the
        // call, and its length is passed alongside it.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Waits until `first` or `second` is readable (for a listener: has a connection),
/// up to `timeout` (None: forever). `first` wins when both are ready.
pub fn wait_readable(
    first: &impl AsRawFd,
    second: &impl AsRawFd,
    timeout: Option<Duration>,
) -> io::Result<Option<Ready>> {
    let mut fds = [
        libc::pollfd { fd: first.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: second.as_raw_fd(), events: libc::POLLIN, revents: 0 },
    ];
    if poll(&mut fds, timeout)? == 0 {
        return Ok(None);
    }
    Ok(Some(if fds[0].revents != 0 { Ready::First } else { Ready::Second }))
}

/// Waits until `stream` is readable (or, with `output`, writable) before `deadline`:
/// false once it has passed. For waits bounded as a whole (a reply, a handshake, a
/// drain), where the socket is non-blocking and each wait is for the time left.
pub fn wait_until(stream: &impl AsRawFd, output: bool, deadline: Instant) -> io::Result<bool> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(false);
    }
    let events = if output { libc::POLLOUT } else { libc::POLLIN };
    let mut fds = [libc::pollfd { fd: stream.as_raw_fd(), events, revents: 0 }];
    Ok(poll(&mut fds, Some(left))? > 0)
}

/// Runs a read or write `op` on `on`, again when a signal handler interrupts it (with
/// a socket timeout set, Linux never restarts one), until the socket's `timeout` (asked
/// of `on` only then) has passed since the first try: then EAGAIN, as when the socket's
/// own timeout runs out, so that signals coming more often than the timeout cannot
/// keep a stall from being noticed.
pub fn retry_interrupted<S: ?Sized, T>(
    on: &mut S,
    mut op: impl FnMut(&mut S) -> io::Result<T>,
    timeout: impl Fn(&S) -> io::Result<Option<Duration>>,
) -> io::Result<T> {
    let start = Instant::now();
    loop {
        match op(on) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                if timeout(on).is_ok_and(|t| t.is_some_and(|limit| start.elapsed() >= limit)) {
                    return Err(io::Error::from_raw_os_error(libc::EAGAIN));
                }
            }
            done => return done,
        }
    }
}

/// A system call's result as io::Result: negative means errno says why.
pub fn syscall_result(n: isize) -> io::Result<usize> {
    if n >= 0 { Ok(n as usize) } else { Err(io::Error::last_os_error()) }
}

/// Sets SO_RCVLOWAT: the kernel wakes a reader of `stream` only once `bytes` are queued
/// (or the peer closed, or the receive window is nearly full). A blocked read still
/// returns what has come when its SO_RCVTIMEO runs out.
pub fn set_recv_lowat(stream: &TcpStream, bytes: usize) -> io::Result<()> {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: the option value is a c_int that lives across the call, with its size.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&raw const value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Whether the peer of `stream` runs on this machine: at a loopback address, at the
/// socket's own, or at another of the host's addresses (one a socket can bind to: a
/// connection from a bound source address to another local one). Unknown counts as
/// here. A server in a container, behind its own network namespace, counts as remote.
pub fn peer_is_here(stream: &TcpStream) -> bool {
    match (stream.local_addr(), stream.peer_addr()) {
        (Ok(local), Ok(peer)) => same_host(local.ip(), peer.ip()) || is_own_address(peer),
        _ => true,
    }
}

/// Whether a socket can bind to `addr`'s address: only the host's own can be bound
/// (unless net.ipv4.ip_nonlocal_bind allows any, which then counts every peer as here).
fn is_own_address(mut addr: SocketAddr) -> bool {
    addr.set_port(0);
    let Ok(socket) = Socket::new(Domain::for_address(addr), Type::STREAM, None) else {
        return true;
    };
    match socket.bind(&SockAddr::from(addr)) {
        Ok(()) => true,
        Err(e) => e.raw_os_error() != Some(libc::EADDRNOTAVAIL),
    }
}

fn same_host(local: IpAddr, peer: IpAddr) -> bool {
    let peer = peer.to_canonical(); // ::ffff:127.0.0.1 is loopback too
    peer.is_loopback() || peer == local.to_canonical()
}

/// True when `stream` has bytes (or the peer's EOF) waiting to be read, without
/// blocking and without consuming anything.
pub fn has_input(stream: &TcpStream) -> bool {
    let mut byte = 0u8;
    // SAFETY: a one-byte buffer that lives across the call; MSG_PEEK leaves the data
    // queued and MSG_DONTWAIT makes the call return at once.
    let n = unsafe { libc::recv(stream.as_raw_fd(), (&raw mut byte).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT) };
    n >= 0
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn ignore_signal(_: libc::c_int) {}

    #[test]
    fn numeric_hosts_as_the_resolver_reads_them() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(numeric_host("127.0.0.1"), ip("127.0.0.1"));
        assert_eq!(numeric_host("127.1"), ip("127.0.0.1"));
        assert_eq!(numeric_host("0x7f.0.0.1"), ip("127.0.0.1"));
        assert_eq!(numeric_host("2130706433"), ip("127.0.0.1"));
        assert_eq!(numeric_host("fe80::1%lo"), ip("fe80::1"));
        assert_eq!(numeric_host("::1"), ip("::1"));
        for name in ["localhost", "example.com", "127.0.0.1.example", "", "a\0b"] {
            assert_eq!(numeric_host(name), None, "{name}");
        }
    }

    #[test]
    fn a_peer_is_here_on_loopback_or_at_our_own_address() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let here = ip("192.0.2.7");
        for peer in ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1", "192.0.2.7", "::ffff:192.0.2.7"] {
            assert!(same_host(here, ip(peer)), "{peer}");
        }
        for peer in ["192.0.2.8", "198.51.100.1", "2001:db8::1", "::ffff:192.0.2.8"] {
            assert!(!same_host(here, ip(peer)), "{peer}");
        }
        assert!(same_host(ip("2001:db8::5"), ip("2001:db8::5")));
        assert!(same_host(ip("::ffff:192.0.2.7"), ip("192.0.2.7")));
        // Beyond the socket's own address: what the host can bind to.
        assert!(is_own_address("127.0.0.1:21".parse().unwrap()));
        assert!(!is_own_address("192.0.2.1:21".parse().unwrap()), "TEST-NET-1 is no one's here");
    }

    #[test]
    fn a_wait_interrupted_by_signals_still_ends_at_its_timeout() {
        // Signals every 20 ms, for 3 s, to a wait of 300 ms: restarting the wait with its
        // whole timeout after each signal would last until the signals stop.
        // SAFETY: a handler that does nothing, installed without SA_RESTART so that
        // poll(2) returns EINTR; SIGUSR1 is used by nothing else in this test binary.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore_signal as extern "C" fn(libc::c_int) as usize;
            assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
        }
        // SAFETY: pthread_self has no preconditions.
        let waiter = unsafe { libc::pthread_self() };
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let signaller = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(3);
            while Instant::now() < until && !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                // SAFETY: `waiter` is this test's thread, alive until `stop` is set.
                unsafe { libc::pthread_kill(waiter, libc::SIGUSR1) };
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let quiet = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let started = Instant::now();
        let ready = wait_until(&quiet, false, started + Duration::from_millis(300)).unwrap();
        let took = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        signaller.join().unwrap();
        assert!(!ready);
        assert!(took < Duration::from_millis(2000), "{took:?}");
    }

    #[test]
    fn addresses_are_tried_in_turn() {
        // A port just released: nothing listens there, so connecting is refused.
        let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let good = listener.local_addr().unwrap();
        let s = connect_first(&[dead, good], "h", Some(Duration::from_secs(2)), None, 0).unwrap();
        assert_eq!(s.peer_addr().unwrap(), good);
        let e = connect_first(&[dead], "h", Some(Duration::from_secs(2)), None, 0).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io, "{e}");
        // A source address of the other family skips that target.
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        let s = connect_first(&[v6, good], "h", None, Some("127.0.0.1".parse().unwrap()), 0).unwrap();
        assert_eq!(s.peer_addr().unwrap(), good);
    }

    #[test]
    fn a_source_port_is_bound_with_or_without_a_source_address() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let good = listener.local_addr().unwrap();
        // A free port: taken from a listener closed at once.
        let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let s = connect_host("127.0.0.1", good.port(), None, None, free).unwrap();
        assert_eq!(s.local_addr().unwrap(), SocketAddr::new("127.0.0.1".parse().unwrap(), free));
        drop(s);
        // Again at once: the closed connection's TIME_WAIT does not keep the port (to
        // another server; the same four addresses stay taken for TIME_WAIT's length).
        let other = TcpListener::bind("127.0.0.1:0").unwrap();
        let s = connect_host("127.0.0.1", other.local_addr().unwrap().port(), None, None, free).unwrap();
        assert_eq!(s.local_addr().unwrap().port(), free);
        let s2 = connect_host("127.0.0.1", good.port(), None, Some("127.0.0.1".parse().unwrap()), 0).unwrap();
        assert_ne!(s2.local_addr().unwrap().port(), free);
        // A port in use by a live connection to the same server cannot be bound twice.
        let e = connect_host("127.0.0.1", other.local_addr().unwrap().port(), None, None, free).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io, "{e}");
        drop(s);
    }

    #[test]
    fn keepalive_settings_reach_the_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let s = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let sock = socket2::SockRef::from(&s);
        set_keepalive(&s, None).unwrap();
        assert!(!sock.keepalive().unwrap(), "off unless asked");
        let k = Keepalive { idle: Duration::from_secs(45), interval: Duration::from_secs(7) };
        set_keepalive(&s, Some(k)).unwrap();
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.keepalive_time().unwrap(), Duration::from_secs(45));
        assert_eq!(sock.keepalive_interval().unwrap(), Duration::from_secs(7));
    }
}
