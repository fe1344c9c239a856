package ftp

/*
#include <ftp.h>
#include <stdlib.h>

extern int goftpVerify(void *, uint8_t **, size_t *, size_t, bool, int, char *);
extern int goftpPassphrase(void *, char *, size_t, size_t *);
*/
import "C"

import (
	"crypto/tls"
	"strings"
	"unsafe"
)

// TLSConfig asks for FTPS. The zero value is explicit FTPS (AUTH TLS) verified against
// the system's trust store, TLS 1.2 or newer, with data connections protected and
// resuming the control connection's TLS session.
type TLSConfig struct {
	Implicit bool // TLS from the first byte (port 990) instead of AUTH TLS

	// Trust: CA certificates from a PEM file, a hashed directory, and PEM text in
	// memory (each CAPEM element may hold several certificates); any of them
	// replaces the system's trust store.
	CAFile string
	CADir  string
	CAPEM  [][]byte

	// A client certificate (chain, leaf first) and its key: from PEM files, or from
	// PEM text in memory. An encrypted key in memory takes KeyPassphrase, or asks
	// KeyPassphraseFunc (once, during Dial).
	CertFile, KeyFile string
	CertPEM, KeyPEM   []byte
	KeyPassphrase     string
	KeyPassphraseFunc func() ([]byte, error)

	// InsecureSkipVerify accepts any certificate (for tests only; pins and
	// VerifyFunc still apply).
	InsecureSkipVerify bool
	// PinnedPublicKeys pins the server's public key: "sha256//BASE64" values (curl's
	// --pinnedpubkey), any of which must match, on the control and every data
	// connection; a mismatch fails with ErrPinned.
	PinnedPublicKeys []string
	// VerifyFunc, if set, decides on the server's certificate chain in each full
	// handshake, after OpenSSL's verdict (Verification.Verified): nil accepts the
	// chain, an error rejects it (ErrUntrusted). It runs on the thread making the
	// call (a pool's or a mirror's worker too), and must not call methods of the Conn.
	VerifyFunc func(Verification) error

	MinVersion, MaxVersion uint16 // tls.VersionTLS12 ...; 0 for the defaults
	CipherList             string // TLS 1.2 and older ciphers, OpenSSL syntax
	CipherSuites           string // TLS 1.3 cipher suites, OpenSSL syntax

	ClearData           bool // leave data connections unprotected (no PROT P after login)
	DisableSessionReuse bool // full handshakes on data connections
	AuthSSLFallback     bool // try AUTH SSL where AUTH TLS is refused
}

// Verification is what VerifyFunc is shown.
type Verification struct {
	Chain     [][]byte // DER certificates, the server's own first
	Verified  bool     // OpenSSL's verdict
	X509Error int      // OpenSSL's X509_V_* code, 0 when verified
	Reason    string   // its text, e.g. "self-signed certificate"
}

func tlsVersion(v uint16) C.int {
	switch v {
	case tls.VersionTLS10:
		return C.FTP_TLS_VERSION_1_0
	case tls.VersionTLS11:
		return C.FTP_TLS_VERSION_1_1
	case tls.VersionTLS12:
		return C.FTP_TLS_VERSION_1_2
	case tls.VersionTLS13:
		return C.FTP_TLS_VERSION_1_3
	}
	return C.FTP_TLS_VERSION_DEFAULT
}

// cbytes is a C copy of b (which C needs only for the call).
func cbytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return (*C.char)(C.malloc(1)), 0
	}
	return (*C.char)(C.CBytes(b)), C.size_t(len(b))
}

// buildTLS makes the C configuration; the verify callback's box goes to keep, which
// lives as long as the sessions (and pools) that may connect with it.
func buildTLS(op string, cfg *TLSConfig, keep *keeper) (*C.ftp_tls_config, error) {
	t := C.ftp_tls_config_new()
	if t == nil {
		return nil, &Error{Op: op, Code: ErrIO, Message: "out of memory"}
	}
	if err := configureTLS(op, cfg, keep, t); err != nil {
		C.ftp_tls_config_free(t)
		return nil, err
	}
	return t, nil
}

