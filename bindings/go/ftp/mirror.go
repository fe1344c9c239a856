package ftp

/*
#include <ftp.h>
#include <stdlib.h>

extern int goftpMirror(void *, ftp_mirror_action, char *, size_t, int64_t);
*/
import "C"

import (
	"context"
	"strconv"
	"strings"
	"unsafe"
)

// MirrorAction is one step of a mirror.
type MirrorAction int

// The steps (ftp_mirror_action in ftp.h).
const (
	MirrorGet         MirrorAction = C.FTP_MIRROR_GET          // a file was downloaded
	MirrorPut         MirrorAction = C.FTP_MIRROR_PUT          // a file was uploaded
	MirrorMkdir       MirrorAction = C.FTP_MIRROR_MKDIR        // a directory is made
	MirrorRemove      MirrorAction = C.FTP_MIRROR_REMOVE       // an entry is removed (MirrorOptions.Delete)
	MirrorUnchanged   MirrorAction = C.FTP_MIRROR_UNCHANGED    // a file is the same on both sides
	MirrorSkipped     MirrorAction = C.FTP_MIRROR_SKIPPED      // left out by MirrorOptions.Skip
	MirrorSkippedLink MirrorAction = C.FTP_MIRROR_SKIPPED_LINK // a symbolic link, left out
	MirrorRefused     MirrorAction = C.FTP_MIRROR_REFUSED      // a name that cannot be mirrored safely
	MirrorFailed      MirrorAction = C.FTP_MIRROR_FAILED       // an entry failed; the mirror goes on
)

// String names the action ("get", "put", "mkdir", ...).
func (a MirrorAction) String() string {
	names := [...]string{"get", "put", "mkdir", "remove", "unchanged", "skipped", "skipped-link", "refused", "failed"}
	if a >= 0 && int(a) < len(names) {
		return names[a]
	}
	return "MirrorAction(" + strconv.Itoa(int(a)) + ")"
}

// MirrorStep is what MirrorOptions.OnStep hears of.
type MirrorStep struct {
	Action MirrorAction
	Path   string // relative to the mirrored directory, '/'-separated
	Size   int64  // the file's size, -1 if none
}

// MirrorOptions tune Mirror and MirrorUpload; the zero value copies what is new or
// changed and deletes nothing.
type MirrorOptions struct {
	Delete         bool     // remove from the copy what the source no longer has
	DryRun         bool     // report the steps (OnStep), change nothing
	FollowSymlinks bool     // transfer what links point to, as files
	Skip           []string // shell patterns of names and relative paths to leave out
	// Parallel is how many sessions work at once (this one and new ones made like it),
	// 1 to 64; 0 means 1.
	Parallel int
	// OnStep hears of each step, on the calling goroutine (also with Parallel); an
	// error stops the mirror and is returned.
	OnStep func(MirrorStep) error
}

// MirrorFailure is one entry a mirror could not copy.
type MirrorFailure struct {
	Path string // relative to the mirrored directory
	Err  *Error // its code, the server's reply code when a reply was the failure, the message
}

// MirrorResult is what a mirror did.
type MirrorResult struct {
	Files    uint64 // files transferred
	Bytes    uint64 // bytes transferred
	Failures []MirrorFailure
}

type mirrorSink struct {
	failure
	fn func(MirrorStep) error
}

//export goftpMirror
func goftpMirror(ud unsafe.Pointer, action C.ftp_mirror_action, p *C.char, n C.size_t, size C.int64_t) C.int {
	s := unbox(ud).(*mirrorSink)
	step := MirrorStep{Action: MirrorAction(action), Path: C.GoStringN(p, C.int(n)), Size: int64(size)}
	if !s.guard("OnStep", func() error { return s.fn(step) }) {
		return 1
	}
	return 0
}

// Mirror copies the server directory remote into the local directory local (created
// if missing): new and changed files (size or time) are downloaded, directories made,
// and with Delete what the server no longer lists is removed. A failing entry does not
// stop the mirror: it is reported (OnStep, MirrorResult.Failures) and the error
// returned at the end is the first failure's, the message counting them.
func (c *Conn) Mirror(ctx context.Context, remote, local string, opts MirrorOptions) (MirrorResult, error) {
	return c.mirror(ctx, "Mirror", remote, local, remote, opts, false)
}

