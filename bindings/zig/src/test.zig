//! The binding against vsftpd on loopback (values from build options).
const std = @import("std");
const ftp = @import("ftp");
const servers = @import("servers");

fn session() !ftp.Session {
    if (servers.port == 0) return error.NoServer; // build with -Dport=...
    var s = try ftp.Session.init();
    errdefer s.deinit();
    try s.connect("127.0.0.1", servers.port, 10_000);
    return s;
}

test "the library's version matches the header" {
    try std.testing.expectEqual(@as(c_uint, ftp.c.FTP_VERSION_NUM), @as(c_uint, @intCast(ftp.c.ftp_version_num())));
    try std.testing.expect(ftp.version().len > 0);
}

test "download a file and check its bytes" {
    const gpa = std.testing.allocator;
    var s = try session();
    defer s.deinit();
    try s.login(null, null);
    const hello = try s.retrAlloc(gpa, "RETR hello.txt");
    defer gpa.free(hello);
    try std.testing.expectEqualStrings("hello, world\n", hello);

    const big = try s.retrAlloc(gpa, "RETR big.bin");
    defer gpa.free(big);
    try std.testing.expectEqual(servers.big_size, big.len);
    var digest: [32]u8 = undefined;
    std.crypto.hash.sha2.Sha256.hash(big, &digest, .{});
    const hex = std.fmt.bytesToHex(digest, .lower);
    try std.testing.expectEqualStrings(servers.big_sha256, &hex);
    try s.quit();
}

test "errors are error unions with the server's reply" {
    var s = try session();
    defer s.deinit();
    try s.login(null, null);
    try std.testing.expectError(error.Perm, s.retrAlloc(std.testing.allocator, "RETR no-such-file"));
    try std.testing.expectEqual(@as(i32, 550), s.lastReplyCode());
    try std.testing.expect(s.lastError().len > 0);
    try std.testing.expectError(error.Invalid, s.voidcmd("NOOP\r\nDELE x"));
    // A callback that returns false cancels; the session goes on.
    const Stop = struct {
        fn first(_: *const u8, _: []const u8) bool {
            return false;
        }
    };
    const dummy: u8 = 0;
    try std.testing.expectError(error.Cancelled, s.retrBinary("RETR big.bin", &dummy, Stop.first));
    try std.testing.expect(std.mem.startsWith(u8, try s.pwd(), "/"));
}

test "upload, read back, delete" {
    const gpa = std.testing.allocator;
    var s = try session();
    defer s.deinit();
    const user = try gpa.dupeSentinel(u8, servers.user, 0);
    defer gpa.free(user);
    const pass = try gpa.dupeSentinel(u8, servers.pass, 0);
    defer gpa.free(pass);
    try s.login(user, pass);
    const data = try gpa.alloc(u8, 65_000);
    defer gpa.free(data);
    for (data, 0..) |*b, i| b.* = @intCast(i % 251);
    try s.storBytes("STOR zig.txt", data);
    try std.testing.expectEqual(@as(?u64, data.len), try s.size("zig.txt"));
    const back = try s.retrAlloc(gpa, "RETR zig.txt");
    defer gpa.free(back);
    try std.testing.expectEqualSlices(u8, data, back);
    try s.delete("zig.txt");
    try std.testing.expectError(error.Perm, s.size("zig.txt"));
}
