package ftp

// The C callbacks libftp calls: each finds its Go value through a cgo.Handle stored in
// C memory (userdata), so no Go pointer is ever kept by C.

/*
#include <ftp.h>
#include <stdlib.h>
*/
import "C"

import (
	"io"
	"runtime/cgo"
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

// writeSink receives downloaded bytes; err keeps the writer's failure.
type writeSink struct {
	w   io.Writer
	err error
}

//export goftpData
func goftpData(ud unsafe.Pointer, buf *C.uint8_t, n C.size_t) C.int {
	s := unbox(ud).(*writeSink)
	if _, err := s.w.Write(unsafe.Slice((*byte)(buf), int(n))); err != nil {
		s.err = err
		return 1
	}
	return 0
}

// readSource supplies bytes to upload; err keeps the reader's failure (not io.EOF).
type readSource struct {
	r   io.Reader
	err error
}

//export goftpRead
func goftpRead(ud unsafe.Pointer, buf *C.uint8_t, capacity C.size_t, n *C.size_t) C.int {
	s := unbox(ud).(*readSource)
	dst := unsafe.Slice((*byte)(buf), int(capacity))
	for {
		got, err := s.r.Read(dst)
		if got > 0 || err == io.EOF {
			*n = C.size_t(got) // 0 at EOF ends the upload
			return 0
		}
		if err != nil {
			s.err = err
			return 1
		}
	}
}

// mlsdSink collects MLSD entries.
type mlsdSink struct{ entries []MLSDEntry }

//export goftpMLSD
func goftpMLSD(ud unsafe.Pointer, e *C.ftp_mlsd_entry) C.int {
	s := unbox(ud).(*mlsdSink)
	var n C.size_t
	name := C.ftp_mlsd_entry_name(e, &n)
	entry := MLSDEntry{Name: C.GoStringN(name, C.int(n)), Facts: map[string]string{}}
	for i := C.size_t(0); i < C.ftp_mlsd_entry_fact_count(e); i++ {
		var k, v *C.char
		if C.ftp_mlsd_entry_fact_at(e, i, &k, &v) == C.FTP_OK {
			entry.Facts[C.GoString(k)] = C.GoString(v)
		}
	}
	s.entries = append(s.entries, entry)
	return 0
}

// progressFunc is the Go side of WithProgress.
type progressFunc func(done uint64, total int64) bool

//export goftpProgress
func goftpProgress(ud unsafe.Pointer, done C.uint64_t, total C.int64_t, rate C.double) C.int {
	if unbox(ud).(progressFunc)(uint64(done), int64(total)) {
		return 0
	}
	return 1
}
