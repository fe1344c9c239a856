/* ftpget: download one file.  Usage: ftpget [-c] [-n N] [OPTIONS] URL [OUT]   (OUT "-" =
 * stdout; default: the file's base name). URL is ftp:// or ftps:// (implicit TLS);
 * OPTIONS are -v and the TLS options of exutil.h (--tls for explicit FTPS, --cacert,
 * --insecure, --cert/--key, --active).
 *
 * The file is written through ftp_retr_file(): into OUT.part, renamed to OUT once
 * complete (OUT never holds a partial file), with the server's modification time, and
 * spliced from the socket into the file where the connection is plain. -c continues
 * an OUT.part an earlier run left. -n N fetches the file in N segments over N
 * connections at once (ftp_retr_file_segmented(), lftp's pget -n), which -c resumes
 * too. To stdout the bytes go through ftp_retr_fd(). */
#include "exutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USAGE "usage: ftpget [-c] [-n N] " EX_OPTS_USAGE " ftp[s]://[user[:pass]@]host[:port]/path [OUT|-]\n"

int main(int argc, char **argv) {
    /* -c and -n N are ftpget's own; the rest go to ex_parse_opts. */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) return 1;
    int nargs = 0;
    bool resume = false;
    unsigned segments = 0;
    args[nargs++] = argv[0];
    int a = 1;
    for (; a < argc && argv[a][0] == '-' && strcmp(argv[a], "-") != 0; a++) {
        if (strcmp(argv[a], "-c") == 0) {
            resume = true;
        } else if (strcmp(argv[a], "-n") == 0) {
            char *end = NULL;
            long n = a + 1 < argc ? strtol(argv[a + 1], &end, 10) : 0;
            if (a + 1 >= argc || *end != '\0' || n < 1 || n > (long)FTP_MAX_SEGMENTS) {
                fprintf(stderr, "ftpget: -n needs a number of segments from 1 to %u\n", (unsigned)FTP_MAX_SEGMENTS);
                free(args);
                return 2;
            }
            segments = (unsigned)n;
            a++;
        } else {
            args[nargs++] = argv[a];
            /* Options of exutil.h that take a value keep it. */
            if ((strcmp(argv[a], "--cacert") == 0 || strcmp(argv[a], "--cert") == 0 || strcmp(argv[a], "--key") == 0) &&
                a + 1 < argc)
                args[nargs++] = argv[++a];
        }
    }
    for (; a < argc; a++) args[nargs++] = argv[a];

    struct ex_opts opts;
    int i = ex_parse_opts(nargs, args, &opts);
    if (i < 0 || nargs - i < 1 || nargs - i > 2) {
        if (i >= 0) fprintf(stderr, USAGE);
        free(args);
        return 2;
    }
    ftp_url *u = ex_parse_url(args[i]);
    if (!u) {
        free(args);
        return 2;
    }
    const char *path = ex_path(u);
    const char *out = nargs - i == 2 ? args[i + 1] : NULL;
    bool to_stdout = out && strcmp(out, "-") == 0;
    if (!ex_check_tls(&opts, u) || path[0] == '\0' || (to_stdout && (resume || segments))) {
        if (path[0] == '\0') fprintf(stderr, "ftpget: the URL names no file\n");
        if (to_stdout && (resume || segments)) fprintf(stderr, "ftpget: -c and -n need an output file, not stdout\n");
        ftp_url_free(u);
        free(args);
        return 2;
    }
    if (!out) {
        const char *base = strrchr(path, '/');
        out = base ? base + 1 : path;
    }
    ftp_session *h = ex_open(u, &opts);
    if (!h) {
        ftp_url_free(u);
        free(args);
        return 1;
    }
    unsigned flags = FTP_FILE_ATOMIC | FTP_FILE_PRESERVE_MTIME | (resume ? FTP_FILE_RESUME : 0);
    uint64_t moved = 0;
    ex_progress(h);
    ftp_result rc;
    if (to_stdout)
        rc = ftp_retr_fd(h, path, STDOUT_FILENO, FTP_NO_REST, &moved);
    else if (segments)
        rc = ftp_retr_file_segmented(h, path, out, segments, flags, &moved);
    else
        rc = ftp_retr_file(h, path, out, flags, &moved);
    ex_progress_done(h);
    int status = 0;
    if (rc != FTP_OK) {
        ex_fail("ftpget", path, h, rc);
        status = 1;
    }
    ftp_quit(h);
    ftp_free(h);
    ftp_url_free(u);
    free(args);
    return status;
}
