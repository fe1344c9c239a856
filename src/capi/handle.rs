//! The session handle and the one boundary every handle call goes through: NULL check,
//! one-user-at-a-time guard (FTP_E_BUSY / FTP_E_RECURSIVE), panic catching, and
//! recording the outcome (last error message) on the handle.

use super::result::{Failure, ftp_result};
use crate::{Ftp, Interrupter};
use std::cell::UnsafeCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// An FTP session (a connection and its settings). Opaque; create with ftp_new(),
/// destroy with ftp_free().
pub struct ftp_session {
    /// Outside the guard: ftp_interrupt() works while another thread is in a call.
    interrupter: Interrupter,
    busy: AtomicBool,
    /// Identifies the thread inside the current call, to tell recursion from a race.
    owner: AtomicUsize,
    poisoned: AtomicBool,
    state: UnsafeCell<State>,
}

// SAFETY: all access to `state` goes through `enter`, which admits one caller at a time
// via the `busy` flag; the handle itself is just atomics plus that guarded cell.
unsafe impl Sync for ftp_session {}
// SAFETY: see Sync; the state holds no thread-bound data (callback pointers are the
// caller's responsibility, as documented in the header).
unsafe impl Send for ftp_session {}

/// What a handle holds behind the guard.
#[derive(Default)]
pub(crate) struct State {
    pub ftp: Ftp,
    last_error: CString,
    /// Storage for strings handed out (welcome, reply text, paths): each valid until
    /// the next call on the handle.
    pub strings: Strings,
}

#[derive(Default)]
pub(crate) struct Strings {
    pub reply_text: CString,
    pub welcome: CString,
    pub path: CString,
    pub tls_version: CString,
    pub tls_cipher: CString,
    pub feature: CString,
}

impl Strings {
    /// Stores a getter's string in its own slot and returns it. The slot is replaced
    /// only when the text changed, so a pointer an earlier read of the same getter
    /// returned stays valid (several reads may appear in one printf).
    pub(crate) fn keep(slot: &mut CString, text: CString) -> *const c_char {
        if *slot != text {
            *slot = text;
        }
        slot.as_ptr()
    }
}

/// Converts bytes to a C string, replacing NUL bytes (which C cannot carry) with '?'.
pub(crate) fn c_string(bytes: impl Into<Vec<u8>>) -> CString {
    let mut v = bytes.into();
    for b in v.iter_mut() {
        if *b == 0 {
            *b = b'?';
        }
    }
    CString::new(v).expect("NUL bytes were replaced")
}

impl ftp_session {
    pub(crate) fn new() -> ftp_session {
        let state = State::default();
        // ftp_interrupt() acts only while a call runs (with_session marks them).
        state.ftp.interrupter().set_idle(true);
        ftp_session {
            interrupter: state.ftp.interrupter(),
            busy: AtomicBool::new(false),
            owner: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
            state: UnsafeCell::new(state),
        }
    }

    pub(crate) fn interrupter(&self) -> &Interrupter {
        &self.interrupter
    }
}

thread_local! {
    static THREAD_TAG: u8 = const { 0 };
}

/// A per-thread non-zero number (the address of a thread-local).
fn thread_tag() -> usize {
    THREAD_TAG.with(|t| t as *const u8 as usize)
}

/// Runs `f` on the handle's state under the guard. Returns FTP_OK or the failure's code,
/// and stores the failure's message as the handle's last error.
pub(crate) fn with_session(h: *const ftp_session, f: impl FnOnce(&mut State) -> Result<(), Failure>) -> ftp_result {
    let run = |state: &mut State| {
        // The last error is replaced only after `f`: a caller may pass the string
        // ftp_session_last_error() returned back in as an argument, so its buffer must
        // outlive the call (the same holds for the handle's other strings).
        let interrupter = state.ftp.interrupter();
        interrupter.set_idle(false);
        let outcome = f(state);
        interrupter.set_idle(true);
        let (code, message) = match outcome {
            Ok(()) => (ftp_result::FTP_OK, CString::default()),
            Err(fail) => {
                // "RETR x: server replied 550 ...": say which command the server refused,
                // when the reply is the one that command got.
                let mut message = fail.message();
                if let (Failure::Core(e), Some(cmd)) = (&fail, state.ftp.last_command())
                    && e.reply().is_some_and(|r| state.ftp.last_reply() == Some(r))
                {
                    message = format!("{cmd}: {message}");
                }
                (fail.code(), c_string(message))
            }
        };
        state.last_error = message;
        code
    };
    enter(h, false, run).unwrap_or_else(|code| code)
}

/// Like `with_session` for read-only getters: `None` when the handle is NULL, busy or
/// the call is recursive. A poisoned handle is let in, so the panic message can be read.
pub(crate) fn peek<T>(h: *const ftp_session, f: impl FnOnce(&mut State) -> T) -> Option<T> {
    enter(h, true, f).ok()
}

