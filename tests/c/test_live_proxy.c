/* ftp_set_proxy through real proxies this test starts on free 127.0.0.1 ports, in front
 * of the shared servers: dante (SOCKS5 with user name authentication, run inside the
 * servers' mount namespace where the FTP test user exists; the proxy credentials are
 * the FTP ones) and tinyproxy (HTTP CONNECT with basic authentication). Plain FTP and
 * FTPS (vsftpd, which requires TLS session reuse on data connections) upload, list and
 * download with byte comparison; ftp_connect_url goes through the proxy too. Then the
 * failures: wrong and missing proxy credentials (FTP_E_PROXY_AUTH), a proxy refusing
 * the target (FTP_E_PROXY), active mode (FTP_E_STATE), and bad proxy strings
 * (FTP_E_INVALID). Needs danted, tinyproxy and nsenter; missing, a skip (a failure
 * under CI=true). */
#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct proxy {
    pid_t pid;
    uint16_t port;
};

static char dir[256];

static uint16_t free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool listening(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static bool have(const char *program) {
    const char *dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dirs[i], program);
        if (access(path, X_OK) == 0) return true;
    }
    return false;
}

/* Starts argv[0] and waits up to 15 s for it to listen on port. */
static struct proxy spawn_proxy(char *const argv[], uint16_t port) {
    struct proxy p = {-1, port};
    /* The proxy's own output (tinyproxy logs to stderr with -d) goes to a file. */
    char out[512];
    snprintf(out, sizeof out, "%s/%s-%u.out", dir, argv[0], port);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    CHECK(posix_spawnp(&p.pid, argv[0], &fa, NULL, argv, environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 300 && !listening(port); i++) {
        int status;
        if (waitpid(p.pid, &status, WNOHANG) == p.pid) {
            t_fail(__FILE__, __LINE__, "%s exited before listening", argv[0]);
            p.pid = -1;
            return p;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(listening(port));
    return p;
}

static void stop_proxy(struct proxy *p) {
    if (p->pid <= 0) return;
    kill(p->pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(p->pid, NULL, WNOHANG) == p->pid) return;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
}

static struct proxy start_dante(void) {
    uint16_t port = free_port();
    char conf[512], pidfile[512], nspid[32] = "";
    snprintf(conf, sizeof conf, "%s/danted.conf", dir);
    snprintf(pidfile, sizeof pidfile, "%s/danted.pid", dir);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    fprintf(f,
            "logoutput: %s/danted.log\ninternal: 127.0.0.1 port = %u\nexternal: 127.0.0.1\n"
            "socksmethod: username\nclientmethod: none\nuser.privileged: root\nuser.unprivileged: nobody\n"
            "client pass {\n from: 127.0.0.0/8 to: 0.0.0.0/0\n}\n"
            "socks block {\n from: 0.0.0.0/0 to: 127.0.0.1/32 port = 9\n}\n"
            "socks pass {\n from: 127.0.0.0/8 to: 0.0.0.0/0\n command: connect\n}\n",
            dir, port);
    fclose(f);
    char vpid[512];
    snprintf(vpid, sizeof vpid, "%s/vsftpd.pid", t_need("WORKDIR"));
    FILE *pf = fopen(vpid, "r");
    CHECK(pf != NULL);
    if (pf) {
        CHECK(fgets(nspid, sizeof nspid, pf) != NULL);
        fclose(pf);
        nspid[strcspn(nspid, "\r\n")] = '\0';
    }
    char *argv[] = {"nsenter", "-m", "-t", nspid, "--", "danted", "-f", conf, "-p", pidfile, NULL};
    return spawn_proxy(argv, port);
}

/* connect_port: the only CONNECT port allowed, or 0 for all. */
static struct proxy start_tinyproxy(uint16_t connect_port) {
    uint16_t port = free_port();
    char conf[512];
    snprintf(conf, sizeof conf, "%s/tinyproxy-%u.conf", dir, port);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    fprintf(f,
            "User nobody\nGroup nogroup\nPort %u\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\n"
            "MaxClients 50\nLogLevel Warning\nBasicAuth %s %s\n",
            port, t_need("FTP_USER"), t_need("FTP_PASS"));
    if (connect_port) fprintf(f, "ConnectPort %u\n", connect_port);
    fclose(f);
    char *argv[] = {"tinyproxy", "-d", "-c", conf, NULL};
    return spawn_proxy(argv, port);
}

static uint16_t env_port(const char *key) {
    return (uint16_t)atoi(t_need(key));
}

static ftp_session *proxied(const char *proxy_url, bool tls) {
    ftp_session *h = ftp_new();
    CHECK(h != NULL);
    CHECK_OK(h, ftp_set_proxy(h, proxy_url));
    if (tls) {
        ftp_tls_config *cfg = ftp_tls_config_new();
        CHECK_OK(NULL, ftp_tls_config_set_ca_file(cfg, t_need("CA_FILE")));
        CHECK_OK(h, ftp_set_tls(h, FTP_TLS_EXPLICIT, cfg));
        ftp_tls_config_free(cfg);
    }
    return h;
}

/* Upload, list, download and compare, delete, on a logged-in session. */
static void round_trip(ftp_session *h, const char *name, bool tls) {
    size_t len = 200000 + strlen(name);
    uint8_t *data = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = (uint8_t)(i * 7 + i / 251);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "STOR %s", name);
    struct t_src src = {data, len, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 8192, NULL, FTP_NO_REST, &src));
    if (tls) CHECK(ftp_session_data_tls_resumed(h) == 1);
    struct t_buf names = {0};
    CHECK_OK(h, ftp_nlst(h, NULL, t_collect_line, &names));
    CHECK(t_contains(names.data, names.len, name));
    t_buf_free(&names);
    struct t_buf back = {0};
    snprintf(cmd, sizeof cmd, "RETR %s", name);
    CHECK_OK(h, ftp_retr_binary(h, cmd, t_collect, 8192, FTP_NO_REST, &back));
    CHECK(back.len == len && memcmp(back.data, data, len) == 0);
    t_buf_free(&back);
    CHECK_OK(h, ftp_delete(h, name));
    free(data);
}

static int discard_line(void *userdata, const char *line, size_t len) {
    (void)userdata;
    (void)line;
    (void)len;
    return 0;
}

static void through(const char *proxy_url, const char *name) {
    const char *user = t_need("FTP_USER"), *pass = t_need("FTP_PASS");
    ftp_session *h = proxied(proxy_url, false);
    CHECK_OK(h, ftp_connect(h, "127.0.0.1", env_port("VSFTPD_PORT"), 20000, NULL));
    CHECK_OK(h, ftp_login(h, user, pass, NULL));
    round_trip(h, name, false);
    /* Active mode cannot work through a proxy: refused, the session stays usable. */
    CHECK_OK(h, ftp_set_pasv(h, false));
    CHECK_RC(h, ftp_nlst(h, NULL, discard_line, NULL), FTP_E_STATE);
    CHECK(strstr(ftp_session_last_error(h), "active mode does not work through a proxy") != NULL);
    CHECK_OK(h, ftp_set_pasv(h, true));
    CHECK_OK(h, ftp_nlst(h, NULL, discard_line, NULL));
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);

