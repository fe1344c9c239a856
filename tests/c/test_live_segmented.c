/* ftp_retr_file_segmented() against the real servers: vsftpd, proftpd, pure-ftpd and
 * pyftpdlib in plain FTP, and vsftpd over explicit FTPS (require_ssl_reuse=YES, so
 * every segment's data connection must resume its own session's TLS session). Each
 * run uploads big.bin (8 MiB, BIG_SHA256 in the env file) as the test user under a name
 * of this process's own, downloads it in 4 segments and compares the bytes; resumes
 * a download from a state file that says what is missing; cancels one from its
 * progress callback and resumes it; and checks the arguments refused. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint8_t *big;
static size_t big_len;

static bool file_is(const char *path, const void *data, size_t len) {
    size_t got_len;
    uint8_t *got = t_read_file(path, &got_len);
    bool same = got && got_len == len && memcmp(got, data, len) == 0;
    free(got);
    return same;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Progress: remembers the last report; cancels from the report number `cancel_at`
 * on (0: never). */
struct progress {
    uint64_t bytes;
    int64_t total;
    int reports, cancel_at;
};

static int on_progress(void *userdata, uint64_t bytes, int64_t total, double rate) {
    (void)rate;
    struct progress *p = userdata;
    p->bytes = bytes;
    p->total = total;
    p->reports++;
    return p->cancel_at && p->reports >= p->cancel_at;
}

static ftp_session *login(const char *port_key, bool tls) {
    ftp_session *h = ftp_new();
    CHECK(h != NULL);
    if (tls) {
        ftp_tls_config *cfg = ftp_tls_config_new();
        CHECK_RC(NULL, ftp_tls_config_set_ca_file(cfg, t_need("CA_FILE")), FTP_OK);
        CHECK_OK(h, ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg));
        ftp_tls_config_free(cfg);
    }
    CHECK_OK(h, ftp_connect(h, "127.0.0.1", (uint16_t)atoi(t_need(port_key)), 10000, NULL));
    CHECK_OK(h, ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
    return h;
}

