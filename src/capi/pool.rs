//! Connection pools: many sessions to one server, shared by any number of threads.

use super::args::put;
use super::handle::{Guard, Handle, Object, borrow_exclusive, consume, create, free, pure, shared, shared_last_error};
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::{Error, Pool, PoolOptions};
use std::ffi::c_char;
use std::time::Duration;

/// A pool of sessions to one server, opened with the connection parameters of a
/// session that connected and logged in once. Opaque; create with ftp_pool_new(),
/// destroy with ftp_pool_free().
///
/// Made for sharing: every ftp_pool_* function may be called on one pool from any
/// number of threads at once (none returns FTP_E_BUSY, none FTP_E_RECURSIVE: a
/// batch's callback may call them too). ftp_pool_free() never frees under a call
/// still running on another thread: the pool is freed when the last one returns.
/// Failure messages are kept per thread: ftp_pool_last_error().
pub struct ftp_pool {
    guard: Guard<PoolState>,
}

impl Handle for ftp_pool {
    type State = PoolState;
    fn guard(&self) -> &Guard<PoolState> {
        &self.guard
    }
}

/// A pool's state: the core's pool, thread-safe itself.
pub(crate) struct PoolState {
    pub pool: Pool,
}

impl Object for PoolState {
    const NAME: &'static str = "pool";
}

/// ftp_pool_stat(): the configured maximum number of sessions.
pub const FTP_POOL_MAX_SESSIONS: u32 = 0;
/// ftp_pool_stat(): the limit in force: the maximum, or less once the server refused
/// connections.
pub const FTP_POOL_LIMIT: u32 = 1;
/// ftp_pool_stat(): sessions open now (idle and checked out).
pub const FTP_POOL_OPEN: u32 = 2;
/// ftp_pool_stat(): sessions idle in the pool now.
pub const FTP_POOL_IDLE: u32 = 3;
/// ftp_pool_stat(): sessions checked out now (by ftp_pool_get() or a running batch).
pub const FTP_POOL_IN_USE: u32 = 4;
/// ftp_pool_stat(): connections opened in all.
pub const FTP_POOL_OPENED: u32 = 5;
/// ftp_pool_stat(): checkouts served by an idle session.
pub const FTP_POOL_REUSED: u32 = 6;
/// ftp_pool_stat(): sessions closed as unusable, failing their NOOP check, or freed
/// by their user instead of given back.
pub const FTP_POOL_DISCARDED: u32 = 7;
/// ftp_pool_stat(): times the server refused a further connection and the limit came
/// down.
pub const FTP_POOL_SHRINKS: u32 = 8;
/// ftp_pool_stat(): checkouts that had to wait for a session.
pub const FTP_POOL_WAITS: u32 = 9;

/// Creates a pool that opens sessions like `template`: its host and port, login
/// (user, password, account), TLS mode and configuration, timeouts, passive or active
/// mode, source address, keep-alive and tuning switches, as they are now. The template
/// is only read: it stays the caller's, and the pool does not use its connection.
/// Neither its progress nor its log callback is copied; its TLS configuration is,
/// with any certificate verify callback in it, which is then called from the threads
/// that open the pool's sessions. Its source port is not copied (only one connection
/// at a time can come from one local port to one server): the pool's sessions bind
/// the source address alone, with a port of the system's choice.
/// Nothing is connected until a session is needed. The pool checks an idle session
/// with NOOP before handing it out when it has been idle for more than 15 seconds
/// (ftp_pool_set_idle_check()), replaces sessions the server dropped, and lowers its
/// limit to what the server allows when it refuses further connections (421 "too many
/// connections", per-address limits, a refused connection while others are open).
///
/// @param template_session a session that has connected and logged in (or connected,
///        for a server that needs no login) at least once; it may be closed since.
/// @param max_sessions the most sessions open at once, 1 or more.
/// @param pool_out receives the pool on success (required); the caller frees it with
///        ftp_pool_free().
/// @return FTP_OK; FTP_E_STATE if the template never connected; FTP_E_INVALID if
///         max_sessions is 0; FTP_E_BUSY if another thread is in a call on the
///         template; FTP_E_PANIC on an internal error (this call only: later ones
///         work as before); FTP_E_NULL if template_session or pool_out is NULL. The
///         message is ftp_pool_last_error()'s.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_new(
    template_session: *const ftp_session,
    max_sessions: u32,
    pool_out: *mut *mut ftp_pool,
) -> ftp_result {
    // A maker of its own for each call: a panic inside poisons only this one, never
    // ftp_pool_new() for the rest of the process; its message is this thread's
    // ftp_pool_last_error() as for every pool call.
    pure(ftp_result::FTP_E_PANIC, || {
        let maker = Maker { guard: Guard::new(MakerState) };
        shared(&maker, |_| make_pool(template_session, max_sessions, pool_out))
    })
}

