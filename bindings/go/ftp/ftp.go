// Package ftp is a Go binding of libftp, an FTP and FTPS client library with a C ABI
// (libftp.so, found with pkg-config; the package needs cgo).
//
//	c, err := ftp.Dial(ctx, "ftp.example.org:21", ftp.WithTimeout(10*time.Second))
//	if err != nil { ... }
//	defer c.Close()
//	if err := c.Login(ctx, "anonymous", ""); err != nil { ... }
//	r, err := c.Retr(ctx, "README")
//	...
//	data, err := io.ReadAll(r)
//	err = r.Close() // reads the server's final reply
//
// # Contexts
//
// Every method that talks to the server takes a context.Context. When it is done
// while the call runs, the call is interrupted (libftp's ftp_interrupt: a transfer is
// aborted with ABOR and the session stays usable; a call waiting for a reply has its
// control connection shut down) and the call returns an error matching both
// ftp.ErrInterrupted (or the code the interrupted call ended with) and the context's
// error. The context given to Dial governs the dial alone. The context of Retr,
// RetrFrom and StorWriter governs the transfer until its reader or writer is closed.
//
// # Listings
//
// List uses MLSD when the server lists MLST in its FEAT reply, and LIST otherwise (or
// when the server refuses MLSD), parsing Unix "ls -l" and DOS/IIS lines: an Entry is
// an MLSD entry's facts or a parsed LIST line. NameList is NLST, Dir the raw LIST lines,
// MLSD the facts as sent, MLST the facts of one path.
//
// # Concurrency
//
// A Conn is safe for use by several goroutines; calls on it run one at a time. While a
// reader from Retr (or a writer from StorWriter) is open the connection belongs to
// that transfer: other calls fail at once with an error matching ftp.ErrBusy (close
// it first), and Close aborts the transfer and closes the connection. A Pool is safe
// for use by any number of goroutines at once; the Conns it hands out are ordinary
// Conns.
//
// # Errors
//
// A failed call returns an *Error (errors.As) whose Code is one of the Err* codes
// (errors.Is(err, ftp.ErrPerm)), with the server's last reply and libftp's message.
package ftp

/*
#cgo pkg-config: libftp
#include <ftp.h>
#include <stdlib.h>

// Defined in Go (callbacks.go).
extern int goftpData(void *, uint8_t *, size_t);
extern int goftpRead(void *, uint8_t *, size_t, size_t *);
extern int goftpLine(void *, char *, size_t);
extern int goftpProgress(void *, uint64_t, uint64_t, int64_t, double);
extern void goftpLog(void *, ftp_log_kind, char *);
*/
import "C"

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Version is the version of the libftp library in use, e.g. "1.1.0".
func Version() string { return C.GoString(C.ftp_version()) }

// VersionNum is the library's version as MAJOR*10000 + MINOR*100 + PATCH.
func VersionNum() int { return int(C.ftp_version_num()) }

// PassiveMode chooses the command that asks for a passive data port.
type PassiveMode int

// The passive modes (ftp_passive_mode in ftp.h).
const (
	PassiveEPSVThenPASV PassiveMode = C.FTP_PASSIVE_EPSV_THEN_PASV // EPSV, PASV where EPSV is refused (the default)
	PassivePASVOnly     PassiveMode = C.FTP_PASSIVE_PASV_ONLY
	PassiveEPSVOnly     PassiveMode = C.FTP_PASSIVE_EPSV_ONLY
)

// Progress is one report of a transfer's progress.
type Progress struct {
	Op    string  // the method: "RetrFile", "Stor", "Mirror", ...
	Path  string  // the remote path of the file moving (for Mirror, the mirrored directory)
	Done  uint64  // bytes moved so far (since Offset)
	Total int64   // bytes expected to move (from Offset), -1 when unknown
	Rate  float64 // average bytes per second
	// Offset is where the transfer started in the file: a resume's REST offset, 0
	// without one. Offset+Done is the position in the file, Offset+Total its size.
	Offset uint64
}

type config struct {
	connectTimeout, replyTimeout, dataTimeout time.Duration
	tls                                       *TLSConfig
	active                                    bool
	activeAddress                             string
	source                                    string
	sourcePort                                uint16
	passiveMode                               *PassiveMode
	trustPasv                                 bool
	progress                                  func(Progress) bool
	progressEvery                             time.Duration
	debug                                     io.Writer
	debugLevel                                int
	keepalive                                 *[2]time.Duration
	pipelining, typeCaching, featAfterLogin   *bool
	zeroCopy                                  *[2]bool
	abortUrgent                               bool
	reconnectTries                            int
	reconnectDelay                            time.Duration
	listTimeOffset                            *time.Duration
	proxy                                     string
}

