//! libftp's C API (include/ftp.h) for Zig: handles that own their C objects
//! (`Session`, `Data`, `EntryList`, `TlsConfig`, `Url`, `Pool`, `Batch`), error unions
//! instead of result codes, slices for buffers and names, allocators passed in
//! wherever memory is handed to the caller, and callbacks given as a context plus a
//! Zig function known at compile time (`context: anytype, comptime f: fn (@TypeOf(context), ...)`).
//!
//! A context is a pointer (passed to C as userdata and back to `f` unchanged) or
//! `{}` for none. Callbacks that stay set after the call (log, progress, TLS verify,
//! batch progress) keep the pointer: what it points to must outlive the setting.
//! A callback returns `true` to go on and `false` to cancel (error.Cancelled).
//!
//! Borrowed slices (`lastError()`, `welcome()`, entry names...) are valid until the
//! next call on the object that handed them out, as the C header says; copy them
//! (e.g. with `allocator.dupe`) to keep them. Strings passed in are `[:0]const u8`.
const std = @import("std");
pub const c = @import("c");

/// libftp's result codes (FTP_E_* in ftp.h) as Zig errors, one per code.
pub const Error = error{
    Reply,
    Temp,
    Perm,
    Proto,
    Io,
    Timeout,
    Closed,
    Resolve,
    Cancelled,
    Invalid,
    Null,
    State,
    Recursive,
    Busy,
    Panic,
    Tls,
    TlsUntrusted,
    TlsHostname,
    TlsExpired,
    TlsRequired,
    Interrupted,
    TlsPinned,
    Proxy,
    ProxyAuth,
    /// A code this binding does not know (a newer library).
    Unknown,
};

/// Turns an ftp_result into an error union.
pub fn check(rc: c.ftp_result) Error!void {
    return switch (rc) {
        c.FTP_OK => {},
        c.FTP_E_REPLY => error.Reply,
        c.FTP_E_TEMP => error.Temp,
        c.FTP_E_PERM => error.Perm,
        c.FTP_E_PROTO => error.Proto,
        c.FTP_E_IO => error.Io,
        c.FTP_E_TIMEOUT => error.Timeout,
        c.FTP_E_CLOSED => error.Closed,
        c.FTP_E_RESOLVE => error.Resolve,
        c.FTP_E_CANCELLED => error.Cancelled,
        c.FTP_E_INVALID => error.Invalid,
        c.FTP_E_NULL => error.Null,
        c.FTP_E_STATE => error.State,
        c.FTP_E_RECURSIVE => error.Recursive,
        c.FTP_E_BUSY => error.Busy,
        c.FTP_E_PANIC => error.Panic,
        c.FTP_E_TLS => error.Tls,
        c.FTP_E_TLS_UNTRUSTED => error.TlsUntrusted,
        c.FTP_E_TLS_HOSTNAME => error.TlsHostname,
        c.FTP_E_TLS_EXPIRED => error.TlsExpired,
        c.FTP_E_TLS_REQUIRED => error.TlsRequired,
        c.FTP_E_INTERRUPTED => error.Interrupted,
        c.FTP_E_TLS_PINNED => error.TlsPinned,
        c.FTP_E_PROXY => error.Proxy,
        c.FTP_E_PROXY_AUTH => error.ProxyAuth,
        else => error.Unknown,
    };
}

/// The ftp_result code of an error (error.Unknown gives -1).
pub fn code(err: Error) c_int {
    return switch (err) {
        error.Reply => c.FTP_E_REPLY,
        error.Temp => c.FTP_E_TEMP,
        error.Perm => c.FTP_E_PERM,
        error.Proto => c.FTP_E_PROTO,
        error.Io => c.FTP_E_IO,
        error.Timeout => c.FTP_E_TIMEOUT,
        error.Closed => c.FTP_E_CLOSED,
        error.Resolve => c.FTP_E_RESOLVE,
        error.Cancelled => c.FTP_E_CANCELLED,
        error.Invalid => c.FTP_E_INVALID,
        error.Null => c.FTP_E_NULL,
        error.State => c.FTP_E_STATE,
        error.Recursive => c.FTP_E_RECURSIVE,
        error.Busy => c.FTP_E_BUSY,
        error.Panic => c.FTP_E_PANIC,
        error.Tls => c.FTP_E_TLS,
        error.TlsUntrusted => c.FTP_E_TLS_UNTRUSTED,
        error.TlsHostname => c.FTP_E_TLS_HOSTNAME,
        error.TlsExpired => c.FTP_E_TLS_EXPIRED,
        error.TlsRequired => c.FTP_E_TLS_REQUIRED,
        error.Interrupted => c.FTP_E_INTERRUPTED,
        error.TlsPinned => c.FTP_E_TLS_PINNED,
        error.Proxy => c.FTP_E_PROXY,
        error.ProxyAuth => c.FTP_E_PROXY_AUTH,
        error.Unknown => -1,
    };
}

/// The library's description of an error, e.g. "permanent failure reported by the
/// server (5xx)" (static).
pub fn describe(err: Error) []const u8 {
    return std.mem.span(c.ftp_strerror(code(err)));
}

/// The library's version string, e.g. "1.1.0".
pub fn version() []const u8 {
    return std.mem.span(c.ftp_version());
}

/// The library's version as MAJOR * 10000 + MINOR * 100 + PATCH (compare with
/// c.FTP_VERSION_NUM, the header's).
pub fn versionNum() u32 {
    return c.ftp_version_num();
}

// --- helpers -----------------------------------------------------------------

fn ud(context: anytype) ?*anyopaque {
    return switch (@typeInfo(@TypeOf(context))) {
        .pointer => @ptrCast(@constCast(context)),
        .void => null,
        else => @compileError("a callback context is a pointer or {}, not " ++ @typeName(@TypeOf(context))),
    };
}

fn ctxOf(comptime Ctx: type, p: ?*anyopaque) Ctx {
    return switch (@typeInfo(Ctx)) {
        .pointer => @ptrCast(@alignCast(p)),
        .void => {},
        else => unreachable,
    };
}

fn optZ(s: ?[:0]const u8) [*c]const u8 {
    return if (s) |v| v.ptr else null;
}

fn spanOpt(p: [*c]const u8) ?[]const u8 {
    return if (p == null) null else std.mem.span(p);
}

fn spanLen(p: [*c]const u8, len: usize) []const u8 {
    return if (p == null) "" else p[0..len];
}

fn restArg(rest: ?u64) i64 {
    return if (rest) |r| @intCast(r) else c.FTP_NO_REST;
}

/// At most this many strings in a NULL-terminated list (MLSD facts, mirror skip
/// patterns); more is error.Invalid.
pub const max_list = 64;

fn cList(buf: *[max_list + 1][*c]const u8, items: []const [:0]const u8) Error![*c]const [*c]const u8 {
    if (items.len > max_list) return error.Invalid;
    for (items, 0..) |s, i| buf[i] = s.ptr;
    buf[items.len] = null;
    return @ptrCast(buf);
}

// --- plain types -------------------------------------------------------------

/// A time as UTC: seconds since 1970-01-01 and nanoseconds.
pub const Time = struct { secs: i64, nanos: u32 = 0 };

/// FTP_FILE_* flags of the whole-file transfers.
pub const FileFlags = packed struct(u32) {
    /// FTP_FILE_RESUME: continue a partial transfer.
    resume_partial: bool = false,
    /// FTP_FILE_PRESERVE_MTIME: give the copy the original's time.
    preserve_mtime: bool = false,
    /// FTP_FILE_ATOMIC: download into PATH.part, renamed when complete.
    atomic: bool = false,
    /// FTP_FILE_VERIFY_SIZE: check the final size against SIZE.
    verify_size: bool = false,
    /// FTP_FILE_APPEND (uploads): send with APPE.
    append: bool = false,
    _pad: u27 = 0,

    pub fn bits(self: FileFlags) u32 {
        return @bitCast(self);
    }
};

/// FTP_MIRROR_* flags.
pub const MirrorFlags = packed struct(u32) {
    delete: bool = false,
    dry_run: bool = false,
    follow_symlinks: bool = false,
    _pad: u29 = 0,

    pub fn bits(self: MirrorFlags) u32 {
        return @bitCast(self);
    }
};

