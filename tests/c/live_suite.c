/* The suite every real server runs: each ftplib method through ftp.h, with bytes
 * compared against the files on disk and reply codes checked. The test_live_<server>.c
 * files say which server from the env file to use; the cases are in the table at the
 * end, and T_ONLY=name[,name...] runs only those (the names are listed there). */
#include "live_suite.h"

#include <fcntl.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static ftp_session *open_anon(const struct server *s) {
    ftp_session *h = ftp_new();
    CHECK(h != NULL);
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    return h;
}

static ftp_session *open_user(const struct server *s) {
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    CHECK_OK(h, ftp_login(h, s->user, s->pass, NULL));
    return h;
}

/* A session whose LIST shows the anonymous tree: anonymous, or where anonymous LIST is
 * empty (s->anon_list_empty), the user's, in the tree's real path. */
static ftp_session *open_lister(const struct server *s) {
    if (!s->anon_list_empty) return open_anon(s);
    ftp_session *h = open_user(s);
    CHECK_OK(h, ftp_cwd(h, s->anon_root));
    return h;
}

/* A transfer ended on our side (callback, interrupt): want, with the session in step;
 * or, on a server that ends the session when a download's data connection is reset
 * (s->reset_ends_session) or may never answer the ABOR then (s->reset_may_stall), the
 * error that says the cleanup failed and the connection was closed, naming why the
 * transfer ended. Then h is connected again (anonymous). */
static void check_ended(const struct server *s, ftp_session *h, ftp_result rc, ftp_result want, const char *why) {
    if ((!s->reset_ends_session && !s->reset_may_stall) || rc == want) {
        CHECK_RC(h, rc, want);
        return;
    }
    CHECK(s->reset_may_stall ? rc == FTP_E_TIMEOUT : (rc == FTP_E_IO || rc == FTP_E_CLOSED));
    CHECK(strstr(ftp_session_last_error(h), why) != NULL);
    CHECK(strstr(ftp_session_last_error(h), "so the connection was closed") != NULL);
    CHECK_RC(h, ftp_noop(h), FTP_E_STATE);
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
}

/* A NOOP after an abort gets its 200: a 426 for the aborted transfer that comes late
 * (unftp sends it after ABOR's answer) is not taken for the NOOP's. */
static void check_noop_after_abort(ftp_session *h) {
    CHECK_OK(h, ftp_sendcmd(h, "NOOP"));
    CHECK(ftp_session_last_reply_code(h) == 200);
}

static uint8_t *anon_file(const struct server *s, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->anon_root, name);
    uint8_t *data = t_read_file(path, len);
    if (!data) t_fail(__FILE__, __LINE__, "cannot read %s", path);
    return data;
}

static void test_connect_login_welcome(const struct server *s) {
    ftp_session *h = ftp_new();
    CHECK(ftp_getwelcome(h) == NULL);
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    const char *w = ftp_getwelcome(h);
    CHECK(w != NULL && strncmp(w, "220", 3) == 0);
    CHECK(ftp_session_last_reply_code(h) == 220);
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    CHECK(ftp_session_last_reply_code(h) == 230);
    CHECK_OK(h, ftp_quit(h));
    CHECK(ftp_session_last_reply_code(h) == 221);
    CHECK_RC(h, ftp_pwd(h, &(const char *){NULL}), FTP_E_STATE);
    /* The handle is reusable after quit; a bound source address works. */
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, "127.0.0.1"));
    CHECK_RC(h, ftp_login(h, s->user, "wrong-password", NULL), FTP_E_PERM);
    CHECK(ftp_session_last_reply_code(h) == 530);
    /* ... with the password masked. */
    CHECK(strncmp(ftp_session_last_error(h), "PASS **************: ", 21) == 0);
    CHECK(strstr(ftp_session_last_error(h), "wrong-password") == NULL);
    /* A connect that fails on its arguments still closes the old connection first:
     * nothing meant for a new server goes to the old one. */
    CHECK_RC(h, ftp_connect(h, NULL, s->port, 10000, NULL), FTP_E_NULL);
    CHECK_RC(h, ftp_voidcmd(h, "NOOP"), FTP_E_STATE);
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    CHECK_RC(h, ftp_connect(h, s->host, s->port, 10000, "not-an-ip"), FTP_E_INVALID);
    CHECK(ftp_session_last_reply_code(h) == 0);
    CHECK_RC(h, ftp_voidcmd(h, "NOOP"), FTP_E_STATE);

    /* From a URL: user and password, the port; the IPv6 host in brackets. */
    char url[512];
    bool v6 = strchr(s->host, ':') != NULL;
    snprintf(url, sizeof url, "ftp://%s:%s@%s%s%s:%u/", s->user, s->pass, v6 ? "[" : "", s->host,
             v6 ? "]" : "", (unsigned)s->port);
    ftp_url *u = ftp_url_new();
    CHECK_OK(NULL, ftp_url_parse(u, url));
    CHECK_OK(h, ftp_connect_url(h, u, 10000));
    CHECK(ftp_session_last_reply_code(h) == 230);
    CHECK(strcmp(ftp_url_path(u, NULL), "") == 0);
    CHECK_OK(h, ftp_pwd(h, &(const char *){NULL}));
    /* As with ftp_connect, a URL call refused for its arguments closes the old connection. */
    CHECK_RC(h, ftp_connect_url(h, NULL, 10000), FTP_E_NULL);
    CHECK_RC(h, ftp_voidcmd(h, "NOOP"), FTP_E_STATE);
    CHECK_OK(h, ftp_connect_url(h, u, 10000));
    CHECK_OK(h, ftp_quit(h));
    ftp_url_free(u);
    ftp_free(h);
}

static void test_download(const struct server *s, bool passive) {
    ftp_session *h = open_anon(s);
    CHECK_OK(h, ftp_set_pasv(h, passive));
    if (!passive && s->no_active) {
        /* No active mode: the refusal of EPRT/PORT is the download's error. */
        struct t_buf none = {0};
        CHECK_RC(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &none), FTP_E_PERM);
        CHECK(ftp_session_last_reply_code(h) == 502 && none.len == 0);
        CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
        t_buf_free(&none);
        ftp_quit(h);
        ftp_free(h);
        return;
    }
    size_t want_len;
    uint8_t *want = anon_file(s, "big.bin", &want_len);
    struct t_buf got = {0};
    CHECK_OK(h, ftp_retr_binary(h, "RETR big.bin", t_collect, 0, FTP_NO_REST, &got));
    CHECK(ftp_session_last_reply_code(h) == 226);
    CHECK(want && got.len == want_len && memcmp(got.data, want, want_len) == 0);
    CHECK(want_len == (size_t)strtoull(t_need("BIG_SIZE"), NULL, 10));
    /* REST: the rest of the file from an offset. */
    t_buf_free(&got);
    CHECK_OK(h, ftp_retr_binary(h, "RETR big.bin", t_collect, 100000, 1000000, &got));
    CHECK(want && got.len == want_len - 1000000 && memcmp(got.data, want + 1000000, got.len) == 0);
    t_buf_free(&got);
    /* A missing file is a 550, and the session stays usable. */
    CHECK_RC(h, ftp_retr_binary(h, "RETR no-such-file", t_collect, 0, FTP_NO_REST, &got), FTP_E_PERM);
    CHECK(ftp_session_last_reply_code(h) == (s->os_error_replies ? 551 : 550));
    /* The message names the refused command. */
    CHECK(strncmp(ftp_session_last_error(h), "RETR no-such-file: ", 19) == 0);
    CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    free(want);
    ftp_quit(h);
    ftp_free(h);
}

static void test_retr_lines(const struct server *s) {
    ftp_session *h = open_anon(s);
    size_t want_len;
    uint8_t *want = anon_file(s, "lines.txt", &want_len);
    struct t_buf got = {0};
    CHECK_OK(h, ftp_retr_lines(h, "RETR lines.txt", t_collect_line, &got));
    /* lines.txt has LF endings on disk; retrlines gives each line without its ending. */
    CHECK(want && got.len == want_len && memcmp(got.data, want, want_len) == 0);
    CHECK(!t_contains(got.data, got.len, "\r"));
    free(want);
    t_buf_free(&got);
    ftp_quit(h);
    ftp_free(h);
}

static void test_size_and_ntransfercmd(const struct server *s) {
    ftp_session *h = open_anon(s);
    int64_t size = -2;
    CHECK_OK(h, ftp_size(h, "big.bin", &size));
    CHECK(size == (int64_t)strtoll(t_need("BIG_SIZE"), NULL, 10));
    CHECK_RC(h, ftp_size(h, "no-such-file", &size), FTP_E_PERM);
    CHECK(ftp_session_last_reply_code(h) == 550);

    /* transfercmd: the caller reads the data connection, then reads the final reply. */
    CHECK_OK(h, ftp_voidcmd(h, "TYPE I"));
    ftp_data *d = NULL;
    int64_t announced = -2;
    CHECK_OK(h, ftp_ntransfercmd(h, "RETR hello.txt", FTP_NO_REST, &d, &announced));
    CHECK(announced == 13 || announced == -1); /* servers may or may not say "(13 bytes)" */
    if (strcmp(s->name, "vsftpd") == 0) CHECK(announced == 13);
    CHECK_RC(h, ftp_pwd(h, &(const char *){NULL}), FTP_E_STATE); /* transfer still open */
    struct t_buf got = {0};
    uint8_t buf[4];
    size_t n;
    /* A failure is recorded on the data connection, and the next success clears it. */
    CHECK_RC(NULL, ftp_data_read(d, buf, 0, &n), FTP_E_INVALID);
    CHECK(strstr(ftp_data_last_error(d), "cap is 0") != NULL);
    CHECK_RC(NULL, ftp_data_read(d, NULL, sizeof buf, &n), FTP_E_NULL);
    CHECK(strcmp(ftp_data_last_error(d), "buf is NULL") == 0);
    do {
        CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
        CHECK(strcmp(ftp_data_last_error(d), "") == 0);
        t_buf_add(&got, buf, n);
    } while (n > 0 && got.len < 1000);
    ftp_data_free(d);
    CHECK_OK(h, ftp_voidresp(h));
    CHECK(got.len == 13 && memcmp(got.data, "hello, world\n", 13) == 0);
    t_buf_free(&got);

    /* transfercmd with REST. */
    d = NULL;
    CHECK_OK(h, ftp_transfercmd(h, "RETR hello.txt", 7, &d));
    do {
        CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
        t_buf_add(&got, buf, n);
    } while (n > 0 && got.len < 1000);
    /* An explicit close: nothing to wait for after a download; then d refuses reads,
     * and a second close does nothing. */
    CHECK_OK(NULL, ftp_data_close(d, 5000));
    CHECK_RC(NULL, ftp_data_read(d, buf, sizeof buf, &n), FTP_E_STATE);
    CHECK(strstr(ftp_data_last_error(d), "closed") != NULL);
    CHECK_OK(NULL, ftp_data_close(d, 5000));
    ftp_data_free(d);
    CHECK_OK(h, ftp_voidresp(h));
    CHECK(got.len == 6 && memcmp(got.data, "world\n", 6) == 0);
    t_buf_free(&got);
    ftp_quit(h);
    ftp_free(h);
}

struct cancel_ctx {
    ftp_session *h;
    size_t seen;
    ftp_result inner;
};

static int cancel_after_first(void *userdata, const uint8_t *buf, size_t len) {
    (void)buf;
    struct cancel_ctx *c = userdata;
    c->seen += len;
    c->inner = ftp_pwd(c->h, &(const char *){NULL}); /* calling back in is refused */
    return 1;
}