// Option configures Dial.
type Option func(*config)

// WithTimeout sets the connect, reply and data timeouts (default 30 s; a Dial context
// deadline that comes sooner shortens the connect).
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.connectTimeout, c.replyTimeout, c.dataTimeout = d, d, d }
}

// WithTimeouts sets the three timeouts apart: connecting, waiting for a whole reply,
// and each read or write of a data connection. Zero means no timeout.
func WithTimeouts(connect, reply, data time.Duration) Option {
	return func(c *config) { c.connectTimeout, c.replyTimeout, c.dataTimeout = connect, reply, data }
}

// WithTLS turns on FTPS (see TLSConfig).
func WithTLS(t *TLSConfig) Option {
	return func(c *config) {
		if t == nil {
			t = &TLSConfig{}
		}
		c.tls = t
	}
}

// WithActive uses active mode (PORT/EPRT) instead of passive mode.
func WithActive() Option { return func(c *config) { c.active = true } }

// WithActiveAddress uses active mode and tells the server to connect to this IP
// address (behind NAT, say) instead of the control connection's local address.
func WithActiveAddress(ip string) Option {
	return func(c *config) { c.active, c.activeAddress = true, ip }
}

// WithPassiveMode chooses EPSV, PASV or EPSV with a PASV fallback (the default).
func WithPassiveMode(m PassiveMode) Option { return func(c *config) { c.passiveMode = &m } }

// WithTrustServerPasvAddress connects passive data connections to the IPv4 address the
// PASV reply names instead of the control connection's peer (off by default).
func WithTrustServerPasvAddress() Option { return func(c *config) { c.trustPasv = true } }

// WithSourceAddress binds the connections to a local IP address.
func WithSourceAddress(ip string) Option { return func(c *config) { c.source = ip } }

// WithSourcePort binds the control connection to a local port (data connections get
// ports the system chooses).
func WithSourcePort(port uint16) Option { return func(c *config) { c.sourcePort = port } }

// WithProxy sends the control and every data connection through a proxy, given as
// curl takes it: "socks5://[user:pass@]host[:port]" (the proxy's side resolves nothing:
// names are resolved here), "socks5h://..." (the proxy resolves the server's name), or
// "http://[user:pass@]host[:port]" (HTTP CONNECT). Only passive mode works through a
// proxy (WithActive fails with ErrState). Failures: ErrProxy (the proxy would not
// connect), ErrProxyAuth (credentials missing or refused), ErrInvalid (a bad URL).
func WithProxy(url string) Option { return func(c *config) { c.proxy = url } }

// WithProgress reports transfer progress at most every interval (0: after every
// block), and once when all bytes have moved; returning false cancels the transfer
// (ErrCancelled, the session stays usable). It runs on the calling goroutine's thread,
// and must not call methods of the Conn.
func WithProgress(f func(Progress) bool, interval time.Duration) Option {
	return func(c *config) { c.progress, c.progressEvery = f, interval }
}

// WithDebug writes the protocol trace to w, one line per command ("> CWD pub") and
// per reply ("< 250 OK"); passwords are starred. Level 2 adds every line sent and
// received. w is written from the goroutine making the call (and, during
// RetrFileSegmented, from a thread of the library's): it is guarded by a lock.
func WithDebug(w io.Writer, level int) Option {
	return func(c *config) { c.debug, c.debugLevel = w, level }
}

// WithKeepalive turns on TCP keep-alive on the control connection.
func WithKeepalive(idle, interval time.Duration) Option {
	return func(c *config) { c.keepalive = &[2]time.Duration{idle, interval} }
}

// WithPipelining turns command pipelining on (the default) or off.
func WithPipelining(on bool) Option { return func(c *config) { c.pipelining = &on } }

// WithTypeCaching turns off (or on, the default) sending TYPE only when it changes.
func WithTypeCaching(on bool) Option { return func(c *config) { c.typeCaching = &on } }

// WithFeatAfterLogin turns off (or on, the default) FEAT and OPTS UTF8 ON after login.
func WithFeatAfterLogin(on bool) Option { return func(c *config) { c.featAfterLogin = &on } }

// WithZeroCopy chooses whether file transfers over plain data connections splice
// downloads into files and sendfile uploads from files.
func WithZeroCopy(download, upload bool) Option {
	return func(c *config) { c.zeroCopy = &[2]bool{download, upload} }
}

// WithAbortUrgent sends ABOR after Telnet IP and Synch as urgent data instead of as a
// plain line (the default), for servers that notice ABOR only so.
func WithAbortUrgent() Option { return func(c *config) { c.abortUrgent = true } }

