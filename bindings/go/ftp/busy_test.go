package ftp_test

// An open Retr reader must not hang its connection: Close aborts the transfer, other
// calls fail at once with ErrBusy (issue 23).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libftp/libftp/bindings/go/ftp"
)

// within runs f and fails the test if it has not returned after d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s still blocked after %v", what, d)
	}
}

// The pattern of the issue: defer c.Close(), and an early return after io.Copy failed,
// the reader never closed.
func TestCloseWithAnOpenReaderReturns(t *testing.T) {
	env := servers(t)
	c := dial(t, context.Background(), env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	var r io.ReadCloser
	boom := errors.New("disk full")
	download := func() error {
		defer c.Close()
		var err error
		if r, err = c.Retr(bg, "big.bin"); err != nil {
			return err
		}
		if _, err := io.Copy(&failAfter{n: 100000, err: boom}, r); err != nil {
			return err // r left open
		}
		return r.Close()
	}
	var err error
	within(t, 10*time.Second, "Close with a Retr reader open", func() { err = download() })
	if !errors.Is(err, boom) {
		t.Fatalf("download: %v, want the writer's error", err)
	}
	n, err := r.Read(make([]byte, 4096))
	var fe *ftp.Error
	if n != 0 || err == nil || err == io.EOF || !errors.Is(err, ftp.ErrState) || !errors.As(err, &fe) || fe.Op != "Read" {
		t.Fatalf("Read after Conn.Close: %d, %v (want an ErrState error, not EOF)", n, err)
	}
	if err := r.Close(); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("the reader's first Close after Conn.Close: %v, want ErrState", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("the reader's second Close: %v, want nil", err)
	}
	if _, err := c.Pwd(bg); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("Pwd after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

// failAfter accepts n bytes, then fails.
type failAfter struct {
	n   int
	err error
}

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, w.err
	}
	w.n -= len(p)
	return len(p), nil
}

func TestCallsWhileAReaderIsOpenAreBusy(t *testing.T) {
	env := servers(t)
	want, err := os.ReadFile(filepath.Join(env["ANON_ROOT"], "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, context.Background(), env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	r, err := c.Retr(bg, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1000)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	// Each error names the method (RetrTo's names "Retr", as before this change).
	ops := map[string]string{}
	calls := map[string]func() error{
		"Pwd":    func() error { _, err := c.Pwd(bg); return err },
		"List":   func() error { _, err := c.List(bg, ""); return err },
		"MLSD":   func() error { _, err := c.MLSD(bg, ""); return err },
		"Size":   func() error { _, err := c.Size(bg, "big.bin"); return err },
		"Cwd":    func() error { return c.Cwd(bg, "/") },
		"Login":  func() error { return c.Login(bg, "", "") },
		"RetrTo": func() error { _, err := c.RetrTo(bg, "hello.txt", io.Discard); return err },
		"Stor":   func() error { _, err := c.Stor(bg, "x", strings.NewReader("x")); return err },
		"Retr":   func() error { _, err := c.Retr(bg, "hello.txt"); return err },
	}
	for name, call := range calls {
		var err error
		within(t, 10*time.Second, name+" with a reader open", func() { err = call() })
		op := name
		if o, ok := ops[name]; ok {
			op = o
		}
		var fe *ftp.Error
		if !errors.Is(err, ftp.ErrBusy) || !errors.As(err, &fe) || fe.Op != op ||
			!strings.Contains(err.Error(), "reader") || !strings.Contains(err.Error(), "closed first") {
			t.Errorf("%s with a reader open: %v, want ErrBusy saying the reader must be closed first", name, err)
		}
	}
	if !strings.Contains(c.Welcome(), "220") {
		t.Errorf("Welcome with a reader open: %q", c.Welcome())
	}
	// The refused calls did not disturb the transfer, and after the reader's Close the
	// connection works again.
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("ReadAll after the refused calls: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want the %d of big.bin", len(got), len(want))
	}
	if err := r.Close(); err != nil {
		t.Fatalf("reader Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second reader Close: %v", err)
	}
	if dir, err := c.Pwd(bg); err != nil || dir != "/" {
		t.Fatalf("Pwd after the reader's Close: %q, %v", dir, err)
	}
	var buf bytes.Buffer
	if _, err := c.RetrTo(bg, "hello.txt", &buf); err != nil || buf.String() != "hello, world\n" {
		t.Fatalf("RetrTo after the reader's Close: %q, %v", buf.String(), err)
	}
	// Also after a reader closed early (aborted).
	r, err = c.Retr(bg, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Size(bg, "big.bin"); !errors.Is(err, ftp.ErrBusy) {
		t.Fatalf("Size with a second reader open: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("early Close: %v", err)
	}
	if n, err := c.Size(bg, "big.bin"); err != nil || n != int64(len(want)) {
		t.Fatalf("Size after the early Close: %d, %v", n, err)
	}
	// Quit with a reader open sends nothing, says busy, and closes the connection.
	if _, err = c.Retr(bg, "big.bin"); err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, "Quit with a reader open", func() { err = c.Quit(bg) })
	if !errors.Is(err, ftp.ErrBusy) {
		t.Fatalf("Quit with a reader open: %v", err)
	}
	if _, err := c.Pwd(bg); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("Pwd after Quit: %v", err)
	}
}

// stallServer is an FTP server whose downloads never send a byte, so that a Read
// blocks inside the library; it answers ABOR and records the commands it gets.
type stallServer struct {
	ln   net.Listener
	mu   sync.Mutex
	cmds []string
	data []net.Conn
}

func newStallServer(t *testing.T) *stallServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stallServer{ln: ln}
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, d := range s.data {
			d.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *stallServer) saw(cmd string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cmds {
		if strings.Contains(c, cmd) {
			return true
		}
	}
	return false
}

func (s *stallServer) serve(conn net.Conn) {
	defer conn.Close()
	var pasv net.Listener
	defer func() {
		if pasv != nil {
			pasv.Close()
		}
	}()
	fmt.Fprint(conn, "220 stall server\r\n")
	in := bufio.NewReader(conn)
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.mu.Lock()
		s.cmds = append(s.cmds, line)
		s.mu.Unlock()
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch {
		case strings.Contains(line, "ABOR"): // after Telnet IP and Synch bytes
			fmt.Fprint(conn, "426 Transfer aborted\r\n226 Abort successful\r\n")
		case verb == "TYPE" || verb == "NOOP":
			fmt.Fprint(conn, "200 OK\r\n")
		case verb == "PWD":
			fmt.Fprint(conn, "257 \"/\" is the current directory\r\n")
		case verb == "EPSV":
			if pasv, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				fmt.Fprint(conn, "425 no\r\n")
				continue
			}
			fmt.Fprintf(conn, "229 Entering Extended Passive Mode (|||%d|)\r\n", pasv.Addr().(*net.TCPAddr).Port)
		case verb == "RETR":
			d, err := pasv.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.data = append(s.data, d) // held open, silent
			s.mu.Unlock()
			fmt.Fprint(conn, "150 Opening BINARY mode data connection\r\n")
		case verb == "SITE": // never answered
		case verb == "QUIT":
			fmt.Fprint(conn, "221 Bye\r\n")
			return
		default:
			fmt.Fprint(conn, "502 Not implemented\r\n")
		}
	}
}

