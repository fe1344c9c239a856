#include "exutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ftp_url *ex_parse_url(const char *url) {
    ftp_url *u = ftp_url_new();
    if (!u) return NULL;
    if (ftp_url_parse(u, url) != FTP_OK) {
        fprintf(stderr, "%s\n", ftp_url_last_error(u));
        ftp_url_free(u);
        return NULL;
    }
    return u;
}

const char *ex_path(const ftp_url *u) {
    return ftp_url_path(u, NULL);
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
        else if (strcmp(a, "--active") == 0) o->active = true;
        /* curl's name, and a name for each mode. */
        else if (strcmp(a, "--disable-epsv") == 0 || strcmp(a, "--pasv-only") == 0)
            o->passive_mode = FTP_PASSIVE_PASV_ONLY;
        else if (strcmp(a, "--epsv-only") == 0) o->passive_mode = FTP_PASSIVE_EPSV_ONLY;
        else if (strcmp(a, "--cacert") == 0) value = &o->cacert;
        else if (strcmp(a, "--cert") == 0) value = &o->cert;
        else if (strcmp(a, "--key") == 0) value = &o->key;
        /* curl's -x: socks5://, socks5h:// or http://[user:pass@]host[:port]. */
        else if (strcmp(a, "-x") == 0 || strcmp(a, "--proxy") == 0) value = &o->proxy;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return -1;
        }
        if (value) {
            if (++i >= argc) {
                fprintf(stderr, "%s needs a %s\n", a, value == &o->proxy ? "proxy URL" : "file name");
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

bool ex_check_tls(const struct ex_opts *o, const ftp_url *u) {
    if ((o->cacert || o->insecure || o->cert) && !o->tls && !ftp_url_is_ftps(u)) {
        fprintf(stderr, "TLS options need --tls or an ftps:// URL\n");
        return false;
    }
    return true;
}

/* Applies the TLS options to a session: explicit or implicit mode and a configuration. */
static ftp_result setup_tls(ftp_session *h, const ftp_url *u, const struct ex_opts *o) {
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
        rc = ftp_set_tls(h, ftp_url_is_ftps(u) ? FTP_TLS_IMPLICIT : FTP_TLS_EXPLICIT, cfg);
    }
    ftp_tls_config_free(cfg);
    return rc;
}

/* "12.3 MiB" and the like. */
static void human(char *out, size_t cap, double bytes) {
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (bytes >= 1024 && i < 4) {
        bytes /= 1024;
        i++;
    }
    snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", bytes, units[i]);
}

/* A one-line progress bar on stderr, redrawn in place, like curl's. */
static int draw_progress(void *userdata, uint64_t bytes, int64_t total, double rate) {
    (void)userdata;
    char done[32], all[32], speed[32];
    human(done, sizeof done, (double)bytes);
    human(speed, sizeof speed, rate);
    if (total > 0) {
        human(all, sizeof all, (double)total);
        double left = rate > 0 ? ((double)total - (double)bytes) / rate : 0;
        int pct = (int)(100.0 * (double)bytes / (double)total);
        fprintf(stderr, "\r%3d%% %10s / %-10s %10s/s  ETA %d:%02d ", pct, done, all, speed, (int)left / 60,
                (int)left % 60);
    } else {
        fprintf(stderr, "\r%10s %10s/s ", done, speed);
    }
    return 0;
}

void ex_progress(ftp_session *h) {
    if (isatty(STDERR_FILENO)) ftp_set_progress_callback(h, draw_progress, NULL, 200);
}

void ex_progress_done(ftp_session *h) {
    if (isatty(STDERR_FILENO)) {
        ftp_set_progress_callback(h, NULL, NULL, 0);
        fputc('\n', stderr);
    }
}

ftp_session *ex_open(const ftp_url *u, const struct ex_opts *o) {
    ftp_session *h = ftp_new();
    if (!h) {
        fprintf(stderr, "out of memory\n");
        return NULL;
    }
    if (o->verbose) {
        ftp_set_log_callback(h, trace, NULL);
        ftp_set_debuglevel(h, 1);
    }
    if (o->proxy) {
        ftp_result prc = ftp_set_proxy(h, o->proxy);
        if (prc != FTP_OK) {
            ex_fail("proxy", "-x", h, prc);
            ftp_free(h);
            return NULL;
        }
        if (o->active) fprintf(stderr, "warning: --active does not work through a proxy (-x): transfers will fail\n");
    }
    if (o->active) ftp_set_pasv(h, false);
    ftp_set_passive_mode(h, o->passive_mode);
    if ((o->tls || ftp_url_is_ftps(u)) && setup_tls(h, u, o) != FTP_OK) {
        ftp_free(h);
        return NULL;
    }
    ftp_result rc = ftp_connect_url(h, u, 30000);
    if (rc != FTP_OK) {
        const char *user = ftp_url_user(u);
        ex_fail("connect", user ? user : ftp_url_host(u), h, rc);
        ftp_free(h);
        return NULL;
    }
    return h;
}
