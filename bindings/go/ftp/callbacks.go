package ftp

// The C callbacks libftp calls: each finds its Go value through a cgo.Handle stored in
// C memory (userdata), so no Go pointer is ever kept by C.

/*
#include <ftp.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"io"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// newBox stores a handle to v in C memory and returns it as a callback's userdata.
func newBox(v any) unsafe.Pointer {
	p := C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0))))
	*(*C.uintptr_t)(p) = C.uintptr_t(cgo.NewHandle(v))
	return p
}

func unbox(p unsafe.Pointer) any { return cgo.Handle(*(*C.uintptr_t)(p)).Value() }

func freeBox(p unsafe.Pointer) {
	cgo.Handle(*(*C.uintptr_t)(p)).Delete()
	C.free(p)
}

// keeper owns the boxes of callbacks a session keeps (progress, log, TLS verify):
// they must live as long as the session and every pool made from it, so the session
// and each pool hold a reference and the last release frees them.
type keeper struct {
	refs  atomic.Int32
	mu    sync.Mutex
	boxes []unsafe.Pointer
}

func newKeeper() *keeper {
	k := &keeper{}
	k.refs.Store(1)
	return k
}

func (k *keeper) box(v any) unsafe.Pointer {
	p := newBox(v)
	k.mu.Lock()
	k.boxes = append(k.boxes, p)
	k.mu.Unlock()
	return p
}

func (k *keeper) acquire() *keeper {
	k.refs.Add(1)
	return k
}

func (k *keeper) release() {
	if k.refs.Add(-1) != 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.boxes {
		freeBox(p)
	}
	k.boxes = nil
}

// failure keeps the first error (or panic) of a Go callback, to report instead of
// libftp's "cancelled".
type failure struct{ err error }

func (f *failure) result(err error) error {
	if f.err != nil {
		return f.err
	}
	return err
}

// guard runs a Go callback, turning a panic into an error (a panic must not unwind
// through C).
func (f *failure) guard(what string, fn func() error) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			f.err = fmt.Errorf("ftp: %s panicked: %v", what, r)
			ok = false
		}
	}()
	if err := fn(); err != nil {
		if f.err == nil {
			f.err = err
		}
		return false
	}
	return true
}

// writeSink receives downloaded bytes.
type writeSink struct {
	failure
	w io.Writer
	n int64
}

//export goftpData
func goftpData(ud unsafe.Pointer, buf *C.uint8_t, n C.size_t) C.int {
	s := unbox(ud).(*writeSink)
	ok := s.guard("the io.Writer", func() error {
		m, err := s.w.Write(unsafe.Slice((*byte)(buf), int(n)))
		s.n += int64(m)
		if err == nil && m < int(n) {
			err = io.ErrShortWrite
		}
		return err
	})
	if !ok {
		return 1
	}
	return 0
}

// readSource supplies bytes to upload.
type readSource struct {
	failure
	r io.Reader
	n int64
}

//export goftpRead
func goftpRead(ud unsafe.Pointer, buf *C.uint8_t, capacity C.size_t, n *C.size_t) C.int {
	s := unbox(ud).(*readSource)
	dst := unsafe.Slice((*byte)(buf), int(capacity))
	var got int
	ok := s.guard("the io.Reader", func() error {
		for {
			m, err := s.r.Read(dst)
			if m > 0 || err == io.EOF {
				got = m // 0 at EOF ends the upload
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
	if !ok {
		return 1
	}
	s.n += int64(got)
	*n = C.size_t(got)
	return 0
}

// lineSink collects lines, or hands each to fn.
type lineSink struct {
	failure
	lines []string
	fn    func(string) error
}

//export goftpLine
func goftpLine(ud unsafe.Pointer, line *C.char, n C.size_t) C.int {
	s := unbox(ud).(*lineSink)
	l := C.GoStringN(line, C.int(n))
	if s.fn == nil {
		s.lines = append(s.lines, l)
		return 0
	}
	if !s.guard("the line function", func() error { return s.fn(l) }) {
		return 1
	}
	return 0
}

//export goftpProgress
func goftpProgress(ud unsafe.Pointer, offset, done C.uint64_t, total C.int64_t, rate C.double) C.int {
	p := unbox(ud).(*progress)
	what, _ := p.what.Load().([2]string)
	goOn := true
	func() {
		defer func() {
			if recover() != nil {
				goOn = false
			}
		}()
		goOn = p.fn(Progress{Op: what[0], Path: what[1], Done: uint64(done), Total: int64(total), Rate: float64(rate), Offset: uint64(offset)})
	}()
	if goOn {
		return 0
	}
	return 1
}

// logSink is WithDebug's writer.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

//export goftpLog
func goftpLog(ud unsafe.Pointer, kind C.ftp_log_kind, line *C.char) {
	s := unbox(ud).(*logSink)
	prefix := "< "
	if kind == C.FTP_LOG_CMD || kind == C.FTP_LOG_PUT {
		prefix = "> "
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { _ = recover() }()
	_, _ = io.WriteString(s.w, prefix+C.GoString(line)+"\n")
}
