/* Shared helpers for the example tools: URL parsing, connecting, error reporting. */
#ifndef EXUTIL_H
#define EXUTIL_H

#include <ftp.h>
#include <stdbool.h>

/* ftp:// or ftps:// (implicit TLS) [user[:pass]@]host[:port]/path, percent-decoded. */
struct ex_url {
    char user[256];
    char pass[256];
    char host[256];
    unsigned port; /* 0: the default (21, or 990 for ftps://) */
    char path[4096]; /* relative to the login directory, without the leading '/' */
    bool has_user;
    bool implicit_tls; /* ftps:// */
};

/* Parses url into out; prints why and returns false when it is not an ftp:// or
 * ftps:// URL. */
bool ex_parse_url(const char *url, struct ex_url *out);

/* The options every tool takes, before its other arguments. */
struct ex_opts {
    bool verbose;      /* -v: protocol trace on stderr */
    bool tls;          /* --tls: explicit FTPS (AUTH TLS, data protected) */
    bool insecure;     /* --insecure: no certificate verification */
    const char *cacert; /* --cacert FILE: trust this CA instead of the system store */
    const char *cert, *key; /* --cert FILE --key FILE: client certificate */
};

#define EX_OPTS_USAGE "[-v] [--tls] [--cacert FILE] [--insecure] [--cert FILE --key FILE]"

/* Parses the options at the start of argv into o; returns the index of the first
 * other argument, or -1 after printing why the options are wrong. */
int ex_parse_opts(int argc, char **argv, struct ex_opts *o);

/* Checks that TLS options come with --tls or an ftps:// URL (prints why not). */
bool ex_check_tls(const struct ex_opts *o, const struct ex_url *u);

/* Creates a session, connects (with TLS as the URL and options say) and logs in as the
 * URL says (anonymous without a user). Prints the error and returns NULL on failure. */
ftp_session *ex_open(const struct ex_url *u, const struct ex_opts *o);

/* Prints "prog: what: <code text>: <session message>" to stderr. */
void ex_fail(const char *prog, const char *what, ftp_session *h, ftp_result rc);

#endif
