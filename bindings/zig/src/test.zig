//! The binding against the test servers (tests/servers/start.sh), their ports and
//! files given as build options by tests/drivers/bindings.sh: vsftpd (anonymous and a user
//! who may upload) and vsftpd's explicit FTPS with the test CA.
const std = @import("std");
const ftp = @import("ftp");
const servers = @import("servers");
const testing = std.testing;
const io = testing.io;

extern "c" fn mkdtemp(template: [*:0]u8) ?[*:0]u8;
extern "c" fn usleep(usec: c_uint) c_int;

fn need(port: u16) !void {
    // A missing server fails (never skips): bindings.sh always passes the ports.
    if (port == 0) return error.NoServerGiven;
}

fn session() !ftp.Session {
    try need(servers.port);
    var s = try ftp.Session.init();
    errdefer s.deinit();
    try s.connect("127.0.0.1", servers.port, 10_000);
    return s;
}

fn userSession() !ftp.Session {
    var s = try session();
    errdefer s.deinit();
    try s.login(servers.user, servers.pass);
    return s;
}

/// A fresh directory under the tmp-dir option (outside the checkout).
const TmpDir = struct {
    buf: [512]u8 = undefined,
    path: [:0]const u8 = "",

    fn init(self: *TmpDir) !void {
        const t = try printZ(&self.buf, "{s}/zigftp.XXXXXX", .{servers.tmp_dir});
        self.path = std.mem.span(mkdtemp(t.ptr) orelse return error.MkdtempFailed);
    }
    fn deinit(self: *TmpDir) void {
        std.Io.Dir.cwd().deleteTree(io, self.path) catch {};
    }
    fn join(self: *const TmpDir, buf: []u8, name: []const u8) ![:0]const u8 {
        return printZ(buf, "{s}/{s}", .{ self.path, name });
    }
};

fn readFile(gpa: std.mem.Allocator, path: []const u8) ![]u8 {
    return std.Io.Dir.cwd().readFileAlloc(io, path, gpa, .limited(64 << 20));
}

fn writeFile(path: []const u8, data: []const u8) !void {
    try std.Io.Dir.cwd().writeFile(io, .{ .sub_path = path, .data = data });
}

fn expectSha(data: []const u8) !void {
    try testing.expectEqual(servers.big_size, data.len);
    var digest: [32]u8 = undefined;
    std.crypto.hash.sha2.Sha256.hash(data, &digest, .{});
    const hex = std.fmt.bytesToHex(digest, .lower);
    try testing.expectEqualStrings(servers.big_sha256, &hex);
}

fn pattern(gpa: std.mem.Allocator, n: usize, seed: u8) ![]u8 {
    const data = try gpa.alloc(u8, n);
    for (data, 0..) |*b, i| b.* = @truncate(i % 251 +% seed);
    return data;
}

test "version, result codes and their names" {
    try testing.expectEqual(@as(u32, ftp.c.FTP_VERSION_NUM), ftp.versionNum());
    try testing.expect(ftp.version().len > 0);
    // Every code maps to its own error and back, FTP_E_TLS_PINNED included.
    var rc: c_uint = 1;
    while (rc <= ftp.c.FTP_E_TLS_PINNED) : (rc += 1) {
        const err = if (ftp.check(rc)) unreachable else |e| e;
        try testing.expect(err != error.Unknown);
        try testing.expectEqual(@as(c_int, @intCast(rc)), ftp.code(err));
    }
    try testing.expectError(error.TlsPinned, ftp.check(ftp.c.FTP_E_TLS_PINNED));
    try testing.expectError(error.Unknown, ftp.check(999));
    try testing.expect(std.mem.indexOf(u8, ftp.describe(error.Perm), "5xx") != null);
    try ftp.check(ftp.c.FTP_OK);
}

test "listing: LIST, MLSD, NLST, STAT, entries as data, features" {
    const gpa = testing.allocator;
    var s = try session();
    defer s.deinit();
    try testing.expect(std.mem.startsWith(u8, s.welcome().?, "220"));
    const Log = struct {
        cmds: usize = 0,
        fn line(self: *@This(), kind: ftp.LogKind, text: []const u8) void {
            if (kind == .cmd and text.len > 0) self.cmds += 1;
        }
    };
    var log: Log = .{};
    try s.setLogCallback(&log, Log.line);
    try s.setDebugLevel(1);
    try s.login(null, null);
    try testing.expect(log.cmds >= 2); // USER, PASS (FEAT...)

    // Parsed entries of dir1: a.txt, b.txt (files), sub (a directory).
    var entries = try s.listAll("dir1");
    defer entries.deinit();
    try testing.expectEqual(@as(usize, 3), entries.len());
    const a = entries.find("a.txt") orelse return error.NoATxt;
    try testing.expectEqual(ftp.EntryKind.file, a.kind());
    try testing.expect(a.size() != null);
    try testing.expect(a.mtime() != null);
    try testing.expect(a.raw().len > 0);
    try testing.expectEqual(ftp.EntryKind.dir, entries.find("sub").?.kind());
    _ = a.perm();
    _ = a.unique();
    _ = a.owner();
    _ = a.group();
    _ = a.mode();
    try testing.expectEqual(@as(?[]const u8, null), a.linkTarget());

    // The same listing streamed; a false return cancels and the session goes on.
    const Count = struct {
        n: usize = 0,
        fn entry(self: *@This(), e: ftp.Entry) bool {
            if (e.kind() == .file or e.kind() == .dir) self.n += 1;
            return true;
        }
        fn stop(_: void, _: ftp.Entry) bool {
            return false;
        }
    };
    var count: Count = .{};
    try s.list("dir1", &count, Count.entry);
    try testing.expectEqual(@as(usize, 3), count.n);
    try testing.expectError(error.Cancelled, s.list("dir1", {}, Count.stop));

    // NLST and LIST lines as owned data.
    const names = try s.nameList(gpa, "dir1");
    defer ftp.freeNames(gpa, names);
    try testing.expectEqual(@as(usize, 3), names.len);
    const lines = try s.dirLines(gpa, "dir1");
    defer ftp.freeNames(gpa, lines);
    try testing.expectEqual(@as(usize, 3), lines.len);
    const line0 = try gpa.dupeSentinel(u8, lines[0], 0);
    defer gpa.free(line0);
    var parsed = try ftp.parseListLine(line0);
    defer parsed.deinit();
    try testing.expectEqual(@as(usize, 1), parsed.len());
    var total = try ftp.parseListLine("total 12");
    defer total.deinit();
    try testing.expectEqual(@as(usize, 0), total.len());

    // STAT over the control connection.
    const Lines = struct {
        n: usize = 0,
        fn line(self: *@This(), _: []const u8) bool {
            self.n += 1;
            return true;
        }
    };
    var st: Lines = .{};
    try s.stat(null, &st, Lines.line);
    try testing.expect(st.n > 0);

    // Features.
    try s.feat();
    const size_feat = (try s.featureLookup(gpa, "SIZE")) orelse return error.NoSize;
    gpa.free(size_feat);
    try testing.expectEqual(@as(?[]u8, null), try s.featureLookup(gpa, "MLST")); // vsftpd has no MLSD
    try testing.expect(s.hasFeature("SIZE"));
    try testing.expect(!s.hasFeature("NO-SUCH-FEATURE"));
    try testing.expectEqual(@as(?[]const u8, null), s.featureParams("NO-SUCH-FEATURE"));
    const sys = try s.syst(gpa);
    defer gpa.free(sys);
    try testing.expect(std.mem.startsWith(u8, sys, "UNIX"));

    // Directories, MDTM, SIZE.
    try s.cwdEach("dir1/sub");
    const here = try s.pwd(gpa);
    defer gpa.free(here);
    try testing.expectEqualStrings("/dir1/sub", here);
    try s.cwd("/");
    try testing.expect((try s.mdtm("hello.txt")).secs > 1_000_000_000);
    try testing.expectEqual(@as(?u64, 13), try s.size("hello.txt"));
    try s.noop();
    try s.clearLogCallback();
    try s.setDebugLevel(0);
    try s.quit();
}

