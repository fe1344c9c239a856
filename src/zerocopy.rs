//! Zero-copy moves between a plain TCP data connection and a local file (Linux):
//! splice(2) socket → pipe → file for downloads, sendfile(2) file → socket for uploads.
//! The bytes never enter user space, which roughly halves the CPU a transfer costs.
//! Callers check `splice_target`/`sendfile_source` first and otherwise use read/write.
//! Both calls honour the socket's SO_RCVTIMEO/SO_SNDTIMEO, so the data timeout holds.

use crate::net;
use std::fs::File;
use std::io::{self, Read};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Bytes moved per sendfile call: large enough that system calls cost nothing, small
/// enough that progress reports and interrupts stay prompt.
pub(crate) const SENDFILE_CHUNK: usize = 1 << 20;

/// The pipe size asked for (Linux's default cap, /proc/sys/fs/pipe-max-size).
const PIPE_SIZE: usize = 1 << 20;

/// Which side of a move failed: the network or the local file.
pub(crate) enum MoveError {
    Socket(io::Error),
    File(io::Error),
}

fn is_regular(file: &File) -> bool {
    file.metadata().is_ok_and(|m| m.file_type().is_file())
}

fn fd_flags(fd: RawFd) -> Option<libc::c_int> {
    // SAFETY: F_GETFL reads the flags of a descriptor the caller keeps open.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    (flags >= 0).then_some(flags)
}

/// True when downloads can be spliced into `file`: a regular file not opened with
/// O_APPEND (splice refuses appending files).
pub(crate) fn splice_target(file: &File) -> bool {
    is_regular(file) && fd_flags(file.as_raw_fd()).is_some_and(|f| f & libc::O_APPEND == 0)
}

/// True when `fd` was opened for reading (`output` false) or writing (`output` true);
/// an fd whose flags cannot be read is given the benefit of the doubt.
pub(crate) fn opened_for(fd: RawFd, output: bool) -> bool {
    let unwanted = if output { libc::O_RDONLY } else { libc::O_WRONLY };
    fd_flags(fd).is_none_or(|f| f & libc::O_ACCMODE != unwanted)
}

/// True when uploads can be sent from `file` with sendfile: a regular file.
pub(crate) fn sendfile_source(file: &File) -> bool {
    is_regular(file)
}

/// A pipe that carries downloaded bytes from the socket to the file.
pub(crate) struct Splicer {
    read: OwnedFd,
    write: OwnedFd,
    size: usize,
    /// The file refused splice (some files under /proc do, with EINVAL): the bytes of
    /// the step were written another way, and the caller reads and writes from now on.
    refused: bool,
}

/// Errors by which a file refuses splice or sendfile, not the bytes: read and write
/// still work (a refused sendfile leaves the file's position where it was).
pub(crate) fn refuses_zero_copy(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP))
}