static void test_abort_and_cancel(const struct server *s) {
    ftp_session *h = open_anon(s);
    /* A callback's non-zero return cancels; the session stays in step. */
    struct cancel_ctx c = {h, 0, FTP_OK};
    check_ended(s, h, ftp_retr_binary(h, "RETR big.bin", cancel_after_first, 0, FTP_NO_REST, &c), FTP_E_CANCELLED,
                "cancelled by callback");
    CHECK(c.inner == FTP_E_RECURSIVE);
    CHECK(c.seen > 0 && c.seen < 8 * 1024 * 1024);
    const char *pwd = NULL;
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK(ftp_session_last_reply_code(h) == 257);
    CHECK(pwd && strcmp(pwd, "/") == 0);

    /* ftp_abort in the middle of a caller-driven transfer. */
    CHECK_OK(h, ftp_voidcmd(h, "TYPE I"));
    ftp_data *d = NULL;
    CHECK_OK(h, ftp_transfercmd(h, "RETR big.bin", FTP_NO_REST, &d));
    uint8_t buf[1000];
    size_t n = 0;
    CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
    CHECK(n > 0);
    CHECK_OK(h, ftp_abort(h));
    int code = ftp_session_last_reply_code(h);
    /* pure-ftpd answers with a 150 summary line only, no 225/226. */
    CHECK(code == 225 || code == 226 || (code == 150 && strcmp(s->name, "pure-ftpd") == 0) ||
          (code == 551 && s->abor_answered_late));
    /* The handle then reads end-of-file, not the reset's error. */
    n = 1;
    CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
    CHECK(n == 0);
    ftp_data_free(d);
    check_noop_after_abort(h);
    /* And a full download still works afterwards. */
    struct t_buf got = {0};
    CHECK_OK(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got));
    CHECK(got.len == 13);
    t_buf_free(&got);
    ftp_quit(h);
    ftp_free(h);
}

struct blocked_read {
    ftp_data *d;
    ftp_result rc;
    size_t n;
};

static void *read_blocked(void *arg) {
    struct blocked_read *r = arg;
    uint8_t buf[64];
    r->rc = ftp_data_read(r->d, buf, sizeof buf, &r->n);
    return NULL;
}

/* A read blocked on a connection the server never writes to (an upload's) wakes with
 * end-of-file when another thread aborts the transfer. */
static void test_abort_wakes_a_blocked_reader(const struct server *s) {
    ftp_session *h = open_user(s);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "STOR blocked-%d.bin", (int)getpid());
    struct blocked_read r = {NULL, FTP_E_PANIC, 99};
    CHECK_OK(h, ftp_voidcmd(h, "TYPE I"));
    CHECK_OK(h, ftp_transfercmd(h, cmd, FTP_NO_REST, &r.d));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, read_blocked, &r) == 0);
    usleep(200 * 1000);
    CHECK_OK(h, ftp_abort(h));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(r.rc == FTP_OK && r.n == 0);
    ftp_data_free(r.d);
    check_noop_after_abort(h);
    ftp_delete(h, cmd + 5); /* whatever the abort left behind */
    ftp_quit(h);
    ftp_free(h);
}

static void test_commands(const struct server *s) {
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    CHECK_OK(h, ftp_sendcmd(h, "NOOP"));
    CHECK(ftp_session_last_reply_code(h) == 200);
    CHECK_RC(h, ftp_sendcmd(h, "XYZZY"), FTP_E_PERM);
    CHECK(ftp_session_last_reply_code(h) / 100 == 5);
    /* The error names the command the server refused. */
    CHECK(strncmp(ftp_session_last_error(h), "XYZZY: ", 7) == 0);
    CHECK_OK(h, ftp_cwd(h, "dir1"));
    const char *pwd = NULL;
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK(pwd && strcmp(pwd, "/dir1") == 0);
    CHECK_OK(h, ftp_cwd(h, "sub"));
    CHECK_OK(h, ftp_cwd(h, "..")); /* CDUP */
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK(pwd && strcmp(pwd, "/dir1") == 0);
    CHECK_RC(h, ftp_cwd(h, "no-such-dir"), FTP_E_PERM);
    CHECK(ftp_session_last_reply_code(h) == 550);

    struct t_buf names = {0};
    CHECK_OK(h, ftp_nlst(h, NULL, t_collect_line, &names));
    CHECK(t_contains(names.data, names.len, "a.txt\n") && t_contains(names.data, names.len, "b.txt\n"));
    t_buf_free(&names);
    struct t_buf lines = {0};
    if (s->anon_list_empty) {
        /* Nothing, and no error: what the server sent. The user's LIST shows the tree. */
        CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &lines));
        CHECK(lines.len == 0);
        ftp_session *u = open_lister(s);
        CHECK_OK(u, ftp_dir(u, "dir1", t_collect_line, &lines));
        CHECK(t_contains(lines.data, lines.len, "a.txt") && t_contains(lines.data, lines.len, "sub"));
        t_buf_free(&lines);
        ftp_quit(u);
        ftp_free(u);
    } else {
        CHECK_OK(h, ftp_dir(h, NULL, t_collect_line, &lines));
        CHECK(t_contains(lines.data, lines.len, "a.txt") && t_contains(lines.data, lines.len, "sub"));
        t_buf_free(&lines);
    }
    CHECK_OK(h, ftp_cwd(h, "/"));
    if (!s->anon_list_empty) {
        CHECK_OK(h, ftp_dir(h, "dir1", t_collect_line, &lines));
        CHECK(t_contains(lines.data, lines.len, "b.txt"));
        t_buf_free(&lines);
    }
    CHECK_OK(h, ftp_nlst(h, "dir1", t_collect_line, &names));
    CHECK(t_contains(names.data, names.len, "a.txt"));
    t_buf_free(&names);
    ftp_quit(h);
    ftp_free(h);
}

struct mlsd_seen {
    int files, dirs;
    bool saw_big, big_size_ok, saw_space;
};

static int on_mlsd(void *userdata, const ftp_mlsd_entry *e) {
    struct mlsd_seen *m = userdata;
    size_t len;
    const char *name = ftp_mlsd_entry_name(e, &len);
    const char *type = ftp_mlsd_entry_fact(e, "TYPE");
    if (type && strcmp(type, "file") == 0) m->files++;
    if (type && strcmp(type, "dir") == 0) m->dirs++;
    if (len == 7 && memcmp(name, "big.bin", 7) == 0) {
        m->saw_big = true;
        const char *size = ftp_mlsd_entry_fact(e, "size");
        m->big_size_ok = size && strcmp(size, t_need("BIG_SIZE")) == 0;
        const char *k, *v;
        bool found = false;
        for (size_t i = 0; i < ftp_mlsd_entry_fact_count(e); i++) {
            if (ftp_mlsd_entry_fact_at(e, i, &k, &v) == FTP_OK && strcmp(k, "size") == 0) found = true;
        }
        if (!found) m->big_size_ok = false;
        if (ftp_mlsd_entry_fact_at(e, 999, &k, &v) != FTP_E_INVALID) m->big_size_ok = false;
    }
    if (strcmp(name, "with space.txt") == 0) m->saw_space = true;
    return 0;
}

static void test_mlsd(const struct server *s) {
    ftp_session *h = open_anon(s);
    struct mlsd_seen m = {0};
    const char *facts[] = {"type", "size", "modify", NULL};
    if (s->has_mlsd) {
        if (s->no_mlst_facts) {
            /* The facts refused, as ftplib's mlsd() reports it; the server then ends the
             * connection. The server's own facts still list. */
            CHECK_RC(h, ftp_mlsd(h, NULL, facts, on_mlsd, &m), FTP_E_PERM);
            CHECK(ftp_session_last_reply_code(h) == 501);
            CHECK(strncmp(ftp_session_last_error(h), "OPTS MLST type;size;modify;: ", 29) == 0);
            ftp_result closed = ftp_noop(h); /* an end or a reset, as it comes */
            CHECK(closed == FTP_E_CLOSED || closed == FTP_E_IO);
            ftp_free(h);
            h = open_anon(s);
            memset(&m, 0, sizeof m);
            CHECK_OK(h, ftp_mlsd(h, NULL, NULL, on_mlsd, &m));
        } else {
            CHECK_OK(h, ftp_mlsd(h, NULL, facts, on_mlsd, &m));
        }
        CHECK(m.saw_big && m.big_size_ok && m.saw_space);
        CHECK(m.files >= 4 && m.dirs >= 1);
        memset(&m, 0, sizeof m);
        CHECK_OK(h, ftp_mlsd(h, "dir1", NULL, on_mlsd, &m));
        CHECK(m.files == 2 && m.dirs == 1);
    } else {
        /* No MLSD on this server: a permanent error with the server's 500/502. */
        CHECK_RC(h, ftp_mlsd(h, NULL, NULL, on_mlsd, &m), FTP_E_PERM);
        int code = ftp_session_last_reply_code(h);
        CHECK(code == 500 || code == 502);
        CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    }
    ftp_quit(h);
    ftp_free(h);
}

static bool file_equals(const char *path, const void *data, size_t len) {
    size_t got_len;
    uint8_t *got = t_read_file(path, &got_len);
    bool same = got && got_len == len && memcmp(got, data, len) == 0;
    free(got);
    return same;
}

