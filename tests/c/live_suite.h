/* The live suite (live_suite.c): the same cases against each real server. A
 * test_live_<server>.c file fills in a struct server from the env file and calls
 * run_suite(); T_ONLY=name[,name...] in the environment runs only the cases named. */
#ifndef LIVE_SUITE_H
#define LIVE_SUITE_H

#include "harness.h"

struct server {
    const char *name;
    const char *host;
    uint16_t port;
    const char *user, *pass;
    const char *user_root; /* where the test user's uploads land on disk */
    const char *anon_root; /* the anonymous read-only tree */
    bool has_mlsd;
    /* File names are the bytes sent (vsftpd, proftpd, pure-ftpd, inetutils, netkit), not
     * decoded as UTF-8 (which turns a stray byte into U+FFFD). */
    bool raw_names;
    /* What a server lacks or does its own way; the cases that meet it check that
     * libftp's fallback or error is the right one instead of skipping. */
    bool no_feat;      /* FEAT is a 500: no feature is known (netkit ftpd) */
    bool no_mdtm_feat; /* MDTM works but FEAT does not list it */
    bool as_root;      /* the server's sessions run as root: file modes do not stop it */
    /* A download's data connection reset before the server reads ABOR ends the whole
     * session (netkit: the write's SIGPIPE ends the server process). */
    bool reset_ends_session;
    /* Anonymous LIST sends nothing: the server runs /bin/ls, which the anonymous chroot
     * does not have (netkit); listings are read as the user, from the tree's real path. */
    bool anon_list_empty;
    bool no_active; /* PORT/EPRT refused with 502 (unftp has no active mode) */
    /* FEAT's MLST names no facts; OPTS MLST is refused (501) and the server then ends
     * the connection; MLSD lines have type, size and modify only (unftp). */
    bool no_mlst_facts;
    bool links_as_files;  /* MLSD shows a symbolic link as a file (unftp) */
    bool mkd_unquoted;    /* MKD's 257 does not quote the path: none is parsed (unftp) */
    bool no_site_help;    /* SITE HELP is 502 */
    /* The urgent ABOR's Telnet IP/Synch bytes are refused ("500 Invalid UTF8 in
     * command") and the server ends the connection (unftp). */
    bool urgent_abort_ends_session;
    /* ftp-srv's ways, each checked where it shows: */
    /* A file-system error is answered with the OS's message: 551 for RETR, 451 for
     * LIST, 550 only where the command checks first. */
    bool os_error_replies;
    /* Commands are handled concurrently: ABOR's own reply may come after the resync
     * NOOP's, as the next command's first reply (libftp drops it), and ftp_abort
     * returns the transfer's failure (551) instead. */
    bool abor_answered_late;
    /* A download whose data connection we close can leave the server's RETR waiting
     * for ever with the control connection unread: the ABOR goes unanswered, and
     * libftp gives up after the reply timeout and closes the session. */
    bool reset_may_stall;
    bool mkd_existing_ok;     /* MKD of an existing directory succeeds */
    bool rest_stor_truncates; /* STOR after REST truncates (REST STREAM not in FEAT) */
    /* LIST shows a symbolic link as what it points to: a link to a directory above
     * is a directory (a loop no client can see), a dangling link cannot be deleted. */
    bool links_followed;
    /* AUTH TLS is answered 234 before the server reads TLS on the socket: a ClientHello
     * that comes at once may be read as a command (one connect in five here). */
    bool auth_tls_race;
};

/* Runs every case (those T_ONLY names, if set) against s; fills in host (default
 * 127.0.0.1), user, pass and anon_root from the env file. Returns t_done()'s status. */
int run_suite(struct server *s);

/* The same for the cases in names (comma-separated), as far as T_ONLY allows too. */
int run_cases(struct server *s, const char *names);

#endif
