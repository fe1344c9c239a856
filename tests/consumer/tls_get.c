/* An out-of-tree FTPS client built only against an installed <ftp.h>: downloads a file
 * over explicit TLS with PROT P, verification on and the given CA as the only trust
 * anchor, and compares it with the expected bytes; then checks that without that CA the
 * same download fails with FTP_E_TLS_UNTRUSTED and a message that says so.
 * Usage: tls_get HOST PORT CA_FILE REMOTE_NAME EXPECTED_FILE   (exit status 0 = OK) */
#include <ftp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
    unsigned char *data;
    size_t len, cap;
};

static int collect(void *userdata, const uint8_t *block, size_t len) {
    struct buf *b = userdata;
    if (b->len + len > b->cap) {
        size_t cap = (b->len + len) * 2;
        unsigned char *p = realloc(b->data, cap);
        if (!p) return 1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, block, len);
    b->len += len;
    return 0;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct buf b = {0};
    unsigned char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) collect(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return b.data;
}

/* Connects with `ca` as the trust anchor (NULL: the system store), logs in
 * anonymously and downloads `name` into *out. */
static ftp_result fetch(const char *host, int port, const char *ca, const char *name, struct buf *out,
                        ftp_session **hp) {
    ftp_tls_config *cfg = ftp_tls_config_new();
    ftp_session *h = ftp_new();
    *hp = h;
    if (!cfg || !h) return FTP_E_PANIC;
    ftp_result rc = ca ? ftp_tls_config_set_ca_file(cfg, ca) : FTP_OK;
    if (rc == FTP_OK) rc = ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg);
    ftp_tls_config_free(cfg);
    if (rc == FTP_OK) rc = ftp_connect(h, host, (uint16_t)port, 10000, NULL);
    if (rc == FTP_OK) rc = ftp_login(h, NULL, NULL, NULL);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "RETR %s", name);
    if (rc == FTP_OK) rc = ftp_retr_binary(h, cmd, collect, 65536, FTP_NO_REST, out);
    if (rc == FTP_OK) ftp_quit(h);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: tls_get HOST PORT CA_FILE REMOTE_NAME EXPECTED_FILE\n");
        return 2;
    }
    size_t want_len = 0;
    unsigned char *want = read_file(argv[5], &want_len);
    if (!want) {
        perror(argv[5]);
        return 2;
    }
    int failures = 0;
    struct buf got = {0};
    ftp_session *h = NULL;
    ftp_result rc = fetch(argv[1], atoi(argv[2]), argv[3], argv[4], &got, &h);
    if (rc != FTP_OK) {
        fprintf(stderr, "FAIL: download with the CA: %s: %s\n", ftp_strerror(rc), ftp_session_last_error(h));
        failures++;
    } else if (got.len != want_len || memcmp(got.data, want, want_len) != 0) {
        fprintf(stderr, "FAIL: downloaded %zu bytes that differ from the %zu expected\n", got.len, want_len);
        failures++;
    } else {
        printf("downloaded %zu bytes over TLS with PROT P, identical\n", got.len);
    }
    ftp_free(h);

    got.len = 0;
    rc = fetch(argv[1], atoi(argv[2]), NULL, argv[4], &got, &h);
    const char *msg = ftp_session_last_error(h);
    printf("without the CA: %s: %s\n", ftp_strerror(rc), msg ? msg : "(null)");
    if (rc != FTP_E_TLS_UNTRUSTED || !msg || !strstr(msg, "certificate")) {
        fprintf(stderr, "FAIL: without the CA, want FTP_E_TLS_UNTRUSTED with a message about the certificate\n");
        failures++;
    }
    ftp_free(h);
    free(got.data);
    free(want);
    printf("%s\n", failures ? "tls_get: FAILED" : "tls_get: OK");
    return failures ? 1 : 0;
}
