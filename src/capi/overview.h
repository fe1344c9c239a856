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
