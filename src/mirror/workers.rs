//! A parallel mirror's worker threads: each runs transfers and listings on a session
//! from a `SessionSource` (the trait segmented downloads take sessions from too: a
//! pool can feed both) while the mirror's own session walks the tree. A source that
//! gives no session (a server refusing more connections) only means fewer workers.

use crate::entry::Entry;
use crate::error::{Error, Result};
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

impl Task {
    /// Runs the task on `ftp`; `remote` replaces its own remote path (the mirror's
    /// session, in the directory, uses the bare name).
    pub(super) fn run(&self, ftp: &mut Ftp, remote: Option<&[u8]>) -> Result<Product> {
        match self {
            Task::Get { remote: path, local, opts, size, modified } => {
                ftp.retr_file_listed(remote.unwrap_or(path), local, *opts, *size, *modified, true).map(Product::Moved)
            }
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
    while let Some(job) = shared.pop() {
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
        let result = catch_unwind(AssertUnwindSafe(|| job.task.run(ftp, None)))
            .unwrap_or_else(|_| Err(Error::State("internal error (panic) in a mirror worker".into())));
        // A broken session goes back to its source (a pool frees its place); the
        // next job gets a new one.
        if !ftp.is_usable() {
            if let Some(broken) = session.take() {
                source.release(broken);
            }
        }
        if tx.send(Outcome::Done { id: job.id, result }).is_err() {
            break;
        }
    }
    if let Some(ftp) = session {
        source.release(ftp);
    }
}

/// The mirror's side of its workers.
pub(super) struct Workers<'a> {
    pub shared: &'a Shared,
    pub results: Receiver<Outcome>,
}
