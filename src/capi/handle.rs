//! The one C boundary. Every exported function's body is a single call to one of the
//! functions here (a test in this file checks that), so every object the C API hands
//! out has the same NULL check, one-user-at-a-time guard, panic catching, poisoning,
//! last-error recording and a `_free` that never frees under a running call.
//!
//! - `call`: a call that may change the object; one at a time (FTP_E_BUSY from another
//!   thread, FTP_E_RECURSIVE from the object's own callback); its failure message is
//!   kept as the object's last error.
//! - `read`: a getter that only reads; any number at once, never during a `call`.
//! - `inspect`: a getter that keeps what it hands out in the object (a session's reply
//!   text), so it is exclusive like `call`, but records nothing.
//! - `touch`: the thread-safe part of an object, outside its guard (ftp_interrupt).
//! - `create` / `free`: construction, and destruction that is deferred to the end of
//!   the call or reads still inside the object (a free from a callback included).
//! - `pure`: calls on no object (ftp_strerror) or on plain data (listing entries).
//! - `shared`: a call on an object made for sharing (a connection pool), whose state is
//!   thread-safe itself: any number of threads inside at once, none refused as busy or
//!   recursive; a panic makes the object refuse later calls (FTP_E_PANIC); a free waits
//!   for every thread inside to leave; a failure's message is kept per thread
//!   (`shared_last_error`), since "the object's last error" means nothing there.

use super::result::{Failure, ftp_result};
use std::cell::UnsafeCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The state behind an object's guard.
pub(crate) trait Object {
    /// How messages name the object: "the session is unusable".
    const NAME: &'static str;
    /// Where the last call's failure message is kept ("" after a success), for objects
    /// that have calls which can fail.
    fn last_error(&mut self) -> Option<&mut CString> {
        None
    }
    /// Runs before and after each `call` (a session marks its calls for ftp_interrupt).
    fn begin(&mut self) {}
    fn end(&mut self) {}
    /// The message kept for a failure (a session names the refused command).
    fn describe(&self, fail: &Failure) -> String {
        fail.message()
    }
}

/// An object the C API hands out: a struct that holds a `Guard` of its state.
pub(crate) trait Handle {
    type State: Object;
    fn guard(&self) -> &Guard<Self::State>;
}

/// `flags` bits: a `call` is inside; the object is to be freed when the last user
/// leaves; each reader inside adds READER.
const WRITER: usize = 1;
const FREEING: usize = 2;
const READER: usize = 4;

/// One object's state and who is inside it.
pub(crate) struct Guard<S> {
    flags: AtomicUsize,
    /// The thread inside a `call`, to tell recursion (FTP_E_RECURSIVE) from a race.
    owner: AtomicUsize,
    /// Callers of `touch`, which a free waits for.
    touching: AtomicUsize,
    /// Set by the first panic inside the object, with its message: the object is then
    /// unusable but for its getters and free.
    panic: OnceLock<CString>,
    state: UnsafeCell<S>,
}

// SAFETY: `state` is reached only through `enter`, which admits either one `call` (with
// `&mut`) or any number of `read`s (with `&`), never both; the rest are atomics.
unsafe impl<S: Send + Sync> Sync for Guard<S> {}

impl<S> Guard<S> {
    pub(crate) fn new(state: S) -> Guard<S> {
        Guard {
            flags: AtomicUsize::new(0),
            owner: AtomicUsize::new(0),
            touching: AtomicUsize::new(0),
            panic: OnceLock::new(),
            state: UnsafeCell::new(state),
        }
    }

    /// The message of the panic that made the object unusable, if one did.
    pub(crate) fn panic_message(&self) -> Option<&CString> {
        self.panic.get()
    }
}

thread_local! {
    static THREAD_TAG: u8 = const { 0 };
}

/// A per-thread non-zero number (the address of a thread-local).
fn thread_tag() -> usize {
    THREAD_TAG.with(|t| t as *const u8 as usize)
}

#[derive(Clone, Copy, PartialEq)]
enum Access {
    /// `call`: exclusive, refused on a poisoned object.
    Write,
    /// `inspect`: exclusive, let in on a poisoned object.
    Inspect,
    /// `read`: shared, let in on a poisoned object.
    Read,
}

