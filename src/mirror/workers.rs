//! A parallel mirror's worker threads: each runs transfers and listings on a session
//! from a `SessionSource` (the trait segmented downloads take sessions from too: a
//! pool can feed both) while the mirror's own session walks the tree. A source that
//! gives no session (a server refusing more connections) only means fewer workers.

use crate::entry::Entry;
use crate::error::{Error, ErrorKind, Result};
use crate::files::FileOptions;
use crate::filetime::FileTime;
use crate::interrupt::Interrupter;
use crate::segmented::SessionSource;
use crate::session::Ftp;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Condvar, Mutex, MutexGuard};

/// One transfer or listing, with remote paths absolute (a worker's working directory
/// is its own).
pub(super) enum Task {
    Get {
        remote: Vec<u8>,
        local: PathBuf,
        opts: FileOptions,
        size: Option<u64>,
        modified: Option<FileTime>,
    },
    Put {
        local: PathBuf,
        remote: Vec<u8>,
    },
    /// A directory listed ahead of the walk (CWD there, then MLSD or LIST).
    List {
        remote: Vec<u8>,
    },
}

/// What a task gave.
pub(super) enum Product {
    Moved(u64),
    Listed(Vec<Entry>),
}

/// Asked, once a download's data has ended, for the path of the download the session
/// runs next (see `Ftp::send_next_ahead`).
pub(super) type Next<'a> = &'a mut dyn FnMut() -> Option<Vec<u8>>;

impl Task {
    /// Runs the task on `ftp`; `remote` replaces its own remote path (the mirror's
    /// session, in the directory, uses the bare name). `next`: for a download, what
    /// the session runs after it (`ahead_path`).
    pub(super) fn run(&self, ftp: &mut Ftp, remote: Option<&[u8]>, next: Option<Next<'_>>) -> Result<Product> {
        match self {
            Task::Get { remote: path, local, opts, size, modified } => ftp
                .retr_file_listed(remote.unwrap_or(path), local, *opts, *size, *modified, true, next)
                .map(Product::Moved),
            Task::Put { local, remote: path } => {
                let opts = FileOptions { preserve_mtime: true, ..FileOptions::default() };
                ftp.stor_file(local, remote.unwrap_or(path), opts).map(Product::Moved)
            }
            Task::List { remote: path } => {
                ftp.cwd(remote.unwrap_or(path))?;
                ftp.list_all(b"").map(Product::Listed)
            }
        }
    }
}

impl Task {
    /// The path this task's RETR names when RETR is the first command it sends on a
    /// session (with `progress`: the session reports progress, so a size not listed
    /// is asked first), so that it can be sent ahead; None for any other task.
    pub(super) fn ahead_path(&self, remote: Option<&[u8]>, progress: bool) -> Option<Vec<u8>> {
        match self {
            Task::Get { remote: path, opts, size, .. }
                if !opts.resume && !opts.verify_size && (size.is_some() || !progress) =>
            {
                Some(remote.unwrap_or(path).to_vec())
            }
            _ => None,
        }
    }
}

/// Runs `task` on `ftp`, offering the next job `upcoming` gives (a download whose RETR
/// can go ahead: see `Task::ahead_path`) to be sent ahead of the current one's end;
/// the job taken goes to `taken`, and must run next on `ftp` (which then has its
/// replies due), or on another session if `ftp` broke. Anything sent ahead that the
/// task did not take is settled. A download sent ahead that the server then refused
/// with a 4xx other than 421 before any byte moved (it may have waited too long for
/// the connection while the local side finished the last file) runs once more the
/// usual way.
pub(super) fn run_chained<J>(
    ftp: &mut Ftp,
    task: &Task,
    remote: Option<&[u8]>,
    taken: &mut Option<J>,
    mut upcoming: impl FnMut(bool) -> Option<(J, Vec<u8>)>,
) -> Result<Product> {
    let progress = ftp.progress.is_some();
    let sent_ahead = ftp.ctrl.ahead().is_some();
    let mut next = || {
        let (job, path) = upcoming(progress)?;
        *taken = Some(job);
        Some(path)
    };
    let mut result = task.run(ftp, remote, Some(&mut next));
    // Refused before any byte moved (not a 421: the server is closing), nothing
    // else taken or sent ahead meanwhile.
    let refused = |r: &Result<Product>| matches!(r, Err(e) if e.kind() == ErrorKind::Temp && e.reply().is_some_and(|r| r.code != 421));
    if sent_ahead
        && refused(&result)
        && ftp.last_transfer_bytes() == 0
        && taken.is_none()
        && ftp.in_step()
        && ftp.ctrl.ahead().is_none()
    {
        let mut next = || {
            let (job, path) = upcoming(progress)?;
            *taken = Some(job);
            Some(path)
        };
        result = task.run(ftp, remote, Some(&mut next));
    }
    // Sent ahead for this task, which failed before its RETR: ended now, before
    // anything else is sent.
    if taken.is_none() && ftp.ctrl.ahead().is_some() {
        let _ = ftp.settle_ahead();
    }
    result
}