    h = proxied(proxy_url, true);
    CHECK_OK(h, ftp_connect(h, "localhost", env_port("VSFTPS_PORT"), 20000, NULL));
    CHECK_OK(h, ftp_login(h, user, pass, NULL));
    char tls_name[64];
    snprintf(tls_name, sizeof tls_name, "%s-tls", name);
    round_trip(h, tls_name, true);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);

    /* The URL-based helper goes through the session's proxy too. */
    char url[256];
    snprintf(url, sizeof url, "ftp://%s:%s@127.0.0.1:%u/", user, pass, env_port("PROFTPD_PORT"));
    ftp_url *u = ftp_url_new();
    CHECK_OK(NULL, ftp_url_parse(u, url));
    h = proxied(proxy_url, false);
    CHECK_OK(h, ftp_connect_url(h, u, 20000));
    char url_name[64];
    snprintf(url_name, sizeof url_name, "%s-url", name);
    round_trip(h, url_name, false);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
    ftp_url_free(u);
}

/* Connecting through proxy_url fails with want, the message naming the proxy. */
static void refused(const char *proxy_url, uint16_t port, ftp_result want, const char *says) {
    ftp_session *h = proxied(proxy_url, false);
    CHECK_RC(h, ftp_connect(h, "127.0.0.1", port, 20000, NULL), want);
    const char *msg = ftp_session_last_error(h);
    if (!strstr(msg, says)) t_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks \"%s\"", proxy_url, msg, says);
    ftp_free(h);
}