static int count_lines_sent(void *userdata, const uint8_t *buf, size_t len) {
    int *n = userdata;
    if (len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n') (*n)++;
    return 0;
}

struct lines_src {
    struct t_src src;
    int sent_crlf;
};

static int lines_read(void *userdata, uint8_t *buf, size_t cap, size_t *len_out) {
    return t_src_read(&((struct lines_src *)userdata)->src, buf, cap, len_out);
}

static int lines_sent(void *userdata, const uint8_t *buf, size_t len) {
    return count_lines_sent(&((struct lines_src *)userdata)->sent_crlf, buf, len);
}

static void test_upload_and_dirs(const struct server *s) {
    ftp_session *h = open_user(s);
    char dir[64], path[4096];
    snprintf(dir, sizeof dir, "t-%d", (int)getpid());
    const char *made = NULL;
    CHECK_OK(h, ftp_mkd(h, dir, &made));
    CHECK(made && (s->mkd_unquoted ? made[0] == '\0' : strstr(made, dir) != NULL));
    CHECK(ftp_session_last_reply_code(h) == 257);
    if (s->mkd_existing_ok) {
        CHECK_OK(h, ftp_mkd(h, dir, NULL));
    } else {
        CHECK_RC(h, ftp_mkd(h, dir, NULL), FTP_E_PERM); /* exists */
    }
    CHECK_OK(h, ftp_cwd(h, dir));

    size_t big_len;
    uint8_t *big = anon_file(s, "big.bin", &big_len);
    struct t_src src = {big, big_len, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, "STOR up.bin", t_src_read, 65536, NULL, FTP_NO_REST, &src));
    CHECK(ftp_session_last_reply_code(h) == 226);
    snprintf(path, sizeof path, "%s/%s/up.bin", s->user_root, dir);
    CHECK(file_equals(path, big, big_len));

    /* REST + STOR resumes an upload at an offset. Where STOR truncates whatever the
     * REST, FEAT must not list REST STREAM (libftp's resume then uses APPE): APPE. */
    struct t_src half = {big, big_len / 2, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, "STOR resumed.bin", t_src_read, 0, NULL, FTP_NO_REST, &half));
    struct t_src rest = {big + big_len / 2, big_len - big_len / 2, 0, 0};
    if (s->rest_stor_truncates) {
        CHECK(!ftp_has_feature(h, "REST STREAM"));
        CHECK_OK(h, ftp_stor_binary(h, "APPE resumed.bin", t_src_read, 0, NULL, FTP_NO_REST, &rest));
    } else {
        CHECK_OK(h, ftp_stor_binary(h, "STOR resumed.bin", t_src_read, 0, NULL, (int64_t)(big_len / 2), &rest));
    }
    snprintf(path, sizeof path, "%s/%s/resumed.bin", s->user_root, dir);
    CHECK(file_equals(path, big, big_len));

    /* storlines: every line goes out with CRLF, whatever it had. */
    static const char text[] = "one\ntwo\r\nthree\rfour";
    struct lines_src ls = {{(const uint8_t *)text, sizeof text - 1, 0, 3}, 0};
    CHECK_OK(h, ftp_stor_lines(h, "STOR text.txt", lines_read, lines_sent, &ls));
    CHECK(ls.sent_crlf == 3); /* "one", "two", "three\rfour" */
    snprintf(path, sizeof path, "%s/%s/text.txt", s->user_root, dir);
    size_t tlen;
    uint8_t *t = t_read_file(path, &tlen);
    /* Servers store ASCII uploads with CRLF or convert to LF (pure-ftpd drops every CR,
     * the lone one too); either way the lines sent were these. */
    static const char crlf[] = "one\r\ntwo\r\nthree\rfour\r\n", lf[] = "one\ntwo\nthree\rfour\n",
                      no_cr[] = "one\ntwo\nthreefour\n";
    CHECK(t && ((tlen == sizeof crlf - 1 && memcmp(t, crlf, tlen) == 0) ||
                (tlen == sizeof lf - 1 && memcmp(t, lf, tlen) == 0) ||
                (tlen == sizeof no_cr - 1 && memcmp(t, no_cr, tlen) == 0)));
    free(t);

    /* A caller-driven upload ended by ftp_data_close: the file is complete on disk. */
    ftp_data *d = NULL;
    CHECK_OK(h, ftp_voidcmd(h, "TYPE I"));
    CHECK_OK(h, ftp_transfercmd(h, "STOR closed.bin", FTP_NO_REST, &d));
    CHECK_OK(NULL, ftp_data_write(d, big, big_len));
    CHECK_RC(NULL, ftp_data_close(d, 0), FTP_E_INVALID); /* refused, nothing closed */
    CHECK(strstr(ftp_data_last_error(d), "timeout_ms") != NULL);
    CHECK_OK(NULL, ftp_data_write(d, big, 1));           /* still open */
    CHECK_OK(NULL, ftp_data_close(d, 10000));
    CHECK_RC(NULL, ftp_data_write(d, big, 1), FTP_E_STATE);
    ftp_data_free(d);
    CHECK_OK(h, ftp_voidresp(h));
    CHECK(ftp_session_last_reply_code(h) == 226);
    snprintf(path, sizeof path, "%s/%s/closed.bin", s->user_root, dir);
    size_t closed_len = 0;
    uint8_t *closed = t_read_file(path, &closed_len);
    CHECK(closed && closed_len == big_len + 1 && memcmp(closed, big, big_len) == 0 && closed[big_len] == big[0]);
    free(closed);
    CHECK_OK(h, ftp_delete(h, "closed.bin"));

    int64_t size = 0;
    CHECK_OK(h, ftp_rename(h, "up.bin", "moved.bin"));
    CHECK_OK(h, ftp_size(h, "moved.bin", &size));
    CHECK(size == (int64_t)big_len);
    CHECK_RC(h, ftp_size(h, "up.bin", &size), FTP_E_PERM);
    CHECK_RC(h, ftp_rename(h, "no-such-file", "x"), FTP_E_PERM);
    CHECK_OK(h, ftp_delete(h, "moved.bin"));
    CHECK_OK(h, ftp_delete(h, "resumed.bin"));
    CHECK_OK(h, ftp_delete(h, "text.txt"));
    CHECK_RC(h, ftp_delete(h, "moved.bin"), FTP_E_PERM);
    snprintf(path, sizeof path, "%s/%s/moved.bin", s->user_root, dir);
    CHECK(access(path, F_OK) != 0);

    CHECK_OK(h, ftp_cwd(h, ".."));
    CHECK_OK(h, ftp_rmd(h, dir));
    CHECK_RC(h, ftp_rmd(h, dir), FTP_E_PERM);
    snprintf(path, sizeof path, "%s/%s", s->user_root, dir);
    CHECK(access(path, F_OK) != 0);

    /* Active-mode upload too. */
    CHECK_OK(h, ftp_set_pasv(h, false));
    struct t_src again = {big, big_len, 0, 0};
    snprintf(path, sizeof path, "%s/active.bin", s->user_root);
    if (s->no_active) {
        CHECK_RC(h, ftp_stor_binary(h, "STOR active.bin", t_src_read, 0, NULL, FTP_NO_REST, &again), FTP_E_PERM);
        CHECK(ftp_session_last_reply_code(h) == 502 && access(path, F_OK) != 0);
    } else {
        CHECK_OK(h, ftp_stor_binary(h, "STOR active.bin", t_src_read, 0, NULL, FTP_NO_REST, &again));
        CHECK(file_equals(path, big, big_len));
        CHECK_OK(h, ftp_delete(h, "active.bin"));
    }
    free(big);
    ftp_quit(h);
    ftp_free(h);
}

/* A name that is not UTF-8 (Latin-1 "café") goes to the server as the bytes given, and
 * comes back the same from NLST, so listings and commands round-trip. */
static int find_latin1(void *userdata, const char *line, size_t len) {
    bool *found = userdata;
    if (len == 8 && memcmp(line, "caf\xe9.txt", 8) == 0) *found = true;
    return 0;
}

/* "caf\xe9.txt" as a server that decodes names as UTF-8 stores it: the byte that is
 * no UTF-8 becomes U+FFFD. */
static const char replaced[] = "caf\xef\xbf\xbd.txt";

static int find_replaced(void *userdata, const char *line, size_t len) {
    bool *found = userdata;
    if (len == strlen(replaced) && memcmp(line, replaced, len) == 0) *found = true;
    return 0;
}

/* A name that is not UTF-8 (Latin-1 "caf\xe9.txt") goes out as the bytes given. A
 * server that takes names as bytes (s->raw_names) stores, lists, renames and deletes
 * it as such; the others (pyftpdlib, unftp, ftp-srv) decode it with U+FFFD for the
 * stray byte, which is then the file's name: libftp reports success and the session
 * stays in step. */
static void test_non_utf8_names(const struct server *s) {
    ftp_session *h = open_user(s);
    struct t_src src = {(const uint8_t *)"latin-1\n", 8, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, "STOR caf\xe9.txt", t_src_read, 0, NULL, FTP_NO_REST, &src));
    char path[4096], other[4096];
    snprintf(path, sizeof path, "%s/caf\xe9.txt", s->user_root);
    snprintf(other, sizeof other, "%s/%s", s->user_root, replaced);
    bool found = false;
    if (s->raw_names) {
        CHECK(file_equals(path, (const uint8_t *)"latin-1\n", 8));
        CHECK(access(other, F_OK) != 0);
        CHECK_OK(h, ftp_nlst(h, NULL, find_latin1, &found));
        CHECK(found);
        CHECK_OK(h, ftp_rename(h, "caf\xe9.txt", "caf\xe9-2.txt"));
        CHECK_OK(h, ftp_delete(h, "caf\xe9-2.txt"));
    } else {
        CHECK(access(path, F_OK) != 0);
        CHECK(file_equals(other, (const uint8_t *)"latin-1\n", 8));
        CHECK_OK(h, ftp_nlst(h, NULL, find_replaced, &found));
        CHECK(found);
        CHECK_OK(h, ftp_delete(h, replaced));
        CHECK(access(other, F_OK) != 0);
    }
    CHECK(access(path, F_OK) != 0);
    CHECK_OK(h, ftp_noop(h));
    ftp_quit(h);
    ftp_free(h);
}

struct log_seen {
    struct t_buf all;
    int cmd, resp, put, get;
};

static void on_log(void *userdata, ftp_log_kind kind, const char *line) {
    struct log_seen *l = userdata;
    if (kind == FTP_LOG_CMD) l->cmd++;
    if (kind == FTP_LOG_RESP) l->resp++;
    if (kind == FTP_LOG_PUT) l->put++;
    if (kind == FTP_LOG_GET) l->get++;
    t_buf_add(&l->all, line, strlen(line));
    t_buf_add(&l->all, "\n", 1);
}

static void test_debug_log(const struct server *s) {
    struct log_seen l = {{0}, 0, 0, 0, 0};
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_log_callback(h, on_log, &l));
    /* Exact counts below: the login alone, without the FEAT that follows by default. */
    CHECK_OK(h, ftp_set_feat_after_login(h, false));
    CHECK_OK(h, ftp_set_debuglevel(h, 1));
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
    CHECK_OK(h, ftp_login(h, s->user, s->pass, NULL));
    CHECK(l.cmd == 2 && l.resp == 3 && l.put == 0 && l.get == 0);
    CHECK(t_contains(l.all.data, l.all.len, "PASS *"));
    CHECK(!t_contains(l.all.data, l.all.len, s->pass));
    CHECK_OK(h, ftp_set_debuglevel(h, 2));
    CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    CHECK(l.put == 1 && l.get >= 1 && l.cmd == 3);
    CHECK_OK(h, ftp_set_debuglevel(h, 0));
    int before = l.cmd + l.resp + l.put + l.get;
    CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    CHECK(l.cmd + l.resp + l.put + l.get == before);
    CHECK_RC(h, ftp_set_debuglevel(h, -1), FTP_E_INVALID);
    ftp_quit(h);
    ftp_free(h);
    t_buf_free(&l.all);
}

struct race {
    ftp_session *h;
    volatile int in_callback;
    volatile int release;
    ftp_result other;
};

static int hold_in_callback(void *userdata, const uint8_t *buf, size_t len) {
    (void)buf;
    (void)len;
    struct race *r = userdata;
    r->in_callback = 1;
    while (!r->release) usleep(1000);
    return 0;
}

static void *other_thread(void *arg) {
    struct race *r = arg;
    while (!r->in_callback) usleep(1000);
    r->other = ftp_voidcmd(r->h, "NOOP"); /* the session is busy in the first thread */
    r->release = 1;
    return NULL;
}

static void test_threads(const struct server *s) {
    ftp_session *h = open_anon(s);
    struct race r = {h, 0, 0, FTP_OK};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, &r) == 0);
    CHECK_OK(h, ftp_retr_binary(h, "RETR hello.txt", hold_in_callback, 0, FTP_NO_REST, &r));
    pthread_join(t, NULL);
    CHECK(r.other == FTP_E_BUSY);
    CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    ftp_quit(h);
    ftp_free(h);
}

struct free_in_cb {
    ftp_session *h;
    int freed;
    struct t_buf got;
};

static int free_from_callback(void *userdata, const uint8_t *buf, size_t len) {
    struct free_in_cb *f = userdata;
    if (!f->freed) ftp_free(f->h); /* the running call keeps the session until it returns */
    f->freed = 1;
    t_buf_add(&f->got, buf, len); /* and its callbacks: this userdata must outlive the call */
    return 0;
}

/* A race whose held call also collects what it receives. */
struct race_collect {
    struct race r;
    struct t_buf got;
};

static int hold_and_collect(void *userdata, const uint8_t *buf, size_t len) {
    struct race_collect *rc = userdata;
    t_buf_add(&rc->got, buf, len);
    return hold_in_callback(&rc->r, buf, len);
}

static void *free_from_other_thread(void *arg) {
    struct race *r = arg;
    while (!r->in_callback) usleep(1000);
    ftp_free(r->h); /* the first thread is inside a call: freed when it returns */
    r->release = 1;
    return NULL;
}

/* ftp_free never frees under a running call: from the session's own callback, or from
 * another thread, the session goes when the call returns, and the call finishes. The
 * sanitizer and valgrind runs of this suite see no use after free and no leak. */
static void test_free_during_a_call(const struct server *s) {
    size_t len;
    uint8_t *want = anon_file(s, "hello.txt", &len);
    struct free_in_cb f = {open_anon(s), 0, {0}};
    CHECK(ftp_retr_binary(f.h, "RETR hello.txt", free_from_callback, 0, FTP_NO_REST, &f) == FTP_OK);
    CHECK(f.freed == 1 && f.got.len == len && memcmp(f.got.data, want, len) == 0);
    t_buf_free(&f.got);

    struct race_collect rc = {{open_anon(s), 0, 0, FTP_OK}, {0}};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, free_from_other_thread, &rc.r) == 0);
    CHECK(ftp_retr_binary(rc.r.h, "RETR hello.txt", hold_and_collect, 0, FTP_NO_REST, &rc) == FTP_OK);
    pthread_join(t, NULL);
    CHECK(rc.got.len == len && memcmp(rc.got.data, want, len) == 0);
    t_buf_free(&rc.got);
    free(want);
}

