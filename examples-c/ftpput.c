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
    struct ex_url u;
    if (!ex_parse_url(argv[i + 1], &u) || !ex_check_tls(&opts, &u)) return 2;
    size_t plen = strlen(u.path);
    if (plen == 0 || u.path[plen - 1] == '/') {
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        if (plen + strlen(base) >= sizeof u.path) {
            fprintf(stderr, "ftpput: path too long\n");
            return 2;
        }
        strcat(u.path, base);
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        perror(file);
        return 1;
    }
    ftp_session *h = ex_open(&u, &opts);
    if (!h) {
        fclose(f);
        return 1;
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "STOR %s", u.path);
    ftp_result rc = ftp_stor_binary(h, cmd, read_block, 65536, NULL, FTP_NO_REST, f);
    int status = 0;
    if (rc != FTP_OK) {
        ex_fail("ftpput", u.path, h, rc);
        status = 1;
    }
    fclose(f);
    ftp_quit(h);
    ftp_free(h);
    return status;
}
