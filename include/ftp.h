/*
 * ftp.h - libftp, an FTP client library with a C ABI.
 *
 * Overview
 *   A session handle (ftp_session) is created with ftp_new(), connected with
 *   ftp_connect(), used with one function per Python ftplib method (ftp_login,
 *   ftp_retr_binary, ftp_stor_lines, ftp_mlsd, ...) and destroyed with ftp_free().
 *
 * Errors
 *   Functions that can fail return an ftp_result: FTP_OK (0) or an FTP_E_* code.
 *   ftp_strerror() names a code. After any call, the handle keeps the last reply
 *   from the server (ftp_session_last_reply_code / _text) and a message saying what
 *   failed (ftp_session_last_error). Output parameters are written only on success.
 *   Error codes are never renumbered; new ones are appended. Besides the codes
 *   each function lists, any call on a session can return FTP_E_NULL (a NULL
 *   pointer argument), FTP_E_BUSY (the session is in use by another thread),
 *   FTP_E_RECURSIVE (called from one of the session's own callbacks) and
 *   FTP_E_PANIC (an internal bug; the session is then unusable); a call that talks
 *   to the server can also return FTP_E_INTERRUPTED (ftp_interrupt() from another
 *   thread). FTP_E_NULL on h itself, FTP_E_BUSY and FTP_E_RECURSIVE leave the
 *   session's last error alone, except FTP_E_BUSY for another object the call reads
 *   (the ftp_tls_config of ftp_set_tls, the ftp_url of ftp_connect_url), which is
 *   recorded and names that object. Calls on an ftp_tls_config, ftp_url or ftp_data
 *   can return FTP_E_PANIC too; that object then refuses every call but its free,
 *   while its getters still read it (its last error then describes the panic).
 *
 * Strings and ownership
 *   Strings passed in are NUL-terminated. Those sent to the server must not
 *   contain CR or LF (refused with FTP_E_INVALID before anything is sent); local
 *   paths are the file system's business. Commands, paths and listing
 *   arguments are sent as the bytes given, in whatever encoding the server uses
 *   (UTF-8 for most), so a name received from a listing can be passed back as is.
 *   Host names, addresses, user names and passwords must be UTF-8. Data from the
 *   server (file names, listing lines) is handed out as bytes with a length, since
 *   servers send names that are not UTF-8.
 *   A `const char *` returned by a function on a handle belongs to the handle and
 *   stays valid until the next call on that handle (or its free); copy it to keep
 *   it. The getters that only read (ftp_session_last_error, _last_reply_text,
 *   ftp_getwelcome, ftp_session_tls_version, _tls_cipher) do not count as calls
 *   here: the strings of several of them may be used together, as in one printf.
 *   Every ftp_new has a matching ftp_free; ftp_free(NULL) does nothing.
 *
 * Callbacks
 *   Every callback takes the caller's `void *userdata` as its first argument. A
 *   callback that returns non-zero cancels the operation: the library aborts the
 *   transfer (ABOR), resynchronises the control connection and returns
 *   FTP_E_CANCELLED with the session still usable. Only if that cleanup itself
 *   fails (the server drops the connection, say) is the session closed; the call
 *   then returns the cleanup's code (FTP_E_CLOSED, FTP_E_TIMEOUT, FTP_E_IO, or
 *   FTP_E_TEMP for a 421, say) and a
 *   message naming both. A callback must not call back into the same session
 *   (refused with FTP_E_RECURSIVE) and must not unwind through the library (no
 *   longjmp, no C++ exception escaping it). ftp_free from a callback frees the
 *   session when the running call returns; that call goes on to its end (its
 *   callbacks may still be called, so their userdata must stay valid until it
 *   returns). In 1.0 such an ftp_free was ignored and the session leaked.
 *
 * Threads
 *   Every object (session, data connection, TLS configuration, URL, entry list)
 *   follows one rule. It may move between threads but takes one call at a time: a
 *   second concurrent call is refused with FTP_E_BUSY (FTP_E_RECURSIVE from one of
 *   its own callbacks) rather than racing. Getters that only read (the last error,
 *   a URL's parts, a list's entries) may run on several threads at once, but not
 *   during a call; a session's getters take one thread at a time, like its calls
 *   (it holds callbacks that may not be shared between threads). A getter never
 *   waits: on an object in a call on another thread, or being freed, it returns
 *   NULL (0, false, -1: each says which). A `_free` never frees under a running
 *   call: with a call or getter still inside the object (on another thread, or the
 *   callback calling `_free`), the object is freed when that returns. That protects
 *   the library's own state, not what the object handed out: a free must be
 *   ordered after every use of the object and of what it handed out (the strings
 *   of getters and calls, ftp_tls_config_last_error, a URL's parts, the entries of
 *   ftp_entry_list_get, whose ftp_entry_* getters are not guarded by the list);
 *   those pointers dangle once the free has run. A handle must not be passed again
 *   once its free has started: to wake a call blocked on another thread, call
 *   ftp_interrupt() (or ftp_abort() for a data connection) before ftp_free().
 *   Different objects are independent. There is no global initialisation to call;
 *   the library initialises itself on first use, thread-safely.
 *   The one exception is made for sharing: a connection pool (ftp_pool). Every
 *   ftp_pool_* function may run on one pool from any number of threads at once
 *   (never FTP_E_BUSY); ftp_pool_free() frees the pool when the last call still
 *   inside returns; failure messages are kept per thread
 *   (ftp_pool_last_error). A session checked out of a pool and a batch (ftp_batch)
 *   follow the rule above; a batch's progress callback runs on its worker threads,
 *   one call at a time.
 *
 * TLS (FTPS, RFC 4217)
 *   ftp_set_tls() picks explicit FTPS (AUTH TLS inside ftp_connect()) or implicit
 *   FTPS (TLS from the first byte, port 990) and an ftp_tls_config (trust anchors,
 *   client certificate, versions, ciphers). ftp_auth(), ftp_prot_p(), ftp_prot_c()
 *   and ftp_ccc() are ftplib's FTP_TLS methods. Defaults are the safe ones: the
 *   certificate is verified against the system trust store (or the CA file or
 *   directory given) and must name the host given to ftp_connect(), which is also
 *   sent as SNI (an IP address, also one the resolver reads as a number such as
 *   "127.1", is checked against the certificate's IP addresses, and is no SNI);
 *   TLS 1.2 or newer; after a login over TLS, PBSZ 0 + PROT P protect the data too.
 *   Data connections are checked against that same host, not the address in a PASV
 *   reply, and resume the control connection's TLS session, which vsftpd and proftpd
 *   require. Certificate failures have their own codes: FTP_E_TLS_UNTRUSTED,
 *   FTP_E_TLS_HOSTNAME, FTP_E_TLS_EXPIRED; a server that will not do TLS gives
 *   FTP_E_TLS_REQUIRED; other TLS failures FTP_E_TLS.
 *   Since 1.1, CA certificates and the client certificate and key (encrypted or
 *   not) can come from memory (ftp_tls_config_set_ca_pem(),
 *   ftp_tls_config_set_client_cert_pem()), the server's public key can be pinned
 *   (ftp_tls_config_set_pinned_pubkey(), FTP_E_TLS_PINNED on a mismatch, checked on
 *   every connection), and a callback can decide on the chain
 *   (ftp_tls_config_set_verify_cb()). See docs/tls.md.
 *   Downgrades: with TLS asked for, no credentials are ever sent in clear text. A
 *   refused AUTH, or a 230 ("logged in") before TLS, fails with FTP_E_TLS_REQUIRED
 *   and closes the connection. Bytes the server sends after accepting AUTH and
 *   before the handshake are refused (FTP_E_PROTO), never taken as replies (an
 *   attacker on the path could have injected them: curl's CVE-2021-22947).
 *   End of data: uploads end with a TLS close_notify. A server that closes a TLS
 *   download without close_notify (vsftpd does) is accepted when the bytes
 *   received match the size its 150 reply announced for a binary (TYPE I)
 *   transfer, or otherwise (no size announced; ASCII mode, where servers announce
 *   the size on disk; a type the session does not know, as "TYPE L 8" sent with
 *   ftp_sendcmd) when the final reply says the transfer completed (226: it comes
 *   over the authenticated control connection). A binary download short of the
 *   announced size is FTP_E_TLS ("download truncated"). After ftp_ccc() the
 *   control connection is clear text and proves nothing: a TLS download must then
 *   end with close_notify, or it is FTP_E_TLS ("download truncated").
 *
 * Proxies (since 1.1)
 *   ftp_set_proxy() sends the control and every data connection through a SOCKS5
 *   (socks5://, socks5h://: names resolved by the proxy) or HTTP CONNECT (http://)
 *   proxy, with optional credentials, as curl's -x. Passive mode only: active mode
 *   through a proxy is FTP_E_STATE. The proxy's refusals are FTP_E_PROXY_AUTH and
 *   FTP_E_PROXY, its message naming the proxy. See docs/proxy.md.
 *
 * Robustness
 *   No panic crosses this interface: an internal panic returns FTP_E_PANIC and
 *   marks the session unusable (only ftp_free, ftp_interrupt and the read-only
 *   getters, of the last reply, error, welcome, TLS version, cipher and resumption,
 *   are then accepted). NULL handles and
 *   pointers give FTP_E_NULL. Reply lines longer than 8192 bytes (not counting the
 *   line ending) and replies larger than 1 MiB or of more than 65,536 lines are
 *   protocol errors, never unbounded memory. After an I/O error, a timeout, or a
 *   reply that cannot be framed (malformed, oversized, cut off) on the control
 *   connection, the connection is unusable (FTP_E_STATE afterwards until
 *   ftp_connect), because replies may be out of step. A well-formed but unexpected
 *   reply (a code outside 1xx-5xx, a bad 227/229/257/213 answer) is FTP_E_PROTO and
 *   the session stays usable.
 *
 * Where libftp deliberately differs from Python's ftplib
 *   Listed in docs/ftplib-differences.md (stricter reply checks, ABOR that keeps
 *   replies in step, TLS session reuse and verification by default, fewer round
 *   trips, bounded replies and waits, names kept as bytes).
 *
 * Names
 *   ftplib's method names are kept for ftplib's methods (ftp_retr_binary,
 *   ftp_stor_lines, ftp_mlsd, ftp_voidcmd, ...); everything else is
 *   ftp_<object>_<verb> (ftp_tls_config_set_ca_file, ftp_entry_list_get,
 *   ftp_session_last_error), with ftp_set_<setting> for a session's settings.
 *   Outputs are pointer parameters named *_out. Constructors are *_new, destructors
 *   *_free; a data connection also has ftp_data_close, a close with a bounded wait,
 *   since a free does not wait long on the network. Getters that only read take a
 *   `const` handle. Where 1.1 renamed a 1.0 function to follow these rules, the old
 *   name stays as a documented alias of the new one (same parameters and results):
 *   ftp_list_get is ftp_list_all, ftp_tls_config_insecure_skip_verify is
 *   ftp_tls_config_set_insecure_skip_verify; ftp_has_feature and
 *   ftp_feature_params stay beside ftp_feature_lookup, which tells "not listed"
 *   from a failure. An enum argument that C passes (ftp_set_tls's mode, say) is an
 *   int, checked: C may store any int in an enum variable. The header lists the functions in this order: the session's lifetime,
 *   connecting and logging in; commands; transfers; listings; whole files; TLS;
 *   URLs; mirroring; extended commands and tuning; result codes and the version.
 */


#ifndef FTP_H
#define FTP_H

/* Generated by cbindgen from src/capi/ (tools/gen-header). Do not edit: edit the Rust doc comments. */

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/**
 * Pass to ftp_set_timeouts() to follow the timeout_ms given to ftp_connect().
 */
#define FTP_TIMEOUT_DEFAULT -1

/**
 * ftp_walk_cb flag: the entry's name cannot be one path component ("", ".", "..", or
 * holding '/', '\\', NUL, CR or LF): `path` is its parent's path and the name as
 * listed, not a path to use, and nothing is done with it.
 */
#define FTP_WALK_UNSAFE_NAME 1

/**
 * ftp_walk_cb flag: a directory whose MLSD "unique" id is that of a directory above
 * it (a link shown as a directory): reported, not entered.
 */
#define FTP_WALK_LOOP 2

/**
 * Flag: continue a partial transfer (see ftp_retr_file() and ftp_stor_file()).
 */
#define FTP_FILE_RESUME 1

/**
 * Flag: give the copy the original's modification time.
 */
#define FTP_FILE_PRESERVE_MTIME 2

/**
 * Flag: download into "PATH.part" and rename it to PATH once complete (uploads since
 * 1.1 likewise go to "REMOTE.part" on the server: see ftp_stor_file()). A failed
 * download keeps the part for FTP_FILE_RESUME, unless nothing arrived. PATH.part is
 * the library's name: anything found there but a plain file with one link (a symbolic
 * or hard link, a FIFO) is removed and created afresh, never written through (a
 * directory there is FTP_E_IO).
 */
#define FTP_FILE_ATOMIC 4

/**
 * Flag: check the final size against the server's (SIZE).
 */
#define FTP_FILE_VERIFY_SIZE 8

/**
 * Flag, uploads only: send the file with APPE, so the server adds it to the end of
 * the remote file, creating it where missing (curl's --append, CURLOPT_APPEND).
 */
#define FTP_FILE_APPEND 16

/**
 * The most segments ftp_retr_file_segmented() takes.
 */
#define FTP_MAX_SEGMENTS 64

/**
 * Flag: delete from the copy what the source no longer has.
 */
#define FTP_MIRROR_DELETE 1

/**
 * Flag: report what would be done, change nothing.
 */
#define FTP_MIRROR_DRY_RUN 2

/**
 * Flag: transfer what symbolic links point to (as files) instead of leaving them out.
 */
#define FTP_MIRROR_FOLLOW_SYMLINKS 4

/**
 * ftp_pool_stat(): the configured maximum number of sessions.
 */
#define FTP_POOL_MAX_SESSIONS 0

/**
 * ftp_pool_stat(): the limit in force: the maximum, or less once the server refused
 * connections.
 */
#define FTP_POOL_LIMIT 1

/**
 * ftp_pool_stat(): sessions open now (idle and checked out).
 */
#define FTP_POOL_OPEN 2

/**
 * ftp_pool_stat(): sessions idle in the pool now.
 */
#define FTP_POOL_IDLE 3

/**
 * ftp_pool_stat(): sessions checked out now (by ftp_pool_get() or a running batch).
 */
#define FTP_POOL_IN_USE 4

/**
 * ftp_pool_stat(): connections opened in all.
 */
#define FTP_POOL_OPENED 5

/**
 * ftp_pool_stat(): checkouts served by an idle session.
 */
#define FTP_POOL_REUSED 6

/**
 * ftp_pool_stat(): sessions closed as unusable, failing their NOOP check, or freed
 * by their user instead of given back.
 */
#define FTP_POOL_DISCARDED 7

/**
 * ftp_pool_stat(): times the server refused a further connection and the limit came
 * down.
 */
#define FTP_POOL_SHRINKS 8

/**
 * ftp_pool_stat(): checkouts that had to wait for a session.
 */
#define FTP_POOL_WAITS 9

/**
 * ftp_batch_cb return value: go on.
 */
#define FTP_BATCH_CONTINUE 0

/**
 * ftp_batch_cb return value: stop this file (it fails with FTP_E_CANCELLED, the
 * others go on).
 */
#define FTP_BATCH_CANCEL_FILE 1

/**
 * ftp_batch_cb return value (as is any other non-zero value but
 * FTP_BATCH_CANCEL_FILE): stop every file in progress and start no more; each fails
 * with FTP_E_CANCELLED.
 */
#define FTP_BATCH_CANCEL 2

/**
 * Major version of the header. The ABI (SONAME libftp.so.MAJOR) changes only with it.
 */
#define FTP_VERSION_MAJOR 1

/**
 * Minor version of the header: grows when functions are added.
 */
#define FTP_VERSION_MINOR 1

/**
 * Patch version of the header.
 */
#define FTP_VERSION_PATCH 0

/**
 * The header's version as one number: MAJOR * 10000 + MINOR * 100 + PATCH.
 */
#define FTP_VERSION_NUM 10100

/**
 * Pass as `rest` to transfer calls to send no REST command (other negative values
 * are refused with FTP_E_INVALID).
 */
#define FTP_NO_REST -1

/**
 * Result of a libftp call. FTP_OK is 0; values are fixed forever, new ones are appended.
 */
typedef enum {
  /**
   * Success.
   */
  FTP_OK = 0,
  /**
   * The server sent a well-formed reply the call did not expect (ftplib's error_reply).
   */
  FTP_E_REPLY = 1,
  /**
   * The server answered 4xx: a transient failure (ftplib's error_temp).
   */
  FTP_E_TEMP = 2,
  /**
   * The server answered 5xx: a permanent failure (ftplib's error_perm).
   */
  FTP_E_PERM = 3,
  /**
   * The server broke the protocol: malformed, oversized or out-of-range replies, or
   * a reply code outside 1xx-5xx (ftplib's error_proto).
   */
  FTP_E_PROTO = 4,
  /**
   * A network or file I/O error.
   */
  FTP_E_IO = 5,
  /**
   * A connect, reply or data timeout expired.
   */
  FTP_E_TIMEOUT = 6,
  /**
   * The server closed the connection.
   */
  FTP_E_CLOSED = 7,
  /**
   * The host name could not be resolved.
   */
  FTP_E_RESOLVE = 8,
  /**
   * A callback returned non-zero; the transfer was aborted, the session is usable.
   */
  FTP_E_CANCELLED = 9,
  /**
   * An argument is unusable: CR, LF or NUL in a command or path, text that is not
   * UTF-8, an address that does not parse, an out-of-range value.
   */
  FTP_E_INVALID = 10,
  /**
   * A required pointer argument was NULL.
   */
  FTP_E_NULL = 11,
  /**
   * The call does not fit the session's state (not connected, connection unusable
   * after an error, a data transfer still open).
   */
  FTP_E_STATE = 12,
  /**
   * Called from inside one of this session's own callbacks.
   */
  FTP_E_RECURSIVE = 13,
  /**
   * Another thread is using the object right now (a session, data connection, TLS
   * configuration or URL: the one the call is on, or one it reads, such as the
   * ftp_tls_config given to ftp_set_tls()), or a free of it has started.
   */
  FTP_E_BUSY = 14,
  /**
   * An internal error (a Rust panic) was caught; the session is unusable, free it
   * (ftp_session_last_error() and the other getters still work, to say what happened).
   */
  FTP_E_PANIC = 15,
  /**
   * A TLS failure other than the certificate checks below: no common protocol
   * version or cipher, a TLS alert or bad record, a server refusing a client
   * certificate, a TLS data connection closed early (a truncated download, see
   * "TLS" at the top of this header).
   */
  FTP_E_TLS = 16,
  /**
   * The server's certificate does not chain to a trusted CA (self-signed, unknown
   * issuer): give the CA with ftp_tls_config_set_ca_file().
   */
  FTP_E_TLS_UNTRUSTED = 17,
  /**
   * The server's certificate is valid but does not name the host connected to
   * (the host name, or the IP address given to ftp_connect()).
   */
  FTP_E_TLS_HOSTNAME = 18,
  /**
   * The server's certificate has expired or is not valid yet.
   */
  FTP_E_TLS_EXPIRED = 19,
  /**
   * TLS is required but the server will not do it: it refused AUTH TLS, answered in
   * plain text on an implicit FTPS port, or claimed a login (230) before TLS. No
   * credentials were sent.
   */
  FTP_E_TLS_REQUIRED = 20,
  /**
   * ftp_interrupt() stopped a transfer: it was aborted and the session is usable.
   * (A call the interrupt found waiting for a reply has the control connection
   * shut down instead, and fails with FTP_E_CLOSED or FTP_E_IO; the connection is
   * then unusable, FTP_E_STATE until ftp_connect().)
   */
  FTP_E_INTERRUPTED = 21,
  /**
   * The server's public key matches none of those pinned with
   * ftp_tls_config_set_pinned_pubkey(), on the control or a data connection; the
   * connection was closed before anything was sent over it. @since 1.1
   */
  FTP_E_TLS_PINNED = 22,
  /**
   * The proxy set with ftp_set_proxy() would not connect to the server (a SOCKS5
   * reply code or an HTTP status, in the session's message), or its reply was
   * garbled, cut short or too long. The message names the proxy. @since 1.1
   */
  FTP_E_PROXY = 23,
  /**
   * The proxy set with ftp_set_proxy() needs a user name and password, or refused
   * the ones given. @since 1.1
   */
  FTP_E_PROXY_AUTH = 24,
} ftp_result;

/**
 * Kind of a protocol trace line given to an ftp_log_cb.
 */
typedef enum {
  /**
   * A command sent (debug level 1 and up).
   */
  FTP_LOG_CMD = 0,
  /**
   * A whole reply received, lines joined by '\n' (debug level 1 and up).
   */
  FTP_LOG_RESP = 1,
  /**
   * One line sent (debug level 2).
   */
  FTP_LOG_PUT = 2,
  /**
   * One line received (debug level 2).
   */
  FTP_LOG_GET = 3,
} ftp_log_kind;

/**
 * What a directory entry is (ftp_entry_kind()).
 */
typedef enum {
  /**
   * The line fit no known listing format: the name is the whole line.
   */
  FTP_ENTRY_UNKNOWN = 0,
  FTP_ENTRY_FILE = 1,
  FTP_ENTRY_DIR = 2,
  /**
   * The listed directory itself (MLSD "cdir", LIST ".").
   */
  FTP_ENTRY_CDIR = 3,
  /**
   * Its parent (MLSD "pdir", LIST "..").
   */
  FTP_ENTRY_PDIR = 4,
  /**
   * A symbolic link (see ftp_entry_link_target()).
   */
  FTP_ENTRY_LINK = 5,
  /**
   * A device, FIFO or socket.
   */
  FTP_ENTRY_SPECIAL = 6,
  /**
   * Another type the server named (e.g. an MLSD "OS.x=y" type).
   */
  FTP_ENTRY_OTHER = 7,
} ftp_entry_type;

/**
 * One step of a mirror (ftp_mirror_cb).
 */
