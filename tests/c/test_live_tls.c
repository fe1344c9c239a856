/* FTPS against real servers on loopback, through ftp.h only: vsftpd (explicit, with
 * require_ssl_reuse=YES, and implicit), proftpd mod_tls (reuse required), pure-ftpd
 * (TLS required) and pyftpdlib. Each uploads and downloads a multi-megabyte file with
 * byte comparison and lists a directory with PROT P, then again with PROT C (or checks
 * the server refuses clear data when it requires TLS). Then the failures, each with
 * its own code: untrusted, wrong host, expired, not yet valid, no TLS. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tls_server {
    const char *name;
    const char *port_key;
    int mode; /* ftp_tls_mode */
    const char *user_root_key;
    bool data_tls_required; /* the server refuses PROT C or clear transfers */
    bool has_mlsd;
    bool resumes; /* data connections resume the control session (not pure-ftpd) */
    /* ABOR's own reply may come late; ftp_abort returns the download's failure (ftp-srv,
     * docs/servers.md). */
    bool abor_late;
};

static const uint8_t *big;
static size_t big_len;

/* Data connections the library asked for again after the server refused one that did
 * not resume the session, over all sessions (every one gets this log callback), and
 * those of test_proftpd_uploads_in_a_row, the only test that should need any. */
static int retries, retries_expected;

static void count_retries(void *userdata, ftp_log_kind kind, const char *line) {
    (void)userdata;
    (void)kind;
    if (strstr(line, "asking again")) retries++;
}

static ftp_tls_config *trusting_config(void) {
    ftp_tls_config *cfg = ftp_tls_config_new();
    CHECK(cfg != NULL);
    CHECK_RC(NULL, ftp_tls_config_set_ca_file(cfg, t_need("CA_FILE")), FTP_OK);
    return cfg;
}

/* A session in `mode` trusting the test CA, connected to 127.0.0.1:port. */
static ftp_session *tls_connect(int mode, uint16_t port, ftp_tls_config *cfg, ftp_result want) {
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_log_callback(h, count_retries, NULL));
    CHECK_OK(h, ftp_set_debuglevel(h, 1));
    CHECK_OK(h, ftp_set_tls(h, mode, cfg));
    CHECK_RC(h, ftp_connect(h, "127.0.0.1", port, 10000, NULL), want);
    return h;
}

static ftp_session *tls_login(const struct tls_server *s, uint16_t port) {
    ftp_tls_config *cfg = trusting_config();
    ftp_session *h = tls_connect(s->mode, port, cfg, FTP_OK);
    ftp_tls_config_free(cfg);
    CHECK_OK(h, ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
    const char *v = ftp_session_tls_version(h);
    CHECK(v != NULL && (strcmp(v, "TLSv1.3") == 0 || strcmp(v, "TLSv1.2") == 0));
    CHECK(ftp_session_tls_cipher(h) != NULL);
    return h;
}

static bool disk_equals(const char *root, const char *name, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, name);
    size_t got_len;
    uint8_t *got = t_read_file(path, &got_len);
    bool same = got && got_len == len && memcmp(got, data, len) == 0;
    free(got);
    return same;
}

/* Upload big.bin's bytes, check them on disk, list, download them back, delete. */
static void round_trip(const struct tls_server *s, ftp_session *h, const char *tag, bool protected_data) {
    const char *root = t_need(s->user_root_key);
    char name[128], cmd[160];
    snprintf(name, sizeof name, "tls-%s-%d.bin", tag, (int)getpid());
    snprintf(cmd, sizeof cmd, "STOR %s", name);
    struct t_src src = {big, big_len, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 65536, NULL, FTP_NO_REST, &src));
    CHECK(ftp_session_last_reply_code(h) == 226);
    CHECK(disk_equals(root, name, big, big_len));
    if (protected_data && s->resumes) CHECK(ftp_session_data_tls_resumed(h) == 1);

    struct t_buf listing = {0};
    CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &listing));
    CHECK(t_contains(listing.data, listing.len, name));
    t_buf_free(&listing);
    if (s->has_mlsd) {
        CHECK_OK(h, ftp_nlst(h, NULL, t_collect_line, &listing));
        CHECK(t_contains(listing.data, listing.len, name));
        t_buf_free(&listing);
    }

    struct t_buf got = {0};
    snprintf(cmd, sizeof cmd, "RETR %s", name);
    CHECK_OK(h, ftp_retr_binary(h, cmd, t_collect, 0, FTP_NO_REST, &got));
    CHECK(got.len == big_len && got.data && memcmp(got.data, big, big_len) == 0);
    t_buf_free(&got);
    /* A second download and a resumed one: every data connection must resume. */
    CHECK_OK(h, ftp_retr_binary(h, cmd, t_collect, 0, 1000000, &got));
    CHECK(got.len == big_len - 1000000 && got.data && memcmp(got.data, big + 1000000, got.len) == 0);
    t_buf_free(&got);
    if (protected_data && s->resumes) CHECK(ftp_session_data_tls_resumed(h) == 1);
    CHECK_OK(h, ftp_delete(h, name));
}

/* ABOR in the middle of a protected download, with either ftp_set_abort_urgent()
 * setting (over TLS ABOR is a plain line either way): answered, and in step. */
