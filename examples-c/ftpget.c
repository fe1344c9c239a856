/* ftpget: download one file.  Usage: ftpget [OPTIONS] URL [OUT]   (OUT "-" = stdout;
 * default: the file's base name). URL is ftp:// or ftps:// (implicit TLS); OPTIONS are
 * -v and the TLS options of exutil.h (--tls for explicit FTPS, --cacert, --insecure,
 * --cert/--key). */
#include "exutil.h"

#include <stdio.h>
#include <string.h>

static int write_block(void *userdata, const uint8_t *buf, size_t len) {
    return fwrite(buf, 1, len, (FILE *)userdata) == len ? 0 : 1; /* non-zero cancels */
}

int main(int argc, char **argv) {
    struct ex_opts opts;
    int i = ex_parse_opts(argc, argv, &opts);
    if (i < 0) return 2;
    if (argc - i < 1 || argc - i > 2) {
        fprintf(stderr, "usage: ftpget " EX_OPTS_USAGE " ftp[s]://[user[:pass]@]host[:port]/path [OUT|-]\n");
        return 2;
    }
    ftp_url *u = ex_parse_url(argv[i]);
    if (!u) return 2;
    const char *path = ex_path(u);
    if (!ex_check_tls(&opts, u) || path[0] == '\0') {
        if (path[0] == '\0') fprintf(stderr, "ftpget: the URL names no file\n");
        ftp_url_free(u);
        return 2;
    }
    const char *out = argc - i == 2 ? argv[i + 1] : NULL;
    if (!out) {
        const char *base = strrchr(path, '/');
        out = base ? base + 1 : path;
    }
    ftp_session *h = ex_open(u, &opts);
    if (!h) {
        ftp_url_free(u);
        return 1;
    }
    FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
    if (!f) {
        perror(out);
        ftp_free(h);
        ftp_url_free(u);
        return 1;
    }
    char cmd[4200];
    int n = snprintf(cmd, sizeof cmd, "RETR %s", path);
    if (n < 0 || (size_t)n >= sizeof cmd) { /* cut short, it would name another file */
        fprintf(stderr, "ftpget: path too long: %s\n", path);
        if (f != stdout) fclose(f);
        ftp_free(h);
        ftp_url_free(u);
        return 2;
    }
    ex_progress(h);
    ftp_result rc = ftp_retr_binary(h, cmd, write_block, 65536, FTP_NO_REST, f);
    ex_progress_done(h);
    int status = 0;
    if (rc != FTP_OK) {
        ex_fail("ftpget", path, h, rc);
        status = 1;
    }
    if (f != stdout && fclose(f) != 0) {
        perror(out);
        status = 1;
    } else if (f == stdout && fflush(stdout) != 0) {
        status = 1;
    }
    ftp_quit(h);
    ftp_free(h);
    ftp_url_free(u);
    return status;
}
