//! Whole-file transfers between a local file and the server: resume, modification
//! time, atomic replacement and a final size check, the steps people otherwise write
//! around retrbinary/storbinary themselves.

use crate::control::check_line;
use crate::error::{Error, Result};
use crate::filetime::FileTime;
use crate::interrupt::Interrupter;
use crate::reconnect_state::Redo;
use crate::session::Ftp;
use crate::transfer::{Start, Step};
use crate::zerocopy::{self, MoveError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What a whole-file transfer does besides moving the bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// Continue a partial transfer: a download from the local file's size (REST), an
    /// upload from the remote file's size (SIZE, then REST+STOR, or APPE where the
    /// server does not list REST STREAM).
    pub resume: bool,
    /// Give the copy the original's modification time (MDTM then set locally, or the
    /// local time sent with MFMT where the server lists it).
    pub preserve_mtime: bool,
    /// Download into "NAME.part" and rename it to NAME only once complete, so NAME is
    /// never a partial file (a resumed download continues the ".part" file).
    pub atomic: bool,
    /// Check the final size against the other side's (SIZE on the server).
    pub verify_size: bool,
    /// Upload with APPE: the server adds the whole local file to the end of the remote
    /// one, creating it where missing (curl's --append). Uploads only, and not with
    /// `resume`, which picks the command itself.
    pub append: bool,
}

/// The buffer for whole files where zero-copy does not apply (TLS, pipes, uploads):
/// larger than ftplib's 8 KiB, for fewer system calls per byte, but small enough to
/// stay in the CPU's cache: in bench/ 64 KiB took half the CPU of 256 KiB or 1 MiB.
const FILE_BLOCKSIZE: usize = 64 * 1024;

/// Refuses a local file a transfer cannot use before any command is sent (a STOR
/// would already have emptied the remote file): a directory, or a descriptor opened
/// only the other way.
fn check_usable(file: &File, output: bool, shown: &Path) -> Result<()> {
    let errno = if file.metadata().is_ok_and(|m| m.is_dir()) {
        libc::EISDIR
    } else if !zerocopy::opened_for(file.as_raw_fd(), output) {
        libc::EBADF
    } else {
        return Ok(());
    };
    let what = if output { "write to" } else { "read" };
    Err(local_err(what, shown)(std::io::Error::from_raw_os_error(errno)))
}

/// Waits, for a transfer, on a caller's descriptor opened non-blocking (Go's pipes
/// are) that had nothing to give or no room: for at most the data timeout, looking
/// for an interrupt every SLICE.
struct FdWait {
    timeout: Option<Duration>,
    interrupter: Interrupter,
}

impl FdWait {
    const SLICE: Duration = Duration::from_millis(100);

