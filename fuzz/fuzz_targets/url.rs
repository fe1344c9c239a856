//! ftp:// and ftps:// URLs: what parses never carries CR, LF or NUL into a command.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(u) = ftp::FtpUrl::parse(text) {
        assert!(!u.host.is_empty(), "empty host accepted");
        let bad = |s: &[u8]| s.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0);
        assert!(!bad(u.path.as_slice()), "CR/LF/NUL in a URL path");
        assert!(!bad(u.user.as_deref().unwrap_or_default().as_bytes()), "CR/LF/NUL in a URL user");
        assert!(!bad(u.password.as_deref().unwrap_or_default().as_bytes()), "CR/LF/NUL in a URL password");
    }
});
