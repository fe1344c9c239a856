package ftp

/*
#include <ftp.h>
#include <stdlib.h>

extern int goftpMLSD(void *, ftp_mlsd_entry *);
extern int goftpEntry(void *, ftp_entry *);
extern int goftpLine(void *, char *, size_t);
extern int goftpWalk(void *, char *, size_t, uint32_t, ftp_entry *, uint32_t);
*/
import "C"

import (
	"context"
	"errors"

	"io/fs"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// EntryType is what a listing entry is.
type EntryType int

// The kinds of entries (ftp_entry_type in ftp.h).
const (
	TypeUnknown EntryType = C.FTP_ENTRY_UNKNOWN // a LIST line in no known format: Name is the whole line
	TypeFile    EntryType = C.FTP_ENTRY_FILE
	TypeDir     EntryType = C.FTP_ENTRY_DIR
	TypeCDir    EntryType = C.FTP_ENTRY_CDIR // the listed directory itself (MLSD "cdir", LIST ".")
	TypePDir    EntryType = C.FTP_ENTRY_PDIR // its parent (MLSD "pdir", LIST "..")
	TypeLink    EntryType = C.FTP_ENTRY_LINK
	TypeSpecial EntryType = C.FTP_ENTRY_SPECIAL // device, socket, pipe
	TypeOther   EntryType = C.FTP_ENTRY_OTHER   // another type the server named (an MLSD "OS.x=y" type)
)

// String names the type: "file", "dir", "cdir", "pdir", "link", "special", "other" or
// "unknown".
func (t EntryType) String() string {
	switch t {
	case TypeFile:
		return "file"
	case TypeDir:
		return "dir"
	case TypeCDir:
		return "cdir"
	case TypePDir:
		return "pdir"
	case TypeLink:
		return "link"
	case TypeSpecial:
		return "special"
	case TypeOther:
		return "other"
	case TypeUnknown:
		return "unknown"
	}
	return "EntryType(" + strconv.Itoa(int(t)) + ")"
}

// Entry is one entry of a listing: from an MLSD entry when the server supports MLSD,
// otherwise from a LIST line (Unix "ls -l" or DOS/IIS format). LIST times are the
// server's local time read as UTC, to the minute at best.
type Entry struct {
	Name    string
	Type    EntryType
	Size    int64       // -1 when the listing gave none
	ModTime time.Time   // in UTC; zero when the listing gave none
	Mode    fs.FileMode // permission bits (and the type bits of Type); 0 when the listing gave none
	HasMode bool        // whether the listing gave the permission bits
	Perm    string      // the MLSD "perm" fact ("adfrw"), "" if none
	Unique  string      // the MLSD "unique" fact, "" if none
	Owner   string      // owner name or number, "" if none
	Group   string      // group name or number, "" if none
	Target  string      // a link's target (LIST "name -> target", MLSD "OS.unix=slink:target")
	Raw     string      // as received: the MLSD facts ("type=file;size=5;") or the LIST line
}

// IsDir reports whether the entry is a directory (TypeDir, TypeCDir or TypePDir).
func (e *Entry) IsDir() bool { return e.Type == TypeDir || e.Type == TypeCDir || e.Type == TypePDir }

func (t EntryType) modeBits() fs.FileMode {
	switch t {
	case TypeDir, TypeCDir, TypePDir:
		return fs.ModeDir
	case TypeLink:
		return fs.ModeSymlink
	case TypeSpecial:
		return fs.ModeIrregular
	}
	return 0
}

func entryFrom(e *C.ftp_entry) *Entry {
	var l C.size_t
	entry := &Entry{Size: -1}
	entry.Name = C.GoStringN(C.ftp_entry_name(e, &l), C.int(l))
	entry.Type = EntryType(C.ftp_entry_kind(e))
	var size C.uint64_t
	if C.ftp_entry_size(e, &size) {
		entry.Size = int64(size)
	}
	var secs C.int64_t
	var nanos C.uint32_t
	if C.ftp_entry_mtime(e, &secs, &nanos) {
		entry.ModTime = time.Unix(int64(secs), int64(nanos)).UTC()
	}
	if m := C.ftp_entry_mode(e); m >= 0 {
		entry.HasMode = true
		entry.Mode = fs.FileMode(m)&fs.ModePerm | entry.Type.modeBits()
		if m&04000 != 0 {
			entry.Mode |= fs.ModeSetuid
		}
		if m&02000 != 0 {
			entry.Mode |= fs.ModeSetgid
		}
		if m&01000 != 0 {
			entry.Mode |= fs.ModeSticky
		}
	}
	entry.Perm = goStringOrEmpty(C.ftp_entry_perm(e))
	entry.Unique = goStringOrEmpty(C.ftp_entry_unique(e))
	entry.Owner = goStringOrEmpty(C.ftp_entry_owner(e))
	entry.Group = goStringOrEmpty(C.ftp_entry_group(e))
	if t := C.ftp_entry_link_target(e, &l); t != nil {
		entry.Target = C.GoStringN(t, C.int(l))
	}
	if r := C.ftp_entry_raw(e, &l); r != nil {
		entry.Raw = C.GoStringN(r, C.int(l))
	}
	return entry
}

func entriesOf(list *C.ftp_entry_list) []*Entry {
	n := int(C.ftp_entry_list_len(list))
	out := make([]*Entry, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, entryFrom(C.ftp_entry_list_get(list, C.size_t(i))))
	}
	return out
}