typedef enum {
  /**
   * A file is downloaded (new or changed).
   */
  FTP_MIRROR_GET = 0,
  /**
   * A file is uploaded (new or changed).
   */
  FTP_MIRROR_PUT = 1,
  /**
   * A directory is created.
   */
  FTP_MIRROR_MKDIR = 2,
  /**
   * Something the source no longer has is deleted from the copy.
   */
  FTP_MIRROR_REMOVE = 3,
  /**
   * Up to date (same size and time): nothing to do.
   */
  FTP_MIRROR_UNCHANGED = 4,
  /**
   * Left out: it matched a skip pattern.
   */
  FTP_MIRROR_SKIPPED = 5,
  /**
   * Left out: a symbolic link (without FTP_MIRROR_FOLLOW_SYMLINKS, or with it, a
   * link the server will not send as a file, one to a directory, or a link where
   * the local copy has a directory, which is kept).
   */
  FTP_MIRROR_SKIPPED_LINK = 6,
  /**
   * Refused: a name from the server that could escape the target directory ("..",
   * "/", "\\", NUL), a local name that cannot be sent (CR, LF), or a local entry
   * other than a directory (a symbolic link, say) where the server has a directory,
   * or a name whose local file or directory another listed name already has (on a
   * file system that ignores case, "readme" after "README"; hard-linked files do
   * not count): it is left as it is, never followed.
   */
  FTP_MIRROR_REFUSED = 7,
  /**
   * This entry failed: a file the server refused or cut short, a directory it would
   * not list (or that could not be made), a local error for one file (a name too
   * long for the local file system, a full disk). The mirror goes on;
   * ftp_mirror_failure() tells why once it returns. @since 1.1 (a callback written
   * for 1.0 sees a value it does not know: it should return 0 for it).
   */
  FTP_MIRROR_FAILED = 8,
} ftp_mirror_action;

/**
 * How a session uses TLS (ftp_set_tls()).
 */
typedef enum {
  /**
   * Plain FTP (the default). ftp_auth() can still secure a connection by hand.
   */
  FTP_TLS_OFF = 0,
  /**
   * Explicit FTPS: ftp_connect() sends AUTH TLS after the welcome and fails if the
   * server refuses; ftp_login() never sends credentials in clear text.
   */
  FTP_TLS_EXPLICIT = 1,
  /**
   * Implicit FTPS: TLS from the first byte; port 0 in ftp_connect() means 990.
   */
  FTP_TLS_IMPLICIT = 2,
} ftp_tls_mode;

/**
 * A TLS protocol version, for ftp_tls_config_set_versions().
 */
typedef enum {
  /**
   * The default: TLS 1.2 as the minimum, no maximum (the newest OpenSSL has).
   */
  FTP_TLS_VERSION_DEFAULT = 0,
  FTP_TLS_VERSION_1_0 = 10,
  FTP_TLS_VERSION_1_1 = 11,
  FTP_TLS_VERSION_1_2 = 12,
  FTP_TLS_VERSION_1_3 = 13,
} ftp_tls_version;

/**
 * Which command asks the server for a passive data port (ftp_set_passive_mode()).
 * @since 1.1
 */
typedef enum {
  /**
   * The default: EPSV first; over IPv4, PASV when the server refuses EPSV, or when
   * the connection's first EPSV gets no reply within 5 seconds (or the reply timeout,
   * if shorter). EPSV is then not sent again on that connection. The reply that
   * comes late is dropped when it arrives (a 229 cannot answer PASV or any later
   * pipelined command), so the session stays in step; a late refusal of EPSV is taken
   * for PASV's and fails that one transfer. Over IPv6 only EPSV is sent.
   */
  FTP_PASSIVE_EPSV_THEN_PASV = 0,
  /**
   * PASV only, never EPSV (curl's --disable-epsv), for servers and middleboxes that
   * mishandle EPSV. PASV names an IPv4 address: most servers refuse it over IPv6.
   */
  FTP_PASSIVE_PASV_ONLY = 1,
  /**
   * EPSV only, never PASV: a refused EPSV fails the transfer, an unanswered one is a
   * reply timeout (FTP_E_TIMEOUT, the session then unusable).
   */
  FTP_PASSIVE_EPSV_ONLY = 2,
} ftp_passive_mode;

/**
 * A queue of downloads and uploads run over a pool (ftp_batch_run()), and afterwards
 * each item's result. Opaque; create with ftp_batch_new(), destroy with
 * ftp_batch_free(). Like a session, one thread at a time uses it (FTP_E_BUSY from
 * another thread while one is inside, ftp_batch_run() included); it may move between
 * threads. To stop a running batch from another thread use ftp_pool_interrupt() on
 * its pool, or cancel from its progress callback.
 */
typedef struct ftp_batch ftp_batch;

/**
 * A data connection opened by ftp_transfercmd(), read or written by the caller (over
 * TLS when PROT P is in force: the bytes read and written are the plain ones).
 * Opaque; free with ftp_data_free(). It holds no reference to its session, so it may
 * be used on another thread than the session, and may outlive it.
 */
typedef struct ftp_data ftp_data;

/**
 * One directory entry. Opaque; read it with the ftp_entry_* functions. Entries passed
 * to an ftp_entry_cb are valid during the call; entries of an ftp_entry_list until
 * ftp_entry_list_free(). The ftp_entry_* getters read the entry directly (no guard, no
 * busy check): a free of its list must be ordered after every use of the entry and of
 * the strings its getters return, which belong to the entry.
 */
typedef struct ftp_entry ftp_entry;

/**
 * A whole listing, kept in memory. Opaque; free with ftp_entry_list_free().
 */
typedef struct ftp_entry_list ftp_entry_list;

/**
 * One MLSD entry, valid only during the ftp_mlsd_cb call. Opaque: read it with the
 * ftp_mlsd_entry_* functions, which may only be called inside that callback.
 */
typedef struct ftp_mlsd_entry ftp_mlsd_entry;

/**
 * A pool of sessions to one server, opened with the connection parameters of a
 * session that connected and logged in once. Opaque; create with ftp_pool_new(),
 * destroy with ftp_pool_free().
 *
 * Made for sharing: every ftp_pool_* function may be called on one pool from any
 * number of threads at once (none returns FTP_E_BUSY, none FTP_E_RECURSIVE: a
 * batch's callback may call them too). ftp_pool_free() never frees under a call
 * still running on another thread: the pool is freed when the last one returns.
 * Failure messages are kept per thread: ftp_pool_last_error().
 */
typedef struct ftp_pool ftp_pool;

/**
 * An FTP session (a connection and its settings). Opaque; create with ftp_new(),
 * destroy with ftp_free().
 */
typedef struct ftp_session ftp_session;

/**
 * TLS settings (like Python's ssl.SSLContext): trust anchors, verification, client
 * certificate, protocol versions, ciphers, session reuse. Opaque; create with
 * ftp_tls_config_new(), give to sessions with ftp_set_tls() (which copies it), free
 * with ftp_tls_config_free(). Any number of threads may read it at once
 * (ftp_set_tls(), ftp_tls_config_last_error()), so one configuration can serve many
 * sessions; a setter refuses with FTP_E_BUSY while another thread is inside a call
 * on it, as every object does.
 */
typedef struct ftp_tls_config ftp_tls_config;

/**
 * A parsed ftp:// or ftps:// URL. Opaque; create with ftp_url_new(), fill with
 * ftp_url_parse(), free with ftp_url_free(). Strings it hands out stay valid until the
 * next ftp_url_parse() on it or ftp_url_free(); it may be read from several threads,
 * but not while another thread parses into it: a getter then returns NULL (0, false)
 * rather than wait, as it does once ftp_url_free() has started. ftp_url_free() must
 * be ordered after every use of u and of the strings it handed out: the deferred free
 * protects the object, not those pointers.
 */
typedef struct ftp_url ftp_url;

/**
 * Receives the protocol trace. `line` is NUL-terminated and valid only during the call;
 * passwords are already replaced by '*', and text from the server is converted as for
 * ftp_session_last_reply_text(). Must not call into the session (FTP_E_RECURSIVE).
 */
typedef void (*ftp_log_cb)(void *userdata, ftp_log_kind kind, const char *line);

/**
 * Receives a block of downloaded (or, for uploads, just-sent) bytes. `buf` is valid
 * only during the call. Return 0 to go on, non-zero to cancel the transfer.
 */
typedef int (*ftp_data_cb)(void *userdata, const uint8_t *buf, size_t len);

/**
 * Receives one line of a text transfer or listing, without its line ending. `line`
 * is NUL-terminated for convenience, but `len` is authoritative (a hostile server can
 * put NUL bytes in a line); valid only during the call. Return 0 to go on, non-zero to
 * cancel.
 */
typedef int (*ftp_line_cb)(void *userdata, const char *line, size_t len);

/**
 * Supplies bytes to upload: write up to `cap` bytes to `buf`, store the count in
 * `*len_out` (0 means end of data) and return 0; return non-zero to cancel. A count
 * larger than `cap` fails the upload with FTP_E_INVALID.
 */
typedef int (*ftp_read_cb)(void *userdata, uint8_t *buf, size_t cap, size_t *len_out);

/**
 * Receives transfer progress: `bytes` moved so far, `total` expected (-1 when unknown:
 * the server announced no size, or see ftp_set_progress_callback() for REST), and the average
 * `rate` in bytes per second. Return 0
 * to go on, non-zero to cancel the transfer (FTP_E_CANCELLED, the session stays usable).
 * Must not call into the session (FTP_E_RECURSIVE).
 */
typedef int (*ftp_progress_cb)(void *userdata, uint64_t bytes, int64_t total, double rate);

/**
 * Receives transfer progress with the resume point (see
 * ftp_set_progress_callback2()): `offset` is where the transfer started in the file
 * (its REST offset, 0 without one), `bytes` what has moved since, so `offset + bytes`
 * is the absolute position; `total` is what is expected to move in all (-1 when
 * unknown), so `offset + total` is the whole file's size; `rate` is the average in
 * bytes per second. Return 0 to go on, non-zero to cancel the transfer
 * (FTP_E_CANCELLED, the session stays usable). Must not call into the session
 * (FTP_E_RECURSIVE).
 * @since 1.1
 */
typedef int (*ftp_progress2_cb)(void *userdata,
                                uint64_t offset,
                                uint64_t bytes,
                                int64_t total,
                                double rate);

/**
 * Receives one MLSD entry. Return 0 to go on, non-zero to cancel the listing.
 */
typedef int (*ftp_mlsd_cb)(void *userdata, const ftp_mlsd_entry *entry);

/**
 * Receives one entry of a listing, valid only during the call. Return 0 to go on,
 * non-zero to cancel (FTP_E_CANCELLED).
 */
typedef int (*ftp_entry_cb)(void *userdata, const ftp_entry *entry);

/**
 * Receives one entry of a walk, valid only during the call: `path` (`path_len` bytes,
 * then a NUL; the bytes may hold a NUL of their own only with FTP_WALK_UNSAFE_NAME) is
 * the root joined with the names below it by '/', `depth` is 1 for the root's own
 * entries, `entry` holds the type and facts (ftp_entry_* getters), and `flags` is 0 or
 * FTP_WALK_UNSAFE_NAME or FTP_WALK_LOOP. Return 0 to go on, non-zero to stop the walk
 * (FTP_E_CANCELLED). Must not call into the session (FTP_E_RECURSIVE).
 */
typedef int (*ftp_walk_cb)(void *userdata,
                           const char *path,
                           size_t path_len,
                           uint32_t depth,
                           const ftp_entry *entry,
                           uint32_t flags);

/**
 * Gives the passphrase of an encrypted private key to
 * ftp_tls_config_set_client_cert_pem_cb(): write it (bytes, no NUL needed) into `buf`,
 * at most `cap` bytes, store its length in `*len_out` and return 0; return non-zero
 * to give up (the setter then fails with FTP_E_CANCELLED). Called at most once, only
 * if the key is encrypted, inside the setter on the calling thread; must not call
 * into the configuration (FTP_E_RECURSIVE) and must not unwind (longjmp, C++
 * exception) through libftp. Clear `buf` yourself if that matters to you: libftp
 * wipes nothing it did not allocate.
 */
typedef int (*ftp_tls_passphrase_cb)(void *userdata, char *buf, size_t cap, size_t *len_out);

/**
 * Decides on the server's certificate chain in each full TLS handshake (see
 * ftp_tls_config_set_verify_cb()). `count` certificates, DER, the server's own first,
 * then its issuers as OpenSSL built the chain: certificate i is `certs[i]`, of
 * `cert_lens[i]` bytes. `verified` is OpenSSL's verdict (chain, dates, and the host
 * name when verification is on), `x509_error` OpenSSL's X509_V_* code (0 when
 * verified) and `reason` its text (e.g. "self-signed certificate"). Everything
 * pointed to is valid only during the call. Return 0 to accept the chain (even one
 * OpenSSL rejected), non-zero to reject it (FTP_E_TLS_UNTRUSTED).
 */
typedef int (*ftp_tls_verify_cb)(void *userdata,
                                 const uint8_t *const *certs,
                                 const size_t *cert_lens,
                                 size_t count,
                                 bool verified,
                                 int x509_error,
                                 const char *reason);

/**
 * Hears of each step of a mirror: of a download or upload (FTP_MIRROR_GET,
 * FTP_MIRROR_PUT) once the file is complete, of a failure (FTP_MIRROR_FAILED) when it
 * happens, of the other steps before they are done (or instead of them, in a dry
 * run). It is always called on the thread that called ftp_mirror(), also when other
 * sessions work in parallel (ftp_set_mirror_parallel()).
 * `path` is relative to the mirrored directory ('/'-separated bytes, `len` long,
 * NUL-terminated, valid during the call), `size` the file's size or -1. Return 0 to go
 * on, non-zero to stop the mirror (FTP_E_CANCELLED).
 */
typedef int (*ftp_mirror_cb)(void *userdata,
                             ftp_mirror_action action,
                             const char *path,
                             size_t len,
                             int64_t size);

/**
 * Receives a batch's progress: for the file `index` (in the order added), `bytes`
 * moved so far in its current attempt and `total` expected (-1 when unknown);
 * `finished` is 0 while it runs, then once 1 (done) or -1 (failed; its result says
 * why) with bytes and total 0 and -1; for the batch, `files_done` of `files_total`
 * items ended and `batch_bytes` moved in all. Returns FTP_BATCH_CONTINUE,
 * FTP_BATCH_CANCEL_FILE (ignored in a finished report) or FTP_BATCH_CANCEL.
 * Called from the batch's worker threads, never two calls at once. It must not call
 * ftp_batch_* on its batch (FTP_E_BUSY) and must not unwind (longjmp); it may call
 * ftp_pool_interrupt().
 */