/// The guard itself: admits the caller, runs `f` catching panics, lets the caller out
/// and frees the object when a free came meanwhile. `Err(code)` when the call could not
/// enter or panicked.
fn enter<H: Handle, T>(
    h: *const H,
    access: Access,
    f: impl FnOnce(&H::State, *mut H::State) -> T,
) -> Result<T, ftp_result> {
    // SAFETY: the caller passes NULL or a pointer from `create` not yet freed (the
    // documented contract of every object); only the guard's atomics are touched
    // until it admits us.
    let Some(handle) = (unsafe { h.as_ref() }) else {
        return Err(ftp_result::FTP_E_NULL);
    };
    let guard = handle.guard();
    let me = thread_tag();
    let (unit, blockers) = match access {
        Access::Read => (READER, WRITER | FREEING),
        Access::Write | Access::Inspect => (WRITER, !0),
    };
    let mut seen = guard.flags.load(Ordering::Relaxed);
    loop {
        if seen & blockers != 0 {
            let recursive = seen & WRITER != 0 && guard.owner.load(Ordering::Relaxed) == me;
            return Err(if recursive { ftp_result::FTP_E_RECURSIVE } else { ftp_result::FTP_E_BUSY });
        }
        match guard.flags.compare_exchange_weak(seen, seen + unit, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => seen = now,
        }
    }
    if unit == WRITER {
        guard.owner.store(me, Ordering::Relaxed);
    }
    let result = if access == Access::Write && guard.panic.get().is_some() {
        Err(ftp_result::FTP_E_PANIC)
    } else {
        let cell = guard.state.get();
        // SAFETY: admitted above: a writer is alone in the state until it leaves below;
        // readers share it with other readers only, and get no `&mut` (the pointer is
        // handed on only to `call` and `inspect`, which are writers).
        let shared = unsafe { &*cell };
        catch_unwind(AssertUnwindSafe(|| f(shared, cell))).map_err(|payload| {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            let name = <H::State as Object>::NAME;
            // The first panic's message stays: a later one would hide what broke it.
            let _ = guard
                .panic
                .set(super::args::c_string(format!("internal error (panic: {why}); the {name} is unusable")));
            ftp_result::FTP_E_PANIC
        })
    };
    if unit == WRITER {
        guard.owner.store(0, Ordering::Relaxed);
    }
    let before = guard.flags.fetch_sub(unit, Ordering::Release);
    if before == unit | FREEING {
        // A free came while we were inside, and we were the last one in: it is ours.
        destroy(h.cast_mut());
    }
    result
}

/// Drops an object that nobody is inside and that FREEING marks, once the `touch`
/// callers have left.
fn destroy<H: Handle>(h: *mut H) {
    std::sync::atomic::fence(Ordering::Acquire);
    // SAFETY: FREEING is set and no call or read is inside; `touch` callers see FREEING
    // and leave without using the object, so waiting for their count to fall to zero
    // leaves no one else with a reference.
    let handle = unsafe { &*h };
    while handle.guard().touching.load(Ordering::SeqCst) != 0 {
        std::thread::yield_now();
    }
    // SAFETY: h comes from Box::into_raw in `create`, and only the one thread that
    // found the object unused with FREEING set gets here.
    let boxed = unsafe { Box::from_raw(h) };
    pure((), move || drop(boxed));
}

/// Runs a call on an object: FTP_OK or the failure's code, with the failure's message
/// kept as the object's last error (replaced only after `f`, since a caller may pass
/// the previous message back in as an argument).
pub(crate) fn call<H: Handle>(h: *const H, f: impl FnOnce(&mut H::State) -> Result<(), Failure>) -> ftp_result {
    let run = |_: &H::State, cell: *mut H::State| {
        // SAFETY: `enter` admitted a writer: this is the only reference to the state.
        let state = unsafe { &mut *cell };
        state.begin();
        let outcome = f(state);
        state.end();
        let (code, message) = match outcome {
            Ok(()) => (ftp_result::FTP_OK, CString::default()),
            Err(fail) => (fail.code(), super::args::c_string(state.describe(&fail))),
        };
        if let Some(slot) = state.last_error() {
            *slot = message;
        }
        code
    };
    enter(h, Access::Write, run).unwrap_or_else(|code| code)
}