test "URLs: parse and connect" {
    try need(servers.port);
    var buf: [128]u8 = undefined;
    var u = try ftp.Url.parseNew(try printZ(&buf, "ftp://127.0.0.1:{d}/dir1/a%2Etxt;type=i", .{servers.port}));
    defer u.deinit();
    try testing.expectEqualStrings("127.0.0.1", u.host().?);
    try testing.expectEqual(servers.port, u.port());
    try testing.expectEqualStrings("dir1/a.txt", u.path().?);
    try testing.expectEqual(@as(?u8, 'i'), u.typeCode());
    try testing.expectEqual(@as(?[]const u8, null), u.user());
    try testing.expectEqual(@as(?[]const u8, null), u.password());
    try testing.expect(!u.isFtps());
    try testing.expectError(error.Invalid, u.parse("ftp://host:99999/"));
    try testing.expect(u.lastError().len > 0);
    try testing.expectEqualStrings("127.0.0.1", u.host().?); // kept on failure

    var s = try ftp.Session.init();
    defer s.deinit();
    try s.connectUrl(u, 10_000);
    try testing.expectEqual(@as(?u64, 13), try s.size("hello.txt"));
    var url2 = try ftp.Url.parseNew("ftps://bob:pw@example.org/x");
    defer url2.deinit();
    try testing.expect(url2.isFtps());
    try testing.expectEqual(@as(u16, 990), url2.port());
    try testing.expectEqualStrings("bob", url2.user().?);
    try testing.expectEqualStrings("pw", url2.password().?);
}