static void test_injection_refused(const struct server *s) {
    ftp_session *h = open_user(s);
    CHECK(ftp_session_last_reply_code(h) != 0);
    CHECK_RC(h, ftp_delete(h, "x\r\nRMD /"), FTP_E_INVALID);
    CHECK_RC(h, ftp_sendcmd(h, "NOOP\nQUIT"), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_binary(h, "RETR a\rb", t_collect, 0, FTP_NO_REST, NULL), FTP_E_INVALID);
    CHECK(strstr(ftp_session_last_error(h), "CR") != NULL);
    /* Nothing was sent, no reply read: "no reply", not the login's. */
    CHECK(ftp_session_last_reply_code(h) == 0 && strcmp(ftp_session_last_reply_text(h), "") == 0);
    CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
    ftp_quit(h);
    ftp_free(h);
}

/* Beyond ftplib: FEAT, SYST, STAT, SITE, ALLO, NOOP, MDTM/MFMT, CWD by levels, MKD -p;
 * on a session with separate timeouts and TCP keep-alive. */
static void test_extended_commands(const struct server *s) {
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_timeouts(h, 5000, 10000, 10000));
    CHECK_OK(h, ftp_set_keepalive(h, true, 30, 5));
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 0, NULL));
    CHECK_OK(h, ftp_login(h, s->user, s->pass, NULL));
    CHECK(ftp_session_last_reply_code(h) == 230);
    if (s->no_feat) {
        /* FEAT is a 500: nothing is known to be offered, and saying so is no error; the
         * rest works without it (SIZE and MDTM are there anyway, MFMT is not). */
        bool known = true;
        CHECK_OK(h, ftp_feature_lookup(h, "SIZE", &known, NULL));
        CHECK(!known && !ftp_has_feature(h, "SIZE") && !ftp_has_feature(h, "MDTM"));
        /* A server without FEAT (500) simply has no features (ftp.h: ftp_feat). */
        CHECK_OK(h, ftp_feat(h));
        CHECK(ftp_session_last_reply_code(h) == 500);
        CHECK(!ftp_has_feature(h, "SIZE"));
    } else {
        CHECK(ftp_has_feature(h, "SIZE") && ftp_has_feature(h, "size"));
        CHECK(ftp_has_feature(h, "MDTM"));
        CHECK(ftp_has_feature(h, "MLST") == s->has_mlsd);
        CHECK((ftp_feature_params(h, "MLST") != NULL) == s->has_mlsd);
        CHECK(!ftp_has_feature(h, "NO-SUCH-FEATURE"));
        /* ftp_feature_lookup tells "not listed" (FTP_OK, false) from a failure. */
        bool offered = false;
        const char *params = "unset";
        CHECK_OK(h, ftp_feature_lookup(h, "size", &offered, &params));
        CHECK(offered && params != NULL);
        CHECK_OK(h, ftp_feature_lookup(h, "MLST", &offered, &params));
        CHECK(offered == s->has_mlsd && (params != NULL) == s->has_mlsd);
        if (s->has_mlsd && !s->no_mlst_facts) CHECK(strstr(params, "size") != NULL || strstr(params, "Size") != NULL);
        CHECK_OK(h, ftp_feature_lookup(h, "NO-SUCH-FEATURE", &offered, &params));
        CHECK(!offered && params == NULL);
        offered = true;
        CHECK_OK(h, ftp_feature_lookup(h, "MDTM", &offered, NULL));
        CHECK(offered);
        CHECK_OK(h, ftp_feat(h));
    }
    CHECK_OK(h, ftp_noop(h));
    const char *syst = NULL;
    CHECK_OK(h, ftp_syst(h, &syst));
    CHECK(syst && strstr(syst, "UNIX") != NULL);
    struct t_buf lines = {0};
    CHECK_OK(h, ftp_stat(h, NULL, t_collect_line, &lines));
    CHECK(lines.len > 0);
    t_buf_free(&lines);
    if (s->no_site_help) {
        CHECK_RC(h, ftp_site(h, "HELP"), FTP_E_PERM);
        CHECK(ftp_session_last_reply_code(h) == 502);
    } else {
        CHECK_OK(h, ftp_site(h, "HELP"));
    }
    CHECK_OK(h, ftp_allo(h, 1000));

    /* MDTM of an upload agrees with the file on disk; MFMT where offered. */
    char dir[64], path[4096];
    snprintf(dir, sizeof dir, "x-%d", (int)getpid());
    struct t_src src = {(const uint8_t *)"timed\n", 6, 0, 0};
    char cmd[128];
    snprintf(cmd, sizeof cmd, "STOR %s.txt", dir);
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 0, NULL, FTP_NO_REST, &src));
    snprintf(cmd, sizeof cmd, "%s.txt", dir);
    snprintf(path, sizeof path, "%s/%s.txt", s->user_root, dir);
    struct stat st;
    int64_t secs = -1;
    uint32_t nanos = 1;
    CHECK_OK(h, ftp_mdtm(h, cmd, &secs, &nanos));
    CHECK(stat(path, &st) == 0 && secs == (int64_t)st.st_mtime);
    if (ftp_has_feature(h, "MFMT")) {
        CHECK_OK(h, ftp_mfmt(h, cmd, 981173106)); /* 2001-02-03 04:05:06 UTC */
        CHECK_OK(h, ftp_mdtm(h, cmd, &secs, NULL));
        CHECK(secs == 981173106);
        CHECK(stat(path, &st) == 0 && st.st_mtime == 981173106);
    } else {
        CHECK_RC(h, ftp_mfmt(h, cmd, 981173106), FTP_E_PERM);
    }
    CHECK_RC(h, ftp_mdtm(h, "no-such-file", &secs, NULL), FTP_E_PERM);
    CHECK_OK(h, ftp_delete(h, cmd));

    /* mkdir -p, twice (the second finds everything there), then CWD by levels. */
    char tree[128];
    snprintf(tree, sizeof tree, "%s/p/q r", dir);
    CHECK_OK(h, ftp_mkd_all(h, tree));
    snprintf(path, sizeof path, "%s/%s", s->user_root, tree);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_OK(h, ftp_mkd_all(h, tree));
    const char *pwd = NULL, *home = NULL;
    CHECK_OK(h, ftp_pwd(h, &home));
    char home_copy[4096];
    snprintf(home_copy, sizeof home_copy, "%s", home ? home : "");
    CHECK_OK(h, ftp_cwd_each(h, tree));
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK(pwd && strlen(pwd) >= 6 && strcmp(pwd + strlen(pwd) - 6, "/p/q r") == 0);
    CHECK_OK(h, ftp_cwd_each(h, home_copy));
    CHECK_OK(h, ftp_pwd(h, &pwd));
    CHECK(pwd && strcmp(pwd, home_copy) == 0);
    CHECK_OK(h, ftp_rmd(h, tree));
    snprintf(tree, sizeof tree, "%s/p", dir);
    CHECK_OK(h, ftp_rmd(h, tree));
    CHECK_OK(h, ftp_rmd(h, dir));
    ftp_quit(h);
    ftp_free(h);
}

struct progress_seen {
    int calls;
    uint64_t last_bytes;
    int64_t last_total;
    bool backwards;
    uint64_t stop_at; /* 0: never */
};

static int on_progress(void *userdata, uint64_t bytes, int64_t total, double rate) {
    struct progress_seen *p = userdata;
    (void)rate;
    if (bytes < p->last_bytes) p->backwards = true;
    p->calls++;
    p->last_bytes = bytes;
    p->last_total = total;
    return p->stop_at && bytes >= p->stop_at;
}

struct interrupter_arg {
    ftp_session *h;
    int delay_ms;
    int receiving; /* set by slow_sink once data flows */
};

/* Interrupts delay_ms after the first data arrived: a fixed delay from the start
 * could land before the 150 reply on a slow server, where an interrupt closes the
 * session instead. */
static void *interrupt_later(void *arg) {
    struct interrupter_arg *a = arg;
    for (int waited = 0; !__atomic_load_n(&a->receiving, __ATOMIC_SEQ_CST) && waited < 10000; waited++)
        usleep(1000); /* bounded: a call that fails before any data must not hang the test */
    usleep((useconds_t)a->delay_ms * 1000);
    ftp_interrupt(a->h);
    return NULL;
}

static int slow_sink(void *userdata, const uint8_t *buf, size_t len) {
    (void)buf, (void)len;
    struct interrupter_arg *a = userdata;
    __atomic_store_n(&a->receiving, 1, __ATOMIC_SEQ_CST);
    usleep(2000); /* a slow consumer, so the transfer is still running when interrupted */
    return 0;
}

/* Progress reports, a cancel through them, and ftp_interrupt from another thread. */
static void test_progress_and_interrupt(const struct server *s) {
    uint64_t big_size = strtoull(t_need("BIG_SIZE"), NULL, 10);
    ftp_session *h = open_anon(s);
    struct progress_seen p = {0, 0, 0, false, 0};
    CHECK_OK(h, ftp_set_progress_callback(h, on_progress, &p, 0));
    CHECK_OK(h, ftp_retr_binary(h, "RETR big.bin", t_collect_discard, 65536, FTP_NO_REST, NULL));
    CHECK(p.calls > 1 && !p.backwards && p.last_bytes == big_size);
    CHECK(p.last_total == -1 || p.last_total == (int64_t)big_size);
    if (strcmp(s->name, "vsftpd") == 0) CHECK(p.last_total == (int64_t)big_size);

    memset(&p, 0, sizeof p);
    p.stop_at = 1000000;
    check_ended(s, h, ftp_retr_binary(h, "RETR big.bin", t_collect_discard, 65536, FTP_NO_REST, NULL),
                FTP_E_CANCELLED, "cancelled");
    CHECK(p.last_bytes >= 1000000 && p.last_bytes < big_size);
    CHECK_OK(h, ftp_set_progress_callback(h, NULL, NULL, 0));
    CHECK_OK(h, ftp_noop(h));

    pthread_t t;
    struct interrupter_arg a = {h, 50, 0};
    CHECK(pthread_create(&t, NULL, interrupt_later, &a) == 0);
    ftp_result irc = ftp_retr_binary(h, "RETR big.bin", slow_sink, 8192, FTP_NO_REST, &a);
    pthread_join(t, NULL);
    CHECK(strstr(ftp_session_last_error(h), "interrupted") != NULL);
    check_ended(s, h, irc, FTP_E_INTERRUPTED, "interrupted");
    CHECK_OK(h, ftp_noop(h));
    /* Between calls an interrupt does nothing: the connection and the next call go on. */
    CHECK_OK(h, ftp_interrupt(h));
    CHECK_OK(h, ftp_noop(h));
    struct t_buf got = {0};
    CHECK_OK(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got));
    CHECK(got.len == 13);
    t_buf_free(&got);
    ftp_quit(h);
    ftp_free(h);
}

/* Listings as data: MLSD where offered, LIST parsed otherwise; checked against disk. */
static void test_list_entries(const struct server *s) {
    ftp_session *h = open_lister(s);
    ftp_entry_list *l = NULL;
    CHECK_OK(h, ftp_list_all(h, NULL, &l));
    bool big = false, dir = false, space = false;
    char path[4096];
    for (size_t i = 0; i < ftp_entry_list_len(l); i++) {
        const ftp_entry *e = ftp_entry_list_get(l, i);
        const char *name = ftp_entry_name(e, NULL);
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", s->anon_root, name);
        if (strcmp(name, "big.bin") == 0) {
            uint64_t size = 0;
            int64_t secs = 0;
            big = ftp_entry_kind(e) == FTP_ENTRY_FILE && ftp_entry_size(e, &size) &&
                  size == strtoull(t_need("BIG_SIZE"), NULL, 10) && ftp_entry_mtime(e, &secs, NULL) &&
                  stat(path, &st) == 0 && (s->has_mlsd ? secs == (int64_t)st.st_mtime : secs / 60 == st.st_mtime / 60);
            CHECK(ftp_entry_mode(e) == -1 || (ftp_entry_mode(e) & 0777) == (int)(st.st_mode & 0777));
            /* MLSD servers give perm (vsftpd has no MLSD), unique, or both (pure-ftpd: unique). */
            if (s->has_mlsd && !s->no_mlst_facts) CHECK(ftp_entry_perm(e) != NULL || ftp_entry_unique(e) != NULL);
        }
        if (strcmp(name, "dir1") == 0) dir = ftp_entry_kind(e) == FTP_ENTRY_DIR;
        if (strcmp(name, "with space.txt") == 0) space = ftp_entry_kind(e) == FTP_ENTRY_FILE;
        CHECK(ftp_entry_kind(e) != FTP_ENTRY_UNKNOWN);
    }
    CHECK(big && dir && space);
    ftp_entry_list_free(l);
    /* The 1.0 name, ftp_list_get, is the same function. */
    CHECK_OK(h, ftp_list_get(h, "dir1", &l));
    int files = 0;
    for (size_t i = 0; i < ftp_entry_list_len(l); i++)
        files += ftp_entry_kind(ftp_entry_list_get(l, i)) == FTP_ENTRY_FILE;
    CHECK(files == 2);
    ftp_entry_list_free(l);
    ftp_quit(h);
    ftp_free(h);
}