    fn ready(&self, fd: &File, output: bool) -> std::io::Result<()> {
        let start = Instant::now();
        loop {
            if self.interrupter.requested() {
                return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
            }
            let left = self.timeout.map(|t| t.saturating_sub(start.elapsed()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the descriptor (non-blocking) was not ready within the data timeout",
                ));
            }
            let slice = left.map_or(Self::SLICE, |l| l.min(Self::SLICE));
            if crate::net::wait_until(fd, output, Instant::now() + slice)? {
                return Ok(());
            }
        }
    }

    /// `write_all` that waits while a non-blocking `out` has no room.
    fn write_all(&self, out: &mut File, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            match out.write(data) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => self.ready(out, true)?,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn local_err(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let context = format!("{what} {}", path.display());
    move |e| Error::io(context, e)
}

/// "NAME.part" beside `local`; a path naming no file ("dir/..", "/") has none.
pub(crate) fn part_path(local: &Path) -> Result<PathBuf> {
    let Some(name) = local.file_name() else {
        return Err(Error::Invalid(format!("{} names no file to download into", local.display())));
    };
    let mut name = name.to_os_string();
    name.push(".part");
    Ok(local.with_file_name(name))
}

/// Opens for writing, keeping what it holds, a file whose name is the library's own
/// ("NAME.part", a mirror's copy): anything there but a plain file with one link (a
/// symbolic or hard link that would carry the write into another file, a FIFO that
/// would block the open) is removed and the name created afresh, never written through.
pub(crate) fn open_ours(path: &Path) -> Result<File> {
    let open = |flags| OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW | flags).open(path);
    let found = match open(libc::O_NONBLOCK) {
        // A lease another process holds (an NFS delegation, a Samba oplock) refuses a
        // non-blocking open: wait for it as a plain open would.
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => open(0),
        found => found,
    };
    match found {
        Ok(file) if file.metadata().is_ok_and(|m| m.file_type().is_file() && m.nlink() == 1) => {
            // O_NONBLOCK only kept the open from waiting on a FIFO.
            let fd = file.as_raw_fd();
            // SAFETY: fcntl reading, then setting, the status flags of a descriptor that
            // `file` keeps open.
            let cleared = unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFL);
                flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
            };
            if !cleared {
                return Err(local_err("open", path)(std::io::Error::last_os_error()));
            }
            return Ok(file);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        // Not a plain file, or a link (ELOOP: symbolic; ENXIO: a FIFO or socket).
        Ok(_) => std::fs::remove_file(path).map_err(local_err("remove", path))?,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENXIO)) => {
            std::fs::remove_file(path).map_err(local_err("remove", path))?
        }
        Err(e) => return Err(local_err("open", path)(e)),
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(local_err("create", path))
}

/// The temporary name of an atomic upload to `remote`: "NAME.part" in the same
/// directory. A path naming no file ("", "dir/") has none.
pub(crate) fn remote_part(remote: &[u8]) -> Result<Vec<u8>> {
    let name = remote.rsplit(|&b| b == b'/').next().unwrap_or(remote);
    if name.is_empty() || name == b"." || name == b".." {
        let shown = String::from_utf8_lossy(remote);
        return Err(Error::Invalid(format!("{shown:?} names no file to upload into")));
    }
    let mut part = remote.to_vec();
    part.extend_from_slice(b".part");
    Ok(part)
}

pub(crate) fn system_time(t: FileTime) -> SystemTime {
    if t.secs >= 0 {
        UNIX_EPOCH + Duration::new(t.secs as u64, t.nanos)
    } else {
        UNIX_EPOCH - Duration::from_secs(t.secs.unsigned_abs())
    }
}

impl Ftp {
    /// Downloads `remote` into the file at `local`. Returns the bytes transferred (not
    /// counting what a resume kept).
    /// With reconnecting on, a download whose connection was lost starts again on a
    /// new one (from the local file's size with `resume`).
    pub fn retr_file(&mut self, remote: impl AsRef<[u8]>, local: &Path, opts: FileOptions) -> Result<u64> {
        let remote = remote.as_ref();
        self.last_transfer_bytes = 0;
        self.reconnecting(("RETR", remote), Redo::Anytime, |ftp| {
            ftp.retr_file_listed(remote, local, opts, None, None, false, None)
        })
    }

