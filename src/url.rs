//! `ftp://` and `ftps://` URLs (RFC 1738 section 3.2, as curl reads them):
//! `ftp[s]://[user[:password]@]host[:port]/path[;type=a|i|d]`, percent-decoded.

use crate::control::check_line;
use crate::error::{Error, Result};

/// A parsed FTP URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpUrl {
    /// `ftps://`: implicit TLS (port 990 by default).
    pub implicit_tls: bool,
    /// The user, decoded; None when the URL names none (anonymous).
    pub user: Option<String>,
    /// The password, decoded; None when the URL has no ':' after the user.
    pub password: Option<String>,
    /// Host name or IP address (an IPv6 address without its brackets, with "%zone"
    /// when the URL gives one: "fe80::1%eth0").
    pub host: String,
    /// The port, or 0 when the URL gives none (the scheme's default).
    pub port: u16,
    /// The path after the host's '/', decoded to bytes (names need not be UTF-8);
    /// empty for the login directory. "a/b/c" names c inside b inside a.
    pub path: Vec<u8>,
    /// The `;type=` code: 'a' (ASCII), 'i' (binary) or 'd' (directory listing).
    pub typecode: Option<char>,
}

fn bad(url: &str, why: &str) -> Error {
    // The URL may hold a password: say what is wrong without echoing it. Everything up
    // to the last '@' goes, since a password may hold '@' (and a malformed one '/').
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let shown = match url[scheme_end..].rfind('@') {
        Some(at) => format!("{}…@{}", &url[..scheme_end], &url[scheme_end + at + 1..]),
        None => url.to_string(),
    };
    Error::Invalid(format!("URL {shown:?}: {why}"))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decodes; CR, LF and NUL are refused even when encoded (they would end or
/// split a command line).
fn decode(url: &str, part: &str, what: &str) -> Result<Vec<u8>> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let (Some(h), Some(l)) = (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
            else {
                return Err(bad(url, &format!("bad %-escape in the {what}")));
            };
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    check_line(what, &out).map_err(|_| bad(url, &format!("the {what} holds an encoded CR, LF or NUL")))?;
    Ok(out)
}

fn decode_text(url: &str, part: &str, what: &str) -> Result<String> {
    String::from_utf8(decode(url, part, what)?).map_err(|_| bad(url, &format!("the {what} is not UTF-8")))
}

impl FtpUrl {
    /// Parses an `ftp://` or `ftps://` URL.
    pub fn parse(url: &str) -> Result<FtpUrl> {
        check_line("URL", url)?;
        let (implicit_tls, rest) = if let Some(r) = strip_prefix_ci(url, "ftp://") {
            (false, r)
        } else if let Some(r) = strip_prefix_ci(url, "ftps://") {
            (true, r)
        } else {
            return Err(bad(url, "not an ftp:// or ftps:// URL"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        if authority.contains(['?', '#']) || path.contains(['?', '#']) {
            return Err(bad(url, "queries and fragments have no meaning in FTP URLs"));
        }
        // The last '@' ends the user information: passwords may contain '@' unencoded.
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(decode_text(url, u, "user")?), Some(decode_text(url, p, "password")?)),
                None => (Some(decode_text(url, info, "user")?), None),
            },
        };
        let (host, port_text) = if let Some(v6) = hostport.strip_prefix('[') {
            let end = v6.find(']').ok_or_else(|| bad(url, "unclosed '[' in the host"))?;
            let host = ipv6_host(url, &v6[..end])?;
            let after = &v6[end + 1..];
            match after.strip_prefix(':') {
                Some(p) => (host, Some(p)),
                None if after.is_empty() => (host, None),
                None => return Err(bad(url, "unexpected text after the IPv6 address")),
            }
        } else {
            let (h, p) = match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            };
            let host = decode_text(url, h, "host")?;
            check_host_name(url, &host)?;
            (host, p)
        };
        let port = match port_text {
            None | Some("") => 0,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(bad(url, "the port is not a number from 1 to 65535")),
            },
        };
        let (path, typecode) = match path.rsplit_once(';') {
            Some((p, t)) => {
                let code = t.strip_prefix("type=").or_else(|| t.strip_prefix("TYPE=")).and_then(|c| {
                    let mut chars = c.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c @ ('a' | 'i' | 'd' | 'A' | 'I' | 'D')), None) => Some(c.to_ascii_lowercase()),
                        _ => None,
                    }
                });
                match code {
                    Some(c) => (p, Some(c)),
                    None => return Err(bad(url, "only ;type=a, ;type=i or ;type=d may follow the path")),
                }
            }
            None => (path, None),
        };
        Ok(FtpUrl { implicit_tls, user, password, host, port, path: decode(url, path, "path")?, typecode })
    }
}

/// The text between a URL's brackets: an IPv6 address, with an optional zone
/// (RFC 6874: "fe80::1%25eth0"), given back as the resolver takes it ("fe80::1%eth0").
fn ipv6_host(url: &str, text: &str) -> Result<String> {
    let (addr, zone) = match text.split_once("%25") {
        Some((a, z)) => (a, Some(z)),
        None => (text, None),
    };
    if addr.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(bad(url, "the bracketed host is not an IPv6 address"));
    }
    match zone {
        None => Ok(addr.to_string()),
        Some(z) => {
            let z = decode_text(url, z, "IPv6 zone")?;
            if z.is_empty() || !z.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
                return Err(bad(url, "the IPv6 zone is not an interface name or number"));
            }
            Ok(format!("{addr}%{z}"))
        }
    }
}

