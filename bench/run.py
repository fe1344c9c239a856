#!/usr/bin/env python3
"""libftp's benchmark: libftp (the C driver bench/ftpbench.c, through the C API) against
curl (the CLI, i.e. libcurl) and CPython's ftplib, on vsftpd and proftpd on loopback.

    python3 bench/run.py            # full run (as root): writes bench/RESULTS.md + SVG plots
    python3 bench/run.py --smoke    # small sizes, one run each, results in a temp dir (CI)
    python3 bench/run.py --only upload   # the TCP baseline and the scenarios named so, in a temp dir

It builds the driver (cmake, ./build unless --build-dir), starts the test servers
(tests/servers/start.sh), creates the data, runs every scenario several times and prints
median wall time, median CPU seconds (user+sys), peak RSS and libftp/curl ratios, as a
table and as "BENCH ..." lines. Nothing here asserts a timing: the targets are reported.
"""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MIB = 1 << 20
GIB = 1 << 30
TOOLS = ("libftp", "libftp sendfile", "curl", "ftplib", "tcp", "write")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


RUSAGE = None  # the path of ftpbench_rusage, set once built


def machine_busy():
    """CPU seconds all cores have spent busy since boot (user, nice, system, irq, softirq;
    not idle, iowait or time the hypervisor stole)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")


def reported_mib():
    """MiB of freed memory this VM has handed back to its host so far (Linux free page
    reporting), or None where the kernel does not report. Pages handed back cost a host
    fault when they are used again: the tmpfs writes of the file scenarios pay it."""
    try:
        with open("/sys/module/page_reporting/parameters/reported_kib") as f:
            return int(f.read()) / 1024
    except (OSError, ValueError):
        return None


def warm_memory(nbytes):
    """Touches and frees `nbytes` just before a run, so that the run's page allocations
    (the tmpfs file it writes) find memory the host backs: freed pages not yet handed
    back come first off the free lists. Measured on a VM that hands freed memory back
    to its host (free page reporting): a 1 GiB upload took 1 s in runs that reused
    such pages, 3 to 5 s in runs during which the VM handed memory back, and 4 to 6 s
    in every run once all freed memory had been handed back, for every tool alike."""
    block = b"\1" * nbytes
    del block


def measure(argv, expect=None):
    """Runs argv once under ftpbench_rusage: (wall seconds, user+sys CPU seconds, peak
    RSS in KiB, CPU seconds the rest of the machine spent meanwhile, MiB of memory the
    VM handed back to its host meanwhile or None). The rest-of-machine CPU is mostly the
    server and the kernel's work for it: it tells a server-bound run from a client-bound
    one. With `expect`, argv's output must contain it."""
    busy, reported = machine_busy(), reported_mib()
    p = subprocess.run([RUSAGE] + argv, stdout=subprocess.PIPE if expect else subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), p.returncode, err))
    if expect and expect.encode() not in p.stdout:
        raise RuntimeError("%s: expected %r in its output, got %r" % (" ".join(argv), expect, p.stdout[-200:]))
    line = [l for l in err.splitlines() if l.startswith("rusage ")][-1]
    f = dict(kv.split("=") for kv in line.split()[1:])
    cpu = float(f["cpu"])
    handed = reported_mib() - reported if reported is not None else None
    return float(f["wall"]), cpu, int(f["maxrss_kib"]), max(0.0, machine_busy() - busy - cpu), handed