/* Whole-file helpers: upload with size check and mtime, atomic download with mtime,
 * resumed download and upload, the fd variants and appends; bytes compared on both
 * sides. */
static void test_file_helpers(const struct server *s) {
    size_t big_len;
    uint8_t *big = anon_file(s, "big.bin", &big_len);
    if (!big) return;
    char dir[] = "/tmp/libftp-files-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char local[4200], local2[4200], remote[64], on_disk[4200];
    snprintf(local, sizeof local, "%s/src.bin", dir);
    snprintf(local2, sizeof local2, "%s/copy.bin", dir);
    snprintf(remote, sizeof remote, "fh-%d.bin", (int)getpid());
    snprintf(on_disk, sizeof on_disk, "%s/%s", s->user_root, remote);
    CHECK(t_write_file(local, big, big_len));
    struct timespec old[2] = {{981173106, 0}, {981173106, 0}}; /* 2001-02-03 04:05:06 UTC */
    CHECK(utimensat(AT_FDCWD, local, old, 0) == 0);

    ftp_session *h = open_user(s);
    uint64_t n = 0;
    CHECK_OK(h, ftp_stor_file(h, local, remote, FTP_FILE_VERIFY_SIZE | FTP_FILE_PRESERVE_MTIME, &n));
    CHECK(n == big_len && file_equals(on_disk, big, big_len));
    struct stat st;
    if (ftp_has_feature(h, "MFMT")) CHECK(stat(on_disk, &st) == 0 && st.st_mtime == 981173106);

    /* Atomic download with the server's time; no .part left behind. */
    CHECK_OK(h, ftp_retr_file(h, remote, local2, FTP_FILE_ATOMIC | FTP_FILE_VERIFY_SIZE | FTP_FILE_PRESERVE_MTIME, &n));
    CHECK(n == big_len && file_equals(local2, big, big_len));
    struct stat remote_st;
    CHECK(stat(local2, &st) == 0 && stat(on_disk, &remote_st) == 0 && st.st_mtime == remote_st.st_mtime);
    char part[4300];
    snprintf(part, sizeof part, "%s.part", local2);
    CHECK(access(part, F_OK) != 0);

    /* The read/write path gives the same bytes as splice, and sendfile uploads the
     * same bytes as read/write. */
    CHECK_OK(h, ftp_set_zero_copy(h, false, true));
    CHECK_OK(h, ftp_retr_file(h, remote, local2, 0, &n));
    CHECK(n == big_len && file_equals(local2, big, big_len));
    CHECK_OK(h, ftp_stor_file(h, local2, remote, 0, &n));
    CHECK(n == big_len && file_equals(on_disk, big, big_len));
    CHECK_OK(h, ftp_set_zero_copy(h, true, false));

    /* Resumed download: a .part with the first megabyte is continued with REST. */
    unlink(local2);
    CHECK(t_write_file(part, big, 1000000));
    CHECK_OK(h, ftp_retr_file(h, remote, local2, FTP_FILE_ATOMIC | FTP_FILE_RESUME | FTP_FILE_VERIFY_SIZE, &n));
    CHECK(n == big_len - 1000000 && file_equals(local2, big, big_len));

    /* Resumed upload: half is there, the rest follows. */
    CHECK_OK(h, ftp_delete(h, remote));
    struct t_src half = {big, big_len / 2, 0, 0};
    char cmd[128];
    snprintf(cmd, sizeof cmd, "STOR %s", remote);
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 0, NULL, FTP_NO_REST, &half));
    CHECK_OK(h, ftp_stor_file(h, local, remote, FTP_FILE_RESUME | FTP_FILE_VERIFY_SIZE, &n));
    CHECK(n == big_len - big_len / 2 && file_equals(on_disk, big, big_len));

    /* File descriptors: download into one, upload from one. */
    int fd = open(local2, O_RDWR | O_TRUNC);
    CHECK(fd >= 0);
    CHECK_OK(h, ftp_retr_fd(h, remote, fd, FTP_NO_REST, &n));
    CHECK(n == big_len && file_equals(local2, big, big_len));
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK_OK(h, ftp_stor_fd(h, fd, remote, FTP_NO_REST, &n));
    CHECK(n == big_len && file_equals(on_disk, big, big_len));
    CHECK(fcntl(fd, F_GETFD) != -1); /* still open: the caller's */
    close(fd);

    /* Appending: APPE creates the missing file, then adds a second copy (by sendfile,
     * so both upload paths append); the size check counts what was there before. */
    CHECK_OK(h, ftp_delete(h, remote));
    CHECK_OK(h, ftp_stor_file(h, local, remote, FTP_FILE_APPEND | FTP_FILE_VERIFY_SIZE, &n));
    CHECK(n == big_len && file_equals(on_disk, big, big_len));
    CHECK_OK(h, ftp_set_zero_copy(h, true, true));
    CHECK_OK(h, ftp_stor_file(h, local, remote, FTP_FILE_APPEND | FTP_FILE_VERIFY_SIZE, &n));
    CHECK_OK(h, ftp_set_zero_copy(h, true, false));
    uint8_t *twice = malloc(2 * big_len);
    CHECK(twice != NULL);
    if (twice) {
        memcpy(twice, big, big_len);
        memcpy(twice + big_len, big, big_len);
        CHECK(n == big_len && file_equals(on_disk, twice, 2 * big_len));
        free(twice);
    }
    CHECK_RC(h, ftp_stor_file(h, local, remote, FTP_FILE_APPEND | FTP_FILE_RESUME, NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_file(h, remote, local2, FTP_FILE_APPEND, NULL), FTP_E_INVALID);

    CHECK_RC(h, ftp_retr_fd(h, remote, -1, FTP_NO_REST, NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_file(h, remote, local2, 0x100, NULL), FTP_E_INVALID);
    CHECK_RC(h, ftp_retr_file(h, remote, "/nonexistent-dir/x", 0, NULL), FTP_E_IO);
    CHECK(strstr(ftp_session_last_error(h), "/nonexistent-dir/x") != NULL);

    CHECK_OK(h, ftp_delete(h, remote));
    ftp_quit(h);
    ftp_free(h);
    unlink(local);
    unlink(local2);
    rmdir(dir);
    free(big);
}

/* Commands sent, from the trace (FTP_LOG_CMD lines), joined by '|'. */
struct sent_log {
    char text[4096];
};

static void log_sent(void *userdata, ftp_log_kind kind, const char *line) {
    struct sent_log *l = userdata;
    if (kind != FTP_LOG_CMD) return;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s|", line);
}

/* Passive modes, both ABOR forms during a download, the source port, and "no reply"
 * after a local failure (issue 24 items 2, 3, 4, 12). */
static void test_replies_and_modes(const struct server *s) {
    size_t want_len = 0;
    uint8_t *want = anon_file(s, "hello.txt", &want_len);
    static const struct {
        int mode;
        const char *sent;     /* expected in the trace */
        const char *not_sent; /* never in the trace */
    } modes[] = {
        {FTP_PASSIVE_PASV_ONLY, "|PASV|", "EPSV"},
        {FTP_PASSIVE_EPSV_ONLY, "|EPSV|", "PASV"},
        {FTP_PASSIVE_EPSV_THEN_PASV, "|EPSV|", "PASV"},
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        ftp_session *h = ftp_new();
        struct sent_log sent = {{'|', 0}};
        CHECK_OK(h, ftp_set_log_callback(h, log_sent, &sent));
        CHECK_OK(h, ftp_set_debuglevel(h, 1));
        CHECK_OK(h, ftp_set_passive_mode(h, modes[i].mode));
        CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, NULL));
        CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
        for (int round = 0; round < 2; round++) {
            struct t_buf got = {0};
            CHECK_OK(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got));
            CHECK(got.len == want_len && memcmp(got.data, want, want_len) == 0);
            t_buf_free(&got);
        }
        CHECK(strstr(sent.text, modes[i].sent) != NULL);
        CHECK(strstr(sent.text, modes[i].not_sent) == NULL);
        ftp_quit(h);
        ftp_free(h);
    }

    /* ABOR in both forms in the middle of a download: answered, and in step. */
    for (int urgent = 0; urgent < 2; urgent++) {
        ftp_session *h = open_anon(s);
        CHECK_OK(h, ftp_set_abort_urgent(h, urgent));
        CHECK_OK(h, ftp_voidcmd(h, "TYPE I"));
        ftp_data *d = NULL;
        CHECK_OK(h, ftp_transfercmd(h, "RETR big.bin", FTP_NO_REST, &d));
        uint8_t buf[1000];
        size_t n = 0;
        CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
        CHECK(n > 0);
        if (urgent && s->urgent_abort_ends_session) {
            /* Refused, and the connection ended: libftp says so, the session closed.
             * unftp ends it with a close or a reset, or (rarely) leaves it silent
             * after a 426, when the ABOR's reply times out (docs/servers.md). */
            ftp_result arc = ftp_abort(h);
            CHECK(arc == FTP_E_CLOSED || arc == FTP_E_IO || arc == FTP_E_TIMEOUT);
            ftp_data_free(d);
            CHECK_RC(h, ftp_noop(h), FTP_E_STATE);
            ftp_free(h);
            continue;
        }
        CHECK_OK(h, ftp_abort(h));
        int code = ftp_session_last_reply_code(h);
        /* pure-ftpd answers the urgent form with a 150 summary only. */
        CHECK(code == 225 || code == 226 || (code == 150 && urgent && strcmp(s->name, "pure-ftpd") == 0) ||
              (code == 551 && s->abor_answered_late));
        ftp_data_free(d);
        check_noop_after_abort(h);
        /* A callback cancelling: the cleanup's ABOR in this form too. */
        struct cancel_ctx c = {h, 0, FTP_OK};
        check_ended(s, h, ftp_retr_binary(h, "RETR big.bin", cancel_after_first, 0, FTP_NO_REST, &c),
                    FTP_E_CANCELLED, "cancelled by callback");
        check_noop_after_abort(h);
        ftp_quit(h);
        ftp_free(h);
    }

    /* The source port binds the control connection: the port is then taken. */
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    CHECK(probe >= 0 && bind(probe, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(probe, (struct sockaddr *)&a, &alen) == 0);
    close(probe); /* a free port, unbound again */
    uint16_t port = ntohs(a.sin_port);
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_source_port(h, port));
    CHECK_OK(h, ftp_connect(h, s->host, s->port, 10000, "127.0.0.1"));
    probe = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(probe >= 0 && bind(probe, (struct sockaddr *)&a, sizeof a) != 0);
    close(probe);
    CHECK_OK(h, ftp_login(h, NULL, NULL, NULL));
    /* Data connections take another port: a download works. */
    struct t_buf got = {0};
    CHECK_OK(h, ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got));
    CHECK(got.len == want_len);
    t_buf_free(&got);

    /* "No reply" after a failure the server did not answer: a 550 first ... */
    CHECK_RC(h, ftp_retr_binary(h, "RETR no-such-file.txt", t_collect, 0, FTP_NO_REST, &got), FTP_E_PERM);
    t_buf_free(&got);
    CHECK(ftp_session_last_reply_code(h) == (s->os_error_replies ? 551 : 550));
    /* ... then a local file that cannot be opened: no reply, not the old 550. */
    CHECK(ftp_retr_file(h, "hello.txt", "/nonexistent-dir-libftp/x", 0, NULL) != FTP_OK);
    CHECK(ftp_session_last_reply_code(h) == 0);
    CHECK(strcmp(ftp_session_last_reply_text(h), "") == 0);
    CHECK(strlen(ftp_session_last_error(h)) > 0);
    /* The next reply shows again. */
    CHECK_OK(h, ftp_noop(h));
    CHECK(ftp_session_last_reply_code(h) == 200);
    ftp_quit(h);
    ftp_free(h);
    free(want);
}