/// Runs a getter that keeps what it returns in the object: `fallback` when the object
/// is NULL, in use or the getter panicked.
pub(crate) fn inspect<H: Handle, T>(h: *const H, fallback: T, f: impl FnOnce(&mut H::State) -> T) -> T {
    // SAFETY: `enter` admitted a writer (Access::Inspect): the only reference.
    enter(h, Access::Inspect, |_, cell| f(unsafe { &mut *cell })).unwrap_or(fallback)
}

/// Runs a getter that only reads: `fallback` when the object is NULL, in a `call` on
/// another thread (or this one's callback), or the getter panicked.
pub(crate) fn read<H: Handle, T>(h: *const H, fallback: T, f: impl FnOnce(&H, &H::State) -> T) -> T {
    // SAFETY: as in `enter`: NULL or a live object; `enter` checks NULL first.
    let handle = unsafe { h.as_ref() };
    match handle {
        Some(handle) => enter(h, Access::Read, |state, _| f(handle, state)).unwrap_or(fallback),
        None => fallback,
    }
}

/// The last error of an object for its `_last_error` getter: the panic that made it
/// unusable, else the last call's message ("" after a success). NULL when the object is
/// NULL or in a call.
pub(crate) fn last_error<H: Handle>(h: *const H) -> *const c_char
where
    H::State: LastErrorRef,
{
    read(h, std::ptr::null(), |handle, state| match handle.guard().panic_message() {
        Some(message) => message.as_ptr(),
        None => state.last_error_ref().as_ptr(),
    })
}

/// Read access to the last error for `last_error` (Object's is `&mut`, for writers).
pub(crate) trait LastErrorRef {
    fn last_error_ref(&self) -> &CString;
}

/// Runs the thread-safe part of an object, outside its guard, while a call may be
/// inside (ftp_interrupt). A free waits for it to return.
pub(crate) fn touch<H: Handle, T>(h: *const H, null: T, panicked: T, f: impl FnOnce(&H) -> T) -> T {
    // SAFETY: NULL or a live object (contract); a free that started waits for
    // `touching` to fall to zero before dropping it, and we leave if it started.
    let Some(handle) = (unsafe { h.as_ref() }) else {
        return null;
    };
    let guard = handle.guard();
    guard.touching.fetch_add(1, Ordering::SeqCst);
    let result = if guard.flags.load(Ordering::SeqCst) & FREEING != 0 { null } else { pure(panicked, || f(handle)) };
    guard.touching.fetch_sub(1, Ordering::SeqCst);
    result
}

/// Boxes a new object for C: NULL only if making it panicked.
pub(crate) fn create<H: Handle>(make: impl FnOnce() -> H) -> *mut H {
    pure(std::ptr::null_mut(), || Box::into_raw(Box::new(make())))
}

/// Frees an object made by `create`: at once when nobody is inside it, else when the
/// last call or read inside it returns (a free from the object's own callback, or from
/// another thread while a call runs there, never frees under the running call). NULL
/// and a second free of an object already being freed do nothing.
pub(crate) fn free<H: Handle>(h: *mut H) {
    // SAFETY: NULL or a live object from `create` (contract); only atomics are touched
    // unless we are the one that frees it.
    let Some(handle) = (unsafe { h.as_ref() }) else {
        return;
    };
    let flags = &handle.guard().flags;
    let mut seen = flags.load(Ordering::Relaxed);
    loop {
        if seen & FREEING != 0 {
            return;
        }
        match flags.compare_exchange_weak(seen, seen | FREEING, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => seen = now,
        }
    }
    if seen == 0 {
        destroy(h);
    }
}

thread_local! {
    /// This thread's last failure in a `shared` call ("" after a success).
    static SHARED_ERROR: std::cell::RefCell<CString> = std::cell::RefCell::new(CString::default());
}