fn make_pool(
    template_session: *const ftp_session,
    max_sessions: u32,
    pool_out: *mut *mut ftp_pool,
) -> Result<(), Failure> {
    {
        if pool_out.is_null() {
            return Err(Failure::Null("pool_out"));
        }
        if max_sessions == 0 {
            return Err(Error::Invalid("max_sessions is 0".into()).into());
        }
        let params = borrow_exclusive(template_session, "the template session", |s| s.ftp.connect_params())?
            .ok_or(Failure::Null("template_session"))?
            .ok_or_else(|| Error::State("the template session never connected".into()))?;
        let opts = PoolOptions { max_sessions: max_sessions as usize, ..PoolOptions::default() };
        let pool = Pool::new(params, opts);
        let handle = create(|| ftp_pool { guard: Guard::new(PoolState { pool }) });
        if handle.is_null() {
            return Err(Error::Invalid("internal error while making the pool".into()).into());
        }
        put(pool_out, handle);
        Ok(())
    }
}

/// The object ftp_pool_new() runs in: it has no pool yet, but its failure message is
/// kept per thread like those of calls on a pool.
struct Maker {
    guard: Guard<MakerState>,
}

struct MakerState;

impl Object for MakerState {
    const NAME: &'static str = "pool maker";
}

impl Handle for Maker {
    type State = MakerState;
    fn guard(&self) -> &Guard<MakerState> {
        &self.guard
    }
}

/// Frees a pool handle. Never under a call still running on it in another thread:
/// the pool is freed when the last such call returns (a thread waiting in
/// ftp_pool_get() keeps it until a session comes free or its checkout timeout ends;
/// call ftp_pool_interrupt() first to wake it at once). Meanwhile every new call on it
/// fails with FTP_E_STATE ("being freed"). Its idle sessions are then closed (without
/// QUIT: ftp_pool_close_idle() first for a clean goodbye) unless a batch made over the
/// pool still holds it (they close with the batch). Sessions checked out with
/// ftp_pool_get() stay valid sessions: once this returns the pool handle must not be
/// used again (ftp_pool_put() on it included): free them with ftp_free(), which
/// closes them. Batches made over it stay usable.
///
/// @param pool the pool, or NULL; invalid afterwards.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_free(pool: *mut ftp_pool) {
    free(pool)
}

/// Sets how long a session may stay idle in the pool before it is checked with NOOP
/// when it is next handed out (a session failing the check is closed and another one
/// used). The default is 15000 ms.
///
/// @param pool the pool.
/// @param ms the idle time in milliseconds; 0 checks every session before reuse.
/// @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_set_idle_check(pool: *mut ftp_pool, ms: u32) -> ftp_result {
    shared(pool, |p| {
        let opts = PoolOptions { idle_check: Duration::from_millis(u64::from(ms)), ..p.pool.options() };
        p.pool.set_options(opts);
        Ok(())
    })
}

/// Sets how long ftp_pool_get() (and a batch's worker) waits for a session when all
/// are in use. The default is to wait without limit.
///
/// @param pool the pool.
/// @param ms the longest wait in milliseconds; a negative value waits without limit.
/// @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_set_checkout_timeout(pool: *mut ftp_pool, ms: i64) -> ftp_result {
    shared(pool, |p| {
        let timeout = u64::try_from(ms).ok().map(Duration::from_millis);
        p.pool.set_options(PoolOptions { checkout_timeout: timeout, ..p.pool.options() });
        Ok(())
    })
}

/// Sets the most sessions the pool opens at once. This is also the new limit: a lower
/// limit the server imposed is forgotten (the pool finds it again if it still holds).
/// Sessions over a lower maximum close as they come back.
///
/// @param pool the pool.
/// @param max_sessions 1 or more.
/// @return FTP_OK; FTP_E_INVALID if max_sessions is 0; FTP_E_STATE if the pool is
///         being freed; FTP_E_NULL if pool is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_set_max_sessions(pool: *mut ftp_pool, max_sessions: u32) -> ftp_result {
    shared(pool, |p| {
        if max_sessions == 0 {
            return Err(Error::Invalid("max_sessions is 0".into()).into());
        }
        p.pool.set_options(PoolOptions { max_sessions: max_sessions as usize, ..p.pool.options() });
        Ok(())
    })
}

