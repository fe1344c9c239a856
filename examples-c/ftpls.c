/* ftpls: list a directory.  Usage: ftpls [OPTIONS] URL   (OPTIONS and URL as for ftpget)
 * Uses MLSD ("type size name" per entry); falls back to LIST where the server has no
 * MLSD (500/502). */
#include "exutil.h"

#include <stdio.h>
#include <string.h>

static int print_entry(void *userdata, const ftp_mlsd_entry *e) {
    (void)userdata;
    size_t len;
    const char *name = ftp_mlsd_entry_name(e, &len);
    const char *type = ftp_mlsd_entry_fact(e, "type");
    const char *size = ftp_mlsd_entry_fact(e, "size");
    if (type && (strcmp(type, "cdir") == 0 || strcmp(type, "pdir") == 0)) return 0;
    printf("%-5s %12s ", type ? type : "?", size ? size : "-");
    fwrite(name, 1, len, stdout);
    putchar('\n');
    return 0;
}

static int print_line(void *userdata, const char *line, size_t len) {
    (void)userdata;
    fwrite(line, 1, len, stdout);
    putchar('\n');
    return 0;
}

int main(int argc, char **argv) {
    struct ex_opts opts;
    int i = ex_parse_opts(argc, argv, &opts);
    if (i < 0) return 2;
    if (argc - i != 1) {
        fprintf(stderr, "usage: ftpls " EX_OPTS_USAGE " ftp[s]://[user[:pass]@]host[:port]/[dir]\n");
        return 2;
    }
    ftp_url *u = ex_parse_url(argv[i]);
    if (!u) return 2;
    if (!ex_check_tls(&opts, u)) {
        ftp_url_free(u);
        return 2;
    }
    const char *path = ex_path(u);
    ftp_session *h = ex_open(u, &opts);
    if (!h) {
        ftp_url_free(u);
        return 1;
    }
    ftp_result rc = ftp_mlsd(h, path, NULL, print_entry, NULL);
    if (rc == FTP_E_PERM) {
        int code = ftp_session_last_reply_code(h);
        if (code == 500 || code == 502) rc = ftp_dir(h, path[0] ? path : NULL, print_line, NULL);
    }
    int status = 0;
    if (rc != FTP_OK) {
        ex_fail("ftpls", path[0] ? path : ".", h, rc);
        status = 1;
    }
    ftp_quit(h);
    ftp_free(h);
    ftp_url_free(u);
    return status;
}