/// Runs a call on an object made for sharing (its state `Sync`, its calls taking
/// `&`): any number at once, from any threads, the object's own callbacks included.
/// FTP_OK or the failure's code; the failure's message is kept for this thread
/// (`shared_last_error`). Refused (FTP_E_PANIC) once a panic inside made the object
/// unusable; a free that comes meanwhile waits until the last call inside returns.
pub(crate) fn shared<H: Handle>(h: *const H, f: impl FnOnce(&H, &H::State) -> Result<(), Failure>) -> ftp_result {
    let name = <H::State as Object>::NAME;
    // SAFETY: NULL or a live object (contract); only its guard is used until `enter`
    // admits us, and a free waits for every caller it admitted.
    let Some(handle) = (unsafe { h.as_ref() }) else {
        let message = super::args::c_string(format!("the {name} is NULL"));
        SHARED_ERROR.with(|m| *m.borrow_mut() = message);
        return ftp_result::FTP_E_NULL;
    };
    let guard = handle.guard();
    // Nothing of the object is touched once `enter` returns: the last caller out of an
    // object being freed has freed it.
    let outcome = enter(h, Access::Read, |state, _| match guard.panic.get() {
        Some(why) => Err((ftp_result::FTP_E_PANIC, why.clone())),
        None => f(handle, state).map_err(|fail| (fail.code(), super::args::c_string(fail.message()))),
    });
    let (code, message) = match outcome {
        Ok(Ok(())) => (ftp_result::FTP_OK, CString::default()),
        Ok(Err(failed)) => failed,
        Err(ftp_result::FTP_E_PANIC) => {
            (ftp_result::FTP_E_PANIC, super::args::c_string(format!("internal error (panic); the {name} is unusable")))
        }
        // Only a free keeps a caller out.
        Err(_) => (ftp_result::FTP_E_STATE, super::args::c_string(format!("the {name} is being freed"))),
    };
    SHARED_ERROR.with(|m| *m.borrow_mut() = message);
    code
}

/// The message of this thread's last failed `shared` call ("" after a success), valid
/// until this thread's next `shared` call.
pub(crate) fn shared_last_error() -> *const c_char {
    SHARED_ERROR.with(|m| m.borrow().as_ptr())
}

/// Runs a getter on plain data that no call changes and that lives as long as the
/// object it belongs to (a listing's entries, an MLSD entry during its callback):
/// `fallback` for NULL or a panic.
pub(crate) fn plain<P, T: Copy>(p: *const P, fallback: T, f: impl FnOnce(&P) -> T) -> T {
    // SAFETY: p is NULL or points to live data of its owner (each getter's contract).
    pure(fallback, || unsafe { p.as_ref() }.map_or(fallback, f))
}

