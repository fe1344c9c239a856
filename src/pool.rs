//! A pool of sessions to one server, opened from one set of `ConnectParams`: lazily,
//! up to a limit, reused most-recently-returned first, checked with NOOP after a long
//! idle time, replaced when the server dropped them, and shrunk to what the server
//! allows when it refuses more connections. Any number of threads may share one.

use crate::error::{Error, ErrorKind, Result};
use crate::interrupt::Interrupter;
use crate::opening::SessionSource;
use crate::params::ConnectParams;
use crate::session::Ftp;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How a pool behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// The most sessions open at once (at least 1).
    pub max_sessions: usize,
    /// A session idle for longer than this is checked with NOOP before it is handed
    /// out (one that fails is replaced by a new connection).
    pub idle_check: Duration,
    /// How long `get` waits for a session when all are in use (None: without limit).
    pub checkout_timeout: Option<Duration>,
}

/// The default number of sessions: within the per-address limits of common servers'
/// default configurations.
pub const DEFAULT_MAX_SESSIONS: usize = 4;
/// The default idle time after which a session is checked before use.
pub const DEFAULT_IDLE_CHECK: Duration = Duration::from_secs(15);

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions { max_sessions: DEFAULT_MAX_SESSIONS, idle_check: DEFAULT_IDLE_CHECK, checkout_timeout: None }
    }
}

/// What a pool has done so far, and where it stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// The configured maximum.
    pub max_sessions: usize,
    /// The limit in force: the maximum, or less once the server refused connections.
    pub limit: usize,
    /// Sessions open now (idle and in use).
    pub open: usize,
    /// Sessions idle in the pool now.
    pub idle: usize,
    /// Sessions checked out now.
    pub in_use: usize,
    /// Connections opened (and logged in) in all.
    pub opened: u64,
    /// Checkouts served by an idle session.
    pub reused: u64,
    /// Sessions closed because they were unusable, failed their NOOP check, or were
    /// discarded by their user.
    pub discarded: u64,
    /// Times the server refused a further connection and the limit came down.
    pub shrinks: u64,
    /// Checkouts that had to wait for a session to come back.
    pub waits: u64,
}

struct Idle {
    ftp: Ftp,
    since: Instant,
}

struct State {
    opts: PoolOptions,
    idle: Vec<Idle>,
    /// Checked out sessions' interrupters, by lease number.
    busy: HashMap<u64, Interrupter>,
    /// Connections being opened (counted against the limit).
    opening: usize,
    limit: usize,
    /// Bumped by `interrupt_all`: a getter that began before fails.
    epoch: u64,
    next_lease: u64,
    stats: PoolStats,
}

impl State {
    fn open(&self) -> usize {
        self.idle.len() + self.busy.len()
    }
}

struct Inner {
    params: ConnectParams,
    /// Places of the sessions lent through `SessionSource`, by their interrupter,
    /// until `release` gives them back.
    lent: Mutex<Vec<(Interrupter, Lease)>>,
    state: Mutex<State>,
    returned: Condvar,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A pool of sessions to one server. Cloning shares it; it is `Send + Sync`.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

/// Whether a failed connect, while other sessions are open, reads as the server
/// refusing one more (421 "too many connections", a per-address limit, a refused or
/// reset connection) rather than as a fault every connection would meet.
fn refused_more(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Temp | ErrorKind::Closed | ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Reply => true,
        // A 5xx on the welcome or the login (pure-ftpd's "530 Sorry, the maximum
        // number of clients..."): counted as a refusal too, as the same parameters
        // already logged in the other sessions.
        ErrorKind::Perm => true,
        _ => false,
    }
}

impl Pool {
    /// A pool opening sessions with `params`. Nothing is connected until `get`.
    /// The source port of `params` is not used: it is cleared (only one connection at a
    /// time can come from one local port to one server, so the second session would
    /// fail and read as a refusal).
    pub fn new(params: ConnectParams, opts: PoolOptions) -> Pool {
        let params = params.for_extra_sessions();
        let opts = PoolOptions { max_sessions: opts.max_sessions.max(1), ..opts };
        let stats = PoolStats { max_sessions: opts.max_sessions, limit: opts.max_sessions, ..PoolStats::default() };
        let state = State {
            opts,
            idle: Vec::new(),
            busy: HashMap::new(),
            opening: 0,
            limit: opts.max_sessions,
            epoch: 0,
            next_lease: 1,
            stats,
        };
        let lent = Mutex::new(Vec::new());
        Pool { inner: Arc::new(Inner { params, lent, state: Mutex::new(state), returned: Condvar::new() }) }
    }