pub(super) struct Job {
    pub id: usize,
    pub task: Task,
}

/// What comes back from a worker.
pub(super) enum Outcome {
    Done {
        id: usize,
        result: Result<Product>,
    },
    /// The worker got no session for this job (and has stopped): someone else runs it.
    Back(Job),
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

/// The queue the workers take jobs from, shared with the mirror's own session.
#[derive(Default)]
pub(super) struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// The workers' sessions, so a mirror that ends early stops their transfers.
    interrupters: Mutex<Vec<Interrupter>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(super) fn push(&self, job: Job) {
        let mut q = lock(&self.queue);
        // Listings first: each one leads to more work.
        if matches!(job.task, Task::List { .. }) {
            q.jobs.push_front(job);
        } else {
            q.jobs.push_back(job);
        }
        drop(q);
        self.ready.notify_one();
    }

    /// Takes back the job `id` if no one has started it.
    pub(super) fn take(&self, id: usize) -> Option<Job> {
        let mut q = lock(&self.queue);
        let at = q.jobs.iter().position(|j| j.id == id)?;
        q.jobs.remove(at)
    }

    /// The job at the head of the queue if it is a download whose RETR can go ahead
    /// (`Task::ahead_path`), with that path.
    fn pop_ahead(&self, progress: bool) -> Option<(Job, Vec<u8>)> {
        let mut q = lock(&self.queue);
        if q.closed {
            return None;
        }
        let path = q.jobs.front()?.task.ahead_path(None, progress)?;
        Some((q.jobs.pop_front()?, path))
    }

    fn is_closed(&self) -> bool {
        lock(&self.queue).closed
    }

    /// A job for the mirror's own session, if one is waiting.
    pub(super) fn try_pop(&self) -> Option<Job> {
        lock(&self.queue).jobs.pop_front()
    }

    /// The next job for a worker; None once the queue is closed.
    fn pop(&self) -> Option<Job> {
        let mut q = lock(&self.queue);
        loop {
            if q.closed {
                return None;
            }
            if let Some(job) = q.jobs.pop_front() {
                return Some(job);
            }
            q = self.ready.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Ends the workers: jobs not started are dropped; with `stop`, transfers in
    /// progress are interrupted too.
    pub(super) fn close(&self, stop: bool) {
        {
            let mut q = lock(&self.queue);
            q.closed = true;
            q.jobs.clear();
        }
        self.ready.notify_all();
        if stop {
            for i in lock(&self.interrupters).iter() {
                i.interrupt();
            }
        }
    }
}

/// A worker thread: takes jobs until the queue closes, on a session from `source`
/// (a new one after one became unusable). Without a session it hands its job back and
/// stops.
pub(super) fn work(shared: &Shared, source: &dyn SessionSource, tx: Sender<Outcome>) {
    let mut session: Option<Ftp> = None;
    // A download taken while the last one ended, to run next on `session` (its RETR
    // sent ahead, or in turn after an order probe).
    let mut next: Option<Job> = None;
    while let Some(job) = next.take().filter(|_| !shared.is_closed()).or_else(|| shared.pop()) {
        let ftp = match &mut session {
            Some(ftp) => ftp,
            None => match source.open() {
                Ok(ftp) => {
                    lock(&shared.interrupters).push(ftp.interrupter());
                    session.insert(ftp)
                }
                Err(_) => {
                    let _ = tx.send(Outcome::Back(job));
                    return;
                }
            },
        };
        let result =
            catch_unwind(AssertUnwindSafe(|| run_chained(ftp, &job.task, None, &mut next, |p| shared.pop_ahead(p))))
                .unwrap_or_else(|_| {
                    // Whatever the session was doing is unknown: a job taken to run next
                    // runs on a new one.
                    ftp.close();
                    Err(Error::State("internal error (panic) in a mirror worker".into()))
                });
        // A broken session goes back to its source (a pool frees its place); the
        // next job gets a new one.
        if !ftp.in_step() {
            if let Some(broken) = session.take() {
                source.release(broken);
            }
        }
        if tx.send(Outcome::Done { id: job.id, result }).is_err() {
            break;
        }
    }
    if let Some(mut ftp) = session {
        // A download sent ahead whose job was dropped (the mirror stopping): ended, so
        // the session goes back in step.
        if ftp.settle_ahead().is_err() {
            ftp.close();
        }
        source.release(ftp);
    }
}

/// The mirror's side of its workers.
pub(super) struct Workers<'a> {
    pub shared: &'a Shared,
    pub results: Receiver<Outcome>,
}