/// Catches panics in calls that have no object to record them on.
pub(crate) fn pure<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Reads another object from inside a call (ftp_set_tls reads a TLS configuration):
/// `Ok(None)` for NULL; refused while a call runs on it, or once a panic made it
/// unusable, naming it as `what`.
pub(crate) fn borrow<O: Handle, T>(
    other: *const O,
    what: &str,
    f: impl FnOnce(&O::State) -> T,
) -> Result<Option<T>, Failure> {
    if other.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and live (contract); `read` admits us before the state is used.
    let poisoned = unsafe { &*other }.guard().panic.get().is_some();
    if poisoned {
        return Err(crate::Error::Invalid(format!("{what} is unusable after an internal error")).into());
    }
    let mut value = None;
    read(other, (), |_, state| value = Some(f(state)));
    value.map(Some).ok_or(Failure::Busy(what.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    #[derive(Default)]
    struct Counter {
        n: u32,
        last_error: CString,
    }

    impl Object for Counter {
        const NAME: &'static str = "counter";
        fn last_error(&mut self) -> Option<&mut CString> {
            Some(&mut self.last_error)
        }
    }

    impl LastErrorRef for Counter {
        fn last_error_ref(&self) -> &CString {
            &self.last_error
        }
    }

    struct Thing {
        guard: Guard<Counter>,
        dropped: Arc<AtomicBool>,
    }

    impl Handle for Thing {
        type State = Counter;
        fn guard(&self) -> &Guard<Counter> {
            &self.guard
        }
    }

    impl Drop for Thing {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    fn thing() -> (*mut Thing, Arc<AtomicBool>) {
        let dropped = Arc::new(AtomicBool::new(false));
        let d = dropped.clone();
        (create(move || Thing { guard: Guard::new(Counter::default()), dropped: d }), dropped)
    }

    fn message(h: *const Thing) -> String {
        let p = last_error(h);
        assert!(!p.is_null());
        // SAFETY: last_error returns a NUL-terminated string owned by the live object.
        unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    // C code cannot make the library panic (that is the point), so the guard is
    // exercised here with calls that do.
    #[test]
    fn a_panic_inside_a_call_is_an_error_code_and_poisons_only_that_object() {
        let (h, _) = thing();
        let (other, _) = thing();
        assert_eq!(call(h, |_| panic!("deliberate test panic")), ftp_result::FTP_E_PANIC);
        // Every later call on it is refused, without running, but the message stays readable.
        let mut ran = false;
        let rc = call(h, |_| {
            ran = true;
            Ok(())
        });
        assert_eq!((rc, ran), (ftp_result::FTP_E_PANIC, false));
        let msg = message(h);
        assert!(msg.contains("deliberate test panic") && msg.contains("counter is unusable"), "{msg}");
        assert_eq!(read(h, 0, |_, s| s.n + 1), 1, "getters still read a poisoned object");
        // Another object is unaffected; both can be freed.
        assert_eq!(
            call(other, |s| {
                s.n += 1;
                Ok(())
            }),
            ftp_result::FTP_OK
        );
        free(h);
        free(other);
    }

    #[test]
    fn null_objects_are_refused_everywhere() {
        let null: *const Thing = std::ptr::null();
        assert_eq!(call(null, |_| Ok(())), ftp_result::FTP_E_NULL);
        assert_eq!(read(null, 7, |_, _| 1), 7);
        assert_eq!(inspect(null, 7, |_| 1), 7);
        assert_eq!(touch(null, 7, 8, |_| 1), 7);
        assert!(last_error(null).is_null());
        free(null.cast_mut());
    }

    #[test]
    fn a_call_from_inside_a_call_is_recursive_and_a_read_is_refused_too() {
        let (h, _) = thing();
        let rc = call(h, |_| {
            assert_eq!(call(h, |_| Ok(())), ftp_result::FTP_E_RECURSIVE);
            assert_eq!(read(h, 9, |_, _| 1), 9);
            assert!(last_error(h).is_null());
            Ok(())
        });
        assert_eq!(rc, ftp_result::FTP_OK);
        free(h);
    }

    #[test]
    fn a_free_from_inside_a_call_waits_for_the_call_to_return() {
        let (h, dropped) = thing();
        let rc = call(h, |s| {
            free(h);
            assert!(!dropped.load(Ordering::SeqCst), "freed under the running call");
            s.n += 1; // still ours to use
            Ok(())
        });
        assert_eq!(rc, ftp_result::FTP_OK);
        assert!(dropped.load(Ordering::SeqCst), "freed once the call returned");
    }

    #[test]
    fn a_free_from_another_thread_waits_for_the_call_there() {
        let (h, dropped) = thing();
        let addr = h as usize;
        let (inside_tx, inside_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            call(addr as *const Thing, |s| {
                inside_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                s.n += 1;
                Ok(())
            })
        });
        inside_rx.recv().unwrap();
        assert_eq!(call(h, |_| Ok(())), ftp_result::FTP_E_BUSY);
        free(h);
        assert!(!dropped.load(Ordering::SeqCst), "freed under another thread's call");
        go_tx.send(()).unwrap();
        assert_eq!(worker.join().unwrap(), ftp_result::FTP_OK);
        assert!(dropped.load(Ordering::SeqCst));
    }

    #[test]
    fn readers_share_and_exclude_calls() {
        let (h, dropped) = thing();
        let addr = h as usize;
        read(h, (), |_, _| {
            // Another thread can read at the same time, but not call.
            let other = std::thread::spawn(move || {
                let h = addr as *const Thing;
                (read(h, 0, |_, s| s.n + 5), call(h, |_| Ok(())))
            });
            assert_eq!(other.join().unwrap(), (5, ftp_result::FTP_E_BUSY));
            free(addr as *mut Thing);
            assert!(!dropped.load(Ordering::SeqCst), "freed under a read");
        });
        assert!(dropped.load(Ordering::SeqCst));
    }

    #[test]
    fn a_failure_is_kept_as_the_last_error_until_the_next_success() {
        let (h, _) = thing();
        let fail = || Err(Failure::Null("buf"));
        assert_eq!(call(h, |_| fail()), ftp_result::FTP_E_NULL);
        assert_eq!(message(h), "buf is NULL");
        assert_eq!(call(h, |_| Ok(())), ftp_result::FTP_OK);
        assert_eq!(message(h), "");
        free(h);
    }

    /// Every exported function's body is one call of this module's boundary (or of
    /// another exported function, which has one): nothing reaches C around it.
    #[test]
    fn every_exported_function_goes_through_the_boundary() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capi");
        let allowed =
            ["plain(", "call(", "read(", "inspect(", "touch(", "create(", "free(", "pure(", "last_error(", "shared("];
        let mut checked = 0;
        let mut bad = Vec::new();
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("pub extern \"C\" fn ") {
                rest = &rest[at..];
                let name: String = rest["pub extern \"C\" fn ".len()..].chars().take_while(|c| *c != '(').collect();
                let body = &rest[rest.find('{').unwrap() + 1..];
                // Comments, imports, constants and the variables a call fills in may
                // come first; then the boundary.
                let mut first = body.trim_start();
                while ["//", "use ", "const ", "let mut "].iter().any(|p| first.starts_with(p)) {
                    first = first[first.find('\n').unwrap()..].trim_start();
                }
                // `let rc = call(...)`: the call's code, then its outputs.
                if let Some(after) = first.strip_prefix("let ").and_then(|l| l.split_once(" = ")) {
                    first = after.1;
                }
                let first = first.strip_prefix("handle::").unwrap_or(first);
                if !allowed.iter().any(|a| first.starts_with(a)) && !first.starts_with("ftp_") {
                    bad.push(format!("{}: {name}", path.file_name().unwrap().to_string_lossy()));
                }
                checked += 1;
                rest = body;
            }
        }
        assert!(checked > 100, "found only {checked} exported functions");
        assert!(bad.is_empty(), "exported functions whose body does not go through capi::handle: {bad:?}");
    }

    #[test]
    fn shared_calls_run_together_keep_messages_per_thread_and_defer_the_free() {
        let (h, dropped) = thing();
        let addr = h as usize;
        let rc = shared(h, |_, _| {
            // Another thread gets in at the same time, and its failure is its own.
            let other = std::thread::spawn(move || {
                let rc = shared(addr as *const Thing, |_, _| Err(Failure::Null("x")));
                // SAFETY: shared_last_error returns this thread's NUL-terminated message.
                let msg = unsafe { std::ffi::CStr::from_ptr(shared_last_error()) }.to_str().unwrap().to_string();
                (rc, msg)
            });
            assert_eq!(other.join().unwrap(), (ftp_result::FTP_E_NULL, "x is NULL".to_string()));
            // A free from inside waits until this call leaves; newcomers are refused.
            free(addr as *mut Thing);
            assert!(!dropped.load(Ordering::SeqCst), "freed under a shared call");
            let late = std::thread::spawn(move || shared(addr as *const Thing, |_, _| Ok(())));
            assert_eq!(late.join().unwrap(), ftp_result::FTP_E_STATE);
            Ok(())
        });
        assert_eq!(rc, ftp_result::FTP_OK);
        // SAFETY: as above.
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(shared_last_error()) }.to_bytes(), b"");
        assert!(dropped.load(Ordering::SeqCst), "freed once the last call left");
    }

    #[test]
    fn a_panic_in_a_shared_call_makes_later_ones_fail() {
        let (h, _) = thing();
        assert_eq!(shared(h, |_, _| panic!("deliberate test panic")), ftp_result::FTP_E_PANIC);
        let mut ran = false;
        let rc = shared(h, |_, _| {
            ran = true;
            Ok(())
        });
        assert_eq!((rc, ran), (ftp_result::FTP_E_PANIC, false));
        // SAFETY: as above.
        let msg = unsafe { std::ffi::CStr::from_ptr(shared_last_error()) }.to_string_lossy().into_owned();
        assert!(msg.contains("deliberate test panic"), "{msg}");
        assert_eq!(shared(std::ptr::null::<Thing>(), |_, _| Ok(())), ftp_result::FTP_E_NULL);
        free(h);
    }

    #[test]
    fn touch_runs_beside_a_call_and_a_free_waits_for_it() {
        let (h, dropped) = thing();
        let addr = h as usize;
        let seen = call(h, |_| {
            let t = std::thread::spawn(move || touch(addr as *const Thing, 0, 1, |_| 2));
            assert_eq!(t.join().unwrap(), 2);
            Ok(())
        });
        assert_eq!(seen, ftp_result::FTP_OK);
        let d = dropped.clone();
        touch(h, (), (), |_| {
            let freer = std::thread::spawn(move || free(addr as *mut Thing));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!d.load(Ordering::SeqCst), "freed under touch");
            std::mem::forget(freer);
        });
        // The free found nobody inside (touch is outside the guard), and waited for it.
        for _ in 0..200 {
            if dropped.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(dropped.load(Ordering::SeqCst));
    }
}
