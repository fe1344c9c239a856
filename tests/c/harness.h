/* Minimal test harness for the C tests: checks that count failures, the servers' env
 * file written by tests/servers/start.sh, and file helpers. Uses only <ftp.h>. */
#ifndef HARNESS_H
#define HARNESS_H

#include <ftp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern int t_failures;
extern int t_checks;

/* Records a failed check with its location; never aborts, so one run shows all. */
void t_fail(const char *file, int line, const char *fmt, ...);

#define CHECK(cond)                                                          \
    do {                                                                     \
        t_checks++;                                                          \
        if (!(cond)) t_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);         \
    } while (0)

/* Expects an ftp_result; on mismatch prints both codes and the session's message. */
#define CHECK_RC(h, expr, want)                                                       \
    do {                                                                              \
        ftp_result rc_ = (expr);                                                      \
        t_checks++;                                                                   \
        if (rc_ != (want))                                                            \
            t_fail(__FILE__, __LINE__, "%s = %d (%s), want %d (%s); last error: %s; " \
                   "last reply: %s",                                                  \
                   #expr, rc_, ftp_strerror(rc_), (int)(want), ftp_strerror(want),    \
                   (h) ? ftp_session_last_error(h) : "-",                             \
                   (h) ? ftp_session_last_reply_text(h) : "-");                       \
    } while (0)

#define CHECK_OK(h, expr) CHECK_RC(h, expr, FTP_OK)

/* Prints the summary line ("N passed, N failed") and returns the exit status. */
int t_done(const char *name);

/* A value from the servers' env file ($LIBFTP_TEST_ENV), or NULL. */
const char *t_env(const char *key);

/* Like t_env, but a missing key is a failure under CI=true and a skip otherwise
 * (exits 77, ctest's skip code). */
const char *t_need(const char *key);

/* Reads a whole file; *len receives its size. Returns malloc'd bytes or NULL. */
uint8_t *t_read_file(const char *path, size_t *len);

/* Writes a whole file; true on success. */
bool t_write_file(const char *path, const void *data, size_t len);

/* A growable byte buffer, handy as callback userdata. */
struct t_buf {
    uint8_t *data;
    size_t len, cap;
};
void t_buf_add(struct t_buf *b, const void *data, size_t len);
void t_buf_free(struct t_buf *b);

/* ftp_data_cb appending to a struct t_buf. */
int t_collect(void *userdata, const uint8_t *buf, size_t len);
/* ftp_data_cb that drops the bytes (userdata unused). */
int t_collect_discard(void *userdata, const uint8_t *buf, size_t len);
/* ftp_line_cb appending line + '\n' to a struct t_buf. */
int t_collect_line(void *userdata, const char *line, size_t len);

/* An in-memory upload source for ftp_stor_* (userdata: struct t_src). */
struct t_src {
    const uint8_t *data;
    size_t len, pos, chunk; /* chunk: max bytes per read call (0 = cap) */
};
int t_src_read(void *userdata, uint8_t *buf, size_t cap, size_t *len_out);

/* Does the buffer contain the NUL-terminated needle? */
bool t_contains(const void *hay, size_t len, const char *needle);
/* How many times needle (not empty) occurs in hay, not overlapping. */
size_t t_count(const void *hay, size_t len, const char *needle);

#endif
