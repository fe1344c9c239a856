/* The C API without a server: NULL handling, argument checks, codes, versions. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

static int dummy_data(void *u, const uint8_t *b, size_t n) { (void)u; (void)b; (void)n; return 0; }

/* A loopback port with nothing listening: bind, note the port, close. */
static uint16_t closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

/* The TLS configuration and calls, without a server: argument checks and states. */
static void test_tls_api(void) {
    ftp_tls_config_free(NULL);
    CHECK_RC(NULL, ftp_tls_config_set_ca_file(NULL, "x"), FTP_E_NULL);
    CHECK_RC(NULL, ftp_tls_config_insecure_skip_verify(NULL, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_tls_config_set_insecure_skip_verify(NULL, true), FTP_E_NULL);
    CHECK(ftp_tls_config_last_error(NULL) == NULL);
    CHECK_RC(NULL, ftp_set_tls(NULL, FTP_TLS_EXPLICIT, NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_auth(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_prot_p(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_prot_c(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_ccc(NULL), FTP_E_NULL);
    CHECK(ftp_session_tls_version(NULL) == NULL);
    CHECK(ftp_session_tls_cipher(NULL) == NULL);
    CHECK(ftp_session_data_tls_resumed(NULL) == -1);

    ftp_tls_config *cfg = ftp_tls_config_new();
    CHECK(cfg != NULL);
    CHECK(strcmp(ftp_tls_config_last_error(cfg), "") == 0);
    /* Files are checked when set: missing, not PEM; the error says which. */
    CHECK_RC(NULL, ftp_tls_config_set_ca_file(cfg, "/nonexistent/ca.pem"), FTP_E_IO);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "/nonexistent/ca.pem") != NULL);
    char path[] = "/tmp/libftp-api-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "not a certificate\n", 18) == 18);
    close(fd);
    CHECK_RC(NULL, ftp_tls_config_set_ca_file(cfg, path), FTP_E_INVALID);
    CHECK(strstr(ftp_tls_config_last_error(cfg), "PEM") != NULL);
    CHECK_RC(NULL, ftp_tls_config_set_client_cert(cfg, path, path), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_tls_config_set_ca_dir(cfg, path), FTP_E_INVALID); /* not a directory */
    unlink(path);
    CHECK_OK(NULL, ftp_tls_config_set_ca_dir(cfg, "/tmp"));
    CHECK_OK(NULL, ftp_tls_config_set_ca_dir(cfg, NULL));
    CHECK_OK(NULL, ftp_tls_config_set_ca_file(cfg, NULL));
    CHECK_OK(NULL, ftp_tls_config_set_client_cert(cfg, NULL, NULL));
    CHECK_RC(NULL, ftp_tls_config_set_client_cert(cfg, NULL, "key.pem"), FTP_E_NULL);
    /* Versions: known values, max not below min. */
    CHECK_OK(NULL, ftp_tls_config_set_versions(cfg, FTP_TLS_VERSION_1_2, FTP_TLS_VERSION_1_3));
    CHECK_RC(NULL, ftp_tls_config_set_versions(cfg, FTP_TLS_VERSION_1_3, FTP_TLS_VERSION_1_2), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_tls_config_set_versions(cfg, 99, FTP_TLS_VERSION_DEFAULT), FTP_E_INVALID);
    CHECK_OK(NULL, ftp_tls_config_set_versions(cfg, FTP_TLS_VERSION_DEFAULT, FTP_TLS_VERSION_DEFAULT));
    /* Cipher settings are checked by OpenSSL when set. */
    CHECK_RC(NULL, ftp_tls_config_set_cipher_list(cfg, "NO-SUCH-CIPHER"), FTP_E_INVALID);
    CHECK_OK(NULL, ftp_tls_config_set_cipher_list(cfg, "ECDHE+AESGCM"));
    CHECK_RC(NULL, ftp_tls_config_set_ciphersuites(cfg, "TLS_NO_SUCH_SUITE"), FTP_E_INVALID);
    CHECK_OK(NULL, ftp_tls_config_set_ciphersuites(cfg, "TLS_AES_128_GCM_SHA256"));
    CHECK_OK(NULL, ftp_tls_config_set_session_reuse(cfg, true));
    CHECK_OK(NULL, ftp_tls_config_set_auth_ssl_fallback(cfg, false));
    CHECK_OK(NULL, ftp_tls_config_set_protect_data(cfg, true));

    ftp_session *h = ftp_new();
    CHECK_RC(h, ftp_set_tls(h, 7, cfg), FTP_E_INVALID);
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg));
    ftp_tls_config_free(cfg); /* the session keeps its copy */
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_IMPLICIT, NULL));
    CHECK_RC(h, ftp_auth(h), FTP_E_STATE);
    CHECK_RC(h, ftp_prot_p(h), FTP_E_STATE);
    CHECK_RC(h, ftp_ccc(h), FTP_E_STATE);
    CHECK(ftp_session_tls_version(h) == NULL);
    CHECK(ftp_session_data_tls_resumed(h) == -1);
    /* Implicit mode against a closed port: a plain connection error, nothing else. */
    CHECK_RC(h, ftp_connect(h, "127.0.0.1", closed_port(), 2000, NULL), FTP_E_IO);
    ftp_free(h);
}

