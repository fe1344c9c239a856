package ftp

/*
#include <ftp.h>
#include <stdlib.h>

extern int goftpData(void *, uint8_t *, size_t);
extern int goftpRead(void *, uint8_t *, size_t, size_t *);
extern int goftpLine(void *, char *, size_t);
*/
import "C"

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// FileFlag changes what the whole-file transfers do (RetrFile, StorFile, batches).
type FileFlag uint32

// The flags (FTP_FILE_* in ftp.h).
const (
	// FileResume continues a partial transfer: a download from the local file's size
	// (REST), an upload from the server's (REST+STOR or APPE).
	FileResume FileFlag = C.FTP_FILE_RESUME
	// FilePreserveMTime gives the copy the original's modification time.
	FilePreserveMTime FileFlag = C.FTP_FILE_PRESERVE_MTIME
	// FileAtomic downloads into "PATH.part", renamed to PATH once complete.
	FileAtomic FileFlag = C.FTP_FILE_ATOMIC
	// FileVerifySize checks the final size against the server's (SIZE).
	FileVerifySize FileFlag = C.FTP_FILE_VERIFY_SIZE
	// FileAppend (uploads) sends the file with APPE, added to the end of the remote file.
	FileAppend FileFlag = C.FTP_FILE_APPEND
)

// MaxSegments is the most segments RetrFileSegmented takes.
const MaxSegments = C.FTP_MAX_SEGMENTS

// Why a transfer was aborted before its end (transfer.cut).
const (
	notCut         int32 = iota
	cutByClose           // the reader's or writer's Close
	cutByConnClose       // Conn.Close
	cutByContext         // the watcher, the transfer's context being done
)

// transfer is an open data connection of Retr, RetrFrom or StorWriter. Its Read and
// Write run without the session's lock (ftp_data_read/write touch only d), so the
// session can abort the transfer while one is blocked.
type transfer struct {
	c     *Conn
	ctx   context.Context
	write bool
	size  int64

	// mu is held across each Read or Write (the C call included); d and closed change
	// only with both c.mu and mu held (c.mu first), so holding either one reads them.
	mu     sync.Mutex
	d      *C.ftp_data // nil once freed
	closed bool        // the reader's or writer's Close has run

	eof atomic.Bool  // the server ended the file (set by Read, with mu held)
	cut atomic.Int32 // notCut, or who aborted the transfer (set with c.mu held)

	stop     chan struct{} // closed to end the watcher
	watching sync.WaitGroup
}

// watch aborts the transfer once its context is done, which wakes a blocked Read or
// Write. The abort is a call on the session: it is made only when c.mu is free
// (TryLock), so the watcher never waits for a call, and Close, which waits for the
// watcher while holding c.mu, cannot deadlock with it.
func (t *transfer) watch() {
	defer t.watching.Done()
	select {
	case <-t.ctx.Done():
	case <-t.stop:
		return
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if t.c.mu.TryLock() {
			if t.c.xfer == t && !t.eof.Load() && t.cut.CompareAndSwap(notCut, cutByContext) {
				C.ftp_abort(t.c.h) // resets the data connection
			}
			t.c.mu.Unlock()
			return
		}
		select {
		case <-tick.C:
		case <-t.stop:
			return
		}
	}
}

// stopWatch ends the watcher; c.mu is held.
func (t *transfer) stopWatch() {
	close(t.stop)
	t.watching.Wait()
}

