/* ftpmirror: mirror a server directory into a local one, or (-r) a local tree up to
 * the server.  Usage: ftpmirror URL DIR [-v] [-q] [-r] [-n] [-d] [-j N] [-s PATTERN]...
 *   -v protocol trace   -q no per-file lines   -r reverse (upload DIR to URL)
 *   -n dry run          -d delete what the source no longer has
 *   -j N transfer over N connections at once (default 4, 1 to 64)
 *   -s PATTERN skip names or paths matching a shell pattern (repeatable)
 * URL is ftp:// or ftps://; the TLS options of the other tools work too.
 * What fails for one file or directory is printed and the mirror goes on; the exit
 * status is then 1, after a list of every failure on stderr.
 *
 * Why 4 connections by default: vsftpd (max_per_ip 0) and proftpd (no
 * MaxConnectionsPerHost) limit nothing per address by default, while pure-ftpd
 * setups commonly cap each address with -C (MaxClientsPerIP) at a handful, often 4
 * or 5, as do many hosting servers. Four stays within such a cap and gets most of
 * the gain for many small files. A server that refuses an extra connection anyway
 * only leaves the work to the connections it took. */
#include "exutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *verb(ftp_mirror_action a) {
    switch (a) {
    case FTP_MIRROR_GET: return "get";
    case FTP_MIRROR_PUT: return "put";
    case FTP_MIRROR_MKDIR: return "mkdir";
    case FTP_MIRROR_REMOVE: return "remove";
    case FTP_MIRROR_UNCHANGED: return "same";
    case FTP_MIRROR_SKIPPED: return "skip";
    case FTP_MIRROR_SKIPPED_LINK: return "skip-link";
    case FTP_MIRROR_REFUSED: return "REFUSED";
    case FTP_MIRROR_FAILED: return "FAILED";
    }
    return "?";
}

static int show(void *userdata, ftp_mirror_action a, const char *path, size_t len, int64_t size) {
    bool quiet = *(bool *)userdata;
    if (quiet && a != FTP_MIRROR_REFUSED && a != FTP_MIRROR_FAILED) return 0;
    if (a == FTP_MIRROR_UNCHANGED) return 0;
    printf("%-9s ", verb(a));
    fwrite(path, 1, len, stdout);
    if (size >= 0) printf(" (%lld bytes)", (long long)size);
    putchar('\n');
    return 0;
}

int main(int argc, char **argv) {
    /* Options may come anywhere: split them from the two positional arguments. */
    char **opt_argv = calloc((size_t)argc + 1, sizeof *opt_argv);
    const char **skip = calloc((size_t)argc + 1, sizeof *skip);
    const char *pos[2] = {NULL, NULL};
    int npos = 0, nopt = 1, nskip = 0;
    bool quiet = false, reverse = false, usage = false;
    unsigned flags = 0;
    long jobs = 4;
    int status = 1;
    ftp_url *u = NULL;
    ftp_session *h = NULL;
    if (!opt_argv || !skip) goto done;
    opt_argv[0] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-q") == 0) quiet = true;
        else if (strcmp(a, "-r") == 0) reverse = true;
        else if (strcmp(a, "-n") == 0) flags |= FTP_MIRROR_DRY_RUN;
        else if (strcmp(a, "-d") == 0) flags |= FTP_MIRROR_DELETE;
        else if (strcmp(a, "-s") == 0 && i + 1 < argc) skip[nskip++] = argv[++i];
        else if (strcmp(a, "-j") == 0 && i + 1 < argc) {
            char *end;
            jobs = strtol(argv[++i], &end, 10);
            if (*end || jobs < 1 || jobs > 64) usage = true;
        }
        else if (a[0] == '-') {
            opt_argv[nopt++] = argv[i];
            bool takes_value = strcmp(a, "--cacert") == 0 || strcmp(a, "--cert") == 0 || strcmp(a, "--key") == 0;
            if (takes_value && i + 1 < argc) opt_argv[nopt++] = argv[++i];
        } else if (npos < 2) pos[npos++] = a;
        else npos = 3;
    }
    struct ex_opts opts;
    if (usage || npos != 2 || ex_parse_opts(nopt, opt_argv, &opts) != nopt) {
        fprintf(stderr, "usage: ftpmirror ftp[s]://[user[:pass]@]host[:port]/dir DIR [-v] [-q] [-r] [-n] [-d] "
                        "[-j N] [-s PATTERN]... " EX_OPTS_USAGE "\n");
        status = 2;
        goto done;
    }
    u = ex_parse_url(pos[0]);
    if (!u || !ex_check_tls(&opts, u)) {
        status = 2;
        goto done;
    }
    h = ex_open(u, &opts);
    if (!h) goto done;
    uint64_t files = 0, bytes = 0;
    const char *remote = ex_path(u);
    ftp_result rc = ftp_set_mirror_parallel(h, (uint32_t)jobs);
    if (rc == FTP_OK)
        rc = reverse ? ftp_mirror_upload(h, pos[1], remote, flags, skip, show, &quiet, &files, &bytes)
                     : ftp_mirror(h, remote, pos[1], flags, skip, show, &quiet, &files, &bytes);
    size_t failed = rc == FTP_OK ? 0 : ftp_mirror_failure_count(h);
    if (rc != FTP_OK && failed == 0) {
        ex_fail("ftpmirror", reverse ? pos[1] : (remote[0] ? remote : "."), h, rc);
    } else {
        /* The mirror went through: the counts, then each failure (if any). */
        printf("%s%llu files, %llu bytes %s\n", flags & FTP_MIRROR_DRY_RUN ? "(dry run) " : "",
               (unsigned long long)files, (unsigned long long)bytes, reverse ? "uploaded" : "downloaded");
        for (size_t i = 0; i < failed; i++) {
            const char *path = NULL;
            size_t len = 0;
            const char *why = ftp_mirror_failure(h, i, &path, &len, NULL, NULL);
            if (!why) continue;
            fputs("ftpmirror: failed: ", stderr);
            fwrite(path, 1, len, stderr);
            fprintf(stderr, ": %s\n", why);
        }
        if (failed) fprintf(stderr, "ftpmirror: %zu %s failed\n", failed, failed == 1 ? "entry" : "entries");
        status = failed ? 1 : 0;
    }
    ftp_quit(h);
done: /* one way out, so every path frees what it made (each free accepts NULL) */
    ftp_free(h);
    ftp_url_free(u);
    free(opt_argv);
    free(skip);
    return status;
}