static void abort_download(const struct tls_server *s, ftp_session *h) {
    char name[128], cmd[160];
    snprintf(name, sizeof name, "tls-abor-%d.bin", (int)getpid());
    snprintf(cmd, sizeof cmd, "STOR %s", name);
    struct t_src src = {big, big_len, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 65536, NULL, FTP_NO_REST, &src));
    snprintf(cmd, sizeof cmd, "RETR %s", name);
    int before = retries;
    for (int urgent = 0; urgent < 2; urgent++) {
        CHECK_OK(h, ftp_set_abort_urgent(h, urgent));
        ftp_data *d = NULL;
        CHECK_OK(h, ftp_transfercmd(h, cmd, FTP_NO_REST, &d));
        uint8_t buf[1000];
        size_t n = 0;
        CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
        CHECK(n > 0);
        CHECK_OK(h, ftp_abort(h));
        int code = ftp_session_last_reply_code(h);
        CHECK(code == 225 || code == 226 || (s->abor_late && code == 551));
        ftp_data_free(d);
        CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
        CHECK(ftp_session_last_reply_code(h) == 200);
    }
    /* A data connection cut by the abort ends its TLS session uncleanly, which OpenSSL
     * then no longer offers for resumption: a server that requires reuse may refuse the
     * next data connection once (the second download here), and it is asked again. */
    CHECK(retries - before <= 1);
    retries_expected += retries - before;
    CHECK_OK(h, ftp_delete(h, name));
}

static void test_server(const struct tls_server *s) {
    uint16_t port = (uint16_t)atoi(t_need(s->port_key));
    fprintf(stderr, "-- %s\n", s->name);
    ftp_session *h = tls_login(s, port);
    round_trip(s, h, "p", true);

    ftp_result rc = ftp_prot_c(h);
    if (s->data_tls_required) {
        /* Clear data refused by the server's policy, at PROT C (proftpd, ftp-srv) or at
         * the transfer (vsftpd, pyftpdlib); the session goes on. */
        if (rc == FTP_OK) {
            struct t_buf got = {0};
            rc = ftp_dir(h, NULL, t_collect_line, &got);
            t_buf_free(&got);
        }
        CHECK(rc == FTP_E_PERM);
        CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    } else {
        CHECK(rc == FTP_OK);
        round_trip(s, h, "c", false);
    }
    CHECK_OK(h, ftp_prot_p(h));
    struct t_buf listing = {0};
    CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &listing));
    t_buf_free(&listing);
    abort_download(s, h);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
}

/* vsftpd's require_ssl_reuse=YES really is on: without reuse, data is refused (522),
 * which is where Python's ftplib fails. With TLS 1.2 and 1.3, several transfers in a
 * row (uploads included) keep resuming. */
static void test_vsftpd_reuse(void) {
    uint16_t port = (uint16_t)atoi(t_need("VSFTPS_PORT"));
    ftp_tls_config *cfg = trusting_config();
    CHECK_OK(NULL, ftp_tls_config_set_session_reuse(cfg, false));
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    struct t_buf got = {0};
    CHECK_RC(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got), FTP_E_PERM);
    CHECK(ftp_session_last_reply_code(h) == 522);
    CHECK(strstr(ftp_session_last_error(h), "session reuse required") != NULL);
    CHECK(ftp_session_data_tls_resumed(h) == 0);
    t_buf_free(&got);
    ftp_free(h);

    const int versions[] = {FTP_TLS_VERSION_1_2, FTP_TLS_VERSION_1_3};
    for (int v = 0; v < 2; v++) {
        CHECK_OK(NULL, ftp_tls_config_set_session_reuse(cfg, true));
        CHECK_OK(NULL, ftp_tls_config_set_versions(cfg, versions[v], versions[v]));
        h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
        CHECK_OK(h, ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
        const char *ver = ftp_session_tls_version(h);
        CHECK(ver && strcmp(ver, v == 0 ? "TLSv1.2" : "TLSv1.3") == 0);
        for (int i = 0; i < 4; i++) {
            struct t_src src = {(const uint8_t *)"small upload\n", 13, 0, 0};
            CHECK_OK(h, ftp_stor_binary(h, "STOR reuse.txt", t_src_read, 0, NULL, FTP_NO_REST, &src));
            CHECK(ftp_session_data_tls_resumed(h) == 1);
        }
        /* Caller-driven uploads: ftp_data_free ends them (close_notify) the same way. */
        for (int i = 0; i < 3; i++) {
            ftp_data *d = NULL;
            CHECK_OK(h, ftp_voidcmd(h, "TYPE I"));
            CHECK_OK(h, ftp_transfercmd(h, "STOR reuse.txt", FTP_NO_REST, &d));
            CHECK_OK(NULL, ftp_data_write(d, (const uint8_t *)"small upload\n", 13));
            ftp_data_free(d);
            CHECK_OK(h, ftp_voidresp(h));
            CHECK(ftp_session_data_tls_resumed(h) == 1);
        }
        /* ... and so does ftp_data_close, with its own bound (the next resumes too). */
        for (int i = 0; i < 2; i++) {
            ftp_data *d = NULL;
            CHECK_OK(h, ftp_transfercmd(h, "STOR reuse.txt", FTP_NO_REST, &d));
            CHECK_OK(NULL, ftp_data_write(d, (const uint8_t *)"small upload\n", 13));
            CHECK_OK(NULL, ftp_data_close(d, 5000));
            ftp_data_free(d);
            CHECK_OK(h, ftp_voidresp(h));
            CHECK(ftp_session_last_reply_code(h) == 226);
            CHECK(ftp_session_data_tls_resumed(h) == 1);
        }
        for (int i = 0; i < 4; i++) {
            CHECK_OK(h, ftp_retr_binary(h, "RETR reuse.txt", t_collect, 0, FTP_NO_REST, &got));
            CHECK(ftp_session_data_tls_resumed(h) == 1);
        }
        CHECK(got.len == 4 * 13);
        t_buf_free(&got);
        CHECK_OK(h, ftp_delete(h, "reuse.txt"));
        CHECK_OK(h, ftp_quit(h));
        ftp_free(h);
    }
    ftp_tls_config_free(cfg);
}