// blockedRead starts a Read on a download that never sends anything and checks it is
// still blocked after a while; the channel gets its error.
func blockedRead(t *testing.T, ctx context.Context, c *ftp.Conn) (io.ReadCloser, chan error) {
	t.Helper()
	r, err := c.Retr(ctx, "stalled.bin")
	if err != nil {
		t.Fatalf("Retr: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 4096))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Read returned before anything ended it: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	return r, done
}

// readEnded waits (bounded) for the blocked Read and returns its error.
func readEnded(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked Read did not return")
		return nil
	}
}

// The timeouts are long (60 s) so that only the abort, not a timeout, can end the Read
// within the tests' 10 s.
func TestConnCloseWakesABlockedRead(t *testing.T) {
	s := newStallServer(t)
	c := dial(t, context.Background(), fmt.Sprint(s.ln.Addr().(*net.TCPAddr).Port), ftp.WithTimeout(60*time.Second))
	r, done := blockedRead(t, bg, c)
	var err error
	within(t, 10*time.Second, "Pwd with a Read blocked", func() { _, err = c.Pwd(bg) })
	if !errors.Is(err, ftp.ErrBusy) {
		t.Fatalf("Pwd with a reader blocked in Read: %v", err)
	}
	within(t, 10*time.Second, "Close with a Read blocked", func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := readEnded(t, done); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("the blocked Read after Conn.Close: %v, want ErrState", err)
	}
	if !s.saw("ABOR") {
		t.Fatal("Close did not abort the transfer (no ABOR)")
	}
	if err := r.Close(); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("reader Close after Conn.Close: %v", err)
	}
}

