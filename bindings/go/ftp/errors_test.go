package ftp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/libftp/libftp/bindings/go/ftp"
)

// Error texts say the server's reply once, and speak Go, not libftp's C API.
func TestErrorTextSaysTheReplyOnce(t *testing.T) {
	for _, tc := range []struct {
		err  *ftp.Error
		want string
	}{
		// libftp's message quotes the reply: not repeated.
		{&ftp.Error{Op: "Cwd", Code: ftp.ErrPerm, ReplyCode: 550, ReplyText: "550 No such directory.",
			Message: "CWD x: server replied 550 No such directory."},
			"ftp Cwd: CWD x: server replied 550 No such directory."},
		// A multi-line reply, quoted on one line by libftp.
		{&ftp.Error{Op: "Login", Code: ftp.ErrPerm, ReplyCode: 530, ReplyText: "530-Denied\n530 Go away",
			Message: "PASS ***: server replied 530-Denied | 530 Go away"},
			"ftp Login: PASS ***: server replied 530-Denied | 530 Go away"},
		// A message that does not quote it: added, once, on one line.
		{&ftp.Error{Op: "Retr", Code: ftp.ErrTimeout, ReplyCode: 150, ReplyText: "150-Opening\n150 data connection",
			Message: "timed out: data connection"},
			"ftp Retr: timed out: data connection (last reply: 150-Opening | 150 data connection)"},
		// No reply, no message: the code's text.
		{&ftp.Error{Op: "Pwd", Code: ftp.ErrInterrupted}, "ftp Pwd: interrupted: the call's context is done"},
		{&ftp.Error{Op: "Pwd", Code: ftp.ErrBusy, ReplyCode: 257}, "ftp Pwd: connection busy: a transfer's reader or writer is still open, or another call is running (last reply: 257)"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error()\n got %q\nwant %q", got, tc.want)
		}
	}
	for c := ftp.ErrReply; c <= ftp.ErrInterrupted; c++ {
		if text := c.Error(); strings.Contains(text, "ftp_") || strings.Contains(text, "thread") || text == "" {
			t.Errorf("Code %d's text %q is not in Go terms", int(c), text)
		}
	}
}

func TestErrorsIsAndAs(t *testing.T) {
	env := servers(t)
	c := dial(t, context.Background(), env["VSFTPD_PORT"])
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	// A 5xx refusal, also once wrapped by the caller.
	_, err := c.RetrTo(bg, "no-such-file", io.Discard)
	for _, err := range []error{err, fmt.Errorf("fetching: %w", err)} {
		var fe *ftp.Error
		var code ftp.Code
		if !errors.Is(err, ftp.ErrPerm) || errors.Is(err, ftp.ErrTemp) || errors.Is(err, context.Canceled) ||
			!errors.As(err, &fe) || fe.Code != ftp.ErrPerm || fe.ReplyCode != 550 || fe.Op != "RetrTo" ||
			!errors.As(err, &code) || code != ftp.ErrPerm {
			t.Fatalf("missing file: %v (%#v)", err, fe)
		}
		if n := strings.Count(err.Error(), fe.ReplyText); n != 1 {
			t.Fatalf("the reply %q is in %q %d times, want once", fe.ReplyText, err.Error(), n)
		}
	}
	// Busy: ErrBusy and nothing else.
	r, err := c.Retr(bg, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Pwd(bg)
	var fe *ftp.Error
	if !errors.Is(err, ftp.ErrBusy) || errors.Is(err, ftp.ErrState) || !errors.As(err, &fe) || fe.Code != ftp.ErrBusy {
		t.Fatalf("Pwd with a reader open: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// Interrupted by the context: both the code and the context's error, said in Go.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c2 := dial(t, bg, env["VSFTPD_PORT"])
	if err := c2.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, err := c2.RetrTo(ctx, "big.bin", cancelAfter{cancel}); return err }, // interrupted inside libftp
		func() error { _, err := c2.Pwd(ctx); return err },                                    // refused, the context being done
	} {
		err := call()
		var fe *ftp.Error
		if !errors.Is(err, ftp.ErrInterrupted) || !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
			!errors.As(err, &fe) || fe.Code != ftp.ErrInterrupted {
			t.Fatalf("after cancel: %v", err)
		}
		if text := err.Error(); strings.Contains(text, "ftp_") || strings.Count(text, "context canceled") != 1 {
			t.Fatalf("after cancel: %q, want the context's error once and no C names", text)
		}
	}
}
