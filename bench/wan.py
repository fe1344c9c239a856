#!/usr/bin/env python3
"""libftp over a wide-area link: many small files and one large one at 20 ms round trip,
against lftp and curl in the same run, interleaved.

    python3 bench/wan.py            # full run (as root): writes bench/RESULTS-wan.md + wan.svg
    python3 bench/wan.py --smoke    # small sizes, one run each, results in a temp dir (CI)

The link is bench/wanproxy.py: a blind TCP forwarder on 127.0.0.2 in front of vsftpd's
control port and its passive port range (fixed for the run), delaying each direction by
half the round trip. Every client ignores the address of a PASV reply and connects to
127.0.0.2 (libftp by default, curl --ftp-skip-pasv-ip, lftp ftp:ignore-pasv-address),
so plain FTP and FTPS cross the same delay; the test certificate names 127.0.0.2, so
TLS verification stays on. A second vsftpd with a per-connection rate limit
(local_max_rate) serves the segmented download, as hosting providers' servers do.
Nothing here asserts a timing: the targets are reported.
"""
import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as base  # noqa: E402  (the measuring and server helpers of the main bench)

MIB = 1 << 20
PROXY = "127.0.0.2"
# Below the kernel's ephemeral range, so nothing else takes them during the run.
PASV = (31000, 31099)
# The per-connection limit of the rate-limited server, bytes/s: four segments at once
# stay well within what the Python proxy forwards on this machine.
RATE = 8 * MIB


