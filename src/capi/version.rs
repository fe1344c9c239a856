//! Library version, at compile time (macros) and at run time.

use std::ffi::c_char;

/// Major version of the header. The ABI (SONAME libftp.so.MAJOR) changes only with it.
pub const FTP_VERSION_MAJOR: u32 = 1;
/// Minor version of the header: grows when functions are added.
pub const FTP_VERSION_MINOR: u32 = 0;
/// Patch version of the header.
pub const FTP_VERSION_PATCH: u32 = 0;
/// The header's version as one number: MAJOR * 10000 + MINOR * 100 + PATCH.
pub const FTP_VERSION_NUM: u32 = 10000;

/// The library's version as a static string, e.g. "1.0.0".
///
/// Compare with FTP_VERSION_MAJOR etc. to see whether the library found at run
/// time matches the header the program was built with. Never NULL; do not free.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The library's version as one number, MAJOR * 10000 + MINOR * 100 + PATCH, to
/// compare with FTP_VERSION_NUM. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_version_num() -> u32 {
    FTP_VERSION_NUM
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
        let s = unsafe { std::ffi::CStr::from_ptr(ftp_version()) };
        assert_eq!(s.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