impl Splicer {
    pub(crate) fn new() -> io::Result<Splicer> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe2 writes two new descriptors into the array on success.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // A bigger pipe means fewer calls; the default (64 KiB) still works.
        // SAFETY: F_SETPIPE_SZ/F_GETPIPE_SZ on the pipe just created.
        let size = unsafe {
            libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE as libc::c_int);
            libc::fcntl(write.as_raw_fd(), libc::F_GETPIPE_SZ)
        };
        let size = if size > 0 { size as usize } else { 64 * 1024 };
        Ok(Splicer { read, write, size, refused: false })
    }

    /// True once the file refused splice: use read and write for the rest.
    pub(crate) fn refused(&self) -> bool {
        self.refused
    }

    /// Writes the `left` bytes waiting in the pipe to `file` with read and write.
    fn drain(&self, file: RawFd, mut left: usize) -> io::Result<()> {
        let mut buf = vec![0u8; left.min(64 * 1024)];
        // A duplicate of the pipe's read end, closed when done.
        let mut pipe = File::from(self.read.try_clone()?);
        // SAFETY: `file` is the caller's open descriptor for this call; it is never closed here.
        let mut out = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(file) });
        while left > 0 {
            let n = buf.len().min(left);
            pipe.read_exact(&mut buf[..n])?;
            io::Write::write_all(&mut *out, &buf[..n])?;
            left -= n;
        }
        Ok(())
    }

    /// Moves what the socket has (up to the pipe's size, waiting for at least one byte)
    /// into `file` at its current offset. Returns the bytes moved; 0 at end of file.
    /// A signal handler interrupting the wait is retried as `net::retry_interrupted` says.
    pub(crate) fn step(&mut self, socket: &TcpStream, file: RawFd) -> Result<usize, MoveError> {
        let flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_MORE;
        let (pipe, size) = (self.write.as_raw_fd(), self.size);
        let splice = |s: &mut &TcpStream| {
            // SAFETY: splice between descriptors that stay open for the call; null
            // offsets mean "the descriptors' own positions".
            net::syscall_result(unsafe {
                libc::splice(s.as_raw_fd(), std::ptr::null_mut(), pipe, std::ptr::null_mut(), size, flags)
            })
        };
        let n = net::retry_interrupted(&mut { socket }, splice, |s| s.read_timeout()).map_err(MoveError::Socket)?;
        let mut left = n;
        while left > 0 {
            // SAFETY: as above; the pipe holds `left` bytes, so this cannot block for long.
            let m = unsafe {
                libc::splice(self.read.as_raw_fd(), std::ptr::null_mut(), file, std::ptr::null_mut(), left, flags)
            };
            match m {
                m if m > 0 => left -= m as usize,
                0 => return Err(MoveError::File(io::Error::from(io::ErrorKind::WriteZero))),
                _ => {
                    let e = io::Error::last_os_error();
                    if refuses_zero_copy(&e) {
                        self.drain(file, left).map_err(MoveError::File)?;
                        self.refused = true;
                        return Ok(n);
                    }
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(MoveError::File(e));
                    }
                }
            }
        }
        Ok(n)
    }
}

impl Splicer {
    /// Like `step`, but moves at most `max` bytes and writes them at `at` in `file`
    /// (pwrite's way: the file's own position is neither used nor moved), so that
    /// several connections can fill one file at once. `at` advances by the bytes moved.
    pub(crate) fn step_at(
        &mut self,
        socket: &TcpStream,
        file: &File,
        max: usize,
        at: &mut u64,
    ) -> Result<usize, MoveError> {
        let flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_MORE;
        let (pipe, size) = (self.write.as_raw_fd(), self.size.min(max.max(1)));
        let splice = |s: &mut &TcpStream| {
            // SAFETY: splice between descriptors that stay open for the call; null
            // offsets mean "the descriptors' own positions" (a socket and a pipe have none).
            net::syscall_result(unsafe {
                libc::splice(s.as_raw_fd(), std::ptr::null_mut(), pipe, std::ptr::null_mut(), size, flags)
            })
        };
        let n = net::retry_interrupted(&mut { socket }, splice, |s| s.read_timeout()).map_err(MoveError::Socket)?;
        let mut left = n;
        while left > 0 {
            let Ok(mut off) = libc::loff_t::try_from(*at) else {
                return Err(MoveError::File(io::Error::from(io::ErrorKind::InvalidInput)));
            };
            // SAFETY: as above; `off` is a local the kernel reads and advances, and the
            // pipe holds `left` bytes, so this cannot block for long.
            let m = unsafe {
                libc::splice(self.read.as_raw_fd(), std::ptr::null_mut(), file.as_raw_fd(), &mut off, left, flags)
            };
            match m {
                m if m > 0 => {
                    left -= m as usize;
                    *at += m as u64;
                }
                0 => return Err(MoveError::File(io::Error::from(io::ErrorKind::WriteZero))),
                _ => {
                    let e = io::Error::last_os_error();
                    if refuses_zero_copy(&e) {
                        self.drain_at(file, left, at).map_err(MoveError::File)?;
                        self.refused = true;
                        return Ok(n);
                    }
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(MoveError::File(e));
                    }
                }
            }
        }
        Ok(n)
    }

    /// `drain` with pwrite at `at`.
    fn drain_at(&self, file: &File, mut left: usize, at: &mut u64) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0u8; left.min(64 * 1024)];
        let mut pipe = File::from(self.read.try_clone()?);
        while left > 0 {
            let n = buf.len().min(left);
            pipe.read_exact(&mut buf[..n])?;
            file.write_all_at(&buf[..n], *at)?;
            *at += n as u64;
            left -= n;
        }
        Ok(())
    }
}

