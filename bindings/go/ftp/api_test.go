package ftp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libftp/libftp/bindings/go/ftp"
)

// userConn logs in to proftpd as the test user and gives a fresh directory of its own
// (remote name, local path on the server's disk).
func userConn(t *testing.T, env map[string]string, name string, opts ...ftp.Option) (*ftp.Conn, string, string) {
	t.Helper()
	c := dial(t, bg, env["PROFTPD_PORT"], opts...)
	if err := c.Login(bg, env["FTP_USER"], env["FTP_PASS"]); err != nil {
		t.Fatal(err)
	}
	dir := "go-api-" + name
	disk := filepath.Join(env["PROFTPD_USER_ROOT"], dir)
	os.RemoveAll(disk) // left by an earlier, failed run
	if _, err := c.Mkd(bg, dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(disk) })
	return c, dir, disk
}

func mustStor(t *testing.T, c *ftp.Conn, path, data string) {
	t.Helper()
	if n, err := c.Stor(bg, path, strings.NewReader(data)); err != nil || n != int64(len(data)) {
		t.Fatalf("Stor %s: %d, %v", path, n, err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestListingCalls(t *testing.T) {
	env := servers(t)
	c, dir, disk := userConn(t, env, "list")
	mustStor(t, c, dir+"/a.txt", "hello")
	if err := c.MkdAll(bg, dir+"/sub/deeper"); err != nil {
		t.Fatal(err)
	}
	mustStor(t, c, dir+"/sub/deeper/b.bin", "0123456789")
	if err := os.Symlink("a.txt", filepath.Join(disk, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(disk, "a.txt"), 0o640); err != nil {
		t.Fatal(err)
	}
	all, err := c.List(bg, dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*ftp.Entry{}
	for _, e := range all {
		byName[e.Name] = e
	}
	a := byName["a.txt"]
	if a == nil || a.Type != ftp.TypeFile || a.Type.String() != "file" || a.Size != 5 || !a.HasMode || a.Mode.Perm() != 0o640 ||
		a.Owner == "" || a.Perm == "" || a.ModTime.IsZero() || time.Since(a.ModTime) > time.Hour {
		t.Fatalf("a.txt: %+v", a)
	}
	if s := byName["sub"]; s == nil || !s.IsDir() || s.Mode&fs.ModeDir == 0 || s.Type.String() != "dir" {
		t.Fatalf("sub: %+v", s)
	}
	if ftp.TypePDir.String() != "pdir" || ftp.EntryType(99).String() != "EntryType(99)" {
		t.Fatal("EntryType.String")
	}
	var streamed []string
	if err := c.ListFunc(bg, dir, func(e *ftp.Entry) error { streamed = append(streamed, e.Name); return nil }); err != nil || len(streamed) != len(all) {
		t.Fatalf("ListFunc: %v, %v (List had %d)", streamed, err, len(all))
	}
	stop := errors.New("enough")
	if err := c.ListFunc(bg, dir, func(*ftp.Entry) error { return stop }); err != stop {
		t.Fatalf("ListFunc stopped by its function: %v", err)
	}
	names, err := c.NameList(bg, dir)
	sort.Strings(names)
	if err != nil || strings.Join(names, ",") != dir+"/a.txt,"+dir+"/link,"+dir+"/sub" && strings.Join(names, ",") != "a.txt,link,sub" {
		t.Fatalf("NameList: %q, %v", names, err)
	}
	lines, err := c.Dir(bg, dir)
	if err != nil || len(lines) < 3 || !strings.Contains(strings.Join(lines, "\n"), "a.txt") {
		t.Fatalf("Dir: %q, %v", lines, err)
	}
	var walked []string
	err = c.Walk(bg, dir, func(p string, e *ftp.Entry, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, p)
		return nil
	})
	sort.Strings(walked)
	want := []string{dir + "/a.txt", dir + "/link", dir + "/sub", dir + "/sub/deeper", dir + "/sub/deeper/b.bin"}
	if err != nil || strings.Join(walked, " ") != strings.Join(want, " ") {
		t.Fatalf("Walk: %q, %v", walked, err)
	}
	walked = nil
	_ = c.Walk(bg, dir, func(p string, e *ftp.Entry, err error) error {
		walked = append(walked, p)
		if e != nil && e.IsDir() {
			return fs.SkipDir
		}
		return nil
	})
	if len(walked) != 3 {
		t.Fatalf("Walk with SkipDir: %q", walked)
	}
	m, err := c.MLST(bg, dir+"/sub/deeper/b.bin")
	if err != nil || m.Type() != "file" || m.Size() != 10 || m.ModTime().IsZero() || !strings.HasSuffix(m.Name, "b.bin") {
		t.Fatalf("MLST: %+v, %v", m, err)
	}
	ml, err := c.MLSD(bg, dir, "type", "size")
	if err != nil || len(ml) < 3 {
		t.Fatalf("MLSD: %+v, %v", ml, err)
	}
	for _, e := range ml {
		if _, ok := e.Facts["modify"]; ok {
			t.Fatalf("MLSD asked for type and size only, got %v", e.Facts)
		}
	}
	if _, err := c.MLSD(bg, dir, "type", "size", "modify", "perm", "unix.mode", "unix.owner", "unique"); err != nil {
		t.Fatal(err)
	}
	e, ok, err := ftp.ParseListLine("lrwxrwxrwx   1 alice  staff    5 Jan  2  2020 link -> a.txt")
	if err != nil || !ok || e.Name != "link" || e.Type != ftp.TypeLink || e.Target != "a.txt" || e.Owner != "alice" || e.Group != "staff" ||
		e.Mode != fs.ModeSymlink|0o777 || e.ModTime.Year() != 2020 {
		t.Fatalf("ParseListLine: %+v, %v, %v", e, ok, err)
	}
	if _, err := c.List(bg, dir+"/nope"); !errors.Is(err, ftp.ErrPerm) {
		t.Fatalf("List of a missing directory: %v", err)
	}
}

func TestTransfersResumeAndTimes(t *testing.T) {
	env := servers(t)
	c, dir, disk := userConn(t, env, "xfer")
	data := strings.Repeat("0123456789", 100000) // 1 MB
	// An interrupted upload, resumed with StorFrom.
	mustStor(t, c, dir+"/up.bin", data[:300000])
	if n, err := c.StorFrom(bg, dir+"/up.bin", strings.NewReader(data[300000:]), 300000); err != nil || n != int64(len(data)-300000) {
		t.Fatalf("StorFrom: %d, %v", n, err)
	}
	if got := mustRead(t, filepath.Join(disk, "up.bin")); got != data {
		t.Fatalf("after StorFrom the server has %d bytes", len(got))
	}
	if _, err := c.Append(bg, dir+"/up.bin", strings.NewReader("tail")); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(disk, "up.bin")); got != data+"tail" {
		t.Fatalf("after Append the server has %d bytes", len(got))
	}
	// A download from an offset.
	r, err := c.RetrFrom(bg, dir+"/up.bin", 999990)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "0123456789tail" {
		t.Fatalf("RetrFrom: %q, %v", got, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// io.ReaderAt, one RETR per read, aborted once the buffer is full.
	f := c.RemoteFile(bg, dir+"/up.bin")
	buf := make([]byte, 7)
	if n, err := f.ReadAt(buf, 123453); err != nil || n != 7 || string(buf) != "3456789" {
		t.Fatalf("ReadAt: %d %q %v", n, buf, err)
	}
	if n, err := f.ReadAt(buf, int64(len(data))+1); err != io.EOF || string(buf[:n]) != "ail" {
		t.Fatalf("ReadAt at the end: %d %q %v", n, buf[:n], err)
	}
	if err := c.NoOp(bg); err != nil {
		t.Fatalf("NoOp after ReadAt: %v", err)
	}
	// A writer.
	w, err := c.StorWriter(bg, dir+"/w.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pwd(bg); !errors.Is(err, ftp.ErrBusy) {
		t.Fatalf("Pwd with a writer open: %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, err := io.WriteString(w, "line\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(disk, "w.txt")); got != "line\nline\nline\n" {
		t.Fatalf("StorWriter wrote %q", got)
	}
	// Whole files, resumed, with the time kept.
	local := filepath.Join(t.TempDir(), "down.bin")
	if err := os.WriteFile(local, []byte(data[:400000]), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := c.SetTime(bg, dir+"/up.bin", old); err != nil {
		t.Fatal(err)
	}
	if mt, err := c.GetTime(bg, dir+"/up.bin"); err != nil || !mt.Equal(old) {
		t.Fatalf("GetTime after SetTime: %v, %v", mt, err)
	}
	n, err := c.RetrFile(bg, dir+"/up.bin", local, ftp.FileResume|ftp.FilePreserveMTime|ftp.FileVerifySize)
	if err != nil || n != int64(len(data)+4-400000) {
		t.Fatalf("RetrFile resumed: %d, %v", n, err)
	}
	if mustRead(t, local) != data+"tail" {
		t.Fatal("RetrFile: wrong contents")
	}
	if st, _ := os.Stat(local); !st.ModTime().Equal(old) {
		t.Fatalf("RetrFile kept time %v, want %v", st.ModTime(), old)
	}
	if n, err := c.StorFile(bg, local, dir+"/copy.bin", ftp.FileVerifySize|ftp.FilePreserveMTime); err != nil || n != int64(len(data)+4) {
		t.Fatalf("StorFile: %d, %v", n, err)
	}
	if mt, err := c.GetTime(bg, dir+"/copy.bin"); err != nil || !mt.Equal(old) {
		t.Fatalf("StorFile with FilePreserveMTime: %v, %v", mt, err)
	}
	if _, err := c.StorFile(bg, local, dir+"/copy.bin", ftp.FileAppend); err != nil {
		t.Fatal(err)
	}
	if sz, err := c.Size(bg, dir+"/copy.bin"); err != nil || sz != 2*int64(len(data)+4) {
		t.Fatalf("StorFile with FileAppend: size %d, %v", sz, err)
	}
	// *os.File goes through its descriptor.
	out, err := os.Create(filepath.Join(t.TempDir(), "fd.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if n, err := c.RetrTo(bg, dir+"/w.txt", out); err != nil || n != 15 {
		t.Fatalf("RetrTo an *os.File: %d, %v", n, err)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Stor(bg, dir+"/fd-up.txt", out); err != nil || n != 15 || mustRead(t, filepath.Join(disk, "fd-up.txt")) != "line\nline\nline\n" {
		t.Fatalf("Stor from an *os.File: %d, %v", n, err)
	}
	// Text mode.
	if err := c.StorLines(bg, dir+"/t.txt", strings.NewReader("one\ntwo\n")); err != nil {
		t.Fatal(err)
	}
	var lines []string
	if err := c.RetrLines(bg, "RETR "+dir+"/t.txt", func(l string) error { lines = append(lines, l); return nil }); err != nil || strings.Join(lines, "|") != "one|two" {
		t.Fatalf("RetrLines: %q, %v", lines, err)
	}
	if err := c.Rename(bg, dir+"/t.txt", dir+"/t2.txt"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(bg, dir+"/t2.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(disk, "t2.txt")); !os.IsNotExist(err) {
		t.Fatalf("after Delete: %v", err)
	}
}

func TestCommandsFeaturesAndTrace(t *testing.T) {
	env := servers(t)
	var trace bytes.Buffer
	var mu sync.Mutex
	c, dir, disk := userConn(t, env, "cmds", ftp.WithDebug(lockedWriter{&mu, &trace}, 1))
	mustStor(t, c, dir+"/f", "x")
	if err := c.NoOp(bg); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Syst(bg); err != nil || !strings.Contains(s, "UNIX") {
		t.Fatalf("Syst: %q, %v", s, err)
	}
	if err := c.Site(bg, "CHMOD 600 "+dir+"/f"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(disk, "f")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("after SITE CHMOD: %v, %v", st.Mode(), err)
	}
	code, text, err := c.SendCmd(bg, "HELP")
	if err != nil || code != 214 || !strings.Contains(text, "214") {
		t.Fatalf("SendCmd HELP: %d %q %v", code, text, err)
	}
	if code, _, err := c.SendCmd(bg, "NOSUCHCOMMAND"); !errors.Is(err, ftp.ErrPerm) || code != 500 {
		t.Fatalf("SendCmd of an unknown command: %d, %v", code, err)
	}
	if err := c.Type(bg, ftp.TypeASCII); err != nil {
		t.Fatal(err)
	}
	if code, _ := c.LastReply(); code != 200 {
		t.Fatalf("LastReply after TYPE A: %d", code)
	}
	if err := c.VoidCmd(bg, "TYPE I"); err != nil {
		t.Fatal(err)
	}
	if err := c.Feat(bg); err != nil {
		t.Fatal(err)
	}
	params, ok, err := c.Feature(bg, "MLST")
	if err != nil || !ok || !strings.Contains(params, "size") {
		t.Fatalf("Feature MLST: %q %v %v", params, ok, err)
	}
	if _, ok, err := c.Feature(bg, "NO-SUCH-FEATURE"); err != nil || ok {
		t.Fatalf("Feature of an unlisted name: %v %v", ok, err)
	}
	if !c.HasFeature(bg, "SIZE") || c.HasFeature(bg, "NO-SUCH-FEATURE") {
		t.Fatal("HasFeature")
	}
	if p, ok := c.FeatureParams(bg, "MLST"); !ok || p != params {
		t.Fatalf("FeatureParams: %q %v", p, ok)
	}
	if err := c.CwdEach(bg, dir); err != nil {
		t.Fatal(err)
	}
	if pwd, err := c.Pwd(bg); err != nil || pwd != "/"+dir {
		t.Fatalf("Pwd after CwdEach: %q, %v", pwd, err)
	}
	if lines, err := c.Stat(bg, "f"); err != nil || len(lines) != 1 || !strings.HasSuffix(lines[0], " f") {
		t.Fatalf("Stat f: %q, %v", lines, err)
	}
	if err := c.Rmd(bg, "/"+dir+"/nope"); !errors.Is(err, ftp.ErrPerm) {
		t.Fatalf("Rmd of a missing directory: %v", err)
	}
	mu.Lock()
	tr := trace.String()
	mu.Unlock()
	for _, want := range []string{"> NOOP", "< 200", "> SITE CHMOD 600", "> PASS ", "> CWD " + dir} {
		if !strings.Contains(tr, want) {
			t.Fatalf("trace has no %q:\n%s", want, tr)
		}
	}
	if strings.Contains(tr, env["FTP_PASS"]) {
		t.Fatal("the trace shows the password")
	}
	if ftp.VersionNum() < 10100 || !strings.HasPrefix(ftp.Version(), "1.") {
		t.Fatalf("version %q %d", ftp.Version(), ftp.VersionNum())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// pinOf is the "sha256//" pin of a PEM certificate's public key.
func pinOf(t *testing.T, pemFile string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(mustRead(t, pemFile)))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "sha256//" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestTLSFromMemoryPinsVerifyAndReuse(t *testing.T) {
	env := servers(t)
	ca := []byte(mustRead(t, env["CA_FILE"]))
	want := mustRead(t, filepath.Join(env["ANON_ROOT"], "big.bin"))
	var mu sync.Mutex
	var seen []ftp.Verification
	cfg := &ftp.TLSConfig{
		CAPEM:            [][]byte{ca},
		PinnedPublicKeys: []string{"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", pinOf(t, filepath.Join(env["CERT_DIR"], "server.pem"))},
		MinVersion:       tls.VersionTLS12,
		VerifyFunc: func(v ftp.Verification) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, v)
			return nil
		},
	}
	c := dial(t, bg, env["VSFTPS_PORT"], ftp.WithTLS(cfg))
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		var b strings.Builder
		if _, err := c.RetrTo(bg, "big.bin", &b); err != nil || b.String() != want {
			t.Fatalf("FTPS download %d: %d bytes, %v", i, b.Len(), err)
		}
		if resumed, known := c.DataTLSResumed(); !resumed || !known {
			t.Fatalf("download %d: the data connection did not resume the TLS session (%v %v)", i, resumed, known)
		}
	}
	if !strings.HasPrefix(c.TLSVersion(), "TLSv1.") || c.TLSCipher() == "" {
		t.Fatalf("TLS %q %q", c.TLSVersion(), c.TLSCipher())
	}
	mu.Lock()
	if len(seen) == 0 || !seen[0].Verified || len(seen[0].Chain) == 0 {
		t.Fatalf("VerifyFunc saw %+v", seen)
	}
	if _, err := x509.ParseCertificate(seen[0].Chain[0]); err != nil {
		t.Fatalf("the chain's first certificate: %v", err)
	}
	mu.Unlock()
	// A pin that matches nothing.
	_, err := ftp.Dial(bg, "127.0.0.1:"+env["VSFTPS_PORT"], ftp.WithTLS(&ftp.TLSConfig{CAPEM: [][]byte{ca},
		PinnedPublicKeys: []string{"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}))
	if !errors.Is(err, ftp.ErrPinned) {
		t.Fatalf("a wrong pin: %v", err)
	}
	// A VerifyFunc that says no; one that accepts what OpenSSL rejects.
	_, err = ftp.Dial(bg, "127.0.0.1:"+env["VSFTPS_PORT"], ftp.WithTLS(&ftp.TLSConfig{CAPEM: [][]byte{ca},
		VerifyFunc: func(ftp.Verification) error { return errors.New("no") }}))
	if !errors.Is(err, ftp.ErrUntrusted) {
		t.Fatalf("a VerifyFunc that rejects: %v", err)
	}
	c2, err := ftp.Dial(bg, "127.0.0.1:"+env["VSFTPS_PORT"], ftp.WithTLS(&ftp.TLSConfig{
		VerifyFunc: func(v ftp.Verification) error {
			if v.Verified || v.Reason == "" {
				return errors.New("expected OpenSSL to reject the test CA's certificate")
			}
			return nil
		}}))
	if err != nil {
		t.Fatalf("a VerifyFunc that accepts an untrusted chain: %v", err)
	}
	c2.Close()
	// Bad PEM says so.
	_, err = ftp.Dial(bg, "127.0.0.1:"+env["VSFTPS_PORT"], ftp.WithTLS(&ftp.TLSConfig{CAPEM: [][]byte{[]byte("not pem")}}))
	if !errors.Is(err, ftp.ErrInvalid) {
		t.Fatalf("CAPEM that is not PEM: %v", err)
	}
	// A client certificate from memory, its key in memory too.
	cert, key := []byte(mustRead(t, env["CLIENT_CERT"])), []byte(mustRead(t, env["CLIENT_KEY"]))
	c3 := dial(t, bg, env["PYFTPS_CLIENTCERT_PORT"], ftp.WithTLS(&ftp.TLSConfig{CAPEM: [][]byte{ca}, CertPEM: cert, KeyPEM: key}))
	if err := c3.Login(bg, "", ""); err != nil {
		t.Fatalf("login with a client certificate from memory: %v", err)
	}
}

func TestPoolAndBatch(t *testing.T) {
	env := servers(t)
	want := mustRead(t, filepath.Join(env["ANON_ROOT"], "big.bin"))
	tmpl := dial(t, bg, env["VSFTPD_PORT"])
	if err := tmpl.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	pool, err := ftp.NewPool(tmpl, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Get and Put from several goroutines at once.
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := pool.Get(bg)
			if err != nil {
				errs <- err
				return
			}
			var b strings.Builder
			if _, err := s.RetrTo(bg, "hello.txt", &b); err != nil || b.String() != "hello, world\n" {
				errs <- errors.New("pooled download: " + b.String())
			}
			errs <- pool.Put(s)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := pool.Stats()
	if st.MaxSessions != 3 || st.Opened == 0 || st.Opened > 3 || st.InUse != 0 || st.Idle == 0 {
		t.Fatalf("stats %+v", st)
	}
	// A Get cancelled while all sessions are out.
	var held []*ftp.Conn
	for i := 0; i < 3; i++ {
		s, err := pool.Get(bg)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
	if _, err := pool.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get past its deadline: %v", err)
	}
	cancel()
	for _, s := range held {
		if err := pool.Put(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := held[0].Pwd(bg); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("a Conn after Put: %v", err)
	}
	// A batch: per-item results, progress naming the files.
	dir := t.TempDir()
	items := []ftp.BatchItem{
		{Remote: "big.bin", Local: filepath.Join(dir, "big.bin"), Flags: ftp.FileAtomic},
		{Remote: "hello.txt", Local: filepath.Join(dir, "hello.txt")},
		{Remote: "no-such-file", Local: filepath.Join(dir, "missing")},
	}
	var pmu sync.Mutex
	seen := map[string]bool{}
	results, err := pool.Batch(bg, items, ftp.BatchOptions{Workers: 3, Progress: func(p ftp.BatchProgress) ftp.BatchAction {
		pmu.Lock()
		seen[p.Item.Remote] = true
		pmu.Unlock()
		return ftp.BatchContinue
	}})
	if !errors.Is(err, ftp.ErrPerm) || len(results) != 3 {
		t.Fatalf("batch with a missing file: %v, %d results", err, len(results))
	}
	if results[0].Err != nil || results[0].Bytes != uint64(len(want)) || mustRead(t, items[0].Local) != want {
		t.Fatalf("batch item 0: %+v", results[0])
	}
	if results[1].Err != nil || mustRead(t, items[1].Local) != "hello, world\n" {
		t.Fatalf("batch item 1: %+v", results[1])
	}
	var fe *ftp.Error
	if !errors.As(results[2].Err, &fe) || fe.Code != ftp.ErrPerm || !strings.Contains(fe.Message, "550") {
		t.Fatalf("batch item 2: %+v", results[2])
	}
	if !seen["big.bin"] || !seen["hello.txt"] {
		t.Fatalf("progress named %v", seen)
	}
	// The progress function cancels one file; the others go on.
	up := filepath.Join(dir, "up.txt")
	if err := os.WriteFile(up, []byte("upload"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "hello-fd.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items = []ftp.BatchItem{
		{Remote: "big.bin", Local: filepath.Join(dir, "big2.bin")},
		{Remote: "hello.txt", File: f},
	}
	results, err = pool.Batch(bg, items, ftp.BatchOptions{Interval: time.Millisecond, Progress: func(p ftp.BatchProgress) ftp.BatchAction {
		if p.Index == 0 && p.Finished == 0 {
			return ftp.BatchCancelFile
		}
		return ftp.BatchContinue
	}})
	if !errors.Is(err, ftp.ErrCancelled) || !errors.Is(results[0].Err, ftp.ErrCancelled) || results[1].Err != nil || mustRead(t, f.Name()) != "hello, world\n" {
		t.Fatalf("a cancelled file: %v; %+v", err, results)
	}
	// The context cancels the batch.
	ctx, cancel = context.WithCancel(bg)
	results, err = pool.Batch(ctx, []ftp.BatchItem{{Remote: "big.bin", Local: filepath.Join(dir, "big3.bin")}},
		ftp.BatchOptions{Progress: func(p ftp.BatchProgress) ftp.BatchAction { cancel(); return ftp.BatchContinue }})
	if !errors.Is(err, context.Canceled) || !errors.Is(results[0].Err, ftp.ErrCancelled) {
		t.Fatalf("a batch whose context ends: %v; %+v", err, results)
	}
	// An upload through the batch, to a server that takes uploads.
	utmpl, udir, udisk := userConn(t, env, "batch")
	upool, err := ftp.NewPool(utmpl, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer upool.Close()
	if _, err := upool.Batch(bg, []ftp.BatchItem{{Upload: true, Local: up, Remote: udir + "/up.txt", Flags: ftp.FileAtomic}}, ftp.BatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if mustRead(t, filepath.Join(udisk, "up.txt")) != "upload" {
		t.Fatal("batch upload")
	}
}

func TestSegmentedDownload(t *testing.T) {
	env := servers(t)
	want := mustRead(t, filepath.Join(env["ANON_ROOT"], "big.bin"))
	var mu sync.Mutex
	var last ftp.Progress
	c := dial(t, bg, env["VSFTPD_PORT"], ftp.WithProgress(func(p ftp.Progress) bool {
		mu.Lock()
		last = p
		mu.Unlock()
		return true
	}, 0))
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "big.bin")
	n, err := c.RetrFileSegmented(bg, "big.bin", local, 4, 0)
	if err != nil || n != int64(len(want)) || mustRead(t, local) != want {
		t.Fatalf("segmented: %d, %v", n, err)
	}
	mu.Lock()
	if last.Op != "RetrFileSegmented" || last.Path != "big.bin" || last.Done != uint64(len(want)) {
		t.Fatalf("progress %+v", last)
	}
	mu.Unlock()
	// Cancelled through its context: no complete-looking file.
	ctx, cancel := context.WithCancel(bg)
	local2 := filepath.Join(t.TempDir(), "big.bin")
	c2 := dial(t, bg, env["VSFTPD_PORT"], ftp.WithProgress(func(p ftp.Progress) bool { cancel(); return true }, 0))
	if err := c2.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.RetrFileSegmented(ctx, "big.bin", local2, 4, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("segmented after cancel: %v", err)
	}
	if _, err := os.Stat(local2); !os.IsNotExist(err) {
		t.Fatalf("a cancelled segmented download left %s: %v", local2, err)
	}
	if _, err := c.RetrFileSegmented(bg, "big.bin", local, 0, 0); !errors.Is(err, ftp.ErrInvalid) {
		t.Fatalf("0 segments: %v", err)
	}
}

func TestMirrorBothWaysParallelWithFailures(t *testing.T) {
	env := servers(t)
	c, dir, disk := userConn(t, env, "mirror")
	src := t.TempDir()
	files := map[string]string{"a.txt": "aaa", "sub/b.txt": "bbbb", "sub/deep/c.bin": strings.Repeat("c", 70000), "skip.tmp": "no"}
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var steps []ftp.MirrorStep
	res, err := c.MirrorUpload(bg, src, dir+"/tree", ftp.MirrorOptions{Parallel: 2, Skip: []string{"*.tmp"},
		OnStep: func(s ftp.MirrorStep) error { steps = append(steps, s); return nil }})
	if err != nil || res.Files != 3 || len(res.Failures) != 0 {
		t.Fatalf("MirrorUpload: %+v, %v", res, err)
	}
	if mustRead(t, filepath.Join(disk, "tree/sub/deep/c.bin")) != files["sub/deep/c.bin"] {
		t.Fatal("MirrorUpload contents")
	}
	puts := 0
	for _, s := range steps {
		if s.Action == ftp.MirrorPut {
			puts++
		}
	}
	if puts != 3 || ftp.MirrorPut.String() != "put" {
		t.Fatalf("MirrorUpload steps %+v", steps)
	}
	// Download it again with 3 sessions; one file the server will not give.
	if err := os.Chmod(filepath.Join(disk, "tree/sub/b.txt"), 0); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	var failed []string
	res, err = c.Mirror(bg, dir+"/tree", dst, ftp.MirrorOptions{Parallel: 3, OnStep: func(s ftp.MirrorStep) error {
		if s.Action == ftp.MirrorFailed {
			failed = append(failed, s.Path)
		}
		return nil
	}})
	t.Logf("mirror with an unreadable file: %d files, failures %+v, %v", res.Files, res.Failures, err)
	var fe *ftp.Error
	if !errors.As(err, &fe) || !errors.Is(err, ftp.ErrPerm) || res.Files != 2 || len(res.Failures) != 1 ||
		res.Failures[0].Path != "sub/b.txt" || res.Failures[0].Err.ReplyCode != 550 || strings.Join(failed, ",") != "sub/b.txt" ||
		strings.Contains(err.Error(), "ftp_") {
		t.Fatalf("Mirror with a refused file: %+v, %v, steps %v", res, err, failed)
	}
	if mustRead(t, filepath.Join(dst, "sub/deep/c.bin")) != files["sub/deep/c.bin"] || mustRead(t, filepath.Join(dst, "a.txt")) != "aaa" {
		t.Fatal("Mirror contents")
	}
	// A dry run changes nothing; OnStep's error stops the mirror.
	os.Remove(filepath.Join(dst, "a.txt"))
	if res, err := c.Mirror(bg, dir+"/tree", dst, ftp.MirrorOptions{DryRun: true}); err != nil && !errors.Is(err, ftp.ErrPerm) || res.Bytes != 0 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "a.txt")); !os.IsNotExist(err) {
		t.Fatal("a dry run wrote a file")
	}
	stop := errors.New("stop here")
	if _, err := c.Mirror(bg, dir+"/tree", dst, ftp.MirrorOptions{OnStep: func(ftp.MirrorStep) error { return stop }}); err != stop {
		t.Fatalf("Mirror stopped by OnStep: %v", err)
	}
}

func TestURLs(t *testing.T) {
	env := servers(t)
	u, err := ftp.ParseURL("ftp://joe:s%40cret@127.0.0.1:2121/pub/a%20b.txt;type=i")
	if err != nil || u.Host != "127.0.0.1" || u.Port != 2121 || u.User != "joe" || u.Password != "s@cret" ||
		u.Path != "pub/a b.txt" || u.FTPS || u.Type != 'i' {
		t.Fatalf("ParseURL: %+v, %v", u, err)
	}
	if _, err := ftp.ParseURL("http://x/"); !errors.Is(err, ftp.ErrInvalid) {
		t.Fatalf("ParseURL of http: %v", err)
	}
	c, err := ftp.DialURL(bg, "ftp://127.0.0.1:"+env["VSFTPD_PORT"]+"/", ftp.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Size(bg, "big.bin"); err != nil {
		t.Fatalf("after DialURL: %v", err)
	}
	if err := c.Quit(bg); err != nil {
		t.Fatal(err)
	}
	if err := c.NoOp(bg); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("NoOp after Quit: %v", err)
	}
}

// Conn.Close with a StorWriter open returns at once and ends the upload.
func TestCloseWithAnOpenWriterReturns(t *testing.T) {
	env := servers(t)
	c, dir, _ := userConn(t, env, "writer")
	w, err := c.StorWriter(bg, dir+"/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, "Close with a writer open", func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	if _, err := w.Write([]byte("more")); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("Write after Conn.Close: %v", err)
	}
	if err := w.Close(); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("writer Close after Conn.Close: %v", err)
	}
}

// proxy forwards connections to a server until cut, which drops every connection open
// (the server "going away"); new ones are forwarded again.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// WithReconnect: a session whose connection was dropped connects again and runs the
// call, back in its directory.
func TestReconnect(t *testing.T) {
	env := servers(t)
	p := newProxy(t, "127.0.0.1:"+env["VSFTPD_PORT"])
	c := dial(t, bg, strings.TrimPrefix(p.ln.Addr().String(), "127.0.0.1:"), ftp.WithReconnect(3, 50*time.Millisecond))
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Cwd(bg, "dir1"); err != nil {
		t.Fatal(err)
	}
	p.cut()
	time.Sleep(100 * time.Millisecond)
	dir, err := c.Pwd(bg)
	if err != nil || dir != "/dir1" || c.Reconnects() != 1 {
		t.Fatalf("Pwd after the connection was dropped: %q, %v, %d reconnects", dir, err, c.Reconnects())
	}
}

// The connection options reach the wire: PASV only, a source port, the urgent ABOR,
// type caching off, and a batch cancelled as a whole by its progress function.
func TestConnectionOptions(t *testing.T) {
	env := servers(t)
	p := newProxy(t, "127.0.0.1:"+env["VSFTPD_PORT"])
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := free.Addr().(*net.TCPAddr).Port
	free.Close()
	var trace bytes.Buffer
	var mu sync.Mutex
	c := dial(t, bg, strings.TrimPrefix(p.ln.Addr().String(), "127.0.0.1:"),
		ftp.WithPassiveMode(ftp.PassivePASVOnly), ftp.WithSourcePort(uint16(port)),
		ftp.WithTypeCaching(false), ftp.WithPipelining(false), ftp.WithDebug(lockedWriter{&mu, &trace}, 1))
	p.mu.Lock()
	from := p.conns[0].RemoteAddr().(*net.TCPAddr).Port
	p.mu.Unlock()
	if from != port {
		t.Fatalf("the control connection came from port %d, want %d", from, port)
	}
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		var b strings.Builder
		if _, err := c.RetrTo(bg, "hello.txt", &b); err != nil || b.String() != "hello, world\n" {
			t.Fatalf("download: %q, %v", b.String(), err)
		}
	}
	// The urgent ABOR, directly (the proxy would not forward urgent data).
	u := dial(t, bg, env["VSFTPD_PORT"], ftp.WithAbortUrgent())
	if err := u.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	r, err := u.Retr(bg, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close before the end (urgent ABOR): %v", err)
	}
	if err := u.NoOp(bg); err != nil {
		t.Fatalf("NoOp after the urgent ABOR: %v", err)
	}
	r, err = c.Retr(bg, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close before the end (plain ABOR): %v", err)
	}
	mu.Lock()
	tr := trace.String()
	mu.Unlock()
	if strings.Contains(tr, "> EPSV") || strings.Count(tr, "> PASV") < 3 || strings.Count(tr, "> TYPE I") < 3 || !strings.Contains(tr, "> ABOR") {
		t.Fatalf("trace:\n%s", tr)
	}
	// BatchCancel stops every file.
	pool, err := ftp.NewPool(u, 2) // not c: its sessions would all bind the one source port
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	dir := t.TempDir()
	results, err := pool.Batch(bg, []ftp.BatchItem{
		{Remote: "big.bin", Local: filepath.Join(dir, "1")},
		{Remote: "big.bin", Local: filepath.Join(dir, "2")},
		{Remote: "big.bin", Local: filepath.Join(dir, "3")},
	}, ftp.BatchOptions{Workers: 1, Progress: func(ftp.BatchProgress) ftp.BatchAction { return ftp.BatchCancel }})
	if !errors.Is(err, ftp.ErrCancelled) || len(results) != 3 {
		t.Fatalf("BatchCancel: %v, %+v", err, results)
	}
	for i, r := range results {
		if !errors.Is(r.Err, ftp.ErrCancelled) {
			t.Fatalf("item %d after BatchCancel: %v", i, r.Err)
		}
	}
}
