/* ftpput: upload one file.  Usage: ftpput [OPTIONS] FILE URL   (a URL ending in '/'
 * gets FILE's base name appended; OPTIONS and URL as for ftpget). */
#include "exutil.h"

#include <stdio.h>
#include <string.h>

static int read_block(void *userdata, uint8_t *buf, size_t cap, size_t *len_out) {
    FILE *f = userdata;
    *len_out = fread(buf, 1, cap, f);
    return ferror(f) ? 1 : 0; /* non-zero cancels the upload */
}

int main(int argc, char **argv) {
    struct ex_opts opts;
    int i = ex_parse_opts(argc, argv, &opts);
    if (i < 0) return 2;
    if (argc - i != 2) {
        fprintf(stderr, "usage: ftpput " EX_OPTS_USAGE " FILE ftp[s]://[user[:pass]@]host[:port]/path\n");
        return 2;
    }
    const char *file = argv[i];
    ftp_url *u = ex_parse_url(argv[i + 1]);
    if (!u) return 2;
    if (!ex_check_tls(&opts, u)) {
        ftp_url_free(u);
        return 2;
    }
    char path[4096];
    const char *upath = ex_path(u);
    size_t plen = strlen(upath);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    bool add_base = plen == 0 || upath[plen - 1] == '/';
    if ((size_t)snprintf(path, sizeof path, "%s%s", upath, add_base ? base : "") >= sizeof path) {
        fprintf(stderr, "ftpput: path too long\n");
        ftp_url_free(u);
        return 2;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        perror(file);
        ftp_url_free(u);
        return 1;
    }
    ftp_session *h = ex_open(u, &opts);
    ftp_url_free(u);
    if (!h) {
        fclose(f);
        return 1;
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "STOR %s", path);
    ex_progress(h);
    ftp_result rc = ftp_stor_binary(h, cmd, read_block, 65536, NULL, FTP_NO_REST, f);
    ex_progress_done(h);
    int status = 0;
    if (rc != FTP_OK) {
        ex_fail("ftpput", path, h, rc);
        status = 1;
    }
    fclose(f);
    ftp_quit(h);
    ftp_free(h);
    return status;
}
