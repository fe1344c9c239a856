//! Progress reports during transfers, at a bounded rate, and the meter that also
//! watches for an interrupt (`interrupt.rs`) between blocks.

use crate::interrupt::Interrupter;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Bytes moved so far on the data connection (after any REST offset: see `offset`).
    pub bytes: u64,
    /// The bytes expected on the data connection, when known: the 150 reply's size for a
    /// whole file, else what SIZE (or the listing a mirror has) said, less the REST
    /// offset (whole-file helpers only for SIZE).
    pub total: Option<u64>,
    /// Time since the transfer started.
    pub elapsed: Duration,
    /// Average rate so far, in bytes per second.
    pub rate: f64,
    /// Where the transfer started in the file: the REST offset (0 without one). The
    /// absolute position is `offset + bytes`, the file's whole size `offset + total`.
    pub offset: u64,
}

/// What a callback says: `Flow::Continue(())` to go on, `Flow::Break(())` to stop
/// (cancel) the transfer or listing it is called from.
pub type Flow = ControlFlow<()>;

/// Receives progress reports; `Flow::Break` cancels the transfer.
pub type ProgressSink = Box<dyn FnMut(&Progress) -> Flow + Send>;

/// The shortest time between two reports unless the caller chooses another.
pub const DEFAULT_PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Counts a transfer's bytes, reports progress no more often than `interval`, and says
/// when to stop (the sink asked to, or the session was interrupted).
pub(crate) struct Meter {
    pub sink: Option<ProgressSink>,
    interval: Duration,
    interrupter: Interrupter,
    start: Instant,
    last: Option<Instant>,
    bytes: u64,
    total: Option<u64>,
    offset: u64,
    /// The bytes the last report gave, so the final one is not sent twice.
    reported: Option<u64>,
}

/// Why a meter says stop.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Cancelled,
    Interrupted,
}

impl Meter {
    pub fn new(sink: Option<ProgressSink>, interval: Duration, interrupter: Interrupter) -> Meter {
        Meter {
            sink,
            interval,
            interrupter,
            start: Instant::now(),
            last: None,
            bytes: 0,
            total: None,
            offset: 0,
            reported: None,
        }
    }

    /// The bytes expected after `offset` (the REST point) and that offset.
    pub fn set_total(&mut self, total: Option<u64>, offset: u64) {
        self.total = total;
        self.offset = offset;
    }

    /// The bytes counted so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn interrupted(&self) -> bool {
        self.interrupter.requested()
    }

    fn report(&mut self, now: Instant) -> Result<(), Stop> {
        let Some(sink) = self.sink.as_mut() else { return Ok(()) };
        self.last = Some(now);
        self.reported = Some(self.bytes);
        let elapsed = now - self.start;
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.bytes as f64 / secs } else { 0.0 };
        let p = Progress { bytes: self.bytes, total: self.total, elapsed, rate, offset: self.offset };
        if sink(&p).is_break() { Err(Stop::Cancelled) } else { Ok(()) }
    }

    /// Counts `n` more bytes; reports if the interval has passed since the last report.
    pub fn add(&mut self, n: usize) -> Result<(), Stop> {
        if self.interrupted() {
            return Err(Stop::Interrupted);
        }
        self.bytes += n as u64;
        let now = Instant::now();
        if self.last.is_none_or(|l| now - l >= self.interval) {
            self.report(now)?;
        }
        Ok(())
    }

    /// The final report, with every byte counted: none when the last report already
    /// gave them all (at interval 0, every block is reported as it comes).
    pub fn finish(&mut self) -> Result<(), Stop> {
        if self.interrupted() {
            return Err(Stop::Interrupted);
        }
        if self.reported == Some(self.bytes) {
            return Ok(());
        }
        self.report(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn reports_are_rate_limited_and_the_last_one_is_complete() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = Arc::clone(&seen);
        let sink: ProgressSink = Box::new(move |p| {
            s2.lock().unwrap().push((p.bytes, p.total));
            Flow::Continue(())
        });
        let mut m = Meter::new(Some(sink), Duration::from_secs(3600), Interrupter::default());
        m.set_total(Some(3000), 0);
        for _ in 0..3 {
            m.add(1000).unwrap();
        }
        m.finish().unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![(1000, Some(3000)), (3000, Some(3000))]);
    }

    #[test]
    fn at_interval_zero_the_last_report_comes_once() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = Arc::clone(&seen);
        let sink: ProgressSink = Box::new(move |p| {
            s2.lock().unwrap().push((p.offset, p.bytes, p.total));
            Flow::Continue(())
        });
        let mut m = Meter::new(Some(sink), Duration::ZERO, Interrupter::default());
        m.set_total(Some(20), 100);
        m.add(10).unwrap();
        m.add(10).unwrap();
        m.finish().unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![(100, 10, Some(20)), (100, 20, Some(20))]);
        // An empty transfer still gets its one report.
        let count = Arc::new(Mutex::new(0));
        let c2 = Arc::clone(&count);
        let sink: ProgressSink = Box::new(move |_| {
            *c2.lock().unwrap() += 1;
            Flow::Continue(())
        });
        let mut m = Meter::new(Some(sink), Duration::ZERO, Interrupter::default());
        m.finish().unwrap();
        assert_eq!(*count.lock().unwrap(), 1);
    }

    #[test]
    fn a_sink_or_an_interrupt_stops_it() {
        let mut m = Meter::new(Some(Box::new(|_: &Progress| Flow::Break(()))), Duration::ZERO, Interrupter::default());
        assert_eq!(m.add(1), Err(Stop::Cancelled));
        let i = Interrupter::default();
        let mut m = Meter::new(None, Duration::ZERO, i.clone());
        m.add(1).unwrap();
        i.interrupt();
        assert_eq!(m.add(1), Err(Stop::Interrupted));
        assert!(!i.transfer_starts(), "calls not marked: the next transfer starts afresh");
        assert!(m.add(1).is_ok());
    }
}