class Wan:
    def __init__(self, args):
        self.args = args
        self.smoke = args.smoke
        self.runs = args.runs or (1 if self.smoke else 5)
        self.rtt_ms = args.rtt_ms
        self.nfiles = 20 if self.smoke else 200
        self.nbatch = 50 if self.smoke else 1000
        self.big = 16 * MIB if self.smoke else 256 * MIB
        self.only = args.only
        self.rows = []
        # Runs of another tool that failed and were tried again (`measure`).
        self.retried = []
        self.procs = []

    # ---- setup ----------------------------------------------------------------------------
    def build(self):
        b = self.args.build_dir
        base.sh(["cmake", "-S", base.REPO, "-B", b, "-DCMAKE_BUILD_TYPE=Release"], stdout=subprocess.DEVNULL)
        base.sh(["cmake", "--build", b, "--target", "ftpmirror", "ftpget", "ftpbench_rusage",
                 "-j%d" % os.cpu_count()], stdout=subprocess.DEVNULL)
        self.ftpmirror = os.path.join(b, "ftpmirror")
        self.ftpget = os.path.join(b, "ftpget")
        base.RUSAGE = os.path.join(b, "ftpbench_rusage")

    def start(self):
        self.work = tempfile.mkdtemp(prefix="libftp-wan-")
        env = dict(os.environ, LIBFTP_PASV_PORTS="%d-%d" % PASV)
        if os.path.isdir("/dev/shm"):
            env["LIBFTP_DATA_PARENT"] = "/dev/shm"
        srv = os.path.join(self.work, "srv")
        base.sh(["bash", os.path.join(base.REPO, "tests/servers/start.sh"), srv], stdout=subprocess.DEVNULL, env=env)
        self.env = base.read_env(os.path.join(srv, "env"))
        # The rate-limited vsftpd: the plain one's configuration on another port.
        self.rate_port = int(subprocess.check_output(
            [sys.executable, "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0));"
                                   "print(s.getsockname()[1])"]))
        with open(os.path.join(srv, "vsftpd.conf")) as f:
            conf = [l for l in f.read().splitlines() if not l.startswith(("listen_port=", "vsftpd_log_file="))]
        conf += ["listen_port=%d" % self.rate_port, "local_max_rate=%d" % RATE, "use_sendfile=NO",
                 "vsftpd_log_file=%s" % os.path.join(srv, "vsftpd-rate.log")]
        rate_conf = os.path.join(srv, "vsftpd-rate.conf")
        with open(rate_conf, "w") as f:
            f.write("\n".join(conf) + "\n")
        vsftpd = os.path.join(os.environ.get("LIBFTP_SERVERS", os.path.join(base.REPO, ".servers")),
                              "root/usr/sbin/vsftpd")
        # In the servers' mount namespace, where their private /etc has the test user.
        with open(os.path.join(srv, "vsftpd.pid")) as f:
            ns = ["nsenter", "-m", "-t", f.read().strip(), "--"]
        self.procs.append(subprocess.Popen(ns + [vsftpd, rate_conf], stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))
        ports = "%s,%s,%d,%d-%d" % (self.env["VSFTPD_PORT"], self.env["VSFTPS_PORT"], self.rate_port, *PASV)
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "wanproxy.py"), "--listen", PROXY,
                                  "--delay-ms", str(self.rtt_ms / 2), "--ports", ports],
                                 stdout=subprocess.PIPE, text=True)
        self.procs.append(proxy)
        if "ready" not in proxy.stdout.readline():
            raise RuntimeError("wanproxy did not start")
        time.sleep(0.3)  # the rate-limited vsftpd listening too

    def stop(self):
        if not hasattr(self, "work"):
            return
        for p in self.procs:
            p.kill()
            p.wait()
        subprocess.run(["bash", os.path.join(base.REPO, "tests/servers/stop.sh"), os.path.join(self.work, "srv")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.work, ignore_errors=True)
        if hasattr(self, "local"):
            shutil.rmtree(self.local, ignore_errors=True)

    def make_data(self):
        root = self.env["VSFTPD_USER_ROOT"]
        self.remote = os.path.join(root, "wan")
        for name, n in (("small", self.nfiles), ("batch", self.nbatch)):
            os.makedirs(os.path.join(self.remote, name))
            for k in range(n):
                with open(os.path.join(self.remote, name, "s%04d.bin" % k), "wb") as f:
                    f.write(os.urandom(4096))
        base.make_file(os.path.join(self.remote, "big.bin"), self.big)
        owner = os.stat(root)
        for dirpath, _, files in os.walk(self.remote):
            os.chown(dirpath, owner.st_uid, owner.st_gid)
            for f in files:
                os.chown(os.path.join(dirpath, f), owner.st_uid, owner.st_gid, follow_symlinks=False)
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
        self.local = tempfile.mkdtemp(prefix="libftp-wan-", dir=shm)
        self.out = os.path.join(self.local, "out")

    # ---- commands per tool ----------------------------------------------------------------
    def commands(self):
        e = self.env
        user, pw, ca = e["FTP_USER"], e["FTP_PASS"], e["CA_FILE"]
        vs, vss = e["VSFTPD_PORT"], e["VSFTPS_PORT"]

        def url(port, path):
            return "ftp://%s:%s@%s:%s/wan/%s" % (user, pw, PROXY, port, path)

        def mirror(port, tls, jobs, d="small"):
            return [self.ftpmirror] + (["--tls", "--cacert", ca] if tls else []) + [
                "-q", "-j", str(jobs), url(port, d), self.out]

        def lftp(port, tls, cmd):
            sets = ["set ftp:ignore-pasv-address yes", "set net:max-retries 1", "set cmd:fail-exit yes"]
            if tls:
                sets += ["set ftp:ssl-force yes", "set ftp:ssl-protect-data yes", "set ssl:ca-file %s" % ca,
                         "set ssl:verify-certificate yes"]
            else:
                sets += ["set ftp:ssl-allow no"]
            return ["lftp", "-c", "; ".join(sets + ["open -u %s,%s ftp://%s:%s" % (user, pw, PROXY, port), cmd])]

        def curl(port, tls, par):
            glob = url(port, "small/s[0000-%04d].bin" % (self.nfiles - 1))
            return (["curl", "-sS", "--fail", "--ftp-skip-pasv-ip", "--create-dirs", "-o",
                     os.path.join(self.out, "s#1.bin")] + (["--ssl-reqd", "--cacert", ca] if tls else []) +
                    (["-Z", "--parallel-max", str(par)] if par > 1 else []) + [glob])

        n = self.nfiles
        rows = []
        for tls, port, kind in ((False, vs, "plain"), (True, vss, "FTPS")):
            rows.append(("%s, %d files, 1 connection" % (kind, n), {
                "libftp": mirror(port, tls, 1), "lftp": lftp(port, tls, "mirror wan/small %s" % self.out),
                "curl": curl(port, tls, 1)}, 4096 * n, n, "small"))
            rows.append(("%s, %d files, 8 connections" % (kind, n), {
                "libftp": mirror(port, tls, 8),
                "lftp": lftp(port, tls, "mirror --parallel=8 wan/small %s" % self.out),
                "curl": curl(port, tls, 8)}, 4096 * n, n, "small"))
        big = os.path.join(self.out, "big.bin")
        rows.append(("segmented %d MiB, %d MiB/s per connection" % (self.big // MIB, RATE // MIB), {
            "libftp 1 connection": [self.ftpget, url(self.rate_port, "big.bin"), big],
            "libftp": [self.ftpget, "-n", "4", url(self.rate_port, "big.bin"), big],
            "lftp": lftp(self.rate_port, False, "pget -n 4 wan/big.bin -o %s" % big)}, self.big, 1, "big.bin"))
        rows.append(("plain, %d files, 8 connections (peak RSS)" % self.nbatch, {
            "libftp": mirror(vs, False, 8, "batch")}, 4096 * self.nbatch, self.nbatch, "batch"))
        return rows

    # ---- running --------------------------------------------------------------------------
    def check(self, what):
        """What a run must leave: the files, byte for byte, so no tool is timed for less."""
        src = os.path.join(self.remote, what)
        if os.path.isfile(src):
            pairs = [(src, os.path.join(self.out, "big.bin"))]
        else:
            pairs = [(os.path.join(src, f), os.path.join(self.out, f)) for f in os.listdir(src)]
        for a, b in pairs:
            with open(a, "rb") as x, open(b, "rb") as y:
                if x.read() != y.read():
                    raise RuntimeError("%s differs from %s" % (b, a))

    def measure(self, tool, argv):
        """One timed run. Another tool's failed run is tried again (twice at most) and
        reported: curl -Z over FTPS sometimes ends a transfer short against vsftpd; a
        failure of libftp's ends the bench."""
        for attempt in range(3):
            try:
                return base.measure(argv)
            except RuntimeError as e:
                if tool.startswith("libftp") or attempt == 2:
                    raise
                self.retried.append("%s (%s)" % (tool, str(e).splitlines()[-1][-120:]))
                print("WAN-RETRY tool=%s: %s" % (tool, self.retried[-1]), flush=True)
                shutil.rmtree(self.out, ignore_errors=True)
                os.makedirs(self.out)

    def run_scenario(self, scenario, tools, nbytes, nfiles, what):
        samples = {t: [] for t in tools}
        order = list(tools.items())
        for k in range(self.runs):
            for tool, argv in order[k % len(order):] + order[:k % len(order)]:
                shutil.rmtree(self.out, ignore_errors=True)
                os.makedirs(self.out)
                m = self.measure(tool, argv)
                self.check(what)
                samples[tool].append(m)
                print("WAN-RUN scenario=%r tool=%s round=%d wall_s=%.3f cpu_s=%.3f rss_kib=%d" % (
                    scenario, tool, k + 1, m[0], m[1], m[2]), flush=True)
        for tool, runs in samples.items():
            walls = sorted(s[0] for s in runs)
            row = {"scenario": scenario, "tool": tool, "bytes": nbytes, "files": nfiles,
                   "wall": statistics.median(walls), "walls": walls,
                   "cpu": statistics.median(s[1] for s in runs), "rss": max(s[2] for s in runs)}
            self.rows.append(row)
            print("WAN scenario=%r tool=%s runs=%d wall_s=%.3f (%.3f-%.3f) rss_kib=%d" % (
                scenario, tool, self.runs, row["wall"], walls[0], walls[-1], row["rss"]), flush=True)

    def run(self):
        self.load_start = "%.1f" % os.getloadavg()[0]
        for scenario, tools, nbytes, nfiles, what in self.commands():
            if self.only and self.only not in scenario:
                continue
            self.run_scenario(scenario, tools, nbytes, nfiles, what)
        self.load_end = "%.1f" % os.getloadavg()[0]

    # ---- reporting ------------------------------------------------------------------------
    def get(self, scenario_start, tool):
        return next((r for r in self.rows if r["scenario"].startswith(scenario_start) and r["tool"] == tool), None)

    def targets(self):
        """(scenario, what, ratio, target, met); ratios of files/s (or speed), higher is better."""
        out = []

        def speed(scenario, lib, other, target, what):
            a, b = self.get(scenario, lib), self.get(scenario, other)
            if a and b:
                r = b["wall"] / a["wall"]
                out.append((a["scenario"], what, r, target, r >= target))

        speed("plain, %d files, 8" % self.nfiles, "libftp", "lftp", 3.0, "files/s vs lftp mirror --parallel=8")
        speed("plain, %d files, 8" % self.nfiles, "libftp", "curl", 2.0, "files/s vs curl -Z --parallel-max 8")
        speed("plain, %d files, 1" % self.nfiles, "libftp", "lftp", 1.6, "files/s vs lftp mirror")
        speed("FTPS, %d files, 8" % self.nfiles, "libftp", "lftp", 2.5, "files/s vs lftp mirror --parallel=8")
        speed("FTPS, %d files, 1" % self.nfiles, "libftp", "lftp", 1.8, "files/s vs lftp mirror")
        speed("segmented", "libftp", "libftp 1 connection", 3.5, "speed vs one connection")
        speed("segmented", "libftp", "lftp", 1.0, "speed vs lftp pget -n 4")
        rss = self.get("plain, %d files, 8" % self.nbatch, "libftp")
        if rss:
            mib = rss["rss"] / 1024
            out.append((rss["scenario"], "peak RSS (MiB), at most", mib, 32, mib <= 32))
        return out

    def svg(self, path):
        """Files (or MiB) per second per tool and scenario, as horizontal bars."""
        rows = self.rows
        w, bar, left = 760, 16, 330
        h = 30 + len(rows) * (bar + 4)
        best = max(r["files"] / r["wall"] if r["files"] > 1 else r["bytes"] / MIB / r["wall"] for r in rows)
        out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
               'font-size="12">' % (w, h),
               '<text x="4" y="16">files/s (MiB/s for the segmented rows), %d ms round trip</text>' % self.rtt_ms]
        y = 26
        for r in rows:
            v = r["files"] / r["wall"] if r["files"] > 1 else r["bytes"] / MIB / r["wall"]
            length = (w - left - 70) * v / best
            color = "#2a7" if r["tool"].startswith("libftp") else "#888"
            out.append('<text x="4" y="%d">%s: %s</text>' % (y + 12, r["scenario"][:38], r["tool"]))
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, y, length, bar, color))
            out.append('<text x="%.1f" y="%d">%.1f</text>' % (left + length + 4, y + 12, v))
            y += bar + 4
        out.append("</svg>")
        with open(path, "w") as f:
            f.write("\n".join(out))

    def report(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        self.svg(os.path.join(out_dir, "wan.svg"))
        tgt = ["| scenario | measure | measured | target | met |", "|---|---|---:|---:|---|"]
        for s, what, r, target, met in self.targets():
            op = "<=" if "RSS" in what else ">="
            tgt.append("| %s | %s | %.2f | %s %.1f | %s |" % (s, what, r, op, target, "yes" if met else "**no**"))
        table = ["| scenario | tool | wall (median) | range | files/s or MiB/s | CPU s | peak RSS MiB |",
                 "|---|---|---:|---|---:|---:|---:|"]
        for r in self.rows:
            v = "%.1f files/s" % (r["files"] / r["wall"]) if r["files"] > 1 else "%.1f MiB/s" % (
                r["bytes"] / MIB / r["wall"])
            table.append("| %s | %s | %.3f s | %.3f to %.3f s | %s | %.3f | %.1f |" % (
                r["scenario"], r["tool"], r["wall"], r["walls"][0], r["walls"][-1], v, r["cpu"], r["rss"] / 1024))
        lftp = subprocess.run(["lftp", "--version"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
        text = "\n".join([
            "# libftp over a wide-area link",
            "",
            "Generated by `python3 bench/wan.py%s` on %s. Do not edit by hand: run it again." % (
                " --smoke" if self.smoke else "",
                datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            "",
            "- link: bench/wanproxy.py on %s, %d ms round trip (%.1f ms each way), in front of vsftpd"
            " (plain and explicit FTPS with session reuse required); TCP handshakes are not delayed"
            " (the kernel completes them before the proxy accepts), for every tool alike" % (
                PROXY, self.rtt_ms, self.rtt_ms / 2),
            "- the segmented rows: a vsftpd with local_max_rate=%d MiB/s per connection, through the same"
            " link; 4 segments (libftp ftpget -n 4, lftp pget -n 4)" % (RATE // MIB),
            "- libftp: examples-c/ftpmirror -j N (a download mirror), examples-c/ftpget [-n N];"
            " lftp: %s (mirror, mirror --parallel=8, pget -n 4); curl: %s (one invocation, a URL glob;"
            " -Z --parallel-max 8)" % (lftp, subprocess.run(["curl", "--version"], stdout=subprocess.PIPE,
                                                             text=True).stdout.split("\n")[0].split(" (")[0]),
            "- %d runs per cell, interleaved (run k of every tool, then run k+1), the order rotating;"
            " median shown, with the range; every run's files are compared byte for byte" % self.runs,
            "- load average of the machine (2 cores) at the start and the end of the run: %s and %s"
            " (other work ran beside the bench when these are high)" % (self.load_start, self.load_end),
            "- runs of another tool that failed and were tried again: %s" % (
                "; ".join(self.retried) if self.retried else "none"),
            "",
            "## Targets",
            "",
            *tgt,
            "",
            "## All measurements",
            "",
            *table,
            "",
            "![WAN throughput](wan.svg)",
            "",
        ])
        with open(os.path.join(out_dir, "RESULTS-wan.md"), "w") as f:
            f.write(text)
        print("\n".join(table))
        print("\n".join(tgt))
        print("wan: results in %s" % os.path.join(out_dir, "RESULTS-wan.md"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="small sizes and one run each (for CI)")
    ap.add_argument("--runs", type=int, help="runs per scenario (default 5, smoke 1)")
    ap.add_argument("--rtt-ms", type=float, default=20.0, help="round trip time the link adds (default 20)")
    ap.add_argument("--build-dir", default=os.path.join(base.REPO, "build"))
    ap.add_argument("--only", metavar="TEXT", help="run only the scenarios whose name contains TEXT"
                    " (the report then goes to a temp dir unless --out is given)")
    ap.add_argument("--out", help="where RESULTS-wan.md and wan.svg go (default bench/; --smoke: a temp dir)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/wan.py: run as root (the test servers need it)")
    for tool in ("curl", "lftp", "cmake"):
        if not shutil.which(tool):
            sys.exit("bench/wan.py: %s not found (bash tests/setup-debian.sh installs it)" % tool)
    w = Wan(args)
    w.build()
    try:
        # Inside: servers that started before a later step failed are stopped too.
        w.start()
        w.make_data()
        w.run()
    finally:
        w.stop()
    out = args.out or (tempfile.mkdtemp(prefix="libftp-wan-out-") if args.smoke or args.only else HERE)
    w.report(out)


if __name__ == "__main__":
    main()
