package ftp

/*
#include <ftp.h>
#include <stdlib.h>

extern int goftpMLSD(void *, ftp_mlsd_entry *);
*/
import "C"

import (
	"strconv"
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

// Entry is one entry of a List: from an MLSD entry when the server supports MLSD,
// otherwise from a LIST line (Unix "ls -l" or DOS/IIS format). LIST times are the
// server's local time read as UTC, to the minute at best.
type Entry struct {
	Name    string
	Type    EntryType
	Size    int64     // -1 when the listing gave none
	ModTime time.Time // in UTC; zero when the listing gave none
	Target  string    // a link's target (LIST "name -> target", MLSD "OS.unix=slink:target")
	Raw     string    // as received: the MLSD facts ("type=file;size=5;") or the LIST line
}

// MLSDEntry is one MLSD entry: its name and its facts, names in lower case
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

// List lists a directory ("" for the working one) as entries: with MLSD when the
// server lists MLST in its FEAT reply, otherwise (or when the server refuses MLSD with
// 500/502) with LIST, whose lines are parsed as Unix "ls -l" or DOS/IIS lines. MLSD
// gives every entry's facts as the server sent them; see MLSD.
func (c *Conn) List(path string) ([]Entry, error) {
	var list *C.ftp_entry_list
	err := c.withStrings("List", []string{path}, func(s []*C.char) C.ftp_result { return C.ftp_list_get(c.h, s[0], &list) })
	if err != nil {
		return nil, err
	}
	defer C.ftp_entry_list_free(list)
	n := int(C.ftp_entry_list_len(list))
	out := make([]Entry, 0, n)
	for i := 0; i < n; i++ {
		e := C.ftp_entry_list_get(list, C.size_t(i))
		var l C.size_t
		entry := Entry{Size: -1}
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
		if t := C.ftp_entry_link_target(e, &l); t != nil {
			entry.Target = C.GoStringN(t, C.int(l))
		}
		if r := C.ftp_entry_raw(e, &l); r != nil {
			entry.Raw = C.GoStringN(r, C.int(l))
		}
		out = append(out, entry)
	}
	return out, nil
}

// MLSD lists a directory with MLSD ("" for the working one).
func (c *Conn) MLSD(path string) ([]MLSDEntry, error) {
	sink := &mlsdSink{}
	box := newBox(sink)
	defer freeBox(box)
	err := c.withStrings("MLSD", []string{path}, func(s []*C.char) C.ftp_result {
		return C.ftp_mlsd(c.h, s[0], nil, (C.ftp_mlsd_cb)(unsafe.Pointer(C.goftpMLSD)), box)
	})
	return sink.entries, err
}