/// Sends up to `max` bytes of `file`, from its current offset (which advances), to
/// `socket`. Returns the bytes sent; 0 at the end of the file. A signal handler
/// interrupting the wait is retried as `net::retry_interrupted` says.
pub(crate) fn send_file(socket: &TcpStream, file: RawFd, max: usize) -> Result<usize, MoveError> {
    let send = |s: &mut &TcpStream| {
        let held = SigpipeHeld::new();
        // SAFETY: sendfile between descriptors that stay open for the call; a null
        // offset uses and advances the file's own position.
        let n = net::syscall_result(unsafe { libc::sendfile(s.as_raw_fd(), file, std::ptr::null_mut(), max) });
        held.release();
        n
    };
    net::retry_interrupted(&mut { socket }, send, |s| s.write_timeout()).map_err(|e| match e.raw_os_error() {
        // EAGAIN is the send timeout firing; EPIPE/ECONNRESET the peer giving up: both
        // are the network's. Anything else (EIO, EINVAL) is the file's.
        Some(libc::EAGAIN | libc::EPIPE | libc::ECONNRESET | libc::ENOTCONN) => MoveError::Socket(e),
        _ => MoveError::File(e),
    })
}

/// SIGPIPE held back on this thread around a sendfile, which (unlike send with
/// MSG_NOSIGNAL, as std and the rest of libftp write) raises it when the peer is gone:
/// a C program with the default action would die of a server closing a connection.
struct SigpipeHeld {
    old_mask: libc::sigset_t,
    /// A SIGPIPE of someone else's was already pending: it is left for them.
    was_pending: bool,
}

fn sigpipe_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset adds to it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        set
    }
}

impl SigpipeHeld {
    fn new() -> SigpipeHeld {
        let set = sigpipe_set();
        // SAFETY: pthread_sigmask and sigpending write the sets passed, which live on
        // this stack; blocking changes this thread's mask only.
        unsafe {
            let mut old_mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old_mask);
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut pending);
            SigpipeHeld { old_mask, was_pending: libc::sigismember(&pending, libc::SIGPIPE) == 1 }
        }
    }

    /// Restores the mask, taking first the SIGPIPE the sendfile raised, if it did (a
    /// send cut short by the peer raises it too, though it returns a count).
    fn release(self) {
        let set = sigpipe_set();
        let now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: sigtimedwait with a zero timeout only takes a pending SIGPIPE, if any;
        // the mask restored is the one saved in `new`.
        unsafe {
            if !self.was_pending {
                libc::sigtimedwait(&set, std::ptr::null_mut(), &now);
            }
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old_mask, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, SeekFrom, Write};
    use std::net::{TcpListener, TcpStream};

    fn temp_file(name: &str) -> (std::path::PathBuf, File) {
        let path = std::env::temp_dir().join(format!("libftp-zc-{}-{name}", std::process::id()));
        let f = File::options().create(true).truncate(true).read(true).write(true).open(&path).unwrap();
        (path, f)
    }

    #[test]
    fn splices_a_socket_into_a_file_and_sends_a_file_back() {
        let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = payload.clone();
        let sender = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(&sent).unwrap();
        });
        let sock = TcpStream::connect(addr).unwrap();
        let (path, mut file) = temp_file("down");
        assert!(splice_target(&file));
        let mut splicer = Splicer::new().unwrap();
        let mut total = 0;
        loop {
            match splicer.step(&sock, file.as_raw_fd()) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(_) => panic!("splice failed"),
            }
        }
        sender.join().unwrap();
        assert_eq!(total, payload.len());
        let mut back = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back, payload);

        // And back out with sendfile, from an offset.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let receiver = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            got
        });
        let sock = TcpStream::connect(addr).unwrap();
        file.seek(SeekFrom::Start(1000)).unwrap();
        assert!(sendfile_source(&file));
        let mut total = 0;
        loop {
            match send_file(&sock, file.as_raw_fd(), SENDFILE_CHUNK) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(_) => panic!("sendfile failed"),
            }
        }
        drop(sock);
        assert_eq!(total, payload.len() - 1000);
        assert_eq!(receiver.join().unwrap(), payload[1000..]);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn appending_files_and_pipes_are_not_splice_targets() {
        let (path, _) = temp_file("append");
        let appending = File::options().append(true).open(&path).unwrap();
        assert!(!splice_target(&appending));
        assert!(sendfile_source(&appending));
        std::fs::remove_file(path).unwrap();
        let dev_null = File::options().write(true).open("/dev/null").unwrap();
        assert!(!splice_target(&dev_null));
    }
}
