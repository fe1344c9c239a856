//! Modification times as servers give them (MDTM, MLSD "modify", LIST dates): UTC
//! seconds and nanoseconds, for the parsers and the commands alike.

/// A modification time: seconds since 1970-01-01 UTC and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileTime {
    pub secs: i64,
    pub nanos: u32,
}

impl FileTime {
    /// The current time.
    pub fn now() -> FileTime {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        FileTime { secs: d.as_secs() as i64, nanos: d.subsec_nanos() }
    }
}
