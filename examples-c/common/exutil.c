#include "exutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Copies [src, src+len) into dst (size cap) decoding %XX; false on overflow, bad
 * escapes or an encoded NUL. */
static bool decode(char *dst, size_t cap, const char *src, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= len) return false;
            int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = hi * 16 + lo;
            if (c == 0) return false;
            i += 2;
        }
        if (o + 1 >= cap) return false;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return true;
}

bool ex_parse_url(const char *url, struct ex_url *out) {
    memset(out, 0, sizeof *out);
    const char *p;
    if (strncmp(url, "ftp://", 6) == 0) {
        p = url + 6;
    } else if (strncmp(url, "ftps://", 7) == 0) {
        p = url + 7;
        out->implicit_tls = true;
    } else {
        fprintf(stderr, "not an ftp:// or ftps:// URL: %s\n", url);
        return false;
    }
    const char *slash = strchr(p, '/');
    const char *auth_end = slash ? slash : p + strlen(p);
    const char *at = NULL;
    for (const char *q = p; q < auth_end; q++)
        if (*q == '@') at = q; /* the last '@' before the path ends the userinfo */
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *user_end = colon ? colon : at;
        if (!decode(out->user, sizeof out->user, p, (size_t)(user_end - p))) goto bad;
        if (colon && !decode(out->pass, sizeof out->pass, colon + 1, (size_t)(at - colon - 1))) goto bad;
        out->has_user = true;
        p = at + 1;
    }
    const char *host_end;
    if (*p == '[') { /* [IPv6] */
        const char *close = memchr(p, ']', (size_t)(auth_end - p));
        if (!close) goto bad;
        if ((size_t)(close - p - 1) >= sizeof out->host) goto bad;
        memcpy(out->host, p + 1, (size_t)(close - p - 1));
        host_end = close + 1;
    } else {
        host_end = memchr(p, ':', (size_t)(auth_end - p));
        if (!host_end) host_end = auth_end;
        if ((size_t)(host_end - p) >= sizeof out->host || host_end == p) goto bad;
        memcpy(out->host, p, (size_t)(host_end - p));
    }
    if (host_end < auth_end) {
        if (*host_end != ':') goto bad;
        char *end;
        unsigned long port = strtoul(host_end + 1, &end, 10);
        if (end != auth_end || port == 0 || port > 65535) goto bad;
        out->port = (unsigned)port;
    }
    if (slash && !decode(out->path, sizeof out->path, slash + 1, strlen(slash + 1))) goto bad;
    return true;
bad:
    fprintf(stderr, "malformed URL: %s\n", url);
    return false;
}

static void trace(void *userdata, ftp_log_kind kind, const char *line) {
    (void)userdata;
    fprintf(stderr, "%s %s\n", kind == FTP_LOG_CMD || kind == FTP_LOG_PUT ? ">" : "<", line);
}

void ex_fail(const char *prog, const char *what, ftp_session *h, ftp_result rc) {
    const char *msg = h ? ftp_session_last_error(h) : NULL;
    fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, ftp_strerror(rc), msg && *msg ? ": " : "", msg ? msg : "");
}

int ex_parse_opts(int argc, char **argv, struct ex_opts *o) {
    memset(o, 0, sizeof *o);
    int i = 1;
    for (; i < argc && strncmp(argv[i], "-", 1) == 0 && strcmp(argv[i], "-") != 0; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "-v") == 0) o->verbose = true;
        else if (strcmp(a, "--tls") == 0) o->tls = true;
        else if (strcmp(a, "--insecure") == 0) o->insecure = true;
        else if (strcmp(a, "--cacert") == 0) value = &o->cacert;
        else if (strcmp(a, "--cert") == 0) value = &o->cert;
        else if (strcmp(a, "--key") == 0) value = &o->key;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return -1;
        }
        if (value) {
            if (++i >= argc) {
                fprintf(stderr, "%s needs a file name\n", a);
                return -1;
            }
            *value = argv[i];
        }
    }
    if (!o->cert != !o->key) {
        fprintf(stderr, "--cert and --key go together\n");
        return -1;
    }
    return i;
}

bool ex_check_tls(const struct ex_opts *o, const struct ex_url *u) {
    if ((o->cacert || o->insecure || o->cert) && !o->tls && !u->implicit_tls) {
        fprintf(stderr, "TLS options need --tls or an ftps:// URL\n");
        return false;
    }
    return true;
}

/* Applies the TLS options to a session: explicit or implicit mode and a configuration. */
static ftp_result setup_tls(ftp_session *h, const struct ex_url *u, const struct ex_opts *o) {
    ftp_tls_config *cfg = ftp_tls_config_new();
    if (!cfg) return FTP_E_PANIC;
    ftp_result rc = FTP_OK;
    if (o->cacert) rc = ftp_tls_config_set_ca_file(cfg, o->cacert);
    if (rc == FTP_OK && o->cert) rc = ftp_tls_config_set_client_cert(cfg, o->cert, o->key);
    if (rc == FTP_OK && o->insecure) {
        fprintf(stderr, "warning: --insecure: the server's certificate is not checked\n");
        rc = ftp_tls_config_insecure_skip_verify(cfg, true);
    }
    if (rc != FTP_OK) {
        fprintf(stderr, "TLS settings: %s: %s\n", ftp_strerror(rc), ftp_tls_config_last_error(cfg));
    } else {
        rc = ftp_set_tls(h, u->implicit_tls ? FTP_TLS_IMPLICIT : FTP_TLS_EXPLICIT, cfg);
    }
    ftp_tls_config_free(cfg);
    return rc;
}

ftp_session *ex_open(const struct ex_url *u, const struct ex_opts *o) {
    ftp_session *h = ftp_new();
    if (!h) {
        fprintf(stderr, "out of memory\n");
        return NULL;
    }
    if (o->verbose) {
        ftp_set_log_callback(h, trace, NULL);
        ftp_set_debuglevel(h, 1);
    }
    if ((o->tls || u->implicit_tls) && setup_tls(h, u, o) != FTP_OK) {
        ftp_free(h);
        return NULL;
    }
    ftp_result rc = ftp_connect(h, u->host, (uint16_t)u->port, 30000, NULL);
    if (rc != FTP_OK) {
        ex_fail("connect", u->host, h, rc);
        ftp_free(h);
        return NULL;
    }
    rc = ftp_login(h, u->has_user ? u->user : NULL, u->has_user ? u->pass : NULL, NULL);
    if (rc != FTP_OK) {
        ex_fail("login", u->has_user ? u->user : "anonymous", h, rc);
        ftp_free(h);
        return NULL;
    }
    return h;
}