    /// `retr_file` with what a listing said of the file: the result must hold
    /// `expected` bytes, and gets the time `modified`, both before an atomic download
    /// replaces NAME (and on the open file, never through a path swapped meanwhile).
    /// `ours`: `local` is the library's to replace (a mirror's copy), so a link found
    /// there is replaced like one at NAME.part, not written through.
    /// `next`: the path of the download this session runs next, asked for once this
    /// one's data has ended (see `download`); only with options that send nothing after
    /// the RETR (no `preserve_mtime`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn retr_file_listed(
        &mut self,
        remote: &[u8],
        local: &Path,
        opts: FileOptions,
        expected: Option<u64>,
        modified: Option<FileTime>,
        ours: bool,
        next: Option<&mut dyn FnMut() -> Option<Vec<u8>>>,
    ) -> Result<u64> {
        check_line("path", remote)?;
        if opts.append {
            return Err(Error::Invalid("appending applies to uploads only".into()));
        }
        let target = if opts.atomic { part_path(local)? } else { local.to_path_buf() };
        let remote_size = if opts.resume || opts.verify_size { self.size(remote)? } else { None };
        if opts.verify_size && remote_size.is_none() && expected.is_none() {
            return Err(Error::Proto("the server gives no SIZE to check the download against".into()));
        }
        // Not truncated here: what a resume would keep stays until the server has
        // agreed to send (see `cut_at` in retr_into).
        // Whether this call made the file: one a refused RETR leaves empty goes again.
        let mut created = false;
        let mut file = if opts.atomic || ours {
            open_ours(&target)?
        } else {
            match OpenOptions::new().create_new(true).write(true).open(&target) {
                Ok(f) => {
                    created = true;
                    f
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    OpenOptions::new().write(true).open(&target).map_err(local_err("open", &target))?
                }
                Err(e) => return Err(local_err("open", &target)(e)),
            }
        };
        let mut offset = if opts.resume { file.metadata().map_err(local_err("stat", &target))?.len() } else { 0 };
        if remote_size.is_some_and(|size| offset > size) {
            offset = 0; // the local part is longer than the file: start again
        }
        file.seek(SeekFrom::Start(offset)).map_err(local_err("seek in", &target))?;
        let moved = if remote_size == Some(offset) && offset > 0 {
            0 // already complete
        } else {
            let rest = (offset > 0).then_some(offset);
            // The progress total where the 150 reply may give none: SIZE's, the
            // listing's, or with a progress sink and neither, SIZE asked now (a refusal
            // leaves it unknown; the RETR says what is wrong).
            let mut size_hint = remote_size.or(expected);
            if size_hint.is_none() && self.progress.is_some() {
                size_hint = match self.size(remote) {
                    Ok(size) => size,
                    Err(e) if crate::session::is_reply_error(&e) => None,
                    Err(e) => return Err(e),
                };
            }
            let start = Start::whole_file(rest, size_hint);
            let next = next.filter(|_| !opts.preserve_mtime);
            match self.retr_into(remote, &mut file, start, Some(offset), &target, &mut 0, next) {
                Ok(n) => n,
                Err(e) => {
                    // A part file that got nothing (RETR refused, say) is no use to a
                    // resume, nor a file this call made: not left behind.
                    if (opts.atomic || created) && offset == 0 && file.metadata().is_ok_and(|m| m.len() == 0) {
                        drop(file);
                        let _ = std::fs::remove_file(&target);
                    }
                    return Err(e);
                }
            }
        };
        file.flush().map_err(local_err("write", &target))?;
        let want = remote_size
            .filter(|_| opts.verify_size)
            .map(|s| (s, "the server says"))
            .or(expected.map(|s| (s, "the listing said")));
        if let Some((size, source)) = want {
            let have = file.metadata().map_err(local_err("stat", &target))?.len();
            if have != size {
                return Err(Error::Proto(format!(
                    "{} holds {have} bytes after the download, {source} {size}",
                    target.display()
                )));
            }
        }
        // A server without MDTM leaves the time as it is (as one without MFMT does for
        // uploads): the bytes are all there, and a retry would only fail the same way.
        let time = match opts.preserve_mtime {
            false => modified,
            true => match self.mdtm(remote) {
                Ok(t) => Some(t),
                Err(Error::Perm(r)) if matches!(r.code, 500 | 502 | 504) => modified,
                Err(e) => return Err(e),
            },
        };
        if let Some(t) = time {
            file.set_modified(system_time(t)).map_err(local_err("set the modification time of", &target))?;
        }
        drop(file);
        if opts.atomic {
            std::fs::rename(&target, local).map_err(local_err("rename to", local))?;
        }
        Ok(moved)
    }

    /// SIZE of a file that may not exist yet: a 550 counts as 0 bytes.
    fn size_or_missing(&mut self, remote: &[u8]) -> Result<Option<u64>> {
        match self.size(remote) {
            Err(Error::Perm(r)) if r.code == 550 => Ok(Some(0)),
            other => other,
        }
    }

    /// Downloads `remote` into an open file at its current position (REST `rest` first
    /// when given). Returns the bytes transferred. With reconnecting on, a download
    /// whose connection was lost continues on a new one after the bytes already
    /// written (REST, where the server lists REST STREAM; else it fails).
    pub fn retr_to(&mut self, remote: impl AsRef<[u8]>, out: &mut File, rest: Option<u64>) -> Result<u64> {
        let remote = remote.as_ref();
        check_line("path", remote)?;
        let shown = Path::new("the output file");
        check_usable(out, true, shown)?;
        let mut moved = 0u64;
        self.last_transfer_bytes = 0;
        let done = self.reconnecting(("RETR", remote), Redo::Anytime, |ftp| {
            let before = moved;
            // A REST must be answered 350, as for retr_file.
            let start = Start::whole_file(ftp.continue_at(rest, moved)?.rest, None);
            ftp.retr_into(remote, out, start, None, shown, &mut moved, None).map(|_| moved - before)
        });
        // What reached the file in this call, over every connection it took.
        self.last_transfer_bytes = moved;
        done.map(|_| moved)
    }

    /// The download itself; with `cut_at`, the file is cut to that length once the data
    /// connection is open, so a refused RETR leaves it as it was. `next`: as for
    /// `download`.
    #[allow(clippy::too_many_arguments)]
    fn retr_into(
        &mut self,
        remote: &[u8],
        out: &mut File,
        start: Start,
        mut cut_at: Option<u64>,
        shown: &Path,
        total: &mut u64,
        next: Option<&mut dyn FnMut() -> Option<Vec<u8>>>,
    ) -> Result<u64> {
        let cmd = crate::control::verb_line("RETR", remote);
        let mut moved = 0u64;
        let zero_copy = self.opts.zero_copy_download && zerocopy::splice_target(out);
        let mut splicer =
            if zero_copy { Some(zerocopy::Splicer::new().map_err(|e| Error::io("pipe", e))?) } else { None };
        let mut buf = Vec::new();
        let out_fd = out.as_raw_fd();
        let wait = FdWait { timeout: self.opts.data_timeout(), interrupter: self.interrupter.clone() };
        self.download(&cmd, start, next, |conn| {
            if let Some(len) = cut_at.take() {
                if let Err(e) = out.set_len(len) {
                    return Step::Stop(local_err("truncate", shown)(e));
                }
            }
            let step = match (&mut splicer, conn.plain_tcp()) {
                (Some(s), Some(sock)) => match s.step(sock, out_fd) {
                    Ok(0) => Step::End,
                    Ok(n) => {
                        // A file that refused splice got this step's bytes written.
                        if s.refused() {
                            splicer = None;
                        }
                        Step::Moved(n)
                    }
                    Err(MoveError::Socket(e)) => Step::DataFailed(e),
                    Err(MoveError::File(e)) => Step::Stop(local_err("write", shown)(e)),
                },
                // TLS, or an output splice cannot write to: read and write.
                _ => {
                    buf.resize(FILE_BLOCKSIZE, 0);
                    match conn.read_batched(&mut buf) {
                        Ok(0) => Step::End,
                        Ok(n) => match wait.write_all(out, &buf[..n]) {
                            Ok(()) => Step::Moved(n),
                            Err(_) if wait.interrupter.requested() => Step::Stop(Error::Interrupted),
                            Err(e) => Step::Stop(local_err("write", shown)(e)),
                        },
                        Err(e) => Step::DataFailed(e),
                    }
                }
            };
            if let Step::Moved(n) = step {
                moved += n as u64;
                *total += n as u64;
            }
            step
        })?;
        // A whole download shorter than its 150 reply announced is cut short, whatever
        // the final reply said (curl: "partial file"); more is a file that grew.
        if let Some(announced) = self.announced.filter(|&a| start.rest.is_none() && moved < a) {
            return Err(Error::Proto(format!(
                "{} got {moved} bytes, the server announced {announced}",
                shown.display()
            )));
        }
        Ok(moved)
    }

    /// Uploads the file at `local` to `remote`. Returns the bytes transferred.
    /// With reconnecting on, it runs again on a new connection only with `resume`
    /// (which asks the server's size first), or when the lost connection was found
    /// before anything was sent.
    pub fn stor_file(&mut self, local: &Path, remote: impl AsRef<[u8]>, opts: FileOptions) -> Result<u64> {
        let remote = remote.as_ref();
        let redo = if opts.resume { Redo::Anytime } else { Redo::Unsent };
        let verb = if opts.append { "APPE" } else { "STOR" };
        self.reconnecting((verb, remote), redo, |ftp| match opts.atomic {
            true => ftp.stor_file_atomic(local, remote, opts),
            false => ftp.stor_file_now(local, remote, opts),
        })
    }

    /// An atomic upload: the bytes go to "NAME.part" in the same directory, its size
    /// is checked (SIZE), and only then is it renamed onto NAME (RNFR/RNTO; where the
    /// server refuses to rename onto an existing file, NAME is deleted and the rename
    /// asked again). A failure or a cancellation removes NAME.part (DELE), unless
    /// `resume` is set and the upload was not cancelled: then the next call continues it.
    fn stor_file_atomic(&mut self, local: &Path, remote: &[u8], opts: FileOptions) -> Result<u64> {
        check_line("path", remote)?;
        if opts.append {
            return Err(Error::Invalid("an atomic upload replaces the file: it cannot append".into()));
        }
        let part = remote_part(remote)?;
        // Checked before any command, so a missing local file touches nothing remote.
        File::open(local).map_err(local_err("open", local))?;
        let inner = FileOptions { atomic: false, verify_size: true, append: false, ..opts };
        let moved = match self.stor_file_now(local, &part, inner) {
            Ok(n) => n,
            Err(e) => {
                let keep =
                    opts.resume && !matches!(e.kind(), crate::ErrorKind::Cancelled | crate::ErrorKind::Interrupted);
                return Err(if keep { e } else { self.remove_part(&part, e) });
            }
        };
        self.replace_with(&part, remote)?;
        Ok(moved)
    }

    /// Deletes an atomic upload's temporary file after `why`, where the session can
    /// still send commands; returns `why` (a failed DELE is only logged).
    fn remove_part(&mut self, part: &[u8], why: Error) -> Error {
        if self.is_usable() {
            if let Err(e) = self.delete(part) {
                let note = format!("could not remove the temporary {}: {e}", String::from_utf8_lossy(part));
                self.ctrl.log.emit(1, crate::control::LogKind::Resp, &note);
            }
        }
        why
    }

    /// Renames the complete `part` onto `target`. A server that will not rename onto
    /// an existing file (a 5xx to RNTO) has the old file moved aside first (to
    /// "TARGET.libftp-old"), `part` renamed onto `target`, and the old one deleted only
    /// then; if that rename fails too, the old file is put back and `part` kept (it
    /// holds the whole upload), so the target is never lost. A 4xx (a passing refusal)
    /// keeps `part` and leaves the target alone.
    fn replace_with(&mut self, part: &[u8], target: &[u8]) -> Result<()> {
        let rename = |ftp: &mut Ftp, from: &[u8], to: &[u8]| -> Result<()> {
            let r = ftp.sendcmd(crate::control::verb_line("RNFR", from))?;
            if r.class() != 3 {
                return Err(Error::Reply(r));
            }
            ftp.voidcmd(crate::control::verb_line("RNTO", to)).map(|_| ())
        };
        // RNFR of the part first: refused, the part is gone or unusable (a passing 4xx
        // keeps it for another try).
        match self.sendcmd(crate::control::verb_line("RNFR", part)) {
            Ok(r) if r.class() == 3 => {}
            Ok(r) => return Err(self.remove_part(part, Error::Reply(r))),
            Err(e @ Error::Temp(_)) => return Err(e),
            Err(e) => return Err(self.remove_part(part, e)),
        }
        let refused = match self.voidcmd(crate::control::verb_line("RNTO", target)) {
            Ok(_) => return Ok(()),
            Err(e @ Error::Perm(_)) => e,
            // A passing refusal, or the session's failure: the upload stays in part.
            Err(e @ Error::Temp(_)) => return Err(e),
            Err(e) => return Err(self.remove_part(part, e)),
        };
        let mut aside = target.to_vec();
        aside.extend_from_slice(b".libftp-old");
        if rename(self, target, &aside).is_err() {
            // No old file to move (or it cannot be moved): the refusal stands.
            return Err(self.remove_part(part, refused));
        }
        if let Err(e) = rename(self, part, target) {
            let back = rename(self, &aside, target);
            let shown = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
            return Err(Error::Proto(match back {
                Ok(()) => format!(
                    "renaming {} onto {} failed ({e}); the old {} is in place, the upload kept in {}",
                    shown(part),
                    shown(target),
                    shown(target),
                    shown(part)
                ),
                Err(b) => format!(
                    "renaming {} onto {} failed ({e}), and moving the old file back from {} failed ({b}); \
                     the upload is kept in {}",
                    shown(part),
                    shown(target),
                    shown(&aside),
                    shown(part)
                ),
            }));
        }
        if let Err(e) = self.delete(&aside) {
            let note = format!("could not remove the replaced {}: {e}", String::from_utf8_lossy(&aside));
            self.ctrl.log.emit(1, crate::control::LogKind::Resp, &note);
        }
        Ok(())
    }

    fn stor_file_now(&mut self, local: &Path, remote: &[u8], opts: FileOptions) -> Result<u64> {
        check_line("path", remote)?;
        if opts.append && opts.resume {
            return Err(Error::Invalid("an upload cannot both append and resume".into()));
        }
        let mut file = File::open(local).map_err(local_err("open", local))?;
        check_usable(&file, false, local)?;
        let local_size = file.metadata().map_err(local_err("stat", local))?.len();
        // What the server holds before an append, for the final size check: a missing
        // file (550) holds nothing. A server without SIZE could not be checked afterwards,
        // and failing then would invite a retry that appends the bytes twice.
        let before = match opts.append && opts.verify_size {
            false => 0,
            true => self
                .size_or_missing(remote)?
                .ok_or_else(|| Error::Proto("the server gives no SIZE to check an append against".into()))?,
        };
        // A resume of a file the server does not have yet starts it.
        let mut offset = if opts.resume { self.size_or_missing(remote)?.unwrap_or(0) } else { 0 };
        if offset > local_size {
            offset = 0; // the remote file is longer: replace it
        }
        let moved = if opts.resume && offset == local_size && offset > 0 {
            0
        } else {
            file.seek(SeekFrom::Start(offset)).map_err(local_err("seek in", local))?;
            let rest_stream = offset > 0 && self.features()?.has("REST STREAM");
            let (verb, rest) = match offset {
                0 if opts.append => ("APPE", None),
                0 => ("STOR", None),
                _ if rest_stream => ("STOR", Some(offset)),
                _ => ("APPE", None),
            };
            // Progress totals: the meter subtracts a REST offset itself.
            let total = if rest.is_some() { local_size } else { local_size - offset };
            self.stor_from(verb, remote, &mut file, Start::whole_file(rest, Some(total)))?
        };
        if opts.verify_size {
            let size = self.size(remote)?;
            if size != Some(before + local_size) {
                return Err(Error::Proto(format!(
                    "the server has {} bytes after the upload of {local_size}{}",
                    size.map_or("an unknown number of".to_string(), |s| s.to_string()),
                    if opts.append { format!(" appended to {before}") } else { String::new() }
                )));
            }
        }
        if opts.preserve_mtime && self.features()?.has("MFMT") {
            let modified = file.metadata().and_then(|m| m.modified()).map_err(local_err("stat", local))?;
            let secs = modified.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            self.mfmt(remote, FileTime { secs, nanos: 0 })?;
        }
        Ok(moved)
    }

    /// Uploads from an open file's current position to `remote` (REST `rest` + STOR
    /// when given). Returns the bytes transferred.
    pub fn stor_from_file(&mut self, input: &mut File, remote: impl AsRef<[u8]>, rest: Option<u64>) -> Result<u64> {
        let remote = remote.as_ref();
        check_line("path", remote)?;
        check_usable(input, false, Path::new("the input file"))?;
        // A REST must be answered 350, as for stor_file.
        self.reconnecting(("STOR", remote), Redo::Unsent, |ftp| {
            ftp.stor_from("STOR", remote, input, Start::whole_file(rest, None))
        })
    }

    fn stor_from(&mut self, verb: &str, remote: &[u8], input: &mut File, start: Start) -> Result<u64> {
        let cmd = crate::control::verb_line(verb, remote);
        let mut moved = 0u64;
        let policy = self.opts.zero_copy_upload;
        let mut zero_copy = policy != Some(false) && zerocopy::sendfile_source(input);
        let mut peer_checked = false;
        let mut buf = Vec::new();
        let in_fd = input.as_raw_fd();
        let wait = FdWait { timeout: self.opts.data_timeout(), interrupter: self.interrupter.clone() };
        self.upload(&cmd, start, |conn| {
            if zero_copy && !peer_checked && policy.is_none() {
                // Once per connection: two system calls, not two per block.
                peer_checked = true;
                zero_copy &= conn.plain_tcp().is_some_and(|sock| !crate::net::peer_is_here(sock));
            }
            let step = match conn.plain_tcp().filter(|_| zero_copy) {
                Some(sock) => {
                    let sent = zerocopy::send_file(sock, in_fd, zerocopy::SENDFILE_CHUNK);
                    conn.moved_out();
                    match sent {
                        Ok(0) => Step::End,
                        Ok(n) => Step::Moved(n),
                        Err(MoveError::Socket(e)) => Step::DataFailed(e),
                        // A file sendfile cannot read (some under /proc): read and write
                        // from its position, which the refusal left where it was.
                        Err(MoveError::File(e)) if zerocopy::refuses_zero_copy(&e) => {
                            zero_copy = false;
                            Step::Moved(0)
                        }
                        Err(MoveError::File(e)) => Step::Stop(Error::io("read the file to upload", e)),
                    }
                }
                // TLS, or a source sendfile cannot read: read and write.
                None => {
                    buf.resize(FILE_BLOCKSIZE, 0);
                    match input.read(&mut buf) {
                        Ok(0) => Step::End,
                        Ok(n) => match conn.write_all(&buf[..n]) {
                            Ok(()) => Step::Moved(n),
                            Err(e) => Step::DataFailed(e),
                        },
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Step::Moved(0),
                        // A non-blocking source with nothing yet: wait, then read again.
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => match wait.ready(input, false) {
                            Ok(()) => Step::Moved(0),
                            Err(_) if wait.interrupter.requested() => Step::Stop(Error::Interrupted),
                            Err(e) => Step::Stop(Error::io("read the file to upload", e)),
                        },
                        Err(e) => Step::Stop(Error::io("read the file to upload", e)),
                    }
                }
            };
            if let Step::Moved(n) = step {
                moved += n as u64;
            }
            step
        })?;
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_and_times() {
        assert_eq!(part_path(Path::new("/a/b.iso")).unwrap(), Path::new("/a/b.iso.part"));
        assert_eq!(part_path(Path::new("/")).unwrap_err().kind(), crate::ErrorKind::Invalid);
        assert_eq!(part_path(Path::new("a/..")).unwrap_err().kind(), crate::ErrorKind::Invalid);
        assert_eq!(remote_part(b"/up/x.iso").unwrap(), b"/up/x.iso.part");
        for bad in [&b""[..], b"dir/", b"/", b"a/..", b"."] {
            assert_eq!(remote_part(bad).unwrap_err().kind(), crate::ErrorKind::Invalid, "{bad:?}");
        }
        assert_eq!(system_time(FileTime { secs: 10, nanos: 5 }), UNIX_EPOCH + Duration::new(10, 5));
        assert_eq!(system_time(FileTime { secs: -10, nanos: 0 }), UNIX_EPOCH - Duration::from_secs(10));
    }
}
