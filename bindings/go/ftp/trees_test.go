package ftp_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/libftp/libftp/bindings/go/ftp"
)

// Walk (ftp_walk): every entry once, a directory before its contents, fn free to use
// the connection, a directory that cannot be listed handed to fn with its error and the
// walk going on after it, SkipDir and SkipAll; then RemoveTree takes it all away.
func TestWalkWithFailuresAndRemoveTree(t *testing.T) {
	env := servers(t)
	c, dir, disk := userConn(t, env, "trees")
	for _, d := range []string{"/a", "/a/b", "/locked", "/z", "/z/locked", "/z/y", "/a/locked"} {
		if _, err := c.Mkd(bg, dir+d); err != nil {
			t.Fatal(err)
		}
	}
	mustStor(t, c, dir+"/top.txt", "top")
	mustStor(t, c, dir+"/a/b/deep.txt", "deep!")
	mustStor(t, c, dir+"/locked/hidden.txt", "x")
	mustStor(t, c, dir+"/z/y/last.txt", "last")
	// The server cannot list the locked directories (it runs as the test user, not
	// root): one at the top, two in subdirectories, so that in any listing order the
	// walk goes on past a failure into a subtree with a failure of its own.
	locked := []string{"locked", "z/locked", "a/locked"}
	lock := func(mode os.FileMode) {
		for _, l := range locked {
			if err := os.Chmod(filepath.Join(disk, l), mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	lock(0)
	t.Cleanup(func() {
		for _, l := range locked {
			os.Chmod(filepath.Join(disk, l), 0o755) // gone once RemoveTree went through
		}
	})

	var walked, failed []string
	pos := map[string]int{}
	err := c.Walk(bg, dir, func(p string, e *ftp.Entry, err error) error {
		if err != nil {
			if !errors.Is(err, ftp.ErrPerm) {
				t.Errorf("Walk: %s failed with %v, want ErrPerm", p, err)
			}
			failed = append(failed, p)
			return nil
		}
		pos[p] = len(walked)
		walked = append(walked, p)
		// fn may use the connection: the walk holds no lock while it runs.
		if e.Type == ftp.TypeFile {
			if n, err := c.Size(bg, p); err != nil || n != e.Size {
				t.Errorf("Size %s inside Walk: %d, %v (entry says %d)", p, n, err, e.Size)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	got := append([]string(nil), walked...)
	sort.Strings(got)
	want := []string{dir + "/a", dir + "/a/b", dir + "/a/b/deep.txt", dir + "/a/locked", dir + "/locked", dir + "/top.txt",
		dir + "/z", dir + "/z/locked", dir + "/z/y", dir + "/z/y/last.txt"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Walk gave %q, want %q", walked, want)
	}
	sort.Strings(failed)
	if strings.Join(failed, " ") != dir+"/a/locked "+dir+"/locked "+dir+"/z/locked" {
		t.Fatalf("Walk's failed listings: %q, want the three locked directories", failed)
	}
	if !(pos[dir+"/a"] < pos[dir+"/a/b"] && pos[dir+"/a/b"] < pos[dir+"/a/b/deep.txt"] && pos[dir+"/z"] < pos[dir+"/z/y"] && pos[dir+"/z/y"] < pos[dir+"/z/y/last.txt"]) {
		t.Fatalf("Walk: a directory after its contents: %q", walked)
	}

	// A listing failure fn returns is Walk's error; SkipAll ends the walk at once.
	if err := c.Walk(bg, dir, func(p string, e *ftp.Entry, err error) error { return err }); !errors.Is(err, ftp.ErrPerm) {
		t.Fatalf("Walk returning the listing error: %v", err)
	}
	n := 0
	if err := c.Walk(bg, dir, func(string, *ftp.Entry, error) error { n++; return ftp.SkipAll }); err != nil || n != 1 {
		t.Fatalf("Walk with SkipAll: %d calls, %v", n, err)
	}
	// SkipDir on the locked directory at the top and on a (holding the other): no
	// failure is reported.
	failed, walked = nil, nil
	err = c.Walk(bg, dir, func(p string, e *ftp.Entry, err error) error {
		if err != nil {
			failed = append(failed, p)
			return err
		}
		walked = append(walked, p)
		if p == dir+"/locked" || p == dir+"/a" || p == dir+"/z/locked" {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil || len(failed) != 0 || len(walked) != 7 {
		t.Fatalf("Walk with SkipDir: %q, failed %q, %v", walked, failed, err)
	}

	// RemoveTree stops at what it cannot list, leaving what it removed removed.
	if err := c.RemoveTree(bg, dir); !errors.Is(err, ftp.ErrPerm) {
		t.Fatalf("RemoveTree with an unlistable directory: %v", err)
	}
	lock(0o755)
	if err := c.RemoveTree(bg, dir); err != nil {
		t.Fatalf("RemoveTree: %v", err)
	}
	if _, err := os.Stat(disk); !os.IsNotExist(err) {
		t.Fatalf("RemoveTree left %s: %v", disk, err)
	}
	for _, p := range []string{"", "/"} {
		if err := c.RemoveTree(bg, p); !errors.Is(err, ftp.ErrInvalid) {
			t.Fatalf("RemoveTree(%q): %v", p, err)
		}
	}
	if err := c.RemoveTree(bg, "no/such/dir"); !errors.Is(err, ftp.ErrPerm) {
		t.Fatalf("RemoveTree of a missing directory: %v", err)
	}
}

// MLST where the server has none (vsftpd): the entry from the parent's LIST.
func TestMLSTFallbackAndListTimeOffset(t *testing.T) {
	env := servers(t)
	c := dial(t, bg, env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	size, err := c.Size(bg, "hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.MLST(bg, "hello.txt")
	if err != nil || m.Name != "hello.txt" || m.Type() != "file" || m.Size() != size || m.ModTime().IsZero() {
		t.Fatalf("MLST on vsftpd: %+v, %v", m, err)
	}
	if d, err := c.MLST(bg, "dir1"); err != nil || d.Type() != "dir" {
		t.Fatalf("MLST of a directory on vsftpd: %+v, %v", d, err)
	}
	if _, err := c.MLST(bg, "missing.txt"); !errors.Is(err, ftp.ErrProto) {
		t.Fatalf("MLST of a missing file on vsftpd: %v", err)
	}

	// The same LIST read with the server an hour east of UTC: an hour earlier.
	shifted := dial(t, bg, env["VSFTPD_PORT"], ftp.WithListTimeOffset(time.Hour))
	if err := shifted.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	mtime := func(c *ftp.Conn) time.Time {
		entries, err := c.List(bg, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name == "hello.txt" {
				return e.ModTime
			}
		}
		t.Fatal("no hello.txt in the listing")
		return time.Time{}
	}
	if a, b := mtime(c), mtime(shifted); a.Sub(b) != time.Hour {
		t.Fatalf("LIST times %v and, an hour east, %v", a, b)
	}
	if s, err := shifted.MLST(bg, "hello.txt"); err != nil || !s.ModTime().Equal(m.ModTime().Add(-time.Hour)) {
		t.Fatalf("MLST's fallback with the offset: %v (without %v), %v", s.ModTime(), m.ModTime(), err)
	}
	for _, bad := range []time.Duration{25 * time.Hour, -25 * time.Hour, time.Millisecond} {
		if _, err := ftp.Dial(bg, "127.0.0.1:"+env["VSFTPD_PORT"], ftp.WithListTimeOffset(bad)); !errors.Is(err, ftp.ErrInvalid) {
			t.Fatalf("WithListTimeOffset(%v): %v", bad, err)
		}
	}
}

// Progress reports carry the REST offset of a resumed download.
func TestProgressCarriesTheResumeOffset(t *testing.T) {
	env := servers(t)
	var reports []ftp.Progress
	c, dir, _ := userConn(t, env, "offset", ftp.WithProgress(func(p ftp.Progress) bool { reports = append(reports, p); return true }, 0))
	data := strings.Repeat("0123456789", 10_000)
	mustStor(t, c, dir+"/p.bin", data)
	local := filepath.Join(t.TempDir(), "p.bin")
	if err := os.WriteFile(local, []byte(data[:40_000]), 0o644); err != nil {
		t.Fatal(err)
	}
	reports = nil
	n, err := c.RetrFile(bg, dir+"/p.bin", local, ftp.FileResume)
	if err != nil || n != 60_000 {
		t.Fatalf("RetrFile with FileResume: %d, %v", n, err)
	}
	if len(reports) == 0 {
		t.Fatal("no progress reports")
	}
	for _, p := range reports {
		if p.Offset != 40_000 || p.Op != "RetrFile" {
			t.Fatalf("a resumed download's report: %+v", p)
		}
	}
	last := reports[len(reports)-1]
	if last.Done != 60_000 || last.Total != 60_000 || last.Offset+last.Done != uint64(len(data)) {
		t.Fatalf("the last report: %+v", last)
	}
	if got, _ := os.ReadFile(local); string(got) != data {
		t.Fatal("the resumed file differs")
	}
	// A whole download reports offset 0.
	reports = nil
	if _, err := c.RetrFile(bg, dir+"/p.bin", local, 0); err != nil || len(reports) == 0 || reports[0].Offset != 0 {
		t.Fatalf("a whole download: %+v, %v", reports, err)
	}
}