static void run(const char *name, const char *port_key, bool tls) {
    printf("-- %s\n", name);
    fflush(stdout);
    ftp_session *h = login(port_key, tls);
    char dir[] = "/tmp/libftp-seg-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char src[4200], local[4200], part[4300], state[4300], remote[64];
    snprintf(src, sizeof src, "%s/src.bin", dir);
    snprintf(local, sizeof local, "%s/big.bin", dir);
    snprintf(part, sizeof part, "%s.part", local);
    snprintf(state, sizeof state, "%s.segments", local);
    snprintf(remote, sizeof remote, "seg-%d.bin", (int)getpid());
    CHECK(t_write_file(src, big, big_len));
    uint64_t n = 0;
    CHECK_OK(h, ftp_stor_file(h, src, remote, FTP_FILE_VERIFY_SIZE, &n));

    /* 4 segments, a relative name (the other sessions go to h's directory), the
     * progress reporting the whole file. */
    struct progress p = {0};
    CHECK_OK(h, ftp_set_progress_callback(h, on_progress, &p, 0));
    CHECK_OK(h, ftp_retr_file_segmented(h, remote, local, 4, FTP_FILE_PRESERVE_MTIME, &n));
    CHECK(n == big_len);
    CHECK(file_is(local, big, big_len));
    CHECK(!exists(part) && !exists(state));
    CHECK(p.bytes == big_len && p.total == (int64_t)big_len);
    /* h did a segment and is still usable. */
    int64_t size = -1;
    CHECK_OK(h, ftp_size(h, remote, &size));
    CHECK(size == (int64_t)big_len);

    /* Resume: the state file says the first segment has its first 1.5 MiB, the second
     * is complete, the others are missing. The part file's other bytes are wrong on
     * purpose: only what is missing may be fetched. */
    unlink(local);
    const size_t q = big_len / 4, have = (3u << 20) / 2;
    uint8_t *partial = calloc(1, big_len);
    CHECK(partial != NULL);
    memcpy(partial, big, have);
    memcpy(partial + q, big + q, q);
    CHECK(t_write_file(part, partial, big_len));
    free(partial);
    FILE *f = fopen(state, "w");
    CHECK(f != NULL);
    fprintf(f, "libftp-segments 1\nsize %zu\n0 %zu %zu\n%zu %zu %zu\n%zu %zu 0\n%zu %zu 0\n", big_len, q, have, q,
            2 * q, q, 2 * q, 3 * q, 3 * q, big_len);
    fclose(f);
    CHECK_OK(h, ftp_retr_file_segmented(h, remote, local, 4, FTP_FILE_RESUME, &n));
    CHECK(n == (q - have) + 2 * q);
    CHECK(file_is(local, big, big_len));
    CHECK(!exists(part) && !exists(state));

    /* Cancelled from the progress callback: no complete-looking file, the part and
     * state files kept; h usable (over plain FTP); then resumed to the same bytes. */
    unlink(local);
    p = (struct progress){.cancel_at = 2};
    CHECK_RC(h, ftp_retr_file_segmented(h, remote, local, 4, 0, &n), FTP_E_CANCELLED);
    CHECK(!exists(local));
    CHECK(exists(part) && exists(state));
    if (tls && ftp_noop(h) != FTP_OK) {
        /* vsftpd over TLS reads ABOR only after the transfer, so when the cut of the data
         * connection reaches it first (a slow run: valgrind on a loaded machine) it may
         * end the session instead of answering: a new one, to resume with. */
        ftp_free(h);
        h = login(port_key, tls);
        CHECK_OK(h, ftp_set_progress_callback(h, on_progress, &p, 0));
    }
    CHECK_OK(h, ftp_size(h, remote, &size));
    p = (struct progress){0};
    CHECK_OK(h, ftp_retr_file_segmented(h, remote, local, 4, FTP_FILE_RESUME, &n));
    CHECK(n <= big_len && file_is(local, big, big_len));
    CHECK(!exists(part) && !exists(state));
    CHECK_OK(h, ftp_set_progress_callback(h, NULL, NULL, 0));

    /* One segment is a plain atomic download. */
    unlink(local);
    CHECK_OK(h, ftp_retr_file_segmented(h, remote, local, 1, 0, &n));
    CHECK(n == big_len && file_is(local, big, big_len));

    /* Arguments refused before anything is sent. */
    CHECK_RC(h, ftp_retr_file_segmented(h, remote, local, 0, 0, NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_file_segmented(h, remote, local, 65, 0, NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_file_segmented(h, remote, local, 4, FTP_FILE_APPEND, NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_file_segmented(h, remote, NULL, 4, 0, NULL), FTP_E_NULL);
    /* A file the server does not have: SIZE's 550, and nothing left behind. */
    unlink(local);
    CHECK_RC(h, ftp_retr_file_segmented(h, "seg-no-such-file.bin", local, 4, 0, NULL), FTP_E_PERM);
    CHECK(!exists(local) && !exists(part) && !exists(state));

    CHECK_OK(h, ftp_delete(h, remote));
    ftp_quit(h);
    ftp_free(h);
    unlink(local);
    unlink(src);
    rmdir(dir);
}

int main(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/big.bin", t_need("ANON_ROOT"));
    big = t_read_file(path, &big_len);
    CHECK(big != NULL && big_len == (size_t)atoll(t_need("BIG_SIZE")));
    if (!big) return t_done("segmented");
    ftp_session *never = ftp_new();
    CHECK_RC(never, ftp_retr_file_segmented(never, "x", "/tmp/x", 4, 0, NULL), FTP_E_STATE);
    ftp_free(never);
    run("vsftpd", "VSFTPD_PORT", false);
    run("proftpd", "PROFTPD_PORT", false);
    run("pure-ftpd", "PUREFTPD_PORT", false);
    run("pyftpdlib", "PYFTPD_PORT", false);
    run("vsftpd FTPS (session reuse required)", "VSFTPS_PORT", true);
    free(big);
    return t_done("segmented");
}