// WithReconnect reconnects after the server dropped the connection, up to tries
// attempts per call, delay apart, and runs the call again where that is safe (see
// ftp_set_reconnect in ftp.h for which calls). Conn.Reconnects counts them.
func WithReconnect(tries int, delay time.Duration) Option {
	return func(c *config) { c.reconnectTries, c.reconnectDelay = tries, delay }
}

// WithListTimeOffset says which time zone the server's LIST times are in, as its
// offset east of UTC (time.Hour for UTC+1, -5*time.Hour for UTC-5; at most 24 hours
// either way, to the second), so that entries parsed from LIST (List, ListFunc, Walk,
// Mirror, MLST's fallback) carry UTC times. MLSD and MLST times are UTC already and are
// not changed. Without it LIST times are read as UTC.
func WithListTimeOffset(offset time.Duration) Option {
	return func(c *config) { c.listTimeOffset = &offset }
}

// Conn is one FTP session.
//
// Locking: mu is held for the length of one call on h, and never while a transfer's
// reader or writer waits; the transfer has its own lock (transfer.mu), always taken
// after mu.
type Conn struct {
	mu    sync.Mutex // one call at a time; guards h and xfer
	h     *C.ftp_session
	keep  *keeper   // C memory the session's callbacks use, shared with pools made from it
	prog  *progress // the progress callback's state, nil without WithProgress
	xfer  *transfer // the open Retr reader or StorWriter writer, nil if none
	pool  *Pool     // the pool a session from Pool.Get came from
	close time.Duration

	imu sync.Mutex     // guards ih
	ih  *C.ftp_session // h for Close's interrupts of a running call; nil once h is freed
}

// forget clears ih before h is freed (c.mu held).
func (c *Conn) forget() {
	c.imu.Lock()
	c.ih = nil
	c.imu.Unlock()
}