/* proftpd's TLS 1.3 tickets are good for one data connection each, and its upload
 * connections bring no new ones: the control connection's two last two uploads in a
 * row, and the third data connection, offering a spent one, is refused ("did not
 * reuse"). The library then asks again with the tickets the refusal brought: every
 * upload lands, and main() checks each refusal proftpd logged was one retried here. */
static void test_proftpd_uploads_in_a_row(void) {
    uint16_t port = (uint16_t)atoi(t_need("PROFTPS_PORT"));
    const char *root = t_need("PROFTPS_USER_ROOT");
    ftp_tls_config *cfg = trusting_config();
    CHECK_OK(NULL, ftp_tls_config_set_versions(cfg, FTP_TLS_VERSION_1_3, FTP_TLS_VERSION_1_3));
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    ftp_tls_config_free(cfg);
    CHECK_OK(h, ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
    int before = retries;
    const char body[] = "one of several uploads in a row\n";
    for (int i = 0; i < 7; i++) {
        char name[64], cmd[80];
        snprintf(name, sizeof name, "row-%d-%d.txt", (int)getpid(), i);
        snprintf(cmd, sizeof cmd, "STOR %s", name);
        struct t_src src = {(const uint8_t *)body, sizeof body - 1, 0, 0};
        CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 0, NULL, FTP_NO_REST, &src));
        CHECK(ftp_session_data_tls_resumed(h) == 1);
        CHECK(disk_equals(root, name, body, sizeof body - 1));
        CHECK_OK(h, ftp_delete(h, name));
    }
    retries_expected += retries - before;
    CHECK(retries - before >= 2);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
}

/* The anonymous tree over implicit TLS, downloading big.bin in active mode too. */
static void test_vsftpd_implicit_anon(void) {
    uint16_t port = (uint16_t)atoi(t_need("VSFTPS_IMPLICIT_PORT"));
    ftp_tls_config *cfg = trusting_config();
    ftp_session *h = tls_connect(FTP_TLS_IMPLICIT, port, cfg, FTP_OK);
    ftp_tls_config_free(cfg);
    CHECK(ftp_session_tls_version(h) != NULL);
    const char *w = ftp_getwelcome(h);
    CHECK(w && strncmp(w, "220", 3) == 0);
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    for (int passive = 1; passive >= 0; passive--) {
        CHECK_OK(h, ftp_set_pasv(h, passive));
        struct t_buf got = {0};
        CHECK_OK(h, ftp_retr_binary(h, "RETR big.bin", t_collect, 0, FTP_NO_REST, &got));
        CHECK(got.len == big_len && memcmp(got.data, big, big_len) == 0);
        CHECK(ftp_session_data_tls_resumed(h) == 1);
        t_buf_free(&got);
    }
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);

    /* The same from an ftps:// URL, with a user and a password percent-encoded whole. */
    char pass[256] = "", url[512];
    for (const char *c = t_need("FTP_PASS"); *c && strlen(pass) + 4 < sizeof pass; c++)
        snprintf(pass + strlen(pass), 4, "%%%02X", (unsigned char)*c);
    snprintf(url, sizeof url, "ftps://%s:%s@127.0.0.1:%s/", t_need("FTP_USER"), pass,
             t_need("VSFTPS_IMPLICIT_PORT"));
    ftp_url *u = ftp_url_new();
    CHECK_OK(NULL, ftp_url_parse(u, url));
    cfg = trusting_config();
    h = ftp_new();
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_OFF, cfg));
    ftp_tls_config_free(cfg);
    CHECK_OK(h, ftp_connect_url(h, u, 10000));
    CHECK(ftp_session_last_reply_code(h) == 230);
    CHECK(ftp_session_tls_version(h) != NULL);
    const char *pwd = NULL;
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK_OK(h, ftp_quit(h));
    /* ftps:// held for that connection only: an ftp:// URL next is plain FTP again. */
    snprintf(url, sizeof url, "ftp://127.0.0.1:%s/", t_need("VSFTPD_PORT"));
    CHECK_OK(NULL, ftp_url_parse(u, url));
    CHECK_OK(h, ftp_connect_url(h, u, 10000));
    CHECK(ftp_session_tls_version(h) == NULL);
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
    ftp_url_free(u);
}

/* Connects in explicit mode with cfg: the result must be `want` and the message must
 * contain `needle`. Each verification failure has its own code and message. */
static void expect_connect(const char *what, const char *port_key, ftp_tls_config *cfg, ftp_result want,
                           const char *needle) {
    const char *p = t_need(port_key);
    fprintf(stderr, "-- %s\n", what);
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, (uint16_t)atoi(p), cfg, want);
    const char *msg = ftp_session_last_error(h);
    CHECK(msg && strstr(msg, needle) != NULL);
    if (msg && !strstr(msg, needle)) fprintf(stderr, "   message: %s\n", msg);
    ftp_free(h);
}