/* URLs: parsing, accessors and refusals, without a server. */
static void test_url_api(void) {
    ftp_url_free(NULL);
    CHECK_RC(NULL, ftp_url_parse(NULL, "ftp://h/"), FTP_E_NULL);
    CHECK(ftp_url_host(NULL) == NULL && ftp_url_port(NULL) == 0 && ftp_url_type(NULL) == 0);
    CHECK(ftp_url_last_error(NULL) == NULL && ftp_url_path(NULL, NULL) == NULL && !ftp_url_is_ftps(NULL));
    ftp_url *u = ftp_url_new();
    CHECK(u != NULL && ftp_url_host(u) == NULL && ftp_url_port(u) == 0);
    CHECK_RC(NULL, ftp_url_parse(u, NULL), FTP_E_NULL);
    CHECK_OK(NULL, ftp_url_parse(u, "ftp://bob:p%40ss%3Aword@example.org:2121/pub/caf%C3%A9%20x.txt;type=i"));
    CHECK(strcmp(ftp_url_host(u), "example.org") == 0);
    CHECK(strcmp(ftp_url_user(u), "bob") == 0);
    CHECK(strcmp(ftp_url_password(u), "p@ss:word") == 0);
    CHECK(ftp_url_port(u) == 2121 && !ftp_url_is_ftps(u) && ftp_url_type(u) == 'i');
    size_t len = 0;
    const char *path = ftp_url_path(u, &len);
    CHECK(path && strcmp(path, "pub/caf\xc3\xa9 x.txt") == 0 && len == strlen(path));
    CHECK_OK(NULL, ftp_url_parse(u, "ftps://[::1]/"));
    CHECK(strcmp(ftp_url_host(u), "::1") == 0 && ftp_url_port(u) == 990 && ftp_url_is_ftps(u));
    CHECK(ftp_url_user(u) == NULL && ftp_url_password(u) == NULL && ftp_url_type(u) == 0);
    CHECK(strcmp(ftp_url_path(u, &len), "") == 0 && len == 0);
    CHECK_OK(NULL, ftp_url_parse(u, "ftp://h"));
    CHECK(ftp_url_port(u) == 21);
    /* Refusals keep the previous URL and say why, never showing the password. */
    CHECK_RC(NULL, ftp_url_parse(u, "ftp://bob:secret@h/a%0d%0aDELE%20b"), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_url_parse(u, "ftp://h/a%00b"), FTP_E_INVALID); /* curl's CVE-2018-1000120 */
    CHECK(strstr(ftp_url_last_error(u), "CR") != NULL && strstr(ftp_url_last_error(u), "secret") == NULL);
    CHECK(strcmp(ftp_url_host(u), "h") == 0);
    CHECK_RC(NULL, ftp_url_parse(u, "http://h/"), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_url_parse(u, "ftp://h:70000/"), FTP_E_INVALID);
    CHECK_RC(NULL, ftp_url_parse(u, "ftp://[::1/"), FTP_E_INVALID);
    CHECK_OK(NULL, ftp_url_parse(u, "ftp://h/ok"));
    CHECK(strcmp(ftp_url_last_error(u), "") == 0);

    ftp_session *h = ftp_new();
    CHECK_RC(h, ftp_connect_url(h, NULL, 0), FTP_E_NULL);
    ftp_url *empty = ftp_url_new();
    CHECK_RC(h, ftp_connect_url(h, empty, 0), FTP_E_INVALID);
    ftp_url_free(empty);
    /* An ftp:// URL on a session set to implicit FTPS is refused before connecting. */
    CHECK_OK(h, ftp_set_tls(h, FTP_TLS_IMPLICIT, NULL));
    CHECK_RC(h, ftp_connect_url(h, u, 0), FTP_E_INVALID);
    ftp_free(h);
    ftp_url_free(u);
}

