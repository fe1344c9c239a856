/* Shared helpers for the example tools: URL parsing, connecting, error reporting. */
#ifndef EXUTIL_H
#define EXUTIL_H

#include <ftp.h>
#include <stdbool.h>

/* ftp://[user[:pass]@]host[:port]/path, percent-decoded. */
struct ex_url {
    char user[256];
    char pass[256];
    char host[256];
    unsigned port;
    char path[4096]; /* relative to the login directory, without the leading '/' */
    bool has_user;
};

/* Parses url into out; prints why and returns false when it is not an ftp:// URL. */
bool ex_parse_url(const char *url, struct ex_url *out);

/* Creates a session, connects and logs in as the URL says (anonymous without a user);
 * verbose turns on the protocol trace on stderr. Prints the error and returns NULL on
 * failure. */
ftp_session *ex_open(const struct ex_url *u, bool verbose);

/* Prints "prog: what: <code text>: <session message>" to stderr. */
void ex_fail(const char *prog, const char *what, ftp_session *h, ftp_result rc);

#endif