// lockInterrupting takes c.mu; while a call holds it, that call is interrupted
// (ftp_interrupt), again and again, so that Close never waits for a long call.
func (c *Conn) lockInterrupting() {
	if c.mu.TryLock() {
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			c.imu.Lock()
			if c.ih != nil {
				C.ftp_interrupt(c.ih)
			}
			c.imu.Unlock()
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	c.mu.Lock()
	close(stop)
	<-done
}

func cstr(s string) *C.char { return C.CString(s) }

// hasNUL guards every string going to C: C would see it cut at the NUL.
func hasNUL(op string, ss ...string) error {
	for _, s := range ss {
		if strings.IndexByte(s, 0) >= 0 {
			return &Error{Op: op, Code: ErrInvalid, Message: "NUL byte in an argument"}
		}
	}
	return nil
}

func millis(d time.Duration) C.int64_t {
	if d <= 0 {
		return 0
	}
	ms := d / time.Millisecond
	if ms == 0 {
		ms = 1
	}
	return C.int64_t(ms)
}

// Dial connects to addr ("host:port", or "host" for port 21, or 990 with implicit
// TLS) and reads the welcome (and, with TLS, does the handshake). ctx governs the dial
// only. Nothing else is sent before Login.
func Dial(ctx context.Context, addr string, opts ...Option) (*Conn, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		host, portText = strings.Trim(addr, "[]"), "0"
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, &Error{Op: "Dial", Code: ErrInvalid, Message: "bad port in " + addr}
	}
	c, cfg, err := newConn("Dial", opts)
	if err != nil {
		return nil, err
	}
	if err := hasNUL("Dial", host, cfg.source); err != nil {
		c.Close()
		return nil, err
	}
	h, src := cstr(host), (*C.char)(nil)
	defer C.free(unsafe.Pointer(h))
	if cfg.source != "" {
		src = cstr(cfg.source)
		defer C.free(unsafe.Pointer(src))
	}
	ms := dialTimeout(ctx, cfg)
	if err := c.run(ctx, "Dial", func() C.ftp_result { return C.ftp_connect(c.h, h, C.uint16_t(port), ms, src) }); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func dialTimeout(ctx context.Context, cfg *config) C.uint32_t {
	timeout := cfg.connectTimeout
	if dl, ok := ctx.Deadline(); ok && (timeout == 0 || time.Until(dl) < timeout) {
		timeout = time.Until(dl)
		if timeout <= 0 {
			timeout = time.Millisecond
		}
	}
	return C.uint32_t(millis(timeout))
}

// DialURL connects and logs in as an ftp:// or ftps:// URL says (ftps:// is implicit
// TLS, with the TLSConfig of WithTLS if given); the URL's path is the caller's to use
// (ParseURL). ctx governs the dial and the login.
func DialURL(ctx context.Context, rawurl string, opts ...Option) (*Conn, error) {
	u, err := newURL(rawurl)
	if err != nil {
		return nil, err
	}
	defer C.ftp_url_free(u)
	c, cfg, err := newConn("DialURL", opts)
	if err != nil {
		return nil, err
	}
	ms := dialTimeout(ctx, cfg)
	if err := c.run(ctx, "DialURL", func() C.ftp_result { return C.ftp_connect_url(c.h, u, ms) }); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// newConn makes a session and applies the options.
func newConn(op string, opts []Option) (*Conn, *config, error) {
	cfg := &config{connectTimeout: 30 * time.Second, replyTimeout: 30 * time.Second, dataTimeout: 30 * time.Second}
	for _, o := range opts {
		o(cfg)
	}
	c := &Conn{h: C.ftp_new(), keep: newKeeper(), close: cfg.dataTimeout}
	c.ih = c.h
	if c.h == nil {
		return nil, nil, &Error{Op: op, Code: ErrIO, Message: "out of memory"}
	}
	if err := c.setup(op, cfg); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, cfg, nil
}

func (c *Conn) setup(op string, cfg *config) error {
	check := func(rc C.ftp_result) error { return c.err(context.Background(), op, rc) }
	if err := check(C.ftp_set_timeouts(c.h, millis(cfg.connectTimeout), millis(cfg.replyTimeout), millis(cfg.dataTimeout))); err != nil {
		return err
	}
	if cfg.active {
		C.ftp_set_pasv(c.h, false)
	}
	if cfg.activeAddress != "" {
		if err := hasNUL(op, cfg.activeAddress); err != nil {
			return err
		}
		a := cstr(cfg.activeAddress)
		defer C.free(unsafe.Pointer(a))
		if err := check(C.ftp_set_active_address(c.h, a)); err != nil {
			return err
		}
	}
	if cfg.proxy != "" {
		if err := hasNUL(op, cfg.proxy); err != nil {
			return err
		}
		u := cstr(cfg.proxy)
		defer C.free(unsafe.Pointer(u))
		if err := check(C.ftp_set_proxy(c.h, u)); err != nil {
			return err
		}
	}
	if cfg.passiveMode != nil {
		if err := check(C.ftp_set_passive_mode(c.h, C.int(*cfg.passiveMode))); err != nil {
			return err
		}
	}
	if cfg.trustPasv {
		C.ftp_set_trust_server_pasv_ipv4_address(c.h, true)
	}
	if cfg.sourcePort != 0 {
		C.ftp_set_source_port(c.h, C.uint16_t(cfg.sourcePort))
	}
	if cfg.progress != nil {
		c.prog = &progress{fn: cfg.progress}
		box := c.keep.box(c.prog)
		C.ftp_set_progress_callback2(c.h, (C.ftp_progress2_cb)(unsafe.Pointer(C.goftpProgress)), box, C.uint32_t(cfg.progressEvery/time.Millisecond))
	}
	if o := cfg.listTimeOffset; o != nil {
		if *o%time.Second != 0 || *o > 24*time.Hour || *o < -24*time.Hour {
			return &Error{Op: op, Code: ErrInvalid, Message: "WithListTimeOffset: " + o.String() + " is not whole seconds within a day of UTC"}
		}
		if err := check(C.ftp_set_list_time_offset(c.h, C.int32_t(*o/time.Second))); err != nil {
			return err
		}
	}
	if cfg.debug != nil {
		box := c.keep.box(&logSink{w: cfg.debug})
		C.ftp_set_log_callback(c.h, (C.ftp_log_cb)(unsafe.Pointer(C.goftpLog)), box)
		level := cfg.debugLevel
		if level < 1 {
			level = 1
		}
		C.ftp_set_debuglevel(c.h, C.int(level))
	}
	if k := cfg.keepalive; k != nil {
		C.ftp_set_keepalive(c.h, true, C.uint32_t(k[0]/time.Second), C.uint32_t(k[1]/time.Second))
	}
	if cfg.pipelining != nil {
		C.ftp_set_pipelining(c.h, C.bool(*cfg.pipelining))
	}
	if cfg.typeCaching != nil {
		C.ftp_set_type_caching(c.h, C.bool(*cfg.typeCaching))
	}
	if cfg.featAfterLogin != nil {
		C.ftp_set_feat_after_login(c.h, C.bool(*cfg.featAfterLogin))
	}
	if z := cfg.zeroCopy; z != nil {
		C.ftp_set_zero_copy(c.h, C.bool(z[0]), C.bool(z[1]))
	}
	if cfg.abortUrgent {
		C.ftp_set_abort_urgent(c.h, true)
	}
	if cfg.reconnectTries > 0 {
		C.ftp_set_reconnect(c.h, C.uint32_t(cfg.reconnectTries), C.uint32_t(cfg.reconnectDelay/time.Millisecond))
	}
	if cfg.tls == nil {
		return nil
	}
	t, err := buildTLS(op, cfg.tls, c.keep)
	if err != nil {
		return err
	}
	defer C.ftp_tls_config_free(t)
	mode := C.int(C.FTP_TLS_EXPLICIT)
	if cfg.tls.Implicit {
		mode = C.FTP_TLS_IMPLICIT
	}
	return check(C.ftp_set_tls(c.h, mode, t))
}

// interruptOn calls ftp_interrupt on h, again and again, once ctx is done, until the
// returned stop is called (after the C call has returned, before h can be freed).
// ftp_interrupt does nothing between calls, and the call may have passed its context
// check just before the context ended: hence the repetition.
func interruptOn(ctx context.Context, h *C.ftp_session) (stop func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			C.ftp_interrupt(h)
			select {
			case <-tick.C:
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// run runs f with the session locked and interrupted when ctx is done, turning its
// result into an error.
func (c *Conn) run(ctx context.Context, op string, f func() C.ftp_result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(ctx, op); err != nil {
		return err
	}
	return c.callLocked(ctx, op, "", f)
}

// callLocked runs f (c.mu held, the session usable), naming path to the progress
// callback.
func (c *Conn) callLocked(ctx context.Context, op, path string, f func() C.ftp_result) error {
	if c.prog != nil {
		c.prog.set(op, path)
	}
	stop := interruptOn(ctx, c.h)
	rc := f()
	stop()
	return c.err(ctx, op, rc)
}

// usable says why no call can start (closed, the context is done, or a transfer is
// open); c.mu is held.
func (c *Conn) usable(ctx context.Context, op string) error {
	if c.h == nil {
		return &Error{Op: op, Code: ErrState, Message: "the connection is closed"}
	}
	if err := ctxError(op, ctx); err != nil {
		return err
	}
	if c.xfer != nil {
		return &Error{Op: op, Code: ErrBusy, Message: "a transfer's reader or writer (from Retr, RetrFrom or StorWriter) is still open and must be closed first"}
	}
	return nil
}

// ctxError is the error of a call cut short by its context, nil while ctx is live.
func ctxError(op string, ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &Error{Op: op, Code: ErrInterrupted, Message: err.Error(), ctxErr: err}
	}
	return nil
}

func (c *Conn) err(ctx context.Context, op string, rc C.ftp_result) error {
	if rc == C.FTP_OK {
		return nil
	}
	e := &Error{
		Op:        op,
		Code:      Code(rc),
		ReplyCode: int(C.ftp_session_last_reply_code(c.h)),
		ReplyText: C.GoString(C.ftp_session_last_reply_text(c.h)),
		Message:   C.GoString(C.ftp_session_last_error(c.h)),
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.ctxErr = ctxErr
	}
	return e
}

// Close ends the session without a goodbye (see Quit) and frees it; a session from a
// Pool leaves the pool (see Pool.Put to give it back instead). It is safe to call more
// than once, from any goroutine: a call running in another goroutine is interrupted
// (as if its context had ended) and Close waits for it to return; with a transfer's
// reader or writer open the transfer is aborted (a Read or Write blocked in another
// goroutine returns an error at once), and the reader's or writer's Read, Write and
// Close report that the connection was closed.
func (c *Conn) Close() error {
	c.lockInterrupting()
	defer c.mu.Unlock()
	if c.h == nil {
		return nil
	}
	if t := c.xfer; t != nil {
		c.xfer = nil
		t.stopWatch()
		// With no Read or Write running (TryLock), none can start: d is freed here and
		// the control connection by ftp_free, which ends the transfer without waiting
		// on the server. Otherwise a Read or Write is inside C: ftp_abort resets the
		// data connection, which wakes it; if the context's watcher has aborted the
		// transfer already, the reset is done.
		first := t.cut.CompareAndSwap(notCut, cutByConnClose)
		if !t.mu.TryLock() {
			if first {
				C.ftp_abort(c.h)
			}
			t.mu.Lock()
		}
		C.ftp_data_free(t.d)
		t.d = nil
		t.mu.Unlock()
	}
	c.forget()
	C.ftp_close(c.h)
	C.ftp_free(c.h)
	c.h = nil
	c.keep.release()
	return nil
}

// Quit says goodbye (QUIT) and closes the session. With a transfer open no QUIT is
// sent: Quit returns the ErrBusy error and closes the session as Close does.
func (c *Conn) Quit(ctx context.Context) error {
	err := c.run(ctx, "Quit", func() C.ftp_result { return C.ftp_quit(c.h) })
	c.Close()
	return err
}

// Welcome is the server's welcome message.
func (c *Conn) Welcome() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return ""
	}
	return C.GoString(C.ftp_getwelcome(c.h))
}

// LastReply is the server's last reply: its code (0 if none) and its text, lines
// joined by "\n".
func (c *Conn) LastReply() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return 0, ""
	}
	return int(C.ftp_session_last_reply_code(c.h)), C.GoString(C.ftp_session_last_reply_text(c.h))
}

