package ftp

/*
#include <ftp.h>
*/
import "C"

import "fmt"

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
	ErrBusy        Code = C.FTP_E_BUSY          // the session is in use by another goroutine
	ErrTLS         Code = C.FTP_E_TLS           // a TLS failure
	ErrUntrusted   Code = C.FTP_E_TLS_UNTRUSTED // the certificate is not trusted
	ErrHostname    Code = C.FTP_E_TLS_HOSTNAME  // the certificate names another host
	ErrExpired     Code = C.FTP_E_TLS_EXPIRED   // the certificate has expired
	ErrTLSRequired Code = C.FTP_E_TLS_REQUIRED  // the server will not do TLS
	ErrInterrupted Code = C.FTP_E_INTERRUPTED   // interrupted (the context was cancelled)
)

func (c Code) Error() string { return C.GoString(C.ftp_strerror(C.int(c))) }

// Error is what a failed call returns: the operation, the code, the server's last
// reply and libftp's message. Use errors.As to get at it, errors.Is to test the code.
type Error struct {
	Op        string // the Go method, e.g. "Retr"
	Code      Code
	ReplyCode int    // the server's last reply code, 0 if none
	ReplyText string // the server's last reply
	Message   string // what failed, from libftp
	ctxErr    error  // the context's error when its cancellation interrupted the call
}

func (e *Error) Error() string {
	if e.ReplyCode != 0 {
		return fmt.Sprintf("ftp %s: %s (last reply: %s)", e.Op, e.Message, e.ReplyText)
	}
	return fmt.Sprintf("ftp %s: %s", e.Op, e.Message)
}

// Unwrap makes errors.Is(err, ftp.ErrPerm) and friends work.
func (e *Error) Unwrap() error { return e.Code }

// Is reports a call interrupted by its context as that context's error too, so
// errors.Is(err, context.Canceled) holds.
func (e *Error) Is(target error) bool { return e.ctxErr != nil && target == e.ctxErr }