/// ftp_entry_type.
pub const EntryKind = enum(c_uint) {
    unknown = c.FTP_ENTRY_UNKNOWN,
    file = c.FTP_ENTRY_FILE,
    dir = c.FTP_ENTRY_DIR,
    cdir = c.FTP_ENTRY_CDIR,
    pdir = c.FTP_ENTRY_PDIR,
    link = c.FTP_ENTRY_LINK,
    special = c.FTP_ENTRY_SPECIAL,
    other = c.FTP_ENTRY_OTHER,
    _,
};

/// ftp_log_kind.
pub const LogKind = enum(c_uint) {
    cmd = c.FTP_LOG_CMD,
    resp = c.FTP_LOG_RESP,
    put = c.FTP_LOG_PUT,
    get = c.FTP_LOG_GET,
    _,
};

/// ftp_mirror_action.
pub const MirrorAction = enum(c_uint) {
    get = c.FTP_MIRROR_GET,
    put = c.FTP_MIRROR_PUT,
    mkdir = c.FTP_MIRROR_MKDIR,
    remove = c.FTP_MIRROR_REMOVE,
    unchanged = c.FTP_MIRROR_UNCHANGED,
    skipped = c.FTP_MIRROR_SKIPPED,
    skipped_link = c.FTP_MIRROR_SKIPPED_LINK,
    refused = c.FTP_MIRROR_REFUSED,
    failed = c.FTP_MIRROR_FAILED,
    _,
};

/// ftp_tls_mode.
pub const TlsMode = enum(c_int) {
    off = c.FTP_TLS_OFF,
    explicit = c.FTP_TLS_EXPLICIT,
    implicit = c.FTP_TLS_IMPLICIT,
};

/// ftp_tls_version.
pub const TlsVersion = enum(c_int) {
    default = c.FTP_TLS_VERSION_DEFAULT,
    tls1_0 = c.FTP_TLS_VERSION_1_0,
    tls1_1 = c.FTP_TLS_VERSION_1_1,
    tls1_2 = c.FTP_TLS_VERSION_1_2,
    tls1_3 = c.FTP_TLS_VERSION_1_3,
};

/// ftp_passive_mode.
pub const PassiveMode = enum(c_int) {
    epsv_then_pasv = c.FTP_PASSIVE_EPSV_THEN_PASV,
    pasv_only = c.FTP_PASSIVE_PASV_ONLY,
    epsv_only = c.FTP_PASSIVE_EPSV_ONLY,
};

/// A progress report (ftp_progress2_cb).
pub const Progress = struct {
    /// where the transfer started in the file (its REST offset, 0 without one):
    /// offset + bytes is the absolute position.
    offset: u64 = 0,
    /// bytes moved since offset.
    bytes: u64,
    /// null when unknown.
    total: ?u64,
    /// average bytes per second.
    rate: f64,
};

/// One directory entry of a listing (ftp_entry). Borrowed: valid during the
/// callback that got it, or until its EntryList is freed.
pub const Entry = struct {
    e: *const c.ftp_entry,

    /// The name as the server's bytes (not necessarily UTF-8).
    pub fn name(self: Entry) []const u8 {
        var n: usize = 0;
        return spanLen(c.ftp_entry_name(self.e, &n), n);
    }
    pub fn kind(self: Entry) EntryKind {
        return @fromBackingInt(@intCast(c.ftp_entry_kind(self.e)));
    }
    pub fn size(self: Entry) ?u64 {
        var n: u64 = 0;
        return if (c.ftp_entry_size(self.e, &n)) n else null;
    }
    pub fn mtime(self: Entry) ?Time {
        var t: Time = .{ .secs = 0 };
        return if (c.ftp_entry_mtime(self.e, &t.secs, &t.nanos)) t else null;
    }
    /// Unix permission bits, e.g. 0o644.
    pub fn mode(self: Entry) ?u32 {
        const m = c.ftp_entry_mode(self.e);
        return if (m < 0) null else @intCast(m);
    }
    /// MLSD's "perm" fact.
    pub fn perm(self: Entry) ?[]const u8 {
        return spanOpt(c.ftp_entry_perm(self.e));
    }
    /// MLSD's "unique" fact.
    pub fn unique(self: Entry) ?[]const u8 {
        return spanOpt(c.ftp_entry_unique(self.e));
    }
    pub fn owner(self: Entry) ?[]const u8 {
        return spanOpt(c.ftp_entry_owner(self.e));
    }
    pub fn group(self: Entry) ?[]const u8 {
        return spanOpt(c.ftp_entry_group(self.e));
    }
    /// Where a symbolic link points.
    pub fn linkTarget(self: Entry) ?[]const u8 {
        var n: usize = 0;
        const p = c.ftp_entry_link_target(self.e, &n);
        return if (p == null) null else p[0..n];
    }
    /// The raw MLSD facts or LIST line.
    pub fn raw(self: Entry) []const u8 {
        var n: usize = 0;
        return spanLen(c.ftp_entry_raw(self.e, &n), n);
    }
};

/// One entry of a walk (ftp_walk_cb), valid only during the callback.
pub const WalkEntry = struct {
    /// the root joined with the names below it by '/'.
    path: []const u8,
    /// 1 for the root's own entries.
    depth: u32,
    entry: Entry,
    /// the name is no plain file name: path is the parent's, nothing is done with it.
    unsafe_name: bool = false,
    /// a directory seen above (its MLSD "unique" id): reported, not entered.
    loop: bool = false,
};

/// A whole listing in memory (ftp_entry_list); free with deinit().
pub const EntryList = struct {
    h: *c.ftp_entry_list,

    pub fn deinit(self: *EntryList) void {
        c.ftp_entry_list_free(self.h);
        self.* = undefined;
    }
    pub fn len(self: EntryList) usize {
        return c.ftp_entry_list_len(self.h);
    }
    /// The i-th entry (i below len()).
    pub fn get(self: EntryList, i: usize) Entry {
        return .{ .e = c.ftp_entry_list_get(self.h, i) orelse unreachable };
    }
    /// The first entry of that name, if any.
    pub fn find(self: EntryList, name: []const u8) ?Entry {
        for (0..self.len()) |i| {
            const e = self.get(i);
            if (std.mem.eql(u8, e.name(), name)) return e;
        }
        return null;
    }
};

/// Parses one LIST line without a server (an empty list for "total 12").
pub fn parseListLine(line: [:0]const u8) Error!EntryList {
    var out: ?*c.ftp_entry_list = null;
    try check(c.ftp_parse_list_line(line.ptr, &out));
    return .{ .h = out.? };
}

/// One MLSD entry, valid during the mlsd() callback only.
pub const MlsdEntry = struct {
    e: *const c.ftp_mlsd_entry,

    pub fn name(self: MlsdEntry) []const u8 {
        var n: usize = 0;
        return spanLen(c.ftp_mlsd_entry_name(self.e, &n), n);
    }
    /// A fact by name, any case ("type", "size", "modify"...).
    pub fn fact(self: MlsdEntry, fact_name: [:0]const u8) ?[]const u8 {
        return spanOpt(c.ftp_mlsd_entry_fact(self.e, fact_name.ptr));
    }
    pub fn factCount(self: MlsdEntry) usize {
        return c.ftp_mlsd_entry_fact_count(self.e);
    }
    /// The fact at index (lower-cased name, value).
    pub fn factAt(self: MlsdEntry, index: usize) Error!struct { name: []const u8, value: []const u8 } {
        var n: [*c]const u8 = null;
        var v: [*c]const u8 = null;
        try check(c.ftp_mlsd_entry_fact_at(self.e, index, &n, &v));
        return .{ .name = std.mem.span(n), .value = std.mem.span(v) };
    }
};

/// A data connection from Session.transfercmd(): read or write it, close() it, then
/// deinit() it and call Session.voidresp().
pub const Data = struct {
    h: *c.ftp_data,

    /// Reads up to buf.len bytes; 0 at the end of the file.
    pub fn read(self: Data, buf: []u8) Error!usize {
        var n: usize = 0;
        try check(c.ftp_data_read(self.h, buf.ptr, buf.len, &n));
        return n;
    }
    /// Writes all of bytes.
    pub fn write(self: Data, bytes: []const u8) Error!void {
        try check(c.ftp_data_write(self.h, bytes.ptr, bytes.len));
    }
    /// Ends an upload, waiting at most timeout_ms (ftp_data_close).
    pub fn close(self: Data, timeout_ms: u32) Error!void {
        try check(c.ftp_data_close(self.h, timeout_ms));
    }
    pub fn lastError(self: Data) []const u8 {
        return spanOpt(c.ftp_data_last_error(self.h)) orelse "";
    }
    pub fn deinit(self: *Data) void {
        c.ftp_data_free(self.h);
        self.* = undefined;
    }
};