// open starts a raw transfer: cmd with REST rest, TYPE I first.
func (c *Conn) open(ctx context.Context, op, cmd string, rest int64, write bool) (*transfer, error) {
	if rest < 0 {
		rest = C.FTP_NO_REST
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(ctx, op); err != nil {
		return nil, err
	}
	if err := hasNUL(op, cmd); err != nil {
		return nil, err
	}
	typeI, ccmd := cstr("TYPE I"), cstr(cmd)
	defer C.free(unsafe.Pointer(typeI))
	defer C.free(unsafe.Pointer(ccmd))
	var d *C.ftp_data
	var size C.int64_t
	err := c.callLocked(ctx, op, "", func() C.ftp_result {
		if rc := C.ftp_voidcmd(c.h, typeI); rc != C.FTP_OK {
			return rc
		}
		return C.ftp_ntransfercmd(c.h, ccmd, C.int64_t(rest), &d, &size)
	})
	if err != nil {
		return nil, err
	}
	t := &transfer{c: c, ctx: ctx, write: write, d: d, size: int64(size), stop: make(chan struct{})}
	c.xfer = t
	t.watching.Add(1)
	go t.watch()
	return t, nil
}

// Reader is a download from Retr or RetrFrom.
type Reader struct{ t *transfer }

// Writer is an upload from StorWriter.
type Writer struct{ t *transfer }

// Retr opens a file for reading in binary mode. Until the reader is closed the
// session is busy with this transfer: its other methods fail at once with an error
// matching ErrBusy; Conn.Close aborts the transfer. Close after io.EOF reads the
// server's final reply; Close before the end aborts the transfer (ABOR) and leaves the
// session usable. ctx governs the transfer until Close: once it is done the transfer
// is aborted. Read may run in one goroutine while another calls the reader's Close or
// Conn.Close: the Read then returns an error.
//
// After Conn.Close (or Quit) has ended the transfer, Read returns an error matching
// ErrState, the reader's first Close too ("the connection was closed"); once closed,
// the reader's Close returns nil.
func (c *Conn) Retr(ctx context.Context, path string) (*Reader, error) {
	return c.RetrFrom(ctx, path, -1)
}

// RetrFrom is Retr from a byte offset (REST offset), to resume a download; a
// negative offset sends no REST.
func (c *Conn) RetrFrom(ctx context.Context, path string, offset int64) (*Reader, error) {
	t, err := c.open(ctx, "Retr", "RETR "+path, offset, false)
	if err != nil {
		return nil, err
	}
	return &Reader{t}, nil
}

// StorWriter opens path for writing (STOR) in binary mode: what is written to the
// writer is the file. Close ends the upload and reads the server's final reply. As
// with Retr the session is busy until then, ctx governs the upload until Close, and
// Conn.Close aborts it.
func (c *Conn) StorWriter(ctx context.Context, path string) (*Writer, error) {
	t, err := c.open(ctx, "StorWriter", "STOR "+path, -1, true)
	if err != nil {
		return nil, err
	}
	return &Writer{t}, nil
}

// Size is the size the server announced in its 150 reply, -1 if none (after a REST
// offset, what it counts depends on the server).
func (r *Reader) Size() int64 { return r.t.size }

// cutError is what Read, Write and Close report for a transfer aborted by how.
func (t *transfer) cutError(op string, how int32) error {
	switch how {
	case cutByConnClose:
		return &Error{Op: op, Code: ErrState, Message: "the connection was closed during the transfer"}
	case cutByContext:
		if err := ctxError(op, t.ctx); err != nil {
			return err
		}
	}
	return &Error{Op: op, Code: ErrState, Message: "the transfer was closed"}
}

func (t *transfer) dataError(op string, rc C.ftp_result) error {
	msg := Code(rc).Error()
	if m := C.ftp_data_last_error(t.d); m != nil && *m != 0 {
		msg = C.GoString(m) // e.g. a TLS download cut short, with the detail
	}
	return &Error{Op: op, Code: Code(rc), Message: msg}
}

// gone is the error of a Read or Write that cannot start; t.mu is held.
func (t *transfer) gone(op string) error {
	if t.closed {
		return t.cutError(op, cutByClose)
	}
	if t.d == nil {
		return t.cutError(op, cutByConnClose)
	}
	return nil
}

// Read reads the file's next bytes.
func (r *Reader) Read(p []byte) (int, error) {
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.gone("Read"); err != nil {
		return 0, err
	}
	if t.eof.Load() {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n C.size_t
	rc := C.ftp_data_read(t.d, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), &n)
	if n == 0 || rc != C.FTP_OK {
		// An abort resets the data connection, which reads as its end: tell them apart.
		if how := t.cut.Load(); how != notCut {
			return 0, t.cutError("Read", how)
		}
		if err := ctxError("Read", t.ctx); err != nil {
			return 0, err
		}
	}
	if rc != C.FTP_OK {
		return 0, t.dataError("Read", rc)
	}
	if n == 0 {
		t.eof.Store(true)
		return 0, io.EOF
	}
	return int(n), nil
}

// Write sends p.
func (w *Writer) Write(p []byte) (int, error) {
	t := w.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.gone("Write"); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if rc := C.ftp_data_write(t.d, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p))); rc != C.FTP_OK {
		if how := t.cut.Load(); how != notCut {
			return 0, t.cutError("Write", how)
		}
		if err := ctxError("Write", t.ctx); err != nil {
			return 0, err
		}
		return 0, t.dataError("Write", rc)
	}
	return len(p), nil
}