// optPath is NULL for "", else a C copy.
func optPath(op, p string) (*C.char, error) {
	if p == "" {
		return nil, nil
	}
	if err := hasNUL(op, p); err != nil {
		return nil, err
	}
	return cstr(p), nil
}

// List lists a directory ("" for the working one) as entries: with MLSD when the
// server lists MLST in its FEAT reply, otherwise (or when the server refuses MLSD with
// 500/502) with LIST, whose lines are parsed as Unix "ls -l" or DOS/IIS lines. The
// listed directory itself and its parent (TypeCDir, TypePDir) are included when the
// server lists them.
func (c *Conn) List(ctx context.Context, dir string) ([]*Entry, error) {
	p, err := optPath("List", dir)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(p))
	var list *C.ftp_entry_list
	if err := c.run(ctx, "List", func() C.ftp_result { return C.ftp_list_all(c.h, p, &list) }); err != nil {
		return nil, err
	}
	defer C.ftp_entry_list_free(list)
	return entriesOf(list), nil
}

type entrySink struct {
	failure
	fn func(*Entry) error
}

//export goftpEntry
func goftpEntry(ud unsafe.Pointer, e *C.ftp_entry) C.int {
	s := unbox(ud).(*entrySink)
	if !s.guard("the entry function", func() error { return s.fn(entryFrom(e)) }) {
		return 1
	}
	return 0
}

// ListFunc lists a directory as List does, handing each entry to fn as it arrives
// (for listings too big to hold); an error from fn stops the listing and is returned.
func (c *Conn) ListFunc(ctx context.Context, dir string, fn func(*Entry) error) error {
	p, err := optPath("ListFunc", dir)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(p))
	sink := &entrySink{fn: fn}
	box := newBox(sink)
	defer freeBox(box)
	err = c.run(ctx, "ListFunc", func() C.ftp_result {
		return C.ftp_list(c.h, p, (C.ftp_entry_cb)(unsafe.Pointer(C.goftpEntry)), box)
	})
	return sink.result(err)
}

// ParseListLine parses one LIST line (Unix "ls -l" or DOS/IIS format) as List would;
// ok is false for a "total N" line, which names no entry.
func ParseListLine(line string) (e *Entry, ok bool, err error) {
	if err := hasNUL("ParseListLine", line); err != nil {
		return nil, false, err
	}
	s := cstr(line)
	defer C.free(unsafe.Pointer(s))
	var list *C.ftp_entry_list
	if rc := C.ftp_parse_list_line(s, &list); rc != C.FTP_OK {
		return nil, false, &Error{Op: "ParseListLine", Code: Code(rc)}
	}
	defer C.ftp_entry_list_free(list)
	entries := entriesOf(list)
	if len(entries) == 0 {
		return nil, false, nil
	}
	return entries[0], true, nil
}

// SkipAll, returned by a WalkFunc, ends Walk without an error (Go 1.19's io/fs has
// no SkipAll yet).
var SkipAll = errors.New("skip everything and stop the walk")

// WalkFunc is called by Walk for each entry: p is its path (root joined with the
// names below it), e its entry (nil, with err set, when listing the directory p
// failed). Returning fs.SkipDir for a directory skips it; SkipAll ends the walk;
// another error ends the walk with that error.
type WalkFunc func(p string, e *Entry, err error) error