    /// The parameters sessions are opened with.
    pub fn params(&self) -> &ConnectParams {
        &self.inner.params
    }

    /// The options in force (`max_sessions` at least 1).
    pub fn options(&self) -> PoolOptions {
        self.inner.lock().opts
    }

    /// Changes the options, for the checkouts that start from now on. A new
    /// `max_sessions` is also the new limit (a limit the server imposed is forgotten);
    /// sessions over it close as they come back.
    pub fn set_options(&self, opts: PoolOptions) {
        let opts = PoolOptions { max_sessions: opts.max_sessions.max(1), ..opts };
        let mut state = self.inner.lock();
        state.opts = opts;
        state.limit = opts.max_sessions;
        state.stats.max_sessions = opts.max_sessions;
        state.stats.limit = opts.max_sessions;
        drop(state);
        self.inner.returned.notify_all();
    }

    /// Checks out a session: the idle one returned last (after a NOOP if it has been
    /// idle longer than `idle_check`), else a new connection while under the limit,
    /// else the first one returned, waiting up to `checkout_timeout` (then
    /// `Error::Timeout`). A connection the server refuses while others are open lowers
    /// the limit instead of failing. Fails with the connect or login error when not
    /// even one session can be opened, and with `Error::Interrupted` when
    /// `interrupt_all` is called while waiting.
    pub fn get(&self) -> Result<PooledFtp> {
        self.checkout(false)
    }

    /// `get`; with `no_wait`, a pool at its limit with nothing idle fails at once
    /// (`Error::Timeout`) instead of waiting.
    fn checkout(&self, no_wait: bool) -> Result<PooledFtp> {
        let inner = &self.inner;
        let mut state = inner.lock();
        let opts = state.opts;
        let wait = if no_wait { Some(Duration::ZERO) } else { opts.checkout_timeout };
        let deadline = wait.map(|t| Instant::now() + t);
        let epoch = state.epoch;
        let mut waited = false;
        loop {
            if state.epoch != epoch {
                return Err(Error::Interrupted);
            }
            if let Some(idle) = state.idle.pop() {
                let lease = self.lease(&mut state, &idle.ftp);
                state.stats.reused += 1;
                drop(state);
                let mut ftp = idle.ftp;
                let fresh = idle.since.elapsed() <= opts.idle_check;
                if ftp.is_usable() && (fresh || ftp.noop().is_ok()) && ftp.is_usable() {
                    return Ok(PooledFtp { ftp: Some(ftp), lease: Some(lease) });
                }
                ftp.close();
                drop(lease); // counted as discarded; try the next
                state = inner.lock();
                continue;
            }
            if state.open() + state.opening < state.limit {
                state.opening += 1;
                drop(state);
                let opened = inner.params.open();
                state = inner.lock();
                state.opening -= 1;
                match opened {
                    Ok(ftp) => {
                        state.stats.opened += 1;
                        let lease = self.lease(&mut state, &ftp);
                        if state.epoch != epoch {
                            // Interrupted while connecting: the session stays for others.
                            drop(state);
                            drop(PooledFtp { ftp: Some(ftp), lease: Some(lease) });
                            return Err(Error::Interrupted);
                        }
                        return Ok(PooledFtp { ftp: Some(ftp), lease: Some(lease) });
                    }
                    // Others are open, or being opened (which may yet succeed): the
                    // server allows no more than those. The getter waits for one.
                    Err(e) if state.open() + state.opening > 0 && refused_more(&e) => {
                        let allowed = (state.open() + state.opening).max(1);
                        if allowed < state.limit {
                            state.limit = allowed;
                            state.stats.limit = allowed;
                            state.stats.shrinks += 1;
                        }
                        inner.returned.notify_all();
                        continue;
                    }
                    Err(e) => {
                        // Waiters re-check: with nothing open they try for themselves.
                        inner.returned.notify_all();
                        return Err(e);
                    }
                }
            }
            if !waited {
                waited = true;
                state.stats.waits += 1;
            }
            state = match deadline {
                None => inner.returned.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::Timeout(format!(
                            "no pooled session came free within {:?} ({} in use)",
                            wait.unwrap_or_default(),
                            state.busy.len()
                        )));
                    }
                    inner.returned.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
    }

