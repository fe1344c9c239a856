//! A session's settings that outlive its connections (`Options`: passive or active,
//! timeouts, TLS, keep-alive, source address, proxy, the tuning switches). A session
//! holds them; a pool or a reconnect opens new connections with them.

use crate::net::Keepalive;
use crate::tls::{TlsConfig, TlsMode};
use std::net::IpAddr;
use std::time::Duration;

/// The FTP port, used when the caller gives port 0.
pub const DEFAULT_PORT: u16 = 21;

/// Which command asks for a passive data port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PassiveMode {
    /// EPSV, then PASV if an IPv4 server refuses EPSV or leaves the connection's first
    /// EPSV unanswered for `FIRST_EPSV_WAIT` (the default; curl does the same but for
    /// the wait). On IPv6 only EPSV is sent.
    #[default]
    EpsvThenPasv,
    /// PASV only (curl's `--disable-epsv`): for servers and middleboxes that mishandle
    /// EPSV. PASV names an IPv4 address, so over IPv6 most servers refuse it.
    PasvOnly,
    /// EPSV only, never PASV: a refused or unanswered EPSV fails the transfer.
    EpsvOnly,
}

/// How long the first EPSV of a connection (EPSV then PASV mode, IPv4) is waited for
/// before PASV is tried instead (or the reply timeout, if shorter). A server or
/// middlebox that drops EPSV would otherwise cost the whole reply timeout and the
/// session. The wait ends no session: a 229 coming later cannot answer PASV and is
/// dropped (`Control::get_answer`), and EPSV is not sent again on that connection.
pub const FIRST_EPSV_WAIT: Duration = Duration::from_secs(5);

/// Settings that outlive a connection.
#[derive(Debug, Clone)]
pub struct Options {
    /// Passive mode (the default) or active (PORT/EPRT).
    pub passive: bool,
    /// Which command asks for a passive port (EPSV then PASV by default).
    pub passive_mode: PassiveMode,
    /// ABOR on a plain connection goes after Telnet IP and Synch (urgent data), as RFC
    /// 959 describes, instead of as a plain `ABOR` line (off by default: see
    /// `Ftp::set_abort_urgent`).
    pub abort_urgent: bool,
    /// Use the address a 227 reply names instead of the control connection's peer.
    pub trust_pasv_host: bool,
    /// The timeout given to `connect` (None: block), for each of the waits `Timeouts`
    /// names, unless `timeouts` says otherwise for one of them.
    pub timeout: Option<Duration>,
    /// Separate connect, reply and data timeouts, where set.
    pub timeouts: Timeouts,
    /// TCP keep-alive on control and data connections (off by default).
    pub keepalive: Option<Keepalive>,
    /// Local address to bind control and data connections to.
    pub source_address: Option<IpAddr>,
    /// Local port to bind the control connection to (0, the default: any). Data
    /// connections always take a port of the system's choice (see `set_source_port`).
    pub source_port: u16,
    /// The address announced in active mode (PORT/EPRT) instead of the local one.
    pub active_address: Option<IpAddr>,
    /// Plain FTP, explicit FTPS (AUTH TLS) or implicit FTPS, from the next connect on.
    pub tls_mode: TlsMode,
    /// TLS settings for the next connection.
    pub tls: TlsConfig,
    /// After a login: FEAT, and OPTS UTF8 ON when offered (on by default).
    pub feat_after_login: bool,
    /// Send a needed TYPE in the same write as the command after it (EPSV, PASV or
    /// SIZE), saving a round trip (on by default).
    pub pipelining: bool,
    /// Remember the representation type and send TYPE only when a transfer needs
    /// another one (on by default).
    pub cache_type: bool,
    /// Whole-file downloads over plain connections splice(2) the socket into the file
    /// where the file allows (on by default).
    pub zero_copy_download: bool,
    /// Whole-file uploads over plain connections sendfile(2) the file to the socket
    /// where the file allows. None (the default): only to a server on another host.
    /// A receiver on this machine is slowed by it: it then copies the bytes cold from
    /// our page cache instead of warm from our send copy (bench/RESULTS.md).
    pub zero_copy_upload: Option<bool>,
    /// Seconds the server's LIST times are ahead of UTC (its time zone's offset, e.g.
    /// 3600 for UTC+1; 0, the default: taken as UTC). Parsed LIST entries have it taken
    /// off; MLSD and MDTM times are UTC and stay as they are. See `set_list_time_offset`.
    pub list_time_offset: i32,
    /// The proxy control and data connections go through, from the next connect on
    /// (None, the default: direct). Passive mode only (`Ftp::set_proxy`).
    pub proxy: Option<crate::proxy::Proxy>,
}

/// Separate timeouts for the three kinds of waiting. A field left `None` follows the
/// timeout given to `connect`; `Some(None)` means no timeout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a control or data connection (and the server's active-mode connect).
    pub connect: Option<Option<Duration>>,
    /// How long a whole reply may take to come (however slowly its bytes drip), each
    /// write of a command, and the control connection's TLS handshake as a whole.
    pub reply: Option<Option<Duration>>,
    /// Each read or write on a data connection (how long a transfer may stall), and a
    /// data connection's TLS handshake as a whole.
    pub data: Option<Option<Duration>>,
}

impl Options {
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.timeouts.connect.unwrap_or(self.timeout)
    }

    pub fn reply_timeout(&self) -> Option<Duration> {
        self.timeouts.reply.unwrap_or(self.timeout)
    }

    pub fn data_timeout(&self) -> Option<Duration> {
        self.timeouts.data.unwrap_or(self.timeout)
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            passive: true,
            passive_mode: PassiveMode::EpsvThenPasv,
            abort_urgent: false,
            trust_pasv_host: false,
            timeout: None,
            timeouts: Timeouts::default(),
            keepalive: None,
            source_address: None,
            source_port: 0,
            active_address: None,
            tls_mode: TlsMode::Off,
            tls: TlsConfig::default(),
            feat_after_login: true,
            pipelining: true,
            cache_type: true,
            zero_copy_download: true,
            zero_copy_upload: None,
            list_time_offset: 0,
            proxy: None,
        }
    }
}