/// Checks out a session: an idle one (the one returned last, after a NOOP if it was
/// idle too long), else a new connection while the pool is under its limit, else the
/// first one given back, waiting for it (see ftp_pool_set_checkout_timeout()). The
/// session is an ordinary ftp_session, connected and logged in, used by one thread at
/// a time as any session is (it may move between threads). Give it back with
/// ftp_pool_put(); ftp_free() on it closes it instead and frees its place in the pool.
/// Its options and callbacks are the pool's (a previous user's are undone when it
/// gives the session back), but its working directory, TYPE and other connection
/// state are what the previous user left: set what you rely on.
///
/// @param pool the pool.
/// @param session_out receives the session on success (required).
/// @return FTP_OK; FTP_E_TIMEOUT if no session came free within the checkout
///         timeout; FTP_E_INTERRUPTED if ftp_pool_interrupt() was called while
///         waiting; the connect or login error (FTP_E_IO, FTP_E_TEMP, FTP_E_PERM,
///         FTP_E_TLS*...) when not even one session could be opened; FTP_E_STATE if
///         the pool is being freed; FTP_E_NULL if pool or session_out is NULL. The message is
///         ftp_pool_last_error()'s.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_get(pool: *mut ftp_pool, session_out: *mut *mut ftp_session) -> ftp_result {
    shared(pool, |p| {
        if session_out.is_null() {
            return Err(Failure::Null("session_out"));
        }
        let (ftp, lease) = p.pool.get()?.detach();
        let session = create(|| ftp_session::pooled(ftp, lease));
        if session.is_null() {
            return Err(Error::Invalid("internal error while making the session".into()).into());
        }
        put(session_out, session);
        Ok(())
    })
}

/// Gives a session from ftp_pool_get() back to its pool and frees the handle: the
/// connection is kept for reuse if it is usable (connected, between commands, no
/// transfer open) and still logged in as the pool's user (a raw USER, PASS, ACCT or
/// REIN sent with ftp_sendcmd() closes it instead), else closed. Whatever its user set
/// is undone first: its progress and log callbacks are removed (neither is ever
/// called again, from any thread), and its options (timeouts, passive mode, TLS
/// configuration, reconnect policy, debug level...) go back to the pool's.
///
/// If another thread is freeing the pool while a call (a waiting ftp_pool_get()) is
/// still inside it, the session is still given back, which wakes that call.
///
/// @param pool the pool the session came from.
/// @param session the session; on FTP_OK the handle is freed and invalid afterwards.
///        On every failure it stays valid and the caller's, as it was (give it back
///        again or free it with ftp_free()).
/// @return FTP_OK; FTP_E_INVALID if the session did not come from this pool;
///         FTP_E_BUSY if another thread is in a call on the session or it is being
///         freed; FTP_E_RECURSIVE from the session's own callback; FTP_E_PANIC if the
///         session is unusable after an internal error (ftp_free() it); FTP_E_NULL if
///         pool or session is NULL. The message is ftp_pool_last_error()'s.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_put(pool: *mut ftp_pool, session: *mut ftp_session) -> ftp_result {
    pure(ftp_result::FTP_E_PANIC, || {
        let mut admitted = false;
        let rc = shared(pool, |p| {
            admitted = true;
            give_back(session, Some(&p.pool))
        });
        // Refused without running, with the pool still there: it is being freed (a
        // call still inside keeps it). The session goes back to its own pool, which
        // its lease keeps alive: that wakes a getter waiting there.
        if rc == ftp_result::FTP_E_STATE && !admitted {
            return give_back(session, None).map_or_else(|f| f.code(), |()| ftp_result::FTP_OK);
        }
        rc
    })
}

