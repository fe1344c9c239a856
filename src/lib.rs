//! libftp: an FTP client. The Rust core (`Ftp` and the modules behind it) knows nothing of
//! C; `capi` is the thin C layer that `include/ftp.h` is generated from.

#![deny(clippy::undocumented_unsafe_blocks)]

mod capi;
mod commands;
mod control;
mod data;
mod data_setup;
mod entry;
mod error;
mod extended;
mod features;
mod files;
mod filetime;
mod ftps;
mod interrupt;
mod listing;
mod mirror;
mod net;
mod opening;
mod options;
mod params;
mod parse;
mod progress;
mod proxy;
mod reconnect;
mod reconnect_state;
mod reply;
mod segmented;
mod session;
mod stream;
mod tls;
mod transfer;
mod url;
mod walk;
mod zerocopy;
mod pool;
mod batch;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use batch::{Batch, BatchFlow, BatchItem, BatchOptions, BatchProgress, BatchSink, BatchSummary, Direction, Local};
pub use control::{LogKind, LogSink};
pub use data::DataConn;
pub use entry::{Entry, EntryType};
pub use error::{Error, ErrorKind, ProxyFailure, Result, TlsFailure};
pub use features::Features;
pub use files::FileOptions;
pub use filetime::FileTime;
pub use interrupt::{Interrupter, SETTLE_GRACE};
pub use listing::MlsdEntry;
pub use mirror::{
    MAX_MIRROR_DEPTH, MAX_MIRROR_PARALLEL, MirrorAction, MirrorFailure, MirrorOptions, MirrorSink, MirrorStats,
    SymlinkPolicy, glob_match,
};
pub use net::Keepalive;
pub use options::{DEFAULT_PORT, FIRST_EPSV_WAIT, Options, PassiveMode, Timeouts};
pub use params::{ConnectParams, Login, Target};
pub use pool::{DEFAULT_IDLE_CHECK, DEFAULT_MAX_SESSIONS, Lease, Pool, PoolOptions, PoolStats, PooledFtp};
pub use progress::{DEFAULT_PROGRESS_INTERVAL, Flow, Progress, ProgressSink};
pub use proxy::{DEFAULT_PROXY_PORT, MAX_HTTP_REPLY, Proxy, ProxyKind};
pub use reconnect_state::ReconnectPolicy;
pub use reply::{MAX_LINE, MAX_REPLY, MAX_REPLY_LINES, Reply};
pub use segmented::{MAX_SEGMENTS, SegmentOptions, SessionSource};
pub use session::Ftp;
pub use tls::{ChainVerdict, IMPLICIT_PORT, KeyPassphrase, TlsConfig, TlsMode, TlsVersion};
pub use transfer::{CancelRead, DEFAULT_BLOCKSIZE, MAX_BLOCKSIZE, MAX_LISTED, MAX_LISTED_BYTES};
pub use url::FtpUrl;
pub use walk::{MAX_WALK_DEPTH, Refusal, WalkEntry};