def make_file(path, size, sparse=False):
    with open(path, "wb") as f:
        if sparse:
            f.truncate(size)
            return
        block = os.urandom(MIB)
        for _ in range(size // MIB):
            f.write(block)
        f.write(block[: size % MIB])


class Bench:
    def __init__(self, args):
        self.args = args
        self.smoke = args.smoke
        # Nine runs: on a shared 2-core VM five left medians swinging by a third.
        self.runs = args.runs or (1 if self.smoke else 9)
        self.size = 32 * MIB if self.smoke else GIB
        self.size_large = 64 * MIB if self.smoke else 4 * GIB
        self.nsmall = 50 if self.smoke else 1000
        self.rows = []  # dicts: scenario, tool, wall, cpu, rss, bytes, files
        self.sweep = []  # (blocksize, libftp MB/s, raw TCP MB/s)

    # ---- setup --------------------------------------------------------------------------
    def build(self):
        b = self.args.build_dir
        sh(["cmake", "-S", REPO, "-B", b, "-DCMAKE_BUILD_TYPE=Release"], stdout=subprocess.DEVNULL)
        sh(["cmake", "--build", b, "--target", "ftpbench", "ftpbench_rusage", "-j%d" % os.cpu_count()],
           stdout=subprocess.DEVNULL)
        self.ftpbench = os.path.join(b, "ftpbench")
        global RUSAGE
        RUSAGE = os.path.join(b, "ftpbench_rusage")

    def start_servers(self):
        self.work = tempfile.mkdtemp(prefix="libftp-bench-")
        # The servers' files on tmpfs too: a disk's writeback would time the disk.
        env = dict(os.environ, LIBFTP_DATA_PARENT="/dev/shm") if os.path.isdir("/dev/shm") else None
        sh(["bash", os.path.join(REPO, "tests/servers/start.sh"), os.path.join(self.work, "srv")],
           stdout=subprocess.DEVNULL, env=env)
        self.env = read_env(os.path.join(self.work, "srv", "env"))

    def stop_servers(self):
        subprocess.run(["bash", os.path.join(REPO, "tests/servers/stop.sh"), os.path.join(self.work, "srv")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.work, ignore_errors=True)

    def make_data(self):
        e = self.env
        # vsftpd serves the user's home; proftpd its own (for MLSD, which vsftpd lacks).
        self.vs_dir = os.path.join(e["VSFTPD_USER_ROOT"], "bench")
        self.pro_dir = os.path.join(e["PROFTPD_USER_ROOT"], "bench")
        for d in (self.vs_dir, self.pro_dir):
            os.makedirs(os.path.join(d, "small"), exist_ok=True)
            for k in range(self.nsmall):
                with open(os.path.join(d, "small", "s%04d.bin" % k), "wb") as f:
                    f.write(os.urandom(4096))
        make_file(os.path.join(self.vs_dir, "big.bin"), self.size)
        make_file(os.path.join(self.vs_dir, "large.bin"), self.size_large, sparse=True)
        # The upload source and the download target live on tmpfs, as the scenarios say.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
        self.local_dir = tempfile.mkdtemp(prefix="libftp-bench-", dir=shm)
        self.upload_src = os.path.join(self.local_dir, "src.bin")
        shutil.copyfile(os.path.join(self.vs_dir, "big.bin"), self.upload_src)
        self.download_dst = os.path.join(self.local_dir, "dst.bin")
        owner = os.stat(e["VSFTPD_USER_ROOT"])
        for root in (self.vs_dir, self.pro_dir):
            for dirpath, _, files in os.walk(root):
                os.chown(dirpath, owner.st_uid, owner.st_gid)
                for f in files:
                    # Never through a link: that would give its target to the FTP user.
                    os.chown(os.path.join(dirpath, f), owner.st_uid, owner.st_gid, follow_symlinks=False)
        # An upload target that costs the server nothing but the receive: vsftpd writes
        # it to /dev/null. Sent with APPE, because vsftpd truncates what STOR opens and
        # ends the session when /dev/null refuses that. Made after the chown above.
        os.symlink("/dev/null", os.path.join(self.vs_dir, "sink.bin"))
        # Warm the page cache so every tool reads the same cached bytes.
        for name in ("big.bin", "large.bin"):
            with open(os.path.join(self.vs_dir, name), "rb") as f:
                while f.read(8 * MIB):
                    pass

    def url(self, port, path, tls=False):
        e = self.env
        return "ftp://%s:%s@127.0.0.1:%s/bench/%s" % (e["FTP_USER"], e["FTP_PASS"], port, path)

    # ---- commands per tool ----------------------------------------------------------------
    def commands(self):
        e = self.env
        vs, vss, pro = e["VSFTPD_PORT"], e["VSFTPS_PORT"], e["PROFTPD_PORT"]
        ca = e["CA_FILE"]
        fb = [self.ftpbench]
        fbt = [self.ftpbench, "--tls", "--cacert", ca]
        zc = ["env", "FTPBENCH_ZERO_COPY=1,1", self.ftpbench]
        py = [sys.executable, os.path.join(HERE, "ftplib_driver.py")]
        curl = ["curl", "-sS", "--fail"]
        curlt = curl + ["--ssl-reqd", "--cacert", ca]
        big, up, sink = self.url(vs, "big.bin"), self.url(vs, "up.bin"), self.url(vs, "sink.bin")
        tbig, tup = self.url(vss, "big.bin"), self.url(vss, "up-tls.bin")
        small = self.url(vs, "small")
        glob = self.url(vs, "small/s[0000-%04d].bin" % (self.nsmall - 1))
        lst = self.url(pro, "small/")
        dst, src = self.download_dst, self.upload_src
        n = str(self.nsmall)
        # scenario -> {tool: argv}, bytes moved, files moved
        return [
            ("download to callback", {"libftp": fb + ["get-null", big], "curl": curl + ["-o", "/dev/null", big],
                                      "ftplib": py + ["get-null", big]}, self.size, 1),
            # "tcp": the same bytes over raw loopback TCP spliced into the same file, the
            # machine's limit for this scenario (tmpfs must allocate and fill every page);
            # "write": as many bytes written from memory into that file, no network at all.
            ("download to file", {"libftp": fb + ["get-file", big, dst], "curl": curl + ["-o", dst, big],
                                  "ftplib": py + ["get-file", big, dst],
                                  "tcp": fb + ["raw-tcp-file", os.path.join(self.vs_dir, "big.bin"), dst],
                                  "write": fb + ["write-file", dst, str(self.size)]},
             self.size, 1),
            # "libftp sendfile": the same call with zero-copy uploads on.
            ("upload from file", {"libftp": fb + ["put-file", src, up], "libftp sendfile": zc + ["put-file", src, up],
                                  "curl": curl + ["-T", src, up], "ftplib": py + ["put-file", src, up]},
             self.size, 1),
            # The same upload where the server only receives: the clients' own costs show.
            ("upload, server discards", {"libftp": fb + ["append-file", src, sink],
                                         "libftp sendfile": zc + ["append-file", src, sink],
                                         "curl": curl + ["--append", "-T", src, sink],
                                         "ftplib": py + ["append-file", src, sink]}, self.size, 1),
            # ftplib cannot resume TLS sessions, which vsftpd requires by default.
            ("FTPS download", {"libftp": fbt + ["get-null", tbig], "curl": curlt + ["-o", "/dev/null", tbig]},
             self.size, 1),
            ("FTPS upload", {"libftp": fbt + ["put-file", src, tup], "curl": curlt + ["-T", src, tup]},
             self.size, 1),
            ("%d small files" % self.nsmall, {"libftp": fb + ["get-many", small, n], "curl": curl + [glob],
                                               "ftplib": py + ["get-many", small, n]}, 4096 * self.nsmall,
             self.nsmall),
            # curl only fetches the MLSD text; libftp and ftplib also parse every entry.
            ("MLSD list of %d" % self.nsmall, {"libftp": fb + ["list", lst], "curl": curl + ["-X", "MLSD", lst],
                                                "ftplib": py + ["list", lst]}, 0, self.nsmall),
            ("peak RSS, %d MiB" % (self.size // MIB), {"libftp": fb + ["get-null", big],
                                                       "curl": curl + ["-o", "/dev/null", big]}, self.size, 1),
            ("peak RSS, %d MiB" % (self.size_large // MIB),
             {"libftp": fb + ["get-null", self.url(vs, "large.bin")],
              "curl": curl + ["-o", "/dev/null", self.url(vs, "large.bin")]}, self.size_large, 1),
        ]

    # ---- running -------------------------------------------------------------------------
    def run_scenario(self, scenario, tools, nbytes, nfiles):
        """Runs every tool of a scenario self.runs times, interleaved (run 1 of each tool,
        then run 2 of each...), so a slow spell of the machine hits all tools alike. The
        order rotates from round to round, so that no tool always goes first."""
        samples = {tool: [] for tool in tools}
        order = list(tools.items())
        for k in range(self.runs):
            for tool, argv in order[k % len(order):] + order[:k % len(order)]:
                if "upload" in scenario or "to file" in scenario:
                    # Deleting the last run's file (1 GiB of tmpfs) is done here rather
                    # than inside the next tool's timing; then every run starts alike.
                    for name in os.listdir(self.vs_dir):
                        if name.startswith("up"):
                            os.remove(os.path.join(self.vs_dir, name))
                    if os.path.exists(self.download_dst):
                        os.remove(self.download_dst)
                    warm_memory(self.size + self.size // 2)
                if scenario.startswith("MLSD"):
                    # proftpd's master pauses ~0.4 s after each session ends before it
                    # accepts the next one; a gap keeps that pause out of every tool's time.
                    time.sleep(0.6)
                m = measure(argv, "bytes=" if tool != "curl" else None)
                samples[tool].append(m)
                print("BENCH-RUN scenario=%r tool=%s round=%d wall_s=%.4f cpu_s=%.4f rest_cpu_s=%.2f"
                      " handed_to_host_mib=%s" % (scenario, tool, k + 1, m[0], m[1], m[3],
                                                  "%.0f" % m[4] if m[4] is not None else "-"), flush=True)
        for tool, runs in samples.items():
            row = {
                "scenario": scenario, "tool": tool, "bytes": nbytes, "files": nfiles,
                "wall": statistics.median(s[0] for s in runs),
                "cpu": statistics.median(s[1] for s in runs),
                "rss": max(s[2] for s in runs),
                "other": statistics.median(s[3] for s in runs),
                "walls": sorted(s[0] for s in runs),
                "rounds": [s[0] for s in runs],  # in run order, paired across tools
            }
            handed = [s[4] for s in runs if s[4] is not None]
            if handed:
                # Only what was handed back while this tool's own runs went on: the
                # warm-up's memory, handed back between runs, touches no run.
                row["reported_mib"] = sum(handed)
            self.rows.append(row)
            print("BENCH scenario=%r tool=%s runs=%d wall_s=%.4f cpu_s=%.4f rss_kib=%d mb_s=%.1f" % (
                scenario, tool, self.runs, row["wall"], row["cpu"], row["rss"], nbytes / MIB / row["wall"]),
                flush=True)

    def run(self):
        self.reported_start = reported_mib()
        base = [self.ftpbench, "raw-tcp", os.path.join(self.vs_dir, "big.bin")]
        self.run_scenario("raw loopback TCP (baseline)", {"tcp": base}, self.size, 1)
        only = self.args.only
        for scenario, tools, nbytes, nfiles in self.commands():
            if only is None or only in scenario:
                self.run_scenario(scenario, {t: tools[t] for t in TOOLS if t in tools}, nbytes, nfiles)
        if only is not None and only not in "blocksize":
            return
        # libftp's read loop against its buffer size (the callback download), and raw TCP
        # read into a buffer of the same size: what the size alone does to the copy.
        big = self.url(self.env["VSFTPD_PORT"], "big.bin")
        for bs in (16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20):
            mbs = {}
            for tool, argv in (("libftp", [self.ftpbench, "get-null", big, str(bs)]),
                               ("tcp", base + [str(bs)])):
                walls = [measure(argv, "bytes=")[0] for _ in range(self.runs)]
                mbs[tool] = self.size / MIB / statistics.median(walls)
                print("BENCH scenario='blocksize' tool=%s blocksize=%d mb_s=%.1f" % (tool, bs, mbs[tool]),
                      flush=True)
            self.sweep.append((bs, mbs["libftp"], mbs["tcp"]))

    # ---- reporting -----------------------------------------------------------------------
    def get(self, scenario, tool):
        return next((r for r in self.rows if r["scenario"] == scenario and r["tool"] == tool), None)

    @staticmethod
    def lib_tool(what):
        """Which libftp row a target's measure names."""
        return "libftp sendfile" if "sendfile" in what else "libftp"

    def per_round(self, scenario, lib_tool="libftp"):
        """libftp/curl wall ratios round by round (each round runs the tools back to back,
        so a slow spell of the machine hits both): pairing cancels what drifts between
        rounds, which the ratio of the two medians does not."""
        lib, curl = self.get(scenario, lib_tool), self.get(scenario, "curl")
        if not lib or not curl:
            return []
        return [a / b for a, b in zip(lib["rounds"], curl["rounds"]) if b]

    def targets(self):
        """(scenario, what, measured ratio, target, met) for the issue's targets."""
        out = []
        tcp = self.get("raw loopback TCP (baseline)", "tcp")

        def ratio(scenario, key, tool="curl", lib="libftp"):
            a, b = self.get(scenario, lib), self.get(scenario, tool)
            return a[key] / b[key] if a and b and b[key] else None

        def add(scenario, what, r, target, le=True):
            if r is not None:
                out.append((scenario, what, r, target, r <= target if le else r >= target))

        add("download to file", "wall vs curl", ratio("download to file", "wall"), 0.7)
        add("download to file", "CPU vs curl", ratio("download to file", "cpu"), 0.6)
        lf = self.get("download to file", "libftp")
        if lf and tcp:
            add("download to file", "wall vs raw TCP", lf["wall"] / tcp["wall"], 1.5)
        spliced = self.get("download to file", "tcp")
        if lf and spliced:
            # The same bound against raw TCP doing the same job: its bytes into the same file.
            add("download to file", "wall vs raw TCP into the file", lf["wall"] / spliced["wall"], 1.5)
        add("download to callback", "wall vs curl", ratio("download to callback", "wall"), 0.9)
        add("upload from file", "wall vs curl", ratio("upload from file", "wall"), 0.9)
        sink = "upload, server discards"
        add(sink, "wall vs curl", ratio(sink, "wall"), 0.9)
        add(sink, "wall vs curl, libftp with sendfile", ratio(sink, "wall", lib="libftp sendfile"), 0.9)
        add("FTPS download", "wall vs curl", ratio("FTPS download", "wall"), 1.0)
        add("FTPS upload", "wall vs curl", ratio("FTPS upload", "wall"), 1.0)
        small = "%d small files" % self.nsmall
        r = ratio(small, "wall")
        add(small, "files/s vs curl", 1 / r if r else None, 1.3, le=False)
        for s in ("peak RSS, %d MiB" % (self.size // MIB), "peak RSS, %d MiB" % (self.size_large // MIB)):
            row = self.get(s, "libftp")
            if row:
                add(s, "peak RSS (MiB)", row["rss"] / 1024, 16)
        return out

    def notes(self):
        """Computed remarks on what limits each row whose target is missed."""
        missed = {(sc, what) for sc, what, _, _, met in self.targets() if not met}
        mb = self.size / MIB

        def spread(scenario, tool):
            w = self.get(scenario, tool)["walls"]
            return "%.2f to %.2f s" % (w[0], w[-1])

        def paired(scenario, lib_tool):
            """How often libftp finished first, and the median per-round ratio."""
            pairs = self.per_round(scenario, lib_tool)
            return (" Round by round, libftp finished first in %d of %d rounds; the median"
                    " per-round ratio is %.2f." % (sum(r < 1 for r in pairs), len(pairs),
                                                  statistics.median(pairs))) if pairs else ""

        def page_faults(row):
            curl = self.get(row["scenario"], "curl") or {}
            lib_mib, curl_mib = row.get("reported_mib") or 0, curl.get("reported_mib") or 0
            if max(lib_mib, curl_mib) < 1024:
                return ""
            return (" While libftp's runs went on, the VM handed %.1f GiB of freed memory back to its"
                    " host (free page reporting; %.1f GiB during curl's), and a page handed back"
                    " costs a host fault when it is next used, the server's or the client's." % (
                        lib_mib / 1024, curl_mib / 1024))

        out = []
        for scenario, what in sorted(missed):
            lib, curl = self.get(scenario, self.lib_tool(what)), self.get(scenario, "curl")
            if scenario.endswith("small files"):
                out.append("- %s: libftp sends one round trip per file (EPSV pipelined with RETR) where"
                           " curl sends three (EPSV, SIZE, RETR), and uses %.2fx curl's CPU, but vsftpd's"
                           " own per-transfer work (its privileged helper listens for and accepts every"
                           " passive data connection and hands it over) sets the pace: %.2f ms per file"
                           " against curl's %.2f." % (scenario, lib["cpu"] / curl["cpu"],
                                                      lib["wall"] * 1000 / self.nsmall,
                                                      curl["wall"] * 1000 / self.nsmall))
            elif what == "wall vs raw TCP":
                tcp = self.get("raw loopback TCP (baseline)", "tcp")
                cb = self.get("download to callback", "libftp")
                spliced = self.get(scenario, "tcp")
                out.append("- download to file against raw TCP: the baseline reads the bytes and drops"
                           " them; a download to a file also makes the kernel allocate and fill %d MiB"
                           " of tmpfs pages. The download to the file takes %.2fx the baseline (curl"
                           " %.2fx)." % (mb, lib["wall"] / tcp["wall"], curl["wall"] / tcp["wall"]))
                if cb:
                    out[-1] += (" The same download to a callback takes %.2fx: %s." % (
                        cb["wall"] / tcp["wall"],
                        "the file's pages are the difference" if cb["wall"] / tcp["wall"] < 1.25 else
                        "at this size the session's fixed costs (connect, login, EPSV) weigh too"))
                if spliced:
                    out.append("  Raw loopback TCP spliced into the same file, in the same rounds, took"
                               " %.2f s (%s): libftp's download to the file took %.2fx that.%s" % (
                                   spliced["wall"], spread(scenario, "tcp"), lib["wall"] / spliced["wall"],
                                   page_faults(lib)))
                    if spliced["wall"] / tcp["wall"] > 1.5:
                        out.append("  The baseline reads as libftp's bulk downloads do (a fixed receive"
                                   " buffer, woken per MiB), the fastest read known here; raw TCP itself"
                                   " took %.2fx the baseline to put the bytes in the file." % (
                                       spliced["wall"] / tcp["wall"]))
                written = self.get(scenario, "write")
                if written:
                    out.append("  Writing %d MiB from memory into the same file, with no network at all,"
                               " took %.2f s (%s), %.2fx the baseline%s" % (
                                   mb, written["wall"], spread(scenario, "write"), written["wall"] / tcp["wall"],
                                   ": the file alone costs more than the bound allows, so no download to a"
                                   " file can meet it on this machine." if written["wall"] / tcp["wall"] > 1.5
                                   else "."))
            else:
                out.append("- %s (%s): run to run, libftp took %s and curl %s (medians %.2f and %.2f s);"
                           " libftp's CPU is %.2fx curl's.%s %s%s" % (
                               scenario, what, spread(scenario, lib["tool"]), spread(scenario, "curl"),
                               lib["wall"], curl["wall"], lib["cpu"] / curl["cpu"], paired(scenario, lib["tool"]),
                               self.server_load(lib), page_faults(lib)))
                if scenario == "upload from file":
                    out[-1] += self.upload_paths()
                elif scenario == "upload, server discards" and lib["tool"] == "libftp":
                    out[-1] += (" By default libftp makes the same system calls per block here as"
                                " curl (read 64 KiB of the file, send them); sendfile saves it both"
                                " copies.")
        return ["## Where a target is missed", "", *out, ""] if out else []

    def upload_paths(self):
        """For the upload note: what sendfile did to this upload, and the same upload to a
        server that only receives."""
        text = ""
        lib, zc, curl = (self.get("upload from file", t) for t in ("libftp", "libftp sendfile", "curl"))
        if lib and zc and curl:
            text += " With sendfile libftp took %.2f s (%.2fx curl) on %.2f s of its own CPU" % (
                zc["wall"], zc["wall"] / curl["wall"], zc["cpu"])
            text += (": slower, because the server's receive then copies the bytes cold from the"
                     " client's page cache instead of from the send copy that has just passed them"
                     " through the CPU's cache (seen once with perf, not measured here: the server's"
                     " copies took twice as long), and the server is the limit. So uploads to a server on the same host read"
                     " and write by default."
                     if zc["wall"] > lib["wall"] else ".")
        sink = "upload, server discards"
        lib, zc, curl = self.get(sink, "libftp"), self.get(sink, "libftp sendfile"), self.get(sink, "curl")
        if lib and zc and curl:
            text += (" Where the server only receives (\"%s\"), libftp took %.2fx curl's time,"
                     " and %.2fx with sendfile." % (sink, lib["wall"] / curl["wall"], zc["wall"] / curl["wall"]))
        return text

    def server_load(self, row):
        """What the rest of the machine (the server, and the kernel's work for it) did
        while libftp ran, beside the same for curl: a sentence for the notes."""
        share = row["other"] / row["wall"] if row["wall"] else 0
        text = ("Meanwhile the rest of the machine (the server, and the kernel's loopback work"
                " for it) was busy %.2f s of libftp's %.2f s" % (row["other"], row["wall"]))
        curl = self.get(row["scenario"], "curl")
        if curl:
            text += " (%.2f s of curl's %.2f s)" % (curl["other"], curl["wall"])
        text += ": the server sets the pace, and libftp waits for it." if share >= 0.75 else "."
        if row["scenario"].startswith("FTPS"):
            # Seen with strace on Debian's vsftpd 3.0.3: its session process and its SSL
            # helper process pass every data chunk to each other over a unix socket.
            text += (" vsftpd hands every byte of a TLS data connection between two of its"
                     " processes over a unix socket, one of which does the TLS: that work is"
                     " the same whichever client is at the other end.")
        return text

    def table(self):
        lines = ["| scenario | tool | wall s (median) | CPU s | rest of machine CPU s | peak RSS MiB | MB/s or files/s | libftp/curl wall | libftp/curl CPU |",
                 "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in self.rows:
            curl = self.get(r["scenario"], "curl")
            if r["files"] > 1:
                rate = "%.0f files/s" % (r["files"] / r["wall"])
            else:
                rate = "%.0f MB/s" % (r["bytes"] / MIB / r["wall"])
            rw = rc = ""
            if r["tool"].startswith("libftp") and curl:
                rw = "%.2f" % (r["wall"] / curl["wall"])
                rc = "%.2f" % (r["cpu"] / curl["cpu"]) if curl["cpu"] else ""
            lines.append("| %s | %s | %.3f | %.3f | %.2f | %.1f | %s | %s | %s |" % (
                r["scenario"], r["tool"], r["wall"], r["cpu"], r["other"], r["rss"] / 1024, rate, rw, rc))
        return "\n".join(lines)

    def machine(self):
        def first(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
            except (OSError, IndexError):
                return "?"
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
        vsftpd = os.path.join(REPO, "tests/servers/bin/vsftpd/usr/sbin/vsftpd")
        return [
            "- CPU: %s, %d cores; memory %.0f GiB; kernel %s" % (cpu, os.cpu_count(), mem, platform.release()),
            "- curl: %s" % first(["curl", "--version"]),
            "- Python: %s (ftplib)" % platform.python_version(),
            "- OpenSSL: %s" % first(["openssl", "version"]),
            "- servers: vsftpd and proftpd from Debian (tests/servers), on 127.0.0.1, their files on tmpfs",
            "- %d runs per cell, median shown; peak RSS is the maximum over the runs" % self.runs,
            "- before each run of a scenario that writes a file (download to file, the uploads) the"
            " bench touches and frees %d MiB, so every run finds memory the host backs (see"
            " warm_memory in bench/run.py)" % ((self.size + self.size // 2) // MIB),
        ] + ([] if self.reported_start is None else [
            "- this VM hands freed memory back to its host (free page reporting): %.1f GiB during"
            " this bench" % ((reported_mib() - self.reported_start) / 1024)])

    def svg_bars(self, path):
        """Throughput per scenario (MB/s, or files/s for the many-files rows) per tool."""
        scen = [s for s in dict.fromkeys(r["scenario"] for r in self.rows) if not s.startswith("peak RSS")]
        colors = {"libftp": "#1f77b4", "libftp sendfile": "#17becf", "curl": "#ff7f0e", "ftplib": "#2ca02c", "tcp": "#7f7f7f",
                  "write": "#bcbd22"}

        def value(r):
            return r["files"] / r["wall"] if r["files"] > 1 else r["bytes"] / MIB / r["wall"]

        rowh, barh, left, width = 58, 14, 230, 520
        h = 40 + rowh * len(scen) + 30
        out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
               % (left + width + 120, h),
               '<text x="10" y="20" font-size="14">libftp, curl and ftplib: throughput per scenario '
               '(bars scaled per row; MB/s, or files/s)</text>']
        for i, s in enumerate(scen):
            rows = [r for r in self.rows if r["scenario"] == s]
            top = 40 + i * rowh
            out.append('<text x="10" y="%d">%s</text>' % (top + 20, s))
            peak = max(value(r) for r in rows) or 1
            for j, r in enumerate(rows):
                w = max(1, int(width * value(r) / peak))
                y = top + j * barh
                out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>' % (left, y, w, barh - 2, colors[r["tool"]]))
                unit = "files/s" if r["files"] > 1 else "MB/s"
                out.append('<text x="%d" y="%d" font-size="10">%s %.0f %s</text>' % (left + w + 4, y + 10, r["tool"], value(r), unit))
        out.append("</svg>")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")

    def svg_sweep(self, path):
        """libftp's callback-download throughput, and raw TCP's, against the buffer size."""
        if not self.sweep:
            return
        w, h, pad = 520, 300, 60
        peak = max(max(lib, tcp) for _, lib, tcp in self.sweep) * 1.1
        xs = [pad + i * (w - 2 * pad) / (len(self.sweep) - 1) for i in range(len(self.sweep))]
        out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (w, h),
               '<text x="10" y="20" font-size="14">download throughput (MB/s) against buffer size</text>',
               '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, h - pad, w - pad, h - pad),
               '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, pad, pad, h - pad)]
        for k, (name, color) in enumerate((("libftp", "#1f77b4"), ("raw TCP", "#7f7f7f"))):
            ys = [h - pad - (row[1 + k] / peak) * (h - 2 * pad) for row in self.sweep]
            out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                       % (color, " ".join("%.0f,%.0f" % p for p in zip(xs, ys))))
            out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (w - pad - 60, 40 + 14 * k, color, name))
            for row, x, y in zip(self.sweep, xs, ys):
                out.append('<circle cx="%.0f" cy="%.0f" r="3" fill="%s"/>' % (x, y, color))
                out.append('<text x="%.0f" y="%.0f" text-anchor="middle" fill="%s">%.0f</text>'
                           % (x, y - 8 if k == 0 else y + 16, color, row[1 + k]))
        for (bs, _, _), x in zip(self.sweep, xs):
            label = "%d KiB" % (bs >> 10) if bs < MIB else "%d MiB" % (bs >> 20)
            out.append('<text x="%.0f" y="%d" text-anchor="middle">%s</text>' % (x, h - pad + 18, label))
        out.append("</svg>")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")

    def report(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        self.svg_bars(os.path.join(out_dir, "throughput.svg"))
        self.svg_sweep(os.path.join(out_dir, "blocksize.svg"))
        tgt = ["| scenario | measure | measured (ratio of medians) | per-round median | target | met |",
               "|---|---|---:|---:|---:|---|"]
        for s, what, r, target, met in self.targets():
            op = ">=" if "files/s" in what else "<="
            pairs = self.per_round(s, self.lib_tool(what)) if "vs curl" in what and "CPU" not in what else []
            if pairs and "files/s" in what:
                pairs = [1 / p for p in pairs]
            paired = "%.2f" % statistics.median(pairs) if pairs else ""
            tgt.append("| %s | %s | %.2f | %s | %s %.1f | %s |" % (s, what, r, paired, op, target,
                                                                  "yes" if met else "**no**"))
        notes = self.notes()
        sweep = ", ".join("%s: %.0f MB/s (raw TCP %.0f)" % (
            "%d KiB" % (b >> 10) if b < MIB else "%d MiB" % (b >> 20), lib, tcp) for b, lib, tcp in self.sweep)
        text = "\n".join([
            "# libftp benchmark results",
            "",
            "Generated by `python3 bench/run.py%s` on %s. Do not edit by hand: run it again." % (
                " --smoke" if self.smoke else "", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            "",
            "## Machine",
            "",
            *self.machine(),
            "",
            "## Targets",
            "",
            "\"met\" judges the ratio of the medians. The per-round median pairs each libftp run"
            " with the curl run of the same round and takes the median of those ratios, which"
            " cancels a slow spell of the machine that hits both runs of a round.",
            "",
            *tgt,
            "",
            *notes,
            "## All measurements",
            "",
            "Transfers of %d MiB (%d MiB for the second RSS row); %d files of 4 KiB. \"Rest of machine"
            " CPU\" is what every core spent busy during the run minus the client's own CPU: mostly"
            " the server and the kernel's loopback work for it (the raw TCP rows send from a thread"
            " of the client itself). In \"download to file\" the tcp row splices raw loopback TCP"
            " into the same file, and the write row writes as many bytes from memory into it, with no"
            " network: the file's own cost. In \"upload, server discards\" vsftpd writes the upload"
            " to /dev/null (APPE onto a link to it), so only the receive costs the server and the"
            " clients' own costs show; \"libftp sendfile\" is libftp with ftp_set_zero_copy(h,"
            " true, true). The MLSD row lists"
            " a directory on proftpd (vsftpd has no MLSD); curl only fetches that listing, libftp and"
            " ftplib parse every entry. ftplib has no FTPS rows: it cannot resume TLS sessions, which"
            " vsftpd requires." % (self.size // MIB, self.size_large // MIB, self.nsmall),
            "",
            self.table(),
            "",
            "libftp's callback download against its buffer size, and raw loopback TCP read into a"
            " buffer of the same size in the same run: %s. Both read as libftp's bulk downloads do"
            " (woken per MiB), so where both slow down past 64 KiB it is the copy into a buffer"
            " larger than the CPU's cache, not libftp." % sweep,
            "",
            "![throughput](throughput.svg)",
            "",
            "![buffer size](blocksize.svg)",
            "",
        ])
        with open(os.path.join(out_dir, "RESULTS.md"), "w") as f:
            f.write(text)
        print(self.table())
        print("\n".join(tgt))
        print("bench: results in %s" % os.path.join(out_dir, "RESULTS.md"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="small sizes and one run each (for CI)")
    ap.add_argument("--runs", type=int, help="runs per scenario (default 9, smoke 1)")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--only", metavar="TEXT",
                    help="only the scenarios whose name contains TEXT (and the baseline; 'blocksize' for"
                         " the buffer sweep); results go to a temp dir unless --out")
    ap.add_argument("--out", help="where RESULTS.md and the plots go (default bench/; --smoke, --only:"
                                  " a temp dir)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/run.py: run as root (the test servers need it)")
    for tool in ("curl", "cmake"):
        if not shutil.which(tool):
            sys.exit("bench/run.py: %s not found (bash tests/setup-debian.sh installs it)" % tool)
    b = Bench(args)
    b.build()
    b.start_servers()
    try:
        b.make_data()
        b.run()
    finally:
        b.stop_servers()
        if hasattr(b, "local_dir"):
            shutil.rmtree(b.local_dir, ignore_errors=True)
    partial = args.smoke or args.only is not None
    out = args.out or (tempfile.mkdtemp(prefix="libftp-bench-out-") if partial else HERE)
    b.report(out)


if __name__ == "__main__":
    main()