struct mirror_seen {
    int get, put, failed;
    char failed_path[64];
};

static int on_mirror(void *userdata, ftp_mirror_action a, const char *path, size_t len, int64_t size) {
    struct mirror_seen *m = userdata;
    (void)size;
    if (a == FTP_MIRROR_GET) m->get++;
    if (a == FTP_MIRROR_PUT) m->put++;
    if (a == FTP_MIRROR_FAILED) {
        m->failed++;
        snprintf(m->failed_path, sizeof m->failed_path, "%.*s", (int)len, path);
    }
    return 0;
}

/* A tree uploaded and mirrored back over 3 sessions (ftp_set_mirror_parallel), then
 * again with one file the server cannot read: the mirror goes on, reports the file as
 * FTP_MIRROR_FAILED and returns its code, and ftp_mirror_failure() tells why. */
static void test_mirror_parallel_and_failures(const struct server *s) {
    char local[200], back[256], remote[64], path[512];
    snprintf(local, sizeof local, "/tmp/libftp-cmirror-%s-%d", s->name, (int)getpid());
    snprintf(back, sizeof back, "%s-back", local);
    snprintf(remote, sizeof remote, "cmirror-%d", (int)getpid());
    CHECK(mkdir(local, 0755) == 0);
    for (int i = 0; i < 12; i++) {
        char data[600];
        memset(data, 'a' + i, sizeof data);
        snprintf(path, sizeof path, "%s/f%02d", local, i);
        CHECK(t_write_file(path, data, sizeof data - (size_t)i));
    }
    ftp_session *h = open_user(s);
    CHECK_RC(h, ftp_set_mirror_parallel(h, 65), FTP_E_INVALID);
    CHECK_OK(h, ftp_set_mirror_parallel(h, 3));
    CHECK(ftp_mirror_failure_count(h) == 0);
    struct mirror_seen up = {0};
    uint64_t files = 0, bytes = 0;
    CHECK_OK(h, ftp_mirror_upload(h, local, remote, 0, NULL, on_mirror, &up, &files, &bytes));
    CHECK(up.put == 12 && files == 12 && bytes == 12 * 600 - 66 && up.failed == 0);

    /* One file the server's user cannot read (pyftpdlib runs as the files' owner). */
    bool locks = strcmp(s->name, "pyftpdlib") != 0 && !s->as_root;
    snprintf(path, sizeof path, "%s/%s/f05", s->user_root, remote);
    if (locks) CHECK(chmod(path, 0) == 0);
    struct mirror_seen down = {0};
    files = bytes = 0;
    ftp_result rc = ftp_mirror(h, remote, back, 0, NULL, on_mirror, &down, &files, &bytes);
    if (locks) {
        CHECK_RC(h, rc, FTP_E_PERM);
        CHECK(strstr(ftp_session_last_error(h), "1 entry failed") != NULL);
        CHECK(down.get == 11 && files == 11 && down.failed == 1 && strcmp(down.failed_path, "f05") == 0);
        CHECK(ftp_mirror_failure_count(h) == 1);
        const char *fpath = NULL;
        size_t flen = 0;
        ftp_result code = FTP_OK;
        int reply = 0;
        const char *why = ftp_mirror_failure(h, 0, &fpath, &flen, &code, &reply);
        CHECK(why != NULL && strstr(why, "550") != NULL);
        CHECK(flen == 3 && memcmp(fpath, "f05", 4) == 0 && code == FTP_E_PERM && reply == 550);
        CHECK(ftp_mirror_failure(h, 1, &fpath, &flen, &code, &reply) == NULL);
        snprintf(path, sizeof path, "%s/f05", back);
        CHECK(access(path, F_OK) != 0);
        snprintf(path, sizeof path, "%s/%s/f05", s->user_root, remote);
        CHECK(chmod(path, 0644) == 0);
    } else {
        CHECK_OK(h, rc);
        CHECK(down.get == 12 && ftp_mirror_failure_count(h) == 0);
    }
    /* Every file that came is the one sent. */
    for (int i = 0; i < 12; i++) {
        size_t a = 0, b = 0;
        snprintf(path, sizeof path, "%s/f%02d", back, i);
        uint8_t *got = t_read_file(path, &b);
        if (locks && i == 5) {
            CHECK(got == NULL);
            continue;
        }
        snprintf(path, sizeof path, "%s/f%02d", local, i);
        uint8_t *want = t_read_file(path, &a);
        CHECK(got && want && a == b && memcmp(got, want, a) == 0);
        free(got);
        free(want);
    }
    /* A clean re-run forgets the failures. */
    CHECK_OK(h, ftp_mirror(h, remote, back, 0, NULL, NULL, NULL, &files, NULL));
    CHECK(ftp_mirror_failure_count(h) == 0);
    CHECK(ftp_mirror_failure_count(NULL) == 0 && ftp_mirror_failure(NULL, 0, NULL, NULL, NULL, NULL) == NULL);
    CHECK_RC(NULL, ftp_set_mirror_parallel(NULL, 2), FTP_E_NULL);
    ftp_quit(h);
    ftp_free(h);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s/%s'", local, back, s->user_root, remote);
    CHECK(system(cmd) == 0);
}

/* --- The compatibility table (docs/servers.md) ------------------------------------
 * One probe per capability, each checked (a server that should have it must have it,
 * one that lacks it must get libftp's right error or fallback), and the outcome written
 * to compat-<server>.txt next to the env file (or in $LIBFTP_COMPAT_DIR) as
 * "capability value" lines; tests/servers/compat-table.py turns those into the table. */
struct compat_out {
    FILE *f;
};

