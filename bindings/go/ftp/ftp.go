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
type Conn struct {
	mu       sync.Mutex // one call at a time
	h        *C.ftp_session
	ctx      context.Context
	stop     chan struct{}
	watcher  sync.WaitGroup
	progress unsafe.Pointer // the progress callback's box, freed by Close
	dataOpen int32          // 1 while a Retr reader holds the data connection
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
		if rc != C.FTP_OK {
			return &Error{Op: "Dial", Code: Code(rc), Message: what + ": " + Code(rc).Error()}
		}
		return nil
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
// ended: so the interrupt is repeated until Close.
func (c *Conn) watch() {
	defer c.watcher.Done()
	select {
	case <-c.ctx.Done():
	case <-c.stop:
		return
	}
	aborted := false
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		C.ftp_interrupt(c.h)
		if !aborted && atomic.LoadInt32(&c.dataOpen) == 1 {
			C.ftp_abort(c.h)
			aborted = true
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

// usable says why no call can start (closed, or the context is done); c.mu is held.
func (c *Conn) usable(op string) error {
	if c.h == nil {
		return &Error{Op: op, Code: ErrState, Message: "the connection is closed"}
	}
	return ctxError(op, c.ctx)
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
// call more than once.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return nil
	}
	close(c.stop)
	c.watcher.Wait() // the watcher must be done with h before it is freed
	C.ftp_free(c.h)
	c.h = nil
	if c.progress != nil {
		freeBox(c.progress)
		c.progress = nil
	}
	return nil
}

// Quit says goodbye (QUIT) and closes the session.
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

// Retr opens a file for reading in binary mode. The session is busy until the reader
// is closed: Close after io.EOF reads the server's final reply; Close before the end
// aborts the transfer (ABOR) and leaves the session usable.
func (c *Conn) Retr(path string) (io.ReadCloser, error) {
	var d *C.ftp_data
	c.mu.Lock()
	err := func() error {
		if err := c.usable("Retr"); err != nil {
			return err
		}
		if err := hasNUL("Retr", path); err != nil {
			return err
		}
		typeI, cmd := cstr("TYPE I"), cstr("RETR "+path)
		defer C.free(unsafe.Pointer(typeI))
		defer C.free(unsafe.Pointer(cmd))
		if rc := C.ftp_voidcmd(c.h, typeI); rc != C.FTP_OK {
			return c.err("Retr", rc)
		}
		return c.err("Retr", C.ftp_transfercmd(c.h, cmd, C.FTP_NO_REST, &d))
	}()
	if err != nil {
		c.mu.Unlock()
		return nil, err
	}
	atomic.StoreInt32(&c.dataOpen, 1)
	return &reader{c: c, d: d}, nil // holds c.mu until Close
}

type reader struct {
	c      *Conn
	d      *C.ftp_data
	eof    bool
	closed bool
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, &Error{Op: "Read", Code: ErrState, Message: "reader closed"}
	}
	if r.eof {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n C.size_t
	rc := C.ftp_data_read(r.d, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), &n)
	if n == 0 {
		if err := ctxError("Read", r.c.ctx); err != nil {
			return 0, err // ftp_abort from the watcher ended the read
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
		r.eof = true
		return 0, io.EOF
	}
	return int(n), nil
}

func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	c := r.c
	defer c.mu.Unlock()
	atomic.StoreInt32(&c.dataOpen, 0)
	if r.eof {
		C.ftp_data_free(r.d)
		return c.err("Retr", C.ftp_voidresp(c.h))
	}
	rc := C.ftp_abort(c.h) // resets the data connection and reads ABOR's replies
	C.ftp_data_free(r.d)
	if err := ctxError("Retr", c.ctx); err != nil {
		return err
	}
	return c.err("Retr", rc)
}