// MirrorUpload is the reverse mirror: it copies the local tree local into the server
// directory remote (created with its parents if missing).
func (c *Conn) MirrorUpload(ctx context.Context, local, remote string, opts MirrorOptions) (MirrorResult, error) {
	return c.mirror(ctx, "MirrorUpload", local, remote, remote, opts, true)
}

func (c *Conn) mirror(ctx context.Context, op, from, to, remote string, opts MirrorOptions, upload bool) (MirrorResult, error) {
	var res MirrorResult
	if err := hasNUL(op, from, to); err != nil {
		return res, err
	}
	if err := hasNUL(op, opts.Skip...); err != nil {
		return res, err
	}
	if opts.Parallel < 0 || opts.Parallel > 64 {
		return res, &Error{Op: op, Code: ErrInvalid, Message: "Parallel must be 0 to 64"}
	}
	var flags C.uint32_t
	if opts.Delete {
		flags |= C.FTP_MIRROR_DELETE
	}
	if opts.DryRun {
		flags |= C.FTP_MIRROR_DRY_RUN
	}
	if opts.FollowSymlinks {
		flags |= C.FTP_MIRROR_FOLLOW_SYMLINKS
	}
	cfrom, cto := cstr(from), cstr(to)
	defer C.free(unsafe.Pointer(cfrom))
	defer C.free(unsafe.Pointer(cto))
	var skip **C.char
	if len(opts.Skip) > 0 {
		ptrSize := C.size_t(unsafe.Sizeof((*C.char)(nil)))
		arr := unsafe.Slice((**C.char)(C.malloc(C.size_t(len(opts.Skip)+1)*ptrSize)), len(opts.Skip)+1)
		for i, s := range opts.Skip {
			arr[i] = cstr(s)
		}
		arr[len(opts.Skip)] = nil
		defer func() {
			for _, s := range arr {
				C.free(unsafe.Pointer(s))
			}
			C.free(unsafe.Pointer(&arr[0]))
		}()
		skip = &arr[0]
	}
	var cb C.ftp_mirror_cb
	var box unsafe.Pointer
	sink := &mirrorSink{fn: opts.OnStep}
	if opts.OnStep != nil {
		box = newBox(sink)
		defer freeBox(box)
		cb = (C.ftp_mirror_cb)(unsafe.Pointer(C.goftpMirror))
	}
	var files, bytes C.uint64_t
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(ctx, op); err != nil {
		return res, err
	}
	if err := c.err(ctx, op, C.ftp_set_mirror_parallel(c.h, C.uint32_t(opts.Parallel))); err != nil {
		return res, err
	}
	err := c.callLocked(ctx, op, remote, func() C.ftp_result {
		if upload {
			return C.ftp_mirror_upload(c.h, cfrom, cto, flags, skip, cb, box, &files, &bytes)
		}
		return C.ftp_mirror(c.h, cfrom, cto, flags, skip, cb, box, &files, &bytes)
	})
	res.Files, res.Bytes = uint64(files), uint64(bytes)
	n := int(C.ftp_mirror_failure_count(c.h))
	for i := 0; i < n; i++ {
		var p *C.char
		var l C.size_t
		var code C.ftp_result
		var reply C.int
		msg := C.ftp_mirror_failure(c.h, C.size_t(i), &p, &l, &code, &reply)
		if msg == nil {
			break
		}
		path := C.GoStringN(p, C.int(l))
		res.Failures = append(res.Failures, MirrorFailure{Path: path, Err: &Error{Op: op, Code: Code(code), ReplyCode: int(reply), Message: path + ": " + C.GoString(msg)}})
	}
	if e, ok := err.(*Error); ok {
		// libftp's message points C programmers to ftp_mirror_failure().
		e.Message = strings.ReplaceAll(e.Message, "ftp_mirror_failure()", "MirrorResult.Failures")
	}
	return res, sink.result(err)
}