test "transfers: memory, lines, data connections, files, descriptors, commands" {
    const gpa = testing.allocator;
    var s = try userSession();
    defer s.deinit();
    var tmp: TmpDir = .{};
    try tmp.init();
    defer tmp.deinit();
    var pbuf: [600]u8 = undefined;
    var qbuf: [600]u8 = undefined;

    const data = try pattern(gpa, 300_000, 7);
    defer gpa.free(data);
    try s.storBytes("STOR zig-t.bin", data, null);
    try testing.expectEqual(@as(?u64, data.len), try s.size("zig-t.bin"));
    const back = try s.retrAlloc(gpa, "RETR zig-t.bin", null);
    defer gpa.free(back);
    try testing.expectEqualSlices(u8, data, back);

    // Text: storText sends CRLF lines, retrLines gives them back without.
    try s.storText("STOR zig-t.txt", "one\ntwo\nthree\n");
    const Lines = struct {
        buf: [64]u8 = undefined,
        len: usize = 0,
        fn line(self: *@This(), l: []const u8) bool {
            @memcpy(self.buf[self.len..][0..l.len], l);
            self.buf[self.len + l.len] = '|';
            self.len += l.len + 1;
            return true;
        }
    };
    var got: Lines = .{};
    try s.retrLines("RETR zig-t.txt", &got, Lines.line);
    try testing.expectEqualStrings("one|two|three|", got.buf[0..got.len]);

    // A data connection by hand: upload with Data.write + close, read back.
    try s.voidcmd("TYPE I");
    {
        var d = try s.transfercmd("STOR zig-d.bin", null);
        try d.write(data[0..100_000]);
        try d.close(5000);
        d.deinit();
        try s.voidresp();
    }
    {
        const t = try s.ntransfercmd("RETR zig-d.bin", null);
        var d = t.data;
        try testing.expectEqual(@as(?u64, 100_000), t.size);
        var all: std.ArrayList(u8) = .empty;
        defer all.deinit(gpa);
        var chunk: [8192]u8 = undefined;
        while (true) {
            const n = try d.read(&chunk);
            if (n == 0) break;
            try all.appendSlice(gpa, chunk[0..n]);
        }
        try testing.expectEqualStrings("", d.lastError());
        d.deinit();
        try s.voidresp();
        try testing.expectEqualSlices(u8, data[0..100_000], all.items);
    }

    // Whole files with flags, MFMT/MDTM, and descriptors.
    const local = try tmp.join(&pbuf, "up.bin");
    try writeFile(local, data);
    try testing.expectEqual(@as(u64, data.len), try s.storFile(local, "zig-f.bin", .{ .verify_size = true }));
    try testing.expectError(error.Perm, s.mfmt("zig-f.bin", 1_500_000_000)); // vsftpd: no MFMT (proftpd's test has it)
    const down = try tmp.join(&qbuf, "down.bin");
    try testing.expectEqual(@as(u64, data.len), try s.retrFile("zig-f.bin", down, .{ .atomic = true, .verify_size = true, .preserve_mtime = true }));
    const got_file = try readFile(gpa, down);
    defer gpa.free(got_file);
    try testing.expectEqualSlices(u8, data, got_file);
    try testing.expectEqual(@as(u64, data.len), try s.storFile(local, "zig-f.bin", .{ .append = true }));
    try testing.expectEqual(@as(?u64, 2 * data.len), try s.size("zig-f.bin"));

    {
        var f = try std.Io.Dir.cwd().createFile(io, down, .{ .truncate = true });
        defer f.close(io);
        try testing.expectEqual(@as(u64, 100_000), try s.retrFd("zig-d.bin", f.handle, null));
    }
    {
        var f = try std.Io.Dir.cwd().openFile(io, down, .{});
        defer f.close(io);
        try testing.expectEqual(@as(u64, 100_000), try s.storFd(f.handle, "zig-d2.bin", null));
        try testing.expectEqual(@as(?u64, 100_000), try s.size("zig-d2.bin"));
    }

    // Directory commands, rename, SITE and the other small commands.
    const made = try s.mkd(gpa, "zig-dir");
    defer gpa.free(made);
    try testing.expect(std.mem.endsWith(u8, made, "zig-dir"));
    try s.mkdAll("zig-dir/a/b");
    try s.rmd("zig-dir/a/b");
    try s.rmd("zig-dir/a");
    try s.rmd("zig-dir");
    try s.rename("zig-d2.bin", "zig-d3.bin");
    try testing.expectError(error.Perm, s.size("zig-d2.bin"));
    try s.site("CHMOD 644 zig-d3.bin");
    try s.sendcmd("HELP");
    try testing.expectEqual(@as(i32, 214), s.lastReplyCode());
    try testing.expect(s.lastReplyText().len > 0);
    s.allo(10) catch |e| try testing.expectEqual(error.Perm, e);
    try testing.expectError(error.Perm, s.acct("nobody"));
    try testing.expectError(error.Invalid, s.voidcmd("NOOP\r\nDELE x"));
    try testing.expectError(error.Perm, s.retrAlloc(gpa, "RETR no-such-file", null));
    try testing.expectEqual(@as(i32, 550), s.lastReplyCode());
    try testing.expect(s.lastError().len > 0);

    // Passive modes, active mode, and the ABOR form: each moves the same bytes.
    for ([_]ftp.PassiveMode{ .pasv_only, .epsv_only, .epsv_then_pasv }) |mode| {
        try s.setPassiveMode(mode);
        const b = try s.retrAlloc(gpa, "RETR zig-d.bin", null);
        defer gpa.free(b);
        try testing.expectEqualSlices(u8, data[0..100_000], b);
    }
    try s.setPasv(false);
    const act = try s.retrAlloc(gpa, "RETR zig-d.bin", null);
    gpa.free(act);
    try s.setPasv(true);
    try s.setTrustServerPasvIpv4Address(false);
    try s.setPipelining(false);
    try s.setTypeCaching(false);
    try s.setZeroCopy(true, true);
    try s.setKeepalive(true, 60, 10);
    try s.setTimeouts(5000, null, 0);
    try s.setActiveAddress(null);
    try s.setFeatAfterLogin(true);
    try s.setReconnect(2, 100);
    const again = try s.retrAlloc(gpa, "RETR zig-d.bin", null);
    gpa.free(again);
    try testing.expectEqual(@as(u64, 0), s.reconnects());

    for ([_][:0]const u8{ "zig-t.bin", "zig-t.txt", "zig-d.bin", "zig-d3.bin", "zig-f.bin" }) |name| try s.delete(name);
    try s.quit();
    try s.close();
}

test "a source port: the control connection is bound to it" {
    try need(servers.port);
    // A port from the pid, away from the ephemeral range.
    const port: u16 = @intCast(20_000 + @mod(std.c.getpid(), 10_000));
    var s1 = try ftp.Session.init();
    defer s1.deinit();
    try s1.setSourcePort(port);
    try s1.connectFrom("127.0.0.1", servers.port, 10_000, "127.0.0.1");
    try s1.login(null, null);
    // A second connection from the same port to the same server cannot be made.
    var s2 = try ftp.Session.init();
    defer s2.deinit();
    try s2.setSourcePort(port);
    try testing.expectError(error.Io, s2.connect("127.0.0.1", servers.port, 10_000));
    try s2.setSourcePort(0);
    try s2.connect("127.0.0.1", servers.port, 10_000);
    try s1.noop();
}

test "a proxy setting: a bad URL is refused, off again with null, no proxy connects" {
    try need(servers.port);
    var s = try ftp.Session.init();
    defer s.deinit();
    try testing.expectError(error.Invalid, s.setProxy("gopher://example"));
    // A SOCKS5 proxy on a port nothing listens on: the connect fails on the proxy.
    try s.setProxy("socks5://127.0.0.1:1");
    try testing.expect(if (s.connect("127.0.0.1", servers.port, 10_000)) |_| false else |_| true);
    try s.setProxy(null);
    try s.connect("127.0.0.1", servers.port, 10_000);
    try s.login(null, null);
    try s.noop();
}

