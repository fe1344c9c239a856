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
//! - `consume`: a call that ends the object (ftp_pool_put gives a session back): it
//!   takes what it needs out of the state and, on success, marks the object for
//!   freeing in the same guarded step, so it is destroyed exactly once, when the call
//!   leaves, whatever free another thread started meanwhile.
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

/// The guard itself: admits the caller, runs `f` on the state's pointer catching
/// panics, and lets the caller out. `Err(code)` when the call could not enter or
/// panicked. The second value is true when a free came meanwhile and this caller was
/// the last one inside: the caller must then `destroy` the object, after `enter` has
/// returned, so that no reference into the object outlives it (`f` and every borrow
/// `enter` made have ended by then).
fn enter<H: Handle, T>(
    h: *const H,
    access: Access,
    f: impl FnOnce(*mut H::State) -> T,
) -> (Result<T, ftp_result>, bool) {
    // SAFETY: the caller passes NULL or a pointer from `create` not yet freed (the
    // documented contract of every object); only the guard's atomics are touched
    // until it admits us.
    let Some(handle) = (unsafe { h.as_ref() }) else {
        return (Err(ftp_result::FTP_E_NULL), false);
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
            return (Err(if recursive { ftp_result::FTP_E_RECURSIVE } else { ftp_result::FTP_E_BUSY }), false);
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
        // Only the raw pointer goes to `f`: `call` and `inspect` make the one `&mut`
        // from it, `read` a shared reference; none is made here.
        let cell = guard.state.get();
        catch_unwind(AssertUnwindSafe(|| f(cell))).map_err(|payload| {
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
    // SeqCst, with the free's CAS, for the reason given in `destroy`. From here on
    // `guard` and `handle` are not used: another thread may free the object.
    let before = guard.flags.fetch_sub(unit, Ordering::SeqCst);
    (result, before == unit | FREEING)
}

/// `enter`, then the destruction it asked for, once everything `enter` borrowed from
/// the object has ended.
fn guarded<H: Handle, T>(h: *const H, access: Access, f: impl FnOnce(*mut H::State) -> T) -> Result<T, ftp_result> {
    let (result, last_out) = enter(h, access, f);
    if last_out {
        // A free came while we were inside, and we were the last one in: it is ours.
        destroy(h.cast_mut());
    }
    result
}

/// Drops an object that nobody is inside and that FREEING marks, once the `touch`
/// callers have left.
fn destroy<H: Handle>(h: *mut H) {
    // Why SeqCst (here, in the free's CAS and in the last user's fetch_sub): `touch`
    // announces itself (`touching` += 1) and then looks for FREEING, while the thread
    // that destroys has set or seen FREEING and then looks at `touching`. Each side
    // stores then loads a different variable; only a single total order over those
    // stores and loads (SeqCst) rules out both missing each other's store, which
    // would let `touch` use a freed object. The fence also acquires what the last
    // users of the object wrote before leaving.
    std::sync::atomic::fence(Ordering::SeqCst);
    {
        // SAFETY: FREEING is set and no call or read is inside; `touch` callers see
        // FREEING and leave without using the object, so waiting for their count to
        // fall to zero leaves no one else with a reference. This one ends with the
        // block, before the object is dropped.
        let guard = unsafe { &*h }.guard();
        while guard.touching.load(Ordering::SeqCst) != 0 {
            std::thread::yield_now();
        }
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
    let run = |cell: *mut H::State| {
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
    guarded(h, Access::Write, run).unwrap_or_else(|code| code)
}

/// Runs a getter that keeps what it returns in the object: `fallback` when the object
/// is NULL, in use or the getter panicked.
pub(crate) fn inspect<H: Handle, T>(h: *const H, fallback: T, f: impl FnOnce(&mut H::State) -> T) -> T {
    // SAFETY: `enter` admitted a writer (Access::Inspect): the only reference.
    guarded(h, Access::Inspect, |cell| f(unsafe { &mut *cell })).unwrap_or(fallback)
}

/// Runs a getter that only reads: `fallback` when the object is NULL, in a `call` on
/// another thread (or this one's callback), being freed, or the getter panicked.
///
/// Readers share the state, so it must be `Sync` (checked at compile time here); an
/// object whose state is not (a session holds callbacks that are `Send` only) has its
/// getters go through `inspect`, one at a time.
pub(crate) fn read<H: Handle, T>(h: *const H, fallback: T, f: impl FnOnce(&H::State) -> T) -> T
where
    H::State: Sync,
{
    // SAFETY: `enter` admitted a reader: only other readers share the state, and none
    // has a `&mut`; the reference ends with `f`, before any destruction.
    guarded(h, Access::Read, |cell| f(unsafe { &*cell })).unwrap_or(fallback)
}

/// The last error of an object for its `_last_error` getter: the panic that made it
/// unusable, else the last call's message ("" after a success). NULL when the object is
/// NULL, in a call or being freed.
pub(crate) fn last_error<H: Handle>(h: *const H) -> *const c_char
where
    H::State: LastErrorRef + Sync,
{
    message(h, Access::Read)
}

/// `last_error` for an object whose state is not `Sync` (a session): one at a time,
/// like `inspect`.
pub(crate) fn last_error_exclusive<H: Handle>(h: *const H) -> *const c_char
where
    H::State: LastErrorRef,
{
    message(h, Access::Inspect)
}

/// `last_error` with readers admitted as `access` says (Read only for `Sync` state).
fn message<H: Handle>(h: *const H, access: Access) -> *const c_char
where
    H::State: LastErrorRef,
{
    let get = |cell: *mut H::State| {
        // SAFETY: `enter` has us admitted, so `h` is live; the reference ends here.
        let panic = unsafe { &*h }.guard().panic_message();
        // SAFETY: admitted as a reader (the callers make sure a shared state is Sync)
        // or alone; the reference ends here, before any destruction.
        let state = unsafe { &*cell };
        panic.unwrap_or_else(|| state.last_error_ref()).as_ptr()
    };
    guarded(h, access, get).unwrap_or(std::ptr::null())
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
        // SeqCst: see `destroy`.
        match flags.compare_exchange_weak(seen, seen | FREEING, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => seen = now,
        }
    }
    if seen == 0 {
        destroy(h);
    }
}

/// Runs a call that ends the object: `f` takes from the state what outlives it. On
/// success the object is marked for freeing before the call leaves, and destroyed as
/// it leaves (no later step touches it, so a free deferred from another thread cannot
/// make it destroyed twice or used after); on failure it stays as it was, the failure
/// kept as its last error. `Err` carries the code: the guard's (FTP_E_NULL,
/// FTP_E_BUSY, FTP_E_RECURSIVE, FTP_E_PANIC) or `f`'s failure's.
pub(crate) fn consume<H: Handle, T>(
    h: *const H,
    f: impl FnOnce(&mut H::State) -> Result<T, Failure>,
) -> Result<T, ftp_result> {
    let mut taken = None;
    let code = call(h, |state| {
        let value = f(state)?;
        // SAFETY: `call` has us admitted as the writer, so `h` is live; only the guard's
        // atomic is touched. With FREEING set, the writer leaving is the last one out
        // and `guarded` destroys the object once `call`'s borrows have ended.
        let flags = &unsafe { &*h }.guard().flags;
        flags.fetch_or(FREEING, Ordering::SeqCst);
        taken = Some(value);
        Ok(())
    });
    match (code, taken) {
        // Once the value is taken FREEING is set, and the object is destroyed whatever
        // `call` returns after (a panic in its end-of-call work included): the value is
        // the caller's, and the handle must not be passed again.
        (_, Some(value)) => Ok(value),
        (ftp_result::FTP_OK, None) => Err(ftp_result::FTP_E_PANIC),
        (code, None) => Err(code),
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
pub(crate) fn shared<H: Handle>(h: *const H, f: impl FnOnce(&H::State) -> Result<(), Failure>) -> ftp_result
where
    H::State: Sync,
{
    let name = <H::State as Object>::NAME;
    if h.is_null() {
        let message = super::args::c_string(format!("the {name} is NULL"));
        SHARED_ERROR.with(|m| *m.borrow_mut() = message);
        return ftp_result::FTP_E_NULL;
    }
    let outcome = guarded(h, Access::Read, |cell| {
        // SAFETY: `enter` admitted a reader, so the object lives until it leaves, and
        // only other readers share the state (`Sync`); both references end with `f`.
        let (guard, state) = unsafe { ((*h).guard(), &*cell) };
        match guard.panic.get() {
            Some(why) => Err((ftp_result::FTP_E_PANIC, why.clone())),
            None => f(state).map_err(|fail| (fail.code(), super::args::c_string(fail.message()))),
        }
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
) -> Result<Option<T>, Failure>
where
    O::State: Sync,
{
    if other.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and live (contract); `read` admits us before the state is used.
    let poisoned = unsafe { &*other }.guard().panic.get().is_some();
    if poisoned {
        return Err(crate::Error::Invalid(format!("{what} is unusable after an internal error")).into());
    }
    let mut value = None;
    read(other, (), |state| value = Some(f(state)));
    value.map(Some).ok_or(Failure::Busy(what.to_string()))
}

/// `borrow` for an object whose state is not `Sync` (a session): taken alone, as
/// `inspect` takes it, so refused (`Failure::Busy`) while any other thread is in it.
pub(crate) fn borrow_exclusive<O: Handle, T>(
    other: *const O,
    what: &str,
    f: impl FnOnce(&mut O::State) -> T,
) -> Result<Option<T>, Failure> {
    if other.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and live (contract); `inspect` admits us before the state is used.
    let poisoned = unsafe { &*other }.guard().panic.get().is_some();
    if poisoned {
        return Err(crate::Error::Invalid(format!("{what} is unusable after an internal error")).into());
    }
    let mut value = None;
    inspect(other, (), |state| value = Some(f(state)));
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
        assert_eq!(read(h, 0, |s| s.n + 1), 1, "getters still read a poisoned object");
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
        assert_eq!(read(null, 7, |_| 1), 7);
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
            assert_eq!(read(h, 9, |_| 1), 9);
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
        read(h, (), |_| {
            // Another thread can read at the same time, but not call.
            let other = std::thread::spawn(move || {
                let h = addr as *const Thing;
                (read(h, 0, |s| s.n + 5), call(h, |_| Ok(())))
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

    #[test]
    fn consume_destroys_once_even_with_a_free_deferred_inside_and_keeps_the_object_on_failure() {
        // A failure leaves the object as it was, with the failure as its last error.
        let (h, dropped) = thing();
        assert_eq!(
            consume(h, |_| -> Result<u32, Failure> { Err(Failure::Null("x")) }).err(),
            Some(ftp_result::FTP_E_NULL)
        );
        assert!(!dropped.load(Ordering::SeqCst));
        assert_eq!(message(h), "x is NULL");
        // Success: the value comes out and the object is gone once the call leaves,
        // also when a free (another thread's, deferred) came while it was inside.
        let value = consume(h, |s| {
            s.n = 7;
            free(h);
            assert!(!dropped.load(Ordering::SeqCst), "never freed under the running call");
            Ok(s.n)
        });
        assert_eq!(value, Ok(7));
        assert!(dropped.load(Ordering::SeqCst));
        // Without a free inside it is destroyed as well.
        let (h, dropped) = thing();
        assert_eq!(consume(h, |_| Ok(())), Ok(()));
        assert!(dropped.load(Ordering::SeqCst));
        // Refusals are the guard's codes.
        assert_eq!(consume(std::ptr::null::<Thing>(), |_| Ok(())), Err(ftp_result::FTP_E_NULL));
        let (h, _) = thing();
        let inner = call(h, |_| {
            assert_eq!(consume(h, |_| Ok(())), Err(ftp_result::FTP_E_RECURSIVE));
            Ok(())
        });
        assert_eq!(inner, ftp_result::FTP_OK);
        free(h);
    }

    /// The functions of this module an exported function's body may consist of. A new
    /// boundary function is added here (and documented at the top of this file).
    const BOUNDARY: &[&str] = &[
        "call",
        "read",
        "inspect",
        "touch",
        "create",
        "free",
        "pure",
        "plain",
        "last_error",
        "last_error_exclusive",
        "shared",
        "consume",
    ];

    /// What a variable an exported function fills in may start as (the documented
    /// exception: a call's outputs that are not the `ftp_result`).
    const INITIAL: &[&str] = &["false", "0", "std::ptr::null()", "std::ptr::null_mut()"];

    /// A copy of Rust source with comments blanked and the brackets and semicolons
    /// inside string and character literals blanked, so that they can be counted.
    fn masked(text: &str) -> String {
        let b = text.as_bytes();
        let mut out = b.to_vec();
        let mut i = 0;
        while i < b.len() {
            if b[i..].starts_with(b"//") {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
            } else if b[i..].starts_with(b"/*") {
                while i < b.len() && !b[i..].starts_with(b"*/") {
                    out[i] = b' ';
                    i += 1;
                }
                out[i..(i + 2).min(b.len())].fill(b' ');
                i += 2;
            } else if b[i] == b'"' || (b[i] == b'\'' && (b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\')))
            {
                let quote = b[i];
                i += 1;
                while i < b.len() && b[i] != quote {
                    let step = if b[i] == b'\\' { 2 } else { 1 };
                    for c in &mut out[i..(i + step).min(b.len())] {
                        if b"{}()[];".contains(c) {
                            *c = b'_';
                        }
                    }
                    i += step;
                }
                i += 1;
            } else {
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// The length of the bracketed text `s` starts with (its first byte opens it).
    fn balanced(s: &str) -> usize {
        let mut depth = 0i32;
        for (i, c) in s.char_indices() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return i + 1;
            }
        }
        panic!("unbalanced: {}", &s[..s.len().min(80)]);
    }

    /// Splits a body at its top-level semicolons; the last piece is the tail expression.
    fn statements(body: &str) -> Vec<&str> {
        let (mut out, mut depth, mut from) = (Vec::new(), 0i32, 0);
        for (i, c) in body.char_indices() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ';' if depth == 0 => {
                    out.push(body[from..i].trim());
                    from = i + 1;
                }
                _ => {}
            }
        }
        out.push(body[from..].trim());
        out
    }

    /// Whether `expr` is exactly one call of a boundary function (or of another exported
    /// function), with nothing before or after it.
    fn is_boundary_call(expr: &str, exported: &[String]) -> bool {
        let expr = expr.strip_prefix("handle::").unwrap_or(expr);
        let Some(open) = expr.find('(') else { return false };
        let callee = &expr[..open];
        let known = BOUNDARY.contains(&callee) || exported.iter().any(|e| e == callee);
        known && balanced(&expr[open..]) == expr.len() - open
    }

    /// What is wrong with an exported function's body, if anything: it must be one
    /// boundary call, or (the exception for outputs besides the result) `let mut`
    /// variables with constant initial values, the call as `let rc = …;` or `…;`, and
    /// a tail made only of those variables, `rc`, `ftp_result::FTP_OK`, `==` and `&&`.
    fn body_problem(body: &str, exported: &[String]) -> Option<String> {
        let mut parts = statements(body);
        // Imports and constants with literal values do nothing at run time.
        let literal = |v: &str| v.chars().all(|c| c.is_ascii_digit() || c == '_');
        parts.retain(|p| {
            let constant = p.strip_prefix("const ").and_then(|c| c.split_once(" = ")).is_some_and(|(_, v)| literal(v));
            !(p.starts_with("use ") && !p.contains('(') || constant)
        });
        let tail = parts.pop().unwrap_or_default();
        let mut vars = vec!["rc".to_string()];
        let mut rest = parts.as_slice();
        while let Some((first, more)) = rest.split_first() {
            let Some((name, init)) = first.strip_prefix("let mut ").and_then(|l| l.split_once(" = ")) else { break };
            if !INITIAL.contains(&init.trim()) || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
                return Some(format!("`{first}` is not an output variable with a constant start"));
            }
            vars.push(name.to_string());
            rest = more;
        }
        match rest {
            [] if is_boundary_call(tail, exported) && vars.len() == 1 => None,
            [one] => {
                let call = one.strip_prefix("let rc = ").unwrap_or(one);
                if !is_boundary_call(call, exported) {
                    return Some(format!("`{}` is not one boundary call", &call[..call.len().min(60)]));
                }
                let allowed = |t: &str| vars.iter().any(|v| v == t) || ["ftp_result::FTP_OK", "==", "&&"].contains(&t);
                tail.split_whitespace().find(|t| !allowed(t)).map(|t| format!("the tail `{tail}` uses `{t}`"))
            }
            _ => Some(format!("{} statements around the boundary call", rest.len())),
        }
    }

    /// Every item `#[unsafe(no_mangle)]` exports is a `pub extern "C" fn` whose body is
    /// one call of this module's boundary (or of another exported function, which has
    /// one): nothing reaches C around it, and nothing else is exported.
    #[test]
    fn every_exported_function_goes_through_the_boundary() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capi");
        let files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .map(|p| {
                let text = masked(&std::fs::read_to_string(&p).unwrap());
                // Test modules are not in the library (and this one names the attribute).
                let library = text.split("#[cfg(test)]").next().unwrap().to_string();
                (p.file_name().unwrap().to_string_lossy().into_owned(), library)
            })
            .collect();
        const ATTR: &str = "#[unsafe(no_mangle)]";
        const SIGNATURE: &str = "pub extern \"C\" fn ";
        let mut exported = Vec::new();
        for (_, text) in &files {
            for (at, _) in text.match_indices(ATTR) {
                let item = text[at + ATTR.len()..].trim_start();
                if let Some(sig) = item.strip_prefix(SIGNATURE) {
                    exported.push(sig[..sig.find('(').unwrap()].to_string());
                }
            }
        }
        let (mut checked, mut marked, mut bad) = (0, 0, Vec::new());
        for (file, text) in &files {
            marked += text.matches("no_mangle").count();
            for other in ["export_name", "#[no_mangle]", "link_section"] {
                if text.contains(other) {
                    bad.push(format!("{file}: `{other}` exports around the boundary"));
                }
            }
            for (at, _) in text.match_indices(ATTR) {
                checked += 1;
                let mut item = text[at + ATTR.len()..].trim_start();
                // Lint attributes change nothing at run time.
                while item.starts_with("#[allow(") {
                    item = item[1 + balanced(&item[1..])..].trim_start();
                }
                let Some(sig) = item.strip_prefix(SIGNATURE) else {
                    bad.push(format!("{file}: `{}` is not `{SIGNATURE}`", item.lines().next().unwrap()));
                    continue;
                };
                let name = &sig[..sig.find('(').unwrap()];
                let open = sig.find('{').unwrap();
                let body = &sig[open + 1..open + balanced(&sig[open..]) - 1];
                if let Some(problem) = body_problem(body, &exported) {
                    bad.push(format!("{file}: {name}: {problem}"));
                }
            }
        }
        assert!(checked > 100, "found only {checked} exported functions");
        assert_eq!(checked, marked, "a `no_mangle` that is not `{ATTR}` on an item");
        assert!(bad.is_empty(), "exported functions that do not go through capi::handle: {bad:#?}");
    }

    /// The check above rejects each way around it it knows of.
    #[test]
    fn the_boundary_check_rejects_code_around_the_call() {
        let exported = vec!["ftp_other".to_string()];
        let ok = |b: &str| body_problem(b, &exported);
        assert_eq!(ok("call(h, |s| { s.x(); Ok(()) })"), None);
        assert_eq!(ok("handle::read(u, 0, |st| st.n)"), None);
        assert_eq!(ok("ftp_other(h, 1)"), None);
        assert_eq!(ok("use a::b::*; const MAX: u32 = 32_767; touch(h, 0, 1, |s| MAX)"), None);
        assert_eq!(
            ok(
                "let mut found = false; let rc = call(h, |s| { found = true; Ok(()) }); rc == ftp_result::FTP_OK && found"
            ),
            None
        );
        assert_eq!(ok("let mut out = std::ptr::null(); call(h, |s| Ok(())); out"), None);
        for evasion in [
            "danger(); call(h, |s| Ok(()))",
            "let rc = call(h, |s| Ok(())); danger(); rc",
            "call(h, |s| Ok(())); danger()",
            "call(h, |s| Ok(())).then(danger)",
            "call(h, |s| Ok(())) + danger()",
            "let mut x = danger(); call(h, |s| Ok(())); x",
            "let mut out = std::ptr::null(); call(h, |s| Ok(())); unsafe { *out }",
            "unsafe { danger() }",
            "danger(h)",
            "const X: u32 = danger(); call(h, |s| Ok(()))",
            "use x; danger(); call(h, |s| Ok(()))",
        ] {
            assert!(ok(evasion).is_some(), "not rejected: {evasion}");
        }
        let text = masked("#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn f() { \"}\"; danger() } // no_mangle");
        assert_eq!(text.matches("no_mangle").count(), 1, "comments are not counted");
        assert_eq!(balanced(&text[text.find('{').unwrap()..]), "{ \"_\"; danger() }".len());
    }

    #[test]
    fn shared_calls_run_together_keep_messages_per_thread_and_defer_the_free() {
        let (h, dropped) = thing();
        let addr = h as usize;
        let rc = shared(h, |_| {
            // Another thread gets in at the same time, and its failure is its own.
            let other = std::thread::spawn(move || {
                let rc = shared(addr as *const Thing, |_| Err(Failure::Null("x")));
                // SAFETY: shared_last_error returns this thread's NUL-terminated message.
                let msg = unsafe { std::ffi::CStr::from_ptr(shared_last_error()) }.to_str().unwrap().to_string();
                (rc, msg)
            });
            assert_eq!(other.join().unwrap(), (ftp_result::FTP_E_NULL, "x is NULL".to_string()));
            // A free from inside waits until this call leaves; newcomers are refused.
            free(addr as *mut Thing);
            assert!(!dropped.load(Ordering::SeqCst), "freed under a shared call");
            let late = std::thread::spawn(move || shared(addr as *const Thing, |_| Ok(())));
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
        assert_eq!(shared(h, |_| panic!("deliberate test panic")), ftp_result::FTP_E_PANIC);
        let mut ran = false;
        let rc = shared(h, |_| {
            ran = true;
            Ok(())
        });
        assert_eq!((rc, ran), (ftp_result::FTP_E_PANIC, false));
        // SAFETY: as above.
        let msg = unsafe { std::ffi::CStr::from_ptr(shared_last_error()) }.to_string_lossy().into_owned();
        assert!(msg.contains("deliberate test panic"), "{msg}");
        assert_eq!(shared(std::ptr::null::<Thing>(), |_| Ok(())), ftp_result::FTP_E_NULL);
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
        let freer = touch(h, None, None, |_| {
            let freer = std::thread::spawn(move || free(addr as *mut Thing));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!d.load(Ordering::SeqCst), "freed under touch");
            Some(freer)
        });
        // The free found nobody inside (touch is outside the guard), and waited for it.
        freer.expect("touch ran").join().unwrap();
        assert!(dropped.load(Ordering::SeqCst));
    }
}
