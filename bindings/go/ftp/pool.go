package ftp

/*
#include <ftp.h>
#include <stdlib.h>

extern int goftpBatch(void *, size_t, uint64_t, int64_t, int, size_t, size_t, uint64_t);
*/
import "C"

import (
	"context"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Pool hands out sessions to the same server, opened like a template Conn (host,
// port, login, TLS, timeouts and the other options), reusing idle ones: at most a
// maximum open at once, fewer when the server refuses more. It is safe for use by any
// number of goroutines at once. A session checked out with Get is an ordinary Conn,
// for one goroutine's use at a time; give it back with Put (or Close it to leave the
// pool). Batch runs many file transfers over the pool's sessions.
type Pool struct {
	mu     sync.Mutex
	p      *C.ftp_pool
	keep   *keeper
	calls  int  // calls inside C on p
	closed bool // Close has run; p is freed by the last call out
}

// PoolStats are a pool's counters.
type PoolStats struct {
	MaxSessions int // the configured maximum
	Limit       int // the limit in force: the maximum, or less once the server refused connections
	Open        int // sessions open now, idle and checked out
	Idle        int
	InUse       int
	Opened      uint64 // connections opened in all
	Reused      uint64 // checkouts served by an idle session
	Discarded   uint64 // sessions closed as unusable, failing their NOOP check, or closed by their user
	Shrinks     uint64 // times the server refused a further connection and the limit came down
	Waits       uint64 // checkouts that had to wait for a session
}

// poolError is the error of a failed pool call, with this thread's pool message; the
// caller holds its OS thread (ftp_pool_last_error is per thread).
func poolError(op string, rc C.ftp_result) error {
	if rc == C.FTP_OK {
		return nil
	}
	return &Error{Op: op, Code: Code(rc), Message: C.GoString(C.ftp_pool_last_error())}
}

// NewPool makes a pool of at most maxSessions sessions opened like template, which
// must have connected and logged in once (it may be closed since; the pool does not
// use its connection). The pool keeps template's TLS and progress callbacks alive.
func NewPool(template *Conn, maxSessions int) (*Pool, error) {
	if maxSessions < 1 {
		return nil, &Error{Op: "NewPool", Code: ErrInvalid, Message: "maxSessions must be 1 or more"}
	}
	template.mu.Lock()
	defer template.mu.Unlock()
	if template.h == nil {
		return nil, &Error{Op: "NewPool", Code: ErrState, Message: "the template connection is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var p *C.ftp_pool
	if err := poolError("NewPool", C.ftp_pool_new(template.h, C.uint32_t(maxSessions), &p)); err != nil {
		return nil, err
	}
	return &Pool{p: p, keep: template.keep.acquire()}, nil
}

// enter gives the pool handle for one call; leave must follow.
func (p *Pool) enter(op string) (*C.ftp_pool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, &Error{Op: op, Code: ErrState, Message: "the pool is closed"}
	}
	p.calls++
	return p.p, nil
}

func (p *Pool) leave() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls--
	if p.closed && p.calls == 0 {
		p.free()
	}
}

func (p *Pool) free() {
	C.ftp_pool_free(p.p)
	p.p = nil
	p.keep.release()
}

// Close frees the pool: its idle sessions close (without QUIT); sessions checked out
// stay valid (Put or Close them as usual). A Get still waiting keeps the pool until it
// returns (call Interrupt first to wake it).
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	if p.calls == 0 {
		p.free()
	}
	return nil
}

func (p *Pool) setting(op string, f func(*C.ftp_pool) C.ftp_result) error {
	h, err := p.enter(op)
	if err != nil {
		return err
	}
	defer p.leave()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return poolError(op, f(h))
}

// SetIdleCheck sets how long a session may stay idle before it is checked with NOOP
// when next handed out (default 15 s; 0 checks every time).
func (p *Pool) SetIdleCheck(d time.Duration) error {
	return p.setting("SetIdleCheck", func(h *C.ftp_pool) C.ftp_result {
		return C.ftp_pool_set_idle_check(h, C.uint32_t(d/time.Millisecond))
	})
}

// SetCheckoutTimeout sets how long Get (and a batch's worker) waits for a session when
// all are in use; a negative value waits without limit (the default). Get's context
// also ends its wait.
func (p *Pool) SetCheckoutTimeout(d time.Duration) error {
	ms := C.int64_t(-1)
	if d >= 0 {
		ms = C.int64_t(d / time.Millisecond)
	}
	return p.setting("SetCheckoutTimeout", func(h *C.ftp_pool) C.ftp_result { return C.ftp_pool_set_checkout_timeout(h, ms) })
}

// CloseIdle says goodbye (QUIT) to the idle sessions and closes them, within timeout in
// all (0: closed without QUIT; negative: each as long as its reply timeout allows);
// sessions in use stay. It returns how many were closed.
func (p *Pool) CloseIdle(timeout time.Duration) (int, error) {
	ms := C.int64_t(-1)
	if timeout >= 0 {
		ms = C.int64_t(timeout / time.Millisecond)
	}
	var closed C.uint32_t
	err := p.setting("CloseIdle", func(h *C.ftp_pool) C.ftp_result { return C.ftp_pool_close_idle(h, ms, &closed) })
	return int(closed), err
}

// SetMaxSessions sets the most sessions open at once (1 or more).
func (p *Pool) SetMaxSessions(n int) error {
	if n < 1 {
		return &Error{Op: "SetMaxSessions", Code: ErrInvalid, Message: "the maximum must be 1 or more"}
	}
	return p.setting("SetMaxSessions", func(h *C.ftp_pool) C.ftp_result { return C.ftp_pool_set_max_sessions(h, C.uint32_t(n)) })
}

// Interrupt stops everything in flight on the pool: the call running on each
// checked-out session, every running Batch, and every Get waiting for a session (each
// fails with ErrInterrupted). Later calls work as before.
func (p *Pool) Interrupt() {
	h, err := p.enter("Interrupt")
	if err != nil {
		return
	}
	defer p.leave()
	C.ftp_pool_interrupt(h)
}

// Stats returns the pool's counters.
func (p *Pool) Stats() PoolStats {
	h, err := p.enter("Stats")
	if err != nil {
		return PoolStats{}
	}
	defer p.leave()
	st := func(k C.uint32_t) uint64 { return uint64(C.ftp_pool_stat(h, k)) }
	return PoolStats{
		MaxSessions: int(st(C.FTP_POOL_MAX_SESSIONS)), Limit: int(st(C.FTP_POOL_LIMIT)),
		Open: int(st(C.FTP_POOL_OPEN)), Idle: int(st(C.FTP_POOL_IDLE)), InUse: int(st(C.FTP_POOL_IN_USE)),
		Opened: st(C.FTP_POOL_OPENED), Reused: st(C.FTP_POOL_REUSED), Discarded: st(C.FTP_POOL_DISCARDED),
		Shrinks: st(C.FTP_POOL_SHRINKS), Waits: st(C.FTP_POOL_WAITS),
	}
}

type checkout struct {
	s   *C.ftp_session
	err error
}

// Get checks out a session: an idle one, else a new connection while the pool is
// under its limit, else it waits for one given back (bounded by SetCheckoutTimeout
// and ctx). The session's working directory and TYPE are what its last user left.
func (p *Pool) Get(ctx context.Context) (*Conn, error) {
	if err := ctxError("Get", ctx); err != nil {
		return nil, err
	}
	h, err := p.enter("Get")
	if err != nil {
		return nil, err
	}
	ch := make(chan checkout, 1)
	go func() {
		defer p.leave()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var s *C.ftp_session
		rc := C.ftp_pool_get(h, &s)
		ch <- checkout{s, poolError("Get", rc)}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return &Conn{h: r.s, ih: r.s, keep: p.keep.acquire(), pool: p}, nil
	case <-ctx.Done():
		// The checkout goes on in the goroutine; what it gets goes back to the pool.
		go func() {
			if r := <-ch; r.s != nil {
				if h, err := p.enter("Get"); err == nil {
					C.ftp_pool_put(h, r.s)
					p.leave()
				} else {
					C.ftp_free(r.s)
				}
			}
		}()
		return nil, ctxError("Get", ctx)
	}
}

// Put gives a session from Get back to its pool, which keeps it for reuse if it is
// usable (else closes it). c is closed afterwards (its methods fail with ErrState).
func (p *Pool) Put(c *Conn) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return &Error{Op: "Put", Code: ErrState, Message: "the connection is closed"}
	}
	if c.pool != p {
		return &Error{Op: "Put", Code: ErrInvalid, Message: "the connection did not come from this pool"}
	}
	if c.xfer != nil {
		return &Error{Op: "Put", Code: ErrBusy, Message: "a transfer's reader or writer is still open and must be closed first"}
	}
	h, err := p.enter("Put")
	if err != nil {
		c.forget()
		C.ftp_free(c.h)
		c.h = nil
		c.keep.release()
		return err
	}
	defer p.leave()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c.forget()
	rc := C.ftp_pool_put(h, c.h)
	if rc == C.FTP_E_BUSY || rc == C.FTP_E_RECURSIVE || rc == C.FTP_E_INVALID {
		c.imu.Lock()
		c.ih = c.h // still ours
		c.imu.Unlock()
		return poolError("Put", rc)
	}
	c.h = nil
	c.keep.release()
	return poolError("Put", rc)
}