test "resume: REST downloads and uploads, whole-file resume" {
    const gpa = testing.allocator;
    var s = try userSession();
    defer s.deinit();
    var tmp: TmpDir = .{};
    try tmp.init();
    defer tmp.deinit();
    var pbuf: [600]u8 = undefined;

    const data = try pattern(gpa, 200_000, 3);
    defer gpa.free(data);
    // Upload the first part, then the rest with REST.
    try s.storBytes("STOR zig-r.bin", data[0..70_000], null);
    try s.storBytes("STOR zig-r.bin", data[70_000..], 70_000);
    try testing.expectEqual(@as(?u64, data.len), try s.size("zig-r.bin"));
    // Download from an offset.
    const tail = try s.retrAlloc(gpa, "RETR zig-r.bin", 123_456);
    defer gpa.free(tail);
    try testing.expectEqualSlices(u8, data[123_456..], tail);

    // A partial local file continued by retrFile.
    const local = try tmp.join(&pbuf, "r.bin");
    try writeFile(local, data[0..50_000]);
    try testing.expectEqual(@as(u64, data.len - 50_000), try s.retrFile("zig-r.bin", local, .{ .resume_partial = true, .verify_size = true }));
    const whole = try readFile(gpa, local);
    defer gpa.free(whole);
    try testing.expectEqualSlices(u8, data, whole);

    // A partial remote file continued by storFile.
    try s.storBytes("STOR zig-r2.bin", data[0..30_000], null);
    try testing.expectEqual(@as(u64, data.len - 30_000), try s.storFile(local, "zig-r2.bin", .{ .resume_partial = true, .verify_size = true }));
    const back = try s.retrAlloc(gpa, "RETR zig-r2.bin", null);
    defer gpa.free(back);
    try testing.expectEqualSlices(u8, data, back);
    try s.delete("zig-r.bin");
    try s.delete("zig-r2.bin");
}

test "cancellation: callbacks, progress, interrupt from another thread, abort" {
    const gpa = testing.allocator;
    var s = try session();
    defer s.deinit();
    try s.login(null, null);

    const Stop = struct {
        fn first(_: void, _: []const u8) bool {
            return false;
        }
    };
    try testing.expectError(error.Cancelled, s.retrBinary("RETR big.bin", .{}, {}, Stop.first));
    try s.noop(); // still usable

    // Progress: counts reports with a total, then cancels half way.
    const Prog = struct {
        reports: usize = 0,
        last: u64 = 0,
        total: ?u64 = null,
        cancel_at: u64 = std.math.maxInt(u64),
        fn report(self: *@This(), p: ftp.Progress) bool {
            self.reports += 1;
            self.last = p.bytes;
            self.total = p.total;
            return p.bytes < self.cancel_at;
        }
    };
    var prog: Prog = .{};
    try s.setProgressCallback(&prog, Prog.report, 0);
    const big = try s.retrAlloc(gpa, "RETR big.bin", null);
    defer gpa.free(big);
    try expectSha(big);
    try testing.expect(prog.reports > 1);
    try testing.expectEqual(servers.big_size, prog.last);
    try testing.expectEqual(@as(?u64, servers.big_size), prog.total);
    prog = .{ .cancel_at = servers.big_size / 2 };
    try testing.expectError(error.Cancelled, s.retrAlloc(gpa, "RETR big.bin", null));
    try testing.expect(prog.last < servers.big_size);
    try s.clearProgressCallback();

    // ftp_interrupt from another thread stops a slow download.
    const Slow = struct {
        fn block(_: void, _: []const u8) bool {
            _ = usleep(20_000);
            return true;
        }
        fn stopper(h: ftp.Session) void {
            _ = usleep(200_000);
            h.interrupt() catch {};
        }
    };
    const t = try std.Thread.spawn(.{}, Slow.stopper, .{s});
    const r = s.retrBinary("RETR big.bin", .{ .block_size = 4096 }, {}, Slow.block);
    t.join();
    try testing.expectError(error.Interrupted, r);
    try s.noop();

    // ABOR with a data connection open, in both forms.
    for ([_]bool{ false, true }) |urgent| {
        try s.setAbortUrgent(urgent);
        var d = try s.transfercmd("RETR big.bin", null);
        var chunk: [4096]u8 = undefined;
        _ = try d.read(&chunk);
        try s.abort();
        d.deinit();
        try s.noop();
    }
    try s.setAbortUrgent(false);
}

fn tlsSession(cfg: ftp.TlsConfig) !ftp.Session {
    try need(servers.vsftps_port);
    var s = try ftp.Session.init();
    errdefer s.deinit();
    try s.setTls(.explicit, cfg);
    try s.connect("127.0.0.1", servers.vsftps_port, 10_000);
    return s;
}

