//! Builds the Zig binding of libftp against the installed library, found with
//! pkg-config (`linkSystemLibrary("ftp")`), and `zig build test` runs its tests against
//! the test servers (tests/servers/start.sh): tests/drivers/bindings.sh passes their values
//! as -D options (`zig build --help` lists them). Another project depends on this
//! directory (build.zig.zon) and imports the module "ftp": see docs/quickstart.md.
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    // ftp.h translated to Zig; pkg-config gives its include directory.
    const header = b.addWriteFiles().add("ftp_c.h", "#include <ftp.h>\n");
    const translated = b.addTranslateC(.{ .root_source_file = header, .target = target, .optimize = optimize });
    translated.linkSystemLibrary("ftp", .{});

    const ftp = b.addModule("ftp", .{
        .root_source_file = b.path("src/ftp.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
    });
    ftp.addImport("c", translated.createModule());
    ftp.linkSystemLibrary("ftp", .{});

    const options = b.addOptions();
    options.addOption(u16, "port", b.option(u16, "port", "vsftpd's port for the tests") orelse 0);
    options.addOption(u64, "big_size", b.option(u64, "big-size", "size of big.bin") orelse 0);
    options.addOption([]const u8, "big_sha256", b.option([]const u8, "big-sha256", "SHA-256 of big.bin (hex)") orelse "");
    options.addOption([:0]const u8, "user", z(b, b.option([]const u8, "user", "a user who may upload") orelse ""));
    options.addOption([:0]const u8, "pass", z(b, b.option([]const u8, "pass", "that user's password") orelse ""));
    options.addOption(u16, "proftpd_port", b.option(u16, "proftpd-port", "proftpd's port (MLSD, MFMT)") orelse 0);
    options.addOption(u16, "vsftps_port", b.option(u16, "vsftps-port", "vsftpd's explicit FTPS port") orelse 0);
    options.addOption([:0]const u8, "ca_file", z(b, b.option([]const u8, "ca-file", "the test CA (PEM)") orelse ""));
    options.addOption([:0]const u8, "ca_dir", z(b, b.option([]const u8, "ca-dir", "the test CA's hashed directory") orelse ""));
    options.addOption([]const u8, "cert_dir", b.option([]const u8, "cert-dir", "the test certificates' directory") orelse "");
    options.addOption([]const u8, "tls_pin", b.option([]const u8, "tls-pin", "sha256//BASE64 of the FTPS server's key") orelse "");
    options.addOption([]const u8, "tmp_dir", b.option([]const u8, "tmp-dir", "where tests make their temporary directories") orelse "/tmp");

    const tests_mod = b.createModule(.{
        .root_source_file = b.path("src/test.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
    });
    tests_mod.addImport("ftp", ftp);
    tests_mod.addOptions("servers", options);
    const tests = b.addTest(.{ .root_module = tests_mod });
    const run = b.addRunArtifact(tests);
    b.step("test", "Run the binding's tests against a real server").dependOn(&run.step);

    // A program using the module, e.g. the quick start of docs/quickstart.md:
    // zig build quickstart -Dquickstart=PATH -Darg=HOST -Darg=PORT
    if (b.option([]const u8, "quickstart", "a Zig program to build with the ftp module")) |path| {
        const exe = b.addExecutable(.{
            .name = "quickstart",
            .root_module = b.createModule(.{
                .root_source_file = .{ .cwd_relative = path },
                .target = target,
                .optimize = optimize,
                .link_libc = true,
                .imports = &.{.{ .name = "ftp", .module = ftp }},
            }),
        });
        const run_exe = b.addRunArtifact(exe);
        if (b.option([]const []const u8, "arg", "an argument for the program (repeatable)")) |args|
            run_exe.addArgs(args);
        b.step("quickstart", "Build and run -Dquickstart=PATH").dependOn(&run_exe.step);
    }
}

fn z(b: *std.Build, s: []const u8) [:0]const u8 {
    return b.allocator.dupeSentinel(u8, s, 0) catch @panic("out of memory");
}