// Reconnects counts the times the session reconnected (WithReconnect).
func (c *Conn) Reconnects() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return 0
	}
	return uint64(C.ftp_session_reconnects(c.h))
}

// withStrings runs f with C copies of ss, after refusing NUL bytes.
func (c *Conn) withStrings(ctx context.Context, op string, ss []string, f func([]*C.char) C.ftp_result) error {
	if err := hasNUL(op, ss...); err != nil {
		return err
	}
	cs := make([]*C.char, len(ss))
	for i, s := range ss {
		cs[i] = cstr(s)
		defer C.free(unsafe.Pointer(cs[i]))
	}
	return c.run(ctx, op, func() C.ftp_result { return f(cs) })
}

// strings1 runs a call taking one string.
func (c *Conn) strings1(ctx context.Context, op, s string, f func(*C.char) C.ftp_result) error {
	return c.withStrings(ctx, op, []string{s}, func(cs []*C.char) C.ftp_result { return f(cs[0]) })
}

// Login logs in; an empty user means anonymous. Over TLS it also sends PBSZ 0 and
// PROT P (unless TLSConfig.ClearData); then FEAT (see WithFeatAfterLogin).
func (c *Conn) Login(ctx context.Context, user, password string) error {
	return c.withStrings(ctx, "Login", []string{user, password}, func(s []*C.char) C.ftp_result {
		return C.ftp_login(c.h, s[0], s[1], nil)
	})
}