/// Counts from a mirror.
pub const MirrorStats = struct { files: u64 = 0, bytes: u64 = 0 };

/// One entry a mirror could not copy (borrowed from the session until its next mirror).
pub const MirrorFailure = struct {
    path: []const u8,
    err: Error,
    reply_code: i32,
    message: []const u8,
};

// --- TLS ---------------------------------------------------------------------

/// What a TLS verify callback is shown (ftp_tls_verify_cb); valid during the call.
pub const VerifyInfo = struct {
    certs: [*c]const [*c]const u8,
    cert_lens: [*c]const usize,
    count: usize,
    /// OpenSSL's verdict.
    verified: bool,
    x509_error: i32,
    reason: []const u8,

    /// Certificate i (DER), the server's own first.
    pub fn cert(self: VerifyInfo, i: usize) []const u8 {
        return self.certs[i][0..self.cert_lens[i]];
    }
};

/// TLS settings (ftp_tls_config), given to sessions with Session.setTls() (copied).
pub const TlsConfig = struct {
    h: *c.ftp_tls_config,

    pub fn init() error{OutOfMemory}!TlsConfig {
        return .{ .h = c.ftp_tls_config_new() orelse return error.OutOfMemory };
    }
    pub fn deinit(self: *TlsConfig) void {
        c.ftp_tls_config_free(self.h);
        self.* = undefined;
    }
    /// Why the last failed setter failed.
    pub fn lastError(self: TlsConfig) []const u8 {
        return spanOpt(c.ftp_tls_config_last_error(self.h)) orelse "";
    }
    /// Trust only the CAs of a PEM file (null: the system store).
    pub fn setCaFile(self: TlsConfig, path: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_ca_file(self.h, optZ(path)));
    }
    pub fn setCaDir(self: TlsConfig, path: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_ca_dir(self.h, optZ(path)));
    }
    /// Trust only the CAs of PEM text in memory (replacing earlier ones; null forgets them).
    pub fn setCaPem(self: TlsConfig, pem: ?[]const u8) Error!void {
        try check(if (pem) |p| c.ftp_tls_config_set_ca_pem(self.h, p.ptr, p.len) else c.ftp_tls_config_set_ca_pem(self.h, null, 0));
    }
    /// Adds the CAs of PEM text in memory.
    pub fn addCaPem(self: TlsConfig, pem: []const u8) Error!void {
        try check(c.ftp_tls_config_add_ca_pem(self.h, pem.ptr, pem.len));
    }
    /// INSECURE: no certificate verification.
    pub fn setInsecureSkipVerify(self: TlsConfig, skip: bool) Error!void {
        try check(c.ftp_tls_config_set_insecure_skip_verify(self.h, skip));
    }
    /// A client certificate and unencrypted key from PEM files (both null: none).
    pub fn setClientCert(self: TlsConfig, cert_file: ?[:0]const u8, key_file: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_client_cert(self.h, optZ(cert_file), optZ(key_file)));
    }
    /// A client certificate and key from PEM text, the key possibly encrypted.
    pub fn setClientCertPem(self: TlsConfig, cert_pem: []const u8, key_pem: []const u8, passphrase: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_client_cert_pem(self.h, cert_pem.ptr, cert_pem.len, key_pem.ptr, key_pem.len, optZ(passphrase)));
    }
    /// As setClientCertPem(), the passphrase from `f(context, buf)`, which writes it
    /// into buf and returns its length, or null to give up (error.Cancelled).
    pub fn setClientCertPemCallback(
        self: TlsConfig,
        cert_pem: []const u8,
        key_pem: []const u8,
        context: anytype,
        comptime f: fn (@TypeOf(context), []u8) ?usize,
    ) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, buf: [*c]u8, cap: usize, len_out: [*c]usize) callconv(.c) c_int {
                const n = f(ctxOf(Ctx, p), buf[0..cap]) orelse return 1;
                len_out.* = n;
                return 0;
            }
        };
        try check(c.ftp_tls_config_set_client_cert_pem_cb(self.h, cert_pem.ptr, cert_pem.len, key_pem.ptr, key_pem.len, &T.cb, ud(context)));
    }
    pub fn setVersions(self: TlsConfig, min: TlsVersion, max: TlsVersion) Error!void {
        try check(c.ftp_tls_config_set_versions(self.h, @backingInt(min), @backingInt(max)));
    }
    pub fn setCipherList(self: TlsConfig, list: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_cipher_list(self.h, optZ(list)));
    }
    pub fn setCiphersuites(self: TlsConfig, suites: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_ciphersuites(self.h, optZ(suites)));
    }
    pub fn setSessionReuse(self: TlsConfig, reuse: bool) Error!void {
        try check(c.ftp_tls_config_set_session_reuse(self.h, reuse));
    }
    pub fn setAuthSslFallback(self: TlsConfig, fallback: bool) Error!void {
        try check(c.ftp_tls_config_set_auth_ssl_fallback(self.h, fallback));
    }
    pub fn setProtectData(self: TlsConfig, protect: bool) Error!void {
        try check(c.ftp_tls_config_set_protect_data(self.h, protect));
    }
    /// Pins the server's key: "sha256//BASE64[;sha256//...]", null to remove.
    /// A mismatch fails the connection with error.TlsPinned.
    pub fn setPinnedPubkey(self: TlsConfig, pins: ?[:0]const u8) Error!void {
        try check(c.ftp_tls_config_set_pinned_pubkey(self.h, optZ(pins)));
    }
    /// `f(context, info)` decides on each server chain: true accepts, false rejects
    /// (error.TlsUntrusted). Runs inside handshakes, on the connecting thread; the
    /// context must outlive the configuration and the sessions given it.
    pub fn setVerifyCallback(self: TlsConfig, context: anytype, comptime f: fn (@TypeOf(context), VerifyInfo) bool) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, certs: [*c]const [*c]const u8, lens: [*c]const usize, count: usize, verified: bool, x509: c_int, reason: [*c]const u8) callconv(.c) c_int {
                const info: VerifyInfo = .{ .certs = certs, .cert_lens = lens, .count = count, .verified = verified, .x509_error = x509, .reason = spanOpt(reason) orelse "" };
                return if (f(ctxOf(Ctx, p), info)) 0 else 1;
            }
        };
        try check(c.ftp_tls_config_set_verify_cb(self.h, &T.cb, ud(context)));
    }
    /// Removes the verify callback.
    pub fn clearVerifyCallback(self: TlsConfig) Error!void {
        try check(c.ftp_tls_config_set_verify_cb(self.h, null, null));
    }
};

// --- URL ---------------------------------------------------------------------

/// A parsed ftp:// or ftps:// URL (ftp_url).
pub const Url = struct {
    h: *c.ftp_url,

    pub fn init() error{OutOfMemory}!Url {
        return .{ .h = c.ftp_url_new() orelse return error.OutOfMemory };
    }
    /// A new object with `url` parsed into it.
    pub fn parseNew(url: [:0]const u8) (Error || error{OutOfMemory})!Url {
        var u = try init();
        errdefer u.deinit();
        try u.parse(url);
        return u;
    }
    pub fn deinit(self: *Url) void {
        c.ftp_url_free(self.h);
        self.* = undefined;
    }
    pub fn parse(self: Url, url: [:0]const u8) Error!void {
        try check(c.ftp_url_parse(self.h, url.ptr));
    }
    pub fn lastError(self: Url) []const u8 {
        return spanOpt(c.ftp_url_last_error(self.h)) orelse "";
    }
    pub fn host(self: Url) ?[]const u8 {
        return spanOpt(c.ftp_url_host(self.h));
    }
    /// null: anonymous.
    pub fn user(self: Url) ?[]const u8 {
        return spanOpt(c.ftp_url_user(self.h));
    }
    pub fn password(self: Url) ?[]const u8 {
        return spanOpt(c.ftp_url_password(self.h));
    }
    pub fn port(self: Url) u16 {
        return c.ftp_url_port(self.h);
    }
    pub fn isFtps(self: Url) bool {
        return c.ftp_url_is_ftps(self.h);
    }
    /// The decoded path (bytes), "" for the login directory.
    pub fn path(self: Url) ?[]const u8 {
        var n: usize = 0;
        const p = c.ftp_url_path(self.h, &n);
        return if (p == null) null else p[0..n];
    }
    /// The ;type= code: 'a', 'i', 'd', or null.
    pub fn typeCode(self: Url) ?u8 {
        const t = c.ftp_url_type(self.h);
        return if (t == 0) null else @intCast(t);
    }
};

