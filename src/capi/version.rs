//! Library version, at compile time (macros) and at run time.

use super::handle::pure;
use std::ffi::{CStr, c_char};

// The MAJOR/MINOR/PATCH constants exist for the header (cbindgen turns them into
// macros); Rust code only reads them in tests.

/// Major version of the header. The ABI (SONAME libftp.so.MAJOR) changes only with it.
#[allow(dead_code)]
pub const FTP_VERSION_MAJOR: u32 = 1;
/// Minor version of the header: grows when functions are added.
#[allow(dead_code)]
pub const FTP_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
#[allow(dead_code)]
pub const FTP_VERSION_PATCH: u32 = 0;
/// The header's version as one number: MAJOR * 10000 + MINOR * 100 + PATCH.
pub const FTP_VERSION_NUM: u32 = 10100;

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("the package version has no NUL byte"),
};

/// The library's version as a static string, e.g. "1.1.0".
///
/// Compare with FTP_VERSION_MAJOR etc. to see whether the library found at run
/// time matches the header the program was built with. Thread-safe; needs no session.
///
/// @return a static NUL-terminated string, never NULL; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_version() -> *const c_char {
    pure(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// The library's version as one number, MAJOR * 10000 + MINOR * 100 + PATCH, to
/// compare with FTP_VERSION_NUM. Thread-safe; needs no session.
///
/// @return the version number, e.g. 10100 for 1.1.0.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_version_num() -> u32 {
    pure(FTP_VERSION_NUM, || FTP_VERSION_NUM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_package_version() {
        let v = |s: &str| s.parse::<u32>().unwrap();
        assert_eq!(FTP_VERSION_MAJOR, v(env!("CARGO_PKG_VERSION_MAJOR")));
        assert_eq!(FTP_VERSION_MINOR, v(env!("CARGO_PKG_VERSION_MINOR")));
        assert_eq!(FTP_VERSION_PATCH, v(env!("CARGO_PKG_VERSION_PATCH")));
        assert_eq!(FTP_VERSION_NUM, FTP_VERSION_MAJOR * 10000 + FTP_VERSION_MINOR * 100 + FTP_VERSION_PATCH);
        // SAFETY: ftp_version returns a static NUL-terminated string.
        let s = unsafe { std::ffi::CStr::from_ptr(ftp_version()) };
        assert_eq!(s.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