// Walk walks the tree below root ("" for the working directory) with ftp_walk: each
// directory is listed as List lists it, in the order the server lists the entries
// (TypeCDir and TypePDir entries left out), a directory before its contents. Links are
// not followed; a directory whose MLSD "unique" fact is that of one above it is handed
// to fn but not entered; a name that cannot be one path component ("..", a '/') is left
// out. fn is called once ftp_walk has listed the tree (its entries are held in memory
// meanwhile), outside the session's lock, so it may use c. A directory whose listing
// fails is handed to fn with the error (and e nil); when fn returns nil the walk goes
// on after it (listing that directory's parent again to find what follows).
func (c *Conn) Walk(ctx context.Context, root string, fn WalkFunc) error {
	err := c.walkTree(ctx, root, fn, nil)
	if err == fs.SkipDir || err == SkipAll {
		return nil
	}
	return err
}

// walkItem is one entry ftp_walk reported.
type walkItem struct {
	path  string
	e     *Entry
	flags C.uint32_t
}

type walkSink struct{ items []walkItem }

//export goftpWalk
func goftpWalk(ud unsafe.Pointer, p *C.char, n C.size_t, depth C.uint32_t, e *C.ftp_entry, flags C.uint32_t) C.int {
	s := unbox(ud).(*walkSink)
	s.items = append(s.items, walkItem{path: C.GoStringN(p, C.int(n)), e: entryFrom(e), flags: flags})
	return 0
}

// walked runs ftp_walk under dir down to maxDepth levels (0: no limit), returning
// what it reported, also when it failed part way.
func (c *Conn) walked(ctx context.Context, dir string, maxDepth uint32) ([]walkItem, error) {
	p, err := optPath("Walk", dir)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(p))
	sink := &walkSink{}
	box := newBox(sink)
	defer freeBox(box)
	err = c.run(ctx, "Walk", func() C.ftp_result {
		return C.ftp_walk(c.h, p, C.uint32_t(maxDepth), (C.ftp_walk_cb)(unsafe.Pointer(C.goftpWalk)), box)
	})
	return sink.items, err
}

// walkTree walks the tree under dir, handing its entries to fn; skipped holds the
// directories fn skipped (each with a trailing '/').
func (c *Conn) walkTree(ctx context.Context, dir string, fn WalkFunc, skipped []string) error {
	items, werr := c.walked(ctx, dir, 0)
	var last *walkItem
	for i := range items {
		it := &items[i]
		last = it
		if it.flags&C.FTP_WALK_UNSAFE_NAME != 0 || isUnder(skipped, it.path) {
			continue
		}
		err := fn(it.path, it.e, nil)
		if err == fs.SkipDir && it.e.Type == TypeDir {
			skipped = append(skipped, it.path+"/")
			continue
		}
		if err != nil {
			return err
		}
	}
	if werr == nil {
		return nil
	}
	// Only a refused listing (a 4xx or 5xx for that directory) is one directory's
	// failure, handed to fn; a cancelled context, a lost connection or a protocol error
	// ends the walk.
	if !errors.Is(werr, ErrPerm) && !errors.Is(werr, ErrTemp) {
		return werr
	}
	// The listing that failed is the one ftp_walk went into last: dir's own when
	// nothing was reported, else the last entry's (a directory is listed right after
	// it is reported). Any other failure ends the walk.
	failed := dir
	if last != nil {
		if last.e.Type != TypeDir || last.flags != 0 {
			return werr
		}
		failed = last.path
	}
	if !isUnder(skipped, failed+"/") {
		if err := fn(failed, nil, werr); err != nil {
			return err
		}
	}
	return c.walkAfter(ctx, dir, failed, fn, skipped)
}