static void test_verification_failures(void) {
    ftp_tls_config *cfg = trusting_config();
    expect_connect("untrusted", "PYFTPS_UNTRUSTED_PORT", cfg, FTP_E_TLS_UNTRUSTED, "certificate");
    expect_connect("wrong host", "PYFTPS_WRONGHOST_PORT", cfg, FTP_E_TLS_HOSTNAME, "not valid for \"127.0.0.1\"");
    expect_connect("expired", "PYFTPS_EXPIRED_PORT", cfg, FTP_E_TLS_EXPIRED, "expired");
    expect_connect("not yet valid", "PYFTPS_NOTYET_PORT", cfg, FTP_E_TLS_EXPIRED, "not yet valid");
    /* A plain server when TLS is required: AUTH refused, nothing else sent. */
    expect_connect("no TLS (explicit)", "VSFTPD_PORT", cfg, FTP_E_TLS_REQUIRED, "AUTH TLS");
    /* The system trust store does not know the test CA. */
    ftp_tls_config *system = ftp_tls_config_new();
    expect_connect("test CA not given", "VSFTPS_PORT", system, FTP_E_TLS_UNTRUSTED, "certificate verification failed");
    /* ... unless verification is turned off, which the name says is insecure. */
    CHECK_OK(NULL, ftp_tls_config_set_insecure_skip_verify(system, true));
    expect_connect("insecure", "PYFTPS_EXPIRED_PORT", system, FTP_OK, "");
    /* The 1.0 name is the same setter: turning verification back on refuses again. */
    CHECK_OK(NULL, ftp_tls_config_insecure_skip_verify(system, false));
    expect_connect("verifying again", "PYFTPS_EXPIRED_PORT", system, FTP_E_TLS_UNTRUSTED, "certificate");
    ftp_tls_config_free(system);

    /* The CA given as a hashed directory instead of a file. */
    ftp_tls_config *dir = ftp_tls_config_new();
    CHECK_OK(NULL, ftp_tls_config_set_ca_dir(dir, t_need("CA_DIR")));
    expect_connect("CA directory", "VSFTPS_PORT", dir, FTP_OK, "");
    ftp_tls_config_free(dir);

    /* Implicit mode against a plain port: the server answers in clear text. */
    ftp_session *h = tls_connect(FTP_TLS_IMPLICIT, (uint16_t)atoi(t_need("VSFTPD_PORT")), cfg, FTP_E_TLS_REQUIRED);
    CHECK(strstr(ftp_session_last_error(h), "did not answer in TLS") != NULL);
    ftp_free(h);
    ftp_tls_config_free(cfg);
}

/* A server that asks for a client certificate: refused without, served with one. */
static void test_client_certificate(void) {
    uint16_t port = (uint16_t)atoi(t_need("PYFTPS_CLIENTCERT_PORT"));
    ftp_tls_config *cfg = trusting_config();
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg));
    ftp_result rc = ftp_connect(h, "127.0.0.1", port, 10000, NULL);
    if (rc == FTP_OK) rc = ftp_login(h, NULL, NULL, NULL); /* TLS 1.3: the alert comes late */
    CHECK(rc == FTP_E_TLS || rc == FTP_E_CLOSED || rc == FTP_E_IO);
    ftp_free(h);

    CHECK_RC(NULL, ftp_tls_config_set_client_cert(cfg, t_need("CLIENT_CERT"), NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_tls_config_set_client_cert(cfg, t_need("CLIENT_KEY"), t_need("CLIENT_KEY")), FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "client certificate") != NULL);
    CHECK_OK(NULL, ftp_tls_config_set_client_cert(cfg, t_need("CLIENT_CERT"), t_need("CLIENT_KEY")));
    CHECK(strcmp(ftp_tls_config_last_error(cfg), "") == 0);
    h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    struct t_buf got = {0};
    CHECK_OK(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got));
    CHECK(got.len == 13);
    t_buf_free(&got);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
    ftp_tls_config_free(cfg);
}

/* CCC where the server supports it: TLS ends cleanly, commands go on in clear text,
 * data stays protected. */
static void test_ccc(const char *port_key) {
    uint16_t port = (uint16_t)atoi(t_need(port_key));
    ftp_tls_config *cfg = trusting_config();
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    ftp_tls_config_free(cfg);
    CHECK_OK(h, ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
    CHECK_OK(h, ftp_ccc(h));
    CHECK(ftp_session_tls_version(h) == NULL);
    CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    struct t_buf listing = {0};
    CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &listing));
    CHECK(ftp_session_data_tls_resumed(h) == 1);
    t_buf_free(&listing);
    CHECK_RC(h, ftp_ccc(h), FTP_E_STATE);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
}

/* ---- TLS material from memory, pinning, the verify callback (@since 1.1) ---- */

/* Runs a shell command and returns its standard output (malloc'd, NUL-terminated,
 * trailing newline removed), or NULL if it failed. */
static char *shell_output(const char *cmd) {
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    struct t_buf out = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) t_buf_add(&out, chunk, n);
    int status = pclose(p);
    t_buf_add(&out, "", 1);
    char *s = (char *)out.data;
    if (status != 0 || !s || !s[0]) {
        free(s);
        return NULL;
    }
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) s[--len] = 0;
    return s;
}