// --- Session -----------------------------------------------------------------

/// One FTP session (ftp_session). Not for use by two threads at once (the library
/// refuses that with error.Busy); interrupt() is the exception.
pub const Session = struct {
    h: *c.ftp_session,

    pub fn init() error{OutOfMemory}!Session {
        return .{ .h = c.ftp_new() orelse return error.OutOfMemory };
    }

    /// Frees the session (no QUIT: call quit() first for a polite goodbye).
    pub fn deinit(self: *Session) void {
        c.ftp_free(self.h);
        self.* = undefined;
    }

    // connecting and logging in

    /// Connects and reads the welcome; port 0 means 21 (990 for implicit TLS).
    pub fn connect(self: Session, server: [:0]const u8, port: u16, timeout_ms: u32) Error!void {
        try check(c.ftp_connect(self.h, server.ptr, port, timeout_ms, null));
    }
    /// connect() from a local address (and the port of setSourcePort()).
    pub fn connectFrom(self: Session, server: [:0]const u8, port: u16, timeout_ms: u32, source_address: ?[:0]const u8) Error!void {
        try check(c.ftp_connect(self.h, server.ptr, port, timeout_ms, optZ(source_address)));
    }
    /// Connects and logs in as a URL says.
    pub fn connectUrl(self: Session, url: Url, timeout_ms: u32) Error!void {
        try check(c.ftp_connect_url(self.h, url.h, timeout_ms));
    }
    /// The local port of the control connection from the next connect (0: any).
    pub fn setSourcePort(self: Session, port: u16) Error!void {
        try check(c.ftp_set_source_port(self.h, port));
    }
    /// Sends the control and every data connection through a proxy, as curl takes it:
    /// "socks5://[user:pass@]host[:port]", "socks5h://..." (the proxy resolves the
    /// server's name) or "http://[user:pass@]host[:port]" (HTTP CONNECT); null turns
    /// it off. Passive mode only. A bad string is error.Invalid; failures to come
    /// through are error.Proxy and error.ProxyAuth.
    pub fn setProxy(self: Session, url: ?[:0]const u8) Error!void {
        try check(c.ftp_set_proxy(self.h, if (url) |u| u.ptr else null));
    }
    /// The welcome reply (borrowed), null if not connected.
    pub fn welcome(self: Session) ?[]const u8 {
        return spanOpt(c.ftp_getwelcome(self.h));
    }
    /// Logs in; null user means anonymous.
    pub fn login(self: Session, user: ?[:0]const u8, pass: ?[:0]const u8) Error!void {
        try check(c.ftp_login(self.h, optZ(user), optZ(pass), null));
    }
    /// login() with an account for servers that answer 332.
    pub fn loginAcct(self: Session, user: ?[:0]const u8, pass: ?[:0]const u8, account: ?[:0]const u8) Error!void {
        try check(c.ftp_login(self.h, optZ(user), optZ(pass), optZ(account)));
    }
    pub fn quit(self: Session) Error!void {
        try check(c.ftp_quit(self.h));
    }
    /// Closes the connection without QUIT; the session can connect again.
    pub fn close(self: Session) Error!void {
        try check(c.ftp_close(self.h));
    }

    // state and messages

    /// What the last failed call said (borrowed).
    pub fn lastError(self: Session) []const u8 {
        return spanOpt(c.ftp_session_last_error(self.h)) orelse "";
    }
    /// The last reply's code, 0 if none.
    pub fn lastReplyCode(self: Session) i32 {
        return c.ftp_session_last_reply_code(self.h);
    }
    /// The last reply's text (borrowed).
    pub fn lastReplyText(self: Session) []const u8 {
        return spanOpt(c.ftp_session_last_reply_text(self.h)) orelse "";
    }
    /// Trace level 0, 1 or 2 (to the log callback, else stderr).
    pub fn setDebugLevel(self: Session, level: u8) Error!void {
        try check(c.ftp_set_debuglevel(self.h, level));
    }
    /// Sends the protocol trace to `f(context, kind, line)`.
    pub fn setLogCallback(self: Session, context: anytype, comptime f: fn (@TypeOf(context), LogKind, []const u8) void) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, kind: c.ftp_log_kind, line: [*c]const u8) callconv(.c) void {
                f(ctxOf(Ctx, p), @fromBackingInt(@intCast(kind)), spanOpt(line) orelse "");
            }
        };
        try check(c.ftp_set_log_callback(self.h, &T.cb, ud(context)));
    }
    /// The trace goes to stderr again.
    pub fn clearLogCallback(self: Session) Error!void {
        try check(c.ftp_set_log_callback(self.h, null, null));
    }
    /// Reports transfer progress to `f(context, progress)` at most every interval_ms,
    /// with the resume offset (Progress.offset); false cancels the transfer.
    pub fn setProgressCallback(self: Session, context: anytype, comptime f: fn (@TypeOf(context), Progress) bool, interval_ms: u32) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, offset: u64, bytes: u64, total: i64, rate: f64) callconv(.c) c_int {
                const pr: Progress = .{ .offset = offset, .bytes = bytes, .total = if (total < 0) null else @intCast(total), .rate = rate };
                return if (f(ctxOf(Ctx, p), pr)) 0 else 1;
            }
        };
        try check(c.ftp_set_progress_callback2(self.h, &T.cb, ud(context), interval_ms));
    }
    pub fn clearProgressCallback(self: Session) Error!void {
        try check(c.ftp_set_progress_callback(self.h, null, null, 0));
    }
    /// Stops the running call from another thread (error.Interrupted for a transfer).
    pub fn interrupt(self: Session) Error!void {
        try check(c.ftp_interrupt(self.h));
    }
    /// How many times the session reconnected (setReconnect()).
    pub fn reconnects(self: Session) u64 {
        return c.ftp_session_reconnects(self.h);
    }

    // settings

    pub fn setPasv(self: Session, passive: bool) Error!void {
        try check(c.ftp_set_pasv(self.h, passive));
    }
    pub fn setPassiveMode(self: Session, mode: PassiveMode) Error!void {
        try check(c.ftp_set_passive_mode(self.h, @backingInt(mode)));
    }
    pub fn setTrustServerPasvIpv4Address(self: Session, trust: bool) Error!void {
        try check(c.ftp_set_trust_server_pasv_ipv4_address(self.h, trust));
    }
    /// Milliseconds; 0 none, null: the connect timeout.
    pub fn setTimeouts(self: Session, connect_ms: ?u32, reply_ms: ?u32, data_ms: ?u32) Error!void {
        const d = c.FTP_TIMEOUT_DEFAULT;
        try check(c.ftp_set_timeouts(self.h, if (connect_ms) |v| @as(i64, v) else d, if (reply_ms) |v| @as(i64, v) else d, if (data_ms) |v| @as(i64, v) else d));
    }
    pub fn setKeepalive(self: Session, on: bool, idle_s: u32, interval_s: u32) Error!void {
        try check(c.ftp_set_keepalive(self.h, on, idle_s, interval_s));
    }
    pub fn setActiveAddress(self: Session, address: ?[:0]const u8) Error!void {
        try check(c.ftp_set_active_address(self.h, optZ(address)));
    }
    pub fn setFeatAfterLogin(self: Session, on: bool) Error!void {
        try check(c.ftp_set_feat_after_login(self.h, on));
    }
    pub fn setPipelining(self: Session, on: bool) Error!void {
        try check(c.ftp_set_pipelining(self.h, on));
    }
    pub fn setTypeCaching(self: Session, on: bool) Error!void {
        try check(c.ftp_set_type_caching(self.h, on));
    }
    pub fn setZeroCopy(self: Session, download: bool, upload: bool) Error!void {
        try check(c.ftp_set_zero_copy(self.h, download, upload));
    }
    /// ABOR after Telnet IP + Synch (true) or as a plain line (false, the default).
    pub fn setAbortUrgent(self: Session, urgent: bool) Error!void {
        try check(c.ftp_set_abort_urgent(self.h, urgent));
    }
    /// Reconnect after a dropped connection: tries per call (0: off), delay between.
    pub fn setReconnect(self: Session, tries: u32, delay_ms: u32) Error!void {
        try check(c.ftp_set_reconnect(self.h, tries, delay_ms));
    }
    /// Sessions a mirror transfers with at once (1 to 64).
    pub fn setMirrorParallel(self: Session, sessions: u32) Error!void {
        try check(c.ftp_set_mirror_parallel(self.h, sessions));
    }

    // commands

    /// Sends a command; 1xx-3xx is success.
    pub fn sendcmd(self: Session, cmd: [:0]const u8) Error!void {
        try check(c.ftp_sendcmd(self.h, cmd.ptr));
    }
    /// Sends a command and expects a 2xx reply.
    pub fn voidcmd(self: Session, cmd: [:0]const u8) Error!void {
        try check(c.ftp_voidcmd(self.h, cmd.ptr));
    }
    /// Reads the final reply of a transfer from transfercmd().
    pub fn voidresp(self: Session) Error!void {
        try check(c.ftp_voidresp(self.h));
    }
    /// Aborts a transfer (ABOR).
    pub fn abort(self: Session) Error!void {
        try check(c.ftp_abort(self.h));
    }
    pub fn noop(self: Session) Error!void {
        try check(c.ftp_noop(self.h));
    }
    /// SITE args, e.g. "CHMOD 600 file".
    pub fn site(self: Session, args: [:0]const u8) Error!void {
        try check(c.ftp_site(self.h, args.ptr));
    }
    pub fn acct(self: Session, account: [:0]const u8) Error!void {
        try check(c.ftp_acct(self.h, account.ptr));
    }
    /// HOST (RFC 7151), before login.
    pub fn host(self: Session, name: [:0]const u8) Error!void {
        try check(c.ftp_host(self.h, name.ptr));
    }
    pub fn allo(self: Session, n: u64) Error!void {
        try check(c.ftp_allo(self.h, n));
    }
    /// The system type (SYST), copied with gpa.
    pub fn syst(self: Session, gpa: std.mem.Allocator) (Error || error{OutOfMemory})![]u8 {
        var out: [*c]const u8 = null;
        try check(c.ftp_syst(self.h, &out));
        return gpa.dupe(u8, std.mem.span(out));
    }
    /// STAT [path]: each line of the reply to `f(context, line)`.
    pub fn stat(self: Session, path: ?[:0]const u8, context: anytype, comptime f: fn (@TypeOf(context), []const u8) bool) Error!void {
        try check(c.ftp_stat(self.h, optZ(path), lineThunk(@TypeOf(context), f), ud(context)));
    }
    pub fn rename(self: Session, from: [:0]const u8, to: [:0]const u8) Error!void {
        try check(c.ftp_rename(self.h, from.ptr, to.ptr));
    }
    pub fn delete(self: Session, path: [:0]const u8) Error!void {
        try check(c.ftp_delete(self.h, path.ptr));
    }
    pub fn cwd(self: Session, directory: [:0]const u8) Error!void {
        try check(c.ftp_cwd(self.h, directory.ptr));
    }
    /// CWD one level at a time.
    pub fn cwdEach(self: Session, path: [:0]const u8) Error!void {
        try check(c.ftp_cwd_each(self.h, path.ptr));
    }
    /// Creates a directory; returns its path from the 257 reply, copied with gpa.
    pub fn mkd(self: Session, gpa: std.mem.Allocator, directory: [:0]const u8) (Error || error{OutOfMemory})![]u8 {
        var out: [*c]const u8 = null;
        try check(c.ftp_mkd(self.h, directory.ptr, &out));
        return gpa.dupe(u8, spanOpt(out) orelse "");
    }
    /// mkdir -p.
    pub fn mkdAll(self: Session, path: [:0]const u8) Error!void {
        try check(c.ftp_mkd_all(self.h, path.ptr));
    }
    pub fn rmd(self: Session, directory: [:0]const u8) Error!void {
        try check(c.ftp_rmd(self.h, directory.ptr));
    }
    /// The working directory, copied with gpa.
    pub fn pwd(self: Session, gpa: std.mem.Allocator) (Error || error{OutOfMemory})![]u8 {
        var out: [*c]const u8 = null;
        try check(c.ftp_pwd(self.h, &out));
        return gpa.dupe(u8, std.mem.span(out));
    }
    /// A file's size, or null where the server does not say.
    pub fn size(self: Session, path: [:0]const u8) Error!?u64 {
        var n: i64 = 0;
        try check(c.ftp_size(self.h, path.ptr, &n));
        return if (n < 0) null else @intCast(n);
    }
    /// A file's modification time (MDTM).
    pub fn mdtm(self: Session, path: [:0]const u8) Error!Time {
        var t: Time = .{ .secs = 0 };
        try check(c.ftp_mdtm(self.h, path.ptr, &t.secs, &t.nanos));
        return t;
    }
    /// Sets a file's modification time (MFMT, whole seconds).
    pub fn mfmt(self: Session, path: [:0]const u8, secs: i64) Error!void {
        try check(c.ftp_mfmt(self.h, path.ptr, secs));
    }

    // features

    /// Sends FEAT now.
    pub fn feat(self: Session) Error!void {
        try check(c.ftp_feat(self.h));
    }
    /// Whether the server lists a feature: null when not listed, else its
    /// parameters copied with gpa ("" if none). Errors are errors, not "no".
    pub fn featureLookup(self: Session, gpa: std.mem.Allocator, name: [:0]const u8) (Error || error{OutOfMemory})!?[]u8 {
        var offered = false;
        var params: [*c]const u8 = null;
        try check(c.ftp_feature_lookup(self.h, name.ptr, &offered, &params));
        if (!offered) return null;
        return try gpa.dupe(u8, spanOpt(params) orelse "");
    }
    /// The 1.0 shortcut: true if listed, false if not or on failure.
    pub fn hasFeature(self: Session, name: [:0]const u8) bool {
        return c.ftp_has_feature(self.h, name.ptr);
    }
    /// The 1.0 shortcut: a feature's parameters (borrowed), null if not listed or on failure.
    pub fn featureParams(self: Session, name: [:0]const u8) ?[]const u8 {
        return spanOpt(c.ftp_feature_params(self.h, name.ptr));
    }

    // TLS

    /// Plain, explicit or implicit FTPS with these settings (null: defaults), from
    /// the next connect.
    pub fn setTls(self: Session, mode: TlsMode, cfg: ?TlsConfig) Error!void {
        try check(c.ftp_set_tls(self.h, @backingInt(mode), if (cfg) |v| v.h else null));
    }
    pub fn auth(self: Session) Error!void {
        try check(c.ftp_auth(self.h));
    }
    pub fn protP(self: Session) Error!void {
        try check(c.ftp_prot_p(self.h));
    }
    pub fn protC(self: Session) Error!void {
        try check(c.ftp_prot_c(self.h));
    }
    pub fn ccc(self: Session) Error!void {
        try check(c.ftp_ccc(self.h));
    }
    /// e.g. "TLSv1.3"; null without TLS.
    pub fn tlsVersion(self: Session) ?[]const u8 {
        return spanOpt(c.ftp_session_tls_version(self.h));
    }
    pub fn tlsCipher(self: Session) ?[]const u8 {
        return spanOpt(c.ftp_session_tls_cipher(self.h));
    }
    /// Whether the last TLS data connection resumed the control connection's
    /// session; null if there was none.
    pub fn dataTlsResumed(self: Session) ?bool {
        const r = c.ftp_session_data_tls_resumed(self.h);
        return if (r < 0) null else r == 1;
    }

    // transfers with callbacks

    /// Options of retrBinary() and storBinary().
    pub const TransferOptions = struct {
        /// REST offset (resume), or null.
        rest: ?u64 = null,
        /// largest block; 0 means 8192.
        block_size: usize = 64 * 1024,
    };

    /// Downloads in binary mode (`cmd` like "RETR file"), handing each block to
    /// `f(context, bytes)`; false cancels (error.Cancelled).
    pub fn retrBinary(self: Session, cmd: [:0]const u8, opts: TransferOptions, context: anytype, comptime f: fn (@TypeOf(context), []const u8) bool) Error!void {
        try check(c.ftp_retr_binary(self.h, cmd.ptr, dataThunk(@TypeOf(context), f), opts.block_size, restArg(opts.rest), ud(context)));
    }

    /// Downloads into memory the caller owns (freed with gpa), from `rest` on if given.
    pub fn retrAlloc(self: Session, gpa: std.mem.Allocator, cmd: [:0]const u8, rest: ?u64) (Error || error{OutOfMemory})![]u8 {
        const Sink = struct {
            gpa: std.mem.Allocator,
            list: std.ArrayList(u8) = .empty,
            oom: bool = false,
            fn add(s: *@This(), bytes: []const u8) bool {
                s.list.appendSlice(s.gpa, bytes) catch {
                    s.oom = true;
                    return false;
                };
                return true;
            }
        };
        var sink: Sink = .{ .gpa = gpa };
        errdefer sink.list.deinit(gpa);
        self.retrBinary(cmd, .{ .rest = rest }, &sink, Sink.add) catch |err| {
            if (sink.oom) return error.OutOfMemory;
            return err;
        };
        return sink.list.toOwnedSlice(gpa);
    }

    /// Downloads in ASCII mode, each line (without CRLF) to `f(context, line)`.
    pub fn retrLines(self: Session, cmd: [:0]const u8, context: anytype, comptime f: fn (@TypeOf(context), []const u8) bool) Error!void {
        try check(c.ftp_retr_lines(self.h, cmd.ptr, lineThunk(@TypeOf(context), f), ud(context)));
    }

    /// Uploads in binary mode (`cmd` like "STOR file" or "APPE file"): `read(context,
    /// buf)` fills buf and returns the count (0 at the end), or null to cancel.
    pub fn storBinary(self: Session, cmd: [:0]const u8, opts: TransferOptions, context: anytype, comptime read: fn (@TypeOf(context), []u8) ?usize) Error!void {
        try check(c.ftp_stor_binary(self.h, cmd.ptr, readThunk(@TypeOf(context), read), opts.block_size, null, restArg(opts.rest), ud(context)));
    }

    /// Uploads text line by line (LF becomes CRLF), read as for storBinary().
    pub fn storLines(self: Session, cmd: [:0]const u8, context: anytype, comptime read: fn (@TypeOf(context), []u8) ?usize) Error!void {
        try check(c.ftp_stor_lines(self.h, cmd.ptr, readThunk(@TypeOf(context), read), null, ud(context)));
    }

    /// Uploads `bytes` in binary mode, with REST `rest` first if given.
    pub fn storBytes(self: Session, cmd: [:0]const u8, bytes: []const u8, rest: ?u64) Error!void {
        var src: SliceSource = .{ .rest = bytes };
        try self.storBinary(cmd, .{ .rest = rest }, &src, SliceSource.read);
    }

    /// Uploads `text` line by line in ASCII mode.
    pub fn storText(self: Session, cmd: [:0]const u8, text: []const u8) Error!void {
        var src: SliceSource = .{ .rest = text };
        try self.storLines(cmd, &src, SliceSource.read);
    }

    /// Opens a data connection for `cmd` (REST `rest` first if given); read or write
    /// it yourself, then Data.deinit() and voidresp(). Also gives the size a 150
    /// reply announced.
    pub fn ntransfercmd(self: Session, cmd: [:0]const u8, rest: ?u64) Error!struct { data: Data, size: ?u64 } {
        var d: ?*c.ftp_data = null;
        var n: i64 = -1;
        try check(c.ftp_ntransfercmd(self.h, cmd.ptr, restArg(rest), &d, &n));
        return .{ .data = .{ .h = d.? }, .size = if (n < 0) null else @intCast(n) };
    }
    /// ntransfercmd() without the size.
    pub fn transfercmd(self: Session, cmd: [:0]const u8, rest: ?u64) Error!Data {
        var d: ?*c.ftp_data = null;
        try check(c.ftp_transfercmd(self.h, cmd.ptr, restArg(rest), &d));
        return .{ .h = d.? };
    }

    // whole files

    /// Downloads `remote` to `local_path`; returns the bytes moved.
    pub fn retrFile(self: Session, remote: [:0]const u8, local_path: [:0]const u8, flags: FileFlags) Error!u64 {
        var n: u64 = 0;
        try check(c.ftp_retr_file(self.h, remote.ptr, local_path.ptr, flags.bits(), &n));
        return n;
    }
    /// Uploads `local_path` to `remote`; returns the bytes moved.
    pub fn storFile(self: Session, local_path: [:0]const u8, remote: [:0]const u8, flags: FileFlags) Error!u64 {
        var n: u64 = 0;
        try check(c.ftp_stor_file(self.h, local_path.ptr, remote.ptr, flags.bits(), &n));
        return n;
    }
    /// Downloads into an open descriptor at its position (REST `rest` if given).
    pub fn retrFd(self: Session, remote: [:0]const u8, fd: std.posix.fd_t, rest: ?u64) Error!u64 {
        var n: u64 = 0;
        try check(c.ftp_retr_fd(self.h, remote.ptr, fd, restArg(rest), &n));
        return n;
    }
    /// Uploads from an open descriptor's position to its end (REST `rest` if given).
    pub fn storFd(self: Session, fd: std.posix.fd_t, remote: [:0]const u8, rest: ?u64) Error!u64 {
        var n: u64 = 0;
        try check(c.ftp_stor_fd(self.h, fd, remote.ptr, restArg(rest), &n));
        return n;
    }
    /// Downloads over up to `segments` connections (1 to c.FTP_MAX_SEGMENTS).
    pub fn retrFileSegmented(self: Session, remote: [:0]const u8, local_path: [:0]const u8, segments: u32, flags: FileFlags) Error!u64 {
        var n: u64 = 0;
        try check(c.ftp_retr_file_segmented(self.h, remote.ptr, local_path.ptr, segments, flags.bits(), &n));
        return n;
    }

    // listings

    /// MLSD, each entry to `f(context, entry)`; `facts` (at most max_list) asked
    /// for with OPTS MLST first, null for the server's defaults.
    pub fn mlsd(self: Session, path: ?[:0]const u8, facts: ?[]const [:0]const u8, context: anytype, comptime f: fn (@TypeOf(context), MlsdEntry) bool) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, e: ?*const c.ftp_mlsd_entry) callconv(.c) c_int {
                return if (f(ctxOf(Ctx, p), .{ .e = e.? })) 0 else 1;
            }
        };
        var buf: [max_list + 1][*c]const u8 = undefined;
        const fact_list: [*c]const [*c]const u8 = if (facts) |fs| try cList(&buf, fs) else null;
        try check(c.ftp_mlsd(self.h, optZ(path), fact_list, &T.cb, ud(context)));
    }
    /// NLST, each name to `f(context, name)`.
    pub fn nlst(self: Session, args: ?[:0]const u8, context: anytype, comptime f: fn (@TypeOf(context), []const u8) bool) Error!void {
        try check(c.ftp_nlst(self.h, optZ(args), lineThunk(@TypeOf(context), f), ud(context)));
    }
    /// NLST into a list the caller owns: free with freeNames(gpa, names).
    pub fn nameList(self: Session, gpa: std.mem.Allocator, args: ?[:0]const u8) (Error || error{OutOfMemory})![][]u8 {
        var col: Collector = .{ .gpa = gpa };
        errdefer freeNames(gpa, col.items.items);
        errdefer col.items.deinit(gpa);
        self.nlst(args, &col, Collector.add) catch |err| {
            if (col.oom) return error.OutOfMemory;
            return err;
        };
        return col.items.toOwnedSlice(gpa);
    }
    /// LIST, each line in the server's format to `f(context, line)`.
    pub fn dir(self: Session, args: ?[:0]const u8, context: anytype, comptime f: fn (@TypeOf(context), []const u8) bool) Error!void {
        try check(c.ftp_dir(self.h, optZ(args), lineThunk(@TypeOf(context), f), ud(context)));
    }
    /// LIST into lines the caller owns: free with freeNames(gpa, lines).
    pub fn dirLines(self: Session, gpa: std.mem.Allocator, args: ?[:0]const u8) (Error || error{OutOfMemory})![][]u8 {
        var col: Collector = .{ .gpa = gpa };
        errdefer freeNames(gpa, col.items.items);
        errdefer col.items.deinit(gpa);
        self.dir(args, &col, Collector.add) catch |err| {
            if (col.oom) return error.OutOfMemory;
            return err;
        };
        return col.items.toOwnedSlice(gpa);
    }
    /// Parsed entries (MLSD where offered, else LIST), each to `f(context, entry)`.
    pub fn list(self: Session, path: ?[:0]const u8, context: anytype, comptime f: fn (@TypeOf(context), Entry) bool) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, e: ?*const c.ftp_entry) callconv(.c) c_int {
                return if (f(ctxOf(Ctx, p), .{ .e = e.? })) 0 else 1;
            }
        };
        try check(c.ftp_list(self.h, optZ(path), &T.cb, ud(context)));
    }
    /// A whole listing as parsed entries; deinit() it.
    pub fn listAll(self: Session, path: ?[:0]const u8) Error!EntryList {
        var out: ?*c.ftp_entry_list = null;
        try check(c.ftp_list_all(self.h, optZ(path), &out));
        return .{ .h = out.? };
    }
    /// The facts of one path (MLST; where the server has none, the parent's listing):
    /// a list of exactly one entry, get(0); deinit() it.
    pub fn mlst(self: Session, path: ?[:0]const u8) Error!EntryList {
        var out: ?*c.ftp_entry_list = null;
        try check(c.ftp_mlst(self.h, optZ(path), &out));
        return .{ .h = out.? };
    }
    /// Walks the tree under `path` (null: the working directory), a directory before
    /// its contents, each entry to `f(context, walk_entry)`; false stops the walk
    /// (error.Cancelled). max_depth 1 lists the root only, 0 has no limit (but 100).
    pub fn walk(self: Session, path: ?[:0]const u8, max_depth: u32, context: anytype, comptime f: fn (@TypeOf(context), WalkEntry) bool) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, wpath: [*c]const u8, len: usize, depth: u32, e: ?*const c.ftp_entry, flags: u32) callconv(.c) c_int {
                const we: WalkEntry = .{
                    .path = spanLen(wpath, len),
                    .depth = depth,
                    .entry = .{ .e = e.? },
                    .unsafe_name = flags & c.FTP_WALK_UNSAFE_NAME != 0,
                    .loop = flags & c.FTP_WALK_LOOP != 0,
                };
                return if (f(ctxOf(Ctx, p), we)) 0 else 1;
            }
        };
        try check(c.ftp_walk(self.h, optZ(path), max_depth, &T.cb, ud(context)));
    }
    /// Removes a directory and everything under it (DELE, RMD); "", "/", "." and the
    /// like are error.Invalid.
    pub fn removeTree(self: Session, path: [:0]const u8) Error!void {
        try check(c.ftp_remove_tree(self.h, path.ptr));
    }
    /// The server's time zone for LIST times, as seconds east of UTC (at most a day).
    pub fn setListTimeOffset(self: Session, seconds: i32) Error!void {
        try check(c.ftp_set_list_time_offset(self.h, seconds));
    }

    // mirroring

    /// Options of mirror() and mirrorUpload().
    pub const MirrorOptions = struct {
        flags: MirrorFlags = .{},
        /// shell patterns left out (at most max_list).
        skip: []const [:0]const u8 = &.{},
        /// receives the counts, written also when the mirror went through with
        /// failures (see mirrorFailures()).
        stats: ?*MirrorStats = null,
    };

    /// Mirrors a server directory into a local one; `f(context, action, path, size)`
    /// hears of each step (false stops). Use `{}` and `noMirrorCallback` for none.
    pub fn mirror(self: Session, remote_dir: [:0]const u8, local_dir: [:0]const u8, opts: MirrorOptions, context: anytype, comptime f: fn (@TypeOf(context), MirrorAction, []const u8, ?u64) bool) Error!void {
        var buf: [max_list + 1][*c]const u8 = undefined;
        const skip = if (opts.skip.len == 0) null else try cList(&buf, opts.skip);
        var st: MirrorStats = .{};
        const rc = c.ftp_mirror(self.h, remote_dir.ptr, local_dir.ptr, opts.flags.bits(), skip, mirrorThunk(@TypeOf(context), f), ud(context), &st.files, &st.bytes);
        if (opts.stats) |s| s.* = st;
        try check(rc);
    }
    /// The reverse mirror: uploads a local tree into a server directory.
    pub fn mirrorUpload(self: Session, local_dir: [:0]const u8, remote_dir: [:0]const u8, opts: MirrorOptions, context: anytype, comptime f: fn (@TypeOf(context), MirrorAction, []const u8, ?u64) bool) Error!void {
        var buf: [max_list + 1][*c]const u8 = undefined;
        const skip = if (opts.skip.len == 0) null else try cList(&buf, opts.skip);
        var st: MirrorStats = .{};
        const rc = c.ftp_mirror_upload(self.h, local_dir.ptr, remote_dir.ptr, opts.flags.bits(), skip, mirrorThunk(@TypeOf(context), f), ud(context), &st.files, &st.bytes);
        if (opts.stats) |s| s.* = st;
        try check(rc);
    }
    /// How many entries the last mirror could not copy.
    pub fn mirrorFailureCount(self: Session) usize {
        return c.ftp_mirror_failure_count(self.h);
    }
    /// The index-th failure of the last mirror (borrowed until the next mirror).
    pub fn mirrorFailure(self: Session, index: usize) ?MirrorFailure {
        var p: [*c]const u8 = null;
        var n: usize = 0;
        var rc: c.ftp_result = c.FTP_OK;
        var reply: c_int = 0;
        const msg = c.ftp_mirror_failure(self.h, index, &p, &n, &rc, &reply);
        if (msg == null) return null;
        const err: Error = if (check(rc)) error.Unknown else |e| e;
        return .{ .path = spanLen(p, n), .err = err, .reply_code = reply, .message = std.mem.span(msg) };
    }
};