// BatchItem is one file of a Batch: a download of Remote into Local (or into File),
// or with Upload an upload of Local (or of File) to Remote.
type BatchItem struct {
	Upload bool
	Remote string
	Local  string
	// File, if set instead of Local, is written (or read) through its descriptor,
	// from its position when the item runs; it must stay open until Batch returns.
	File  *os.File
	Flags FileFlag // as for RetrFile and StorFile; FileAtomic for an upload sends to REMOTE.part first
}

// BatchAction is what a batch progress function asks for.
type BatchAction int

// The answers of BatchOptions.Progress.
const (
	BatchContinue   BatchAction = C.FTP_BATCH_CONTINUE
	BatchCancelFile BatchAction = C.FTP_BATCH_CANCEL_FILE // this file fails with ErrCancelled, the others go on
	BatchCancel     BatchAction = C.FTP_BATCH_CANCEL      // every file in progress and not started fails with ErrCancelled
)

// BatchProgress is one progress report of a batch.
type BatchProgress struct {
	Index      int       // the item's index in the slice given to Batch
	Item       BatchItem // the item, which says which file
	Bytes      uint64    // moved so far in the item's current attempt
	Total      int64     // expected, -1 when unknown
	Finished   int       // 0 while the item runs, then once 1 (done) or -1 (failed)
	FilesDone  int       // items ended
	FilesTotal int
	BatchBytes uint64 // bytes moved in all
}