// walkAfter goes on with root's walk after the subtree at done: the entries that
// follow done in its directory's listing, then those that follow that directory in
// its own parent's, and so on up to root.
func (c *Conn) walkAfter(ctx context.Context, root, done string, fn WalkFunc, skipped []string) error {
	for done != root {
		parent := parentPath(root, done)
		siblings, err := c.walked(ctx, parent, 1)
		if err != nil && !errors.Is(err, ErrPerm) && !errors.Is(err, ErrTemp) {
			return err
		}
		if err != nil {
			// parent was listed a moment ago; hand the failure over as for any listing.
			if ferr := fn(parent, nil, err); ferr != nil {
				return ferr
			}
			done = parent
			continue
		}
		after := false
		for _, it := range siblings {
			if !after {
				after = it.path == done
				continue
			}
			if it.flags&C.FTP_WALK_UNSAFE_NAME != 0 || isUnder(skipped, it.path) {
				continue
			}
			err := fn(it.path, it.e, nil)
			if err == fs.SkipDir && it.e.Type == TypeDir {
				skipped = append(skipped, it.path+"/")
				continue
			}
			if err != nil {
				return err
			}
			if it.e.Type == TypeDir && it.flags == 0 {
				if err := c.walkTree(ctx, it.path, fn, skipped); err != nil {
					return err
				}
			}
		}
		done = parent
	}
	return nil
}

// parentPath is the directory holding p, a path below root as ftp_walk joins them.
func parentPath(root, p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 || i < len(root) {
		return root
	}
	return p[:i]
}

// isUnder says whether p is below one of the skipped directories (each ending in '/').
func isUnder(skipped []string, p string) bool {
	for _, s := range skipped {
		if strings.HasPrefix(p, s) {
			return true
		}
	}
	return false
}

// RemoveTree removes the directory p and everything under it (ftp_remove_tree): files
// and links are deleted (DELE) as the walk meets them, links never followed, each
// directory removed (RMD) once emptied. It stops at the first failure, leaving removed
// what was removed; "", "/", "." and the like are refused (ErrInvalid).
func (c *Conn) RemoveTree(ctx context.Context, p string) error {
	if err := hasNUL("RemoveTree", p); err != nil {
		return err
	}
	cp := cstr(p)
	defer C.free(unsafe.Pointer(cp))
	return c.run(ctx, "RemoveTree", func() C.ftp_result { return C.ftp_remove_tree(c.h, cp) })
}

// NameList lists a directory's names (NLST; "" for the working one).
func (c *Conn) NameList(ctx context.Context, dir string) ([]string, error) {
	return c.lines(ctx, "NameList", dir, func(p *C.char, box unsafe.Pointer) C.ftp_result {
		return C.ftp_nlst(c.h, p, (C.ftp_line_cb)(unsafe.Pointer(C.goftpLine)), box)
	})
}

// Dir returns a LIST listing's lines as the server sent them; args are LIST's
// arguments ("" for none, "-a pub", ...).
func (c *Conn) Dir(ctx context.Context, args string) ([]string, error) {
	return c.lines(ctx, "Dir", args, func(p *C.char, box unsafe.Pointer) C.ftp_result {
		return C.ftp_dir(c.h, p, (C.ftp_line_cb)(unsafe.Pointer(C.goftpLine)), box)
	})
}

func (c *Conn) lines(ctx context.Context, op, arg string, f func(*C.char, unsafe.Pointer) C.ftp_result) ([]string, error) {
	p, err := optPath(op, arg)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(p))
	sink := &lineSink{}
	box := newBox(sink)
	defer freeBox(box)
	err = c.run(ctx, op, func() C.ftp_result { return f(p, box) })
	return sink.lines, sink.result(err)
}

// MLSDEntry is one MLSD (or MLST) entry: its name and its facts, names in lower case
// ("type", "size", "modify", "perm", "unix.mode", ...).
type MLSDEntry struct {
	Name  string
	Facts map[string]string
}

// Type is the entry's "type" fact ("file", "dir", "cdir", "pdir", ...).
func (e MLSDEntry) Type() string { return e.Facts["type"] }