static void compat_put(struct compat_out *o, const char *cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void compat_put(struct compat_out *o, const char *cap, const char *fmt, ...) {
    if (!o->f) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(o->f, "%s ", cap);
    vfprintf(o->f, fmt, ap);
    fputc('\n', o->f);
    va_end(ap);
}

static bool compat_download(const struct server *s, int mode, bool passive, ftp_result *rc_out) {
    ftp_session *h = open_anon(s);
    CHECK_OK(h, ftp_set_passive_mode(h, mode));
    CHECK_OK(h, ftp_set_pasv(h, passive));
    struct t_buf got = {0};
    ftp_result rc = ftp_retr_binary(h, "RETR hello.txt", t_collect, 0, FTP_NO_REST, &got);
    bool ok = rc == FTP_OK && got.len == 13 && memcmp(got.data, "hello, world\n", 13) == 0;
    t_buf_free(&got);
    *rc_out = rc;
    ftp_quit(h);
    ftp_free(h);
    return ok;
}

/* The FTPS instance of each server, from the env file: explicit and implicit ports. */
static const struct {
    const char *name, *explicit_port, *implicit_port;
} tls_ports[] = {
    {"vsftpd", "VSFTPS_PORT", "VSFTPS_IMPLICIT_PORT"},
    {"proftpd", "PROFTPS_PORT", "PROFTPS_IMPLICIT_PORT"},
    {"pure-ftpd", "PUREFTPS_PORT", NULL},
    {"pyftpdlib", "PYFTPS_PORT", NULL},
    {"netkit", "NETKIT_TLS_PORT", NULL},
    {"ftp-srv", "FTPSRVS_PORT", "FTPSRV_IMPLICIT_PORT"},
    {"unftp", "UNFTPS_PORT", NULL},
};

/* A TLS login and a listing over a protected data connection; then CCC. */
static void compat_tls(const struct server *s, struct compat_out *o, int mode, const char *port_key) {
    const char *what = mode == FTP_TLS_IMPLICIT ? "tls_implicit" : "tls_explicit";
    const char *port = port_key ? t_env(port_key) : NULL;
    if (!port) {
        /* No FTPS instance of this server here: not tested. */
        compat_put(o, what, "-");
        if (mode == FTP_TLS_EXPLICIT) {
            compat_put(o, "tls_reuse", "-");
            compat_put(o, "ccc", "-");
        }
        return;
    }
    uint16_t port_num = (uint16_t)atoi(port); /* before the next t_env/t_need call */
    ftp_tls_config *cfg = ftp_tls_config_new();
    CHECK_OK(NULL, ftp_tls_config_set_ca_file(cfg, t_need("CA_FILE")));
    ftp_session *h = ftp_new();
    CHECK_OK(h, ftp_set_tls(h, mode, cfg));
    ftp_tls_config_free(cfg);
    ftp_result rc = ftp_connect(h, s->host, port_num, 10000, NULL);
    for (int tries = 1; s->auth_tls_race && rc == FTP_E_TLS_REQUIRED && tries < 10; tries++) {
        /* ftp-srv's race: the ClientHello was read as a command, and what came back
         * was no TLS; libftp said so (FTP_E_TLS_REQUIRED, "did not answer in TLS"). */
        CHECK(strstr(ftp_session_last_error(h), "did not answer in TLS") != NULL);
        usleep(200 * 1000);
        rc = ftp_connect(h, s->host, port_num, 10000, NULL);
    }
    if (strcmp(s->name, "netkit") == 0) {
        /* Debian's ftpd-ssl offers AUTH TLS but never loads its certificate: the
         * handshake fails on the server's side, which libftp reports as a TLS error
         * with the connection closed (docs/servers.md). */
        CHECK_RC(h, rc, FTP_E_TLS);
        CHECK_RC(h, ftp_voidcmd(h, "NOOP"), FTP_E_STATE);
        compat_put(o, what, "no (handshake fails: server loads no certificate)");
        compat_put(o, "tls_reuse", "-");
        compat_put(o, "ccc", "-");
        ftp_free(h);
        return;
    }
    CHECK_OK(h, rc);
    CHECK_OK(h, ftp_login(h, s->user, s->pass, NULL));
    struct t_buf lines = {0};
    ftp_result lrc = ftp_dir(h, NULL, t_collect_line, &lines);
    CHECK_OK(h, lrc);
    t_buf_free(&lines);
    if (lrc == FTP_OK) {
        compat_put(o, what, "yes");
    } else {
        compat_put(o, what, "login only (protected LIST: %d)", ftp_session_last_reply_code(h));
    }
    if (mode == FTP_TLS_EXPLICIT) {
        int resumed = ftp_session_data_tls_resumed(h);
        CHECK(resumed == 0 || resumed == 1);
        compat_put(o, "tls_reuse", "%s", resumed == 1 ? "yes" : "no");
        ftp_result ccc = ftp_ccc(h);
        int code = ftp_session_last_reply_code(h);
        if (ccc == FTP_OK) {
            /* The control connection is plain again and still in step. */
            CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
            compat_put(o, "ccc", "yes");
        } else {
            /* Refused with a 5xx: the session stays protected and usable. */
            CHECK_RC(h, ccc, FTP_E_PERM);
            CHECK(code / 100 == 5);
            CHECK_OK(h, ftp_voidcmd(h, "NOOP"));
            compat_put(o, "ccc", "no (%d)", code);
        }
    }
    ftp_quit(h);
    ftp_free(h);
}

static int find_utf8_name(void *userdata, const char *line, size_t len) {
    bool *found = userdata;
    static const char name[] = "caf\xc3\xa9 \xc3\xbc.txt";
    if (len == sizeof name - 1 && memcmp(line, name, len) == 0) *found = true;
    return 0;
}

static void test_compat(const struct server *s) {
    char path[4096];
    const char *dir = getenv("LIBFTP_COMPAT_DIR");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/compat-%s.txt", dir, s->name);
    } else {
        snprintf(path, sizeof path, "%s/compat-%s.txt", t_need("WORKDIR"), s->name);
    }
    struct compat_out o = {fopen(path, "w")};
    CHECK(o.f != NULL);

    /* login: anonymous and the test user. */
    ftp_session *h = open_anon(s);
    CHECK(ftp_session_last_reply_code(h) == 230);
    ftp_quit(h);
    ftp_free(h);
    h = open_user(s);
    CHECK(ftp_session_last_reply_code(h) == 230);
    compat_put(&o, "login", "yes");

    /* The data connection modes: each alone. */
    ftp_result rc;
    bool epsv = compat_download(s, FTP_PASSIVE_EPSV_ONLY, true, &rc);
    if (!epsv) CHECK_RC(NULL, rc, FTP_E_PERM);
    compat_put(&o, "epsv", "%s", epsv ? "yes" : "no");
    bool pasv = compat_download(s, FTP_PASSIVE_PASV_ONLY, true, &rc);
    CHECK(pasv);
    compat_put(&o, "pasv", "%s", pasv ? "yes" : "no");
    bool active = compat_download(s, FTP_PASSIVE_EPSV_THEN_PASV, false, &rc);
    CHECK(active == !s->no_active);
    if (!active) CHECK_RC(NULL, rc, FTP_E_PERM);
    compat_put(&o, "active", "%s", active ? "yes" : "no");

    /* REST: the rest of a file from an offset. */
    struct t_buf got = {0};
    ftp_session *a = open_anon(s);
    rc = ftp_retr_binary(a, "RETR hello.txt", t_collect, 0, 7, &got);
    bool rest = rc == FTP_OK && got.len == 6 && memcmp(got.data, "world\n", 6) == 0;
    CHECK(rest);
    t_buf_free(&got);
    compat_put(&o, "rest", "%s", rest ? "yes" : "no");

    /* MLSD, or the LIST fallback parsed. */
    struct mlsd_seen m = {0};
    rc = ftp_mlsd(a, NULL, NULL, on_mlsd, &m);
    CHECK(rc == (s->has_mlsd ? FTP_OK : FTP_E_PERM));
    ftp_entry_list *l = NULL;
    ftp_session *lister = open_lister(s);
    CHECK_OK(lister, ftp_list_all(lister, NULL, &l));
    ftp_quit(lister);
    ftp_free(lister);
    bool parsed = false;
    for (size_t i = 0; i < ftp_entry_list_len(l); i++) {
        const ftp_entry *e = ftp_entry_list_get(l, i);
        uint64_t size = 0;
        if (strcmp(ftp_entry_name(e, NULL), "big.bin") == 0)
            parsed = ftp_entry_size(e, &size) && size == strtoull(t_need("BIG_SIZE"), NULL, 10);
    }
    ftp_entry_list_free(l);
    CHECK(parsed);
    compat_put(&o, "mlsd", "%s",
               rc == FTP_OK ? "yes" : s->anon_list_empty ? "no (LIST parsed; anonymous LIST empty)" : "no (LIST parsed)");

    /* MDTM (against the file on disk) and MFMT (on an upload). */
    struct stat st;
    int64_t secs = -1;
    snprintf(path, sizeof path, "%s/hello.txt", s->anon_root);
    CHECK_OK(a, ftp_mdtm(a, "hello.txt", &secs, NULL));
    CHECK(stat(path, &st) == 0 && secs == (int64_t)st.st_mtime);
    char name[64];
    snprintf(name, sizeof name, "compat-%d.txt", (int)getpid());
    struct t_src src = {(const uint8_t *)"compat\n", 7, 0, 0};
    char cmd[128];
    snprintf(cmd, sizeof cmd, "STOR %s", name);
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 0, NULL, FTP_NO_REST, &src));
    rc = ftp_mfmt(h, name, 981173106);
    snprintf(path, sizeof path, "%s/%s", s->user_root, name);
    bool mfmt = rc == FTP_OK && stat(path, &st) == 0 && st.st_mtime == 981173106;
    if (!mfmt) CHECK_RC(h, rc, FTP_E_PERM);
    CHECK(mfmt == ftp_has_feature(h, "MFMT"));
    compat_put(&o, "mdtm_mfmt", "%s", mfmt ? "MDTM, MFMT" : "MDTM only");
    CHECK_OK(h, ftp_delete(h, name));

    /* SIZE, exact for a binary file whatever TYPE the session was in. */
    int64_t size = -1;
    CHECK_OK(a, ftp_voidcmd(a, "TYPE A"));
    CHECK_OK(a, ftp_size(a, "big.bin", &size));
    CHECK(size == (int64_t)strtoll(t_need("BIG_SIZE"), NULL, 10));
    compat_put(&o, "size", "%s", size == (int64_t)strtoll(t_need("BIG_SIZE"), NULL, 10) ? "yes" : "no");

    /* ABOR in the middle of a download: the reply that ends it. */
    CHECK_OK(a, ftp_voidcmd(a, "TYPE I"));
    ftp_data *d = NULL;
    CHECK_OK(a, ftp_transfercmd(a, "RETR big.bin", FTP_NO_REST, &d));
    uint8_t buf[1000];
    size_t n = 0;
    CHECK_OK(NULL, ftp_data_read(d, buf, sizeof buf, &n));
    ftp_result arc = ftp_abort(a);
    CHECK_OK(a, arc);
    int code = ftp_session_last_reply_code(a);
    CHECK(code == 225 || code == 226 || (code == 551 && s->abor_answered_late));
    ftp_data_free(d);
    check_noop_after_abort(a);
    /* No reply code in the table: 225 or 226 depends on whether the server had
     * already handed the whole file to the kernel when the ABOR came (a race). */
    if (arc == FTP_OK) {
        compat_put(&o, "abor", "yes");
    } else {
        compat_put(&o, "abor", "no (libftp error %d)", (int)arc);
    }
    ftp_quit(a);
    ftp_free(a);

    /* UTF-8 names: stored as sent, listed back the same. */
    static const char utf8[] = "caf\xc3\xa9 \xc3\xbc.txt";
    snprintf(cmd, sizeof cmd, "STOR %s", utf8);
    struct t_src usrc = {(const uint8_t *)"utf8\n", 5, 0, 0};
    CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 0, NULL, FTP_NO_REST, &usrc));
    snprintf(path, sizeof path, "%s/%s", s->user_root, utf8);
    bool on_disk = access(path, F_OK) == 0;
    bool listed = false;
    CHECK_OK(h, ftp_nlst(h, NULL, find_utf8_name, &listed));
    CHECK(on_disk && listed);
    CHECK_OK(h, ftp_delete(h, utf8));
    compat_put(&o, "utf8", "%s", on_disk && listed ? "yes" : "no");
    ftp_quit(h);
    ftp_free(h);

    /* FTPS. */
    const char *explicit_key = NULL, *implicit_key = NULL;
    for (size_t i = 0; i < sizeof tls_ports / sizeof tls_ports[0]; i++) {
        if (strcmp(tls_ports[i].name, s->name) == 0) {
            explicit_key = tls_ports[i].explicit_port;
            implicit_key = tls_ports[i].implicit_port;
        }
    }
    compat_tls(s, &o, FTP_TLS_EXPLICIT, explicit_key);
    compat_tls(s, &o, FTP_TLS_IMPLICIT, implicit_key);
    if (o.f) fclose(o.f);
}

static void test_download_passive(const struct server *s) {
    test_download(s, true);
}

static void test_download_active(const struct server *s) {
    test_download(s, false);
}

/* --- issue 24: atomic uploads, trees, MLST, LIST times, progress totals ------------- */

static int cancel_at_first_report(void *userdata, uint64_t bytes, int64_t total, double rate) {
    (void)userdata, (void)total, (void)rate;
    return bytes > 0;
}

/* FTP_FILE_ATOMIC on uploads: REMOTE is replaced only once complete, and neither a
 * finished nor a cancelled upload leaves REMOTE.part behind. */
static void test_atomic_upload(const struct server *s) {
    size_t big_len;
    uint8_t *big = anon_file(s, "big.bin", &big_len);
    char dir[] = "/tmp/libftp-atomic-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char local[4200], old[4200], remote[64], on_disk[4200], part[4300];
    snprintf(local, sizeof local, "%s/new.bin", dir);
    snprintf(old, sizeof old, "%s/old.txt", dir);
    snprintf(remote, sizeof remote, "atomic-%d.bin", (int)getpid());
    snprintf(on_disk, sizeof on_disk, "%s/%s", s->user_root, remote);
    snprintf(part, sizeof part, "%s.part", on_disk);
    CHECK(t_write_file(local, big, big_len));
    CHECK(t_write_file(old, "old\n", 4));

    ftp_session *h = open_user(s);
    uint64_t n = 0;
    CHECK_OK(h, ftp_stor_file(h, old, remote, 0, &n));
    CHECK(file_equals(on_disk, "old\n", 4));
    /* A cancelled atomic upload: the old file stays, the part is gone. */
    CHECK_OK(h, ftp_set_progress_callback(h, cancel_at_first_report, NULL, 0));
    CHECK_RC(h, ftp_stor_file(h, local, remote, FTP_FILE_ATOMIC, &n), FTP_E_CANCELLED);
    CHECK_OK(h, ftp_set_progress_callback(h, NULL, NULL, 0));
    CHECK(file_equals(on_disk, "old\n", 4));
    CHECK(access(part, F_OK) != 0);
    /* A complete one replaces it (over an existing file), with no part left. */
    CHECK_OK(h, ftp_stor_file(h, local, remote, FTP_FILE_ATOMIC, &n));
    CHECK(n == big_len && file_equals(on_disk, big, big_len));
    CHECK(access(part, F_OK) != 0);
    /* Refused before any command. */
    CHECK_RC(h, ftp_stor_file(h, local, remote, FTP_FILE_ATOMIC | FTP_FILE_APPEND, &n), FTP_E_INVALID);
    CHECK_OK(h, ftp_delete(h, remote));
    ftp_quit(h);
    ftp_free(h);
    unlink(local);
    unlink(old);
    rmdir(dir);
    free(big);
}

struct walk_seen {
    int entries, loops, links, unsafe, deepest;
    bool bad_path;
    const char *root;
};

static int on_walk(void *userdata, const char *path, size_t len, uint32_t depth, const ftp_entry *e,
                   uint32_t flags) {
    struct walk_seen *w = userdata;
    w->entries++;
    if ((int)depth > w->deepest) w->deepest = (int)depth;
    w->loops += (flags & FTP_WALK_LOOP) != 0;
    w->unsafe += (flags & FTP_WALK_UNSAFE_NAME) != 0;
    w->links += ftp_entry_kind(e) == FTP_ENTRY_LINK;
    size_t rl = strlen(w->root);
    /* Every path is the root, a '/', then the names below it, and has no NUL inside. */
    if (len <= rl || strncmp(path, w->root, rl) != 0 || path[rl] != '/' || strlen(path) != len) w->bad_path = true;
    return 0;
}

/* ftp_walk over the anonymous tree (counted against the files on disk: dir1 holds 7
 * entries in 3 levels), a depth limit, a loop made with a symbolic link, and
 * ftp_remove_tree of a tree the test user uploaded. */
