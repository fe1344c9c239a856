/* ftpls: list a directory.  Usage: ftpls [-v] URL
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
    bool verbose = false;
    int i = 1;
    if (i < argc && strcmp(argv[i], "-v") == 0) {
        verbose = true;
        i++;
    }
    if (argc - i != 1) {
        fprintf(stderr, "usage: ftpls [-v] ftp://[user[:pass]@]host[:port]/[dir]\n");
        return 2;
    }
    struct ex_url u;
    if (!ex_parse_url(argv[i], &u)) return 2;
    ftp_session *h = ex_open(&u, verbose);
    if (!h) return 1;
    ftp_result rc = ftp_mlsd(h, u.path, NULL, print_entry, NULL);
    if (rc == FTP_E_PERM) {
        int code = ftp_session_last_reply_code(h);
        if (code == 500 || code == 502) rc = ftp_dir(h, u.path[0] ? u.path : NULL, print_line, NULL);
    }
    int status = 0;
    if (rc != FTP_OK) {
        ex_fail("ftpls", u.path[0] ? u.path : ".", h, rc);
        status = 1;
    }
    ftp_quit(h);
    ftp_free(h);
    return status;
}