/// The guard itself. `Err(code)` when the call could not enter; a poisoned handle only
/// admits `poisoned_ok` callers.
fn enter<T>(h: *const ftp_session, poisoned_ok: bool, f: impl FnOnce(&mut State) -> T) -> Result<T, ftp_result> {
    // SAFETY: the caller passes either NULL or a pointer from ftp_new() not yet freed
    // (documented contract); only shared access to the atomics happens through it.
    let Some(session) = (unsafe { h.as_ref() }) else {
        return Err(ftp_result::FTP_E_NULL);
    };
    let me = thread_tag();
    if session.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        return Err(if session.owner.load(Ordering::Relaxed) == me {
            ftp_result::FTP_E_RECURSIVE
        } else {
            ftp_result::FTP_E_BUSY
        });
    }
    session.owner.store(me, Ordering::Relaxed);
    let result = if !poisoned_ok && session.poisoned.load(Ordering::Relaxed) {
        Err(ftp_result::FTP_E_PANIC)
    } else {
        // SAFETY: the busy flag was taken above, so this is the only live reference to
        // the state until it is released below.
        let state = unsafe { &mut *session.state.get() };
        match catch_unwind(AssertUnwindSafe(|| f(state))) {
            Ok(v) => Ok(v),
            Err(payload) => {
                // Keep the first panic's message: a getter panicking later on the
                // poisoned handle should not hide it.
                if !session.poisoned.swap(true, Ordering::Relaxed) {
                    state.last_error = panic_message(&*payload, "session");
                }
                Err(ftp_result::FTP_E_PANIC)
            }
        }
    };
    session.owner.store(0, Ordering::Relaxed);
    session.busy.store(false, Ordering::Release);
    result
}

/// A call's code, its message kept in `last_error` ("" on success): for the handles
/// other than sessions (TLS configurations, data connections).
pub(crate) fn record(outcome: Result<(), Failure>, last_error: &mut CString) -> ftp_result {
    let (code, message) = match outcome {
        Ok(()) => (ftp_result::FTP_OK, CString::default()),
        Err(fail) => (fail.code(), c_string(fail.message())),
    };
    *last_error = message;
    code
}

/// "internal error (panic: WHY); the OBJECT is unusable".
fn panic_message(payload: &(dyn std::any::Any + Send), object: &str) -> CString {
    let why = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    c_string(format!("internal error (panic: {why}); the {object} is unusable"))
}

/// Runs `f` on the state of a handle other than a session, with its lock held. A panic
/// leaves its message in the handle's last error, then goes on (poisoning the lock, so
/// the object is unusable) to the caller's `no_panic`.
pub(crate) fn noting_panic<S, T>(
    state: &mut S,
    object: &str,
    last_error: impl FnOnce(&mut S) -> &mut CString,
    f: impl FnOnce(&mut S) -> T,
) -> T {
    match catch_unwind(AssertUnwindSafe(|| f(state))) {
        Ok(v) => v,
        Err(payload) => {
            *last_error(state) = panic_message(&*payload, object);
            std::panic::resume_unwind(payload)
        }
    }
}

/// Catches panics in calls that have no handle to record them on.
pub(crate) fn no_panic<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// The handle's last error message ("" after a successful call).
pub(crate) fn last_error_ptr(state: &State) -> *const c_char {
    state.last_error.as_ptr()
}

/// Frees a handle made by `ftp_session::new` (boxed). Returns false when it is in use.
pub(crate) fn free_session(h: *mut ftp_session) -> bool {
    if h.is_null() {
        return true;
    }
    // SAFETY: non-NULL pointers passed here come from Box::into_raw in ftp_new (contract).
    let session = unsafe { &*h };
    if session.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        return false;
    }
    // SAFETY: we hold the busy flag, so no other reference exists; the box is ours to drop.
    let boxed = unsafe { Box::from_raw(h) };
    no_panic((), move || drop(boxed));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    // C code cannot make the library panic (that is the point), so the guard is
    // exercised here with a call that does.
    #[test]
    fn a_panic_inside_a_call_is_an_error_code_and_poisons_only_that_handle() {
        let h = Box::into_raw(Box::new(ftp_session::new()));
        let other = Box::into_raw(Box::new(ftp_session::new()));
        assert_eq!(with_session(h, |_| panic!("deliberate test panic")), ftp_result::FTP_E_PANIC);
        // Every later call on it is refused, without running, but the message stays readable.
        let mut ran = false;
        let rc = with_session(h, |_| {
            ran = true;
            Ok(())
        });
        assert_eq!((rc, ran), (ftp_result::FTP_E_PANIC, false));
        let msg = peek(h, |s| s.last_error.to_string_lossy().into_owned()).unwrap();
        assert!(msg.contains("deliberate test panic") && msg.contains("unusable"), "{msg}");
        // Another handle in the same process is unaffected; both can be freed.
        assert_eq!(with_session(other, |_| Ok(())), ftp_result::FTP_OK);
        assert!(free_session(h));
        assert!(free_session(other));
    }
}
