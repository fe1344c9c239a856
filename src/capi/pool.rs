//! Connection pools: many sessions to one server, shared by any number of threads.

use super::args::put;
use super::handle::{Guard, Handle, Object, borrow_exclusive, create, free, pure, shared, shared_last_error};
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
/// Nothing is connected until a session is needed. The pool checks an idle session
/// with NOOP before handing it out when it has been idle for more than 15 seconds
/// (ftp_pool_set_idle_check()), replaces sessions the server dropped, and lowers its
/// limit to what the server allows when it refuses further connections (421 "too many
/// connections", per-address limits, a refused connection while others are open).
///
/// @param template_session a session that has connected and logged in (or connected,
///        for a server that needs no login) at least once; it may be closed since.
/// @param max_sessions the most sessions open at once, 1 or more.
/// @param out receives the pool on success (required); the caller frees it with
///        ftp_pool_free().
/// @return FTP_OK; FTP_E_STATE if the template never connected; FTP_E_INVALID if
///         max_sessions is 0; FTP_E_BUSY if another thread is in a call on the
///         template; FTP_E_NULL if template_session or out is NULL. The message is
///         ftp_pool_last_error()'s.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_new(
    template_session: *const ftp_session,
    max_sessions: u32,
    out: *mut *mut ftp_pool,
) -> ftp_result {
    shared(NEW.as_ref(), |_| {
        if out.is_null() {
            return Err(Failure::Null("out"));
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
        put(out, handle);
        Ok(())
    })
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

/// One for the whole process, never freed.
static NEW: std::sync::LazyLock<Maker> = std::sync::LazyLock::new(|| Maker { guard: Guard::new(MakerState) });

impl Maker {
    fn as_ref(&self) -> *const Maker {
        self
    }
}

/// Frees a pool handle. Never under a call still running on it in another thread:
/// the pool is freed when the last such call returns (a thread waiting in
/// ftp_pool_get() keeps it until a session comes free or its checkout timeout ends;
/// call ftp_pool_interrupt() first to wake it at once). Its idle sessions are then
/// closed (without QUIT) unless a batch made over the pool still holds it (they close
/// with the batch). Sessions checked out with ftp_pool_get() stay valid: ftp_pool_put()
/// or ftp_free() them as usual. Batches made over it stay usable.
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
/// @return FTP_OK; FTP_E_NULL if pool is NULL.
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
/// @return FTP_OK; FTP_E_NULL if pool is NULL.
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
/// @return FTP_OK; FTP_E_INVALID if max_sessions is 0; FTP_E_NULL if pool is NULL.
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
/// Its working directory, TYPE and other connection state are what the previous user
/// left: set what you rely on.
///
/// @param pool the pool.
/// @param out receives the session on success (required).
/// @return FTP_OK; FTP_E_TIMEOUT if no session came free within the checkout
///         timeout; FTP_E_INTERRUPTED if ftp_pool_interrupt() was called while
///         waiting; the connect or login error (FTP_E_IO, FTP_E_TEMP, FTP_E_PERM,
///         FTP_E_TLS*...) when not even one session could be opened; FTP_E_NULL if
///         pool or out is NULL. The message is ftp_pool_last_error()'s.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_get(pool: *mut ftp_pool, out: *mut *mut ftp_session) -> ftp_result {
    shared(pool, |p| {
        if out.is_null() {
            return Err(Failure::Null("out"));
        }
        let (ftp, lease) = p.pool.get()?.detach();
        let session = create(|| ftp_session::pooled(ftp, lease));
        if session.is_null() {
            return Err(Error::Invalid("internal error while making the session".into()).into());
        }
        put(out, session);
        Ok(())
    })
}

/// Gives a session from ftp_pool_get() back to its pool and frees the handle: the
/// connection is kept for reuse if it is usable (connected, between commands, no
/// transfer open), else closed. Its progress callback is removed.
///
/// @param pool the pool the session came from.
/// @param session the session, invalid afterwards (also on failure, but for
///        FTP_E_BUSY, FTP_E_RECURSIVE and FTP_E_INVALID, where it stays the caller's).
/// @return FTP_OK; FTP_E_INVALID if the session did not come from this pool (it is
///         left as it was); FTP_E_BUSY if another thread is in a call on the session;
///         FTP_E_RECURSIVE from the session's own callback; FTP_E_NULL if pool or
///         session is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pool_put(pool: *mut ftp_pool, session: *mut ftp_session) -> ftp_result {
    shared(pool, |p| {
        if session.is_null() {
            return Err(Failure::Null("session"));
        }
        let mut back = None;
        let rc = super::handle::call(session, |s| {
            if !s.lease.as_ref().is_some_and(|l| l.belongs_to(&p.pool)) {
                return Err(Error::Invalid("the session did not come from this pool".into()).into());
            }
            back = s.lease.take().map(|lease| (std::mem::take(&mut s.ftp), lease));
            Ok(())
        });
        match (rc, back) {
            (ftp_result::FTP_OK, Some((ftp, lease))) => {
                lease.restore(ftp);
                free(session);
                Ok(())
            }
            (ftp_result::FTP_E_INVALID, _) => {
                Err(Error::Invalid("the session did not come from this pool".into()).into())
            }
            (ftp_result::FTP_E_BUSY, _) => Err(Failure::Busy("the session".into())),
            (code, _) => Err(Error::State(format!("the session could not be given back ({code:?})")).into()),
        }
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
/// @return FTP_OK; FTP_E_NULL if pool is NULL.
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