/// A mirror callback that hears nothing: `s.mirror(r, l, .{}, {}, ftp.noMirrorCallback)`.
pub fn noMirrorCallback(_: void, _: MirrorAction, _: []const u8, _: ?u64) bool {
    return true;
}

/// Frees what Session.nameList() and dirLines() return.
pub fn freeNames(gpa: std.mem.Allocator, names: []const []u8) void {
    for (names) |n| gpa.free(n);
    gpa.free(names);
}

const Collector = struct {
    gpa: std.mem.Allocator,
    items: std.ArrayList([]u8) = .empty,
    oom: bool = false,
    fn add(self: *Collector, line: []const u8) bool {
        const copy = self.gpa.dupe(u8, line) catch {
            self.oom = true;
            return false;
        };
        self.items.append(self.gpa, copy) catch {
            self.gpa.free(copy);
            self.oom = true;
            return false;
        };
        return true;
    }
};

const SliceSource = struct {
    rest: []const u8,
    fn read(s: *SliceSource, buf: []u8) ?usize {
        const n = @min(buf.len, s.rest.len);
        @memcpy(buf[0..n], s.rest[0..n]);
        s.rest = s.rest[n..];
        return n;
    }
};

fn dataThunk(comptime Ctx: type, comptime f: fn (Ctx, []const u8) bool) c.ftp_data_cb {
    return &struct {
        fn cb(p: ?*anyopaque, buf: [*c]const u8, len: usize) callconv(.c) c_int {
            return if (f(ctxOf(Ctx, p), if (len == 0) "" else buf[0..len])) 0 else 1;
        }
    }.cb;
}

