package integration

import (
	"bufio"
	"context"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// startStub starts `elfloader run --gdb 127.0.0.1:0 --gdb-wait argv...`
// and returns the command, the stub's address and the program's stdout.
func startStub(ctx context.Context, t *testing.T, argv []string) (*exec.Cmd, string, *strings.Builder) {
	t.Helper()
	args := append([]string{"run", "--gdb", "127.0.0.1:0", "--gdb-wait"}, testbin.EnvFlags()...)
	app := exec.CommandContext(ctx, testbin.Elfloader(t), append(args, argv...)...)
	var stdout strings.Builder
	app.Stdout = &stdout
	stderr, err := app.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(); err != nil {
		t.Fatalf("start elfloader: %v", err)
	}
	t.Cleanup(func() {
		app.Process.Kill()
		app.Wait()
	})
	return app, listenAddress(t, stderr), &stdout
}

// TestGDBSecondConnectionRefused: while one debugger is connected, a
// second connection gets an error packet and is closed.
func TestGDBSecondConnectionRefused(t *testing.T) {
	bin := gdbTargetBuild(t, "gcc-static")
	ctx, cancel := context.WithTimeout(context.Background(), gdbTimeout)
	defer cancel()
	_, addr, _ := startStub(ctx, t, []string{bin})
	var d net.Dialer
	first, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// The first connection is attached once it answers a packet.
	if _, err := first.Write([]byte("$?#3f")); err != nil {
		t.Fatal(err)
	}
	first.SetReadDeadline(time.Now().Add(30 * time.Second))
	reply, err := bufio.NewReader(first).ReadString('#')
	if err != nil || !strings.Contains(reply, "$T05thread:") {
		t.Fatalf("first connection: %q, %v", reply, err)
	}
	second, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(second)
	if err != nil || !strings.HasPrefix(string(got), "$E.") || !strings.Contains(string(got), "already attached") {
		t.Fatalf("second connection got %q, %v; want an error packet and EOF", got, err)
	}
}

// TestGDBDetach: after gdb detaches at a breakpoint, the breakpoint is
// gone and the program runs to its normal end.
func TestGDBDetach(t *testing.T) {
	gdbPath, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed")
	}
	bin := gdbTargetBuild(t, "gcc-static")
	ctx, cancel := context.WithTimeout(context.Background(), gdbTimeout)
	defer cancel()
	app, addr, stdout := startStub(ctx, t, []string{bin})
	out, err := exec.CommandContext(ctx, gdbPath, "-batch", "-nx", "-ex", "target remote "+addr,
		"-ex", "break add_up", "-ex", "continue", "-ex", "detach", bin).CombinedOutput()
	t.Logf("gdb:\n%s", out)
	if err != nil {
		t.Fatalf("gdb: %v", err)
	}
	wantAll(t, string(out), `Breakpoint 1, add_up \(n=10\)`, `\[Inferior 1 \(Remote target\) detached\]`)
	if err := app.Wait(); err != nil {
		t.Fatalf("elfloader after detach: %v", err)
	}
	if stdout.String() != "total 62\n" {
		t.Fatalf("program output %q, want %q", stdout.String(), "total 62\n")
	}
}