static void test_walk_and_remove_tree(const struct server *s) {
    ftp_session *h = open_lister(s);
    struct walk_seen w = {0, 0, 0, 0, 0, false, "dir1"};
    CHECK_OK(h, ftp_walk(h, "dir1", 0, on_walk, &w));
    CHECK(w.entries == 7 && w.deepest == 3 && !w.bad_path && w.loops == 0 && w.unsafe == 0);
    memset(&w, 0, sizeof w);
    w.root = "dir1";
    CHECK_OK(h, ftp_walk(h, "dir1", 1, on_walk, &w));
    CHECK(w.entries == 3 && w.deepest == 1);
    CHECK_RC(h, ftp_walk(h, "dir1", 0, NULL, NULL), FTP_E_NULL);
    /* A missing root: 550 from MLSD; LIST gets a 550, ftp-srv's 451 (the OS's error),
     * an empty listing (vsftpd) or ls's complaint as the listing (inetutils), which is
     * no entry. */
    memset(&w, 0, sizeof w);
    w.root = "no-such-dir";
    ftp_result r = ftp_walk(h, "no-such-dir", 0, on_walk, &w);
    ftp_result missing = s->os_error_replies ? FTP_E_TEMP : FTP_E_PERM;
    CHECK(s->has_mlsd ? r == missing : (r == missing || (r == FTP_OK && w.entries == 0)));
    ftp_quit(h);
    ftp_free(h);

    h = open_user(s);
    char root[64], path[4200], disk[4300];
    snprintf(root, sizeof root, "rt-%d", (int)getpid());
    snprintf(path, sizeof path, "%s/a/b", root);
    CHECK_OK(h, ftp_mkd_all(h, path));
    static const char *files[] = {"f", "a/g", "a/b/h"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", root, files[i]);
        struct t_src src = {(const uint8_t *)"x\n", 2, 0, 0};
        char cmd[4300];
        snprintf(cmd, sizeof cmd, "STOR %s", path);
        CHECK_OK(h, ftp_stor_binary(h, cmd, t_src_read, 0, NULL, FTP_NO_REST, &src));
    }
    /* A link to a directory above: the walk must neither follow it forever nor fail. */
    snprintf(disk, sizeof disk, "%s/%s/a/loop", s->user_root, root);
    CHECK(symlink("..", disk) == 0);
    memset(&w, 0, sizeof w);
    w.root = root;
    if (s->links_followed) {
        /* The loop is a directory to the client: only a bound ends the walk (the OS's
         * link limit makes the server's LIST fail, or the walk's depth limit). */
        ftp_result wr = ftp_walk(h, root, 0, on_walk, &w);
        CHECK(wr == FTP_OK || wr == FTP_E_TEMP || wr == FTP_E_PROTO);
        CHECK(!w.bad_path && w.deepest > 3);
    } else {
        CHECK_OK(h, ftp_walk(h, root, 0, on_walk, &w));
        CHECK(!w.bad_path && w.deepest <= 3 && (s->links_as_files || (w.links + w.loops) >= 1));
    }
    unlink(disk);
    /* A link to a file is deleted, not followed. Where the server lists it as its
     * target, it may come after that target in the listing, so it points outside. */
    char target[4300];
    snprintf(target, sizeof target, "%s/keep-%d", s->user_root, (int)getpid());
    CHECK(t_write_file(target, (const uint8_t *)"k", 1));
    snprintf(disk, sizeof disk, "%s/%s/a/lnk", s->user_root, root);
    CHECK(symlink(s->links_followed ? target : "g", disk) == 0);
    CHECK_OK(h, ftp_remove_tree(h, root));
    snprintf(disk, sizeof disk, "%s/%s", s->user_root, root);
    CHECK(access(disk, F_OK) != 0);
    CHECK(access(target, F_OK) == 0);
    unlink(target);
    CHECK_RC(h, ftp_remove_tree(h, root), s->os_error_replies ? FTP_E_TEMP : FTP_E_PERM);
    CHECK_RC(h, ftp_remove_tree(h, "/"), FTP_E_INVALID);
    CHECK_RC(h, ftp_remove_tree(h, NULL), FTP_E_NULL);
    ftp_quit(h);
    ftp_free(h);
}

/* ftp_mlst of a file and a directory (MLST, or the parent's listing on vsftpd), the
 * facts every parsed listing now has (mode and owner on every server), and the LIST
 * time offset (applied on LIST servers only). */
static void test_mlst_facts_and_list_times(const struct server *s) {
    uint64_t big_size = strtoull(t_need("BIG_SIZE"), NULL, 10);
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/big.bin", s->anon_root);
    CHECK(stat(path, &st) == 0);
    /* Where anonymous LIST is empty, the user's session lists the tree at its real path. */
    const char *top = s->anon_list_empty ? s->anon_root : "";
    char big_path[4200], dir_path[4200], missing[4200];
    snprintf(big_path, sizeof big_path, "%s/big.bin", top);
    snprintf(dir_path, sizeof dir_path, "%s/dir1", top);
    snprintf(missing, sizeof missing, "%s/no-such-file", top);
    ftp_session *h = open_lister(s);
    ftp_entry_list *l = NULL;
    CHECK_OK(h, ftp_mlst(h, big_path, &l));
    CHECK(ftp_entry_list_len(l) == 1);
    const ftp_entry *e = ftp_entry_list_get(l, 0);
    uint64_t size = 0;
    int64_t secs = 0;
    CHECK(ftp_entry_kind(e) == FTP_ENTRY_FILE && ftp_entry_size(e, &size) && size == big_size);
    CHECK(ftp_entry_mtime(e, &secs, NULL) && (s->has_mlsd ? secs == st.st_mtime : secs / 60 == st.st_mtime / 60));
    ftp_entry_list_free(l);
    CHECK_OK(h, ftp_mlst(h, dir_path, &l));
    CHECK(ftp_entry_kind(ftp_entry_list_get(l, 0)) == FTP_ENTRY_DIR);
    ftp_entry_list_free(l);
    CHECK_RC(h, ftp_mlst(h, missing, &l), s->has_mlsd ? FTP_E_PERM : FTP_E_PROTO);
    CHECK_RC(h, ftp_mlst(h, big_path, NULL), FTP_E_NULL);

    /* Mode and owner are known from the first parsed listing on: pyftpdlib offers
     * unix.mode and unix.uid but has them off until asked. */
    int64_t times[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++) {
        CHECK_OK(h, ftp_set_list_time_offset(h, pass ? 3600 : 0));
        CHECK_OK(h, ftp_list_all(h, NULL, &l));
        bool found = false;
        for (size_t i = 0; i < ftp_entry_list_len(l); i++) {
            e = ftp_entry_list_get(l, i);
            if (strcmp(ftp_entry_name(e, NULL), "big.bin") != 0) continue;
            found = true;
            if (s->no_mlst_facts) {
                /* Unknown where MLSD has no unix.* facts. */
                CHECK(ftp_entry_mode(e) == -1 && ftp_entry_owner(e) == NULL);
            } else {
                CHECK(ftp_entry_mode(e) == (int)(st.st_mode & 0777));
                /* pure-ftpd hides owners from anonymous users (no UNIX.uid even when asked). */
                if (strcmp(s->name, "pure-ftpd") != 0) CHECK(ftp_entry_owner(e) != NULL);
            }
            CHECK(ftp_entry_mtime(e, &times[pass], NULL));
        }
        CHECK(found);
        ftp_entry_list_free(l);
    }
    CHECK(times[1] == (s->has_mlsd ? times[0] : times[0] - 3600));
    CHECK_RC(h, ftp_set_list_time_offset(h, 86401), FTP_E_INVALID);
    ftp_quit(h);
    ftp_free(h);
}

struct progress2_seen {
    int calls, repeats;
    uint64_t offset, bytes;
    int64_t total;
    uint64_t stop_at;
};

static int on_progress2(void *userdata, uint64_t offset, uint64_t bytes, int64_t total, double rate) {
    struct progress2_seen *p = userdata;
    (void)rate;
    if (p->calls && bytes == p->bytes) p->repeats++;
    p->calls++;
    p->offset = offset;
    p->bytes = bytes;
    p->total = total;
    return p->stop_at && bytes >= p->stop_at;
}

/* Totals for whole-file downloads (150 or SIZE), offset and bytes after a resume, no
 * repeated last report at interval 0, and bytes_out after a cancel. */
static void test_progress_totals(const struct server *s) {
    uint64_t big_size = strtoull(t_need("BIG_SIZE"), NULL, 10);
    size_t big_len;
    uint8_t *big = anon_file(s, "big.bin", &big_len);
    char dir[] = "/tmp/libftp-progress-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char local[4200];
    snprintf(local, sizeof local, "%s/big.bin", dir);
    ftp_session *h = open_anon(s);
    struct progress2_seen p = {0};
    CHECK_OK(h, ftp_set_progress_callback2(h, on_progress2, &p, 0));
    uint64_t n = 0;
    CHECK_OK(h, ftp_retr_file(h, "big.bin", local, 0, &n));
    CHECK(n == big_size && p.calls > 1 && p.repeats == 0);
    CHECK(p.offset == 0 && p.bytes == big_size && p.total == (int64_t)big_size);

    CHECK(t_write_file(local, big, big_len / 4));
    memset(&p, 0, sizeof p);
    CHECK_OK(h, ftp_retr_file(h, "big.bin", local, FTP_FILE_RESUME, &n));
    CHECK(n == big_size - big_len / 4 && file_equals(local, big, big_len));
    CHECK(p.offset == big_len / 4 && p.offset + p.bytes == big_size && p.offset + (uint64_t)p.total == big_size);
    CHECK(p.repeats == 0);

    unlink(local);
    memset(&p, 0, sizeof p);
    p.stop_at = 1000000;
    n = 0;
    check_ended(s, h, ftp_retr_file(h, "big.bin", local, 0, &n), FTP_E_CANCELLED, "cancelled by callback");
    struct stat st;
    CHECK(n >= 1000000 && n < big_size && stat(local, &st) == 0 && (uint64_t)st.st_size == n);
    CHECK_OK(h, ftp_noop(h));
    ftp_quit(h);
    ftp_free(h);
    unlink(local);
    rmdir(dir);
    free(big);
}

static const struct live_case {
    const char *name;
    void (*run)(const struct server *s);
} cases[] = {
    {"connect_login_welcome", test_connect_login_welcome},
    {"download_passive", test_download_passive},
    {"download_active", test_download_active},
    {"retr_lines", test_retr_lines},
    {"size_and_ntransfercmd", test_size_and_ntransfercmd},
    {"abort_and_cancel", test_abort_and_cancel},
    {"abort_wakes_a_blocked_reader", test_abort_wakes_a_blocked_reader},
    {"commands", test_commands},
    {"mlsd", test_mlsd},
    {"upload_and_dirs", test_upload_and_dirs},
    {"non_utf8_names", test_non_utf8_names},
    {"debug_log", test_debug_log},
    {"threads", test_threads},
    {"free_during_a_call", test_free_during_a_call},
    {"injection_refused", test_injection_refused},
    {"extended_commands", test_extended_commands},
    {"progress_and_interrupt", test_progress_and_interrupt},
    {"list_entries", test_list_entries},
    {"file_helpers", test_file_helpers},
    {"replies_and_modes", test_replies_and_modes},
    {"mirror_parallel_and_failures", test_mirror_parallel_and_failures},
    {"atomic_upload", test_atomic_upload},
    {"walk_and_remove_tree", test_walk_and_remove_tree},
    {"mlst_facts_and_list_times", test_mlst_facts_and_list_times},
    {"progress_totals", test_progress_totals},
    {"compat", test_compat},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* Is name in the comma-separated list? */
static bool listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return true;
        p += len + (end != NULL);
    }
    return false;
}

int run_cases(struct server *s, const char *names) {
    s->host = s->host ? s->host : "127.0.0.1";
    s->user = s->user ? s->user : t_need("FTP_USER");
    s->pass = s->pass ? s->pass : t_need("FTP_PASS");
    s->anon_root = t_need("ANON_ROOT");
    const char *only = getenv("T_ONLY");
    if (only && *only) {
        /* A name that matches no case is a mistake, never a silent pass. */
        for (const char *p = only; *p;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            bool known = false;
            for (size_t i = 0; i < NCASES; i++)
                known |= strlen(cases[i].name) == len && strncmp(cases[i].name, p, len) == 0;
            t_checks++;
            if (!known) {
                t_fail(__FILE__, __LINE__, "T_ONLY names no case: %.*s (the cases: see tests/c/live_suite.c)",
                       (int)len, p);
            }
            p += len + (end != NULL);
        }
    }
    for (size_t i = 0; i < NCASES; i++) {
        if (names && !listed(names, cases[i].name)) continue;
        if (only && *only && !listed(only, cases[i].name)) continue;
        printf("-- %s: %s\n", s->name, cases[i].name);
        fflush(stdout);
        cases[i].run(s);
    }
    return t_done(s->name);
}

int run_suite(struct server *s) {
    return run_cases(s, NULL);
}