test "TLS: CA file and PEM, data session reuse, pinning, verify callback" {
    const gpa = testing.allocator;
    try need(servers.vsftps_port);
    var cfg = try ftp.TlsConfig.init();
    defer cfg.deinit();
    try cfg.setCaFile(servers.ca_file);
    try cfg.setVersions(.tls1_2, .default);
    try cfg.setSessionReuse(true);
    try cfg.setProtectData(true);
    try cfg.setAuthSslFallback(false);
    try cfg.setCipherList(null);
    try cfg.setCiphersuites(null);
    try testing.expectError(error.Invalid, cfg.setVersions(.tls1_3, .tls1_2));
    try testing.expect(cfg.lastError().len > 0);
    {
        var s = try tlsSession(cfg);
        defer s.deinit();
        try s.login(servers.user, servers.pass);
        try testing.expect(s.tlsVersion() != null);
        try testing.expect(s.tlsCipher() != null);
        try testing.expectEqual(@as(?bool, null), s.dataTlsResumed());
        const data = try pattern(gpa, 150_000, 11);
        defer gpa.free(data);
        try s.storBytes("STOR zig-tls.bin", data, null);
        const back = try s.retrAlloc(gpa, "RETR zig-tls.bin", null);
        defer gpa.free(back);
        try testing.expectEqualSlices(u8, data, back);
        // vsftpd requires reuse (require_ssl_reuse): the data connection resumed.
        try testing.expectEqual(@as(?bool, true), s.dataTlsResumed());
        try s.delete("zig-tls.bin");
        try s.quit();
    }

    // The CA as PEM text from memory (no file).
    const pem = try readFile(gpa, servers.ca_file);
    defer gpa.free(pem);
    var mem = try ftp.TlsConfig.init();
    defer mem.deinit();
    try mem.setCaPem(pem);
    try mem.addCaPem(pem);
    try testing.expectError(error.Invalid, mem.addCaPem("not a certificate"));
    {
        var s = try tlsSession(mem);
        defer s.deinit();
        try s.login(servers.user, servers.pass);
        try s.noop();
    }
    // Without the test CA: untrusted.
    var none = try ftp.TlsConfig.init();
    defer none.deinit();
    try none.setCaPem(null);
    {
        var s = try ftp.Session.init();
        defer s.deinit();
        try s.setTls(.explicit, none);
        try testing.expectError(error.TlsUntrusted, s.connect("127.0.0.1", servers.vsftps_port, 10_000));
    }

    // Pinning: the right pin connects, a wrong one is error.TlsPinned.
    var pin_buf: [200]u8 = undefined;
    try mem.setPinnedPubkey(try printZ(&pin_buf, "{s}", .{servers.tls_pin}));
    {
        var s = try tlsSession(mem);
        defer s.deinit();
        try s.login(servers.user, servers.pass);
        const names = try s.nameList(gpa, null);
        ftp.freeNames(gpa, names);
    }
    try mem.setPinnedPubkey("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    {
        var s = try ftp.Session.init();
        defer s.deinit();
        try s.setTls(.explicit, mem);
        try testing.expectError(error.TlsPinned, s.connect("127.0.0.1", servers.vsftps_port, 10_000));
        try testing.expect(std.mem.indexOf(u8, s.lastError(), "pin") != null);
    }
    try testing.expectError(error.Invalid, mem.setPinnedPubkey("md5//x"));
    try mem.setPinnedPubkey(null);

    // A verify callback sees the chain; its "no" is error.TlsUntrusted, its "yes"
    // accepts a chain OpenSSL rejected.
    const Verify = struct {
        calls: usize = 0,
        certs: usize = 0,
        verified: bool = false,
        answer: bool,
        fn decide(self: *@This(), info: ftp.VerifyInfo) bool {
            self.calls += 1;
            self.certs = info.count;
            self.verified = info.verified;
            if (info.count > 0 and info.cert(0).len < 100) return false;
            return self.answer;
        }
    };
    var no: Verify = .{ .answer = false };
    try cfg.setVerifyCallback(&no, Verify.decide);
    {
        var s = try ftp.Session.init();
        defer s.deinit();
        try s.setTls(.explicit, cfg);
        try testing.expectError(error.TlsUntrusted, s.connect("127.0.0.1", servers.vsftps_port, 10_000));
    }
    try testing.expectEqual(@as(usize, 1), no.calls);
    try testing.expect(no.verified);
    try testing.expect(no.certs >= 1);
    var yes: Verify = .{ .answer = true };
    try none.setVerifyCallback(&yes, Verify.decide);
    {
        var s = try tlsSession(none);
        defer s.deinit();
        try s.login(servers.user, servers.pass);
    }
    try testing.expect(yes.calls >= 1);
    try testing.expect(!yes.verified);
    try cfg.clearVerifyCallback();

    // ftp_auth / prot by hand on a plain session; CCC.
    {
        var s = try ftp.Session.init();
        defer s.deinit();
        try s.setTls(.off, cfg);
        try s.connect("127.0.0.1", servers.vsftps_port, 10_000);
        try s.auth();
        try s.login(servers.user, servers.pass);
        try s.protC();
        try s.protP();
        const names = try s.nameList(gpa, null);
        ftp.freeNames(gpa, names);
        s.ccc() catch |e| try testing.expect(e == error.Perm or e == error.Temp);
    }
    // Client certificates: from files and from memory (vsftpd does not ask for one,
    // the setters check the pair).
    var cc: [600]u8 = undefined;
    var ck: [600]u8 = undefined;
    const cert_path = try printZ(&cc, "{s}/client.pem", .{servers.cert_dir});
    const key_path = try printZ(&ck, "{s}/client.key", .{servers.cert_dir});
    try cfg.setClientCert(cert_path, key_path);
    const cert_pem = try readFile(gpa, cert_path);
    defer gpa.free(cert_pem);
    const key_pem = try readFile(gpa, key_path);
    defer gpa.free(key_pem);
    try cfg.setClientCertPem(cert_pem, key_pem, null);
    const Pass = struct {
        fn give(_: void, _: []u8) ?usize {
            return null;
        }
    };
    try cfg.setClientCertPemCallback(cert_pem, key_pem, {}, Pass.give); // unencrypted: not asked
    try testing.expectError(error.Invalid, cfg.setClientCertPem(cert_pem, pem, null));
    try cfg.setClientCert(null, null);
    try cfg.setCaDir(servers.ca_dir);
    try cfg.setInsecureSkipVerify(false);
}

test "the 1.0 aliases are the 1.1 functions" {
    var s = try session();
    defer s.deinit();
    try s.login(null, null);
    var out: ?*ftp.c.ftp_entry_list = null;
    try ftp.check(ftp.c.ftp_list_get(s.h, "dir1", &out));
    var old: ftp.EntryList = .{ .h = out.? };
    defer old.deinit();
    var new = try s.listAll("dir1");
    defer new.deinit();
    try testing.expectEqual(new.len(), old.len());
    var cfg = try ftp.TlsConfig.init();
    defer cfg.deinit();
    try ftp.check(ftp.c.ftp_tls_config_insecure_skip_verify(cfg.h, false));
}

