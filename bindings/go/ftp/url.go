package ftp

/*
#include <ftp.h>
#include <stdlib.h>
*/
import "C"

import "unsafe"

// URL is an ftp:// or ftps:// URL as libftp reads it (RFC 1738, with %-decoding).
type URL struct {
	Host     string
	Port     int // 0 when the URL gives none
	User     string
	Password string
	Path     string // the path, decoded, without its leading '/'
	FTPS     bool   // ftps:// (implicit TLS)
	Type     byte   // the ";type=" code ('a', 'i', 'd'), 0 if none
}

func newURL(raw string) (*C.ftp_url, error) {
	if err := hasNUL("ParseURL", raw); err != nil {
		return nil, err
	}
	u := C.ftp_url_new()
	if u == nil {
		return nil, &Error{Op: "ParseURL", Code: ErrIO, Message: "out of memory"}
	}
	s := cstr(raw)
	defer C.free(unsafe.Pointer(s))
	if rc := C.ftp_url_parse(u, s); rc != C.FTP_OK {
		err := &Error{Op: "ParseURL", Code: Code(rc), Message: goStringOrEmpty(C.ftp_url_last_error(u))}
		C.ftp_url_free(u)
		return nil, err
	}
	return u, nil
}

// ParseURL parses an ftp:// or ftps:// URL.
func ParseURL(raw string) (*URL, error) {
	u, err := newURL(raw)
	if err != nil {
		return nil, err
	}
	defer C.ftp_url_free(u)
	var l C.size_t
	out := &URL{
		Host:     goStringOrEmpty(C.ftp_url_host(u)),
		Port:     int(C.ftp_url_port(u)),
		User:     goStringOrEmpty(C.ftp_url_user(u)),
		Password: goStringOrEmpty(C.ftp_url_password(u)),
		FTPS:     bool(C.ftp_url_is_ftps(u)),
		Type:     byte(C.ftp_url_type(u)),
	}
	if p := C.ftp_url_path(u, &l); p != nil {
		out.Path = C.GoStringN(p, C.int(l))
	}
	return out, nil
}
