//go:build !cgo

package ftp

// This package is a binding of the C library libftp and needs cgo: build with
// CGO_ENABLED=1 and a C compiler, with libftp's libftp.pc on PKG_CONFIG_PATH. Without
// cgo the build stops here with the message below (an undefined name, on purpose).
var _ = libftp_Go_binding_needs_cgo__build_with_CGO_ENABLED_1_a_C_compiler_and_libftp_pc_on_PKG_CONFIG_PATH
