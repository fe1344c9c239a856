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
static void abort_download(ftp_session *h) {
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
        CHECK(code == 225 || code == 226);
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
        /* Clear data refused by the server's policy, at PROT C (proftpd) or at the
         * transfer (vsftpd, pyftpdlib); the session goes on. */
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
    abort_download(h);
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
         true},
        {"vsftpd implicit", "VSFTPS_IMPLICIT_PORT", FTP_TLS_IMPLICIT, "VSFTPS_USER_ROOT", true, false, true},
        {"proftpd mod_tls", "PROFTPS_PORT", FTP_TLS_EXPLICIT, "PROFTPS_USER_ROOT", true, true, true},
        {"pure-ftpd (TLS required)", "PUREFTPS_PORT", FTP_TLS_EXPLICIT, "PUREFTPS_USER_ROOT", false, true, false},
        {"pyftpdlib TLS", "PYFTPS_PORT", FTP_TLS_EXPLICIT, "PYFTPS_USER_ROOT", true, true, true},
    };
    for (size_t i = 0; i < sizeof servers / sizeof servers[0]; i++) test_server(&servers[i]);
    test_vsftpd_reuse();
    test_vsftpd_implicit_anon();
    test_verification_failures();
    test_client_certificate();
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
