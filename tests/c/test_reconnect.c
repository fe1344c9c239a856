/* ftp_set_reconnect and ftp_session_reconnects against a scripted server in a thread
 * (127.0.0.1, a port of its own): the server drops the idle session with a 421, the
 * session reconnects, logs in, goes back to its directory and runs the call; with
 * reconnecting off, or the server gone, the call fails as documented. */
#include "harness.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A script step: send a line (CRLF added), expect a command line, or close the
 * connection and accept the next one. */
enum op { SEND, EXPECT, NEXT, END };
struct step {
    enum op op;
    const char *text;
};

struct server {
    int listener;
    uint16_t port;
    const struct step *script;
    pthread_t thread;
    int failures; /* steps that did not match */
    char seen[4096]; /* commands read, '|' separated */
};

static bool read_line(int fd, char *out, size_t cap) {
    size_t n = 0;
    while (n + 1 < cap) {
        char c;
        if (read(fd, &c, 1) != 1) return false;
        if (c == '\n') break;
        if (c != '\r') out[n++] = c;
    }
    out[n] = '\0';
    return true;
}

static void *serve(void *arg) {
    struct server *s = arg;
    int fd = accept(s->listener, NULL, NULL);
    for (const struct step *st = s->script; st->op != END; st++) {
        if (st->op == SEND) {
            char line[256];
            int n = snprintf(line, sizeof line, "%s\r\n", st->text);
            if (fd < 0 || write(fd, line, (size_t)n) != n) s->failures++;
        } else if (st->op == EXPECT) {
            char line[256];
            if (fd < 0 || !read_line(fd, line, sizeof line) || strcmp(line, st->text) != 0) {
                fprintf(stderr, "server: expected \"%s\", got \"%s\"\n", st->text, fd < 0 ? "(none)" : line);
                s->failures++;
            }
            strncat(s->seen, line, sizeof s->seen - strlen(s->seen) - 2);
            strcat(s->seen, "|");
        } else if (st->op == NEXT) {
            if (fd >= 0) close(fd);
            fd = accept(s->listener, NULL, NULL);
        }
    }
    if (fd >= 0) close(fd);
    close(s->listener);
    return NULL;
}

static void start(struct server *s, const struct step *script) {
    memset(s, 0, sizeof *s);
    s->script = script;
    s->listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    CHECK(bind(s->listener, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(s->listener, 4) == 0);
    getsockname(s->listener, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
    CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
}

static void finish(struct server *s) {
    pthread_join(s->thread, NULL);
    CHECK(s->failures == 0);
}

#define LOGIN {SEND, "220 ready"}, {EXPECT, "USER u"}, {SEND, "331 pw"}, {EXPECT, "PASS p"}, {SEND, "230 in"}

static ftp_session *client(uint16_t port, unsigned tries, unsigned delay_ms) {
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_feat_after_login(h, false));
    CHECK_OK(h, ftp_set_reconnect(h, tries, delay_ms));
    CHECK_OK(h, ftp_connect(h, "127.0.0.1", port, 5000, NULL));
    CHECK_OK(h, ftp_login(h, "u", "p", NULL));
    return h;
}

static int reconnect_lines;
static void count_reconnects(void *userdata, ftp_log_kind kind, const char *line) {
    (void)userdata;
    if (kind == FTP_LOG_RESP && strncmp(line, "reconnecting", 12) == 0) reconnect_lines++;
}

/* 421 while idle: reconnect, log in, CWD back, NOOP runs on the new connection. */
static void idle_drop_reconnects(void) {
    static const struct step script[] = {
        LOGIN, {EXPECT, "CWD d"}, {SEND, "250 ok"}, {SEND, "421 Timeout."}, {NEXT, NULL},
        LOGIN, {EXPECT, "CWD d"}, {SEND, "250 ok"}, {EXPECT, "NOOP"}, {SEND, "200 fine"},
        {EXPECT, "QUIT"}, {SEND, "221 bye"}, {END, NULL}};
    struct server s;
    start(&s, script);
    ftp_session *h = client(s.port, 2, 10);
    CHECK_OK(h, ftp_set_debuglevel(h, 1));
    CHECK_OK(h, ftp_set_log_callback(h, count_reconnects, NULL));
    CHECK_OK(h, ftp_cwd(h, "d"));
    CHECK(ftp_session_reconnects(h) == 0);
    usleep(150 * 1000);
    CHECK_OK(h, ftp_noop(h));
    CHECK(ftp_session_reconnects(h) == 1);
    CHECK(reconnect_lines == 1);
    CHECK(ftp_session_last_reply_code(h) == 200);
    CHECK_OK(h, ftp_quit(h));
    ftp_free(h);
    finish(&s);
    CHECK(strcmp(s.seen, "USER u|PASS p|CWD d|USER u|PASS p|CWD d|NOOP|QUIT|") == 0);
}

/* Off (tries 0): the 421 is the call's error. DELE sent then 421: not run again. */
static void off_and_unsafe(void) {
    static const struct step script[] = {
        LOGIN, {SEND, "421 Timeout."}, {NEXT, NULL},
        LOGIN, {EXPECT, "DELE f"}, {SEND, "421 Going down."}, {END, NULL}};
    struct server s;
    start(&s, script);
    ftp_session *h = client(s.port, 0, 0);
    usleep(150 * 1000);
    CHECK_RC(h, ftp_noop(h), FTP_E_TEMP);
    CHECK(ftp_session_reconnects(h) == 0);
    ftp_free(h);
    h = client(s.port, 3, 0);
    CHECK_RC(h, ftp_delete(h, "f"), FTP_E_TEMP);
    CHECK(strstr(ftp_session_last_error(h), "DELE f") != NULL);
    CHECK(ftp_session_reconnects(h) == 0);
    ftp_free(h);
    finish(&s);
}

/* The server gone: every try refused, the message names the call. */
static void refused(void) {
    static const struct step script[] = {LOGIN, {SEND, "421 Timeout."}, {END, NULL}};
    struct server s;
    start(&s, script);
    ftp_session *h = client(s.port, 2, 50);
    finish(&s); /* its listener is closed now */
    CHECK_RC(h, ftp_pwd(h, &(const char *){NULL}), FTP_E_IO);
    const char *msg = ftp_session_last_error(h);
    CHECK(strncmp(msg, "PWD: ", 5) == 0);
    CHECK(strstr(msg, "reconnecting failed after 2 tries") != NULL);
    CHECK(ftp_session_reconnects(h) == 0);
    ftp_free(h);
}

int main(void) {
    CHECK_RC(NULL, ftp_set_reconnect(NULL, 1, 0), FTP_E_NULL);
    CHECK(ftp_session_reconnects(NULL) == 0);
    idle_drop_reconnects();
    off_and_unsafe();
    refused();
    return t_done("reconnect");
}