test "pool and batch: checkouts, reuse, parallel items, per-item results" {
    const gpa = testing.allocator;
    var tmpl = try session();
    defer tmpl.deinit();
    try tmpl.login(null, null);
    var pool = try ftp.Pool.init(tmpl, 3);
    defer pool.deinit();
    try pool.setIdleCheck(0);
    try pool.setCheckoutTimeout(10_000);
    try pool.setMaxSessions(3);
    try testing.expectEqualStrings("", ftp.Pool.lastError());

    var a = try pool.get();
    try testing.expectEqual(@as(?u64, 13), try a.size("hello.txt"));
    try pool.put(&a);
    var b = try pool.get();
    try b.noop();
    try pool.put(&b);
    try testing.expectEqual(@as(u64, 1), pool.stat(.opened));
    try testing.expect(pool.stat(.reused) >= 1);
    try testing.expectEqual(@as(u64, 3), pool.stat(.max_sessions));
    try testing.expectEqual(@as(u64, 0), pool.stat(.in_use));
    // The idle session says goodbye; the next get() opens another.
    try testing.expectEqual(@as(u32, 1), try pool.closeIdle(5_000));
    try testing.expectEqual(@as(u64, 0), pool.stat(.idle));
    var d = try pool.get();
    try d.noop();
    try pool.put(&d);
    try testing.expectEqual(@as(u64, 2), pool.stat(.opened));

    var tmp: TmpDir = .{};
    try tmp.init();
    defer tmp.deinit();
    var b1: [600]u8 = undefined;
    var b2: [600]u8 = undefined;
    var b3: [600]u8 = undefined;
    var b4: [600]u8 = undefined;
    var batch = try ftp.Batch.init(pool);
    defer batch.deinit();
    try batch.setWorkers(3);
    try batch.setRetries(1);
    try batch.setStopOnError(false);
    const Prog = struct {
        finished: std.atomic.Value(usize) = .init(0),
        fn report(self: *@This(), p: ftp.BatchProgress) ftp.BatchAnswer {
            if (p.state != .running) _ = self.finished.fetchAdd(1, .monotonic);
            return .go_on;
        }
    };
    var prog: Prog = .{};
    try batch.setProgressCallback(&prog, Prog.report, 50);
    const i_big = try batch.addDownload("big.bin", try tmp.join(&b1, "big.bin"), .{ .atomic = true });
    const i_hello = try batch.addDownload("hello.txt", try tmp.join(&b2, "hello.txt"), .{});
    const i_missing = try batch.addDownload("no-such-file", try tmp.join(&b3, "missing"), .{});
    var fd_file = try std.Io.Dir.cwd().createFile(io, try tmp.join(&b4, "a-fd.txt"), .{});
    defer fd_file.close(io);
    const i_fd = try batch.addDownloadFd("dir1/a.txt", fd_file.handle);
    try testing.expectEqual(@as(usize, 4), batch.len());
    try testing.expectError(error.Perm, batch.run());
    try testing.expect(batch.lastError().len > 0);
    try testing.expectEqual(servers.big_size, try batch.result(i_big));
    try testing.expectEqual(@as(u64, 13), try batch.result(i_hello));
    try testing.expectError(error.Perm, batch.result(i_missing));
    try testing.expect(std.mem.indexOf(u8, batch.message(i_missing).?, "550") != null);
    try testing.expectEqualStrings("", batch.message(i_hello).?);
    try testing.expect((try batch.result(i_fd)) > 0);
    try testing.expectEqual(@as(usize, 4), prog.finished.load(.monotonic));
    const big = try readFile(gpa, try tmp.join(&b1, "big.bin"));
    defer gpa.free(big);
    try expectSha(big);

    // Uploads over the pool as the user.
    var utmpl = try userSession();
    defer utmpl.deinit();
    var upool = try ftp.Pool.init(utmpl, 2);
    defer upool.deinit();
    var ubatch = try ftp.Batch.init(upool);
    defer ubatch.deinit();
    const up0 = try ubatch.addUpload(try tmp.join(&b2, "hello.txt"), "zig-b1.txt", .{ .atomic = true, .verify_size = true });
    var rd = try std.Io.Dir.cwd().openFile(io, try tmp.join(&b2, "hello.txt"), .{});
    defer rd.close(io);
    const up1 = try ubatch.addUploadFd(rd.handle, "zig-b2.txt");
    try ubatch.run();
    try testing.expectEqual(@as(u64, 13), try ubatch.result(up0));
    try testing.expectEqual(@as(u64, 13), try ubatch.result(up1));
    var u = try upool.get();
    try testing.expectEqual(@as(?u64, 13), try u.size("zig-b1.txt"));
    try u.delete("zig-b1.txt");
    try u.delete("zig-b2.txt");
    try upool.put(&u);
    try upool.interrupt();
}

test "segmented download: big.bin over 4 connections" {
    const gpa = testing.allocator;
    var s = try session();
    defer s.deinit();
    try s.login(null, null);
    var tmp: TmpDir = .{};
    try tmp.init();
    defer tmp.deinit();
    var pbuf: [600]u8 = undefined;
    const local = try tmp.join(&pbuf, "big.bin");
    try testing.expectEqual(servers.big_size, try s.retrFileSegmented("big.bin", local, 4, .{}));
    const got = try readFile(gpa, local);
    defer gpa.free(got);
    try expectSha(got);
    try testing.expectError(error.Invalid, s.retrFileSegmented("big.bin", local, 0, .{}));
    try testing.expectError(error.Invalid, s.retrFileSegmented("big.bin", local, ftp.c.FTP_MAX_SEGMENTS + 1, .{}));
}