func configureTLS(op string, cfg *TLSConfig, keep *keeper, t *C.ftp_tls_config) error {
	set := func(rc C.ftp_result, what string) error {
		if rc == C.FTP_OK {
			return nil
		}
		msg := what + ": " + Code(rc).Error()
		if m := C.ftp_tls_config_last_error(t); m != nil && *m != 0 {
			msg = C.GoString(m) // names the file or the setting and why it failed
		}
		return &Error{Op: op, Code: Code(rc), Message: msg}
	}
	withString := func(s string, f func(*C.char) C.ftp_result, what string) error {
		if s == "" {
			return nil
		}
		if err := hasNUL(op, s); err != nil {
			return err
		}
		p := cstr(s)
		defer C.free(unsafe.Pointer(p))
		return set(f(p), what)
	}
	if err := withString(cfg.CAFile, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_ca_file(t, p) }, "CA file "+cfg.CAFile); err != nil {
		return err
	}
	if err := withString(cfg.CADir, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_ca_dir(t, p) }, "CA directory "+cfg.CADir); err != nil {
		return err
	}
	for i, pem := range cfg.CAPEM {
		p, n := cbytes(pem)
		var rc C.ftp_result
		if i == 0 {
			rc = C.ftp_tls_config_set_ca_pem(t, p, n)
		} else {
			rc = C.ftp_tls_config_add_ca_pem(t, p, n)
		}
		C.free(unsafe.Pointer(p))
		if err := set(rc, "CA PEM"); err != nil {
			return err
		}
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if err := hasNUL(op, cfg.CertFile, cfg.KeyFile); err != nil {
			return err
		}
		cert, key := cstr(cfg.CertFile), cstr(cfg.KeyFile)
		rc := C.ftp_tls_config_set_client_cert(t, cert, key)
		C.free(unsafe.Pointer(cert))
		C.free(unsafe.Pointer(key))
		if err := set(rc, "client certificate"); err != nil {
			return err
		}
	}
	if len(cfg.CertPEM) > 0 || len(cfg.KeyPEM) > 0 {
		if err := clientCertPEM(op, cfg, t, set); err != nil {
			return err
		}
	}
	if err := set(C.ftp_tls_config_set_insecure_skip_verify(t, C.bool(cfg.InsecureSkipVerify)), "InsecureSkipVerify"); err != nil {
		return err
	}
	if len(cfg.PinnedPublicKeys) > 0 {
		pins := strings.Join(cfg.PinnedPublicKeys, ";")
		if err := withString(pins, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_pinned_pubkey(t, p) }, "pinned public keys"); err != nil {
			return err
		}
	}
	if cfg.VerifyFunc != nil {
		box := keep.box(&verifier{fn: cfg.VerifyFunc})
		if err := set(C.ftp_tls_config_set_verify_cb(t, (C.ftp_tls_verify_cb)(unsafe.Pointer(C.goftpVerify)), box), "VerifyFunc"); err != nil {
			return err
		}
	}
	if cfg.MinVersion != 0 || cfg.MaxVersion != 0 {
		if err := set(C.ftp_tls_config_set_versions(t, tlsVersion(cfg.MinVersion), tlsVersion(cfg.MaxVersion)), "TLS versions"); err != nil {
			return err
		}
	}
	if err := withString(cfg.CipherList, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_cipher_list(t, p) }, "cipher list"); err != nil {
		return err
	}
	if err := withString(cfg.CipherSuites, func(p *C.char) C.ftp_result { return C.ftp_tls_config_set_ciphersuites(t, p) }, "cipher suites"); err != nil {
		return err
	}
	C.ftp_tls_config_set_protect_data(t, C.bool(!cfg.ClearData))
	C.ftp_tls_config_set_session_reuse(t, C.bool(!cfg.DisableSessionReuse))
	C.ftp_tls_config_set_auth_ssl_fallback(t, C.bool(cfg.AuthSSLFallback))
	return nil
}

func clientCertPEM(op string, cfg *TLSConfig, t *C.ftp_tls_config, set func(C.ftp_result, string) error) error {
	cert, certLen := cbytes(cfg.CertPEM)
	defer C.free(unsafe.Pointer(cert))
	key, keyLen := cbytes(cfg.KeyPEM)
	defer C.free(unsafe.Pointer(key))
	if cfg.KeyPassphraseFunc != nil {
		src := &passphrase{fn: cfg.KeyPassphraseFunc}
		box := newBox(src)
		defer freeBox(box)
		rc := C.ftp_tls_config_set_client_cert_pem_cb(t, cert, certLen, key, keyLen, (C.ftp_tls_passphrase_cb)(unsafe.Pointer(C.goftpPassphrase)), box)
		if src.err != nil {
			return &Error{Op: op, Code: ErrCancelled, Message: "KeyPassphraseFunc: " + src.err.Error()}
		}
		return set(rc, "client certificate PEM")
	}
	var pass *C.char
	if cfg.KeyPassphrase != "" {
		if err := hasNUL(op, cfg.KeyPassphrase); err != nil {
			return err
		}
		pass = cstr(cfg.KeyPassphrase)
		defer C.free(unsafe.Pointer(pass))
	}
	return set(C.ftp_tls_config_set_client_cert_pem(t, cert, certLen, key, keyLen, pass), "client certificate PEM")
}

type verifier struct{ fn func(Verification) error }

//export goftpVerify
func goftpVerify(ud unsafe.Pointer, certs **C.uint8_t, lens *C.size_t, count C.size_t, verified C.bool, x509Error C.int, reason *C.char) (rc C.int) {
	v := unbox(ud).(*verifier)
	n := int(count)
	ptrs := unsafe.Slice(certs, n)
	sizes := unsafe.Slice(lens, n)
	chain := make([][]byte, n)
	for i := range chain {
		chain[i] = C.GoBytes(unsafe.Pointer(ptrs[i]), C.int(sizes[i]))
	}
	defer func() {
		if recover() != nil {
			rc = 1
		}
	}()
	if v.fn(Verification{Chain: chain, Verified: bool(verified), X509Error: int(x509Error), Reason: goStringOrEmpty(reason)}) != nil {
		return 1
	}
	return 0
}

type passphrase struct {
	fn  func() ([]byte, error)
	err error
}

//export goftpPassphrase
func goftpPassphrase(ud unsafe.Pointer, buf *C.char, capacity C.size_t, n *C.size_t) C.int {
	p := unbox(ud).(*passphrase)
	pass, err := p.fn()
	if err != nil {
		p.err = err
		return 1
	}
	if len(pass) > int(capacity) {
		pass = pass[:capacity] // libftp then says the passphrase is wrong
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(capacity)), pass)
	*n = C.size_t(len(pass))
	return 0
}
