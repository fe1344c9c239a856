//! Interrupting a blocked call from another thread: the request, and the sockets a
//! session registers so that a request can shut them down.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Lets another thread stop what a session is blocked in. Cloning shares it.
#[derive(Clone, Default)]
pub struct Interrupter(Arc<InterruptState>);

#[derive(Default)]
struct InterruptState {
    requested: AtomicBool,
    /// A layer marks where calls begin and end (`set_idle`): a request then holds for
    /// the rest of the call, across the transfers of a mirror, say.
    calls_marked: AtomicBool,
    sockets: Mutex<Sockets>,
}

/// Second handles on the session's sockets, so `interrupt` can wake a blocked read or
/// write without touching the session itself.
#[derive(Default)]
struct Sockets {
    control: Option<TcpStream>,
    data: Option<TcpStream>,
    /// Set between calls by a caller that tracks them: an interrupt then does nothing.
    idle: bool,
    /// When an interrupt shut down a transfer's data connection: the transfer is being
    /// aborted (ABOR and its replies), which a further interrupt must not turn into a
    /// closed session, at least for SETTLE_GRACE.
    settling_since: Option<Instant>,
}

/// How long a transfer an interrupt stopped may take to settle (ABOR and its replies)
/// before a further interrupt shuts down the control connection too. Callers that
/// repeat an interrupt until the call returns (the Go binding does, every 10 ms) then
/// get the clean abort; one stuck on a silent server is still freed.
pub const SETTLE_GRACE: Duration = Duration::from_secs(2);

impl Interrupter {
    fn sockets(&self) -> MutexGuard<'_, Sockets> {
        self.0.sockets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops the call in progress: a transfer's data connection is shut down (the
    /// transfer is then aborted the usual way and the session stays usable); with no
    /// data connection, the control connection is (the session is then closed), except
    /// within SETTLE_GRACE of an interrupt that stopped a transfer. Between calls marked
    /// with `set_idle(true)` it does nothing at all.
    pub fn interrupt(&self) {
        // Checked and acted on under the lock that set_idle takes: once a call has
        // marked its end, no interrupt reaches its connection. One that comes while the
        // call is returning still can (the call's result stands, the session is closed).
        let mut sockets = self.sockets();
        if sockets.idle {
            return;
        }
        self.0.requested.store(true, Ordering::SeqCst);
        if let Some(data) = sockets.data.as_ref() {
            let _ = data.shutdown(Shutdown::Both);
            sockets.settling_since.get_or_insert_with(Instant::now);
            return;
        }
        if sockets.settling_since.is_some_and(|since| since.elapsed() < SETTLE_GRACE) {
            return;
        }
        if let Some(control) = sockets.control.as_ref() {
            let _ = control.shutdown(Shutdown::Both);
        }
    }

    /// Stops only a transfer: its data connection is shut down as `interrupt` does, and
    /// the request holds as with `interrupt`; with no transfer running the control
    /// connection is left alone (a segmented download cancels its sessions so: the
    /// caller's session stays usable between two segments).
    pub(crate) fn interrupt_transfer(&self) {
        let mut sockets = self.sockets();
        if sockets.idle {
            return;
        }
        self.0.requested.store(true, Ordering::SeqCst);
        if let Some(data) = sockets.data.as_ref() {
            let _ = data.shutdown(Shutdown::Both);
            sockets.settling_since.get_or_insert_with(Instant::now);
        }
    }

    /// Marks whether the session is between calls. A layer that knows when calls run
    /// (the C API does) sets it, so a late interrupt cannot close an idle session, and
    /// one during a call stops the call, not just the transfer it hit (a request that
    /// came between two transfers stops the next one).
    pub fn set_idle(&self, idle: bool) {
        let mut sockets = self.sockets();
        self.0.calls_marked.store(true, Ordering::SeqCst);
        sockets.idle = idle;
        if !idle {
            sockets.settling_since = None;
            self.0.requested.store(false, Ordering::SeqCst);
        }
    }

    /// True once `interrupt` was called in this call (or, where calls are not marked,
    /// since the current transfer started).
    pub fn requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// At the start of a transfer: whether the call was already interrupted. Where
    /// calls are not marked, an earlier request is forgotten instead.
    /// Whether `other` is this same interrupter (a clone of it): the same session.
    pub(crate) fn same_as(&self, other: &Interrupter) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn transfer_starts(&self) -> bool {
        if self.0.calls_marked.load(Ordering::SeqCst) {
            return self.requested();
        }
        self.0.requested.store(false, Ordering::SeqCst);
        false
    }

    pub(crate) fn set_control(&self, s: Option<&TcpStream>) {
        let mut sockets = self.sockets();
        sockets.control = s.and_then(|s| s.try_clone().ok());
        sockets.settling_since = None;
    }

    /// A new data connection (Some) ends any settling; its end (None) does not.
    pub(crate) fn set_data(&self, s: Option<&TcpStream>) {
        let mut sockets = self.sockets();
        if s.is_some() {
            sockets.settling_since = None;
        }
        sockets.data = s.and_then(|s| s.try_clone().ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_a_marked_call_an_interrupt_holds_for_its_later_transfers() {
        let i = Interrupter::default();
        i.set_idle(false);
        assert!(!i.transfer_starts());
        i.interrupt();
        assert!(i.transfer_starts() && i.transfer_starts(), "the rest of the call is stopped");
        i.set_idle(true);
        i.set_idle(false);
        assert!(!i.transfer_starts(), "a new call starts afresh");
    }

    #[test]
    fn an_interrupt_between_calls_does_nothing() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let i = Interrupter::default();
        i.set_control(Some(&client));
        i.set_idle(true);
        i.interrupt();
        assert!(!i.requested());
        // The connection is intact: bytes still flow both ways.
        std::io::Write::write_all(&mut &client, b"x").unwrap();
        let mut b = [0u8; 1];
        std::io::Read::read_exact(&mut server, &mut b).unwrap();
        i.set_idle(false);
        i.interrupt();
        assert!(i.requested());
        assert_eq!(std::io::Read::read(&mut server, &mut b).unwrap(), 0, "shut down by the interrupt");
    }
}
