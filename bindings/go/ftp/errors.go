package ftp

/*
#include <ftp.h>
*/
import "C"

import (
	"strconv"
	"strings"
)

// Code is a libftp result code (FTP_E_* in ftp.h). Each code is also an error, so
// errors.Is(err, ftp.ErrPerm) tells what kind of failure a call had.
type Code int

// The result codes of ftp.h; the values never change.
const (
	ErrReply       Code = C.FTP_E_REPLY         // an unexpected but well-formed reply (ftplib's error_reply)
	ErrTemp        Code = C.FTP_E_TEMP          // a 4xx reply (error_temp)
	ErrPerm        Code = C.FTP_E_PERM          // a 5xx reply (error_perm)
	ErrProto       Code = C.FTP_E_PROTO         // the server broke the protocol (error_proto)
	ErrIO          Code = C.FTP_E_IO            // a network or file I/O error
	ErrTimeout     Code = C.FTP_E_TIMEOUT       // a timeout
	ErrClosed      Code = C.FTP_E_CLOSED        // the server closed the connection
	ErrResolve     Code = C.FTP_E_RESOLVE       // the host name did not resolve
	ErrCancelled   Code = C.FTP_E_CANCELLED     // a callback asked to stop
	ErrInvalid     Code = C.FTP_E_INVALID       // a bad argument (CR/LF in a path, say)
	ErrState       Code = C.FTP_E_STATE         // not connected, or a transfer is open
	ErrBusy        Code = C.FTP_E_BUSY          // a transfer's reader or writer is open (close it first), or another call is running
	ErrTLS         Code = C.FTP_E_TLS           // a TLS failure
	ErrUntrusted   Code = C.FTP_E_TLS_UNTRUSTED // the certificate is not trusted
	ErrHostname    Code = C.FTP_E_TLS_HOSTNAME  // the certificate names another host
	ErrExpired     Code = C.FTP_E_TLS_EXPIRED   // the certificate has expired
	ErrTLSRequired Code = C.FTP_E_TLS_REQUIRED  // the server will not do TLS
	ErrInterrupted Code = C.FTP_E_INTERRUPTED   // interrupted (the call's context was done)
	ErrPinned      Code = C.FTP_E_TLS_PINNED    // the server's public key matches none of TLSConfig.PinnedPublicKeys
	ErrProxy       Code = C.FTP_E_PROXY         // the proxy (WithProxy) would not connect to the server, or answered garbage
	ErrProxyAuth   Code = C.FTP_E_PROXY_AUTH    // the proxy needs a user name and password, or refused them
	ErrNull        Code = C.FTP_E_NULL          // a required argument was missing (a bug in this package)
	ErrRecursive   Code = C.FTP_E_RECURSIVE     // a callback called into its own session
	ErrPanic       Code = C.FTP_E_PANIC         // an internal error in libftp; the session is unusable
)

// Error describes the code; in Go terms where libftp's text (ftp_strerror) speaks of
// C functions and threads.
func (c Code) Error() string {
	switch c {
	case ErrCancelled:
		return "cancelled by a callback (a progress, line or mirror function, or an io.Reader or io.Writer that failed)"
	case ErrBusy:
		return "connection busy: a transfer's reader or writer is still open, or another call is running"
	case ErrInterrupted:
		return "interrupted: the call's context is done"
	case ErrRecursive:
		return "a callback called into its own connection"
	}
	return C.GoString(C.ftp_strerror(C.int(c)))
}

// Error is what a failed call returns: the operation, the code, the server's last
// reply and libftp's message. Use errors.As to get at it, errors.Is to test the code.
type Error struct {
	Op        string // the Go method, e.g. "RetrTo" (a reader's Read and Close say "Read" and "Retr")
	Code      Code
	ReplyCode int    // the server's last reply code, 0 if none
	ReplyText string // the server's last reply, its lines joined by "\n"
	Message   string // what failed, from libftp (it often quotes the reply)
	ctxErr    error  // the context's error when its cancellation interrupted the call
}

// Error says what failed once: libftp's message, the context's error if that ended
// the call, and the server's last reply unless the message quotes it already.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code.Error()
	}
	if e.ctxErr != nil && !strings.Contains(msg, e.ctxErr.Error()) {
		msg += ": " + e.ctxErr.Error() // "interrupted: context canceled"
	}
	if e.ReplyCode != 0 {
		// libftp's messages write a reply on one line, its lines joined by " | ".
		reply := strings.ReplaceAll(strings.TrimRight(e.ReplyText, "\n"), "\n", " | ")
		if reply == "" {
			reply = strconv.Itoa(e.ReplyCode)
		}
		first, _, _ := strings.Cut(reply, " | ")
		if !strings.Contains(msg, first) {
			msg += " (last reply: " + reply + ")"
		}
	}
	return "ftp " + e.Op + ": " + msg
}

// Unwrap makes errors.Is(err, ftp.ErrPerm) and friends work.
func (e *Error) Unwrap() error { return e.Code }

// Is reports a call interrupted by its context as that context's error too, so
// errors.Is(err, context.Canceled) holds.
func (e *Error) Is(target error) bool { return e.ctxErr != nil && target == e.ctxErr }

func itoa(i int) string { return strconv.Itoa(i) }