/* The curl-style pin of a PEM certificate file, computed with the openssl tool. */
static char *pin_of_cert_file(const char *path) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der"
             " | openssl dgst -sha256 -binary | openssl base64 -A",
             path);
    char *b64 = shell_output(cmd);
    CHECK(b64 != NULL && strlen(b64) == 44);
    if (!b64) return NULL;
    char *pin = malloc(strlen(b64) + 9);
    sprintf(pin, "sha256//%s", b64);
    free(b64);
    return pin;
}

static char *cert_path(const char *name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", t_need("CERT_DIR"), name);
    return path;
}

static uint8_t *read_all(const char *path, size_t *len) {
    uint8_t *data = t_read_file(path, len);
    CHECK(data != NULL && *len > 0);
    return data;
}

/* Logs in and lists the home directory over a protected data connection (the listing
 * may be empty: other tests share the directories): the session works. */
static void login_and_list(ftp_session *h, bool anonymous) {
    CHECK_OK(h, anonymous ? ftp_login(h, NULL, NULL, NULL)
                          : ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
    struct t_buf listing = {0};
    CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &listing));
    t_buf_free(&listing);
    CHECK(ftp_session_data_tls_resumed(h) != -1); /* a TLS data connection was made */
    CHECK_OK(h, ftp_quit(h));
}

/* CA_FILE's text given in memory instead of the file, against vsftpd and proftpd
 * (both require session reuse on data connections). */
static void test_ca_from_memory(void) {
    fprintf(stderr, "-- CA from memory\n");
    size_t ca_len, other_len;
    uint8_t *ca = read_all(t_need("CA_FILE"), &ca_len);
    uint8_t *other = read_all(cert_path("untrusted.pem"), &other_len);
    if (!ca || !other) goto out;
    ftp_tls_config *cfg = ftp_tls_config_new();
    /* Not NUL-terminated: the length is what counts (a copy without the NUL). */
    char *copy = malloc(ca_len);
    memcpy(copy, ca, ca_len);
    CHECK_OK(NULL, ftp_tls_config_set_ca_pem(cfg, copy, ca_len));
    free(copy); /* copied by the setter */
    const char *ports[] = {"VSFTPS_PORT", "PROFTPS_PORT"};
    for (int i = 0; i < 2; i++) {
        ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, (uint16_t)atoi(t_need(ports[i])), cfg, FTP_OK);
        CHECK_OK(h, ftp_login(h, t_need("FTP_USER"), t_need("FTP_PASS"), NULL));
        struct t_buf listing = {0};
        CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &listing));
        t_buf_free(&listing);
        CHECK(ftp_session_data_tls_resumed(h) == 1); /* both servers require it */
        CHECK_OK(h, ftp_quit(h));
        ftp_free(h);
    }
    /* Replaced by another certificate alone: the test CA is no longer trusted (the
     * system store neither). */
    CHECK_OK(NULL, ftp_tls_config_set_ca_pem(cfg, (const char *)other, other_len));
    expect_connect("CA from memory replaced", "VSFTPS_PORT", cfg, FTP_E_TLS_UNTRUSTED, "certificate verification failed");
    /* ... and the test CA added to it: trusted again. */
    CHECK_OK(NULL, ftp_tls_config_add_ca_pem(cfg, (const char *)ca, ca_len));
    expect_connect("CA added in memory", "VSFTPS_PORT", cfg, FTP_OK, "");
    /* Bad PEM: refused with a message, the setting kept. */
    CHECK_RC(NULL, ftp_tls_config_set_ca_pem(cfg, "not a certificate", 17), FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "CA PEM") != NULL);
    CHECK_RC(NULL, ftp_tls_config_add_ca_pem(cfg, (const char *)ca, 20), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_tls_config_add_ca_pem(cfg, NULL, 0), FTP_E_NULL);
    CHECK_RC(NULL, ftp_tls_config_set_ca_pem(NULL, (const char *)ca, ca_len), FTP_E_NULL);
    expect_connect("CA kept after a bad PEM", "PROFTPS_PORT", cfg, FTP_OK, "");
    /* NULL forgets them: back to the system store, which does not know the test CA. */
    CHECK_OK(NULL, ftp_tls_config_set_ca_pem(cfg, NULL, 0));
    expect_connect("CA forgotten", "VSFTPS_PORT", cfg, FTP_E_TLS_UNTRUSTED, "certificate");
    ftp_tls_config_free(cfg);
out:
    free(ca);
    free(other);
}

struct passphrase_ask {
    const char *give; /* NULL: decline */
    int calls;
    ftp_tls_config *cfg;
    ftp_result reentry; /* what a call into cfg from the callback returned */
};

static int give_passphrase(void *userdata, char *buf, size_t cap, size_t *len_out) {
    struct passphrase_ask *a = userdata;
    a->calls++;
    if (a->cfg) a->reentry = ftp_tls_config_set_pinned_pubkey(a->cfg, NULL);
    if (!a->give) return 1;
    size_t n = strlen(a->give);
    if (n > cap) return 1;
    memcpy(buf, a->give, n);
    *len_out = n;
    return 0;
}

/* CLIENT_CERT and CLIENT_KEY from memory against the server that requires a client
 * certificate, the key also encrypted (by the openssl tool) with a passphrase given
 * directly or through the callback. */