/* LIST lines parsed without a server, through the entry accessors. */
static void test_list_parsing(void) {
    ftp_entry_list *l = NULL;
    CHECK_RC(NULL, ftp_parse_list_line(NULL, &l), FTP_E_NULL);
    CHECK_RC(NULL, ftp_parse_list_line("x", NULL), FTP_E_NULL);
    CHECK(ftp_entry_list_len(NULL) == 0 && ftp_entry_list_get(NULL, 0) == NULL);
    CHECK(ftp_entry_name(NULL, NULL) == NULL && ftp_entry_kind(NULL) == FTP_ENTRY_UNKNOWN);
    CHECK(!ftp_entry_size(NULL, &(uint64_t){0}) && ftp_entry_mode(NULL) == -1);
    ftp_entry_list_free(NULL);

    CHECK_OK(NULL, ftp_parse_list_line("lrwxrwxrwx 1 root wheel 11 Feb  3  2001 my link -> ../target", &l));
    CHECK(ftp_entry_list_len(l) == 1 && ftp_entry_list_get(l, 1) == NULL);
    const ftp_entry *e = ftp_entry_list_get(l, 0);
    size_t len = 0;
    CHECK(strcmp(ftp_entry_name(e, &len), "my link") == 0 && len == 7);
    CHECK(ftp_entry_kind(e) == FTP_ENTRY_LINK);
    CHECK(strcmp(ftp_entry_link_target(e, &len), "../target") == 0 && len == 9);
    uint64_t size = 0;
    int64_t secs = 0;
    CHECK(ftp_entry_size(e, &size) && size == 11);
    CHECK(ftp_entry_mtime(e, &secs, NULL) && secs == 981158400); /* 2001-02-03 00:00 UTC */
    CHECK(ftp_entry_mode(e) == 0777);
    CHECK(strcmp(ftp_entry_owner(e), "root") == 0 && strcmp(ftp_entry_group(e), "wheel") == 0);
    CHECK(ftp_entry_perm(e) == NULL && ftp_entry_unique(e) == NULL);
    CHECK(strncmp(ftp_entry_raw(e, &len), "lrwxrwxrwx", 10) == 0);
    ftp_entry_list_free(l);

    CHECK_OK(NULL, ftp_parse_list_line("12-31-23  11:59AM              12345 file name.txt", &l));
    e = ftp_entry_list_get(l, 0);
    CHECK(ftp_entry_kind(e) == FTP_ENTRY_FILE && ftp_entry_size(e, &size) && size == 12345);
    CHECK(strcmp(ftp_entry_name(e, NULL), "file name.txt") == 0);
    ftp_entry_list_free(l);
    CHECK_OK(NULL, ftp_parse_list_line("total 1234", &l));
    CHECK(ftp_entry_list_len(l) == 0);
    ftp_entry_list_free(l);
    CHECK_OK(NULL, ftp_parse_list_line("not a listing line", &l));
    CHECK(ftp_entry_kind(ftp_entry_list_get(l, 0)) == FTP_ENTRY_UNKNOWN);
    CHECK(!ftp_entry_size(ftp_entry_list_get(l, 0), &size));
    ftp_entry_list_free(l);

    ftp_session *h = ftp_new();
    CHECK_RC(h, ftp_list(h, NULL, NULL, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_list_get(h, NULL, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_list_get(h, NULL, &l), FTP_E_STATE);
    /* ftp_list_all (1.1) is the same call under the name that does not read like
     * ftp_entry_list_get; outputs untouched on failure. */
    CHECK_RC(NULL, ftp_list_all(NULL, NULL, &l), FTP_E_NULL);
    CHECK_RC(h, ftp_list_all(h, NULL, NULL), FTP_E_NULL);
    CHECK(strstr(ftp_session_last_error(h), "list_out") != NULL);
    l = (ftp_entry_list *)&l;
    CHECK_RC(h, ftp_list_all(h, "dir", &l), FTP_E_STATE);
    CHECK(l == (ftp_entry_list *)&l);
    ftp_free(h);
}

int main(void) {
    /* Versions: header and library agree. */
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", FTP_VERSION_MAJOR, FTP_VERSION_MINOR, FTP_VERSION_PATCH);
    CHECK(strcmp(ftp_version(), v) == 0);
    CHECK(ftp_version_num() == FTP_VERSION_NUM);

    /* Every code has a distinct static text; unknown codes too. */
    for (int c = FTP_OK; c <= FTP_E_PROXY_AUTH; c++) {
        CHECK(ftp_strerror(c) != NULL && strcmp(ftp_strerror(c), "unknown error code") != 0);
        for (int d = FTP_OK; d < c; d++) CHECK(strcmp(ftp_strerror(c), ftp_strerror(d)) != 0);
    }
    CHECK(strcmp(ftp_strerror(-5), "unknown error code") == 0);
    CHECK(strcmp(ftp_strerror(9999), "unknown error code") == 0);

    /* NULL handles: an error code, never a crash. */
    ftp_free(NULL);
    ftp_data_free(NULL);
    CHECK_RC(NULL, ftp_connect(NULL, "127.0.0.1", 21, 0, NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_login(NULL, NULL, NULL, NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_sendcmd(NULL, "NOOP"), FTP_E_NULL);
    CHECK_RC(NULL, ftp_voidcmd(NULL, "NOOP"), FTP_E_NULL);
    CHECK_RC(NULL, ftp_abort(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_pipelining(NULL, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_type_caching(NULL, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_zero_copy(NULL, true, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_passive_mode(NULL, FTP_PASSIVE_PASV_ONLY), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_abort_urgent(NULL, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_source_port(NULL, 2121), FTP_E_NULL);
    CHECK_RC(NULL, ftp_quit(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_close(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_pasv(NULL, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_set_trust_server_pasv_ipv4_address(NULL, true), FTP_E_NULL);
    CHECK_RC(NULL, ftp_retr_binary(NULL, "RETR x", dummy_data, 0, FTP_NO_REST, NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_data_read(NULL, (uint8_t[1]){0}, 1, &(size_t){0}), FTP_E_NULL);
    CHECK_RC(NULL, ftp_data_write(NULL, (const uint8_t *)"x", 1), FTP_E_NULL);
    CHECK_RC(NULL, ftp_data_close(NULL, 1000), FTP_E_NULL);
    CHECK_RC(NULL, ftp_data_close(NULL, 0), FTP_E_NULL);
    CHECK(ftp_data_last_error(NULL) == NULL);
    CHECK(ftp_getwelcome(NULL) == NULL);
    CHECK(ftp_session_last_error(NULL) == NULL);
    CHECK(ftp_session_last_reply_text(NULL) == NULL);
    CHECK(ftp_session_last_reply_code(NULL) == 0);
    CHECK(ftp_mlsd_entry_name(NULL, NULL) == NULL);
    CHECK(ftp_mlsd_entry_fact_count(NULL) == 0);
    CHECK(ftp_mlsd_entry_fact(NULL, "type") == NULL);
    const char *fact_name, *fact_value;
    CHECK(ftp_mlsd_entry_fact_at(NULL, 0, &fact_name, &fact_value) == FTP_E_NULL);
    CHECK_RC(NULL, ftp_data_read(NULL, (uint8_t[1]){0}, 0, &(size_t){0}), FTP_E_NULL);
    CHECK_RC(NULL, ftp_feat(NULL), FTP_E_NULL);
    CHECK(!ftp_has_feature(NULL, "SIZE") && ftp_feature_params(NULL, "MLST") == NULL);
    CHECK_RC(NULL, ftp_noop(NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_mdtm(NULL, "f", &(int64_t){0}, NULL), FTP_E_NULL);
    CHECK_RC(NULL, ftp_mkd_all(NULL, "a/b"), FTP_E_NULL);

    ftp_session *h = ftp_new();
    CHECK(h != NULL);
    CHECK_OK(h, ftp_set_trust_server_pasv_ipv4_address(h, true));
    CHECK_OK(h, ftp_set_trust_server_pasv_ipv4_address(h, false));
    /* Passive modes: an int, so a value outside the enum is refused, not UB. */
    CHECK_OK(h, ftp_set_passive_mode(h, FTP_PASSIVE_PASV_ONLY));
    CHECK_OK(h, ftp_set_passive_mode(h, FTP_PASSIVE_EPSV_ONLY));
    CHECK_OK(h, ftp_set_passive_mode(h, FTP_PASSIVE_EPSV_THEN_PASV));
    CHECK_RC(h, ftp_set_passive_mode(h, 3), FTP_E_INVALID);
    CHECK_RC(h, ftp_set_passive_mode(h, -1), FTP_E_INVALID);
    CHECK(strstr(ftp_session_last_error(h), "not an ftp_passive_mode") != NULL);
    /* That failure had no reply from the server: "no reply". */
    CHECK(ftp_session_last_reply_code(h) == 0 && strcmp(ftp_session_last_reply_text(h), "") == 0);
    CHECK_OK(h, ftp_set_abort_urgent(h, true));
    CHECK_OK(h, ftp_set_abort_urgent(h, false));
    CHECK_OK(h, ftp_set_source_port(h, 0));
    /* NULL arguments name themselves in the message. */
    CHECK_RC(h, ftp_connect(h, NULL, 21, 0, NULL), FTP_E_NULL);
    CHECK(strstr(ftp_session_last_error(h), "host") != NULL);
    CHECK_RC(h, ftp_retr_binary(h, "RETR x", NULL, 0, FTP_NO_REST, NULL), FTP_E_NULL);
    CHECK(strstr(ftp_session_last_error(h), "callback") != NULL);
    CHECK_RC(h, ftp_stor_binary(h, "STOR x", NULL, 0, NULL, FTP_NO_REST, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_pwd(h, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_size(h, "x", NULL), FTP_E_NULL);

    /* CR/LF/NUL and non-UTF-8 are refused before anything else is looked at. */
    CHECK_RC(h, ftp_sendcmd(h, "NOOP\r\nQUIT"), FTP_E_INVALID);
    CHECK(strstr(ftp_session_last_error(h), "CR") != NULL);
    CHECK_RC(h, ftp_cwd(h, "a\nb"), FTP_E_INVALID);
    /* Paths are bytes (servers' names need not be UTF-8); host and login must be UTF-8. */
    CHECK_RC(h, ftp_delete(h, "\xff\xfe"), FTP_E_STATE);
    CHECK_RC(h, ftp_login(h, "\xff\xfe", NULL, NULL), FTP_E_INVALID);
    CHECK(strstr(ftp_session_last_error(h), "UTF-8") != NULL);
    CHECK_RC(h, ftp_login(h, "bob\r\n", "x", NULL), FTP_E_INVALID);

    /* Beyond ftplib: argument checks come first, then the state. */
    CHECK_RC(h, ftp_mdtm(h, "f", NULL, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_syst(h, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_site(h, "CHMOD 600 f\r\nDELE g"), FTP_E_INVALID);
    CHECK_RC(h, ftp_mkd_all(h, "a\nb"), FTP_E_INVALID);
    CHECK_RC(h, ftp_mfmt(h, "f", -1), FTP_E_INVALID);
    CHECK(!ftp_has_feature(h, "SIZE"));
    CHECK(strstr(ftp_session_last_error(h), "not connected") != NULL);
    /* ftp_feature_lookup: a failure is a code, not "not listed"; outputs untouched. */
    bool offered = true;
    const char *params = "unset";
    CHECK_RC(NULL, ftp_feature_lookup(NULL, "SIZE", &offered, &params), FTP_E_NULL);
    CHECK_RC(h, ftp_feature_lookup(h, NULL, &offered, &params), FTP_E_NULL);
    CHECK(strstr(ftp_session_last_error(h), "name") != NULL);
    CHECK_RC(h, ftp_feature_lookup(h, "SIZE", NULL, &params), FTP_E_NULL);
    CHECK(strstr(ftp_session_last_error(h), "offered_out") != NULL);
    CHECK_RC(h, ftp_feature_lookup(h, "SIZE", &offered, &params), FTP_E_STATE);
    CHECK(strstr(ftp_session_last_error(h), "not connected") != NULL);
    CHECK_RC(h, ftp_feature_lookup(h, "SIZE", &offered, NULL), FTP_E_STATE);
    CHECK(offered && strcmp(params, "unset") == 0);
    CHECK_RC(h, ftp_feature_lookup(h, "\xff", &offered, &params), FTP_E_INVALID); /* not UTF-8 */
    CHECK_RC(h, ftp_noop(h), FTP_E_STATE);

    /* Timeouts and keep-alive: values checked, settings kept for the next connection. */
    CHECK_RC(h, ftp_set_timeouts(h, -2, 0, 0), FTP_E_INVALID);
    CHECK(strstr(ftp_session_last_error(h), "connect_ms") != NULL);
    CHECK_OK(h, ftp_set_timeouts(h, FTP_TIMEOUT_DEFAULT, 5000, 0));
    CHECK_RC(h, ftp_set_keepalive(h, true, 0, 5), FTP_E_INVALID);
    CHECK_RC(h, ftp_set_keepalive(h, true, 32768, 5), FTP_E_INVALID);
    CHECK_RC(h, ftp_set_keepalive(h, true, 60, 40000), FTP_E_INVALID);
    CHECK_OK(h, ftp_set_keepalive(h, true, 60, 10));
    CHECK_OK(h, ftp_set_keepalive(h, false, 0, 0));
    CHECK_RC(NULL, ftp_set_timeouts(NULL, 0, 0, 0), FTP_E_NULL);
    CHECK_RC(NULL, ftp_interrupt(NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_set_active_address(h, "not an address"), FTP_E_INVALID);
    CHECK_OK(h, ftp_set_active_address(h, "203.0.113.9"));
    CHECK_OK(h, ftp_set_active_address(h, NULL));
    CHECK_RC(NULL, ftp_set_progress_callback(NULL, NULL, NULL, 0), FTP_E_NULL);
    CHECK_OK(h, ftp_interrupt(h)); /* nothing running: nothing happens */
    CHECK_OK(h, ftp_set_progress_callback(h, NULL, NULL, 100));

    /* Not connected. */
    CHECK_RC(h, ftp_sendcmd(h, "NOOP"), FTP_E_STATE);
    CHECK(strstr(ftp_session_last_error(h), "not connected") != NULL);
    CHECK_RC(h, ftp_quit(h), FTP_E_STATE);
    /* A string the handle owns may be passed back in: it stays valid during the call. */
    CHECK_RC(h, ftp_sendcmd(h, ftp_session_last_error(h)), FTP_E_STATE);
    CHECK(strstr(ftp_session_last_error(h), "not connected") != NULL);
    CHECK_RC(h, ftp_sendcmd(h, ftp_session_last_reply_text(h)), FTP_E_STATE);

    /* rest: FTP_NO_REST or an offset; other negative values are refused, not ignored. */
    CHECK_RC(h, ftp_retr_binary(h, "RETR x", dummy_data, 0, FTP_NO_REST, NULL), FTP_E_STATE);
    CHECK_RC(h, ftp_retr_binary(h, "RETR x", dummy_data, 0, -2, NULL), FTP_E_INVALID);
    CHECK(strstr(ftp_session_last_error(h), "-2") != NULL);
    CHECK_RC(h, ftp_stor_binary(h, "STOR x", t_src_read, 0, NULL, INT64_MIN, NULL), FTP_E_INVALID);
    ftp_data *d = NULL;
    CHECK_RC(h, ftp_transfercmd(h, "RETR x", -5, &d), FTP_E_INVALID);
    CHECK(d == NULL);

    CHECK_OK(h, ftp_close(h));
    CHECK(strcmp(ftp_session_last_error(h), "") == 0); /* cleared by the successful call */

    /* The getters that only read take a const session (1.1; the ABI is unchanged). */
    const ftp_session *ch = h;
    CHECK(ftp_session_last_error(ch) != NULL && ftp_session_last_reply_text(ch) != NULL);
    CHECK(ftp_session_last_reply_code(ch) == 0 && ftp_getwelcome(ch) == NULL);
    CHECK(ftp_session_tls_version(ch) == NULL && ftp_session_tls_cipher(ch) == NULL);
    CHECK(ftp_session_data_tls_resumed(ch) == -1);

    /* Connection refused, bad source address. */
    CHECK_RC(h, ftp_connect(h, "127.0.0.1", closed_port(), 2000, NULL), FTP_E_IO);
    CHECK(strstr(ftp_session_last_error(h), "refused") != NULL);
    CHECK_RC(h, ftp_connect(h, "127.0.0.1", 21, 2000, "not-an-ip"), FTP_E_INVALID);
    ftp_free(h);
    test_tls_api();
    test_url_api();
    test_list_parsing();
    return t_done("api");
}
