/* Caller-input defences, from C, against a recording server in this process:
 * CR/LF in every command, path, name and credential is refused with FTP_E_INVALID
 * before anything is sent (the server must see only the valid commands), invalid
 * UTF-8 where text is required is refused, a call from inside the session's own
 * callback is FTP_E_RECURSIVE, and a call while another thread is inside the
 * session is FTP_E_BUSY. (NUL cannot reach the library through a C string; the
 * Rust tests cover it.) */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the recording server: greets, answers each line, keeps every byte ---- */

struct recorder {
    int listener;
    uint16_t port;
    char seen[8192];
    size_t len;
    int slow_ms; /* delay before answering NOOP (to hold the session busy) */
};

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void answer(int c, const char *line, struct recorder *r) {
    const char *reply = "200 ok\r\n";
    if (strncmp(line, "USER", 4) == 0) reply = "331 password please\r\n";
    if (strncmp(line, "PASS", 4) == 0) reply = "230 logged in\r\n";
    if (strncmp(line, "PWD", 3) == 0) reply = "257 \"/\" is current\r\n";
    if (strncmp(line, "QUIT", 4) == 0) reply = "221 bye\r\n";
    if (strncmp(line, "NOOP", 4) == 0 && r->slow_ms) sleep_ms(r->slow_ms);
    if (write(c, reply, strlen(reply)) < 0) return;
}

static void *serve(void *arg) {
    struct recorder *r = arg;
    int c = accept(r->listener, NULL, NULL);
    if (c < 0) return NULL;
    const char *hello = "220 recording server\r\n";
    if (write(c, hello, strlen(hello)) < 0) return NULL;
    size_t start = 0;
    for (;;) {
        ssize_t n = read(c, r->seen + r->len, sizeof r->seen - 1 - r->len);
        if (n <= 0) break;
        r->len += (size_t)n;
        r->seen[r->len] = 0;
        char *eol;
        while ((eol = strstr(r->seen + start, "\r\n")) != NULL) {
            *eol = 0;
            answer(c, r->seen + start, r);
            *eol = '\r';
            start = (size_t)(eol + 2 - r->seen);
        }
    }
    close(c);
    return NULL;
}

static void recorder_start(struct recorder *r, pthread_t *t) {
    memset(r, 0, sizeof *r);
    r->listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(r->listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->listener, 1) != 0 ||
        getsockname(r->listener, (struct sockaddr *)&a, &alen) != 0) {
        perror("recording server");
        exit(1);
    }
    r->port = ntohs(a.sin_port);
    pthread_create(t, NULL, serve, r);
}

static ftp_session *connect_to(struct recorder *r) {
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_connect(h, "127.0.0.1", r->port, 5000, NULL));
    CHECK_OK(h, ftp_set_feat_after_login(h, false));
    return h;
}

/* ---- CR/LF everywhere ---- */

static int no_data(void *u, const uint8_t *b, size_t n) {
    (void)u, (void)b, (void)n;
    return 0;
}
static int no_line(void *u, const char *l, size_t n) {
    (void)u, (void)l, (void)n;
    return 0;
}
static int no_read(void *u, uint8_t *b, size_t cap, size_t *n) {
    (void)u, (void)b, (void)cap;
    *n = 0;
    return 0;
}
static int no_entry(void *u, const ftp_entry *e) {
    (void)u, (void)e;
    return 0;
}
static int no_mlsd(void *u, const ftp_mlsd_entry *e) {
    (void)u, (void)e;
    return 0;
}