static void test_client_cert_from_memory(void) {
    fprintf(stderr, "-- client certificate from memory\n");
    uint16_t port = (uint16_t)atoi(t_need("PYFTPS_CLIENTCERT_PORT"));
    char enc_path[256], cmd[8192];
    snprintf(enc_path, sizeof enc_path, "/tmp/libftp-tlsmem-%d.key", (int)getpid());
    snprintf(cmd, sizeof cmd, "openssl pkey -in '%s' -aes256 -passout pass:tlsmem-pass -out '%s'",
             t_need("CLIENT_KEY"), enc_path);
    CHECK(system(cmd) == 0);
    size_t cert_len, key_len, enc_len = 0, server_key_len;
    uint8_t *cert = read_all(t_need("CLIENT_CERT"), &cert_len);
    uint8_t *key = read_all(t_need("CLIENT_KEY"), &key_len);
    uint8_t *enc = read_all(enc_path, &enc_len);
    uint8_t *server_key = read_all(cert_path("server.key"), &server_key_len);
    unlink(enc_path);
    if (!cert || !key || !enc || !server_key) goto out;
    const char *c = (const char *)cert, *k = (const char *)key, *e = (const char *)enc;
    CHECK(t_contains(enc, enc_len, "ENCRYPTED"));

    ftp_tls_config *cfg = trusting_config();
    CHECK_OK(NULL, ftp_tls_config_set_client_cert_pem(cfg, c, cert_len, k, key_len, NULL));
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    login_and_list(h, true);
    ftp_free(h);
    ftp_tls_config_free(cfg);

    /* Encrypted: the right passphrase, a wrong one, none. */
    cfg = trusting_config();
    CHECK_RC(NULL, ftp_tls_config_set_client_cert_pem(cfg, c, cert_len, e, enc_len, "wrong"), FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "wrong passphrase") != NULL);
    CHECK_RC(NULL, ftp_tls_config_set_client_cert_pem(cfg, c, cert_len, e, enc_len, NULL), FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "encrypted") != NULL);
    /* The key of another certificate. */
    CHECK_RC(NULL,
             ftp_tls_config_set_client_cert_pem(cfg, c, cert_len, (const char *)server_key, server_key_len, NULL),
             FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "does not match") != NULL);
    CHECK_RC(NULL, ftp_tls_config_set_client_cert_pem(cfg, NULL, 0, k, key_len, NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_tls_config_set_client_cert_pem(cfg, k, key_len, k, key_len, NULL), FTP_E_INVALID);
    /* None of these set a client certificate: the server refuses. */
    h = ftp_new();
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg));
    ftp_result rc = ftp_connect(h, "127.0.0.1", port, 10000, NULL);
    if (rc == FTP_OK) rc = ftp_login(h, NULL, NULL, NULL); /* TLS 1.3: the alert comes late */
    CHECK(rc == FTP_E_TLS || rc == FTP_E_CLOSED || rc == FTP_E_IO);
    ftp_free(h);
    CHECK_OK(NULL, ftp_tls_config_set_client_cert_pem(cfg, c, cert_len, e, enc_len, "tlsmem-pass"));
    h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    login_and_list(h, true);
    ftp_free(h);
    ftp_tls_config_free(cfg);

    /* Through the callback: declined, then given (and a call into the configuration
     * from inside it refused). */
    cfg = trusting_config();
    struct passphrase_ask ask = {NULL, 0, NULL, FTP_OK};
    CHECK_RC(NULL, ftp_tls_config_set_client_cert_pem_cb(cfg, c, cert_len, e, enc_len, give_passphrase, &ask),
             FTP_E_CANCELLED);
    CHECK(ask.calls == 1);
    ask = (struct passphrase_ask){"tlsmem-pass", 0, cfg, FTP_OK};
    CHECK_OK(NULL, ftp_tls_config_set_client_cert_pem_cb(cfg, c, cert_len, e, enc_len, give_passphrase, &ask));
    CHECK(ask.calls == 1 && ask.reentry == FTP_E_RECURSIVE);
    /* An unencrypted key does not ask. */
    ask = (struct passphrase_ask){"unused", 0, NULL, FTP_OK};
    CHECK_OK(NULL, ftp_tls_config_set_client_cert_pem_cb(cfg, c, cert_len, k, key_len, give_passphrase, &ask));
    CHECK(ask.calls == 0);
    ask = (struct passphrase_ask){"tlsmem-pass", 0, NULL, FTP_OK};
    CHECK_OK(NULL, ftp_tls_config_set_client_cert_pem_cb(cfg, c, cert_len, e, enc_len, give_passphrase, &ask));
    h = tls_connect(FTP_TLS_EXPLICIT, port, cfg, FTP_OK);
    login_and_list(h, true);
    ftp_free(h);
    ftp_tls_config_free(cfg);
out:
    free(cert);
    free(key);
    free(enc);
    free(server_key);
}

/* The pin of the real servers' key (server.pem, computed with the openssl tool), on
 * the control and the data connections; a wrong pin refused. */