// Acct sends account information (ACCT).
func (c *Conn) Acct(ctx context.Context, account string) error {
	return c.strings1(ctx, "Acct", account, func(s *C.char) C.ftp_result { return C.ftp_acct(c.h, s) })
}

// Host names the virtual host to serve (HOST, RFC 7151), before Login.
func (c *Conn) Host(ctx context.Context, name string) error {
	return c.strings1(ctx, "Host", name, func(s *C.char) C.ftp_result { return C.ftp_host(c.h, s) })
}

// Cwd changes the working directory.
func (c *Conn) Cwd(ctx context.Context, dir string) error {
	return c.strings1(ctx, "Cwd", dir, func(s *C.char) C.ftp_result { return C.ftp_cwd(c.h, s) })
}

// CwdEach changes directory one level at a time ("a/b" sends CWD a, CWD b), for
// servers that refuse paths in CWD.
func (c *Conn) CwdEach(ctx context.Context, dir string) error {
	return c.strings1(ctx, "CwdEach", dir, func(s *C.char) C.ftp_result { return C.ftp_cwd_each(c.h, s) })
}

// Mkd creates a directory and returns its path as the server's 257 reply quotes it
// ("" if the reply quoted none).
func (c *Conn) Mkd(ctx context.Context, dir string) (string, error) {
	var out *C.char
	var path string
	err := c.strings1(ctx, "Mkd", dir, func(s *C.char) C.ftp_result {
		rc := C.ftp_mkd(c.h, s, &out)
		if rc == C.FTP_OK && out != nil {
			path = C.GoString(out)
		}
		return rc
	})
	return path, err
}

// MkdAll creates a directory and its missing parents, like os.MkdirAll.
func (c *Conn) MkdAll(ctx context.Context, dir string) error {
	return c.strings1(ctx, "MkdAll", dir, func(s *C.char) C.ftp_result { return C.ftp_mkd_all(c.h, s) })
}

// Rmd removes a directory.
func (c *Conn) Rmd(ctx context.Context, dir string) error {
	return c.strings1(ctx, "Rmd", dir, func(s *C.char) C.ftp_result { return C.ftp_rmd(c.h, s) })
}

// Delete removes a file.
func (c *Conn) Delete(ctx context.Context, path string) error {
	return c.strings1(ctx, "Delete", path, func(s *C.char) C.ftp_result { return C.ftp_delete(c.h, s) })
}