test "mirror: parallel download, failures reported, upload mirror" {
    const gpa = testing.allocator;
    var tmp: TmpDir = .{};
    try tmp.init();
    defer tmp.deinit();
    var pbuf: [600]u8 = undefined;
    var qbuf: [600]u8 = undefined;

    // Anonymous mirror of dir1 with 2 sessions.
    {
        var s = try session();
        defer s.deinit();
        try s.login(null, null);
        try s.setMirrorParallel(2);
        const Steps = struct {
            gets: usize = 0,
            mkdirs: usize = 0,
            fn step(self: *@This(), action: ftp.MirrorAction, path: []const u8, _: ?u64) bool {
                if (path.len == 0) return false;
                switch (action) {
                    .get => self.gets += 1,
                    .mkdir => self.mkdirs += 1,
                    else => {},
                }
                return true;
            }
        };
        var steps: Steps = .{};
        var stats: ftp.MirrorStats = .{};
        const local = try tmp.join(&pbuf, "dir1");
        try s.mirror("dir1", local, .{ .stats = &stats }, &steps, Steps.step);
        try testing.expectEqual(@as(u64, 5), stats.files);
        try testing.expectEqual(@as(usize, 5), steps.gets);
        try testing.expectEqual(@as(usize, 0), s.mirrorFailureCount());
        const c_txt = try readFile(gpa, try tmp.join(&qbuf, "dir1/sub/c.txt"));
        defer gpa.free(c_txt);
        const remote_c = try s.retrAlloc(gpa, "RETR dir1/sub/c.txt", null);
        defer gpa.free(remote_c);
        try testing.expectEqualSlices(u8, remote_c, c_txt);
        // Again: everything unchanged, nothing moves; a dry run with a skip pattern.
        try s.mirror("dir1", local, .{ .stats = &stats }, {}, ftp.noMirrorCallback);
        try testing.expectEqual(@as(u64, 0), stats.files);
        try s.mirror("dir1", local, .{ .flags = .{ .dry_run = true, .delete = true }, .skip = &.{"*.txt"}, .stats = &stats }, {}, ftp.noMirrorCallback);
        try testing.expectEqual(@as(u64, 0), stats.files);
    }

    // Upload a tree as the user, make one file unreadable, mirror it back: the
    // mirror goes on past the failure and reports it.
    var s = try userSession();
    defer s.deinit();
    const src = try tmp.join(&pbuf, "dir1");
    var stats: ftp.MirrorStats = .{};
    var rbuf: [64]u8 = undefined;
    const remote = try printZ(&rbuf, "zig-mirror-{d}", .{std.c.getpid()});
    var abuf: [80]u8 = undefined;
    try s.mirrorUpload(src, remote, .{ .stats = &stats }, {}, ftp.noMirrorCallback);
    try testing.expectEqual(@as(u64, 5), stats.files);
    try s.site(try printZ(&abuf, "CHMOD 000 {s}/a.txt", .{remote}));
    const Failed = struct {
        n: usize = 0,
        fn step(self: *@This(), action: ftp.MirrorAction, _: []const u8, _: ?u64) bool {
            if (action == .failed) self.n += 1;
            return true;
        }
    };
    var failed: Failed = .{};
    const back = try tmp.join(&qbuf, "back");
    try s.setMirrorParallel(2);
    try testing.expectError(error.Perm, s.mirror(remote, back, .{ .stats = &stats }, &failed, Failed.step));
    try testing.expectEqual(@as(u64, 4), stats.files);
    try testing.expectEqual(@as(usize, 1), failed.n);
    try testing.expectEqual(@as(usize, 1), s.mirrorFailureCount());
    const f = s.mirrorFailure(0).?;
    try testing.expectEqualStrings("a.txt", f.path);
    try testing.expectEqual(error.Perm, f.err);
    try testing.expectEqual(@as(i32, 550), f.reply_code);
    try testing.expect(f.message.len > 0);
    try testing.expectEqual(@as(?ftp.MirrorFailure, null), s.mirrorFailure(1));
    // Clean up the server side with a deleting upload mirror of an empty tree.
    // Best effort: what is left does not change the next run's results.
    s.site(try printZ(&abuf, "CHMOD 644 {s}/a.txt", .{remote})) catch {};
    const empty = try tmp.join(&pbuf, "empty");
    try std.Io.Dir.cwd().createDirPath(io, empty);
    s.mirrorUpload(empty, remote, .{ .flags = .{ .delete = true } }, {}, ftp.noMirrorCallback) catch {};
}

fn printZ(buf: []u8, comptime fmt: []const u8, args: anytype) ![:0]u8 {
    return std.fmt.bufPrintSentinel(buf, fmt, args, 0);
}

test "MLSD, MLST features, MFMT and MLSD entries on proftpd" {
    const gpa = testing.allocator;
    try need(servers.proftpd_port);
    var s = try ftp.Session.init();
    defer s.deinit();
    try s.connect("127.0.0.1", servers.proftpd_port, 10_000);
    try s.login(servers.user, servers.pass);
    var dbuf: [64]u8 = undefined;
    const dir = try printZ(&dbuf, "zig-mlsd-{d}", .{std.c.getpid()});
    try s.mkdAll(dir);
    try s.cwd(dir);
    const data = try pattern(gpa, 3000, 1);
    defer gpa.free(data);
    try s.storBytes("STOR one.txt", data, null);
    try s.storText("STOR two.txt", "hello, world\n");
    try s.cwd("..");

    const mlst = (try s.featureLookup(gpa, "MLST")) orelse return error.NoMlst;
    defer gpa.free(mlst);
    try testing.expect(std.mem.indexOf(u8, mlst, "size") != null);
    try testing.expect(std.mem.indexOf(u8, s.featureParams("MLST").?, "size") != null);

    // MLSD with chosen facts.
    const Mlsd = struct {
        sizes: u64 = 0,
        files: usize = 0,
        fn entry(self: *@This(), e: ftp.MlsdEntry) bool {
            const t = e.fact("type") orelse return false;
            if (std.mem.eql(u8, t, "file")) {
                self.files += 1;
                self.sizes += std.fmt.parseInt(u64, e.fact("size").?, 10) catch return false;
                const first = e.factAt(0) catch return false;
                if (first.name.len == 0 or e.factCount() == 0) return false;
                if (!std.mem.endsWith(u8, e.name(), ".txt")) return false;
            }
            return true;
        }
    };
    var m: Mlsd = .{};
    try s.mlsd(dir, &.{ "type", "size", "modify" }, &m, Mlsd.entry);
    try testing.expectEqual(@as(usize, 2), m.files);
    try testing.expectEqual(@as(u64, 3000 + 13), m.sizes);

    // Parsed entries come from MLSD here: facts LIST lacks.
    var entries = try s.listAll(dir);
    defer entries.deinit();
    var files: usize = 0;
    for (0..entries.len()) |i| {
        if (entries.get(i).kind() == .file) files += 1;
    }
    try testing.expectEqual(@as(usize, 2), files); // and the cdir/pdir entries
    try testing.expectEqual(ftp.EntryKind.cdir, entries.find(".").?.kind());
    const one = entries.find("one.txt").?;
    try testing.expectEqual(@as(?u64, 3000), one.size());
    try testing.expect(one.unique() != null);
    try testing.expect(one.perm() != null);
    try testing.expect(std.mem.indexOf(u8, one.raw(), "size=3000") != null);

    var fbuf: [96]u8 = undefined;
    const file = try printZ(&fbuf, "{s}/one.txt", .{dir});
    try s.mfmt(file, 1_500_000_000);
    try testing.expectEqual(@as(i64, 1_500_000_000), (try s.mdtm(file)).secs);
    var again = try s.listAll(dir);
    defer again.deinit();
    try testing.expectEqual(@as(i64, 1_500_000_000), again.find("one.txt").?.mtime().?.secs);
    try s.delete(file);
    try s.delete(try printZ(&fbuf, "{s}/two.txt", .{dir}));
    try s.rmd(dir);
}