int main(void) {
    /* Bad proxy strings, NULL, and a NULL session. */
    ftp_session *h = ftp_new();
    const char *bad[] = {"gopher://h:1", "socks5://h:0", "socks5://h:99999", "http://h:1/path", "socks5://[::1", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_RC(h, ftp_set_proxy(h, bad[i]), FTP_E_INVALID);
    CHECK_OK(h, ftp_set_proxy(h, "socks5h://u:p@127.0.0.1:1080"));
    CHECK_OK(h, ftp_set_proxy(h, NULL));
    CHECK_RC(NULL, ftp_set_proxy(NULL, "http://h:1"), FTP_E_NULL);
    CHECK(strcmp(ftp_strerror(FTP_E_PROXY_AUTH), "proxy authentication failed") == 0);
    ftp_free(h);

    t_need("VSFTPD_PORT");
    if (!have("danted") || !have("tinyproxy") || !have("nsenter")) {
        const char *ci = getenv("CI");
        CHECK(!(ci && strcmp(ci, "true") == 0));
        fprintf(stderr, "SKIP: danted, tinyproxy or nsenter missing\n");
        return ci && strcmp(ci, "true") == 0 ? t_done("test_live_proxy") : 77;
    }
    snprintf(dir, sizeof dir, "/tmp/libftp-proxy-c.%d", (int)getpid());
    CHECK(mkdir(dir, 0755) == 0);
    const char *user = t_need("FTP_USER"), *pass = t_need("FTP_PASS");
    char url[256];

    struct proxy dante = start_dante();
    snprintf(url, sizeof url, "socks5h://%s:%s@127.0.0.1:%u", user, pass, dante.port);
    through(url, "px-c-dante");
    snprintf(url, sizeof url, "socks5h://%s:wrong@127.0.0.1:%u", user, dante.port);
    refused(url, env_port("VSFTPD_PORT"), FTP_E_PROXY_AUTH, "SOCKS5 proxy 127.0.0.1:");
    snprintf(url, sizeof url, "socks5://127.0.0.1:%u", dante.port);
    refused(url, env_port("VSFTPD_PORT"), FTP_E_PROXY_AUTH, "needs authentication");
    snprintf(url, sizeof url, "socks5://%s:%s@127.0.0.1:%u", user, pass, dante.port);
    refused(url, 9, FTP_E_PROXY, "not allowed by ruleset (SOCKS5 reply 2)");
    stop_proxy(&dante);

    struct proxy tiny = start_tinyproxy(0);
    snprintf(url, sizeof url, "http://%s:%s@127.0.0.1:%u", user, pass, tiny.port);
    through(url, "px-c-tiny");
    snprintf(url, sizeof url, "http://%s:wrong@127.0.0.1:%u", user, tiny.port);
    refused(url, env_port("VSFTPD_PORT"), FTP_E_PROXY_AUTH, "HTTP proxy 127.0.0.1:");
    stop_proxy(&tiny);
    struct proxy strict = start_tinyproxy(443);
    snprintf(url, sizeof url, "http://%s:%s@127.0.0.1:%u", user, pass, strict.port);
    refused(url, env_port("VSFTPD_PORT"), FTP_E_PROXY, "refused: 403");
    stop_proxy(&strict);

    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    CHECK(system(rm) == 0);
    return t_done("test_live_proxy");
}