// Rename renames a file or directory.
func (c *Conn) Rename(ctx context.Context, from, to string) error {
	return c.withStrings(ctx, "Rename", []string{from, to}, func(s []*C.char) C.ftp_result {
		return C.ftp_rename(c.h, s[0], s[1])
	})
}

// Pwd returns the working directory.
func (c *Conn) Pwd(ctx context.Context) (string, error) {
	var out *C.char
	var dir string
	err := c.run(ctx, "Pwd", func() C.ftp_result {
		rc := C.ftp_pwd(c.h, &out)
		if rc == C.FTP_OK {
			dir = C.GoString(out) // owned by the session: copy before unlocking
		}
		return rc
	})
	return dir, err
}

// Size returns a file's size (SIZE); -1 when the server does not implement SIZE.
func (c *Conn) Size(ctx context.Context, path string) (int64, error) {
	var size C.int64_t
	err := c.strings1(ctx, "Size", path, func(s *C.char) C.ftp_result { return C.ftp_size(c.h, s, &size) })
	return int64(size), err
}

// GetTime returns a file's modification time (MDTM), in UTC.
func (c *Conn) GetTime(ctx context.Context, path string) (time.Time, error) {
	var secs C.int64_t
	var nanos C.uint32_t
	err := c.strings1(ctx, "GetTime", path, func(s *C.char) C.ftp_result { return C.ftp_mdtm(c.h, s, &secs, &nanos) })
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(int64(secs), int64(nanos)).UTC(), nil
}

// SetTime sets a file's modification time (MFMT, whole seconds), where the server
// lists MFMT in FEAT.
func (c *Conn) SetTime(ctx context.Context, path string, t time.Time) error {
	return c.strings1(ctx, "SetTime", path, func(s *C.char) C.ftp_result { return C.ftp_mfmt(c.h, s, C.int64_t(t.Unix())) })
}

// NoOp sends NOOP: it keeps an idle session open and tells whether it still is.
func (c *Conn) NoOp(ctx context.Context) error {
	return c.run(ctx, "NoOp", func() C.ftp_result { return C.ftp_noop(c.h) })
}

// Syst returns the server's system type (SYST), e.g. "UNIX Type: L8".
func (c *Conn) Syst(ctx context.Context) (string, error) {
	var out *C.char
	var text string
	err := c.run(ctx, "Syst", func() C.ftp_result {
		rc := C.ftp_syst(c.h, &out)
		if rc == C.FTP_OK {
			text = C.GoString(out)
		}
		return rc
	})
	return text, err
}

// Site sends "SITE args" (e.g. "CHMOD 600 file"); a 2xx reply is success.
func (c *Conn) Site(ctx context.Context, args string) error {
	return c.strings1(ctx, "Site", args, func(s *C.char) C.ftp_result { return C.ftp_site(c.h, s) })
}

// Allo asks the server to reserve space for an upload (ALLO).
func (c *Conn) Allo(ctx context.Context, size uint64) error {
	return c.run(ctx, "Allo", func() C.ftp_result { return C.ftp_allo(c.h, C.uint64_t(size)) })
}

// Stat sends STAT (the server's status, path "") or "STAT path" (a listing over the
// control connection) and returns the reply's lines between its first and last.
func (c *Conn) Stat(ctx context.Context, path string) ([]string, error) {
	sink := &lineSink{}
	box := newBox(sink)
	defer freeBox(box)
	var p *C.char
	if path != "" {
		if err := hasNUL("Stat", path); err != nil {
			return nil, err
		}
		p = cstr(path)
		defer C.free(unsafe.Pointer(p))
	}
	err := c.run(ctx, "Stat", func() C.ftp_result {
		return C.ftp_stat(c.h, p, (C.ftp_line_cb)(unsafe.Pointer(C.goftpLine)), box)
	})
	return sink.lines, sink.result(err)
}

// SendCmd sends a raw command and reads its reply, returning the reply's code and
// text; a 1xx to 3xx reply is success, 4xx and 5xx an error (ErrTemp, ErrPerm).
func (c *Conn) SendCmd(ctx context.Context, cmd string) (int, string, error) {
	var code int
	var text string
	err := c.strings1(ctx, "SendCmd", cmd, func(s *C.char) C.ftp_result {
		rc := C.ftp_sendcmd(c.h, s)
		code, text = int(C.ftp_session_last_reply_code(c.h)), C.GoString(C.ftp_session_last_reply_text(c.h))
		return rc
	})
	return code, text, err
}

