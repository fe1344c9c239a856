/* strdup, fileno and friends under -std=c99 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int t_failures;
int t_checks;

void t_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    t_failures++;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Copies handed out by t_need, freed at exit (so leak checkers see no leak). */
static char *needed[256];
static size_t n_needed;

static void free_needed(void) {
    for (size_t i = 0; i < n_needed; i++) free(needed[i]);
    n_needed = 0;
}

int t_done(const char *name) {
    printf("%s: %d checks\n", name, t_checks);
    printf("%d passed, %d failed\n", t_checks - t_failures, t_failures);
    return t_failures == 0 ? 0 : 1;
}

static char env_text[16384];
static bool env_loaded;

const char *t_env(const char *key) {
    if (!env_loaded) {
        env_loaded = true;
        const char *path = getenv("LIBFTP_TEST_ENV");
        if (path) {
            FILE *f = fopen(path, "r");
            if (f) {
                size_t n = fread(env_text, 1, sizeof env_text - 1, f);
                env_text[n] = '\0';
                fclose(f);
            }
        }
    }
    static char value[4096];
    size_t klen = strlen(key);
    for (const char *p = env_text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t vlen = len - klen - 1;
            if (vlen >= sizeof value) vlen = sizeof value - 1;
            memcpy(value, p + klen + 1, vlen);
            value[vlen] = '\0';
            return value;
        }
        p += len + (eol ? 1 : 0);
    }
    return NULL;
}

const char *t_need(const char *key) {
    const char *v = t_env(key);
    if (v) {
        char *copy = strdup(v);
        if (n_needed == 0) atexit(free_needed);
        if (copy && n_needed < sizeof needed / sizeof *needed) needed[n_needed++] = copy;
        return copy;
    }
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) {
        fprintf(stderr, "FAIL: server setting %s missing (LIBFTP_TEST_ENV=%s) under CI\n", key,
                getenv("LIBFTP_TEST_ENV") ? getenv("LIBFTP_TEST_ENV") : "(unset)");
        exit(1);
    }
    fprintf(stderr, "SKIP: server setting %s missing\n", key);
    exit(77);
}

uint8_t *t_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct t_buf b = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) t_buf_add(&b, chunk, n);
    fclose(f);
    *len = b.len;
    if (!b.data) b.data = malloc(1);
    return b.data;
}

bool t_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

void t_buf_add(struct t_buf *b, const void *data, size_t len) {
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1) cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        b->data = p;
        b->cap = cap;
    }
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

void t_buf_free(struct t_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int t_collect(void *userdata, const uint8_t *buf, size_t len) {
    t_buf_add(userdata, buf, len);
    return 0;
}

int t_collect_line(void *userdata, const char *line, size_t len) {
    t_buf_add(userdata, line, len);
    t_buf_add(userdata, "\n", 1);
    return 0;
}

int t_src_read(void *userdata, uint8_t *buf, size_t cap, size_t *len_out) {
    struct t_src *s = userdata;
    size_t n = s->len - s->pos;
    if (n > cap) n = cap;
    if (s->chunk && n > s->chunk) n = s->chunk;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    *len_out = n;
    return 0;
}

bool t_contains(const void *hay, size_t len, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0) return true;
    const uint8_t *h = hay;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(h + i, needle, n) == 0) return true;
    return false;
}

size_t t_count(const void *hay, size_t len, const char *needle) {
    size_t n = strlen(needle), count = 0;
    const uint8_t *h = hay;
    for (size_t i = 0; n > 0 && i + n <= len;) {
        if (memcmp(h + i, needle, n) == 0) {
            count++;
            i += n;
        } else {
            i++;
        }
    }
    return count;
}

int t_collect_discard(void *userdata, const uint8_t *buf, size_t len) {
    (void)userdata, (void)buf, (void)len;
    return 0;
}
