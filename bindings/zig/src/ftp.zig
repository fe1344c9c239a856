//! A thin Zig layer over libftp's C API: a Session that owns its handle, error unions
//! instead of result codes, and callbacks that take Zig slices.
const std = @import("std");
pub const c = @import("c");

/// libftp's result codes (FTP_E_* in ftp.h) as Zig errors.
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
        else => error.Unknown,
    };
}

/// The library's version string, e.g. "1.0.0".
pub fn version() []const u8 {
    return std.mem.span(c.ftp_version());
}

/// One FTP session. Not for use by two threads at once (the library refuses that
/// with error.Busy).
pub const Session = struct {
    h: *c.ftp_session,

    pub fn init() error{OutOfMemory}!Session {
        return .{ .h = c.ftp_new() orelse return error.OutOfMemory };
    }

    pub fn deinit(self: *Session) void {
        c.ftp_free(self.h);
        self.* = undefined;
    }

    /// Connects and reads the welcome; port 0 means 21.
    pub fn connect(self: *Session, host: [:0]const u8, port: u16, timeout_ms: u32) Error!void {
        try check(c.ftp_connect(self.h, host.ptr, port, timeout_ms, null));
    }

    /// Logs in; null user means anonymous.
    pub fn login(self: *Session, user: ?[:0]const u8, pass: ?[:0]const u8) Error!void {
        try check(c.ftp_login(self.h, if (user) |u| u.ptr else null, if (pass) |p| p.ptr else null, null));
    }

    /// What the last failed call said (valid until the next call on the session).
    pub fn lastError(self: *Session) []const u8 {
        return std.mem.span(c.ftp_session_last_error(self.h));
    }

    /// The last reply's code, 0 if none.
    pub fn lastReplyCode(self: *Session) i32 {
        return c.ftp_session_last_reply_code(self.h);
    }

    /// Sends a command and expects a 2xx reply.
    pub fn voidcmd(self: *Session, cmd: [:0]const u8) Error!void {
        try check(c.ftp_voidcmd(self.h, cmd.ptr));
    }

    /// The working directory (valid until the next call on the session).
    pub fn pwd(self: *Session) Error![]const u8 {
        var out: [*c]const u8 = null;
        try check(c.ftp_pwd(self.h, &out));
        return std.mem.span(out);
    }

    /// A file's size, or null where the server has no SIZE.
    pub fn size(self: *Session, path: [:0]const u8) Error!?u64 {
        var n: i64 = 0;
        try check(c.ftp_size(self.h, path.ptr, &n));
        return if (n < 0) null else @intCast(n);
    }

    pub fn delete(self: *Session, path: [:0]const u8) Error!void {
        try check(c.ftp_delete(self.h, path.ptr));
    }

    /// Downloads in binary mode (`cmd` like "RETR file"), handing each block to
    /// `onData(context, bytes)`; returning false cancels (error.Cancelled).
    pub fn retrBinary(
        self: *Session,
        cmd: [:0]const u8,
        context: anytype,
        comptime onData: fn (@TypeOf(context), []const u8) bool,
    ) Error!void {
        const Ctx = @TypeOf(context);
        const trampoline = struct {
            fn cb(ud: ?*anyopaque, buf: [*c]const u8, len: usize) callconv(.c) c_int {
                const ctx: Ctx = @ptrCast(@alignCast(ud));
                return if (onData(ctx, buf[0..len])) 0 else 1;
            }
        };
        try check(c.ftp_retr_binary(self.h, cmd.ptr, &trampoline.cb, 64 * 1024, c.FTP_NO_REST, @ptrCast(@constCast(context))));
    }

    /// Downloads a whole file into memory the caller owns.
    pub fn retrAlloc(self: *Session, gpa: std.mem.Allocator, cmd: [:0]const u8) (Error || error{OutOfMemory})![]u8 {
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
        self.retrBinary(cmd, &sink, Sink.add) catch |err| {
            if (sink.oom) return error.OutOfMemory;
            return err;
        };
        return sink.list.toOwnedSlice(gpa);
    }

    /// Uploads `bytes` in binary mode (`cmd` like "STOR file").
    pub fn storBytes(self: *Session, cmd: [:0]const u8, bytes: []const u8) Error!void {
        const Source = struct {
            rest: []const u8,
            fn read(ud: ?*anyopaque, buf: [*c]u8, cap: usize, len_out: [*c]usize) callconv(.c) c_int {
                const s: *@This() = @ptrCast(@alignCast(ud));
                const n = @min(cap, s.rest.len);
                @memcpy(buf[0..n], s.rest[0..n]);
                s.rest = s.rest[n..];
                len_out.* = n;
                return 0;
            }
        };
        var source: Source = .{ .rest = bytes };
        try check(c.ftp_stor_binary(self.h, cmd.ptr, &Source.read, 64 * 1024, null, c.FTP_NO_REST, &source));
    }

    /// Says goodbye (QUIT) and closes the connection; the session can connect again.
    pub fn quit(self: *Session) Error!void {
        try check(c.ftp_quit(self.h));
    }
};