test "trees: walk, removeTree, mlst, LIST time offset, progress with the resume offset" {
    const gpa = testing.allocator;
    var s = try userSession();
    defer s.deinit();
    var dbuf: [64]u8 = undefined;
    const root = try printZ(&dbuf, "zig-tree-{d}", .{std.c.getpid()});
    var pbuf: [128]u8 = undefined;
    try s.mkdAll(try printZ(&pbuf, "{s}/a/b", .{root}));
    try s.storBytes(try printZ(&pbuf, "STOR {s}/top.txt", .{root}), "top\n", null);
    try s.storBytes(try printZ(&pbuf, "STOR {s}/a/b/deep.txt", .{root}), "deep!\n", null);

    // The walk: a directory before its contents, paths joined, depths counted.
    const Walk = struct {
        buf: [8][64]u8 = undefined,
        paths: [8][]const u8 = undefined,
        depths: [8]u32 = undefined,
        n: usize = 0,
        stop_at: usize = 100,
        fn entry(self: *@This(), we: ftp.WalkEntry) bool {
            if (self.n == self.stop_at) return false;
            if (self.n == 8 or we.unsafe_name or we.loop) return false;
            @memcpy(self.buf[self.n][0..we.path.len], we.path);
            self.paths[self.n] = self.buf[self.n][0..we.path.len];
            self.depths[self.n] = we.depth;
            if (std.mem.endsWith(u8, we.path, "deep.txt") and we.entry.size() != 6) return false;
            self.n += 1;
            return true;
        }
        fn find(self: *const @This(), suffix: []const u8) ?usize {
            for (self.paths[0..self.n], 0..) |p, i| if (std.mem.endsWith(u8, p, suffix)) return i;
            return null;
        }
    };
    var w: Walk = .{};
    try s.walk(root, 0, &w, Walk.entry);
    try testing.expectEqual(@as(usize, 4), w.n);
    const a = w.find("/a").?;
    const b = w.find("/a/b").?;
    const deep = w.find("/a/b/deep.txt").?;
    try testing.expect(a < b and b < deep);
    try testing.expectEqual(@as(u32, 1), w.depths[a]);
    try testing.expectEqual(@as(u32, 3), w.depths[deep]);
    try testing.expectEqualStrings(try printZ(&pbuf, "{s}/a/b/deep.txt", .{root}), w.paths[deep]);
    // max_depth 1 lists the root only; false stops the walk.
    var shallow: Walk = .{};
    try s.walk(root, 1, &shallow, Walk.entry);
    try testing.expectEqual(@as(usize, 2), shallow.n);
    var stopped: Walk = .{ .stop_at = 1 };
    try testing.expectError(error.Cancelled, s.walk(root, 0, &stopped, Walk.entry));
    try testing.expectEqual(@as(usize, 1), stopped.n);

    // mlst on vsftpd (no MLST): the parent's listing, named by the last component.
    var one = try s.mlst(try printZ(&pbuf, "{s}/a/b/deep.txt", .{root}));
    defer one.deinit();
    try testing.expectEqual(@as(usize, 1), one.len());
    try testing.expectEqualStrings("deep.txt", one.get(0).name());
    try testing.expectEqual(@as(?u64, 6), one.get(0).size());
    try testing.expectError(error.Proto, s.mlst(try printZ(&pbuf, "{s}/missing.txt", .{root})));

    // The LIST time offset moves the parsed times by exactly that much.
    var before = try s.listAll(root);
    defer before.deinit();
    try s.setListTimeOffset(3600);
    var after = try s.listAll(root);
    defer after.deinit();
    try s.setListTimeOffset(0);
    try testing.expectEqual(before.find("top.txt").?.mtime().?.secs - 3600, after.find("top.txt").?.mtime().?.secs);
    try testing.expectError(error.Invalid, s.setListTimeOffset(86401));

    // Progress of a resumed download carries its REST offset.
    const data = try pattern(gpa, 100_000, 5);
    defer gpa.free(data);
    try s.storBytes(try printZ(&pbuf, "STOR {s}/p.bin", .{root}), data, null);
    var tmp: TmpDir = .{};
    try tmp.init();
    defer tmp.deinit();
    var lbuf: [600]u8 = undefined;
    const local = try tmp.join(&lbuf, "p.bin");
    try writeFile(local, data[0..40_000]);
    const Seen = struct {
        last: ?ftp.Progress = null,
        fn report(self: *@This(), p: ftp.Progress) bool {
            self.last = p;
            return true;
        }
    };
    var seen: Seen = .{};
    try s.setProgressCallback(&seen, Seen.report, 0);
    try testing.expectEqual(@as(u64, 60_000), try s.retrFile(try printZ(&pbuf, "{s}/p.bin", .{root}), local, .{ .resume_partial = true }));
    try s.clearProgressCallback();
    try testing.expectEqual(@as(u64, 40_000), seen.last.?.offset);
    try testing.expectEqual(@as(u64, 60_000), seen.last.?.bytes);
    try testing.expectEqual(@as(?u64, 60_000), seen.last.?.total);

    // removeTree takes it all; "/" is refused.
    try testing.expectError(error.Invalid, s.removeTree("/"));
    try s.removeTree(root);
    try testing.expectError(error.Perm, s.cwd(root));
}

test "mlst with MLST on proftpd" {
    try need(servers.proftpd_port);
    var s = try ftp.Session.init();
    defer s.deinit();
    try s.connect("127.0.0.1", servers.proftpd_port, 10_000);
    try s.login(servers.user, servers.pass);
    var dbuf: [64]u8 = undefined;
    const name = try printZ(&dbuf, "zig-mlst-{d}.txt", .{std.c.getpid()});
    var cbuf: [96]u8 = undefined;
    try s.storBytes(try printZ(&cbuf, "STOR {s}", .{name}), "hello, world\n", null);
    var one = try s.mlst(name);
    defer one.deinit();
    try testing.expectEqual(@as(usize, 1), one.len());
    try testing.expectEqual(ftp.EntryKind.file, one.get(0).kind());
    try testing.expectEqual(@as(?u64, 13), one.get(0).size());
    try testing.expect(std.mem.indexOf(u8, one.get(0).raw(), "size=13") != null);
    try s.delete(name);
    try testing.expectError(error.Perm, s.mlst(name));
}