// VoidCmd sends a raw command that must get a 2xx reply.
func (c *Conn) VoidCmd(ctx context.Context, cmd string) error {
	return c.strings1(ctx, "VoidCmd", cmd, func(s *C.char) C.ftp_result { return C.ftp_voidcmd(c.h, s) })
}

// TransferType is a representation type for Type.
type TransferType string

// The representation types.
const (
	TypeBinary TransferType = "I" // image: bytes as they are
	TypeASCII  TransferType = "A" // text, lines ending in CRLF on the wire
)

// Type sets the representation type (TYPE I or TYPE A) for the raw transfers that
// follow; the other methods set the type they need themselves.
func (c *Conn) Type(ctx context.Context, t TransferType) error {
	return c.VoidCmd(ctx, "TYPE "+string(t))
}

// Feat sends FEAT again and keeps what the server lists (Login does it already).
func (c *Conn) Feat(ctx context.Context) error {
	return c.run(ctx, "Feat", func() C.ftp_result { return C.ftp_feat(c.h) })
}

// Feature looks up a feature of the FEAT reply ("MLST", "UTF8", "REST STREAM", ...):
// whether the server listed it, and its parameters ("type*;size*;" for MLST). FEAT is
// sent first if it was not yet.
func (c *Conn) Feature(ctx context.Context, name string) (params string, ok bool, err error) {
	err = c.strings1(ctx, "Feature", name, func(s *C.char) C.ftp_result {
		var offered C.bool
		var p *C.char
		rc := C.ftp_feature_lookup(c.h, s, &offered, &p)
		if rc == C.FTP_OK {
			ok = bool(offered)
			if p != nil {
				params = C.GoString(p)
			}
		}
		return rc
	})
	return params, ok, err
}

// HasFeature reports whether the server listed a feature in its FEAT reply; false
// also when that could not be told (use Feature to see why).
func (c *Conn) HasFeature(ctx context.Context, name string) bool {
	var ok bool
	_ = c.strings1(ctx, "HasFeature", name, func(s *C.char) C.ftp_result {
		ok = bool(C.ftp_has_feature(c.h, s))
		return C.FTP_OK
	})
	return ok
}

// FeatureParams returns a listed feature's parameters ("" if none); ok is false when
// it is not listed, or on failure.
func (c *Conn) FeatureParams(ctx context.Context, name string) (params string, ok bool) {
	_ = c.strings1(ctx, "FeatureParams", name, func(s *C.char) C.ftp_result {
		if p := C.ftp_feature_params(c.h, s); p != nil {
			params, ok = C.GoString(p), true
		}
		return C.FTP_OK
	})
	return params, ok
}

// Auth sends AUTH TLS and does the handshake now (WithTLS does it at Dial).
func (c *Conn) Auth(ctx context.Context) error {
	return c.run(ctx, "Auth", func() C.ftp_result { return C.ftp_auth(c.h) })
}

// ProtP protects the data connections (PBSZ 0, PROT P); Login does it over TLS.
func (c *Conn) ProtP(ctx context.Context) error {
	return c.run(ctx, "ProtP", func() C.ftp_result { return C.ftp_prot_p(c.h) })
}

// ProtC leaves the data connections unprotected (PROT C).
func (c *Conn) ProtC(ctx context.Context) error {
	return c.run(ctx, "ProtC", func() C.ftp_result { return C.ftp_prot_c(c.h) })
}

// CCC ends TLS on the control connection (Clear Command Channel), for firewalls that
// must read the commands.
func (c *Conn) CCC(ctx context.Context) error {
	return c.run(ctx, "CCC", func() C.ftp_result { return C.ftp_ccc(c.h) })
}

// TLSVersion is the control connection's TLS version ("TLSv1.3"), "" without TLS.
func (c *Conn) TLSVersion() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return ""
	}
	return goStringOrEmpty(C.ftp_session_tls_version(c.h))
}

// TLSCipher is the control connection's cipher, "" without TLS.
func (c *Conn) TLSCipher() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return ""
	}
	return goStringOrEmpty(C.ftp_session_tls_cipher(c.h))
}

// DataTLSResumed reports whether the last TLS data connection resumed the control
// connection's TLS session; known is false when there was none yet.
func (c *Conn) DataTLSResumed() (resumed, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return false, false
	}
	r := C.ftp_session_data_tls_resumed(c.h)
	return r == 1, r >= 0
}

func goStringOrEmpty(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// progress is WithProgress's state: the function and what the running call moves.
type progress struct {
	fn   func(Progress) bool
	what atomic.Value // [2]string{op, path}
}

func (p *progress) set(op, path string) { p.what.Store([2]string{op, path}) }
