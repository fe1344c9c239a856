package ftp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libftp/libftp/bindings/go/ftp"
)

// servers reads the env file tests/servers/start.sh writes ($LIBFTP_TEST_ENV). Without
// it the tests skip, except under CI=true where they fail.
func servers(t *testing.T) map[string]string {
	t.Helper()
	path := os.Getenv("LIBFTP_TEST_ENV")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no servers env file (LIBFTP_TEST_ENV=%q) under CI: %v", path, err)
		}
		t.Skipf("no servers (LIBFTP_TEST_ENV): %v", err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	return env
}

func dial(t *testing.T, ctx context.Context, port string, opts ...ftp.Option) *ftp.Conn {
	t.Helper()
	c, err := ftp.Dial(ctx, "127.0.0.1:"+port, append([]ftp.Option{ftp.WithTimeout(10 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() {
		// Bounded, so that a Close that hangs fails the test instead of the whole run.
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Close()
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Close still blocked after 10s")
		}
	})
	return c
}

func TestRetrReadsTheWholeFileAndTheFinalReply(t *testing.T) {
	env := servers(t)
	want, err := os.ReadFile(filepath.Join(env["ANON_ROOT"], "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, context.Background(), env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if !strings.Contains(c.Welcome(), "220") {
		t.Errorf("welcome %q", c.Welcome())
	}
	r, err := c.Retr(bg, "big.bin")
	if err != nil {
		t.Fatalf("Retr: %v", err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want the %d of big.bin", len(got), len(want))
	}
	// Through a callback too, and the session goes on after an early Close.
	var buf bytes.Buffer
	if _, err := c.RetrTo(bg, "hello.txt", &buf); err != nil || buf.String() != "hello, world\n" {
		t.Fatalf("RetrTo: %q, %v", buf.String(), err)
	}
	r, err = c.Retr(bg, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("early Close: %v", err)
	}
	if n, err := c.Size(bg, "big.bin"); err != nil || n != int64(len(want)) {
		t.Fatalf("Size after an aborted Retr: %d, %v", n, err)
	}
	if err := c.Quit(bg); err != nil {
		t.Fatalf("Quit: %v", err)
	}
}

func TestErrorsCarryTheCodeAndTheReply(t *testing.T) {
	env := servers(t)
	c := dial(t, context.Background(), env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.RetrTo(bg, "no-such-file", io.Discard)
	var fe *ftp.Error
	if !errors.Is(err, ftp.ErrPerm) || !errors.As(err, &fe) || fe.ReplyCode != 550 {
		t.Fatalf("missing file: %v (want ErrPerm with reply 550)", err)
	}
	if err := c.Cwd(bg, "a\r\nDELE x"); !errors.Is(err, ftp.ErrInvalid) {
		t.Fatalf("CR/LF in a path: %v", err)
	}
	if err := c.Cwd(bg, "a\x00b"); !errors.Is(err, ftp.ErrInvalid) {
		t.Fatalf("NUL in a path: %v", err)
	}
	// A failing writer's error comes back as is.
	boom := errors.New("disk full")
	if _, err := c.RetrTo(bg, "big.bin", failingWriter{boom}); !errors.Is(err, boom) {
		t.Fatalf("writer error: %v", err)
	}
	if _, err := c.Pwd(bg); err != nil {
		t.Fatalf("the session is usable after a cancelled download: %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestStorMkdRenameListAndMLSD(t *testing.T) {
	env := servers(t)
	for _, srv := range []struct{ name, port, root string }{
		{"vsftpd", env["VSFTPD_PORT"], env["VSFTPD_USER_ROOT"]},
		{"proftpd", env["PROFTPD_PORT"], env["PROFTPD_USER_ROOT"]},
	} {
		t.Run(srv.name, func(t *testing.T) {
			c := dial(t, context.Background(), srv.port)
			if err := c.Login(bg, env["FTP_USER"], env["FTP_PASS"]); err != nil {
				t.Fatal(err)
			}
			data := bytes.Repeat([]byte("0123456789abcdef"), 40000)
			dir := "go-" + srv.name
			os.RemoveAll(filepath.Join(srv.root, dir)) // left by an earlier, failed run
			if _, err := c.Mkd(bg, dir); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Stor(bg, dir+"/up.bin", bytes.NewReader(data)); err != nil {
				t.Fatalf("Stor: %v", err)
			}
			if err := c.Rename(bg, dir+"/up.bin", dir+"/moved.bin"); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(srv.root, dir, "moved.bin"))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("the server has %d bytes (%v), want %d", len(got), err, len(data))
			}
			// List uses MLSD where the server has it (proftpd), with "." and "..".
			all, err := c.List(bg, dir)
			var entries []*ftp.Entry
			for _, e := range all {
				if e.Type != ftp.TypeCDir && e.Type != ftp.TypePDir {
					entries = append(entries, e)
				}
			}
			if err != nil || len(entries) != 1 || entries[0].Name != "moved.bin" ||
				entries[0].Size != int64(len(data)) || entries[0].Type != ftp.TypeFile || entries[0].ModTime.IsZero() {
				t.Fatalf("List: %+v, %v", entries, err)
			}
			// Raw tells which listing List used: MLSD facts or an "ls -l" line.
			if raw := entries[0].Raw; srv.name == "proftpd" && !strings.Contains(raw, "type=file;") ||
				srv.name == "vsftpd" && !strings.HasPrefix(raw, "-rw") {
				t.Fatalf("List on %s: Raw %q (want MLSD facts from proftpd, a LIST line from vsftpd)", srv.name, raw)
			}
			if srv.name == "proftpd" {
				m, err := c.MLSD(bg, dir)
				var file *ftp.MLSDEntry
				for i := range m {
					if m[i].Name == "moved.bin" {
						file = &m[i]
					}
				}
				if err != nil || file == nil || file.Type() != "file" || file.Size() != int64(len(data)) {
					t.Fatalf("MLSD: %+v, %v", m, err)
				}
			}
			// A failing reader stops the upload with its error.
			boom := errors.New("source broke")
			if _, err := c.Stor(bg, dir+"/broken.bin", io.MultiReader(bytes.NewReader(data[:1000]), failingReader{boom})); !errors.Is(err, boom) {
				t.Fatalf("reader error: %v", err)
			}
			for _, f := range []string{"moved.bin", "broken.bin"} {
				_ = c.Delete(bg, dir+"/"+f)
			}
			if err := c.Rmd(bg, dir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestFTPS(t *testing.T) {
	env := servers(t)
	want, _ := os.ReadFile(filepath.Join(env["ANON_ROOT"], "big.bin"))
	c := dial(t, context.Background(), env["VSFTPS_PORT"], ftp.WithTLS(&ftp.TLSConfig{CAFile: env["CA_FILE"]}))
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := c.RetrTo(bg, "big.bin", &buf); err != nil || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("FTPS download: %d bytes, %v", buf.Len(), err)
	}
	// Without the test CA the certificate is not trusted.
	_, err := ftp.Dial(context.Background(), "127.0.0.1:"+env["VSFTPS_PORT"], ftp.WithTLS(&ftp.TLSConfig{}))
	if !errors.Is(err, ftp.ErrUntrusted) {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

func TestProgressAndActiveMode(t *testing.T) {
	env := servers(t)
	var last uint64
	var total int64
	var op, path string
	c := dial(t, context.Background(), env["VSFTPD_PORT"], ftp.WithActive(),
		ftp.WithProgress(func(p ftp.Progress) bool { last, total, op, path = p.Done, p.Total, p.Op, p.Path; return true }, 0))
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RetrTo(bg, "big.bin", io.Discard); err != nil {
		t.Fatal(err)
	}
	if size, _ := c.Size(bg, "big.bin"); last != uint64(size) || total != size {
		t.Fatalf("progress ended at %d of %d, want %d", last, total, size)
	}
	if op != "RetrTo" || path != "big.bin" {
		t.Fatalf("progress named %q %q, want RetrTo big.bin", op, path)
	}
}

// A server that accepts and never says anything: cancelling the context ends Dial.
func TestContextCancelInterruptsDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err = ftp.Dial(ctx, ln.Addr().String(), ftp.WithTimeout(20*time.Second))
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("Dial after cancel: %v after %v", err, time.Since(start))
	}
}

// Cancelling a call's context mid-transfer interrupts that call only: the error says
// both why and what, and the session goes on with other contexts.
func TestContextCancelInterruptsATransfer(t *testing.T) {
	env := servers(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := dial(t, bg, env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.RetrTo(ctx, "big.bin", cancelAfter{cancel})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ftp.ErrInterrupted) {
		t.Fatalf("RetrTo after cancel: %v", err)
	}
	if _, err := c.Pwd(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a call with the cancelled context: %v", err)
	}
	if dir, err := c.Pwd(bg); err != nil || dir != "/" {
		t.Fatalf("a call with another context after the interrupted one: %q, %v", dir, err)
	}
	var buf bytes.Buffer
	if _, err := c.RetrTo(bg, "hello.txt", &buf); err != nil || buf.String() != "hello, world\n" {
		t.Fatalf("a download after the interrupted one: %q, %v", buf.String(), err)
	}
	// A Retr reader blocked on a cancelled context ends too; the session stays usable.
	ctx2, cancel2 := context.WithCancel(context.Background())
	r, err := c.Retr(ctx2, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	cancel2()
	_, err = io.ReadAll(r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel: %v", err)
	}
	if err := r.Close(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close after cancel: %v", err)
	}
	if err := c.NoOp(bg); err != nil {
		t.Fatalf("NoOp after the aborted reader: %v", err)
	}
	// A deadline works as a cancel does.
	dctx, dcancel := context.WithTimeout(bg, 30*time.Millisecond)
	defer dcancel()
	_, err = c.RetrTo(dctx, "big.bin", slowWriter{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RetrTo past its deadline: %v", err)
	}
}

type slowWriter struct{}

func (slowWriter) Write(p []byte) (int, error) {
	time.Sleep(20 * time.Millisecond)
	return len(p), nil
}

type cancelAfter struct{ cancel context.CancelFunc }

func (w cancelAfter) Write(p []byte) (int, error) {
	w.cancel()
	time.Sleep(50 * time.Millisecond) // let the watcher interrupt before the next block
	return len(p), nil
}

// bg is the context of calls a test does not cancel.
var bg = context.Background()