static void test_pinning(void) {
    fprintf(stderr, "-- pinning\n");
    char *pin = pin_of_cert_file(cert_path("server.pem"));
    char *wrong = pin_of_cert_file(cert_path("untrusted.pem"));
    char *untrusted_pin = wrong ? strdup(wrong) : NULL;
    if (!pin || !wrong) goto out;
    char both[256];
    snprintf(both, sizeof both, "%s;%s", wrong, pin);

    ftp_tls_config *cfg = trusting_config();
    const char *ports[] = {"VSFTPS_PORT", "PROFTPS_PORT", "PUREFTPS_PORT"};
    for (int i = 0; i < 3; i++) {
        CHECK_OK(NULL, ftp_tls_config_set_pinned_pubkey(cfg, i == 1 ? both : pin));
        ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, (uint16_t)atoi(t_need(ports[i])), cfg, FTP_OK);
        login_and_list(h, false);
        ftp_free(h);
    }
    /* A wrong pin: refused on the control connection, before the login. */
    CHECK_OK(NULL, ftp_tls_config_set_pinned_pubkey(cfg, wrong));
    expect_connect("wrong pin", "VSFTPS_PORT", cfg, FTP_E_TLS_PINNED, "pinned public key mismatch");
    expect_connect("wrong pin (its message names the key)", "PROFTPS_PORT", cfg, FTP_E_TLS_PINNED, pin);
    CHECK(strcmp(ftp_strerror(FTP_E_TLS_PINNED), "server public key does not match the pinned key") == 0);
    /* Malformed pins: refused, the setting kept. */
    CHECK_RC(NULL, ftp_tls_config_set_pinned_pubkey(cfg, "sha1//AAAA"), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_tls_config_set_pinned_pubkey(cfg, "sha256//AAAA"), FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "pinned public key") != NULL);
    expect_connect("wrong pin kept", "VSFTPS_PORT", cfg, FTP_E_TLS_PINNED, "pinned");
    CHECK_OK(NULL, ftp_tls_config_set_pinned_pubkey(cfg, NULL));
    expect_connect("pins removed", "VSFTPS_PORT", cfg, FTP_OK, "");
    ftp_tls_config_free(cfg);

    /* Verification off: the pin alone decides, against a certificate of no known CA. */
    cfg = ftp_tls_config_new();
    CHECK_OK(NULL, ftp_tls_config_set_insecure_skip_verify(cfg, true));
    CHECK_OK(NULL, ftp_tls_config_set_pinned_pubkey(cfg, untrusted_pin));
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, (uint16_t)atoi(t_need("PYFTPS_UNTRUSTED_PORT")), cfg, FTP_OK);
    login_and_list(h, true);
    ftp_free(h);
    CHECK_OK(NULL, ftp_tls_config_set_pinned_pubkey(cfg, pin));
    expect_connect("pin alone, mismatch", "PYFTPS_UNTRUSTED_PORT", cfg, FTP_E_TLS_PINNED, "pinned");
    /* Verification on: a matching pin does not make an untrusted certificate good. */
    CHECK_OK(NULL, ftp_tls_config_set_insecure_skip_verify(cfg, false));
    CHECK_OK(NULL, ftp_tls_config_set_pinned_pubkey(cfg, untrusted_pin));
    expect_connect("pin and verification", "PYFTPS_UNTRUSTED_PORT", cfg, FTP_E_TLS_UNTRUSTED, "certificate");
    ftp_tls_config_free(cfg);
out:
    free(pin);
    free(wrong);
    free(untrusted_pin);
}

struct verify_seen {
    int calls;
    int answer;
    bool leaf_matches;
    bool verified;
    int x509_error;
    size_t count;
    char reason[128];
    const uint8_t *want_leaf;
    size_t want_leaf_len;
    ftp_session *session; /* to check that a call into it is refused */
    ftp_result reentry;
};

static int record_verify(void *userdata, const uint8_t *const *certs, const size_t *lens, size_t count, bool verified,
                         int x509_error, const char *reason) {
    struct verify_seen *v = userdata;
    v->calls++;
    v->count = count;
    v->verified = verified;
    v->x509_error = x509_error;
    snprintf(v->reason, sizeof v->reason, "%s", reason);
    v->leaf_matches = count > 0 && lens[0] == v->want_leaf_len && memcmp(certs[0], v->want_leaf, lens[0]) == 0;
    /* Every certificate is readable (ASan checks the lengths). */
    size_t sum = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < lens[i]; j++) sum += certs[i][j];
    (void)sum;
    if (v->session) v->reentry = ftp_voidcmd(v->session, "NOOP");
    return v->answer;
}

/* The verify callback sees the real server's chain (leaf: server.pem in DER, from the
 * openssl tool) and OpenSSL's verdict; it can reject a good chain and accept one
 * OpenSSL rejected. */