fn lineThunk(comptime Ctx: type, comptime f: fn (Ctx, []const u8) bool) c.ftp_line_cb {
    return &struct {
        fn cb(p: ?*anyopaque, line: [*c]const u8, len: usize) callconv(.c) c_int {
            return if (f(ctxOf(Ctx, p), if (len == 0) "" else line[0..len])) 0 else 1;
        }
    }.cb;
}

fn readThunk(comptime Ctx: type, comptime f: fn (Ctx, []u8) ?usize) c.ftp_read_cb {
    return &struct {
        fn cb(p: ?*anyopaque, buf: [*c]u8, cap: usize, len_out: [*c]usize) callconv(.c) c_int {
            const n = f(ctxOf(Ctx, p), buf[0..cap]) orelse return 1;
            len_out.* = n;
            return 0;
        }
    }.cb;
}

fn mirrorThunk(comptime Ctx: type, comptime f: fn (Ctx, MirrorAction, []const u8, ?u64) bool) c.ftp_mirror_cb {
    return &struct {
        fn cb(p: ?*anyopaque, action: c.ftp_mirror_action, path: [*c]const u8, len: usize, sz: i64) callconv(.c) c_int {
            return if (f(ctxOf(Ctx, p), @fromBackingInt(@intCast(action)), spanLen(path, len), if (sz < 0) null else @intCast(sz))) 0 else 1;
        }
    }.cb;
}