// Close ends the download: after io.EOF it reads the server's final reply, before
// it aborts the transfer (ABOR), leaving the session usable.
func (r *Reader) Close() error { return r.t.close("Retr") }

// Close ends the upload (the end of the data, then the server's final reply).
func (w *Writer) Close() error { return w.t.close("StorWriter") }

func (t *transfer) close(op string) error {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.xfer != t {
		// Closed already, or Conn.Close ended the transfer and freed d.
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.closed {
			return nil
		}
		t.closed = true
		return t.cutError(op, cutByConnClose)
	}
	c.xfer = nil
	t.stopWatch()
	var rc C.ftp_result = C.FTP_OK
	var closeErr error
	aborted := false
	if t.write {
		if t.cut.Load() == notCut {
			t.mu.Lock()
			ms := millis(c.close)
			if ms == 0 {
				ms = 30000
			}
			if crc := C.ftp_data_close(t.d, C.uint32_t(ms)); crc != C.FTP_OK {
				closeErr = t.dataError(op, crc)
			}
			t.mu.Unlock()
		}
	} else {
		eof := t.eof.Load() // once set, no Read calls into C again
		aborted = !eof && t.cut.CompareAndSwap(notCut, cutByClose)
		if aborted {
			// Resets the data connection (waking a Read blocked in another goroutine)
			// and reads ABOR's replies.
			rc = C.ftp_abort(c.h)
		}
	}
	t.mu.Lock()
	C.ftp_data_free(t.d)
	t.d = nil
	t.closed = true
	t.mu.Unlock()
	if how := t.cut.Load(); how != notCut && how != cutByClose {
		return t.cutError(op, how)
	}
	if aborted {
		return c.err(context.Background(), op, rc)
	}
	// The final reply: interrupted if the context ends while it is awaited, but not
	// from the start when it ended after the last byte (the reply timeout bounds it).
	rctx := t.ctx
	if rctx.Err() != nil {
		rctx = context.Background()
	}
	err := c.callLocked(rctx, op, "", func() C.ftp_result { return C.ftp_voidresp(c.h) })
	if closeErr != nil {
		return closeErr
	}
	return err
}

// RemoteFile is a file on the server read at offsets (io.ReaderAt): each ReadAt is a
// RetrFrom at its offset, ended (ABOR) once p is full. It uses its Conn for the
// length of each call, under ctx.
type RemoteFile struct {
	c    *Conn
	ctx  context.Context
	path string
}

// RemoteFile returns path as an io.ReaderAt.
func (c *Conn) RemoteFile(ctx context.Context, path string) *RemoteFile {
	return &RemoteFile{c: c, ctx: ctx, path: path}
}

