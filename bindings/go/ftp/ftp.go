// Package ftp is a Go binding of libftp, an FTP and FTPS client library with a C ABI.
//
//	c, err := ftp.Dial(ctx, "ftp.example.org:21", ftp.WithTimeout(10*time.Second))
//	if err != nil { ... }
//	defer c.Close()
//	if err := c.Login("anonymous", ""); err != nil { ... }
//	r, err := c.Retr("README")
//	...
//	data, err := io.ReadAll(r)
//	err = r.Close() // reads the server's final reply
//
// The context given to Dial stays attached to the connection: when it is cancelled,
// the running call is interrupted (libftp's ftp_interrupt) and later calls fail, each
// with an error that matches both ftp.ErrInterrupted and the context's error.
// A Conn is safe for use by several goroutines; calls on it run one at a time.
// While a Retr reader is open the connection belongs to that transfer: other calls
// fail at once with an error matching ftp.ErrBusy (close the reader first), and
// Close aborts the transfer and closes the connection.
package ftp

/*
#cgo pkg-config: libftp
#include <ftp.h>
#include <stdlib.h>

// Defined in Go (callbacks.go).
extern int goftpData(void *, uint8_t *, size_t);
extern int goftpRead(void *, uint8_t *, size_t, size_t *);
extern int goftpMLSD(void *, ftp_mlsd_entry *);
extern int goftpProgress(void *, uint64_t, int64_t, double);
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

// TLSConfig asks for FTPS. The zero value is explicit FTPS (AUTH TLS) verified
// against the system's trust store.
type TLSConfig struct {
	Implicit           bool   // TLS from the first byte (port 990) instead of AUTH TLS
	CAFile             string // PEM file of trusted CAs, instead of the system store
	CADir              string // directory of hashed CA certificates
	CertFile, KeyFile  string // client certificate and key (PEM), if the server wants one
	InsecureSkipVerify bool   // accept any certificate (for tests only)
	ClearData          bool   // leave data connections unprotected (no PROT P after login)
}

type config struct {
	timeout  time.Duration
	tls      *TLSConfig
	active   bool
	source   string
	progress func(done uint64, total int64) bool
}

// Option configures Dial.
type Option func(*config)

// WithTimeout sets the connect, reply and data timeouts (default 30 s; a context
// deadline that comes sooner shortens the connect).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithTLS turns on FTPS.
func WithTLS(t TLSConfig) Option { return func(c *config) { c.tls = &t } }

// WithActive uses active mode (PORT/EPRT) instead of passive mode.
func WithActive() Option { return func(c *config) { c.active = true } }

// WithSourceAddress binds the connections to a local IP address.
func WithSourceAddress(ip string) Option { return func(c *config) { c.source = ip } }

// WithProgress reports transfer progress (bytes so far, total or -1), at most ten
// times a second; returning false cancels the transfer (ErrCancelled).
func WithProgress(f func(done uint64, total int64) bool) Option {
	return func(c *config) { c.progress = f }
}

// Conn is one FTP session.
//
// Locking: mu is held for the length of one call on h, and never while a Retr reader
// waits for data; the reader has its own lock (reader.mu), always taken after mu.
type Conn struct {
	mu       sync.Mutex // one call at a time; guards h and rd
	h        *C.ftp_session
	ctx      context.Context
	stop     chan struct{}
	watcher  sync.WaitGroup
	progress unsafe.Pointer // the progress callback's box, freed by Close
	rd       *reader        // the open Retr reader, nil if none
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

// Dial connects to addr ("host:port", or "host" for port 21 or 990 with implicit TLS)
// and reads the welcome. Nothing is sent before Login.
func Dial(ctx context.Context, addr string, opts ...Option) (*Conn, error) {
	cfg := config{timeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		host, portText = strings.Trim(addr, "[]"), "0"
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, &Error{Op: "Dial", Code: ErrInvalid, Message: "bad port in " + addr}
	}
	if err := hasNUL("Dial", host, cfg.source); err != nil {
		return nil, err
	}
	c := &Conn{h: C.ftp_new(), ctx: ctx, stop: make(chan struct{})}
	if c.h == nil {
		return nil, &Error{Op: "Dial", Code: ErrIO, Message: "out of memory"}
	}
	if err := c.setup(&cfg); err != nil {
		c.Close()
		return nil, err
	}
	c.watcher.Add(1)
	go c.watch()

	timeout := cfg.timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	ms := C.uint32_t(timeout / time.Millisecond)
	if ms == 0 {
		ms = 1
	}
	h, src := cstr(host), (*C.char)(nil)
	defer C.free(unsafe.Pointer(h))
	if cfg.source != "" {
		src = cstr(cfg.source)
		defer C.free(unsafe.Pointer(src))
	}
	if err := c.call("Dial", func() C.ftp_result { return C.ftp_connect(c.h, h, C.uint16_t(port), ms, src) }); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) setup(cfg *config) error {
	ms := C.int64_t(cfg.timeout / time.Millisecond)
	if rc := C.ftp_set_timeouts(c.h, ms, ms, ms); rc != C.FTP_OK {
		return c.err("Dial", rc)
	}
	if cfg.active {
		C.ftp_set_pasv(c.h, false)
	}
	if cfg.progress != nil {
		c.progress = newBox(progressFunc(cfg.progress))
		C.ftp_set_progress_callback(c.h, (C.ftp_progress_cb)(unsafe.Pointer(C.goftpProgress)), c.progress, 100)
	}
	if cfg.tls == nil {
		return nil
	}
	t := C.ftp_tls_config_new()
	defer C.ftp_tls_config_free(t)
	set := func(rc C.ftp_result, what string) error {
		if rc == C.FTP_OK {
			return nil
		}
		msg := what + ": " + Code(rc).Error()
		if m := C.ftp_tls_config_last_error(t); m != nil && *m != 0 {
			msg = C.GoString(m) // names the file and why it would not load
		}
		return &Error{Op: "Dial", Code: Code(rc), Message: msg}
	}
	withPath := func(path string, f func(*C.char) C.ftp_result, what string) error {
		if path == "" {
			return nil
		}
		if err := hasNUL("Dial", path); err != nil {
			return err
		}
		p := cstr(path)
		defer C.free(unsafe.Pointer(p))
		return set(f(p), what+" "+path)
	}
	if err := withPath(cfg.tls.CAFile, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_ca_file(t, p) }, "CA file"); err != nil {
		return err
	}
	if err := withPath(cfg.tls.CADir, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_ca_dir(t, p) }, "CA directory"); err != nil {
		return err
	}
	if cfg.tls.CertFile != "" || cfg.tls.KeyFile != "" {
		if err := hasNUL("Dial", cfg.tls.CertFile, cfg.tls.KeyFile); err != nil {
			return err
		}
		cert, key := cstr(cfg.tls.CertFile), cstr(cfg.tls.KeyFile)
		defer C.free(unsafe.Pointer(cert))
		defer C.free(unsafe.Pointer(key))
		if err := set(C.ftp_tls_config_set_client_cert(t, cert, key), "client certificate"); err != nil {
			return err
		}
	}
	C.ftp_tls_config_insecure_skip_verify(t, C.bool(cfg.tls.InsecureSkipVerify))
	C.ftp_tls_config_set_protect_data(t, C.bool(!cfg.tls.ClearData))
	mode := C.int(C.FTP_TLS_EXPLICIT)
	if cfg.tls.Implicit {
		mode = C.FTP_TLS_IMPLICIT
	}
	if rc := C.ftp_set_tls(c.h, mode, t); rc != C.FTP_OK {
		return c.err("Dial", rc)
	}
	return nil
}

// watch interrupts the running call when the context is done; a download held open
// by a Retr reader is aborted, which wakes a blocked Read. ftp_interrupt does nothing
// between calls, and a call may have passed its context check just before the context
// ended: so the interrupt is repeated until Close. The abort is a call on the session:
// it is made only when mu is free (TryLock), so the watcher never waits for a call,
// and Close, which waits for the watcher while holding mu, cannot deadlock with it.
func (c *Conn) watch() {
	defer c.watcher.Done()
	h := c.h // freed by Close only after this goroutine is done
	select {
	case <-c.ctx.Done():
	case <-c.stop:
		return
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		C.ftp_interrupt(h)
		if c.mu.TryLock() {
			if r := c.rd; r != nil && !r.eof.Load() && r.cut.CompareAndSwap(notCut, cutByContext) {
				C.ftp_abort(h) // resets the data connection: a blocked Read returns
			}
			c.mu.Unlock()
		}
		select {
		case <-tick.C:
		case <-c.stop:
			return
		}
	}
}

// call runs f with the session locked, turning its result into an error.
func (c *Conn) call(op string, f func() C.ftp_result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(op); err != nil {
		return err
	}
	return c.err(op, f())
}

// usable says why no call can start (closed, the context is done, or a Retr reader
// is open); c.mu is held.
func (c *Conn) usable(op string) error {
	if c.h == nil {
		return &Error{Op: op, Code: ErrState, Message: "the connection is closed"}
	}
	if err := ctxError(op, c.ctx); err != nil {
		return err
	}
	if c.rd != nil {
		return &Error{Op: op, Code: ErrBusy, Message: "a transfer's reader (from Retr) is still open and must be closed first"}
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

func (c *Conn) err(op string, rc C.ftp_result) error {
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
	if ctxErr := c.ctx.Err(); ctxErr != nil {
		e.ctxErr = ctxErr
	}
	return e
}

// Close ends the session without a goodbye (see Quit) and frees it. It is safe to
// call more than once, and while a Retr reader is open: the transfer is then
// aborted (a Read blocked in another goroutine returns an error at once), and the
// reader's Read and Close report that the connection was closed (see Retr).
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return nil
	}
	close(c.stop)
	c.watcher.Wait() // the watcher must be done with h before it is freed
	if r := c.rd; r != nil {
		c.rd = nil
		// With no Read running (TryLock), none can start: d is freed here and the
		// control connection by ftp_free, which ends the transfer without waiting on
		// the server. Otherwise a Read is inside ftp_data_read: ftp_abort resets the
		// data connection, which wakes it (the session is not in use meanwhile); if
		// the watcher has aborted the transfer already, the reset is done.
		first := r.cut.CompareAndSwap(notCut, cutByConnClose)
		if !r.mu.TryLock() {
			if first {
				C.ftp_abort(c.h)
			}
			r.mu.Lock()
		}
		C.ftp_data_free(r.d)
		r.d = nil
		r.mu.Unlock()
	}
	C.ftp_free(c.h)
	c.h = nil
	if c.progress != nil {
		freeBox(c.progress)
		c.progress = nil
	}
	return nil
}

// Quit says goodbye (QUIT) and closes the session. With a Retr reader open no QUIT
// is sent: Quit returns the ErrBusy error and closes the session as Close does.
func (c *Conn) Quit() error {
	err := c.call("Quit", func() C.ftp_result { return C.ftp_quit(c.h) })
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

// withStrings runs f with C copies of ss, after refusing NUL bytes.
func (c *Conn) withStrings(op string, ss []string, f func([]*C.char) C.ftp_result) error {
	if err := hasNUL(op, ss...); err != nil {
		return err
	}
	cs := make([]*C.char, len(ss))
	for i, s := range ss {
		cs[i] = cstr(s)
		defer C.free(unsafe.Pointer(cs[i]))
	}
	return c.call(op, func() C.ftp_result { return f(cs) })
}

// Login logs in; an empty user means anonymous.
func (c *Conn) Login(user, password string) error {
	return c.withStrings("Login", []string{user, password}, func(s []*C.char) C.ftp_result {
		return C.ftp_login(c.h, s[0], s[1], nil)
	})
}

// Cwd changes the working directory.
func (c *Conn) Cwd(dir string) error {
	return c.withStrings("Cwd", []string{dir}, func(s []*C.char) C.ftp_result { return C.ftp_cwd(c.h, s[0]) })
}

// Mkd creates a directory.
func (c *Conn) Mkd(dir string) error {
	return c.withStrings("Mkd", []string{dir}, func(s []*C.char) C.ftp_result { return C.ftp_mkd(c.h, s[0], nil) })
}

// Rmd removes a directory.
func (c *Conn) Rmd(dir string) error {
	return c.withStrings("Rmd", []string{dir}, func(s []*C.char) C.ftp_result { return C.ftp_rmd(c.h, s[0]) })
}

// Delete removes a file.
func (c *Conn) Delete(path string) error {
	return c.withStrings("Delete", []string{path}, func(s []*C.char) C.ftp_result { return C.ftp_delete(c.h, s[0]) })
}

// Rename renames a file or directory.
func (c *Conn) Rename(from, to string) error {
	return c.withStrings("Rename", []string{from, to}, func(s []*C.char) C.ftp_result {
		return C.ftp_rename(c.h, s[0], s[1])
	})
}

// Pwd returns the working directory.
func (c *Conn) Pwd() (string, error) {
	var out *C.char
	var dir string
	err := c.call("Pwd", func() C.ftp_result {
		rc := C.ftp_pwd(c.h, &out)
		if rc == C.FTP_OK {
			dir = C.GoString(out) // owned by the session: copy before unlocking
		}
		return rc
	})
	return dir, err
}

// Size returns a file's size (SIZE); -1 when the server does not implement SIZE.
func (c *Conn) Size(path string) (int64, error) {
	var size C.int64_t
	err := c.withStrings("Size", []string{path}, func(s []*C.char) C.ftp_result { return C.ftp_size(c.h, s[0], &size) })
	return int64(size), err
}

// RetrTo downloads a file in binary mode into w.
func (c *Conn) RetrTo(path string, w io.Writer) error {
	sink := &writeSink{w: w}
	box := newBox(sink)
	defer freeBox(box)
	err := c.withStrings("Retr", []string{"RETR " + path}, func(s []*C.char) C.ftp_result {
		return C.ftp_retr_binary(c.h, s[0], (C.ftp_data_cb)(unsafe.Pointer(C.goftpData)), 64*1024, C.FTP_NO_REST, box)
	})
	if sink.err != nil {
		return sink.err
	}
	return err
}

// Stor uploads what r supplies, in binary mode, to path.
func (c *Conn) Stor(path string, r io.Reader) error {
	src := &readSource{r: r}
	box := newBox(src)
	defer freeBox(box)
	err := c.withStrings("Stor", []string{"STOR " + path}, func(s []*C.char) C.ftp_result {
		return C.ftp_stor_binary(c.h, s[0], (C.ftp_read_cb)(unsafe.Pointer(C.goftpRead)), 64*1024, nil, C.FTP_NO_REST, box)
	})
	if src.err != nil {
		return src.err
	}
	return err
}

// Retr opens a file for reading in binary mode. Until the reader is closed the
// session is busy with this transfer: its other methods fail at once with an error
// matching ErrBusy; Conn.Close aborts the transfer. Close after io.EOF reads the
// server's final reply; Close before the end aborts the transfer (ABOR) and leaves the
// session usable. Read may run in one goroutine while another calls the reader's
// Close or Conn.Close: the Read then returns an error.
//
// After Conn.Close (or Quit) has ended the transfer, Read returns an error matching
// ErrState, the reader's first Close too ("the connection was closed"); once closed,
// the reader's Close returns nil.
func (c *Conn) Retr(path string) (io.ReadCloser, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable("Retr"); err != nil {
		return nil, err
	}
	if err := hasNUL("Retr", path); err != nil {
		return nil, err
	}
	typeI, cmd := cstr("TYPE I"), cstr("RETR "+path)
	defer C.free(unsafe.Pointer(typeI))
	defer C.free(unsafe.Pointer(cmd))
	if rc := C.ftp_voidcmd(c.h, typeI); rc != C.FTP_OK {
		return nil, c.err("Retr", rc)
	}
	var d *C.ftp_data
	if err := c.err("Retr", C.ftp_transfercmd(c.h, cmd, C.FTP_NO_REST, &d)); err != nil {
		return nil, err
	}
	r := &reader{c: c, d: d}
	c.rd = r
	return r, nil
}

// Why a reader's transfer was aborted before its end (reader.cut).
const (
	notCut         int32 = iota
	cutByClose           // the reader's Close
	cutByConnClose       // Conn.Close
	cutByContext         // the watcher, the connection's context being done
)

// reader is a Retr download. Its Read runs without the session's lock (ftp_data_read
// touches only d), so the session can abort the transfer while a Read is blocked.
type reader struct {
	c *Conn

	// mu is held across each Read, ftp_data_read included; d and closed change only
	// with both c.mu and mu held (c.mu first), so holding either one reads them.
	mu     sync.Mutex
	d      *C.ftp_data // nil once freed
	closed bool        // the reader's Close has run

	eof atomic.Bool  // the server ended the file (set by Read, with mu held)
	cut atomic.Int32 // notCut, or who aborted the transfer (set with c.mu held)
}

// cutError is what Read and Close report for a transfer aborted by how.
func (r *reader) cutError(op string, how int32) error {
	switch how {
	case cutByConnClose:
		return &Error{Op: op, Code: ErrState, Message: "the connection was closed during the transfer"}
	case cutByContext:
		if err := ctxError(op, r.c.ctx); err != nil {
			return err
		}
	}
	return &Error{Op: op, Code: ErrState, Message: "reader closed"}
}

func (r *reader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, r.cutError("Read", cutByClose)
	}
	if r.d == nil {
		return 0, r.cutError("Read", cutByConnClose)
	}
	if r.eof.Load() {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n C.size_t
	rc := C.ftp_data_read(r.d, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), &n)
	if n == 0 || rc != C.FTP_OK {
		// An abort resets the data connection, which reads as its end: tell them apart.
		if err := ctxError("Read", r.c.ctx); err != nil {
			return 0, err
		}
		if how := r.cut.Load(); how != notCut {
			return 0, r.cutError("Read", how)
		}
	}
	if rc != C.FTP_OK {
		msg := Code(rc).Error()
		if m := C.ftp_data_last_error(r.d); m != nil && *m != 0 {
			msg = C.GoString(m) // e.g. a TLS download cut short, with the detail
		}
		return 0, &Error{Op: "Read", Code: Code(rc), Message: msg}
	}
	if n == 0 {
		r.eof.Store(true)
		return 0, io.EOF
	}
	return int(n), nil
}

func (r *reader) Close() error {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rd != r {
		// Closed already, or Conn.Close ended the transfer and freed d.
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.closed {
			return nil
		}
		r.closed = true
		return r.cutError("Retr", cutByConnClose)
	}
	c.rd = nil
	eof := r.eof.Load() // once set, no Read calls into C again
	var rc C.ftp_result = C.FTP_OK
	aborted := !eof && r.cut.CompareAndSwap(notCut, cutByClose)
	if aborted {
		// Resets the data connection (waking a Read blocked in another goroutine)
		// and reads ABOR's replies.
		rc = C.ftp_abort(c.h)
	}
	r.mu.Lock()
	C.ftp_data_free(r.d)
	r.d = nil
	r.closed = true
	r.mu.Unlock()
	if err := ctxError("Retr", c.ctx); err != nil {
		return err
	}
	if !aborted {
		if how := r.cut.Load(); how != notCut {
			return r.cutError("Retr", how)
		}
		return c.err("Retr", C.ftp_voidresp(c.h))
	}
	return c.err("Retr", rc)
}