// --- pool and batch ----------------------------------------------------------

/// ftp_pool_stat() counters.
pub const PoolStat = enum(u32) {
    max_sessions = c.FTP_POOL_MAX_SESSIONS,
    limit = c.FTP_POOL_LIMIT,
    open = c.FTP_POOL_OPEN,
    idle = c.FTP_POOL_IDLE,
    in_use = c.FTP_POOL_IN_USE,
    opened = c.FTP_POOL_OPENED,
    reused = c.FTP_POOL_REUSED,
    discarded = c.FTP_POOL_DISCARDED,
    shrinks = c.FTP_POOL_SHRINKS,
    waits = c.FTP_POOL_WAITS,
};

/// A pool of sessions to one server (ftp_pool). Made for sharing: every method may
/// run from any number of threads at once.
pub const Pool = struct {
    h: *c.ftp_pool,

    /// A pool opening sessions like `template` (connected and logged in once).
    pub fn init(template: Session, max_sessions: u32) Error!Pool {
        var out: ?*c.ftp_pool = null;
        try check(c.ftp_pool_new(template.h, max_sessions, &out));
        return .{ .h = out.? };
    }
    pub fn deinit(self: *Pool) void {
        c.ftp_pool_free(self.h);
        self.* = undefined;
    }
    /// This thread's message for its last failed pool call.
    pub fn lastError() []const u8 {
        return std.mem.span(c.ftp_pool_last_error());
    }
    pub fn setIdleCheck(self: Pool, ms: u32) Error!void {
        try check(c.ftp_pool_set_idle_check(self.h, ms));
    }
    /// How long get() waits for a session; null without limit.
    pub fn setCheckoutTimeout(self: Pool, ms: ?u32) Error!void {
        try check(c.ftp_pool_set_checkout_timeout(self.h, if (ms) |v| @as(i64, v) else -1));
    }
    pub fn setMaxSessions(self: Pool, n: u32) Error!void {
        try check(c.ftp_pool_set_max_sessions(self.h, n));
    }
    /// Checks out a connected, logged-in session; give it back with put() (its
    /// deinit() closes it instead).
    pub fn get(self: Pool) Error!Session {
        var out: ?*c.ftp_session = null;
        try check(c.ftp_pool_get(self.h, &out));
        return .{ .h = out.? };
    }
    /// Gives a session back (the handle is then invalid; after an error it stays the
    /// caller's).
    pub fn put(self: Pool, session: *Session) Error!void {
        try check(c.ftp_pool_put(self.h, session.h));
        session.* = undefined;
    }
    /// Says QUIT to the idle sessions and closes them, within `timeout_ms` in all (0:
    /// closed without QUIT; null: each as long as its reply timeout allows). Returns
    /// how many were closed; sessions in use stay.
    pub fn closeIdle(self: Pool, timeout_ms: ?u32) Error!u32 {
        var closed: u32 = 0;
        try check(c.ftp_pool_close_idle(self.h, if (timeout_ms) |v| @as(i64, v) else -1, &closed));
        return closed;
    }
    /// Stops everything in flight on the pool (error.Interrupted).
    pub fn interrupt(self: Pool) Error!void {
        try check(c.ftp_pool_interrupt(self.h));
    }
    pub fn stat(self: Pool, which: PoolStat) u64 {
        return c.ftp_pool_stat(self.h, @backingInt(which));
    }
};

