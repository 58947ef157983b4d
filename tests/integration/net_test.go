package integration

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// netTimeout bounds one run of a network program; the slowest (net_epoll,
// 2×50 client threads) takes well under a second natively.
const netTimeout = 30 * time.Second

// netPrograms are the socket and event-loop programs of tests/c. Each
// prints deterministic output (never a port or an address) and is compared
// with its native run.
func netPrograms() []cProgram {
	return []cProgram{
		{source: "net_tcp.c"},     // socket calls and errno cases over TCP
		{source: "net_sigpipe.c"}, // SIGPIPE kills the writer: status 141
		{source: "net_udp.c"},     // UDP ping-pong, sendmmsg/recvmmsg
		{source: "net_epoll.c"},   // epoll echo server, 50 clients, LT/ET/ONESHOT
		{source: "net_scm.c"},     // SCM_RIGHTS passing a pipe end, a regular file and /dev/null
		{source: "net_unix.c"},    // unix sockets: path in /tmp, abstract, dgram, seqpacket
		{source: "net_event.c"},   // eventfd, timerfd, poll/select on a pipe
		{source: "net_eintr.c"},   // EINTR/SA_RESTART, signalfd in epoll, SO_RCVTIMEO
		{source: "net_timeo.c"},   // SO_SNDTIMEO/SO_RCVTIMEO bound a whole TCP call
	}
}

// TestNet compares every network program with its native run in every
// static variant and gcc-dynamic, on loopback.
func TestNet(t *testing.T) {
	for _, p := range netPrograms() {
		t.Run(p.name(), func(t *testing.T) {
			for _, v := range staticAndGlibcDynamic(t) {
				t.Run(v.Name, func(t *testing.T) {
					t.Parallel()
					bin := p.build(t, v)
					_, loaded := testbin.CompareWithNative(t, netTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
					assertNoPanic(t, loaded.Stderr)
				})
			}
		})
	}
}

// TestNetSigpipeStatus checks the status of a program killed by SIGPIPE
// explicitly: 128+13, both natively and under elfloader.
func TestNetSigpipeStatus(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	bin := cProgram{source: "net_sigpipe.c"}.build(t, v)
	native := testbin.RunNative(t, netTimeout, []string{bin}, nil, nil)
	loaded := testbin.RunElfloader(t, netTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
	if native.Status != 141 {
		t.Errorf("native status %d, want 141", native.Status)
	}
	if loaded.Status != 141 {
		t.Errorf("elfloader status %d, want 141; stderr:\n%s", loaded.Status, loaded.Stderr)
	}
}

// TestNetUnixSocketStaysInApp binds a unix socket to a path under the
// app's /tmp, leaves it bound at exit, and checks that the program saw a
// socket file there while the host has no such path: app unix sockets
// live in the app's file system only.
func TestNetUnixSocketStaysInApp(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	bin := cProgram{source: "net_unix.c"}.build(t, v)
	path := fmt.Sprintf("/tmp/elfloader-net-%d-%d.sock", os.Getpid(), time.Now().UnixNano())
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("host path %s exists before the run: %v", path, err)
	}
	loaded := testbin.RunElfloader(t, netTimeout, testbin.EnvFlags(), []string{bin, path, "keep"}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	if loaded.Status != 0 {
		t.Errorf("status %d, want 0; stderr:\n%s", loaded.Status, loaded.Stderr)
	}
	for _, want := range []string{"bind path: ok\n", "lstat: ok, is socket: 1\n", "client got: HELLO OVER UNIX\n", "kept\n", "done\n"} {
		if !strings.Contains(loaded.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, loaded.Stdout)
		}
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		os.Remove(path)
		t.Errorf("the app's unix socket %s appeared on the host (lstat: %v)", path, err)
	}
}

// TestNetNone runs the loopback-only programs with --net=none: loopback
// TCP/UDP and unix sockets must still work.
func TestNetNone(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	flags := append(testbin.EnvFlags(), "--net=none")
	for _, p := range []cProgram{{source: "net_udp.c"}, {source: "net_unix.c"}, {source: "net_epoll.c"}} {
		t.Run(p.name(), func(t *testing.T) {
			t.Parallel()
			bin := p.build(t, v)
			_, loaded := testbin.CompareWithNative(t, netTimeout, flags, []string{bin}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}
