package integration

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/sandbox"
	"github.com/elfloader/elfloader/tests/testbin"
)

// TestLandlockConfinesEscapedCode runs app code that clears the Syscall
// User Dispatch selector and creates files with raw host system calls:
// with the host confinement (the default) it cannot create a file in the
// host's /tmp or in a read-only volume, and can in a :rw volume; with
// --unsafe-no-host-filter the same code does reach the host, which shows
// the escape is real.
func TestLandlockConfinesEscapedCode(t *testing.T) {
	if sandbox.ABI() < 1 {
		t.Skip("the host kernel has no Landlock: elfloader says so and runs unconfined")
	}
	if strings.Contains(os.Getenv(testbin.FlagsEnv), "isolated") {
		t.Skip("the isolated platform's app code cannot reach the host kernel at all")
	}
	bin := testbin.Build(t, testbin.CSource(t, "escape_host.c"), testbin.StaticVariants()[0])
	run := func(t *testing.T, extra ...string) (string, string, string, string) {
		dir := t.TempDir()
		ro, rw := filepath.Join(dir, "ro"), filepath.Join(dir, "rw")
		for _, d := range []string{ro, rw} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		host := filepath.Join(dir, "host-file")
		flags := append(extra, "--volume", ro+":/ro", "--volume", rw+":/rw:rw")
		got := testbin.RunElfloader(t, threadTimeout, flags, []string{bin, host, filepath.Join(ro, "f"), filepath.Join(rw, "f")}, nil, nil)
		if got.Status != 0 {
			t.Fatalf("status %d\n%s%s", got.Status, got.Stdout, got.Stderr)
		}
		return got.Stdout, host, filepath.Join(ro, "f"), filepath.Join(rw, "f")
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }

	t.Run("confined", func(t *testing.T) {
		out, host, ro, rw := run(t)
		want := "host: errno 13\nread-only volume: errno 13\nrw volume: created\n"
		if out != want {
			t.Errorf("output:\n%s\nwant:\n%s", out, want)
		}
		if exists(host) || exists(ro) {
			t.Errorf("escaped code wrote the host: %s %v, %s %v", host, exists(host), ro, exists(ro))
		}
		if b, err := os.ReadFile(rw); err != nil || string(b) != "escaped\n" {
			t.Errorf("the :rw volume file: %q %v", b, err)
		}
	})
	t.Run("unsafe-no-host-filter", func(t *testing.T) {
		out, host, _, _ := run(t, "--unsafe-no-host-filter")
		if !strings.HasPrefix(out, "host: created") || !exists(host) {
			t.Errorf("without confinement the escape should reach the host; output:\n%s", out)
		}
	})
}

// TestHostFilterRefusesEscapedCalls runs app code that clears the Syscall
// User Dispatch selector and makes one raw host system call: elfloader's
// seccomp filter (the default) lets through what elfloader itself needs
// (getpid), answers EPERM to other calls (mq_unlink, any int $0x80) and
// kills the program for the dangerous ones (mount, ptrace, bpf) with one
// line of report and the status of a death by SIGSYS. With --unsafe-no-host-filter the same
// calls reach the host kernel, which shows the escape is real.
func TestHostFilterRefusesEscapedCalls(t *testing.T) {
	if strings.Contains(os.Getenv(testbin.FlagsEnv), "isolated") {
		t.Skip("the isolated platform's app code cannot reach the host kernel at all (TestIsolatedEscape)")
	}
	bin := testbin.Build(t, testbin.CSource(t, "escape_seccomp.c"), testbin.StaticVariants()[0])
	cases := []struct {
		call   string
		unsafe bool
		status int
		out    string
	}{
		{call: "getpid", out: "getpid: ok\n"},
		{call: "mq_unlink", out: "mq_unlink: errno 1\n"},
		{call: "int80", out: "int80: errno 1\n"},
		{call: "mount", status: 128 + int(unix.SIGSYS)},
		{call: "ptrace", status: 128 + int(unix.SIGSYS)},
		{call: "bpf", status: 128 + int(unix.SIGSYS)},
		{call: "mount", unsafe: true, out: "mount: errno 2\n"},   // ENOENT: no such mount point
		{call: "ptrace", unsafe: true, out: "ptrace: errno 3\n"}, // ESRCH: no such process
		{call: "bpf", unsafe: true, out: "bpf: errno 22\n"},      // EINVAL: no such command
		{call: "int80", unsafe: true, out: "int80: ok\n"},
	}
	for _, c := range cases {
		if c.call == "int80" && !hostHasInt80(t) {
			// The host refuses int $0x80 itself (#GP): elfloader serves
			// it, escaped or not, and the host kernel never sees it.
			c.out = "int80: ok\n"
		}
		name := c.call
		var flags []string
		if c.unsafe {
			name += "/unsafe-no-host-filter"
			flags = []string{"--unsafe-no-host-filter"}
		}
		t.Run(name, func(t *testing.T) {
			got := testbin.RunElfloader(t, threadTimeout, flags, []string{bin, c.call}, nil, nil)
			if got.Status != c.status || got.Stdout != c.out {
				t.Fatalf("status %d, output %q, want %d, %q\nstderr:\n%s", got.Status, got.Stdout, c.status, c.out, got.Stderr)
			}
			if c.status == 0 {
				return
			}
			want := "elfloader: program killed by signal SIGSYS: process "
			lines := strings.Split(strings.TrimSuffix(got.Stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], "("+c.call+")") {
				t.Errorf("stderr should be one line saying the host filter killed the program for %s:\n%s", c.call, got.Stderr)
			}
		})
	}
}

// TestLandlockDeniesHostTCPInSandbox runs tests/c/escape_tcp.c: app code
// that escapes elfloader and makes raw host TCP calls. With --net=sandbox
// (the app's network is elfloader's own) the host's Landlock network rules
// refuse connect and bind; with the host's network both go through.
func TestLandlockDeniesHostTCPInSandbox(t *testing.T) {
	if sandbox.ABI() < 4 {
		t.Skip("the host's Landlock has no network rules (ABI < 4)")
	}
	if strings.Contains(os.Getenv(testbin.FlagsEnv), "isolated") {
		t.Skip("the isolated platform's app code cannot reach the host kernel at all")
	}
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
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	bin := testbin.Build(t, testbin.CSource(t, "escape_tcp.c"), testbin.StaticVariants()[0])
	for _, c := range []struct{ net, want string }{
		{"sandbox", "connect: errno 13\nbind: errno 13\n"},
		{"host", "connect: ok\nbind: ok\n"},
	} {
		t.Run(c.net, func(t *testing.T) {
			got := testbin.RunElfloader(t, threadTimeout, []string{"--net=" + c.net}, []string{bin, port}, nil, nil)
			if got.Stdout != c.want || got.Status != 0 {
				t.Errorf("status %d, output:\n%s\nwant:\n%s\nstderr:\n%s", got.Status, got.Stdout, c.want, got.Stderr)
			}
		})
	}
}