typedef int (*ftp_batch_cb)(void *userdata,
                            size_t index,
                            uint64_t bytes,
                            int64_t total,
                            int finished,
                            size_t files_done,
                            size_t files_total,
                            uint64_t batch_bytes);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Creates a session, not yet connected: passive mode, no timeout, debug level 0.
 *
 * @return a new session, owned by the caller and freed with ftp_free(). Running out of
 *         memory aborts the process (as Rust's allocator does) rather than returning
 *         NULL; NULL only after an internal error.
 */
ftp_session *ftp_new(void);

/**
 * Frees a session, closing its connection without sending QUIT (call ftp_quit() first
 * for a polite goodbye). Also accepted on a session made unusable by FTP_E_PANIC. A
 * data connection from ftp_transfercmd() is not freed with it: see ftp_data_free().
 *
 * Called from inside one of the session's callbacks, or while another thread is in a
 * call on the session, it never frees under that call: the session is freed when the
 * call returns. The running call goes on to its end (its callbacks may still be
 * called, so their userdata must stay valid until it returns) and returns its own
 * result. (In 1.0, ftp_free() from a callback was ignored and the session leaked.)
 * To wake a blocked call, call ftp_interrupt() before ftp_free(): once ftp_free() has
 * started, h must not be passed again, to ftp_interrupt() neither (which would find it
 * being freed and return FTP_E_NULL, if the memory were still there at all).
 *
 * h is invalid once ftp_free() returns, and no new call may start on it: like free(),
 * it must be ordered after every use of the session and of what it handed out (the
 * strings of its getters and of calls such as ftp_pwd()); the deferred free protects
 * the library's own state, not those pointers.
 *
 * @param h the session, or NULL (does nothing); not usable afterwards.
 */
void ftp_free(ftp_session *h);

/**
 * Connects to an FTP server and reads its welcome (ftplib's FTP.connect). Any previous
 * connection of the session is closed first. Names that resolve to several addresses
 * are tried in turn. A 120 welcome ("ready in n minutes") is followed by the 220.
 * With ftp_set_tls(): in FTP_TLS_IMPLICIT mode TLS starts before the welcome; in
 * FTP_TLS_EXPLICIT mode AUTH TLS follows it (see ftp_auth()). The TLS certificate is
 * checked against `host`.
 *
 * @param h the session.
 * @param host host name or IP address (UTF-8, no CR/LF/NUL; required); a link-local
 *        IPv6 address names its interface as "fe80::1%eth0" (TLS then checks the
 *        certificate against the address alone).
 * @param port TCP port; 0 means 21 (990 in FTP_TLS_IMPLICIT mode).
 * @param timeout_ms timeout in milliseconds for connecting, for each whole reply, and
 *        for every later write and each data connection read (see ftp_set_timeouts());
 *        0 means no timeout (block).
 * @param source_address local IP address to bind control and data connections to, or
 *        NULL for any.
 * @return FTP_OK; FTP_E_RESOLVE; FTP_E_IO (refused, unreachable...); FTP_E_TIMEOUT;
 *         FTP_E_CLOSED (closed before the welcome); FTP_E_TEMP/FTP_E_PERM for a 4xx/5xx
 *         welcome (e.g. 421); FTP_E_REPLY for another welcome that is not 2xx;
 *         FTP_E_PROTO for a malformed welcome; FTP_E_INVALID (bad host, source_address
 *         not an IP address or of another family than host's addresses); FTP_E_NULL if
 *         host is NULL; in TLS modes also FTP_E_TLS_REQUIRED (AUTH refused, a 230
 *         welcome, or plain text on an implicit port), FTP_E_TLS_UNTRUSTED,
 *         FTP_E_TLS_HOSTNAME, FTP_E_TLS_EXPIRED, FTP_E_TLS, and FTP_E_PROTO for bytes
 *         sent between the AUTH reply and the handshake (and the general errors, see
 *         the top of this header). On failure the session is left unconnected.
 */
ftp_result ftp_connect(ftp_session *h,
                       const char *host,
                       uint16_t port,
                       uint32_t timeout_ms,
                       const char *source_address);

/**
 * Sets the local port the control connection is bound to, from the next
 * ftp_connect() (or ftp_connect_url()) on: the port of ftplib's
 * source_address=(host, port), for firewalls that admit clients by source port. With
 * a source_address given to ftp_connect() the port is bound on it; without one, on
 * the unspecified address (0.0.0.0 or ::) of the server's family. Data connections
 * never use this port: a second connection from the same port to the same server
 * could not be told from the control connection (ftplib, which binds its passive data
 * connections to the same address and port, fails there with "address in use"); they
 * bind the source address alone, with a port the system chooses, as active-mode
 * listeners do. The port is bound with SO_REUSEADDR: a connection to another server
 * may follow a closed one at once, but to the same server, after a connection this
 * side closed first, ftp_connect() fails with FTP_E_IO until TIME_WAIT (about a
 * minute) has passed. A port in use by another connection to the same server also
 * fails with FTP_E_IO. A port below 1024 needs privileges.
 *
 * @param h the session.
 * @param port the local port, or 0 (the default) for one the system chooses.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 * @since 1.1
 */
ftp_result ftp_set_source_port(ftp_session *h, uint16_t port);

/**
 * Sets the proxy that the control connection and every data connection go through,
 * from the next ftp_connect() (or ftp_connect_url()) on, as curl's -x takes it:
 * "socks5://host:port" (SOCKS5, RFC 1928; host names resolved by this library),
 * "socks5h://host:port" (SOCKS5, host names resolved by the proxy), or
 * "http://host:port" (an HTTP proxy asked with CONNECT; also the meaning of a string
 * without a scheme). "user:password@" before the host gives the proxy's credentials
 * (SOCKS5 user name and password, RFC 1929; HTTP basic authentication), with '%'
 * escapes for special characters. Without a port, 1080. An IPv6 proxy address goes
 * in brackets. Only passive mode works through a proxy: a transfer in active mode on
 * a proxied connection fails with FTP_E_STATE. Each data connection goes through the
 * proxy to the host given to ftp_connect() at the port the server names (by name
 * for socks5h:// and http://: the proxy resolves it). The exchange with the proxy
 * counts against the connect timeout. A connection already open keeps its proxy.
 * Errors from the proxy: FTP_E_PROXY_AUTH (credentials wanted or refused), FTP_E_PROXY
 * (target refused, garbled reply); the session's message names the proxy.
 *
 * @param h the session.
 * @param proxy_url the proxy as above (UTF-8, copied), or NULL for direct connections
 *        (the default).
 * @return FTP_OK, FTP_E_INVALID for a string that is not such a proxy URL (unknown
 *         scheme, bad port, a path, a SOCKS5 user name or password over 255 bytes;
 *         the setting is then unchanged), or one of the general errors (see the top of
 *         this header).
 * @since 1.1
 */
ftp_result ftp_set_proxy(ftp_session *h, const char *proxy_url);

/**
 * The welcome reply of the current connection (ftplib's getwelcome), all its lines
 * joined by '\n', converted as for ftp_session_last_reply_text().
 *
 * @param h the session.
 * @return the text, owned by the session and valid until the next call on it; NULL if
 *         not connected, or if h is NULL, in use by another thread or the call comes
 *         from one of its callbacks.
 */
const char *ftp_getwelcome(const ftp_session *h);

/**
 * Logs in (ftplib's FTP.login): USER, then PASS if the server asks (3xx), then ACCT if
 * it asks again. In a TLS mode nothing is sent unless the control connection is
 * encrypted (AUTH TLS first if needed, like FTP_TLS.login), and a login over TLS is
 * followed by PBSZ 0 + PROT P unless the TLS configuration turns that off. Then FEAT
 * and, where offered, OPTS UTF8 ON (see ftp_set_feat_after_login()): a refusal of
 * either leaves the login standing, but a 421 to them is FTP_E_TEMP.
 *
 * @param h the session.
 * @param user user name, or NULL or "" for "anonymous".
 * @param passwd password, or NULL for ""; for anonymous, "" and "-" become
 *        "anonymous@" and "-anonymous@" as in ftplib.
 * @param acct account for servers that answer 332, or NULL.
 * @return FTP_OK; FTP_E_PERM (530 login incorrect); FTP_E_TEMP (e.g. 421); FTP_E_REPLY
 *         (a final reply that is not 2xx); FTP_E_INVALID (CR/LF/NUL, not UTF-8);
 *         FTP_E_STATE if not connected, the connection is unusable or a transfer is
 *         open; FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED/FTP_E_PROTO for connection failures;
 *         in a TLS mode, the errors of ftp_auth() and ftp_prot_p(), and
 *         FTP_E_TLS_REQUIRED after ftp_ccc() (and the general errors, see the top of
 *         this header).
 */
ftp_result ftp_login(ftp_session *h, const char *user, const char *passwd, const char *acct);

/**
 * Sets the protocol trace level (ftplib's set_debuglevel): 0 off, 1 one line per
 * command and per reply, 2 every line in both directions. Passwords are masked. The
 * trace goes to the callback set with ftp_set_log_callback(), or to stderr.
 *
 * @param h the session.
 * @param level 0, 1 or 2 (larger values mean 2).
 * @return FTP_OK; FTP_E_INVALID for a negative level (and the general errors, see the
 *         top of this header).
 */
ftp_result ftp_set_debuglevel(ftp_session *h, int level);

/**
 * Sends the protocol trace to `cb` instead of stderr (NULL restores stderr). The
 * callback runs on the thread making the call that produced the line, and stays set
 * across connections until replaced.
 *
 * @param h the session.
 * @param cb the callback, or NULL.
 * @param userdata passed back to cb as its first argument; must stay valid while cb is
 *        set.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_log_callback(ftp_session *h, ftp_log_cb cb, void *userdata);

/**
 * Sends a command and reads its reply (ftplib's sendcmd). The reply is available
 * through ftp_session_last_reply_code() and ftp_session_last_reply_text(). A 426 to a
 * command that opens no transfer (not RETR, STOR, STOU, APPE, LIST, NLST, MLSD, ABOR)
 * is a late reply for a transfer aborted before: it is dropped (logged at level 1)
 * and the command's own reply read.
 *
 * @param h the session.
 * @param cmd the command line without CRLF (bytes as given; CR, LF, NUL refused before sending).
 * @return FTP_OK for a 1xx-3xx reply; FTP_E_TEMP for 4xx; FTP_E_PERM for 5xx;
 *         FTP_E_PROTO for a malformed reply or a code outside 1xx-5xx; FTP_E_INVALID;
 *         FTP_E_NULL if cmd is NULL; FTP_E_STATE if not connected, the connection is
 *         unusable or a transfer is open; FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED for
 *         connection failures (and the general errors, see the top of this header).
 */
ftp_result ftp_sendcmd(ftp_session *h, const char *cmd);

/**
 * Like ftp_sendcmd(), but any reply other than 2xx is an error (ftplib's voidcmd).
 *
 * @param h the session.
 * @param cmd the command line without CRLF (bytes as given; CR, LF, NUL refused before sending).
 * @return as ftp_sendcmd(), and FTP_E_REPLY for a 1xx or 3xx reply.
 */
ftp_result ftp_voidcmd(ftp_session *h, const char *cmd);

/**
 * Reads the reply that ends a transfer started with ftp_transfercmd() (ftplib's
 * voidresp): call it after ftp_data_free(). It waits for a reply even when no transfer
 * is open.
 *
 * @param h the session.
 * @return FTP_OK for 2xx; FTP_E_TEMP for 4xx (e.g. 426 transfer aborted); FTP_E_PERM
 *         for 5xx; FTP_E_REPLY for 1xx/3xx; FTP_E_PROTO for a malformed reply or a code
 *         outside 1xx-5xx; FTP_E_STATE if not connected or the connection is unusable;
 *         FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED for connection failures (and the general
 *         errors, see the top of this header).
 */
ftp_result ftp_voidresp(ftp_session *h);

/**
 * Aborts a transfer in progress (ftplib's abort): sends ABOR (a plain line since 1.1,
 * as ftplib sends it; 1.0 sent Telnet IP and Synch as urgent data first, which
 * ftp_set_abort_urgent() brings back), then reads the reply. Accepted: 225 or 226; or 426 or 451 (the
 * transfer's failure) usually followed by 225/226: NOOP is sent and replies are read up
 * to its 200, so a server that sends nothing more is not waited for. With a data
 * connection from ftp_transfercmd() open, a 225/226 is followed by the same NOOP step,
 * which skips replies queued before the ABOR reply, so the session stays in step. With
 * a transfer open, the transfer's own failure under another code (ftp-srv: "551 write
 * ECONNRESET") ends it too. The 225/226 (else the transfer's failure) is kept as the
 * last reply; an ABOR reply that comes only after the NOOP's 200 (ftp-srv answers
 * commands out of order) is dropped when the next command reads it.
 *
 * Unlike ftplib, the open data connection is also reset (its ftp_data handle then reads
 * end-of-file; still free it with ftp_data_free()). Servers that only look for ABOR
 * between writes, vsftpd by default among them, otherwise stay blocked on a full socket
 * and never answer. It also wakes a thread blocked in ftp_data_read(): the session is
 * not in use while its data connection is read, so another thread may call ftp_abort().
 *
 * @param h the session.
 * @return FTP_OK; FTP_E_PROTO if the reply is not one of those, or NOOP gets no 200
 *         within 8 replies; FTP_E_TEMP if the server answers 421 (closing);
 *         FTP_E_STATE if not connected or the connection is unusable;
 *         FTP_E_CLOSED/FTP_E_TIMEOUT/FTP_E_IO for connection failures; FTP_E_RECURSIVE
 *         from inside one of the session's callbacks (return non-zero from it instead);
 *         FTP_E_BUSY from another thread while a call on the session runs (and the
 *         general errors, see the top of this header).
 */
ftp_result ftp_abort(ftp_session *h);

/**
 * Chooses passive (true, the default) or active mode for later transfers (ftplib's
 * set_pasv). Passive: EPSV, and PASV if the server refuses EPSV on IPv4. Active: the
 * library listens on the control connection's local address and sends PORT (IPv4) or
 * EPRT (IPv6); only the server's address may connect.
 *
 * @param h the session.
 * @param passive true for passive mode, false for active mode.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_pasv(ftp_session *h, bool passive);

/**
 * Whether to connect to the address a PASV (227) reply names (ftplib's
 * trust_server_pasv_ipv4_address). Off by default: the control connection's peer
 * address is used with the port from the reply, so a hostile server cannot point
 * the data connection at another host.
 *
 * @param h the session.
 * @param trust true to use the address in the 227 reply, false (the default) to use
 *        the control connection's peer address.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_trust_server_pasv_ipv4_address(ftp_session *h, bool trust);

/**
 * Sends QUIT and closes the connection, even when QUIT fails (ftplib's quit).
 *
 * @param h the session.
 * @return FTP_OK; FTP_E_STATE if not connected (or the connection is unusable);
 *         FTP_E_REPLY for a 1xx/3xx reply; FTP_E_TEMP/FTP_E_PERM for 4xx/5xx;
 *         FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED/FTP_E_PROTO for connection failures (and
 *         the general errors, see the top of this header). The connection is closed
 *         whatever the result.
 */
ftp_result ftp_quit(ftp_session *h);

/**
 * Closes the connection without sending anything (ftplib's close). The session keeps
 * its settings and can ftp_connect() again. Closing a closed session is FTP_OK.
 *
 * @param h the session.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_close(ftp_session *h);

/**
 * The code of the last reply read from the server (e.g. 226), kept across
 * ftp_close() until another reply is read or ftp_connect() starts a new connection.
 * After a call that failed without a reply from the server (a local file that cannot
 * be opened, an invalid argument, a timeout, a lost connection), 0 ("no reply") until
 * the next reply is read, never an earlier call's reply (since 1.1; 1.0 kept showing
 * it). So 0 after a failure means the server did not answer that call: see
 * ftp_session_last_error() for why it failed.
 * Where a refused TYPE went out with the command after it (pipelining), the call
 * failed on TYPE's reply, and this is its code, though the other reply came later.
 * Works on a session made unusable by FTP_E_PANIC.
 *
 * @param h the session.
 * A session's getters take one thread at a time, as its calls do (the session holds
 * callbacks that may not be shared between threads): two threads reading the same
 * session at once may get 0 or NULL.
 *
 * @return the code; 0 if no reply yet, or if h is NULL, in use by another thread
 *         (another getter included), being freed, or the call comes from one of its
 *         callbacks.
 */
int ftp_session_last_reply_code(const ftp_session *h);

/**
 * The text of the last reply read, all lines joined by '\n' with their codes (like
 * ftplib's reply strings). "" when ftp_session_last_reply_code() is 0. Invalid UTF-8 from the server appears as U+FFFD, NUL bytes
 * as '?'. Works on a session made unusable by FTP_E_PANIC.
 *
 * @param h the session.
 * @return owned by the session, valid until the next call on it (or ftp_free()); ""
 *         if no reply yet; NULL if h is NULL, in use by another thread (another getter
 *         included), being freed, or the call comes from one of its callbacks.
 */
const char *ftp_session_last_reply_text(const ftp_session *h);

/**
 * A message saying what the last call on this session failed on, with the details
 * ("PASV reply has 7 fields, expected 6: ..."); "" if it succeeded. When the server
 * refused something, the command comes first, a password masked: "RETR x: server
 * replied 550 No such file." Calls refused with
 * FTP_E_NULL (h itself NULL), FTP_E_BUSY or FTP_E_RECURSIVE on h, and the getters,
 * leave it unchanged; FTP_E_BUSY for another object the call reads (the TLS
 * configuration of ftp_set_tls(), the URL of ftp_connect_url()) is recorded, naming it. After FTP_E_PANIC it describes the panic and stays so.
 *
 * @param h the session.
 * @return owned by the session, valid until the next call on it (and during that call,
 *         so it may be passed to it as an argument) or ftp_free(); NULL if h is NULL,
 *         in use by another thread (another getter included), being freed, or the call
 *         comes from one of its callbacks.
 */
const char *ftp_session_last_error(const ftp_session *h);

/**
 * Sets the three timeouts separately, for the current connection and later ones.
 * Each is in milliseconds: 0 means none (block), FTP_TIMEOUT_DEFAULT means the
 * timeout_ms given to ftp_connect() (the initial setting of all three).
 *
 * @param h the session.
 * @param connect_ms establishing control and data connections, and waiting for the
 *        server's connection in active mode.
 * @param reply_ms how long the server may take to send a whole reply, however slowly
 *        its bytes come (ftplib's timeout bounds each read instead); also bounds each
 *        write of a command and the control connection's TLS handshake as a whole.
 * @param data_ms each read or write on a data connection: how long a transfer may
 *        stall before it fails with FTP_E_TIMEOUT (and is aborted); also bounds a data
 *        connection's TLS handshake as a whole.
 * @return FTP_OK; FTP_E_INVALID for a negative value other than FTP_TIMEOUT_DEFAULT
 *         (and the general errors, see the top of this header).
 */
ftp_result ftp_set_timeouts(ftp_session *h, int64_t connect_ms, int64_t reply_ms, int64_t data_ms);

/**
 * Turns TCP keep-alive on (or off) for later control and data connections: probes
 * after `idle_s` seconds without traffic, then every `interval_s` seconds, so that a
 * NAT box or firewall does not drop the control connection while a long transfer
 * keeps it silent. To keep an idle session open on the server's side too (servers
 * time out idle sessions, often after 300 s), send ftp_noop() every minute or so.
 *
 * @param h the session.
 * @param on true to enable, false (the default) to leave it off.
 * @param idle_s seconds of silence before the first probe (1 to 32767 when on).
 * @param interval_s seconds between probes (1 to 32767 when on).
 * @return FTP_OK; FTP_E_INVALID for idle_s or interval_s outside 1 to 32767 when on
 *         (and the general errors).
 */
ftp_result ftp_set_keepalive(ftp_session *h, bool on, uint32_t idle_s, uint32_t interval_s);

/**
 * The address to announce in active mode (PORT for IPv4, EPRT for IPv6) instead of the
 * control connection's local address, for a client behind NAT whose router forwards
 * the data ports to it. The listener still binds the local address, and only the
 * server may connect to it.
 *
 * @param h the session.
 * @param address an IPv4 or IPv6 address (text), or NULL to announce the local address
 *        again (the default).
 * @return FTP_OK; FTP_E_INVALID if address is not an IP address (and the general
 *         errors, see the top of this header).
 */
ftp_result ftp_set_active_address(ftp_session *h, const char *address);

/**
 * Renames a file or directory (ftplib's rename): RNFR `from`, which must get 3xx,
 * then RNTO `to`.
 *
 * @param h the session.
 * @param from the current name (bytes as given; no CR/LF/NUL).
 * @param to the new name (bytes as given; no CR/LF/NUL).
 * @return FTP_OK; FTP_E_PERM (e.g. 550 no such file) or FTP_E_TEMP for a 5xx/4xx to
 *         either command; FTP_E_REPLY if RNFR gets no 3xx or RNTO no 2xx; FTP_E_INVALID;
 *         FTP_E_NULL; FTP_E_STATE if not connected, the connection is unusable or a
 *         transfer is open; FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED/FTP_E_PROTO for
 *         connection failures (and the general errors, see the top of this header).
 */
ftp_result ftp_rename(ftp_session *h, const char *from, const char *to);

/**
 * Deletes a file (DELE; ftplib's delete).
 *
 * @param h the session.
 * @param path the file (bytes as given; no CR/LF/NUL).
 * @return FTP_OK for 250 or 200; FTP_E_PERM (e.g. 550 no such file) for 5xx;
 *         FTP_E_TEMP for 4xx; FTP_E_REPLY for any other 1xx-3xx; others as
 *         ftp_rename().
 */
ftp_result ftp_delete(ftp_session *h, const char *path);

/**
 * Changes the working directory (ftplib's cwd): ".." sends CDUP (then "CWD .." if the
 * server answers 500); "" means ".".
 *
 * @param h the session.
 * @param dir the directory (bytes as given; no CR/LF/NUL).
 * @return FTP_OK; FTP_E_PERM (e.g. 550) or FTP_E_TEMP; FTP_E_REPLY for a 1xx/3xx;
 *         others as ftp_rename().
 */
ftp_result ftp_cwd(ftp_session *h, const char *dir);

/**
 * Creates a directory (MKD; ftplib's mkd).
 *
 * @param h the session.
 * @param dir the directory to create (bytes as given; no CR/LF/NUL).
 * @param path_out receives the directory's path from the 257 reply ("" if the server
 *        answered another 2xx or did not quote the path), owned by the session and
 *        valid until the next call on it; may be NULL. The path is the server's bytes,
 *        not necessarily UTF-8 (control bytes in it are refused as FTP_E_PROTO).
 * @return FTP_OK; FTP_E_PERM (e.g. 550 exists) or FTP_E_TEMP; FTP_E_REPLY for a
 *         1xx/3xx; FTP_E_PROTO for a garbled 257 reply; others as ftp_rename().
 */
ftp_result ftp_mkd(ftp_session *h, const char *dir, const char **path_out);

/**
 * The working directory (PWD; ftplib's pwd).
 *
 * @param h the session.
 * @param path_out receives the path (required), as for ftp_mkd(): the server's bytes,
 *        owned by the session and valid until the next call on it.
 * @return as ftp_mkd().
 */
ftp_result ftp_pwd(ftp_session *h, const char **path_out);

/**
 * Removes a directory (RMD; ftplib's rmd).
 *
 * @param h the session.
 * @param dir the directory (bytes as given; no CR/LF/NUL).
 * @return as ftp_cwd().
 */
ftp_result ftp_rmd(ftp_session *h, const char *dir);

/**
 * The size of a file (ftplib's size): puts the server in TYPE I (servers refuse SIZE
 * in ASCII mode; TYPE is sent only when needed, see ftp_set_type_caching()), then SIZE.
 *
 * @param h the session.
 * @param path the file (bytes as given; no CR/LF/NUL).
 * @param size_out receives the size (required), or -1 when the server does not say: a
 *        1xx-3xx reply other than 213, or SIZE not implemented (500, 502, 504).
 * @return FTP_OK; FTP_E_PERM (e.g. 550 no such file) or FTP_E_TEMP; FTP_E_REPLY if
 *         TYPE I gets no 2xx; FTP_E_PROTO for a 213 reply that is not a number or does
 *         not fit in int64_t; others as ftp_rename().
 */
ftp_result ftp_size(ftp_session *h, const char *path, int64_t *size_out);

/**
 * Downloads in binary mode (ftplib's retrbinary): puts the server in TYPE I (sent
 * only when needed, see ftp_set_type_caching()), opens a data
 * connection, sends REST `rest` (unless FTP_NO_REST) and `cmd`, hands every block to
 * `callback`, then reads the final reply.
 *
 * Over a plain (not TLS) data connection bytes are read in bulk, so a slow server's
 * bytes may reach `callback` up to 10 ms after they arrived; the data timeout still
 * runs from the last byte received (docs/performance.md).
 *
 * @param h the session.
 * @param cmd the command, e.g. "RETR file.bin" (bytes as given; no CR/LF/NUL).
 * @param callback receives the data (required).
 * @param blocksize largest block passed to callback; 0 means 8192; values over 16 MiB
 *        count as 16 MiB.
 * @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
 * @param userdata passed to callback as its first argument.
 * @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero (the transfer was
 *         aborted, the session is usable); FTP_E_TEMP/FTP_E_PERM for 4xx/5xx replies
 *         (425 cannot open data connection, 550 no such file...); FTP_E_REPLY for a
 *         reply of an unexpected class (no 1xx to the command, a final reply that is
 *         not 2xx); FTP_E_PROTO for malformed replies (e.g. an unparsable PASV reply);
 *         FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED for connection failures; with PROT P,
 *         FTP_E_TLS for a failed data handshake or a truncated download (see "TLS" at
 *         the top of this header); FTP_E_STATE if
 *         not connected, the connection is unusable or a transfer from
 *         ftp_transfercmd() is open; FTP_E_INVALID for a bad cmd or a rest below -1;
 *         FTP_E_NULL (and the general errors, see the top of this header).
 */
ftp_result ftp_retr_binary(ftp_session *h,
                           const char *cmd,
                           ftp_data_cb callback,
                           size_t blocksize,
                           int64_t rest,
                           void *userdata);

/**
 * Downloads in ASCII mode line by line (ftplib's retrlines): puts the server in TYPE A
 * (sent only when needed, see ftp_set_type_caching()), sends `cmd`,
 * hands each line without its CRLF/LF to `callback`, then reads the final reply.
 *
 * @param h the session.
 * @param cmd the command, e.g. "RETR notes.txt", "LIST" or "NLST" (bytes as given; no
 *        CR/LF/NUL).
 * @param callback receives each line; NULL prints each line and '\n' to stdout (as
 *        ftplib does).
 * @param userdata passed to callback as its first argument.
 * @return as ftp_retr_binary(); also FTP_E_PROTO for a line longer than 8192 bytes
 *         (not counting its line ending), and FTP_E_IO if stdout cannot be written
 *         (NULL callback).
 */
ftp_result ftp_retr_lines(ftp_session *h, const char *cmd, ftp_line_cb callback, void *userdata);

/**
 * Uploads in binary mode (ftplib's storbinary): puts the server in TYPE I (sent only
 * when needed, see ftp_set_type_caching()), opens a data connection,
 * sends REST `rest` (unless FTP_NO_REST) and `cmd`, sends what `reader` supplies in
 * blocks of up to `blocksize`, calling `callback` (if any) after each block, closes the
 * data connection and reads the final reply.
 *
 * @param h the session.
 * @param cmd e.g. "STOR file.bin" or "APPE log.txt" (bytes as given; no CR/LF/NUL).
 * @param reader supplies the bytes (required).
 * @param blocksize buffer size offered to reader; 0 means 8192; values over 16 MiB
 *        count as 16 MiB.
 * @param callback called with each block after it is sent, or NULL.
 * @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
 * @param userdata passed to reader and callback as their first argument.
 * @return FTP_OK; FTP_E_CANCELLED if reader or callback returned non-zero;
 *         FTP_E_INVALID also if reader stored a count larger than its cap; FTP_E_PERM
 *         (e.g. 552 storage exceeded, 553 name not allowed); if sending fails, the
 *         server's error reply when it gave one, else FTP_E_IO/FTP_E_TIMEOUT; others
 *         as ftp_retr_binary().
 */
ftp_result ftp_stor_binary(ftp_session *h,
                           const char *cmd,
                           ftp_read_cb reader,
                           size_t blocksize,
                           ftp_data_cb callback,
                           int64_t rest,
                           void *userdata);

/**
 * Uploads text line by line (ftplib's storlines): puts the server in TYPE A (sent only
 * when needed, see ftp_set_type_caching()), sends `cmd`, splits what
 * `reader` supplies at LF and sends each line ending in CRLF (a line ending in a lone
 * CR or LF gets CRLF instead; a last line without an ending gets one), closes the data
 * connection and reads the final reply.
 *
 * @param h the session.
 * @param cmd e.g. "STOR notes.txt" (bytes as given; no CR/LF/NUL).
 * @param reader supplies the text (required).
 * @param callback called with each line as sent (with its CRLF), or NULL.
 * @param userdata passed to reader and callback as their first argument.
 * @return as ftp_stor_binary(); also FTP_E_INVALID for a line longer than 8192 bytes
 *         counting the line ending reader gave it (so at most 8191 bytes before a LF).
 */
ftp_result ftp_stor_lines(ftp_session *h,
                          const char *cmd,
                          ftp_read_cb reader,
                          ftp_data_cb callback,
                          void *userdata);

/**
 * Opens a data connection and sends `cmd` (ftplib's ntransfercmd): the data connection
 * is set up first (passive connect, or active PORT/EPRT), then REST `rest` if given,
 * then the command, whose reply must be 1xx (a 2xx before it is skipped). With
 * pipelining (ftp_set_pipelining()), once EPSV has worked on the connection and no
 * REST is given, EPSV and the command go in one write, before the connect.
 *
 * The caller then reads (downloads) or writes (uploads) with ftp_data_read() /
 * ftp_data_write(), frees the connection with ftp_data_free() and reads the final
 * reply with ftp_voidresp(), or calls ftp_abort(). Until then, calls that send a
 * command fail with FTP_E_STATE (ftp_voidresp, ftp_abort, ftp_quit, ftp_close and
 * ftp_connect are accepted). TYPE is not changed: send "TYPE I" first if needed.
 *
 * @param h the session.
 * @param cmd e.g. "RETR big.iso" or "STOR up.bin" (bytes as given; no CR/LF/NUL).
 * @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
 * @param data_out receives the data connection on success (required); the caller owns
 *        it and frees it with ftp_data_free().
 * @param size_out receives the size announced by a 150 reply "(N bytes)", or -1 if
 *        none; may be NULL.
 * @return FTP_OK; FTP_E_REPLY if the command's reply is not 1xx; FTP_E_TEMP/FTP_E_PERM
 *         for refusals; others as ftp_retr_binary() (but never FTP_E_CANCELLED).
 */
ftp_result ftp_ntransfercmd(ftp_session *h,
                            const char *cmd,
                            int64_t rest,
                            ftp_data **data_out,
                            int64_t *size_out);

/**
 * ftp_ntransfercmd() without the size (ftplib's transfercmd).
 *
 * @param h the session.
 * @param cmd e.g. "RETR big.iso" or "STOR up.bin" (bytes as given; no CR/LF/NUL).
 * @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
 * @param data_out receives the data connection on success (required); free it with
 *        ftp_data_free().
 * @return as ftp_ntransfercmd().
 */
ftp_result ftp_transfercmd(ftp_session *h, const char *cmd, int64_t rest, ftp_data **data_out);

/**
 * Reads up to `cap` bytes from a data connection, blocking until some arrive (within
 * the data timeout of ftp_set_timeouts(), which defaults to the one given to
 * ftp_connect()). Failures are not recorded on the session but on d
 * (ftp_data_last_error()).
 *
 * Another thread may call ftp_abort() on the session meanwhile: that resets the
 * connection, and a read blocked here returns FTP_OK with *len_out = 0.
 *
 * @param d the data connection from ftp_ntransfercmd() / ftp_transfercmd().
 * @param buf where to store the bytes (required).
 * @param cap the size of buf; must not be 0.
 * @param len_out receives the count (required); 0 means the server has closed the
 *        connection (end of the file), or ftp_abort() reset it.
 * @return FTP_OK; FTP_E_IO; FTP_E_TIMEOUT; FTP_E_TLS for a TLS error, or a TLS
 *         binary download closed without close_notify short of the size the 150
 *         reply announced (truncated; with no size announced, or in ASCII mode, end
 *         of file is reported and ftp_voidresp()'s 226 vouches for it); FTP_E_NULL if d, buf or len_out is NULL;
 *         FTP_E_INVALID if cap is 0; FTP_E_BUSY if another thread is using d;
 *         FTP_E_PANIC after an internal error.
 */
ftp_result ftp_data_read(ftp_data *d,
                         uint8_t *buf,
                         size_t cap,
                         size_t *len_out);

/**
 * Writes all `len` bytes to a data connection, blocking until they are sent (within
 * the data timeout of ftp_set_timeouts(), which defaults to the one given to
 * ftp_connect()). Failures are not recorded on the session but on d
 * (ftp_data_last_error()).
 *
 * @param d the data connection from ftp_ntransfercmd() / ftp_transfercmd().
 * @param buf the bytes (may be NULL only if len is 0).
 * @param len how many bytes to send; 0 does nothing.
 * @return FTP_OK; FTP_E_IO (e.g. the server closed the connection, or ftp_abort()
 *         reset it); FTP_E_TIMEOUT; FTP_E_NULL; FTP_E_BUSY if another thread is using
 *         d; FTP_E_PANIC after an internal error.
 */
ftp_result ftp_data_write(ftp_data *d, const uint8_t *buf, size_t len);

/**
 * Why the last ftp_data_read() or ftp_data_write() on d failed, e.g. "data
 * connection: TLS download truncated: ..."; "" after a success.
 *
 * @param d the data connection.
 * @return a NUL-terminated string owned by d, valid until the next call on d or its
 *         free; NULL if d is NULL, another thread is inside a call on d, or a free of
 *         d has started (a getter does not wait).
 */
const char *ftp_data_last_error(const ftp_data *d);

/**
 * Closes a data connection, waiting at most `timeout_ms` milliseconds: for an upload
 * this tells the server the file is complete (with PROT P, a TLS close_notify, then
 * the end of the TCP stream, and it waits for the server to close its side, reading the
 * TLS session tickets later data connections resume). Nothing is waited for after a
 * download. Then free d with ftp_data_free() and read the final reply with
 * ftp_voidresp(). Reads and writes on d afterwards fail with FTP_E_STATE; a second
 * close does nothing and returns FTP_OK.
 *
 * ftp_data_free() alone also ends an upload, but waits up to 10 seconds and says
 * nothing of how it went: close first, with a bound of your choice, to see whether the
 * end went out.
 * Like ftp_data_read(), it is one call on d: FTP_E_BUSY while another thread is in a
 * call on d.
 *
 * @param d the data connection from ftp_ntransfercmd() / ftp_transfercmd().
 * @param timeout_ms the longest wait in milliseconds, 1 or more (the socket's data
 *        timeout, from ftp_set_timeouts(), also bounds each step).
 * @return FTP_OK; FTP_E_TIMEOUT if the close_notify could not be sent in time (the
 *         server will likely see a truncated upload); FTP_E_IO or FTP_E_TLS if
 *         sending it failed; FTP_E_INVALID if timeout_ms is 0; FTP_E_NULL if d is
 *         NULL; FTP_E_BUSY if another thread is using d; FTP_E_PANIC after an
 *         internal error. The reason is in ftp_data_last_error(). After FTP_OK,
 *         FTP_E_TIMEOUT, FTP_E_IO and FTP_E_TLS d is closed; after the others it is
 *         as it was.
 * @since 1.1
 */
ftp_result ftp_data_close(ftp_data *d, uint32_t timeout_ms);

/**
 * Frees a data connection. If it was an upload not ended with ftp_data_close(), it is
 * ended here as ftp_data_close() would, waiting up to 10 seconds (or the session's
 * data timeout if shorter), as in 1.0; ftp_data_close() first bounds that wait as the
 * caller chooses. Then call ftp_voidresp() for the final reply (or ftp_abort() to stop a
 * download early). ftp_data_free(NULL) does nothing.
 *
 * It may be called before or after ftp_free() of the session, from any thread. Called
 * while another thread is inside ftp_data_read() or ftp_data_write() on it, it frees d
 * when that call returns: wake a blocked reader with ftp_abort() on the session. Like
 * every free, it must be ordered after every use of d and of the strings d handed out
 * (ftp_data_last_error()).
 *
 * @param d the data connection, or NULL; invalid afterwards.
 */
void ftp_data_free(ftp_data *d);

/**
 * Reports the progress of the callback-driven transfers (ftp_retr_binary,
 * ftp_retr_lines, ftp_stor_binary, ftp_stor_lines and the listings): at most once
 * every `interval_ms`, plus once when all bytes have moved (unless the last report
 * already counted them all, as at interval 0). The total comes from the server's 150
 * reply "(N bytes)", or for ftp_retr_file() from SIZE when the 150 has none (asked
 * before the RETR when a progress callback is set; a mirror uses its listing's size),
 * less a REST offset. `bytes` and `total` count from the REST offset: see
 * ftp_set_progress_callback2() for a callback told the offset too. After a
 * REST offset the 150's size is not used, since servers differ on what it counts
 * (vsftpd the whole file, proftpd what is left): the total is then SIZE's less the
 * offset in ftp_retr_file(), unknown (-1) in ftp_retr_binary(). ftp_retr_file(),
 * ftp_stor_file(), the fd variants and ftp_mirror() report through it too.
 *
 * @param h the session.
 * @param callback the callback, or NULL to stop reporting.
 * @param userdata passed to callback as its first argument.
 * @param interval_ms the least time between two reports; 0 reports after every block.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_progress_callback(ftp_session *h,
                                     ftp_progress_cb callback,
                                     void *userdata,
                                     uint32_t interval_ms);

/**
 * ftp_set_progress_callback() with a callback that is also told the REST offset a
 * transfer started at, so a resumed download can show both the bytes moved in this
 * call and the absolute position in the file. The same transfers report through it,
 * at the same times, with the same totals; one setting replaces the other (each
 * session has one progress callback).
 *
 * @param h the session.
 * @param callback the callback, or NULL to stop reporting.
 * @param userdata passed to callback as its first argument.
 * @param interval_ms the least time between two reports; 0 reports after every block
 *        (and the final report is not repeated).
 * @return FTP_OK (or one of the general errors, see the top of this header).
 * @since 1.1
 */
ftp_result ftp_set_progress_callback2(ftp_session *h,
                                      ftp_progress2_cb callback,
                                      void *userdata,
                                      uint32_t interval_ms);

/**
 * Stops what the session is doing right now, from any thread (the one thread-safe call
 * on a busy session): a transfer is aborted (ABOR, as for a cancel) and its call
 * returns FTP_E_INTERRUPTED with the session usable; a call waiting for a reply has the
 * control connection shut down and fails with FTP_E_CLOSED or FTP_E_IO, leaving the
 * connection unusable (FTP_E_STATE until ftp_connect()). The interrupt holds for the rest of its call: one that
 * lands as a transfer ends (too late to stop it) makes the call's next transfer, in
 * ftp_mirror() say, fail with FTP_E_INTERRUPTED before it starts. A further
 * interrupt while the stopped transfer settles
 * (ABOR and its replies) does nothing for its first 2 seconds, so calling this again
 * and again until the call returns still gives the clean abort; after that it shuts
 * down the control connection too. With no call running it does nothing at all: an
 * interrupt that comes after its call has returned neither closes the session nor
 * stops the next call. One that races the very end of a call (its last reply read,
 * the call not yet returned) may still shut the control connection down: the call
 * reports its own result, and the next one fails with FTP_E_CLOSED or FTP_E_IO.
 * Safe from a signal handler's thread, not from the handler.
 *
 * It works until ftp_free() is called: ftp_free() from another thread while a call
 * runs defers the free to that call's end, but h must not be passed again once
 * ftp_free() has started, so interrupt first, then free.
 *
 * @param h the session; ftp_free() must be ordered after this call returns.
 * @return FTP_OK; FTP_E_NULL if h is NULL, or if a free of h has started (a race the
 *         caller must not allow: the memory may be gone); FTP_E_PANIC after an
 *         internal error in the interrupt itself (the session is not marked).
 */
ftp_result ftp_interrupt(ftp_session *h);

/**
 * Lists a directory with MLSD (ftplib's mlsd), streaming each entry to `callback`.
 *
 * @param h the session.
 * @param path the directory, or NULL or "" for the working directory (bytes as given; no
 *        CR/LF/NUL).
 * @param facts NULL-terminated array of fact names (UTF-8; ASCII in practice) to ask
 *        for with "OPTS MLST a;b;" before listing (e.g. {"type", "size", "modify",
 *        NULL}), or NULL to leave the server's defaults. The choice stays in force
 *        on the server for later MLSD listings (as with ftplib); ftp_list() and
 *        ftp_mirror(), which need the facts, ask for every fact again first.
 * @param callback receives each entry (required).
 * @param userdata passed to callback as its first argument.
 * @return FTP_OK; FTP_E_PERM (e.g. 500/502 when the server has no MLSD, or refuses
 *         OPTS MLST); FTP_E_CANCELLED; FTP_E_PROTO for a line longer than 8192 bytes;
 *         others as ftp_retr_binary().
 */
ftp_result ftp_mlsd(ftp_session *h,
                    const char *path,
                    const char *const *facts,
                    ftp_mlsd_cb callback,
                    void *userdata);

/**
 * The entry's name: the server's bytes as sent (not necessarily UTF-8), followed by a
 * NUL. A hostile server can put NUL bytes in a name, so use the length from `len_out`
 * rather than strlen() when it matters.
 *
 * @param entry the entry passed to the running ftp_mlsd_cb.
 * @param len_out receives the name's length in bytes, without the final NUL; may be NULL.
 * @return the name, valid during the callback; NULL if entry is NULL.
 */
const char *ftp_mlsd_entry_name(const ftp_mlsd_entry *entry, size_t *len_out);

/**
 * The value of a fact by name, case-insensitively ("type", "size", "modify", "perm",
 * "unique", "unix.mode"...). Fact values are text: invalid UTF-8 in them has become
 * U+FFFD, a NUL byte '?'.
 *
 * @param entry the entry passed to the running ftp_mlsd_cb.
 * @param name the fact's name (NUL-terminated).
 * @return the value, valid during the callback; NULL if the entry has no such fact or
 *         entry or name is NULL.
 */
const char *ftp_mlsd_entry_fact(const ftp_mlsd_entry *entry, const char *name);

/**
 * How many facts the entry has.
 *
 * @param entry the entry passed to the running ftp_mlsd_cb.
 * @return the count; 0 if entry is NULL.
 */
size_t ftp_mlsd_entry_fact_count(const ftp_mlsd_entry *entry);

/**
 * The fact at `index`: its lower-cased name and its value, as for
 * ftp_mlsd_entry_fact().
 *
 * @param entry the entry passed to the running ftp_mlsd_cb.
 * @param index 0 to ftp_mlsd_entry_fact_count() - 1, in the order the server sent them.
 * @param name_out receives the fact's name, valid during the callback (required).
 * @param value_out receives the fact's value, valid during the callback (required).
 * @return FTP_OK; FTP_E_INVALID if index is out of range; FTP_E_NULL if a pointer
 *         argument is NULL; FTP_E_PANIC after an internal error.
 */
ftp_result ftp_mlsd_entry_fact_at(const ftp_mlsd_entry *entry,
                                  size_t index,
                                  const char **name_out,
                                  const char **value_out);

/**
 * Lists names with NLST (ftplib's nlst), one callback per name.
 *
 * @param h the session.
 * @param args arguments appended to NLST (e.g. a directory), or NULL (bytes as given; no
 *        CR/LF/NUL).
 * @param callback receives each name (required).
 * @param userdata passed to callback as its first argument.
 * @return as ftp_retr_lines().
 */
ftp_result ftp_nlst(ftp_session *h, const char *args, ftp_line_cb callback, void *userdata);

/**
 * Lists a directory with LIST (ftplib's dir), one callback per line, in the server's
 * own format.
 *
 * @param h the session.
 * @param args arguments appended to LIST (e.g. a directory), or NULL (bytes as given; no
 *        CR/LF/NUL).
 * @param callback receives each line; NULL prints them to stdout (as ftplib does).
 * @param userdata passed to callback as its first argument.
 * @return as ftp_retr_lines() (FTP_E_IO if stdout cannot be written).
 */
ftp_result ftp_dir(ftp_session *h, const char *args, ftp_line_cb callback, void *userdata);

/**
 * Lists a directory as entries: MLSD where the server lists MLST in FEAT, otherwise
 * (or when MLSD is refused with 500/502) LIST, parsed as Unix `ls -l` (symlinks,
 * devices, both date forms, with or without a group column) or DOS/IIS lines; a line
 * in no known format gives an FTP_ENTRY_UNKNOWN entry holding the whole line, except
 * ls's complaint that the path does not exist ("PATH: No such file or directory",
 * "ls: cannot access ...: No such file or directory"), which servers that run ls send
 * as the listing with a 226: that is no entry (other complaints stay entries). A path
 * with a blank, which such servers split, is listed from inside it: PWD, CWD path,
 * LIST, CWD back (a refused CWD, or CWD back, is the error; where PWD fails, LIST
 * gets the path as is).
 * LIST times are the server's local time, read as UTC less the offset set with
 * ftp_set_list_time_offset() (none by default), to the minute at best.
 *
 * Before the first MLSD on a connection (and again after an "OPTS MLST" of the
 * caller's, from ftp_mlsd() with facts or ftp_sendcmd()), the facts FEAT offers that
 * entries carry (type, size, sizd, modify, perm, unique, unix.mode, unix.owner,
 * unix.uid, unix.group, unix.gid) are asked for with one "OPTS MLST", with those the
 * server has on already; where they are all on, nothing is sent. So ftp_entry_mode(),
 * ftp_entry_owner() and ftp_entry_group() are known wherever the server offers the
 * facts (pyftpdlib offers unix.mode, unix.uid and unix.gid, off by default). A refused
 * OPTS MLST is not an error: the server's choice of facts then stays.
 *
 * @param h the session.
 * @param path the directory (bytes as given; no CR/LF/NUL), or NULL for the current one.
 * @param callback receives each entry (required); "total N" lines are skipped.
 * @param userdata passed to callback as its first argument.
 * @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero; the errors of
 *         ftp_retr_lines() and ftp_feat().
 */
ftp_result ftp_list(ftp_session *h, const char *path, ftp_entry_cb callback, void *userdata);

/**
 * Lists a directory like ftp_list() and returns all its entries at once.
 *
 * @param h the session.
 * @param path the directory (bytes as given), or NULL for the current one.
 * @param list_out receives the list on success (required); the caller frees it with
 *        ftp_entry_list_free().
 * @return as ftp_list() (FTP_E_CANCELLED only from the progress callback);
 *         FTP_E_PROTO for a listing of more than 1,000,000 entries or more than 256
 *         MiB of names and lines (bounds ftplib does not have: use ftp_list() to
 *         stream a bigger one); FTP_E_NULL if list_out is NULL.
 * @since 1.1 (the 1.0 name ftp_list_get() stays; it read like ftp_entry_list_get(),
 *        which gets one entry of a list).
 */
ftp_result ftp_list_all(ftp_session *h, const char *path, ftp_entry_list **list_out);

/**
 * The 1.0 name of ftp_list_all(), kept for the ABI: the same function, with the same
 * parameters and results.
 */
ftp_result ftp_list_get(ftp_session *h, const char *path, ftp_entry_list **list_out);

/**
 * The number of entries in a list. Lists are plain data: any thread may read one, and
 * several may at once, until it is freed.
 *
 * @param list the list, or NULL.
 * @return the number of entries; 0 if list is NULL or a free of it has started (a
 *         getter does not wait).
 */
size_t ftp_entry_list_len(const ftp_entry_list *list);

/**
 * The i-th entry of a list.
 *
 * @param list the list.
 * @param i the index, below ftp_entry_list_len().
 * @return the entry, owned by the list until ftp_entry_list_free(); NULL if list is
 *         NULL, i is out of range, or a free of the list has started. The ftp_entry_*
 *         getters on the entry are not guarded by the list: ftp_entry_list_free() must
 *         be ordered after every use of its entries and of what their getters return.
 */
const ftp_entry *ftp_entry_list_get(const ftp_entry_list *list, size_t i);

/**
 * Frees a list and its entries.
 *
 * A getter (or call) still inside it on another thread is let finish first: the
 * object is freed when it returns. That protects the list's own getters only: the free
 * must be ordered after every use of the list, of its entries and of the strings their
 * getters returned.
 *
 * @param list the list, or NULL (does nothing); not usable afterwards.
 */
void ftp_entry_list_free(ftp_entry_list *list);

/**
 * The entry's name: the server's bytes as sent (not necessarily UTF-8), followed by a
 * NUL. A hostile server can put NUL bytes in a name, so use the length from `len_out`
 * rather than strlen() when it matters.
 *
 * @param e the entry.
 * @param len_out receives the name's length in bytes, without the final NUL; may be NULL.
 * @return owned by the entry; NULL if e is NULL.
 */
const char *ftp_entry_name(const ftp_entry *e, size_t *len_out);

/**
 * What the entry is.
 *
 * @param e the entry.
 * @return an ftp_entry_type; FTP_ENTRY_UNKNOWN if e is NULL.
 */
ftp_entry_type ftp_entry_kind(const ftp_entry *e);

/**
 * The entry's size in bytes, when the listing gives one.
 *
 * @param e the entry.
 * @param size_out receives the size (required).
 * @return true if known; false if not (or e or size_out is NULL).
 */
bool ftp_entry_size(const ftp_entry *e, uint64_t *size_out);

/**
 * The entry's modification time as UTC (from MLSD "modify", or LIST's date, which is
 * the server's local time taken as UTC less ftp_set_list_time_offset()'s offset).
 *
 * @param e the entry.
 * @param secs_out receives seconds since 1970-01-01 00:00 UTC (required).
 * @param nanos_out receives the fraction in nanoseconds; may be NULL.
 * @return true if known; false if not (or e or secs_out is NULL).
 */
bool ftp_entry_mtime(const ftp_entry *e, int64_t *secs_out, uint32_t *nanos_out);

/**
 * Unix permission bits (MLSD "unix.mode", or LIST's rwx string), e.g. 0644.
 *
 * @param e the entry.
 * @return the permission bits (0 to 07777), or -1 if unknown (or e is NULL).
 */
int ftp_entry_mode(const ftp_entry *e);

/**
 * MLSD's "perm" fact (e.g. "adfrw").
 *
 * @param e the entry.
 * @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
 */
const char *ftp_entry_perm(const ftp_entry *e);

/**
 * MLSD's "unique" fact (the file's identity on the server).
 *
 * @param e the entry.
 * @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
 */
const char *ftp_entry_unique(const ftp_entry *e);

/**
 * The owner (MLSD unix.owner/unix.uid, or LIST's owner column).
 *
 * @param e the entry.
 * @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
 */
const char *ftp_entry_owner(const ftp_entry *e);

/**
 * The group (MLSD unix.group/unix.gid, or LIST's group column).
 *
 * @param e the entry.
 * @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
 */
const char *ftp_entry_group(const ftp_entry *e);

/**
 * Where a symbolic link points (LIST's "name -> target", MLSD's "OS.unix=slink:target").
 *
 * @param e the entry.
 * @param len_out receives the length in bytes, without the final NUL (the bytes are
 *        the server's, NULs included, as for ftp_entry_name()); may be NULL.
 * @return the target's bytes then a NUL, owned by the entry; NULL if not given (or e is
 *         NULL).
 */
const char *ftp_entry_link_target(const ftp_entry *e, size_t *len_out);

/**
 * The raw text behind the entry: MLSD's facts ("type=file;size=5;") or the whole LIST
 * line, as received (NUL bytes shown as '?').
 *
 * @param e the entry.
 * @param len_out receives the length; may be NULL.
 * @return owned by the entry; NULL if e is NULL.
 */
const char *ftp_entry_raw(const ftp_entry *e, size_t *len_out);

/**
 * Parses one LIST line without a server (for listings obtained otherwise), as
 * ftp_list() would.
 *
 * @param line the line, without its line ending (bytes; NUL-terminated).
 * @param list_out receives a one-entry list on success (free with
 *        ftp_entry_list_free()), or an empty list for lines that are not entries
 *        ("total 12").
 * @return FTP_OK; FTP_E_NULL if line or list_out is NULL.
 */
ftp_result ftp_parse_list_line(const char *line, ftp_entry_list **list_out);

/**
 * Sets the time zone a server's LIST times are in, as its offset from UTC in seconds
 * (3600 for UTC+1, -18000 for UTC-5), so that parsed LIST entries (ftp_list(),
 * ftp_list_all(), ftp_walk(), ftp_mirror(), ftp_mlst()'s fallback) carry UTC times:
 * the offset is taken off each LIST time, and decides which year a date shown
 * without one is in. MLSD and MLST times are UTC by definition and are not changed,
 * nor are MDTM's. It stays for the session's life (reconnects included).
 *
 * @param h the session.
 * @param seconds the offset: 0 (the default) takes LIST times as UTC; at most one
 *        day (86400) either way.
 * @return FTP_OK; FTP_E_INVALID for more than a day either way.
 * @since 1.1
 */
ftp_result ftp_set_list_time_offset(ftp_session *h, int32_t seconds);

/**
 * The facts of one path with MLST (RFC 3659), parsed as ftp_list() parses an MLSD
 * line, returned as a list of one entry. Its name is the server's (usually the whole
 * path). Where FEAT lists no MLST, or the server answers it 500 or 502 (vsftpd), the
 * parent directory is listed instead (as ftp_list(): MLSD or LIST) and the entry of
 * that name is returned, named by its last component.
 *
 * @param h the session.
 * @param path the file or directory (bytes as given; no CR/LF/NUL), or NULL or ""
 *        for the working directory (MLST only: there is no parent to list).
 * @param list_out receives a list of exactly one entry on success (required): read it
 *        with ftp_entry_list_get(list, 0); the caller frees it with ftp_entry_list_free().
 * @return FTP_OK; FTP_E_PERM for a path the server does not have (MLST's 550);
 *         FTP_E_PROTO for an MLST reply with no entry line, or, without MLST, a path
 *         with no parent to list ("", "/") or a name the parent's listing lacks; the
 *         errors of ftp_list() for the fallback; FTP_E_NULL if list_out is NULL.
 * @since 1.1
 */
ftp_result ftp_mlst(ftp_session *h, const char *path, ftp_entry_list **list_out);

/**
 * Walks the tree under a directory: lists it (as ftp_list(): MLSD, else LIST) and
 * calls `callback` with each entry ("." and ".." left out), a directory before its
 * contents, then walks each subdirectory the same way. Symbolic links the server
 * shows as links are reported (FTP_ENTRY_LINK), never followed; a server that follows
 * them itself (pyftpdlib's MLSD lists a link to a directory as a directory) has that
 * walked as a directory. A directory with the MLSD "unique" id of one above
 * it is reported with FTP_WALK_LOOP and not entered; a name that is not a plain file
 * name is reported with FTP_WALK_UNSAFE_NAME and not used (as ftp_mirror() refuses
 * it). One listing is held in memory at a time per level.
 *
 * @param h the session.
 * @param path the root directory (bytes as given; no CR/LF/NUL), or NULL or "" for
 *        the working directory (paths passed to callback are then relative to it).
 * @param max_depth how deep to go: 1 lists the root only, 2 its subdirectories too, and
 *        so on; 0 for no limit but 100 levels, deeper than which the walk fails with
 *        FTP_E_PROTO (a loop, most likely).
 * @param callback receives each entry (required).
 * @param userdata passed to callback as its first argument.
 * @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero (the session stays
 *         usable); FTP_E_PROTO for a tree deeper than 100 levels with max_depth 0;
 *         the errors of ftp_list() for each directory listed (FTP_E_PERM for a root
 *         the server does not have); FTP_E_NULL if callback is NULL.
 * @since 1.1
 */
ftp_result ftp_walk(ftp_session *h,
                    const char *path,
                    uint32_t max_depth,
                    ftp_walk_cb callback,
                    void *userdata);

/**
 * Removes a directory and everything under it: a walk (as ftp_walk()) that deletes
 * each file and link with DELE as it is met (a link is deleted, never followed, and
 * before the other entries of its directory: some servers refuse DELE of a link whose
 * target is gone) and each directory with RMD once emptied, then `path` itself. Each
 * directory is sent
 * DELE first and entered only when that is refused, so a link a server lists as a
 * directory is deleted as the link it is, never emptied. It stops at the first
 * failure, leaving removed what was removed: an entry the walk refuses (an unsafe name,
 * a loop) or a LIST line in no known format stops it before the directory holding it
 * would be removed.
 *
 * @param h the session.
 * @param path the directory to remove (bytes as given; no CR/LF/NUL); "", "/", "."
 *        and other spellings of the root or the current directory ("./", "/.") are
 *        refused.
 * @return FTP_OK; FTP_E_PERM (or FTP_E_TEMP) for a refused DELE, RMD or listing, with
 *         that reply in ftp_session_last_reply(); FTP_E_PROTO for an entry refused as
 *         above (the message names it); FTP_E_INVALID for those refused paths; the errors of
 *         ftp_list().
 * @since 1.1
 */
ftp_result ftp_remove_tree(ftp_session *h, const char *path);

/**
 * Downloads a file to a local path, in binary mode, with 64 KiB blocks.
 *
 * FTP_FILE_RESUME continues from the local file's size (REST), or from "PATH.part"'s
 * with FTP_FILE_ATOMIC; a local file longer than the remote one is started again, one
 * of the same size is left as it is. REST must be answered 350 (FTP_E_REPLY otherwise,
 * before any byte moves; ftp_transfercmd(), like ftplib, takes any 2xx/3xx). The local
 * file is cut to the resume point only once the server sends, so a refused RETR leaves
 * it as it was (and removes it where this call created it). FTP_FILE_ATOMIC writes
 * "PATH.part" and renames it
 * to PATH at the end, so PATH never holds a partial file (a failed download leaves the
 * ".part" file for a later resume). A whole download (not a resume) shorter than the
 * size its 150 reply announced fails, whatever the final reply says (curl: "partial
 * file"). FTP_FILE_VERIFY_SIZE compares the result with the server's SIZE; a server
 * without SIZE fails it before anything moves. FTP_FILE_PRESERVE_MTIME sets the local
 * file's time from MDTM; a server without MDTM (500, 502, 504) leaves the time as it
 * is, as one without MFMT does for uploads. The progress callback, cancellation and
 * ftp_interrupt() apply as to ftp_retr_binary().
 *
 * @param h the session.
 * @param remote the server's file (bytes as given; no CR/LF/NUL).
 * @param local_path where to write (bytes, as open(2) takes them); created if missing.
 * @param flags FTP_FILE_* values or'ed together, or 0.
 * @param bytes_out receives the bytes transferred (not those a resume kept); may be
 *        NULL. Since 1.1 it is written on failure too (unlike other outputs): the
 *        bytes that arrived and were written before the download failed or was
 *        cancelled (0 if it failed before the transfer began).
 * @return FTP_OK; FTP_E_IO for local file errors (the message names the file); the
 *         errors of ftp_retr_binary(), ftp_size() and ftp_mdtm(); FTP_E_PROTO if the
 *         sizes differ after the download, or SIZE is missing for
 *         FTP_FILE_VERIFY_SIZE; FTP_E_INVALID for unknown flags and for
 *         FTP_FILE_APPEND.
 */
ftp_result ftp_retr_file(ftp_session *h,
                         const char *remote,
                         const char *local_path,
                         uint32_t flags,
                         uint64_t *bytes_out);

/**
 * Uploads a local file, in binary mode, with 64 KiB blocks.
 *
 * FTP_FILE_RESUME asks the server's size (SIZE) and sends the rest: REST + STOR where
 * the server lists "REST STREAM" in FEAT (REST must be answered 350, FTP_E_REPLY
 * otherwise), APPE otherwise; a remote file longer than
 * the local one is replaced, one of the same size left alone. FTP_FILE_VERIFY_SIZE
 * compares the server's SIZE afterwards. FTP_FILE_PRESERVE_MTIME sends the local
 * modification time with MFMT where the server lists MFMT (and does nothing where it
 * does not). FTP_FILE_ATOMIC (since 1.1; 1.0 ignored it on uploads) uploads to
 * "REMOTE.part" in the same directory, checks its size with SIZE (as
 * FTP_FILE_VERIFY_SIZE: a server without SIZE fails the call with FTP_E_PROTO), then
 * renames it onto REMOTE (RNFR/RNTO); a server that refuses (5xx) to rename onto an
 * existing file has the old REMOTE moved aside to "REMOTE.libftp-old", the rename done
 * again, and the old file deleted only then. So REMOTE is never a partial file, and
 * never lost: if the second rename fails, the old file is moved back and the call
 * fails with FTP_E_PROTO, the whole upload kept in "REMOTE.part" (as after a passing
 * 4xx refusal of the rename, returned as is). A failure or cancellation of the upload
 * itself deletes "REMOTE.part" (where the session can still send DELE), except with
 * FTP_FILE_RESUME when not cancelled: the next call then continues it. With FTP_FILE_APPEND
 * it is FTP_E_INVALID. FTP_FILE_APPEND sends the whole
 * file with APPE instead of STOR, so the server adds it to the end of `remote` (creating
 * it where missing); with FTP_FILE_VERIFY_SIZE the server must then hold the size it
 * had before (SIZE; 0 where it answered 550) plus the local file's, and a server that
 * gives no SIZE fails the call with FTP_E_PROTO before anything is sent. A failed size
 * check is reported after the bytes have been sent, for APPE as for STOR.
 * FTP_FILE_PRESERVE_MTIME gives the whole remote file the local file's time.
 *
 * @param h the session.
 * @param local_path the file to send (bytes, as open(2) takes them).
 * @param remote the server's name for it (bytes as given; no CR/LF/NUL).
 * @param flags FTP_FILE_* values or'ed together, or 0.
 * @param bytes_out receives the bytes transferred; may be NULL.
 * @return FTP_OK; FTP_E_IO for local file errors (a directory is refused before any
 *         command); the errors of ftp_stor_binary(),
 *         ftp_size() and ftp_mfmt(); FTP_E_PROTO if the sizes differ afterwards;
 *         FTP_E_INVALID for unknown flags, for FTP_FILE_APPEND with FTP_FILE_RESUME
 *         (a resume picks its own command) or with FTP_FILE_ATOMIC, and for an atomic
 *         upload to a path naming no file ("", "dir/"); with FTP_FILE_ATOMIC, the
 *         errors of ftp_rename() and ftp_delete() for the final rename.
 */
ftp_result ftp_stor_file(ftp_session *h,
                         const char *local_path,
                         const char *remote,
                         uint32_t flags,
                         uint64_t *bytes_out);

/**
 * Downloads a file into an open file descriptor, writing at its current position
 * (REST `rest_offset` is sent when given: position the descriptor to match). Without
 * a rest_offset, a download shorter than the size its 150 reply announced fails with
 * FTP_E_PROTO, whatever the final reply says (curl: "partial file"); the bytes that
 * came stay written. REST must be answered 350 (FTP_E_REPLY otherwise, before any
 * byte moves), as for ftp_retr_file(). A descriptor opened O_NONBLOCK (Go's pipes
 * are) is waited for while it has no room, up to the data timeout (then
 * FTP_E_TIMEOUT); one opened read-only is refused before any command.
 *
 * @param h the session.
 * @param remote the server's file (bytes as given; no CR/LF/NUL).
 * @param fd an open descriptor, writable; it stays open and the caller's.
 * @param rest_offset restart offset (>= 0), or FTP_NO_REST.
 * @param bytes_out receives the bytes transferred; may be NULL. Since 1.1 it is
 *        written on failure too: the bytes written to fd before the download failed or
 *        was cancelled (0 if it failed before the transfer began).
 * @return FTP_OK; FTP_E_IO for write errors, or an fd not open for writing;
 *         FTP_E_INVALID for a negative fd; FTP_E_PROTO for a download short of its
 *         announced size; FTP_E_REPLY for a REST not answered 350; the errors of
 *         ftp_retr_binary().
 */
ftp_result ftp_retr_fd(ftp_session *h,
                       const char *remote,
                       int fd,
                       int64_t rest_offset,
                       uint64_t *bytes_out);

/**
 * Uploads from an open file descriptor, from its current position to its end
 * (REST `rest_offset` + STOR when rest_offset is given). The descriptor is not
 * moved first: with a rest_offset, position it there yourself (lseek), or the
 * bytes from where it is go to the server's offset. REST must be answered 350
 * (FTP_E_REPLY otherwise, before any byte moves). A descriptor opened O_NONBLOCK is
 * waited for while it has nothing to give, up to the data timeout (then
 * FTP_E_TIMEOUT); a directory, or one opened write-only, is refused before any
 * command, so the remote file is left as it was.
 *
 * @param h the session.
 * @param fd an open descriptor, readable; it stays open and the caller's.
 * @param remote the server's name for the file (bytes as given; no CR/LF/NUL).
 * @param rest_offset restart offset (>= 0), or FTP_NO_REST.
 * @param bytes_out receives the bytes transferred; may be NULL.
 * @return FTP_OK; FTP_E_IO for read errors, or an fd not open for reading;
 *         FTP_E_INVALID for a negative fd; FTP_E_REPLY for a REST not answered 350;
 *         the errors of ftp_stor_binary().
 */
ftp_result ftp_stor_fd(ftp_session *h,
                       int fd,
                       const char *remote,
                       int64_t rest_offset,
                       uint64_t *bytes_out);

/**
 * Downloads a file to a local path over up to `segments` connections at once (lftp's
 * `pget -n`), for servers that limit each connection's rate and for long fat links.
 *
 * SIZE (and MDTM for FTP_FILE_PRESERVE_MTIME) first, on h. The file is then split
 * into up to `segments` segments of at least 1 MiB each; h fetches one, and the
 * others go to new sessions opened with h's connection parameters (host, port, login,
 * TLS mode and settings, timeouts, passive or active mode, source address (without
 * its port: only one connection at a time can come from one local port to one
 * server), keep-alive and tuning: as ftp_connect() and ftp_login() last succeeded on
 * h), which
 * start in h's directory when `remote` is relative. Each segment is REST to its start,
 * RETR, its bytes written at their offset into "PATH.part", then ABOR once its end has
 * come (the session stays usable; one whose ABOR got an odd reply is not used again);
 * the last segment reads to the end of the file. A segment that fails (a connection
 * the server drops, a refused RETR) is tried again on a new session, up to three
 * times, while the others go on; a server that refuses more connections leaves the
 * work to those it accepted. Once every byte is there the part file's size is
 * checked and it is renamed to PATH: a download that fails or is cancelled never
 * leaves a complete-looking PATH (FTP_FILE_ATOMIC is implied).
 *
 * "PATH.segments", a small text file beside the part file, records what each segment
 * has written; it is synced with the part file about once a second and removed at the
 * end. With FTP_FILE_RESUME a later call fetches only what it says is missing (a
 * part file without one, from ftp_retr_file(), counts as complete from its start up
 * to its length); without it, both are started afresh.
 *
 * One plain download instead (as ftp_retr_file() with FTP_FILE_ATOMIC): `segments`
 * 1, a file under 2 MiB, a server that gives no SIZE, and one that does not list
 * "REST STREAM" in FEAT (where a part file a segmented run left is started again).
 *
 * The progress callback of h reports the whole file (bytes moved in this call, of
 * the total missing), from the calling thread; a non-zero return cancels every
 * segment (FTP_E_CANCELLED), as ftp_interrupt() on h does (FTP_E_INTERRUPTED). h's
 * log callback sees h's commands only, and is called from a thread of the library's
 * while this call runs (h's segment runs there), possibly at the same time as the
 * progress callback on the calling thread: userdata the two share needs a lock, and
 * a call into h from the log callback gets FTP_E_BUSY. The extra sessions have no
 * progress or log callback, and quit at the end; but they copy h's TLS
 * configuration, so its certificate verify callback (ftp_tls_config_set_verify_cb())
 * runs in their handshakes, on their threads, possibly several at once.
 *
 * @param h the session, connected and logged in.
 * @param remote the server's file (bytes as given; no CR/LF/NUL).
 * @param local_path where to write (bytes, as open(2) takes them).
 * @param segments how many segments, and connections at most (h included): 1 to
 *        FTP_MAX_SEGMENTS.
 * @param flags FTP_FILE_RESUME, FTP_FILE_PRESERVE_MTIME, FTP_FILE_ATOMIC (always in
 *        effect) and FTP_FILE_VERIFY_SIZE (always in effect for a segmented
 *        download; for the plain one as in ftp_retr_file()) or'ed together, or 0.
 * @param bytes_out receives the bytes transferred (not those a resume kept); may be NULL.
 * @return FTP_OK; FTP_E_STATE if h was never connected; FTP_E_INVALID for
 *         `segments` 0 or over FTP_MAX_SEGMENTS, unknown flags and FTP_FILE_APPEND;
 *         FTP_E_IO for local file errors (the message names the file);
 *         FTP_E_CANCELLED and FTP_E_INTERRUPTED as above (the part and state files
 *         stay for FTP_FILE_RESUME); FTP_E_PROTO if bytes are missing at the end;
 *         otherwise the error of the segment that failed for the last time, or of the
 *         last connection that could not be opened (the errors of ftp_connect(),
 *         ftp_login(), ftp_retr_file(), ftp_size() and ftp_mdtm()). h may be closed
 *         afterwards if the server dropped it (FTP_E_STATE on the next call).
 * @since 1.1
 */
ftp_result ftp_retr_file_segmented(ftp_session *h,
                                   const char *remote,
                                   const char *local_path,
                                   uint32_t segments,
                                   uint32_t flags,
                                   uint64_t *bytes_out);

/**
 * Creates a TLS configuration with the safe defaults: the server's certificate is
 * verified against the system trust store and must name the host given to
 * ftp_connect(); TLS 1.2 or newer; OpenSSL's default ciphers; data connections resume
 * the control connection's session; data protected (PBSZ 0 + PROT P after login);
 * no AUTH SSL fallback.
 *
 * @return a new configuration owned by the caller, freed with ftp_tls_config_free();
 *         NULL only after an internal error.
 */
ftp_tls_config *ftp_tls_config_new(void);

/**
 * Frees a TLS configuration. Sessions given it with ftp_set_tls() keep their copy.
 *
 * A getter (or call) still inside it on another thread is let finish first: the
 * object is freed when it returns. The free must still be ordered after every use
 * of cfg and of the string ftp_tls_config_last_error() returned.
 *
 * @param cfg the configuration, or NULL (does nothing); not usable afterwards.
 */
void ftp_tls_config_free(ftp_tls_config *cfg);

/**
 * Trusts only the CA certificates in a PEM file (plus those of
 * ftp_tls_config_set_ca_dir(), if set) instead of the system trust store, like curl's
 * --cacert. The file is read now to check it, and again at each connection.
 *
 * @param cfg the configuration.
 * @param path the PEM file (bytes, as open(2) takes them), or NULL to go back to the
 *        system trust store.
 * @return FTP_OK; FTP_E_IO if the file cannot be read; FTP_E_INVALID if it holds no
 *         PEM certificate; FTP_E_NULL if cfg is NULL. On failure the setting is unchanged.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_ca_file(ftp_tls_config *cfg, const char *path);

/**
 * Trusts the CA certificates of an OpenSSL hashed directory (as made by `openssl
 * rehash`) instead of the system trust store, like curl's --capath.
 *
 * @param cfg the configuration.
 * @param path the directory (UTF-8), or NULL to go back to the system trust store.
 * @return FTP_OK; FTP_E_INVALID if it is not a directory or not UTF-8; FTP_E_NULL if
 *         cfg is NULL. On failure the setting is unchanged.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_ca_dir(ftp_tls_config *cfg, const char *path);

/**
 * INSECURE: turns certificate verification off (chain and host name), so any server,
 * or anyone in between, is accepted. Only for test servers with self-signed
 * certificates; prefer ftp_tls_config_set_ca_file() with the test CA.
 *
 * @param cfg the configuration.
 * @param skip true to skip verification, false (the default) to verify.
 * @return FTP_OK; FTP_E_NULL if cfg is NULL; FTP_E_BUSY if another thread is inside cfg.
 * @since 1.1 (the name ftp_tls_config_insecure_skip_verify() of 1.0 stays, the same
 *        function under the name it had before the setters' naming rule).
 */
ftp_result ftp_tls_config_set_insecure_skip_verify(ftp_tls_config *cfg, bool skip);

/**
 * The 1.0 name of ftp_tls_config_set_insecure_skip_verify(), kept for the ABI: the
 * same function, with the same parameters and results.
 */
ftp_result ftp_tls_config_insecure_skip_verify(ftp_tls_config *cfg, bool skip);

/**
 * A client certificate (or chain, leaf first) and its private key, both PEM files, for
 * servers that ask for one. Both are read and checked against each other now.
 *
 * @param cfg the configuration.
 * @param cert_file the certificate PEM file (bytes, as open(2) takes them), or NULL
 *        together with key_file to remove the client certificate.
 * @param key_file the unencrypted private key PEM file, or NULL with cert_file.
 * @return FTP_OK; FTP_E_INVALID if a file cannot be read or parsed, the key is
 *         encrypted (never a passphrase prompt), or the key does not belong to the
 *         certificate; FTP_E_NULL if cfg, or only one of the two
 *         files, is NULL. On failure the setting is unchanged.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_client_cert(ftp_tls_config *cfg,
                                          const char *cert_file,
                                          const char *key_file);

/**
 * The oldest and newest TLS versions to accept. Versions the system OpenSSL's policy
 * forbids (often 1.0 and 1.1) stay refused.
 *
 * @param cfg the configuration.
 * @param min an ftp_tls_version; FTP_TLS_VERSION_DEFAULT means TLS 1.2.
 * @param max an ftp_tls_version; FTP_TLS_VERSION_DEFAULT means no maximum.
 * @return FTP_OK; FTP_E_INVALID for a value that is not an ftp_tls_version or a max
 *         below min; FTP_E_NULL if cfg is NULL. On failure the setting is unchanged.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_versions(ftp_tls_config *cfg, int min, int max);

/**
 * The OpenSSL cipher list for TLS 1.2 and older, e.g. "ECDHE+AESGCM" (see ciphers(1)).
 *
 * @param cfg the configuration.
 * @param list the cipher list (ASCII), or NULL for OpenSSL's default.
 * @return FTP_OK; FTP_E_INVALID if OpenSSL accepts no cipher of it; FTP_E_NULL if cfg
 *         is NULL. On failure the setting is unchanged.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_cipher_list(ftp_tls_config *cfg, const char *list);

/**
 * The TLS 1.3 ciphersuites, e.g. "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256".
 *
 * @param cfg the configuration.
 * @param suites colon-separated suite names (ASCII), or NULL for OpenSSL's default.
 * @return FTP_OK; FTP_E_INVALID if OpenSSL rejects it; FTP_E_NULL if cfg is NULL. On
 *         failure the setting is unchanged.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_ciphersuites(ftp_tls_config *cfg, const char *suites);

/**
 * Whether data connections resume the control connection's TLS session (the
 * default, and what vsftpd and proftpd require). Turning it off is only useful to
 * check that a server enforces reuse.
 *
 * @param cfg the configuration.
 * @param reuse true (the default) to resume, false to do a full handshake each time.
 * @return FTP_OK; FTP_E_NULL if cfg is NULL.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_session_reuse(ftp_tls_config *cfg, bool reuse);

/**
 * Whether to try the obsolete "AUTH SSL" when the server answers "AUTH TLS" with 5xx
 * (off by default).
 *
 * @param cfg the configuration.
 * @param fallback true to try AUTH SSL, false (the default) not to.
 * @return FTP_OK; FTP_E_NULL if cfg is NULL.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_auth_ssl_fallback(ftp_tls_config *cfg, bool fallback);

/**
 * Whether ftp_login() over TLS is followed by PBSZ 0 and PROT P, so that data
 * connections are encrypted too (the default; ftplib leaves that to the caller).
 * Either way ftp_prot_p() and ftp_prot_c() switch later.
 *
 * @param cfg the configuration.
 * @param protect true (the default) to protect data after login, false to leave the
 *        data channel in clear text until ftp_prot_p().
 * @return FTP_OK; FTP_E_NULL if cfg is NULL.
 *         FTP_E_BUSY if another thread is inside cfg or freeing it; FTP_E_PANIC
 *         after an internal error (cfg is then unusable).
 */
ftp_result ftp_tls_config_set_protect_data(ftp_tls_config *cfg, bool protect);

/**
 * What the last failed setter on this configuration failed on; "" after a success.
 *
 * @param cfg the configuration.
 * @return owned by cfg, valid until the next call on it or its free; NULL if cfg is
 *         NULL, in a call on another thread, or being freed (a getter does not wait).
 *         After an internal error it says what happened.
 */
const char *ftp_tls_config_last_error(const ftp_tls_config *cfg);

/**
 * Chooses plain FTP, explicit or implicit FTPS, and the TLS settings, for the next
 * ftp_connect() (ftp_auth() uses the settings at once, and after explicit or implicit
 * is chosen on a connection already open in clear text, ftp_login() runs AUTH first,
 * closing the connection if the server refuses it). The configuration is copied:
 * later changes to it need another ftp_set_tls().
 *
 * `mode` is an `int`, not an ftp_tls_mode, on purpose: C lets any int be stored in an
 * enum variable, and an out-of-range value arriving as a Rust enum would be undefined
 * behaviour before it could be checked; as an int it is checked and refused.
 *
 * @param h the session.
 * @param mode an ftp_tls_mode.
 * @param cfg the TLS settings, or NULL for the defaults of ftp_tls_config_new().
 * @return FTP_OK; FTP_E_INVALID if mode is not an ftp_tls_mode, or cfg is unusable
 *         after an internal error; FTP_E_BUSY if h, or cfg, is in a call on another
 *         thread or being freed (when cfg is, the session's last error says so:
 *         "the TLS configuration is in use by another
 *         thread or being freed"); and the general
 *         errors, see the top of this header.
 */
ftp_result ftp_set_tls(ftp_session *h, int mode, const ftp_tls_config *cfg);

/**
 * Secures the control connection (ftplib's FTP_TLS.auth): sends AUTH TLS (and AUTH SSL
 * if the configuration allows the fallback), then does the TLS handshake, checking
 * the server's certificate against the host given to ftp_connect(). Explicit mode
 * does this inside ftp_connect(); call it by hand in FTP_TLS_OFF mode.
 *
 * @param h the session, connected, control connection not yet secured.
 * @return FTP_OK; FTP_E_TLS_REQUIRED if the server refuses AUTH (the connection stays
 *         usable in clear text); FTP_E_TLS_UNTRUSTED, FTP_E_TLS_HOSTNAME,
 *         FTP_E_TLS_EXPIRED for a certificate that fails verification; FTP_E_TLS for
 *         another handshake failure; FTP_E_PROTO if the server sent anything between
 *         its AUTH reply and the handshake; after a handshake failure the connection is
 *         closed. FTP_E_STATE if not connected or already secured; FTP_E_IO,
 *         FTP_E_TIMEOUT, FTP_E_CLOSED (and the general errors, see the top of this header).
 */
ftp_result ftp_auth(ftp_session *h);

/**
 * Protects data connections (ftplib's FTP_TLS.prot_p): sends PBSZ 0, then PROT P;
 * later data connections use TLS, resuming the control connection's session.
 * ftp_login() over TLS already does this unless the configuration says otherwise.
 *
 * @param h the session; its control connection must have gone through TLS.
 * @return FTP_OK; FTP_E_STATE if TLS was never started on this connection;
 *         FTP_E_TEMP/FTP_E_PERM if the server refuses (and the errors of ftp_voidcmd()).
 */
ftp_result ftp_prot_p(ftp_session *h);

/**
 * Stops protecting data connections (ftplib's FTP_TLS.prot_c): sends PROT C; later
 * data connections are clear text.
 *
 * @param h the session.
 * @return FTP_OK; FTP_E_TEMP/FTP_E_PERM if the server refuses (and the errors of
 *         ftp_voidcmd()).
 */
ftp_result ftp_prot_c(ftp_session *h);

/**
 * Clears the control channel (ftplib's FTP_TLS.ccc): sends CCC, then shuts TLS down
 * properly (close_notify both ways); later commands go in clear text, for firewalls
 * that inspect them. Data protection (PROT P) is unchanged, but a clear-text reply
 * can no longer vouch for a TLS download: one that ends without close_notify is
 * then FTP_E_TLS ("download truncated"). Log in before: ftp_login() refuses a
 * cleared control channel (FTP_E_TLS_REQUIRED), even after a refused ftp_auth().
 *
 * @param h the session, its control connection secured.
 * @return FTP_OK; FTP_E_STATE if the control connection does not use TLS;
 *         FTP_E_TEMP/FTP_E_PERM if the server refuses CCC (TLS stays on); FTP_E_TLS,
 *         FTP_E_IO, FTP_E_CLOSED if the TLS shutdown fails, after which the connection
 *         is unusable (and the general errors, see the top of this header).
 */
ftp_result ftp_ccc(ftp_session *h);

/**
 * The TLS version of the control connection, e.g. "TLSv1.3".
 *
 * @param h the session.
 * @return a string owned by the session, valid until the next call on it; NULL if
 *         the control connection does not use TLS (or h is NULL, in use by another
 *         thread, or the call comes from one of its callbacks).
 */
const char *ftp_session_tls_version(const ftp_session *h);

/**
 * The cipher of the control connection's TLS, e.g. "TLS_AES_256_GCM_SHA384".
 *
 * @param h the session.
 * @return as ftp_session_tls_version().
 */
const char *ftp_session_tls_cipher(const ftp_session *h);

/**
 * Whether the last TLS data connection of this connection resumed the control
 * connection's TLS session (so that servers requiring reuse accepted it).
 *
 * @param h the session.
 * @return 1 if it resumed, 0 if it did a full handshake, -1 if no TLS data connection
 *         was made since ftp_connect() (or h is NULL, in use by another thread, or the
 *         call comes from one of its callbacks).
 */
int ftp_session_data_tls_resumed(const ftp_session *h);

/**
 * Trusts only the CA certificates of PEM text in memory (one or more, plus those of
 * ftp_tls_config_set_ca_file() and ftp_tls_config_set_ca_dir(), if set) instead of
 * the system trust store, like ftp_tls_config_set_ca_file() but without a file. It
 * replaces the certificates given before with this function or
 * ftp_tls_config_add_ca_pem(). The text is parsed now and copied: the caller's
 * buffer may be freed on return.
 *
 * @param cfg the configuration.
 * @param pem PEM text holding one or more "-----BEGIN CERTIFICATE-----" blocks (need
 *        not be NUL-terminated), or NULL to forget the certificates given in memory
 *        (back to the system trust store if no CA file or directory is set).
 * @param len the length of pem in bytes (ignored when pem is NULL).
 * @return FTP_OK; FTP_E_INVALID if the text holds no PEM certificate or one that does
 *         not parse; FTP_E_NULL if cfg is NULL; FTP_E_BUSY if another thread is inside
 *         cfg. On failure the setting is unchanged.
 * @since 1.1
 */
ftp_result ftp_tls_config_set_ca_pem(ftp_tls_config *cfg, const char *pem, size_t len);

/**
 * Adds the CA certificates of PEM text in memory to those given before with
 * ftp_tls_config_set_ca_pem() or this function (see there: together they replace
 * the system trust store). Parsed now and copied.
 *
 * @param cfg the configuration.
 * @param pem PEM text holding one or more certificates (need not be NUL-terminated).
 * @param len the length of pem in bytes.
 * @return FTP_OK; FTP_E_INVALID if the text holds no PEM certificate or one that does
 *         not parse; FTP_E_NULL if cfg or pem is NULL; FTP_E_BUSY if another thread
 *         is inside cfg. On failure the setting is unchanged.
 * @since 1.1
 */
ftp_result ftp_tls_config_add_ca_pem(ftp_tls_config *cfg, const char *pem, size_t len);

/**
 * A client certificate (or chain, leaf first) and its private key as PEM text in
 * memory, for servers that ask for one; the key may be encrypted, with its
 * passphrase given here. Both are parsed, the key decrypted and checked against the
 * certificate now, and kept (decrypted, in memory) until replaced; the caller's
 * buffers may be freed on return. Replaces a client certificate set before, from
 * files or memory; ftp_tls_config_set_client_cert(cfg, NULL, NULL) removes it.
 *
 * @param cfg the configuration.
 * @param cert_pem the certificate PEM text (need not be NUL-terminated).
 * @param cert_len its length in bytes.
 * @param key_pem the private key PEM text (PKCS#8 or traditional, encrypted or not).
 * @param key_len its length in bytes.
 * @param passphrase the key's passphrase (NUL-terminated bytes), or NULL for a key
 *        that is not encrypted (ignored if the key is not encrypted).
 * @return FTP_OK; FTP_E_INVALID if either text does not parse, the key is encrypted
 *         and passphrase is NULL or wrong, or the key does not belong to the
 *         certificate (the message says which); FTP_E_NULL if cfg, cert_pem or key_pem
 *         is NULL; FTP_E_BUSY if another thread is inside cfg. On failure the setting
 *         is unchanged.
 * @since 1.1
 */
ftp_result ftp_tls_config_set_client_cert_pem(ftp_tls_config *cfg,
                                              const char *cert_pem,
                                              size_t cert_len,
                                              const char *key_pem,
                                              size_t key_len,
                                              const char *passphrase);

/**
 * Like ftp_tls_config_set_client_cert_pem(), the passphrase of an encrypted key
 * coming from a callback (asked once, during this call, only if the key is
 * encrypted), so that it need not sit in a string.
 *
 * @param cfg the configuration.
 * @param cert_pem the certificate PEM text (need not be NUL-terminated).
 * @param cert_len its length in bytes.
 * @param key_pem the private key PEM text.
 * @param key_len its length in bytes.
 * @param cb gives the passphrase (see ftp_tls_passphrase_cb), or NULL for a key that
 *        is not encrypted.
 * @param userdata passed to cb as is.
 * @return FTP_OK; FTP_E_CANCELLED if cb returned non-zero; FTP_E_INVALID as
 *         ftp_tls_config_set_client_cert_pem(), or if cb claimed more than `cap`
 *         bytes; FTP_E_RECURSIVE if cb calls into cfg; FTP_E_NULL if cfg, cert_pem or
 *         key_pem is NULL; FTP_E_BUSY if another thread is inside cfg. On failure the
 *         setting is unchanged.
 * @since 1.1
 */
ftp_result ftp_tls_config_set_client_cert_pem_cb(ftp_tls_config *cfg,
                                                 const char *cert_pem,
                                                 size_t cert_len,
                                                 const char *key_pem,
                                                 size_t key_len,
                                                 ftp_tls_passphrase_cb cb,
                                                 void *userdata);

/**
 * Pins the server's public key, like curl's --pinnedpubkey: the SHA-256 of the DER
 * SubjectPublicKeyInfo of the server's own certificate, base64, as "sha256//BASE64",
 * or several separated by ';' (e.g. the current key and the next). Checked after the
 * handshake on the control connection and on every data connection (a resumed one
 * too), before anything is sent over it; a mismatch closes that connection and
 * fails with FTP_E_TLS_PINNED. Pinning applies whether certificates are verified or
 * not: with verification on both must pass, with it off (see
 * ftp_tls_config_set_insecure_skip_verify()) the pin alone decides. The pin of a
 * certificate file: `openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin
 * -outform der | openssl dgst -sha256 -binary | base64`.
 *
 * @param cfg the configuration.
 * @param pins the pins (ASCII), or NULL to remove them.
 * @return FTP_OK; FTP_E_INVALID if a pin does not start with "sha256//", is not
 *         base64 or not 32 bytes (the setting is then unchanged); FTP_E_NULL if cfg is
 *         NULL; FTP_E_BUSY if another thread is inside cfg.
 * @since 1.1
 */
ftp_result ftp_tls_config_set_pinned_pubkey(ftp_tls_config *cfg, const char *pins);

/**
 * Sets a callback that decides on the server's certificate chain, in each full TLS
 * handshake of sessions given this configuration (control and data connections; a
 * data connection that resumes the control connection's session shows no
 * certificate and was decided already). It is shown the chain and OpenSSL's verdict
 * (see ftp_tls_verify_cb), and its answer replaces the verdict: it can reject a
 * chain OpenSSL accepted (FTP_E_TLS_UNTRUSTED, the message naming the callback) or
 * accept one OpenSSL rejected (its own trust rules: take care). Pins
 * (ftp_tls_config_set_pinned_pubkey()) are checked in addition. With verification
 * off, OpenSSL's verdict (then without the host name check) is still given and the
 * callback still decides.
 *
 * The callback runs inside the TLS handshake, inside the libftp call that opened the
 * connection (ftp_connect(), ftp_auth(), a transfer...), on the thread making that
 * call. Sessions opened from another session's settings copy its configuration, and
 * with it this callback: a pool's sessions (ftp_pool_new()), the extra sessions of a
 * segmented download (ftp_retr_file_segmented()) and of a parallel mirror
 * (ftp_set_mirror_parallel()). It is then called on the threads those sessions run
 * on, several at once. It must not call libftp functions on that session (they fail with
 * FTP_E_RECURSIVE) nor on this configuration, and must not unwind (longjmp, C++
 * exception) through libftp. A Rust panic never crosses the handshake: the Rust
 * core catches one from its closure and rejects the chain.
 *
 * @param cfg the configuration.
 * @param cb the callback, or NULL to remove it.
 * @param userdata passed to cb as is; it must stay valid as long as cfg or any
 *        session given cfg with ftp_set_tls() may connect, and be usable from every
 *        thread such a session runs on (from several at once if several sessions on
 *        different threads share the configuration).
 * @return FTP_OK; FTP_E_NULL if cfg is NULL; FTP_E_BUSY if another thread is inside cfg.
 * @since 1.1
 */
ftp_result ftp_tls_config_set_verify_cb(ftp_tls_config *cfg, ftp_tls_verify_cb cb, void *userdata);

/**
 * Creates an empty URL object (no URL parsed yet).
 *
 * @return a new object owned by the caller, freed with ftp_url_free(); NULL only after
 *         an internal error.
 */
ftp_url *ftp_url_new(void);

/**
 * Frees a URL object.
 *
 * A getter (or call) still inside it on another thread is let finish first: the
 * object is freed when it returns.
 *
 * @param u the object, or NULL (does nothing); not usable afterwards.
 */
void ftp_url_free(ftp_url *u);

/**
 * Parses `ftp[s]://[user[:password]@]host[:port]/path[;type=a|i|d]` into u (RFC 1738,
 * as curl reads it): user, password, host and path are percent-decoded; an IPv6 host
 * is written in brackets, with an optional zone as RFC 6874 writes it
 * ("[fe80::1%25eth0]"); ftps:// means implicit TLS. Refused: encoded CR, LF or NUL
 * bytes, a bad %-escape, a host with characters other than ASCII letters, digits,
 * '-', '.', '_' and non-ASCII (so an unbracketed IPv6 address, or ";type=" with no
 * path before it), a port outside 1..65535, a query or fragment.
 *
 * @param u the URL object.
 * @param url the URL (NUL-terminated UTF-8; write other bytes of a path as %XX, e.g.
 *        "caf%E9"; user, password and host must decode to UTF-8).
 * @return FTP_OK; FTP_E_INVALID with the reason in ftp_url_last_error() (which never
 *         repeats the password); FTP_E_NULL if u or url is NULL. On failure u keeps
 *         its previous contents.
 */
ftp_result ftp_url_parse(ftp_url *u, const char *url);

/**
 * Why the last ftp_url_parse() on u failed; "" after a success.
 *
 * @param u the URL object.
 * @return owned by u, valid until its next parse or free; NULL if u is NULL or busy
 *         (see ftp_url). After an
 *         internal error it says what happened.
 */
const char *ftp_url_last_error(const ftp_url *u);

/**
 * The host (an IPv6 address without its brackets; with a zone, as ftp_connect()
 * takes it: "fe80::1%eth0").
 *
 * @param u the URL object.
 * @return owned by u; NULL if u is NULL, busy (see ftp_url) or holds no URL yet.
 */
const char *ftp_url_host(const ftp_url *u);

/**
 * The decoded user name.
 *
 * @param u the URL object.
 * @return owned by u; NULL if the URL names no user (anonymous), or u is NULL, busy or
 *         empty; "" for "@host" or ":password@host", which ftp_login() also takes as
 *         anonymous.
 */
const char *ftp_url_user(const ftp_url *u);

/**
 * The decoded password.
 *
 * @param u the URL object.
 * @return owned by u; NULL if the URL has none (no ':' after the user), or u is NULL, busy or
 *         empty; "" for "user:@host".
 */
const char *ftp_url_password(const ftp_url *u);

/**
 * The port to connect to: the URL's, or the scheme's default (21, 990 for ftps://).
 *
 * @param u the URL object.
 * @return the port; 0 if u is NULL, busy (see ftp_url) or holds no URL yet.
 */
uint16_t ftp_url_port(const ftp_url *u);

/**
 * Whether the URL is ftps:// (implicit TLS).
 *
 * @param u the URL object.
 * @return true for ftps://; false otherwise, or if u is NULL, busy or empty.
 */
bool ftp_url_is_ftps(const ftp_url *u);

/**
 * The decoded path after the host's '/', as bytes (names need not be UTF-8), "" for
 * the login directory. "dir/file" is relative to the login directory, as in RFC 1738;
 * a path that starts with '/' once decoded (ftp://host/%2Fetc/x, or curl's
 * ftp://host//etc/x) is absolute.
 *
 * @param u the URL object.
 * @param len_out receives the length (a path cannot contain NUL); may be NULL.
 * @return NUL-terminated bytes owned by u; NULL if u is NULL, busy or empty.
 */
const char *ftp_url_path(const ftp_url *u, size_t *len_out);

/**
 * The `;type=` code of the path: 'a' (ASCII), 'i' (binary), 'd' (directory listing).
 *
 * @param u the URL object.
 * @return the code as a lower-case character, or 0 if the URL has none (or u is NULL or busy).
 */
int ftp_url_type(const ftp_url *u);

/**
 * Connects and logs in as the URL says: implicit TLS for ftps:// (with the TLS
 * configuration given to ftp_set_tls(), if any), the session's own mode (plain, or
 * explicit FTPS after ftp_set_tls(h, FTP_TLS_EXPLICIT, ...)) for ftp://; then
 * ftp_login() with the URL's user and password, or anonymously. The path is the
 * caller's to use (ftp_url_path()). ftps:// holds for this connection only: the mode set
 * with ftp_set_tls() applies again to the next ftp_connect() or ftp:// URL.
 *
 * @param h the session.
 * @param u a parsed URL.
 * @param timeout_ms as for ftp_connect().
 * @return FTP_OK; the errors of ftp_connect() and ftp_login() (after a failed login the
 *         connection is closed); FTP_E_INVALID if u holds no URL, or it is ftp:// while
 *         the session is set to implicit FTPS; FTP_E_NULL if u is NULL; FTP_E_BUSY if
 *         another thread is parsing into u or freeing it (recorded as the session's
 *         last error, which names u).
 */
ftp_result ftp_connect_url(ftp_session *h, const ftp_url *u, uint32_t timeout_ms);

/**
 * Mirrors a server directory into a local one (Python's ftpmirror.py, done properly):
 * walks the remote tree (MLSD, or LIST where the server lacks it), downloads files
 * that are new or whose size or modification time differ (each into "NAME.part",
 * renamed when complete, then given the listing's time so a re-run finds it
 * unchanged), creates directories, and with FTP_MIRROR_DELETE removes local entries
 * the server no longer lists. A file is checked against the listed size before it
 * replaces the old copy. A file on the server where a local directory is replaces the
 * directory only with FTP_MIRROR_DELETE (otherwise it is reported as refused). A LIST
 * line in no known format names nothing for certain, so no local entry of that
 * directory is deleted. A name listed twice is taken once. Where the server also lists
 * "NAME.part", a local directory has that name, or NAME is too long for the suffix,
 * NAME is written in place. A directory whose MLSD "unique" fact is that of one being
 * walked (a loop) is reported as refused and not entered. Where the local file system
 * ignores case, the first of "README" and "readme" listed is mirrored and the other
 * refused, and a local entry a listed name reaches under another spelling is not
 * deleted as unlisted (hard-linked local files are names of their own). A symbolic or
 * hard link found where a file is written is replaced, never written through. Names
 * from the server are checked: "..", names with '/', '\\' or NUL are refused, so
 * nothing is written outside `local_dir`. The working directory is the same afterwards
 * (PWD first, CWD back at the end).
 *
 * What fails for one entry does not end the mirror (since 1.1): a file the server
 * refuses or cuts short, a subdirectory it will not list, a local directory or file
 * that cannot be made or written (a name too long for the local file system, say).
 * Each is reported to callback as FTP_MIRROR_FAILED, the mirror goes on, and at the
 * end it returns the first failure's code; ftp_mirror_failure_count() and
 * ftp_mirror_failure() give each one. Nothing is deleted in a directory where an
 * entry failed. What leaves the session unusable (the control connection lost, a
 * 421) still ends the mirror at once, as do callback's stop and ftp_interrupt().
 * With ftp_set_mirror_parallel() above 1, other sessions list and download beside
 * this one; the result is the same.
 *
 * @param h the session, logged in.
 * @param remote_dir the directory to mirror (bytes as given; no CR/LF/NUL); "" for
 *        the current one.
 * @param local_dir where the copy goes (bytes, as open(2) takes them); created if missing.
 * @param flags FTP_MIRROR_* values or'ed together, or 0.
 * @param skip NULL, or a NULL-terminated array of shell patterns ('*', '?', "[a-z]")
 *        matched against each name and each relative path; matches are left out (and
 *        never deleted).
 * @param callback hears of every step (may be NULL).
 * @param userdata passed to callback.
 * @param files_out receives the number of files transferred (may be NULL); written
 *        also when the mirror went through with failures.
 * @param bytes_out receives the bytes transferred (may be NULL); likewise.
 * @return FTP_OK when every entry was mirrored; the first failed entry's code (for
 *         example FTP_E_PERM for a 550, FTP_E_IO for a local error, FTP_E_PROTO for a
 *         file shorter than listed) when the mirror went through with failures, the
 *         message then counting them; FTP_E_CANCELLED if callback returned non-zero;
 *         FTP_E_IO for local errors with the target itself (the message names the
 *         file); the errors of ftp_list() and ftp_retr_file() for the mirrored
 *         directory itself, or that left the session unusable; FTP_E_PROTO if a PWD
 *         reply names no directory, or (as the failure of that entry, the mirror
 *         going on) a directory lists more than 1,000,000 entries or 256 MiB, or lies
 *         more than 100 directories deep (bounds ftplib's ftpmirror.py lacks; a loop,
 *         most likely); FTP_E_INVALID for unknown flags.
 */
ftp_result ftp_mirror(ftp_session *h,
                      const char *remote_dir,
                      const char *local_dir,
                      uint32_t flags,
                      const char *const *skip,
                      ftp_mirror_cb callback,
                      void *userdata,
                      uint64_t *files_out,
                      uint64_t *bytes_out);

/**
 * The reverse mirror: uploads a local tree into a server directory (created with its
 * parents if missing): files that are new or whose size differs (or, where the server
 * takes MFMT, whose time differs) are uploaded and given their local time; missing
 * directories are made; with FTP_MIRROR_DELETE, remote files the local tree lacks are
 * deleted, except one whose name differs from a local one only in case (on a server
 * that ignores case it is the same file). A name the server lists as a symbolic link
 * is never uploaded to (the upload would go wherever the link points): it is
 * reported as FTP_MIRROR_SKIPPED_LINK. Parameters and results as for ftp_mirror(),
 * source and target swapped;
 * the working directory is the same afterwards. A dry run creates nothing, so it
 * reports every file below a directory the server lacks as one to upload. Failures of
 * one entry and parallel sessions are as for ftp_mirror().
 *
 * @param h the session, logged in.
 * @param local_dir the tree to send (bytes, as open(2) takes them).
 * @param remote_dir where it goes on the server (bytes as given; no CR/LF/NUL).
 * @param flags FTP_MIRROR_* values or'ed together, or 0.
 * @param skip NULL, or a NULL-terminated array of shell patterns to leave out.
 * @param callback hears of every step (may be NULL).
 * @param userdata passed to callback.
 * @param files_out receives the number of files transferred (may be NULL); written
 *        also when the mirror went through with failures.
 * @param bytes_out receives the bytes transferred (may be NULL); likewise.
 * @return as ftp_mirror() (failures of single entries, such as a file the server
 *         will not store or a local file that cannot be read, let it go on in the
 *         same way); FTP_E_INVALID if local_dir is not a directory.
 */
ftp_result ftp_mirror_upload(ftp_session *h,
                             const char *local_dir,
                             const char *remote_dir,
                             uint32_t flags,
                             const char *const *skip,
                             ftp_mirror_cb callback,
                             void *userdata,
                             uint64_t *files_out,
                             uint64_t *bytes_out);

/**
 * How many sessions ftp_mirror() and ftp_mirror_upload() on this session transfer
 * with at once. With 1 (the default) the session does everything itself; with N, it
 * opens up to N - 1 more sessions to the same server, with the same login and
 * settings (TLS configuration, with any verify callback in it, which is then called
 * from their threads; timeouts, passive mode, source address without its port: one
 * local port takes one connection to a server at a time), as files
 * need them, and closes them when the mirror returns. They list subdirectories ahead
 * of the walk and download or upload while this session walks the tree, then this
 * one transfers with them. Each opens its own TLS session (data connections resume
 * it, as servers that require reuse ask). A server that
 * refuses the extra connections (a per-address limit) leaves the work to the
 * sessions it took. Results, failures and callback calls (all on the calling
 * thread) are those of a mirror on one session; only their order differs (and, on a
 * local file system that ignores case, two new names differing only in case may both
 * be fetched into one file, where one session refuses the second). The other
 * sessions' commands do not appear in this session's protocol trace.
 *
 * @param h the session.
 * @param sessions 1 to 64; 0 is taken as 1.
 * @return FTP_OK; FTP_E_INVALID above 64 (or one of the general errors, see the top
 *         of this header).
 * @since 1.1
 */
ftp_result ftp_set_mirror_parallel(ftp_session *h, uint32_t sessions);

/**
 * How many entries the last ftp_mirror() or ftp_mirror_upload() on this session could
 * not mirror (each reported to its callback as FTP_MIRROR_FAILED).
 *
 * @param h the session.
 * @return the count; 0 before any mirror, or if h is NULL, in use by another thread
 *         or the call comes from one of its callbacks.
 * @since 1.1
 */
size_t ftp_mirror_failure_count(const ftp_session *h);

/**
 * One entry the last ftp_mirror() or ftp_mirror_upload() on this session could not
 * mirror, in the order the failures came.
 *
 * @param h the session.
 * @param index 0 to ftp_mirror_failure_count() - 1.
 * @param path_out receives the entry's path relative to the mirrored directory ('/'-
 *        separated bytes, NUL-terminated; may be NULL).
 * @param len_out receives the path's length in bytes (may be NULL).
 * @param code_out receives the failure's code, as a call failing with it would return
 *        (FTP_E_PERM for a 550, FTP_E_IO for a local error...; may be NULL).
 * @param reply_code_out receives the server's reply code when a reply was the
 *        failure, else 0 (may be NULL).
 * @return the failure's message ("server replied 550 ..."); it and the path are owned
 *         by the session and valid until the next ftp_mirror(), ftp_mirror_upload()
 *         or ftp_free() on it. NULL (and no output written) if index is out of range,
 *         or h is NULL, in use by another thread or the call comes from one of its
 *         callbacks.
 * @since 1.1
 */
const char *ftp_mirror_failure(const ftp_session *h,
                               size_t index,
                               const char **path_out,
                               size_t *len_out,
                               ftp_result *code_out,
                               int *reply_code_out);

/**
 * Creates a pool that opens sessions like `template`: its host and port, login
 * (user, password, account), TLS mode and configuration, timeouts, passive or active
 * mode, source address, keep-alive and tuning switches, as they are now. The template
 * is only read: it stays the caller's, and the pool does not use its connection.
 * Neither its progress nor its log callback is copied; its TLS configuration is,
 * with any certificate verify callback in it, which is then called from the threads
 * that open the pool's sessions. Its source port is not copied (only one connection
 * at a time can come from one local port to one server): the pool's sessions bind
 * the source address alone, with a port of the system's choice.
 * Nothing is connected until a session is needed. The pool checks an idle session
 * with NOOP before handing it out when it has been idle for more than 15 seconds
 * (ftp_pool_set_idle_check()), replaces sessions the server dropped, and lowers its
 * limit to what the server allows when it refuses further connections (421 "too many
 * connections", per-address limits, a refused connection while others are open).
 *
 * @param template_session a session that has connected and logged in (or connected,
 *        for a server that needs no login) at least once; it may be closed since.
 * @param max_sessions the most sessions open at once, 1 or more.
 * @param pool_out receives the pool on success (required); the caller frees it with
 *        ftp_pool_free().
 * @return FTP_OK; FTP_E_STATE if the template never connected; FTP_E_INVALID if
 *         max_sessions is 0; FTP_E_BUSY if another thread is in a call on the
 *         template; FTP_E_PANIC on an internal error (this call only: later ones
 *         work as before); FTP_E_NULL if template_session or pool_out is NULL. The
 *         message is ftp_pool_last_error()'s.
 * @since 1.1
 */
ftp_result ftp_pool_new(const ftp_session *template_session,
                        uint32_t max_sessions,
                        ftp_pool **pool_out);

/**
 * Frees a pool handle. Never under a call still running on it in another thread:
 * the pool is freed when the last such call returns (a thread waiting in
 * ftp_pool_get() keeps it until a session comes free or its checkout timeout ends;
 * call ftp_pool_interrupt() first to wake it at once). Meanwhile every new call on it
 * fails with FTP_E_STATE ("being freed"). Its idle sessions are then closed (without
 * QUIT: ftp_pool_close_idle() first for a clean goodbye) unless a batch made over the
 * pool still holds it (they close with the batch). Sessions checked out with
 * ftp_pool_get() stay valid sessions: once this returns the pool handle must not be
 * used again (ftp_pool_put() on it included): free them with ftp_free(), which
 * closes them. Batches made over it stay usable.
 *
 * @param pool the pool, or NULL; invalid afterwards.
 * @since 1.1
 */
void ftp_pool_free(ftp_pool *pool);

/**
 * Sets how long a session may stay idle in the pool before it is checked with NOOP
 * when it is next handed out (a session failing the check is closed and another one
 * used). The default is 15000 ms.
 *
 * @param pool the pool.
 * @param ms the idle time in milliseconds; 0 checks every session before reuse.
 * @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is NULL.
 * @since 1.1
 */
ftp_result ftp_pool_set_idle_check(ftp_pool *pool, uint32_t ms);

/**
 * Sets how long ftp_pool_get() (and a batch's worker) waits for a session when all
 * are in use. The default is to wait without limit.
 *
 * @param pool the pool.
 * @param ms the longest wait in milliseconds; a negative value waits without limit.
 * @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is NULL.
 * @since 1.1
 */
ftp_result ftp_pool_set_checkout_timeout(ftp_pool *pool, int64_t ms);

/**
 * Sets the most sessions the pool opens at once. This is also the new limit: a lower
 * limit the server imposed is forgotten (the pool finds it again if it still holds).
 * Sessions over a lower maximum close as they come back.
 *
 * @param pool the pool.
 * @param max_sessions 1 or more.
 * @return FTP_OK; FTP_E_INVALID if max_sessions is 0; FTP_E_STATE if the pool is
 *         being freed; FTP_E_NULL if pool is NULL.
 * @since 1.1
 */
ftp_result ftp_pool_set_max_sessions(ftp_pool *pool, uint32_t max_sessions);

/**
 * Checks out a session: an idle one (the one returned last, after a NOOP if it was
 * idle too long), else a new connection while the pool is under its limit, else the
 * first one given back, waiting for it (see ftp_pool_set_checkout_timeout()). The
 * session is an ordinary ftp_session, connected and logged in, used by one thread at
 * a time as any session is (it may move between threads). Give it back with
 * ftp_pool_put(); ftp_free() on it closes it instead and frees its place in the pool.
 * Its options and callbacks are the pool's (a previous user's are undone when it
 * gives the session back), but its working directory, TYPE and other connection
 * state are what the previous user left: set what you rely on.
 *
 * @param pool the pool.
 * @param session_out receives the session on success (required).
 * @return FTP_OK; FTP_E_TIMEOUT if no session came free within the checkout
 *         timeout; FTP_E_INTERRUPTED if ftp_pool_interrupt() was called while
 *         waiting; the connect or login error (FTP_E_IO, FTP_E_TEMP, FTP_E_PERM,
 *         FTP_E_TLS*...) when not even one session could be opened; FTP_E_STATE if
 *         the pool is being freed; FTP_E_NULL if pool or session_out is NULL. The message is
 *         ftp_pool_last_error()'s.
 * @since 1.1
 */
ftp_result ftp_pool_get(ftp_pool *pool, ftp_session **session_out);

/**
 * Gives a session from ftp_pool_get() back to its pool and frees the handle: the
 * connection is kept for reuse if it is usable (connected, between commands, no
 * transfer open) and still logged in as the pool's user (a raw USER, PASS, ACCT or
 * REIN sent with ftp_sendcmd() closes it instead), else closed. Whatever its user set
 * is undone first: its progress and log callbacks are removed (neither is ever
 * called again, from any thread), and its options (timeouts, passive mode, TLS
 * configuration, reconnect policy, debug level...) go back to the pool's.
 *
 * If another thread is freeing the pool while a call (a waiting ftp_pool_get()) is
 * still inside it, the session is still given back, which wakes that call.
 *
 * @param pool the pool the session came from.
 * @param session the session; on FTP_OK the handle is freed and invalid afterwards.
 *        On every failure it stays valid and the caller's, as it was (give it back
 *        again or free it with ftp_free()).
 * @return FTP_OK; FTP_E_INVALID if the session did not come from this pool;
 *         FTP_E_BUSY if another thread is in a call on the session or it is being
 *         freed; FTP_E_RECURSIVE from the session's own callback; FTP_E_PANIC if the
 *         session is unusable after an internal error (ftp_free() it); FTP_E_NULL if
 *         pool or session is NULL. The message is ftp_pool_last_error()'s.
 * @since 1.1
 */
ftp_result ftp_pool_put(ftp_pool *pool, ftp_session *session);

/**
 * Closes the pool's idle sessions with QUIT, waiting for the server's answers at most
 * `timeout_ms` in all: a session whose turn comes after that, or whose QUIT is not
 * answered in the time left, is closed without waiting. Sessions checked out are not
 * touched; the pool opens new ones when asked again. ftp_pool_free() closes idle
 * sessions without QUIT: call this first for a clean goodbye.
 *
 * @param pool the pool.
 * @param timeout_ms the longest wait in milliseconds for all the sessions together; 0
 *        closes them without QUIT; a negative value waits for each as long as its
 *        reply timeout allows.
 * @param closed receives how many sessions were closed, or NULL.
 * @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is
 *         NULL. The message is ftp_pool_last_error()'s.
 * @since 1.1
 */
ftp_result ftp_pool_close_idle(ftp_pool *pool, int64_t timeout_ms, uint32_t *closed);

/**
 * Stops everything in flight on the pool, from any thread: the call running on each
 * checked-out session (as ftp_interrupt() on it: a transfer is aborted and fails with
 * FTP_E_INTERRUPTED, a call waiting for a reply has its connection shut down), every
 * running batch over the pool (its remaining items fail with FTP_E_INTERRUPTED), and
 * every ftp_pool_get() waiting for a session (FTP_E_INTERRUPTED). Checkouts that start
 * afterwards work as before.
 *
 * @param pool the pool.
 * @return FTP_OK; FTP_E_STATE if the pool is being freed; FTP_E_NULL if pool is NULL.
 * @since 1.1
 */
ftp_result ftp_pool_interrupt(ftp_pool *pool);

/**
 * One of the pool's counters. Like every ftp_pool_* call it sets this thread's
 * ftp_pool_last_error().
 *
 * @param pool the pool.
 * @param kind which counter: FTP_POOL_MAX_SESSIONS, FTP_POOL_LIMIT, FTP_POOL_OPEN,
 *        FTP_POOL_IDLE, FTP_POOL_IN_USE, FTP_POOL_OPENED, FTP_POOL_REUSED,
 *        FTP_POOL_DISCARDED, FTP_POOL_SHRINKS or FTP_POOL_WAITS.
 * @return its value; 0 if pool is NULL or being freed, or kind is none of those.
 * @since 1.1
 */
uint64_t ftp_pool_stat(const ftp_pool *pool, uint32_t kind);

/**
 * The message of the calling thread's last failed call on any pool (ftp_pool_*,
 * ftp_pool_new() included), "" after a success: per thread, since threads share a
 * pool.
 *
 * @return a NUL-terminated string owned by the library, valid on this thread until
 *         its next ftp_pool_* call; never NULL.
 * @since 1.1
 */
const char *ftp_pool_last_error(void);

/**
 * Creates an empty batch over a pool. The batch holds on to what it needs of the
 * pool: it stays usable if the pool handle is freed first.
 *
 * @param pool the pool its items run over.
 * @param batch_out receives the batch on success (required); free it with ftp_batch_free().
 * @return FTP_OK; FTP_E_NULL if pool or batch_out is NULL (the message is
 *         ftp_pool_last_error()'s).
 * @since 1.1
 */
ftp_result ftp_batch_new(ftp_pool *pool, ftp_batch **batch_out);

/**
 * Frees a batch. From its own callback, or while another thread runs it, it is freed
 * when ftp_batch_run() returns.
 *
 * @param b the batch, or NULL; invalid afterwards.
 * @since 1.1
 */
void ftp_batch_free(ftp_batch *b);

/**
 * Queues the download of `remote` into the file at `local_path`, done as
 * ftp_retr_file() does with `flags` (FTP_FILE_RESUME, FTP_FILE_ATOMIC,
 * FTP_FILE_PRESERVE_MTIME, FTP_FILE_VERIFY_SIZE). Use FTP_FILE_ATOMIC so that a
 * failed download never looks complete; a retry after a dropped connection continues
 * the part already written (see ftp_batch_set_retries()).
 *
 * @param b the batch.
 * @param remote the server's file (bytes as given; no CR/LF/NUL).
 * @param local_path where to write (bytes, as open(2) takes them).
 * @param flags FTP_FILE_* values or'ed together, or 0.
 * @param index receives the item's index (0 for the first added), or NULL.
 * @return FTP_OK; FTP_E_INVALID for unknown flags or FTP_FILE_APPEND; FTP_E_NULL if
 *         b, remote or local_path is NULL; FTP_E_BUSY while the batch runs.
 * @since 1.1
 */
ftp_result ftp_batch_add_download(ftp_batch *b,
                                  const char *remote,
                                  const char *local_path,
                                  uint32_t flags,
                                  size_t *index);

/**
 * Queues the download of `remote` into an open descriptor, written from its position
 * when the batch runs (as ftp_retr_fd() with no REST). The descriptor is duplicated
 * now (the copy shares its file position) and the copy closed when the batch is
 * freed: the caller keeps and closes its own. A retry after a dropped connection
 * continues with REST from what was written, where the descriptor can seek.
 *
 * @param b the batch.
 * @param remote the server's file (bytes as given; no CR/LF/NUL).
 * @param fd a descriptor open for writing.
 * @param index receives the item's index, or NULL.
 * @return FTP_OK; FTP_E_INVALID for a negative fd; FTP_E_IO if it cannot be
 *         duplicated; FTP_E_NULL if b or remote is NULL; FTP_E_BUSY while the batch
 *         runs.
 * @since 1.1
 */
ftp_result ftp_batch_add_download_fd(ftp_batch *b, const char *remote, int fd, size_t *index);

/**
 * Queues the upload of the file at `local_path` to `remote`, done as ftp_stor_file()
 * does with `flags` (FTP_FILE_RESUME, FTP_FILE_PRESERVE_MTIME, FTP_FILE_VERIFY_SIZE,
 * FTP_FILE_APPEND, FTP_FILE_ATOMIC: through "REMOTE.part", so a failed upload never
 * replaces REMOTE). A retry after a dropped connection resumes what an earlier attempt
 * sent (REST+STOR), or starts over if none was sent; an append is not sent twice.
 *
 * @param b the batch.
 * @param local_path the file to send (bytes, as open(2) takes them).
 * @param remote the server's name for it (bytes as given; no CR/LF/NUL).
 * @param flags FTP_FILE_* values or'ed together, or 0.
 * @param index receives the item's index, or NULL.
 * @return FTP_OK; FTP_E_INVALID for unknown flags; FTP_E_NULL if b, local_path or
 *         remote is NULL; FTP_E_BUSY while the batch runs.
 * @since 1.1
 */
ftp_result ftp_batch_add_upload(ftp_batch *b,
                                const char *local_path,
                                const char *remote,
                                uint32_t flags,
                                size_t *index);

/**
 * Queues the upload of what an open descriptor holds from its position when the batch
 * runs (as ftp_stor_fd() with no REST). Duplicated as in ftp_batch_add_download_fd().
 * A retry after a dropped connection sends it whole again (STOR), where the
 * descriptor can seek back.
 *
 * @param b the batch.
 * @param fd a descriptor open for reading.
 * @param remote the server's name for it (bytes as given; no CR/LF/NUL).
 * @param index receives the item's index, or NULL.
 * @return FTP_OK; FTP_E_INVALID for a negative fd; FTP_E_IO if it cannot be
 *         duplicated; FTP_E_NULL if b or remote is NULL; FTP_E_BUSY while the batch
 *         runs.
 * @since 1.1
 */
ftp_result ftp_batch_add_upload_fd(ftp_batch *b, int fd, const char *remote, size_t *index);

/**
 * Sets the progress callback (see ftp_batch_cb), called at most every `interval_ms`
 * per file while it moves, and once when each file ends.
 *
 * @param b the batch.
 * @param callback the callback, or NULL for none.
 * @param userdata passed to callback as its first argument, from the worker threads.
 * @param interval_ms the least time between two reports of one file; 0 reports after
 *        every block.
 * @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
 * @since 1.1
 */
ftp_result ftp_batch_set_progress_callback(ftp_batch *b,
                                           ftp_batch_cb callback,
                                           void *userdata,
                                           uint32_t interval_ms);

/**
 * Sets how many items run at once, each on a session of its own from the pool. The
 * default, 0, is the pool's maximum number of sessions; a server that allows fewer
 * connections makes the workers share the sessions it allows.
 *
 * @param b the batch.
 * @param workers the number of worker threads, or 0.
 * @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
 * @since 1.1
 */
ftp_result ftp_batch_set_workers(ftp_batch *b, uint32_t workers);

/**
 * Whether the first failing item stops the batch (no further items start; they fail
 * with FTP_E_CANCELLED). Off by default: a failing file does not stop the others.
 *
 * @param b the batch.
 * @param stop true to stop at the first failure.
 * @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
 * @since 1.1
 */
ftp_result ftp_batch_set_stop_on_error(ftp_batch *b, bool stop);

/**
 * Sets how many times an item is tried again after a transient failure: its
 * connection dropped (421, reset, end of file, timeout; then on another session) or
 * its data connection failed (425, 426; on the same session). A download continues
 * where it stopped (REST), an upload resumes what the server holds. The default is 1.
 *
 * @param b the batch.
 * @param retries the number of further attempts, 0 for none.
 * @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
 * @since 1.1
 */
ftp_result ftp_batch_set_retries(ftp_batch *b, uint32_t retries);

/**
 * Runs every item not yet done (those not run, and those that failed in an earlier
 * run) and waits for them: up to ftp_batch_set_workers() at once over the pool's
 * sessions. Each item then has its own result (ftp_batch_result()). Blocks the
 * calling thread; the progress callback runs on the worker threads.
 *
 * @param b the batch.
 * @return FTP_OK if every item succeeded; otherwise the result of the first item (in
 *         index order) that failed, and the last error says how many failed
 *         (FTP_E_CANCELLED after a cancel from the callback, FTP_E_INTERRUPTED
 *         after ftp_pool_interrupt(), the connect error when the pool could not open
 *         a single session); FTP_E_NULL if b is NULL; FTP_E_BUSY if another thread
 *         runs or changes it, the batch's own progress callback included (it runs on
 *         the worker threads, never on the thread that called ftp_batch_run(), so
 *         a call on the batch from it is refused as busy, not as recursive).
 * @since 1.1
 */
ftp_result ftp_batch_run(ftp_batch *b);

/**
 * The number of items queued.
 *
 * @param b the batch, or NULL.
 * @return the count; 0 if b is NULL, running, or in a getter on another thread.
 * @since 1.1
 */
size_t ftp_batch_len(const ftp_batch *b);

/**
 * An item's result after ftp_batch_run().
 *
 * @param b the batch.
 * @param index the item's index, below ftp_batch_len().
 * @param bytes receives the bytes the item moved (not counting what a resume kept),
 *        or NULL; written only for FTP_OK.
 * @return FTP_OK if the item succeeded, else its failure's code (FTP_E_CANCELLED for
 *         one cancelled or never started); FTP_E_STATE if it has not run yet;
 *         FTP_E_INVALID if index is out of range; FTP_E_NULL if b is NULL;
 *         FTP_E_BUSY while the batch runs (its progress callback included) or another
 *         thread is in a getter on it.
 * @since 1.1
 */
ftp_result ftp_batch_result(const ftp_batch *b, size_t index, uint64_t *bytes);

/**
 * An item's failure message after ftp_batch_run() ("" for a success), e.g. "server
 * replied 550 No such file".
 *
 * @param b the batch.
 * @param index the item's index.
 * @return a NUL-terminated string owned by the batch, valid until its next
 *         ftp_batch_run() or ftp_batch_free(); NULL if b is NULL, running or in a
 *         getter on another thread, index is out of range or the item has not run.
 * @since 1.1
 */
const char *ftp_batch_message(const ftp_batch *b, size_t index);

/**
 * A human message for the batch's last failed call ("" after a success), e.g. "3 of
 * 1000 items failed; the first, item 17: server replied 550 ...".
 *
 * @param b the batch.
 * @return a NUL-terminated string owned by the batch, valid until its next call;
 *         NULL if b is NULL, running or in a getter on another thread.
 * @since 1.1
 */
const char *ftp_batch_last_error(const ftp_batch *b);

/**
 * Sends FEAT now and keeps what the server lists (see ftp_has_feature()). ftp_login()
 * already does this unless ftp_set_feat_after_login() turned it off; a server without
 * FEAT (500/502) simply has no features.
 *
 * @param h the session.
 * @return FTP_OK; FTP_E_TEMP/FTP_E_PERM for other refusals; FTP_E_STATE if not
 *         connected (and the connection errors and general errors, see the top of
 *         this header).
 */
ftp_result ftp_feat(ftp_session *h);

/**
 * Looks up a feature in the server's FEAT reply, e.g. "MLST", "UTF8", "EPSV", "SIZE",
 * "MDTM", "MFMT", "REST STREAM" (a name with parameters matches both). FEAT is sent
 * first if this connection has not asked yet. Unlike ftp_has_feature(), "not listed"
 * (FTP_OK, *offered_out false) and "could not tell" (an error code) differ.
 *
 * @param h the session.
 * @param name the feature (ASCII, any case).
 * @param offered_out receives whether the server listed it (required).
 * @param params_out receives the parameters the FEAT reply gave it, e.g.
 *        "type*;size*;modify*;" for "MLST" ("" if none), owned by the session and
 *        valid until the next call on it; NULL when not listed. May be NULL.
 * @return FTP_OK; FTP_E_STATE if not connected; FTP_E_TEMP/FTP_E_PERM if FEAT was
 *         refused other than with 500/502 (which mean no features: FTP_OK, not
 *         listed); FTP_E_NULL if name or offered_out is NULL (and the connection
 *         errors and general errors, see the top of this header). Outputs are
 *         written only on FTP_OK.
 * @since 1.1
 */
ftp_result ftp_feature_lookup(ftp_session *h,
                              const char *name,
                              bool *offered_out,
                              const char **params_out);

/**
 * Whether the server listed a feature in its FEAT reply (the 1.0 form of
 * ftp_feature_lookup(), which tells "not listed" from a failure). FEAT is sent first
 * if this connection has not asked yet.
 *
 * @param h the session.
 * @param name the feature (ASCII, any case).
 * @return true if listed; false if not, or on any failure. ftp_session_last_error()
 *         names a failure of the call itself (NULL name, not connected, FEAT
 *         failing); a NULL h, a session busy in another thread and a call from the
 *         session's own callback give false and leave the session's message alone.
 */
bool ftp_has_feature(ftp_session *h, const char *name);

/**
 * The parameters the FEAT reply gave a feature, e.g. "type*;size*;modify*;" for
 * "MLST" (facts marked '*' are on). FEAT is sent first if needed. The 1.0 form of
 * ftp_feature_lookup(), which tells "not listed" from a failure.
 *
 * @param h the session.
 * @param name the feature (ASCII, any case).
 * @return the parameters ("" if none), owned by the session and valid until the next
 *         call on it; NULL if the feature is not listed or on failure (failures as
 *         for ftp_has_feature()).
 */
const char *ftp_feature_params(ftp_session *h, const char *name);

/**
 * Whether ftp_login() is followed by FEAT and, when the server lists UTF8, by
 * "OPTS UTF8 ON" (RFC 2640). On by default; ftplib sends neither.
 *
 * @param h the session.
 * @param on true (the default) or false.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_feat_after_login(ftp_session *h, bool on);

/**
 * Sends NOOP. Servers close sessions idle for longer than their timeout (often 300
 * seconds): a NOOP every minute or so keeps an idle session open, and tells whether it
 * still is.
 *
 * @param h the session.
 * @return FTP_OK; FTP_E_STATE if not connected; FTP_E_CLOSED if the server has gone
 *         (and the other errors of ftp_voidcmd()).
 */
ftp_result ftp_noop(ftp_session *h);

/**
 * Asks the server's system type (SYST), e.g. "UNIX Type: L8".
 *
 * @param h the session.
 * @param text_out receives the reply text after the code, owned by the session and
 *        valid until the next call on it (required).
 * @return FTP_OK; the errors of ftp_voidcmd(); FTP_E_NULL if text_out is NULL.
 */
ftp_result ftp_syst(ftp_session *h, const char **text_out);

/**
 * Sends "SITE args" (server-specific commands, e.g. "CHMOD 600 file"); a 2xx is success.
 *
 * @param h the session.
 * @param args the SITE arguments (bytes as given; no CR/LF/NUL).
 * @return FTP_OK; the errors of ftp_voidcmd().
 */
ftp_result ftp_site(ftp_session *h, const char *args);

/**
 * Sends STAT (server status) or "STAT path" (a listing over the control connection,
 * no data connection needed) and passes each line of the reply between its first and
 * last line to `callback` (a one-line reply: its text).
 *
 * @param h the session.
 * @param path what to list, or NULL for the server's status.
 * @param callback receives each line (as ftp_line_cb); NULL prints them to stdout.
 * @param userdata passed to callback.
 * @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero; the errors of
 *         ftp_voidcmd().
 */
ftp_result ftp_stat(ftp_session *h, const char *path, ftp_line_cb callback, void *userdata);

/**
 * Sends account information (ACCT), for servers that want it after login or for a
 * command (ftp_login() sends it itself when the server answers 332).
 *
 * @param h the session.
 * @param account the account (UTF-8, no CR/LF).
 * @return FTP_OK; FTP_E_REPLY for a 1xx/3xx; the errors of ftp_voidcmd().
 */
ftp_result ftp_acct(ftp_session *h, const char *account);

/**
 * Names the virtual host to serve (HOST, RFC 7151), after ftp_connect() and before
 * ftp_login(), for servers that host several sites on one address.
 *
 * @param h the session.
 * @param name the host name (UTF-8, no CR/LF).
 * @return FTP_OK; FTP_E_PERM if the server does not know HOST or the name (500/502/504);
 *         the errors of ftp_voidcmd().
 */
ftp_result ftp_host(ftp_session *h, const char *name);

/**
 * Asks the server to reserve space before an upload (ALLO size); 200 and 202 ("not
 * needed") are both success.
 *
 * @param h the session.
 * @param size the number of bytes.
 * @return FTP_OK; the errors of ftp_voidcmd().
 */
ftp_result ftp_allo(ftp_session *h, uint64_t size);

/**
 * A file's modification time (MDTM), as UTC.
 *
 * @param h the session.
 * @param path the file (bytes as given; no CR/LF/NUL).
 * @param secs_out receives seconds since 1970-01-01 00:00 UTC (required).
 * @param nanos_out receives the fraction of a second in nanoseconds, when the server
 *        gives one (else 0); may be NULL.
 * @return FTP_OK; FTP_E_PERM (550: no such file, or a directory); FTP_E_PROTO if the
 *         reply is not a valid YYYYMMDDHHMMSS[.sss] time; the errors of ftp_voidcmd().
 */
ftp_result ftp_mdtm(ftp_session *h, const char *path, int64_t *secs_out, uint32_t *nanos_out);

/**
 * Sets a file's modification time (MFMT, whole seconds, UTC), where the server lists
 * MFMT in FEAT.
 *
 * @param h the session.
 * @param path the file (bytes as given; no CR/LF/NUL).
 * @param secs seconds since 1970-01-01 00:00 UTC (years 1970 to 9999).
 * @return FTP_OK; FTP_E_INVALID for a time out of range; FTP_E_PERM (e.g. 500 where
 *         MFMT is unknown, 550 no such file); the errors of ftp_voidcmd().
 */
ftp_result ftp_mfmt(ftp_session *h, const char *path, int64_t secs);

/**
 * Changes directory one level at a time: "a/b/c" sends CWD a, CWD b, CWD c (a leading
 * '/' first sends "CWD /"), for servers that refuse paths in CWD. On failure the
 * working directory is where the last successful CWD left it.
 *
 * @param h the session.
 * @param path the directory path (bytes as given; no CR/LF/NUL); "" sends "CWD .".
 * @return FTP_OK; the errors of ftp_cwd().
 */
ftp_result ftp_cwd_each(ftp_session *h, const char *path);

/**
 * Creates a directory and its missing parents, like `mkdir -p`: each level is entered
 * if it exists and created (MKD) if not; existing directories are not an error. The
 * working directory is the same afterwards (PWD before, CWD back after; a PWD reply
 * that names no directory leaves none to go back to, and the session stays in the
 * last level entered).
 *
 * @param h the session.
 * @param path the directory path, relative or absolute (bytes as given; no CR/LF/NUL).
 * @return FTP_OK; FTP_E_PERM/FTP_E_TEMP if a level can be neither entered nor created
 *         (e.g. a file of that name, no permission); the errors of ftp_voidcmd().
 */
ftp_result ftp_mkd_all(ftp_session *h, const char *path);

/**
 * Whether commands are pipelined, each saving a round trip: a TYPE the next
 * transfer needs goes in the same write as the command after it (EPSV, PASV or
 * SIZE), and once EPSV has worked on the connection, EPSV goes in one write with the
 * transfer command (RETR, STOR, LIST, ...) when no TYPE or REST has to precede it.
 * Only commands whose failure changes nothing are pipelined: every reply is read in
 * order and a refusal is reported as before (a refused transfer command wins over
 * the data connection the server then never accepts). On by default; ftplib never
 * pipelines. Turn it off for a server that drops pipelined commands.
 *
 * @param h the session.
 * @param on true (the default) or false.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_pipelining(ftp_session *h, bool on);

/**
 * Whether the session remembers the representation type (TYPE A or I) it last set
 * and sends TYPE only when a transfer needs the other one. On by default; ftplib
 * sends TYPE before every transfer. The remembered type is forgotten on connect, and
 * when the caller sends TYPE, REIN or USER itself (ftp_sendcmd, ftp_voidcmd, ftp_login),
 * except that a "TYPE I" or "TYPE A" the server accepts becomes the remembered type.
 *
 * @param h the session.
 * @param on true (the default) or false (TYPE before every transfer).
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_type_caching(ftp_session *h, bool on);

/**
 * Whether whole-file transfers over a plain (not TLS) data connection move the bytes
 * inside the kernel: downloads (ftp_retr_file, ftp_retr_fd) splice(2) the socket into
 * a regular file, on by default; uploads (ftp_stor_file, ftp_stor_fd) sendfile(2) a
 * regular file to the socket, by default only when the server is on another host
 * (not a loopback address or one of this host's own). Other cases (TLS, pipes, files
 * opened with O_APPEND, files the kernel will not splice or sendfile) use read/write.
 * Progress reports, interrupts and timeouts work the same either way; why and how
 * much it saves: docs/performance.md. This call sets both choices; only a new handle
 * (ftp_new()) has the per-host default.
 *
 * @param h the session.
 * @param download splice downloads into files (default true).
 * @param upload sendfile uploads from files (default: only to a server on another
 *        host).
 * @return FTP_OK (or one of the general errors, see the top of this header).
 */
ftp_result ftp_set_zero_copy(ftp_session *h, bool download, bool upload);

/**
 * Chooses the command that asks for a passive data port (see ftp_passive_mode), from
 * the next transfer on; active mode (ftp_set_pasv(h, false)) is not affected. The mode
 * is an int, not the enum type, on purpose: a value outside the enum is then refused
 * with FTP_E_INVALID rather than being undefined behaviour.
 *
 * @param h the session.
 * @param mode an ftp_passive_mode (FTP_PASSIVE_EPSV_THEN_PASV by default).
 * @return FTP_OK; FTP_E_INVALID if mode is not an ftp_passive_mode (and the general
 *         errors, see the top of this header).
 * @since 1.1
 */
ftp_result ftp_set_passive_mode(ftp_session *h, int mode);

/**
 * Whether ftp_abort() (and the cleanup after a cancelled or failed transfer) sends ABOR
 * on a plain control connection after Telnet IP and Synch as urgent data (RFC 959
 * section 4.1.3, what 1.0 always did), or as a plain "ABOR" line, as ftplib sends it
 * (false, the default since 1.1). Over TLS ABOR is always a plain line.
 *
 * Tried during downloads (ftp_abort() with the data connection open, and a callback
 * cancelling), on the servers the tests run: all answer both forms and stay in step.
 * The reply ftp_abort() returned:
 *
 *   server      urgent form   plain line   FTPS (a plain line)
 *   vsftpd      225           225          225
 *   proftpd     226           226          226
 *   pure-ftpd   150 only      226          226
 *   pyftpdlib   225           226          226
 *
 * A server that does not strip Telnet bytes sees the urgent form as an unknown
 * command or never answers it, which costs a reply timeout and the session: hence
 * the plain default. Turn it on for a server that notices ABOR during a transfer
 * only through urgent data.
 *
 * @param h the session.
 * @param urgent true for Telnet IP and Synch first, false (the default) for a plain line.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 * @since 1.1
 */
ftp_result ftp_set_abort_urgent(ftp_session *h, bool urgent);

/**
 * Reconnect after the server dropped the session's connection (off by default): when
 * a call finds the control connection lost (a 421 reply before or as the first reply
 * to its command, end-of-file or a reset), the session connects again to the host and
 * port of its last ftp_connect() or ftp_connect_url(), logs in as its last successful
 * login did (the same TLS mode, AUTH TLS, PBSZ 0 and PROT P), goes back to the working
 * directory (replaying the CWDs accepted since the last absolute CWD or PWD), sets the
 * TYPE and the PROT level the lost connection had, and runs the call again where that
 * is safe. A reply timeout, a cancel (non-zero callback return) or ftp_interrupt()
 * never leads to a reconnect.
 *
 * Which calls run again on the new connection:
 * - any call, when the lost connection was found before any of its commands was sent
 *   (on a plain connection a 421 or end-of-file already waiting is found so): the
 *   server never saw the call, so it runs once;
 * - calls without lasting effect or with the same effect twice, also when the
 *   command went out and the connection failed before its first reply, or that reply
 *   was 421: ftp_noop, ftp_pwd, ftp_cwd, ftp_cwd_each, ftp_size, ftp_mdtm, ftp_mfmt,
 *   ftp_stat, ftp_syst, ftp_feat, ftp_mkd_all and the listings (ftp_dir, ftp_nlst,
 *   ftp_mlsd, ftp_retr_lines, ftp_list, ftp_list_get);
 * - downloads, also when the connection was lost during the transfer: ftp_retr_file
 *   starts again (from the local file's size with FTP_FILE_RESUME); ftp_retr_binary and
 *   ftp_retr_fd, whose bytes already reached the caller, continue at the first byte
 *   not delivered (REST, where the server lists REST STREAM in FEAT; otherwise they
 *   fail with FTP_E_PROTO): no byte is delivered twice. ftp_stor_file with
 *   FTP_FILE_RESUME starts again too (it asks the server's size first);
 * - never once the command may have reached the server: ftp_sendcmd, ftp_voidcmd,
 *   ftp_delete (DELE), ftp_rename (RNFR/RNTO), ftp_mkd, ftp_rmd, ftp_site, ftp_acct,
 *   ftp_host, ftp_allo, the uploads (ftp_stor_binary, ftp_stor_lines, ftp_stor_file
 *   without FTP_FILE_RESUME, ftp_stor_fd) and ftp_transfercmd: the call fails with the
 *   connection's error, and the next call reconnects before it sends anything.
 *
 * Each call makes up to `tries` connection attempts: the first at once, each next
 * one `delay_ms` milliseconds after the previous one failed (ftp_interrupt() ends the
 * wait). A refused login (5xx) or a certificate failure ends them at once. When all
 * fail, the call returns the last attempt's error code, and ftp_session_last_error()
 * names the call, why the connection was lost and why reconnecting failed. When the
 * new connection is made but the working directory cannot be restored (a CWD refused:
 * the directory is gone), the call fails with that refusal's code, the message says
 * "reconnected, but restoring the session failed", and the session stays connected in
 * the directory the CWDs before the refused one reached (a later reconnect goes back
 * there). After more than 256 relative CWDs in a row without a PWD or an absolute CWD
 * the directory is not known: the call fails so (FTP_E_STATE) after reconnecting, and
 * the session stays in its home directory. A CCC is not redone.
 *
 * @param h the session.
 * @param tries connection attempts per call; 0 turns reconnecting off (the default).
 * @param delay_ms milliseconds between two attempts.
 * @return FTP_OK (or one of the general errors, see the top of this header).
 * @since 1.1
 */
ftp_result ftp_set_reconnect(ftp_session *h, uint32_t tries, uint32_t delay_ms);

/**
 * How many times the session reconnected (ftp_set_reconnect()) since ftp_new(): a
 * program can compare it before and after a call to see that the call reconnected. A
 * reconnect also shows in the protocol trace (ftp_set_debuglevel() 1 or more) as a
 * FTP_LOG_RESP line starting "reconnecting".
 *
 * @param h the session.
 * @return the count; 0 if h is NULL, in use by another thread or the call comes from
 *         one of its callbacks.
 * @since 1.1
 */
uint64_t ftp_session_reconnects(const ftp_session *h);

/**
 * A static description of a result code, e.g. "permanent failure reported by the
 * server (5xx)". Thread-safe; needs no session.
 *
 * @param code an ftp_result value; any int is safe to pass.
 * @return a static NUL-terminated string, never NULL; do not free. Values that are
 *         not an ftp_result give "unknown error code".
 */
const char *ftp_strerror(int code);

/**
 * The library's version as a static string, e.g. "1.1.0".
 *
 * Compare with FTP_VERSION_MAJOR etc. to see whether the library found at run
 * time matches the header the program was built with. Thread-safe; needs no session.
 *
 * @return a static NUL-terminated string, never NULL; do not free.
 */
const char *ftp_version(void);

/**
 * The library's version as one number, MAJOR * 10000 + MINOR * 100 + PATCH, to
 * compare with FTP_VERSION_NUM. Thread-safe; needs no session.
 *
 * @return the version number, e.g. 10100 for 1.1.0.
 */
uint32_t ftp_version_num(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* FTP_H */