static void test_verify_callback(void) {
    fprintf(stderr, "-- verify callback\n");
    char der_path[256], cmd[8192];
    snprintf(der_path, sizeof der_path, "/tmp/libftp-tlsmem-%d.der", (int)getpid());
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -outform der -out '%s'", cert_path("server.pem"), der_path);
    CHECK(system(cmd) == 0);
    size_t leaf_len = 0;
    uint8_t *leaf = read_all(der_path, &leaf_len);
    unlink(der_path);
    if (!leaf) return;

    ftp_tls_config *cfg = trusting_config();
    struct verify_seen v = {0};
    v.want_leaf = leaf;
    v.want_leaf_len = leaf_len;
    CHECK_OK(NULL, ftp_tls_config_set_verify_cb(cfg, record_verify, &v));
    ftp_session *h = tls_connect(FTP_TLS_EXPLICIT, (uint16_t)atoi(t_need("VSFTPS_PORT")), cfg, FTP_OK);
    CHECK(v.calls == 1 && v.leaf_matches && v.verified && v.x509_error == 0 && v.count >= 2);
    /* The data connections resume the session: nothing more to decide. */
    login_and_list(h, false);
    CHECK(v.calls == 1);
    ftp_free(h);

    /* Rejecting a chain OpenSSL accepted; a call into the session from inside refused. */
    v = (struct verify_seen){.answer = 1, .want_leaf = leaf, .want_leaf_len = leaf_len};
    h = ftp_new();
    v.session = h;
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg));
    CHECK_RC(h, ftp_connect(h, "127.0.0.1", (uint16_t)atoi(t_need("PROFTPS_PORT")), 10000, NULL),
             FTP_E_TLS_UNTRUSTED);
    CHECK(strstr(ftp_session_last_error(h), "verify callback rejected") != NULL);
    CHECK(v.calls == 1 && v.verified && v.reentry == FTP_E_RECURSIVE);
    ftp_free(h);

    /* Accepting a chain OpenSSL rejected (no CA given: the system store). */
    ftp_tls_config_free(cfg);
    cfg = ftp_tls_config_new();
    v = (struct verify_seen){.answer = 0, .want_leaf = leaf, .want_leaf_len = leaf_len};
    CHECK_OK(NULL, ftp_tls_config_set_verify_cb(cfg, record_verify, &v));
    h = tls_connect(FTP_TLS_EXPLICIT, (uint16_t)atoi(t_need("VSFTPS_PORT")), cfg, FTP_OK);
    CHECK(v.calls == 1 && !v.verified && v.x509_error != 0 && v.leaf_matches && v.reason[0]);
    login_and_list(h, false);
    ftp_free(h);
    /* Removed: OpenSSL's verdict stands again. */
    CHECK_OK(NULL, ftp_tls_config_set_verify_cb(cfg, NULL, NULL));
    expect_connect("verify callback removed", "VSFTPS_PORT", cfg, FTP_E_TLS_UNTRUSTED, "certificate");
    CHECK(v.calls == 1);
    ftp_tls_config_free(cfg);
    free(leaf);
}

int main(void) {
    /* Where proftpd's TLS log stands before this run. */
    struct stat log_st;
    size_t log_start = stat(t_need("PROFTPS_TLS_LOG"), &log_st) == 0 ? (size_t)log_st.st_size : 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/big.bin", t_need("ANON_ROOT"));
    big = t_read_file(path, &big_len);
    CHECK(big != NULL && big_len >= 4 * 1024 * 1024);
    if (!big) return t_done("tls");

    const struct tls_server servers[] = {
        {"vsftpd explicit (require_ssl_reuse)", "VSFTPS_PORT", FTP_TLS_EXPLICIT, "VSFTPS_USER_ROOT", true, false,
         true, false},
        {"vsftpd implicit", "VSFTPS_IMPLICIT_PORT", FTP_TLS_IMPLICIT, "VSFTPS_USER_ROOT", true, false, true, false},
        {"proftpd mod_tls", "PROFTPS_PORT", FTP_TLS_EXPLICIT, "PROFTPS_USER_ROOT", true, true, true, false},
        {"pure-ftpd (TLS required)", "PUREFTPS_PORT", FTP_TLS_EXPLICIT, "PUREFTPS_USER_ROOT", false, true, false, false},
        {"pyftpdlib TLS", "PYFTPS_PORT", FTP_TLS_EXPLICIT, "PYFTPS_USER_ROOT", true, true, true, false},
        {"unftp", "UNFTPS_PORT", FTP_TLS_EXPLICIT, "UNFTP_USER_ROOT", false, true, true, false},
        /* Not ftp-srv's explicit instance: its AUTH TLS race (docs/servers.md). Its data
         * connections never resume (a TLS server of their own). */
        {"ftp-srv implicit", "FTPSRV_IMPLICIT_PORT", FTP_TLS_IMPLICIT, "FTPSRV_USER_ROOT", true, false, false, true},
    };
    for (size_t i = 0; i < sizeof servers / sizeof servers[0]; i++) test_server(&servers[i]);
    test_vsftpd_reuse();
    test_vsftpd_implicit_anon();
    test_verification_failures();
    test_client_certificate();
    test_ca_from_memory();
    test_client_cert_from_memory();
    test_pinning();
    test_verify_callback();
    test_ccc("PROFTPS_PORT");
    test_proftpd_uploads_in_a_row();
    /* Every other data connection resumed at the first try. */
    CHECK(retries == retries_expected);
    /* What proftpd saw in this run (the lines its log gained; the variants of this test
     * hold a ctest lock on it): resumed data sessions, and a refusal for each retry. */
    size_t log_len = 0;
    uint8_t *log = t_read_file(t_need("PROFTPS_TLS_LOG"), &log_len);
    CHECK(log && log_len >= log_start);
    if (log && log_len >= log_start) {
        const uint8_t *ours = log + log_start;
        size_t ours_len = log_len - log_start;
        CHECK(t_contains(ours, ours_len, "client reused TLS session for data connection"));
        CHECK(t_count(ours, ours_len, "client did not reuse TLS session") == (size_t)retries);
    }
    free(log);
    free((void *)big);
    return t_done("tls");
}