static void test_line_breaks_are_refused_before_sending(void) {
    struct recorder r;
    pthread_t t;
    recorder_start(&r, &t);
    ftp_session *h = connect_to(&r);
    const char *bad[] = {"x\r\nDELE victim", "x\nDELE victim", "x\rDELE victim", "\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *b = bad[i];
        ftp_data *d = NULL;
        int64_t n = 0;
        const char *s = NULL;
        CHECK_RC(h, ftp_login(h, b, "pw", NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_login(h, "user", b, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_login(h, "user", "pw", b), FTP_E_INVALID);
        CHECK_RC(h, ftp_sendcmd(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_voidcmd(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_cwd(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_cwd_each(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_mkd(h, b, &s), FTP_E_INVALID);
        CHECK_RC(h, ftp_mkd_all(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_rmd(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_delete(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_rename(h, b, "ok"), FTP_E_INVALID);
        CHECK_RC(h, ftp_rename(h, "ok", b), FTP_E_INVALID);
        CHECK_RC(h, ftp_size(h, b, &n), FTP_E_INVALID);
        CHECK_RC(h, ftp_mdtm(h, b, &n, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_mfmt(h, b, 0), FTP_E_INVALID);
        CHECK_RC(h, ftp_site(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_host(h, b), FTP_E_INVALID);
        CHECK_RC(h, ftp_stat(h, b, no_line, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_retr_binary(h, b, no_data, 0, FTP_NO_REST, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_retr_lines(h, b, no_line, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_stor_binary(h, b, no_read, 0, NULL, FTP_NO_REST, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_stor_lines(h, b, no_read, NULL, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_transfercmd(h, b, FTP_NO_REST, &d), FTP_E_INVALID);
        CHECK_RC(h, ftp_nlst(h, b, no_line, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_dir(h, b, no_line, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_mlsd(h, b, NULL, no_mlsd, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_list(h, b, no_entry, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_retr_file(h, b, "/dev/null", 0, NULL), FTP_E_INVALID);
        CHECK_RC(h, ftp_stor_file(h, "/dev/null", b, 0, NULL), FTP_E_INVALID);
        CHECK(d == NULL);
    }
    /* Text that must be UTF-8 (user name, password, account). */
    CHECK_RC(h, ftp_login(h, "caf\xe9", "pw", NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_login(h, "user", "\xff\xfe", NULL), FTP_E_INVALID);
    /* The session is still fine, and a valid command goes through. */
    CHECK_OK(h, ftp_sendcmd(h, "NOOP"));
    CHECK(ftp_session_last_reply_code(h) == 200);
    ftp_close(h);
    pthread_join(t, NULL);
    close(r.listener);
    /* What the server saw: the one valid command, nothing of the refused ones. */
    CHECK(strcmp(r.seen, "NOOP\r\n") == 0);
    if (strcmp(r.seen, "NOOP\r\n") != 0) fprintf(stderr, "server saw: %s\n", r.seen);
    ftp_free(h);
}

/* ---- calls from the session's own callback ---- */

struct reenter {
    ftp_session *h;
    ftp_result pwd, noop, quit;
};

static void log_reenters(void *userdata, ftp_log_kind kind, const char *line) {
    (void)kind, (void)line;
    struct reenter *e = userdata;
    if (e->pwd != FTP_OK) return; /* once */
    const char *p = NULL;
    e->pwd = ftp_pwd(e->h, &p);
    e->noop = ftp_sendcmd(e->h, "NOOP");
    e->quit = ftp_quit(e->h);
    ftp_free(e->h); /* deferred: the session is freed when the running call returns */
}

static void test_recursive_calls_are_refused(void) {
    struct recorder r;
    pthread_t t;
    recorder_start(&r, &t);
    ftp_session *h = connect_to(&r);
    struct reenter e = {h, FTP_OK, FTP_OK, FTP_OK};
    CHECK_OK(h, ftp_set_debuglevel(h, 1));
    CHECK_OK(h, ftp_set_log_callback(h, log_reenters, &e));
    /* The call the callback freed the session in still finishes, with its own result. */
    CHECK(ftp_sendcmd(h, "NOOP") == FTP_OK);
    CHECK(e.pwd == FTP_E_RECURSIVE);
    CHECK(e.noop == FTP_E_RECURSIVE);
    CHECK(e.quit == FTP_E_RECURSIVE);
    /* h is gone now (freed as the call returned: the sanitizer and valgrind runs see
     * neither a leak nor a use after free); freeing it closed the connection, which
     * ends the recorder, and the server saw only the one NOOP. */
    pthread_join(t, NULL);
    close(r.listener);
    CHECK(strcmp(r.seen, "NOOP\r\n") == 0);
}

/* ---- two threads on one session ---- */

struct busy_call {
    ftp_session *h;
    ftp_result rc;
};

static void *slow_noop(void *arg) {
    struct busy_call *b = arg;
    b->rc = ftp_sendcmd(b->h, "NOOP");
    return NULL;
}

static void test_concurrent_use_is_refused(void) {
    struct recorder r;
    pthread_t t;
    recorder_start(&r, &t);
    r.slow_ms = 400;
    ftp_session *h = connect_to(&r);
    struct busy_call b = {h, FTP_E_STATE};
    pthread_t other;
    pthread_create(&other, NULL, slow_noop, &b);
    sleep_ms(100); /* the other thread is now waiting for the NOOP reply */
    const char *p = NULL;
    ftp_result second = ftp_pwd(h, &p);
    ftp_result third = ftp_delete(h, "f");
    pthread_join(other, NULL);
    CHECK(second == FTP_E_BUSY);
    CHECK(third == FTP_E_BUSY);
    CHECK(b.rc == FTP_OK);
    CHECK(ftp_session_last_reply_code(h) == 200);
    ftp_close(h);
    pthread_join(t, NULL);
    close(r.listener);
    CHECK(strcmp(r.seen, "NOOP\r\n") == 0);
    ftp_free(h);
}

int main(void) {
    test_line_breaks_are_refused_before_sending();
    test_recursive_calls_are_refused();
    test_concurrent_use_is_refused();
    return t_done("test_input");
}