/// A host name as resolvers and curl take one: ASCII letters, digits, '-', '.', '_',
/// and non-ASCII (an internationalized name). Anything else ("h;type=d", "h:21:22",
/// an unbracketed IPv6 address, a TAB) would only fail later, as a lookup, or reach
/// the TLS server name.
fn check_host_name(url: &str, host: &str) -> Result<()> {
    if host.is_empty() {
        return Err(bad(url, "no host"));
    }
    if host.contains(';') {
        return Err(bad(url, "a ;type= code follows the path, after a '/' (ftp://host/;type=d)"));
    }
    if host.contains(':') {
        return Err(bad(url, "a ':' in the host: write an IPv6 address in brackets, one port after the host"));
    }
    if !host.bytes().all(|b| !b.is_ascii() || b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
        return Err(bad(url, "the host holds characters a host name cannot"));
    }
    Ok(())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(url: &str) -> FtpUrl {
        FtpUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn the_parts() {
        let u = p("ftp://bob:s%40cret:x@example.com:2121/dir/file%20name.txt");
        assert!(!u.implicit_tls);
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.password.as_deref(), Some("s@cret:x"));
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, 2121);
        assert_eq!(u.path, b"dir/file name.txt");
        assert_eq!(u.typecode, None);
    }

    #[test]
    fn defaults_ipv6_ftps_and_type() {
        let u = p("FTPS://[::1]/");
        assert!(u.implicit_tls);
        assert_eq!((u.host.as_str(), u.port, u.user.clone(), u.path.len()), ("::1", 0, None, 0));
        let u = p("ftp://[::1]:21/pub;type=d");
        assert_eq!((u.port, u.path.as_slice(), u.typecode), (21, &b"pub"[..], Some('d')));
        let u = p("ftp://h/a;type=I");
        assert_eq!(u.typecode, Some('i'));
        let u = p("ftp://anonymous@h");
        assert_eq!((u.user.as_deref(), u.password.clone()), (Some("anonymous"), None));
        let u = p("ftp://u:@h/");
        assert_eq!(u.password.as_deref(), Some(""));
        assert_eq!(p("ftp://h/caf%E9").path, b"caf\xe9", "paths are bytes");
        assert_eq!(p("ftp://p%C3%A4ss@h").user.as_deref(), Some("päss"));
    }

    #[test]
    fn refusals() {
        for bad in [
            "http://h/",
            "ftp://",
            "ftp:///path",
            "ftp://h:0/",
            "ftp://h:65536/",
            "ftp://h:2x/",
            "ftp://[::1/",
            "ftp://[nothost]/",
            "ftp://h/a%0d%0aDELE%20x",
            "ftp://h/a%00",
            "ftp://h/%zz",
            "ftp://h/a%4",
            "ftp://h/a;type=x",
            "ftp://h/a;mode=i",
            "ftp://h/a?b",
            "ftp://u:%ff@h/",
            "ftp://h\r\n/",
            // ':' in a host: unbracketed IPv6, two ports, an encoded colon.
            "ftp://::1/",
            "ftp://2001:db8::1/",
            "ftp://fe80::1:2121/",
            "ftp://::ffff:127.0.0.1:21/",
            "ftp://h:21:22/",
            "ftp://h%3A2121/",
            // Not host name characters, raw or encoded; ;type= with no path.
            "ftp://h;type=d",
            "ftp://h%09x/",
            "ftp://h\tx/",
            "ftp://h%25x/",
            "ftp://h\\x/",
            "ftp://h,x/",
            // Zones: empty, or not an interface name or number.
            "ftp://[fe80::1%25]/",
            "ftp://[fe80::1%25a%2Fb]/",
            "ftp://[fe80::1%eth0]/",
        ] {
            let e = FtpUrl::parse(bad).expect_err(bad);
            assert_eq!(e.kind(), crate::ErrorKind::Invalid, "{bad}: {e}");
        }
    }

    #[test]
    fn hosts_and_ipv6_zones() {
        assert_eq!(p("ftp://my-host_1.example.com:21/").host, "my-host_1.example.com");
        assert_eq!(p("ftp://b%C3%BCcher.example/").host, "bücher.example");
        let u = p("ftp://[fe80::1%25eth0]:2121/f");
        assert_eq!((u.host.as_str(), u.port, u.path.as_slice()), ("fe80::1%eth0", 2121, &b"f"[..]));
        assert_eq!(p("ftp://[fe80::1%25lo]/").host, "fe80::1%lo");
        // The form the resolver takes: the zone becomes the scope, with no packet sent.
        use std::net::ToSocketAddrs;
        let addr = (p("ftp://[fe80::1%25lo]/").host.as_str(), 21).to_socket_addrs().unwrap().next().unwrap();
        match addr {
            std::net::SocketAddr::V6(a) => assert!(a.scope_id() != 0 && a.ip().segments()[0] == 0xfe80, "{a}"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn errors_do_not_show_the_password() {
        let e = FtpUrl::parse("ftp://bob:hunter2@h:99999/").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.to_string().contains("port"), "{e}");
        // '@' inside the password, and a '/' that cuts the authority short.
        for url in ["ftp://bob:hun@ter2@h:99999/", "ftp://bob:hun/ter2@h:x/", "ftp://bob:hunter2@h:x/a@b"] {
            let e = FtpUrl::parse(url).unwrap_err().to_string();
            assert!(!e.contains("hun") && !e.contains("ter2"), "{url}: {e}");
        }
    }
}