// Size is the entry's "size" fact, or -1.
func (e MLSDEntry) Size() int64 {
	n, err := strconv.ParseInt(e.Facts["size"], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// ModTime is the entry's "modify" fact, or the zero time.
func (e MLSDEntry) ModTime() time.Time {
	m := e.Facts["modify"]
	layout := "20060102150405"
	if len(m) > len(layout) && m[len(layout)] == '.' {
		layout += "." + strings.Repeat("0", len(m)-len(layout)-1)
	}
	t, err := time.Parse(layout, m)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
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
	// The lookup by name agrees with the facts read in order: "type" is there.
	if t := C.ftp_mlsd_entry_fact(e, typeFact); t != nil {
		entry.Facts["type"] = C.GoString(t)
	}
	s.entries = append(s.entries, entry)
	return 0
}

var typeFact = C.CString("type") // never freed: one small string for the process

// MLSD lists a directory with MLSD ("" for the working one). With facts given, they
// are asked for first ("OPTS MLST type;size;"), a choice that stays on the server.
func (c *Conn) MLSD(ctx context.Context, dir string, facts ...string) ([]MLSDEntry, error) {
	p, err := optPath("MLSD", dir)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(p))
	var cfacts **C.char
	if len(facts) > 0 {
		if err := hasNUL("MLSD", facts...); err != nil {
			return nil, err
		}
		arr := (*[1 << 20]*C.char)(C.malloc(C.size_t(len(facts)+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[: len(facts)+1 : len(facts)+1]
		for i, f := range facts {
			arr[i] = cstr(f)
		}
		arr[len(facts)] = nil
		defer func() {
			for _, s := range arr {
				C.free(unsafe.Pointer(s))
			}
			C.free(unsafe.Pointer(&arr[0]))
		}()
		cfacts = &arr[0]
	}
	sink := &mlsdSink{}
	box := newBox(sink)
	defer freeBox(box)
	err = c.run(ctx, "MLSD", func() C.ftp_result {
		return C.ftp_mlsd(c.h, p, cfacts, (C.ftp_mlsd_cb)(unsafe.Pointer(C.goftpMLSD)), box)
	})
	return sink.entries, err
}

// MLST returns the facts of one path ("" for the working directory) with ftp_mlst:
// the MLST reply's entry, or where the server has no MLST (vsftpd), the path's entry in
// its parent's listing (MLSD or LIST), named by its last component. Facts hold what the
// server sent (MLST, MLSD) or, from a LIST line, what it gave: "type" ("file", "dir",
// "link", ...), "size", "modify", "perm", "unique", "unix.mode", "unix.owner",
// "unix.group". A path the server does not have is ErrPerm (MLST) or ErrProto (not in
// the parent's listing).
func (c *Conn) MLST(ctx context.Context, p string) (MLSDEntry, error) {
	cp, err := optPath("MLST", p)
	if err != nil {
		return MLSDEntry{}, err
	}
	defer C.free(unsafe.Pointer(cp))
	var list *C.ftp_entry_list
	if err := c.run(ctx, "MLST", func() C.ftp_result { return C.ftp_mlst(c.h, cp, &list) }); err != nil {
		return MLSDEntry{}, err
	}
	defer C.ftp_entry_list_free(list)
	entries := entriesOf(list)
	if len(entries) != 1 {
		return MLSDEntry{}, &Error{Op: "MLST", Code: ErrProto, Message: "ftp_mlst gave " + strconv.Itoa(len(entries)) + " entries"}
	}
	return mlstEntry(entries[0]), nil
}

// mlstEntry gives an entry as facts: its raw facts when it came from MLST or MLSD,
// else the facts its LIST line gave.
func mlstEntry(e *Entry) MLSDEntry {
	m := MLSDEntry{Name: e.Name, Facts: map[string]string{}}
	if facts, _, _ := strings.Cut(e.Raw, " "); strings.Contains(facts, "=") {
		ok := true
		parsed := map[string]string{}
		for _, f := range strings.Split(strings.TrimSuffix(facts, ";"), ";") {
			k, v, found := strings.Cut(f, "=")
			if !found || k == "" {
				ok = false
				break
			}
			parsed[strings.ToLower(k)] = v
		}
		if ok {
			m.Facts = parsed
			return m
		}
	}
	if e.Type != TypeUnknown {
		m.Facts["type"] = e.Type.String()
	}
	if e.Size >= 0 {
		m.Facts["size"] = strconv.FormatInt(e.Size, 10)
	}
	if !e.ModTime.IsZero() {
		m.Facts["modify"] = e.ModTime.UTC().Format("20060102150405")
	}
	if e.HasMode {
		m.Facts["unix.mode"] = "0" + strconv.FormatUint(uint64(e.Mode.Perm()), 8)
	}
	for k, v := range map[string]string{"perm": e.Perm, "unique": e.Unique, "unix.owner": e.Owner, "unix.group": e.Group} {
		if v != "" {
			m.Facts[k] = v
		}
	}
	return m
}