func TestReaderCloseWakesABlockedRead(t *testing.T) {
	s := newStallServer(t)
	c := dial(t, context.Background(), fmt.Sprint(s.ln.Addr().(*net.TCPAddr).Port), ftp.WithTimeout(60*time.Second))
	r, done := blockedRead(t, bg, c)
	within(t, 10*time.Second, "the reader's Close with a Read blocked", func() {
		if err := r.Close(); err != nil {
			t.Errorf("reader Close: %v", err)
		}
	})
	if err := readEnded(t, done); err == nil || err == io.EOF || !errors.Is(err, ftp.ErrState) {
		t.Fatalf("the blocked Read after the reader's Close: %v, want ErrState", err)
	}
	if dir, err := c.Pwd(bg); err != nil || dir != "/" {
		t.Fatalf("Pwd after the aborted download: %q, %v", dir, err)
	}
}

// Read, the reader's Close and Conn.Close all at once: no crash, no hang, no race (-race).
func TestReadAndBothClosesConcurrently(t *testing.T) {
	env := servers(t)
	for i := 0; i < 5; i++ {
		c := dial(t, context.Background(), env["VSFTPD_PORT"])
		if err := c.Login(bg, "", ""); err != nil {
			t.Fatal(err)
		}
		r, err := c.Retr(bg, "big.bin")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(io.Discard, r)
		}()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Millisecond)
			_ = r.Close()
		}()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(5-i) * time.Millisecond)
			_ = c.Close()
		}()
		within(t, 10*time.Second, "Read with both Closes", wg.Wait)
		if _, err := r.Read(make([]byte, 10)); err == nil || err == io.EOF {
			t.Fatalf("Read after both Closes: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("a reader Close after both Closes: %v", err)
		}
	}
}

// The context's end aborts a download whose Read is blocked; Close then returns at once.
func TestContextCancelWakesABlockedRead(t *testing.T) {
	s := newStallServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := dial(t, bg, fmt.Sprint(s.ln.Addr().(*net.TCPAddr).Port), ftp.WithTimeout(60*time.Second))
	r, done := blockedRead(t, ctx, c)
	cancel()
	if err := readEnded(t, done); !errors.Is(err, context.Canceled) || !errors.Is(err, ftp.ErrInterrupted) {
		t.Fatalf("the blocked Read after cancel: %v", err)
	}
	within(t, 10*time.Second, "reader Close and Close after cancel", func() {
		if err := r.Close(); !errors.Is(err, context.Canceled) {
			t.Errorf("reader Close after cancel: %v", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close after cancel: %v", err)
		}
	})
	if !s.saw("ABOR") {
		t.Fatal("the cancel did not abort the transfer (no ABOR)")
	}
}

// Per-call cancellation: a call waiting for a reply that never comes returns once its
// context ends (the connection is then shut down), and a download that stalls inside
// libftp (RetrTo) is aborted, the session staying usable.
func TestContextCancelEndsOneCall(t *testing.T) {
	s := newStallServer(t)
	port := fmt.Sprint(s.ln.Addr().(*net.TCPAddr).Port)
	c := dial(t, bg, port, ftp.WithTimeout(60*time.Second))
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	var err error
	within(t, 10*time.Second, "RetrTo of a stalled file with a deadline", func() { _, err = c.RetrTo(ctx, "stalled.bin", io.Discard) })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ftp.ErrInterrupted) || !s.saw("ABOR") {
		t.Fatalf("RetrTo after its deadline: %v (ABOR sent: %v)", err, s.saw("ABOR"))
	}
	if err := c.NoOp(bg); err != nil {
		t.Fatalf("NoOp after the interrupted download: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(bg)
	time.AfterFunc(300*time.Millisecond, cancel2)
	within(t, 10*time.Second, "a SITE never answered, cancelled", func() { err = c.Site(ctx2, "STALL") })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Site after cancel: %v", err)
	}
	if err := c.NoOp(bg); err == nil {
		t.Fatal("NoOp after a call cut while waiting for its reply: the connection should be shut down")
	}
}

// Close from another goroutine interrupts a call that would otherwise run on (a
// download stalled inside libftp, with no context to end it) and returns.
func TestCloseInterruptsARunningCall(t *testing.T) {
	s := newStallServer(t)
	c := dial(t, bg, fmt.Sprint(s.ln.Addr().(*net.TCPAddr).Port), ftp.WithTimeout(60*time.Second))
	done := make(chan error, 1)
	go func() {
		_, err := c.RetrTo(bg, "stalled.bin", io.Discard)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	within(t, 10*time.Second, "Close with a RetrTo running", func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := readEnded(t, done); !errors.Is(err, ftp.ErrInterrupted) {
		t.Fatalf("the RetrTo Close interrupted: %v", err)
	}
	if _, err := c.Pwd(bg); !errors.Is(err, ftp.ErrState) {
		t.Fatalf("Pwd after Close: %v", err)
	}
}
