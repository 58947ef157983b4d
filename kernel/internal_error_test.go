package kernel_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/plat/inproc"
)

// panickingDispatcher stands for a syscall handler with a bug.
type panickingDispatcher struct{}

func (panickingDispatcher) Dispatch(*kernel.Task) {
	var m map[string]int
	m["handler bug"]++ // assignment to entry in nil map
}

// TestHandlerPanicEndsRun runs a real program whose first syscall reaches a
// handler that panics: Run must return an *InternalError naming the task and
// the panic site, with InternalErrorStatus, and not crash the test process.
func TestHandlerPanicEndsRun(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "w.c")
	os.WriteFile(src, []byte("#include <unistd.h>\nint main(void) { write(1, \"x\", 1); return 3; }\n"), 0o644)
	bin := filepath.Join(dir, "w")
	if out, err := exec.Command(gcc, "-static-pie", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("gcc -static-pie: %v\n%s", err, out)
	}
	p, err := inproc.New()
	if err != nil {
		t.Skip(err)
	}
	var report bytes.Buffer
	k, err := kernel.New(kernel.Config{Platform: p, Syscalls: panickingDispatcher{},
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Report: &report})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, err := k.Run(ctx, kernel.ExecSpec{Path: bin, Argv: []string{bin}})
	var ie *kernel.InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("Run = %d, %v; want an *InternalError", status, err)
	}
	if status != kernel.InternalErrorStatus {
		t.Errorf("status %d, want %d", status, kernel.InternalErrorStatus)
	}
	msg := ie.Error()
	for _, want := range []string{"internal error in task ", "assignment to entry in nil map", "internal_error_test.go:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") {
		t.Errorf("error is not one clean line: %q", msg)
	}
	var line bytes.Buffer
	ie.Report(&line)
	if got := line.String(); !strings.HasPrefix(got, "elfloader: internal error in task ") || strings.Count(got, "\n") != 1 {
		t.Errorf("Report wrote %q", got)
	}
}