// BatchOptions tune a Batch; the zero value runs as many items at once as the pool
// has sessions, retries once, and goes on past failures.
type BatchOptions struct {
	Workers     int  // items at once; 0 for the pool's maximum
	StopOnError bool // the first failure stops the batch
	Retries     int  // further attempts after a transient failure; 0 for libftp's default (1), negative for none
	// Progress hears of each item's progress, at most every Interval per file and once
	// when it ends, from the batch's worker threads, never two calls at once.
	Progress func(BatchProgress) BatchAction
	Interval time.Duration
}

// BatchResult is one item's outcome.
type BatchResult struct {
	Item  BatchItem
	Bytes uint64 // moved (not counting what a resume kept)
	Err   error  // nil on success; an *Error otherwise (ErrCancelled for a cancelled or never started item)
}

type batchSink struct {
	ctx   context.Context
	items []BatchItem
	fn    func(BatchProgress) BatchAction
}

//export goftpBatch
func goftpBatch(ud unsafe.Pointer, index C.size_t, bytes C.uint64_t, total C.int64_t, finished C.int, done, all C.size_t, batchBytes C.uint64_t) (rc C.int) {
	s := unbox(ud).(*batchSink)
	if s.ctx.Err() != nil {
		return C.FTP_BATCH_CANCEL
	}
	if s.fn == nil {
		return C.FTP_BATCH_CONTINUE
	}
	defer func() {
		if recover() != nil {
			rc = C.FTP_BATCH_CANCEL
		}
	}()
	i := int(index)
	return C.int(s.fn(BatchProgress{Index: i, Item: s.items[i], Bytes: uint64(bytes), Total: int64(total), Finished: int(finished),
		FilesDone: int(done), FilesTotal: int(all), BatchBytes: uint64(batchBytes)}))
}