/// A batch progress report (ftp_batch_cb).
pub const BatchProgress = struct {
    index: usize,
    bytes: u64,
    total: ?u64,
    state: enum { running, done, failed },
    files_done: usize,
    files_total: usize,
    batch_bytes: u64,
};

/// What a batch progress callback answers.
pub const BatchAnswer = enum(c_int) {
    go_on = c.FTP_BATCH_CONTINUE,
    cancel_file = c.FTP_BATCH_CANCEL_FILE,
    cancel_all = c.FTP_BATCH_CANCEL,
};

/// A queue of downloads and uploads run over a pool (ftp_batch).
pub const Batch = struct {
    h: *c.ftp_batch,

    pub fn init(pool: Pool) Error!Batch {
        var out: ?*c.ftp_batch = null;
        try check(c.ftp_batch_new(pool.h, &out));
        return .{ .h = out.? };
    }
    pub fn deinit(self: *Batch) void {
        c.ftp_batch_free(self.h);
        self.* = undefined;
    }
    /// Queues a download; returns the item's index.
    pub fn addDownload(self: Batch, remote: [:0]const u8, local_path: [:0]const u8, flags: FileFlags) Error!usize {
        var i: usize = 0;
        try check(c.ftp_batch_add_download(self.h, remote.ptr, local_path.ptr, flags.bits(), &i));
        return i;
    }
    pub fn addDownloadFd(self: Batch, remote: [:0]const u8, fd: std.posix.fd_t) Error!usize {
        var i: usize = 0;
        try check(c.ftp_batch_add_download_fd(self.h, remote.ptr, fd, &i));
        return i;
    }
    pub fn addUpload(self: Batch, local_path: [:0]const u8, remote: [:0]const u8, flags: FileFlags) Error!usize {
        var i: usize = 0;
        try check(c.ftp_batch_add_upload(self.h, local_path.ptr, remote.ptr, flags.bits(), &i));
        return i;
    }
    pub fn addUploadFd(self: Batch, fd: std.posix.fd_t, remote: [:0]const u8) Error!usize {
        var i: usize = 0;
        try check(c.ftp_batch_add_upload_fd(self.h, fd, remote.ptr, &i));
        return i;
    }
    /// `f(context, progress)` from the worker threads, one call at a time.
    pub fn setProgressCallback(self: Batch, context: anytype, comptime f: fn (@TypeOf(context), BatchProgress) BatchAnswer, interval_ms: u32) Error!void {
        const Ctx = @TypeOf(context);
        const T = struct {
            fn cb(p: ?*anyopaque, index: usize, bytes: u64, total: i64, finished: c_int, done: usize, all: usize, batch_bytes: u64) callconv(.c) c_int {
                const pr: BatchProgress = .{
                    .index = index,
                    .bytes = bytes,
                    .total = if (total < 0) null else @intCast(total),
                    .state = if (finished == 0) .running else if (finished > 0) .done else .failed,
                    .files_done = done,
                    .files_total = all,
                    .batch_bytes = batch_bytes,
                };
                return @backingInt(f(ctxOf(Ctx, p), pr));
            }
        };
        try check(c.ftp_batch_set_progress_callback(self.h, &T.cb, ud(context), interval_ms));
    }
    pub fn setWorkers(self: Batch, workers: u32) Error!void {
        try check(c.ftp_batch_set_workers(self.h, workers));
    }
    pub fn setStopOnError(self: Batch, stop: bool) Error!void {
        try check(c.ftp_batch_set_stop_on_error(self.h, stop));
    }
    pub fn setRetries(self: Batch, retries: u32) Error!void {
        try check(c.ftp_batch_set_retries(self.h, retries));
    }
    /// Runs the items not yet done; the first failed item's error otherwise.
    pub fn run(self: Batch) Error!void {
        try check(c.ftp_batch_run(self.h));
    }
    pub fn len(self: Batch) usize {
        return c.ftp_batch_len(self.h);
    }
    /// An item's bytes moved, or its error.
    pub fn result(self: Batch, index: usize) Error!u64 {
        var n: u64 = 0;
        try check(c.ftp_batch_result(self.h, index, &n));
        return n;
    }
    /// An item's failure message ("" for a success), null if not run.
    pub fn message(self: Batch, index: usize) ?[]const u8 {
        return spanOpt(c.ftp_batch_message(self.h, index));
    }
    pub fn lastError(self: Batch) []const u8 {
        return spanOpt(c.ftp_batch_last_error(self.h)) orelse "";
    }
};