    fn lease(&self, state: &mut State, ftp: &Ftp) -> Lease {
        let id = state.next_lease;
        state.next_lease += 1;
        let interrupter = ftp.interrupter();
        // A checkout is one call for the interrupter: `interrupt_all` stops whatever it
        // is in, and an earlier request is forgotten.
        interrupter.set_idle(false);
        state.busy.insert(id, interrupter);
        Lease { pool: Arc::clone(&self.inner), id, done: false }
    }

    /// Stops every call in progress on the pool's checked-out sessions (as
    /// `Interrupter::interrupt` does for one), and makes every `get` waiting now fail
    /// with `Error::Interrupted`. Later checkouts work as before.
    pub fn interrupt_all(&self) {
        let mut state = self.inner.lock();
        state.epoch += 1;
        for interrupter in state.busy.values() {
            interrupter.interrupt();
        }
        drop(state);
        self.inner.returned.notify_all();
    }

    /// Whether `interrupt_all` was called since `epoch` (from `epoch()`).
    pub fn interrupted_since(&self, epoch: u64) -> bool {
        self.inner.lock().epoch != epoch
    }

    /// A number `interrupt_all` changes: see `interrupted_since`.
    pub fn epoch(&self) -> u64 {
        self.inner.lock().epoch
    }

    /// What the pool has done and holds.
    pub fn stats(&self) -> PoolStats {
        let state = self.inner.lock();
        PoolStats { open: state.open(), idle: state.idle.len(), in_use: state.busy.len(), ..state.stats }
    }

    /// Closes the idle sessions (QUIT, each bounded by the reply timeout). Sessions in
    /// use are closed when they come back only if the pool is dropped by then.
    pub fn close_idle(&self) {
        self.close_idle_within(None);
    }

    /// Closes the idle sessions with QUIT, all of them within `limit` (None: each
    /// bounded by its reply timeout only): a session whose turn comes after the time is
    /// up, or whose QUIT is not answered in the time left, is closed without waiting.
    /// Returns how many were closed.
    pub fn close_idle_within(&self, limit: Option<Duration>) -> usize {
        let idle = std::mem::take(&mut self.inner.lock().idle);
        let n = idle.len();
        let deadline = limit.map(|l| Instant::now() + l);
        for mut s in idle {
            match deadline.map(|d| d.saturating_duration_since(Instant::now())) {
                Some(left) if left.is_zero() => s.ftp.close(),
                Some(left) => {
                    let bound = s.ftp.options().reply_timeout().map_or(left, |t| t.min(left));
                    let timeouts = crate::Timeouts { reply: Some(Some(bound)), ..s.ftp.options().timeouts };
                    if s.ftp.set_timeouts(timeouts).is_ok() {
                        let _ = s.ftp.quit();
                    }
                    s.ftp.close();
                }
                None => {
                    let _ = s.ftp.quit();
                }
            }
        }
        if n > 0 {
            self.inner.returned.notify_all();
        }
        n
    }
}

/// A pool lends its sessions to segmented downloads and parallel mirrors: `open` takes
/// an idle session or opens one while under the limit, without waiting (a pool at its
/// limit fails with `Error::Timeout`: the work goes on over the sessions it has);
/// `release` gives it back as `Lease::restore` does.
impl SessionSource for Pool {
    fn open(&self) -> Result<Ftp> {
        let (ftp, lease) = self.checkout(true)?.detach();
        let mut lent = self.inner.lent.lock().unwrap_or_else(|p| p.into_inner());
        lent.push((ftp.interrupter(), lease));
        Ok(ftp)
    }

    fn reuses(&self) -> bool {
        true
    }

    fn release(&self, mut ftp: Ftp) {
        let me = ftp.interrupter();
        let mut lent = self.inner.lent.lock().unwrap_or_else(|p| p.into_inner());
        let lease = lent.iter().position(|(i, _)| i.same_as(&me)).map(|at| lent.swap_remove(at).1);
        drop(lent);
        match lease {
            Some(lease) => lease.restore(ftp),
            // Not one of ours: as the trait's default does.
            None if ftp.is_usable() => ftp.hang_up(),
            None => {}
        }
    }
}

/// A checked-out session's place in its pool: returning it (`restore`) or dropping it
/// (the session was discarded) frees the place for another.
pub struct Lease {
    pool: Arc<Inner>,
    id: u64,
    done: bool,
}

impl Lease {
    /// Whether this is a place in `pool`.
    pub fn belongs_to(&self, pool: &Pool) -> bool {
        Arc::ptr_eq(&self.pool, &pool.inner)
    }