/// Takes the session's connection and place out of its handle and frees the handle in
/// one guarded step (`consume`), then gives them back to the pool (`pool`: only if
/// the session is that pool's; None: to whichever pool it came from).
fn give_back(session: *mut ftp_session, pool: Option<&Pool>) -> Result<(), Failure> {
    if session.is_null() {
        return Err(Failure::Null("session"));
    }
    let taken = consume(session, |s| {
        let ours = s.lease.as_ref().is_some_and(|l| pool.is_none_or(|p| l.belongs_to(p)));
        if !ours {
            return Err(Error::Invalid("the session did not come from this pool".into()).into());
        }
        let lease = s.lease.take().ok_or_else(|| Error::Invalid("the session has no pool".into()))?;
        Ok((std::mem::take(&mut s.ftp), lease))
    });
    match taken {
        Ok((ftp, lease)) => {
            lease.restore(ftp);
            Ok(())
        }
        Err(ftp_result::FTP_E_INVALID) => Err(Error::Invalid("the session did not come from this pool".into()).into()),
        Err(ftp_result::FTP_E_BUSY) => Err(Failure::Busy("the session".into())),
        Err(code) => Err(Failure::Summary(code, format!("the session could not be given back: {code:?}"))),
    }
}

/// Closes the pool's idle sessions with QUIT, waiting for the server's answers at most
/// `timeout_ms` in all: a session whose turn comes after that, or whose QUIT is not
/// answered in the time left, is closed without waiting. Sessions checked out are not
/// touched; the pool opens new ones when asked again. ftp_pool_free() closes idle
/// sessions without QUIT: call this first for a clean goodbye.
///
/// @param pool the pool.
/// @param timeout_ms the longest wait in milliseconds for all the sessions together; 0
///        closes them without QUIT; a negative value waits for each as long as its
///        reply timeout allows.
/// @param closed receives how many sessions were closed, or NULL.
/// @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is
///         NULL. The message is ftp_pool_last_error()'s.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_close_idle(pool: *mut ftp_pool, timeout_ms: i64, closed: *mut u32) -> ftp_result {
    shared(pool, |p| {
        let limit = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
        let n = p.pool.close_idle_within(limit);
        if !closed.is_null() {
            put(closed, u32::try_from(n).unwrap_or(u32::MAX));
        }
        Ok(())
    })
}

/// Stops everything in flight on the pool, from any thread: the call running on each
/// checked-out session (as ftp_interrupt() on it: a transfer is aborted and fails with
/// FTP_E_INTERRUPTED, a call waiting for a reply has its connection shut down), every
/// running batch over the pool (its remaining items fail with FTP_E_INTERRUPTED), and
/// every ftp_pool_get() waiting for a session (FTP_E_INTERRUPTED). Checkouts that start
/// afterwards work as before.
///
/// @param pool the pool.
/// @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_interrupt(pool: *mut ftp_pool) -> ftp_result {
    shared(pool, |p| {
        p.pool.interrupt_all();
        Ok(())
    })
}

/// One of the pool's counters. Like every ftp_pool_* call it sets this thread's
/// ftp_pool_last_error().
///
/// @param pool the pool.
/// @param kind which counter: FTP_POOL_MAX_SESSIONS, FTP_POOL_LIMIT, FTP_POOL_OPEN,
///        FTP_POOL_IDLE, FTP_POOL_IN_USE, FTP_POOL_OPENED, FTP_POOL_REUSED,
///        FTP_POOL_DISCARDED, FTP_POOL_SHRINKS or FTP_POOL_WAITS.
/// @return its value; 0 if pool is NULL or being freed, or kind is none of those.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_stat(pool: *const ftp_pool, kind: u32) -> u64 {
    let mut value = 0;
    shared(pool, |p| {
        let s = p.pool.stats();
        value = match kind {
            FTP_POOL_MAX_SESSIONS => s.max_sessions as u64,
            FTP_POOL_LIMIT => s.limit as u64,
            FTP_POOL_OPEN => s.open as u64,
            FTP_POOL_IDLE => s.idle as u64,
            FTP_POOL_IN_USE => s.in_use as u64,
            FTP_POOL_OPENED => s.opened,
            FTP_POOL_REUSED => s.reused,
            FTP_POOL_DISCARDED => s.discarded,
            FTP_POOL_SHRINKS => s.shrinks,
            FTP_POOL_WAITS => s.waits,
            _ => return Err(Error::Invalid(format!("unknown pool counter {kind}")).into()),
        };
        Ok(())
    });
    value
}

/// The message of the calling thread's last failed call on any pool (ftp_pool_*,
/// ftp_pool_new() included), "" after a success: per thread, since threads share a
/// pool.
///
/// @return a NUL-terminated string owned by the library, valid on this thread until
///         its next ftp_pool_* call; never NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_last_error() -> *const c_char {
    pure(c"".as_ptr(), shared_last_error)
}