// ReadAt reads len(p) bytes from offset off; fewer only at the end of the file (with
// io.EOF) or on an error.
func (f *RemoteFile) ReadAt(p []byte, off int64) (int, error) {
	r, err := f.c.RetrFrom(f.ctx, f.path, off)
	if err != nil {
		return 0, err
	}
	n, err := io.ReadFull(r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if cerr := r.Close(); err == nil || err == io.EOF {
		if cerr != nil {
			err = cerr
		}
	}
	return n, err
}

// RetrTo downloads a file in binary mode into w and returns the bytes written. An
// *os.File is written through its descriptor (at its position, with splice where the
// kernel can).
func (c *Conn) RetrTo(ctx context.Context, path string, w io.Writer) (int64, error) {
	if f, ok := w.(*os.File); ok {
		return c.retrFD(ctx, "RetrTo", path, f, -1)
	}
	sink := &writeSink{w: w}
	box := newBox(sink)
	defer freeBox(box)
	err := c.withPath(ctx, "RetrTo", path, "RETR ", func(s *C.char) C.ftp_result {
		return C.ftp_retr_binary(c.h, s, (C.ftp_data_cb)(unsafe.Pointer(C.goftpData)), 64*1024, C.FTP_NO_REST, box)
	})
	return sink.n, sink.result(err)
}

// RetrToFile downloads a file into f at f's position, from a byte offset of the
// remote file (REST; position f to match), or from its start with a negative offset.
func (c *Conn) RetrToFile(ctx context.Context, path string, f *os.File, offset int64) (int64, error) {
	return c.retrFD(ctx, "RetrToFile", path, f, offset)
}

func (c *Conn) retrFD(ctx context.Context, op, path string, f *os.File, offset int64) (int64, error) {
	if offset < 0 {
		offset = C.FTP_NO_REST
	}
	var n C.uint64_t
	fd := C.int(f.Fd())
	err := c.withPath(ctx, op, path, "", func(s *C.char) C.ftp_result {
		return C.ftp_retr_fd(c.h, s, fd, C.int64_t(offset), &n)
	})
	runtime.KeepAlive(f)
	return int64(n), err
}

// withPath runs f with the C string prefix+path, naming path to the progress function.
func (c *Conn) withPath(ctx context.Context, op, path, prefix string, f func(*C.char) C.ftp_result) error {
	if err := hasNUL(op, path); err != nil {
		return err
	}
	s := cstr(prefix + path)
	defer C.free(unsafe.Pointer(s))
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(ctx, op); err != nil {
		return err
	}
	return c.callLocked(ctx, op, path, func() C.ftp_result { return f(s) })
}

// Stor uploads what r supplies, in binary mode, to path (STOR) and returns the bytes
// sent. An *os.File is read through its descriptor, from its position to its end
// (with sendfile where it pays).
func (c *Conn) Stor(ctx context.Context, path string, r io.Reader) (int64, error) {
	return c.stor(ctx, "Stor", "STOR ", path, r, -1)
}

// StorFrom uploads what r supplies to path from a byte offset of the remote file
// (REST offset + STOR), to resume an upload: r supplies the bytes from that offset.
func (c *Conn) StorFrom(ctx context.Context, path string, r io.Reader, offset int64) (int64, error) {
	if offset < 0 {
		return 0, &Error{Op: "StorFrom", Code: ErrInvalid, Message: "negative offset"}
	}
	return c.stor(ctx, "StorFrom", "STOR ", path, r, offset)
}

// Append adds what r supplies to the end of path (APPE), creating it where missing.
func (c *Conn) Append(ctx context.Context, path string, r io.Reader) (int64, error) {
	return c.stor(ctx, "Append", "APPE ", path, r, -1)
}

func (c *Conn) stor(ctx context.Context, op, verb, path string, r io.Reader, rest int64) (int64, error) {
	if rest < 0 {
		rest = C.FTP_NO_REST
	}
	if f, ok := r.(*os.File); ok && verb == "STOR " {
		var n C.uint64_t
		fd := C.int(f.Fd())
		err := c.withPath(ctx, op, path, "", func(s *C.char) C.ftp_result {
			return C.ftp_stor_fd(c.h, fd, s, C.int64_t(rest), &n)
		})
		runtime.KeepAlive(f)
		return int64(n), err
	}
	src := &readSource{r: r}
	box := newBox(src)
	defer freeBox(box)
	err := c.withPath(ctx, op, path, verb, func(s *C.char) C.ftp_result {
		return C.ftp_stor_binary(c.h, s, (C.ftp_read_cb)(unsafe.Pointer(C.goftpRead)), 64*1024, nil, C.int64_t(rest), box)
	})
	return src.n, src.result(err)
}

// RetrLines runs a command whose reply is text over a data connection ("RETR
// notes.txt", "LIST -a", "NLST") in ASCII mode, handing each line, without its line
// ending, to fn; an error from fn stops the transfer and is returned.
func (c *Conn) RetrLines(ctx context.Context, cmd string, fn func(line string) error) error {
	sink := &lineSink{fn: fn}
	box := newBox(sink)
	defer freeBox(box)
	err := c.strings1(ctx, "RetrLines", cmd, func(s *C.char) C.ftp_result {
		return C.ftp_retr_lines(c.h, s, (C.ftp_line_cb)(unsafe.Pointer(C.goftpLine)), box)
	})
	return sink.result(err)
}

// StorLines uploads the text r supplies to path in ASCII mode, each line sent ending
// in CRLF.
func (c *Conn) StorLines(ctx context.Context, path string, r io.Reader) error {
	src := &readSource{r: r}
	box := newBox(src)
	defer freeBox(box)
	err := c.withPath(ctx, "StorLines", path, "STOR ", func(s *C.char) C.ftp_result {
		return C.ftp_stor_lines(c.h, s, (C.ftp_read_cb)(unsafe.Pointer(C.goftpRead)), nil, box)
	})
	return src.result(err)
}

// RetrFile downloads remote into the local file localPath (created if missing) with
// the flags, and returns the bytes transferred (not those a resume kept).
func (c *Conn) RetrFile(ctx context.Context, remote, localPath string, flags FileFlag) (int64, error) {
	var n C.uint64_t
	err := c.withTwo(ctx, "RetrFile", remote, remote, localPath, func(r, l *C.char) C.ftp_result {
		return C.ftp_retr_file(c.h, r, l, C.uint32_t(flags), &n)
	})
	return int64(n), err
}

// StorFile uploads the local file localPath to remote with the flags, and returns the
// bytes transferred.
func (c *Conn) StorFile(ctx context.Context, localPath, remote string, flags FileFlag) (int64, error) {
	var n C.uint64_t
	err := c.withTwo(ctx, "StorFile", remote, localPath, remote, func(l, r *C.char) C.ftp_result {
		return C.ftp_stor_file(c.h, l, r, C.uint32_t(flags), &n)
	})
	return int64(n), err
}

// RetrFileSegmented downloads remote into localPath over up to segments connections at
// once (this one, and new ones made like it), each fetching a part of the file; small
// files, servers without SIZE or REST STREAM and segments 1 get one plain download.
// The flags are FileResume, FilePreserveMTime, FileAtomic (always in effect) and
// FileVerifySize. ctx's cancellation stops every segment.
func (c *Conn) RetrFileSegmented(ctx context.Context, remote, localPath string, segments int, flags FileFlag) (int64, error) {
	if segments < 1 || segments > MaxSegments {
		return 0, &Error{Op: "RetrFileSegmented", Code: ErrInvalid, Message: "segments must be 1 to 64"}
	}
	var n C.uint64_t
	err := c.withTwo(ctx, "RetrFileSegmented", remote, remote, localPath, func(r, l *C.char) C.ftp_result {
		return C.ftp_retr_file_segmented(c.h, r, l, C.uint32_t(segments), C.uint32_t(flags), &n)
	})
	return int64(n), err
}

// withTwo runs f with C copies of a and b, naming path to the progress function.
func (c *Conn) withTwo(ctx context.Context, op, path, a, b string, f func(a, b *C.char) C.ftp_result) error {
	if err := hasNUL(op, a, b); err != nil {
		return err
	}
	ca, cb := cstr(a), cstr(b)
	defer C.free(unsafe.Pointer(ca))
	defer C.free(unsafe.Pointer(cb))
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(ctx, op); err != nil {
		return err
	}
	return c.callLocked(ctx, op, path, func() C.ftp_result { return f(ca, cb) })
}
