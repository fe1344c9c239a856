/* Shared helpers for the example tools: options, connecting from a URL, error reporting. */
#ifndef EXUTIL_H
#define EXUTIL_H

#include <ftp.h>
#include <stdbool.h>

/* Parses an ftp:// or ftps:// URL with the library's parser; prints why and returns
 * NULL when it is not one. Free with ftp_url_free(). */
ftp_url *ex_parse_url(const char *url);

/* The options every tool takes, before its other arguments. */
struct ex_opts {
    bool verbose;      /* -v: protocol trace on stderr */
    bool tls;          /* --tls: explicit FTPS (AUTH TLS, data protected) */
    bool insecure;     /* --insecure: no certificate verification */
    const char *cacert; /* --cacert FILE: trust this CA instead of the system store */
    const char *cert, *key; /* --cert FILE --key FILE: client certificate */
    bool active;       /* --active: active mode (PORT/EPRT) instead of passive */
    int passive_mode;  /* --disable-epsv or --pasv-only: PASV only; --epsv-only: EPSV only
                          (an ftp_passive_mode; FTP_PASSIVE_EPSV_THEN_PASV by default) */
    const char *proxy; /* -x PROXY or --proxy PROXY: socks5://, socks5h:// or http:// proxy,
                          as curl's -x (ftp_set_proxy; passive mode only) */
};

#define EX_OPTS_USAGE "[-v] [--tls] [--cacert FILE] [--insecure] [--cert FILE --key FILE] [--active] " \
                      "[--disable-epsv|--pasv-only|--epsv-only] [-x PROXY]"

/* Parses the options at the start of argv into o; returns the index of the first
 * other argument, or -1 after printing why the options are wrong. */
int ex_parse_opts(int argc, char **argv, struct ex_opts *o);

/* Checks that TLS options come with --tls or an ftps:// URL (prints why not). */
bool ex_check_tls(const struct ex_opts *o, const ftp_url *u);

/* The URL's path ("" for the login directory). */
const char *ex_path(const ftp_url *u);

/* Creates a session, connects (with TLS as the URL and options say) and logs in as the
 * URL says (anonymous without a user). Prints the error and returns NULL on failure. */
ftp_session *ex_open(const ftp_url *u, const struct ex_opts *o);

/* A progress bar on stderr (bytes, percent, rate, ETA) for the session's transfers,
 * only when stderr is a terminal, as curl does; ex_progress_done ends its line. */
void ex_progress(ftp_session *h);
void ex_progress_done(ftp_session *h);

/* Prints "prog: what: <code text>: <session message>" to stderr. */
void ex_fail(const char *prog, const char *what, ftp_session *h, ftp_result rc);

#endif