    /// Gives `ftp` back to the pool: kept for reuse if usable, still connected to the
    /// pool's server as the pool's user (no raw USER, PASS, ACCT or REIN was sent on
    /// it), else closed. What its user set is undone first: progress and log sinks,
    /// debug level, reconnect policy and every option (timeouts, passive mode, TLS
    /// configuration...) go back to the pool's, so the next user, on whatever thread,
    /// never calls into this one's callbacks.
    pub fn restore(mut self, mut ftp: Ftp) {
        self.done = true;
        reset_to(&mut ftp, &self.pool.params);
        let mut state = self.pool.lock();
        state.busy.remove(&self.id);
        ftp.interrupter().set_idle(true);
        // A session its user connected elsewhere meanwhile is not the pool's to keep.
        let want = &self.pool.params.target;
        let same_server = ftp
            .target()
            .is_some_and(|t| t.host == want.host && t.login == want.login && (t.port == want.port || want.port == 0));
        if ftp.is_usable() && same_server && !ftp.identity_changed() && state.open() < state.limit {
            state.idle.push(Idle { ftp, since: Instant::now() });
            drop(state);
        } else {
            state.stats.discarded += 1;
            drop(state);
            ftp.close();
        }
        // Every waiter looks again: one woken alone may be leaving (timeout, interrupt)
        // and would take the wakeup with it.
        self.pool.returned.notify_all();
    }
}

/// Undoes what a session's user set: back to the pool's options, no sinks, no trace,
/// no reconnecting.
fn reset_to(ftp: &mut Ftp, params: &ConnectParams) {
    ftp.set_progress(None, crate::progress::DEFAULT_PROGRESS_INTERVAL);
    ftp.set_log_sink(None);
    ftp.set_debuglevel(0);
    ftp.set_reconnect(None);
    ftp.opts = params.options.clone();
    // The reply timeout of the connection in place follows the options again; a
    // connection that cannot take it is not kept (is_usable is then false or the
    // next use fails and replaces it).
    if ftp.set_timeouts(params.options.timeouts).is_err() {
        ftp.close();
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut state = self.pool.lock();
        state.busy.remove(&self.id);
        state.stats.discarded += 1;
        drop(state);
        self.pool.returned.notify_all();
    }
}

/// A session checked out of a pool. Derefs to `Ftp`; goes back to the pool when
/// dropped if it is still usable (`Ftp::is_usable`), else is closed.
pub struct PooledFtp {
    ftp: Option<Ftp>,
    lease: Option<Lease>,
}

impl PooledFtp {
    /// Closes the session instead of returning it (its place in the pool is freed).
    pub fn discard(mut self) {
        if let Some(mut ftp) = self.ftp.take() {
            ftp.close();
        }
        self.lease.take();
    }

    /// Separates the session from its place in the pool, for a layer that keeps them
    /// apart (the C API's ftp_session): `Lease::restore` gives it back.
    pub fn detach(mut self) -> (Ftp, Lease) {
        let ftp = self.ftp.take().expect("a checked-out session holds its Ftp until dropped");
        let lease = self.lease.take().expect("a checked-out session holds its lease until dropped");
        (ftp, lease)
    }
}

impl Deref for PooledFtp {
    type Target = Ftp;
    fn deref(&self) -> &Ftp {
        self.ftp.as_ref().expect("a checked-out session holds its Ftp until dropped")
    }
}

impl DerefMut for PooledFtp {
    fn deref_mut(&mut self) -> &mut Ftp {
        self.ftp.as_mut().expect("a checked-out session holds its Ftp until dropped")
    }
}

impl Drop for PooledFtp {
    fn drop(&mut self) {
        if let (Some(ftp), Some(lease)) = (self.ftp.take(), self.lease.take()) {
            lease.restore(ftp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn pools_and_their_sessions_cross_threads() {
        assert_send_sync::<Pool>();
        fn send<T: Send>() {}
        send::<PooledFtp>();
        send::<Lease>();
    }

    #[test]
    fn a_pool_that_cannot_open_one_session_fails_with_the_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let pool = Pool::new(ConnectParams::new("127.0.0.1", port, Default::default()), PoolOptions::default());
        let err = pool.get().err().expect("nothing listens there");
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert_eq!(pool.stats().limit, DEFAULT_MAX_SESSIONS, "no shrink without an open session");
    }
}