// Batch runs the items over the pool's sessions, several at once, and returns each
// one's result (in the items' order) and the error of the first that failed (nil if
// all succeeded), whose message counts the failures. A failing item does not stop the
// others unless StopOnError. ctx's end cancels the batch at the next progress report
// of a running file (each report, every Interval or 100 ms, checks it); Interrupt
// stops it at once.
func (p *Pool) Batch(ctx context.Context, items []BatchItem, opts BatchOptions) ([]BatchResult, error) {
	if err := ctxError("Batch", ctx); err != nil {
		return nil, err
	}
	h, err := p.enter("Batch")
	if err != nil {
		return nil, err
	}
	defer p.leave()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var b *C.ftp_batch
	if err := poolError("Batch", C.ftp_batch_new(h, &b)); err != nil {
		return nil, err
	}
	defer C.ftp_batch_free(b)
	batchErr := func(rc C.ftp_result) error {
		if rc == C.FTP_OK {
			return nil
		}
		return &Error{Op: "Batch", Code: Code(rc), Message: goStringOrEmpty(C.ftp_batch_last_error(b))}
	}
	for i, it := range items {
		if err := addItem(b, it, batchErr); err != nil {
			return nil, wrapItem(err, i)
		}
	}
	sink := &batchSink{ctx: ctx, items: items, fn: opts.Progress}
	box := newBox(sink)
	defer freeBox(box)
	interval := opts.Interval
	if interval <= 0 || interval > 100*time.Millisecond {
		interval = 100 * time.Millisecond
	}
	if err := batchErr(C.ftp_batch_set_progress_callback(b, (C.ftp_batch_cb)(unsafe.Pointer(C.goftpBatch)), box, C.uint32_t(interval/time.Millisecond))); err != nil {
		return nil, err
	}
	if opts.Workers > 0 {
		C.ftp_batch_set_workers(b, C.uint32_t(opts.Workers))
	}
	C.ftp_batch_set_stop_on_error(b, C.bool(opts.StopOnError))
	if opts.Retries < 0 {
		C.ftp_batch_set_retries(b, 0)
	} else if opts.Retries > 0 {
		C.ftp_batch_set_retries(b, C.uint32_t(opts.Retries))
	}
	runErr := batchErr(C.ftp_batch_run(b))
	if e, ok := runErr.(*Error); ok && ctx.Err() != nil {
		e.ctxErr = ctx.Err()
	}
	n := int(C.ftp_batch_len(b))
	results := make([]BatchResult, n)
	for i := range results {
		var moved C.uint64_t
		rc := C.ftp_batch_result(b, C.size_t(i), &moved)
		results[i] = BatchResult{Item: items[i], Bytes: uint64(moved)}
		if rc != C.FTP_OK {
			results[i].Bytes = 0
			results[i].Err = &Error{Op: "Batch", Code: Code(rc), Message: goStringOrEmpty(C.ftp_batch_message(b, C.size_t(i)))}
		}
	}
	return results, runErr
}

func wrapItem(err error, i int) error {
	if e, ok := err.(*Error); ok {
		e.Message = "item " + itoa(i) + ": " + e.Message
	}
	return err
}

func addItem(b *C.ftp_batch, it BatchItem, batchErr func(C.ftp_result) error) error {
	if err := hasNUL("Batch", it.Remote, it.Local); err != nil {
		return err
	}
	remote := cstr(it.Remote)
	defer C.free(unsafe.Pointer(remote))
	if it.File != nil {
		fd := C.int(it.File.Fd())
		defer runtime.KeepAlive(it.File)
		if it.Upload {
			return batchErr(C.ftp_batch_add_upload_fd(b, fd, remote, nil))
		}
		return batchErr(C.ftp_batch_add_download_fd(b, remote, fd, nil))
	}
	local := cstr(it.Local)
	defer C.free(unsafe.Pointer(local))
	if it.Upload {
		return batchErr(C.ftp_batch_add_upload(b, local, remote, C.uint32_t(it.Flags), nil))
	}
	return batchErr(C.ftp_batch_add_download(b, remote, local, C.uint32_t(it.Flags), nil))
}
