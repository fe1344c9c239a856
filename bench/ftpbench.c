/* ftpbench: the C driver bench/run.py times, one scenario per run, through libftp's C API.
 *
 *   ftpbench [OPTIONS] get-null URL [BLOCKSIZE]  download, bytes discarded by the callback
 *   ftpbench [OPTIONS] get-file URL LOCAL        ftp_retr_file (zero-copy where it can)
 *   ftpbench [OPTIONS] put-file LOCAL URL        ftp_stor_file
 *   ftpbench [OPTIONS] append-file LOCAL URL     ftp_stor_file with FTP_FILE_APPEND (APPE)
 *   ftpbench [OPTIONS] get-many URL N            N files DIR/s0000.bin... over one session
 *   ftpbench [OPTIONS] list URL                  ftp_list_get (MLSD, parsed) of a directory
 *   ftpbench raw-tcp FILE [BLOCKSIZE]            the machine's limit: FILE sent over loopback
 *                                                TCP with sendfile, read and discarded
 *   ftpbench raw-tcp-file FILE OUT               the same bytes spliced into the file OUT: the
 *                                                machine's limit for a download to a file
 *   ftpbench write-file OUT SIZE                 SIZE bytes written from memory into OUT, no
 *                                                network at all: the floor of any download there
 *
 * OPTIONS are those of the examples (--tls, --cacert FILE, ...). Prints "bytes=N" (and
 * "files=N" / "entries=N") on success; exits non-zero with the error otherwise. */
#define _GNU_SOURCE /* splice, F_SETPIPE_SZ */
#include "exutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The block size for downloads to the callback and for the raw TCP baseline: the best
 * of the sweep run.py makes (64 KiB took half the CPU of 256 KiB and 1 MiB here). */
#define BLOCKSIZE (64 << 10)

static int discard(void *userdata, const uint8_t *buf, size_t len) {
    (void)buf;
    *(uint64_t *)userdata += len;
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: ftpbench " EX_OPTS_USAGE " get-null URL [BLOCKSIZE] | get-file URL LOCAL |\n"
            "       put-file LOCAL URL | append-file LOCAL URL | get-many URL N | list URL\n"
            "       ftpbench raw-tcp FILE [BLOCKSIZE] | raw-tcp-file FILE OUT | write-file OUT SIZE\n");
    return 2;
}

/* ---- the raw TCP baseline ---------------------------------------------------------- */

struct sender {
    int listener;
    int file;
    off_t size;
};

static void *send_file(void *arg) {
    struct sender *s = arg;
    int c = accept(s->listener, NULL, NULL);
    if (c < 0) return NULL;
    off_t off = 0;
    while (off < s->size) {
        ssize_t n = sendfile(c, s->file, &off, (size_t)(s->size - off));
        if (n <= 0) break;
    }
    close(c);
    return NULL;
}

/* Moves what the socket brings into `out` through a pipe with splice(2), as libftp's
 * download to a file does: the fastest way this kernel puts socket bytes in a file. */
static int splice_all(int sock, int out, uint64_t *total) {
    int p[2];
    if (pipe(p) != 0) return -1;
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    for (;;) {
        ssize_t n = splice(sock, NULL, p[1], NULL, 1 << 20, SPLICE_F_MOVE | SPLICE_F_MORE);
        if (n <= 0) break;
        *total += (uint64_t)n;
        while (n > 0) {
            ssize_t m = splice(p[0], NULL, out, NULL, (size_t)n, SPLICE_F_MOVE | SPLICE_F_MORE);
            if (m <= 0) {
                close(p[0]);
                close(p[1]);
                return -1;
            }
            n -= m;
        }
    }
    close(p[0]);
    close(p[1]);
    return 0;
}

/* Sends FILE over loopback TCP from a thread and receives it: into a 64 KiB buffer that
 * is dropped, or (with `out_path`) spliced into that file, created or truncated. The
 * buffered read is tuned as libftp's bulk downloads are (a fixed 4 MiB receive buffer,
 * woken per MiB), so the baseline stays the fastest read this machine knows. */
