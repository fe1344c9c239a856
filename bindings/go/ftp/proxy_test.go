package ftp_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libftp/libftp/bindings/go/ftp"
)

// socks5 is a minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT by IPv4
// address or by name) that counts the connections it relays.
type socks5 struct {
	ln    net.Listener
	relay atomic.Int64
}

func newSocks5(t *testing.T) *socks5 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &socks5{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *socks5) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 262)
	// Greeting: version 5, the methods offered; "no authentication" is chosen.
	if _, err := io.ReadFull(c, buf[:2]); err != nil || buf[0] != 5 {
		return
	}
	if _, err := io.ReadFull(c, buf[:buf[1]]); err != nil {
		return
	}
	if _, err := c.Write([]byte{5, 0}); err != nil {
		return
	}
	// Request: 5, CONNECT, 0, address type, address, port.
	if _, err := io.ReadFull(c, buf[:4]); err != nil || buf[1] != 1 {
		return
	}
	var host string
	switch buf[3] {
	case 1:
		if _, err := io.ReadFull(c, buf[:4]); err != nil {
			return
		}
		host = net.IP(buf[:4]).String()
	case 3:
		if _, err := io.ReadFull(c, buf[:1]); err != nil {
			return
		}
		n := int(buf[0])
		if _, err := io.ReadFull(c, buf[:n]); err != nil {
			return
		}
		host = string(buf[:n])
	default:
		c.Write([]byte{5, 8, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	if _, err := io.ReadFull(c, buf[:2]); err != nil {
		return
	}
	port := binary.BigEndian.Uint16(buf[:2])
	up, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))), 5*time.Second)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	if _, err := c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}); err != nil {
		return
	}
	p.relay.Add(1)
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

func TestProxy(t *testing.T) {
	env := servers(t)
	p := newSocks5(t)
	c := dial(t, bg, env["VSFTPD_PORT"], ftp.WithProxy("socks5h://"+p.ln.Addr().String()))
	if err := c.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := c.RetrTo(bg, "hello.txt", &b); err != nil || b.String() != "hello, world\n" {
		t.Fatalf("download through the proxy: %q, %v", b.String(), err)
	}
	// The control connection and the data connection both went through it.
	if n := p.relay.Load(); n != 2 {
		t.Fatalf("the proxy relayed %d connections, want 2", n)
	}
	// A proxy that does not answer SOCKS: ErrProxy; a bad proxy URL: ErrInvalid.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.0 200 not a SOCKS proxy\r\n\r\n"))
			c.Close()
		}
	}()
	_, err = ftp.Dial(bg, "127.0.0.1:"+env["VSFTPD_PORT"], ftp.WithTimeout(5*time.Second),
		ftp.WithProxy("socks5://"+ln.Addr().String()))
	if !errors.Is(err, ftp.ErrProxy) {
		t.Fatalf("a proxy speaking no SOCKS: %v", err)
	}
	_, err = ftp.Dial(bg, "127.0.0.1:"+env["VSFTPD_PORT"], ftp.WithProxy("gopher://x"))
	if !errors.Is(err, ftp.ErrInvalid) {
		t.Fatalf("a bad proxy URL: %v", err)
	}
}

func TestPoolCloseIdle(t *testing.T) {
	env := servers(t)
	tmpl := dial(t, bg, env["VSFTPD_PORT"])
	if err := tmpl.Login(bg, "", ""); err != nil {
		t.Fatal(err)
	}
	pool, err := ftp.NewPool(tmpl, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	a, err := pool.Get(bg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pool.Get(bg)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Put(a); err != nil {
		t.Fatal(err)
	}
	// One idle, one in use: only the idle one goes.
	n, err := pool.CloseIdle(5 * time.Second)
	if err != nil || n != 1 {
		t.Fatalf("CloseIdle: %d, %v", n, err)
	}
	if st := pool.Stats(); st.Idle != 0 || st.InUse != 1 {
		t.Fatalf("after CloseIdle: %+v", st)
	}
	if err := b.NoOp(bg); err != nil {
		t.Fatalf("the session in use still works: %v", err)
	}
	if err := pool.Put(b); err != nil {
		t.Fatal(err)
	}
}