static int raw_tcp(const char *path, size_t blocksize, const char *out_path) {
    struct sender s;
    s.file = open(path, O_RDONLY);
    struct stat st;
    if (s.file < 0 || fstat(s.file, &st) != 0) {
        perror(path);
        return 1;
    }
    s.size = st.st_size;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    s.listener = socket(AF_INET, SOCK_STREAM, 0);
    if (s.listener < 0 || bind(s.listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(s.listener, 1) != 0 ||
        getsockname(s.listener, (struct sockaddr *)&a, &alen) != 0) {
        perror("listen");
        return 1;
    }
    int out = -1;
    if (out_path && (out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
        perror(out_path);
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, send_file, &s) != 0) return 1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        return 1;
    }
    uint64_t total = 0;
    int rc = 0;
    if (out >= 0) {
        rc = splice_all(c, out, &total);
        if (rc != 0) perror("splice");
    } else {
        int rcvbuf = 4 << 20, lowat = 1 << 20;
        setsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        setsockopt(c, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
        char *buf = malloc(blocksize);
        if (!buf) return 1;
        for (;;) {
            ssize_t n = read(c, buf, blocksize);
            if (n <= 0) break;
            total += (uint64_t)n;
        }
        free(buf);
    }
    pthread_join(t, NULL);
    close(c);
    close(s.listener);
    close(s.file);
    if (out >= 0 && close(out) != 0) rc = -1;
    printf("bytes=%llu\n", (unsigned long long)total);
    return rc == 0 && total == (uint64_t)st.st_size ? 0 : 1;
}

/* Writes `size` bytes from a 1 MiB buffer into OUT, created or truncated: what the file
 * alone costs (tmpfs allocates and fills every page), with no socket in the way. */
static int write_file(const char *out_path, uint64_t size) {
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char *buf = malloc(1 << 20);
    if (out < 0 || !buf) {
        perror(out_path);
        return 1;
    }
    memset(buf, 1, 1 << 20);
    uint64_t total = 0;
    while (total < size) {
        size_t want = size - total < (1 << 20) ? (size_t)(size - total) : (size_t)(1 << 20);
        ssize_t n = write(out, buf, want);
        if (n <= 0) {
            perror("write");
            break;
        }
        total += (uint64_t)n;
    }
    free(buf);
    if (close(out) != 0) return 1;
    printf("bytes=%llu\n", (unsigned long long)total);
    return total == size ? 0 : 1;
}

/* ---- FTP scenarios ------------------------------------------------------------------- */

int main(int argc, char **argv) {
    struct ex_opts opts;
    int i = ex_parse_opts(argc, argv, &opts);
    if (i < 0) return 2;
    if (argc - i < 2) return usage();
    const char *mode = argv[i];
    if (strcmp(mode, "raw-tcp") == 0)
        return raw_tcp(argv[i + 1], argc - i > 2 ? (size_t)strtoull(argv[i + 2], NULL, 10) : BLOCKSIZE, NULL);
    if (strcmp(mode, "raw-tcp-file") == 0 && argc - i > 2) return raw_tcp(argv[i + 1], BLOCKSIZE, argv[i + 2]);
    if (strcmp(mode, "write-file") == 0 && argc - i > 2)
        return write_file(argv[i + 1], (uint64_t)strtoull(argv[i + 2], NULL, 10));

    bool upload = strcmp(mode, "put-file") == 0 || strcmp(mode, "append-file") == 0;
    const char *url_arg = upload ? (argc - i > 2 ? argv[i + 2] : NULL) : argv[i + 1];
    if (!url_arg) return usage();
    ftp_url *u = ex_parse_url(url_arg);
    if (!u) return 2;
    if (!ex_check_tls(&opts, u)) return 2;
    const char *path = ex_path(u);
    ftp_session *h = ex_open(u, &opts);
    if (!h) return 1;
    /* FTPBENCH_ZERO_COPY=DOWN,UP (0 or 1 each) overrides the defaults, to compare paths. */
    const char *zc = getenv("FTPBENCH_ZERO_COPY");
    if (zc && strlen(zc) == 3) ftp_set_zero_copy(h, zc[0] == '1', zc[2] == '1');

    ftp_result rc = FTP_OK;
    uint64_t bytes = 0;
    char cmd[4200];
    if (strcmp(mode, "get-null") == 0) {
        size_t blocksize = argc - i > 2 ? (size_t)strtoull(argv[i + 2], NULL, 10) : BLOCKSIZE;
        snprintf(cmd, sizeof cmd, "RETR %s", path);
        rc = ftp_retr_binary(h, cmd, discard, blocksize, FTP_NO_REST, &bytes);
    } else if (strcmp(mode, "get-file") == 0 && argc - i > 2) {
        rc = ftp_retr_file(h, path, argv[i + 2], 0, &bytes);
    } else if (upload) {
        uint32_t flags = strcmp(mode, "append-file") == 0 ? FTP_FILE_APPEND : 0;
        rc = ftp_stor_file(h, argv[i + 1], path, flags, &bytes);
    } else if (strcmp(mode, "get-many") == 0 && argc - i > 2) {
        long n = strtol(argv[i + 2], NULL, 10);
        for (long k = 0; k < n && rc == FTP_OK; k++) {
            snprintf(cmd, sizeof cmd, "RETR %s/s%04ld.bin", path, k);
            rc = ftp_retr_binary(h, cmd, discard, 65536, FTP_NO_REST, &bytes);
        }
        if (rc == FTP_OK) printf("files=%ld\n", n);
    } else if (strcmp(mode, "list") == 0) {
        ftp_entry_list *list = NULL;
        rc = ftp_list_get(h, path, &list);
        if (rc == FTP_OK) {
            size_t n = ftp_entry_list_len(list);
            for (size_t k = 0; k < n; k++) {
                uint64_t size = 0;
                if (ftp_entry_size(ftp_entry_list_get(list, k), &size)) bytes += size;
            }
            printf("entries=%zu\n", n);
            ftp_entry_list_free(list);
        }
    } else {
        ftp_free(h);
        ftp_url_free(u);
        return usage();
    }
    if (rc != FTP_OK) {
        ex_fail("ftpbench", mode, h, rc);
    } else {
        printf("bytes=%llu\n", (unsigned long long)bytes);
        rc = ftp_quit(h);
    }
    ftp_free(h);
    ftp_url_free(u);
    return rc == FTP_OK ? 0 : 1;
}
