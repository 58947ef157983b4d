package testbin

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// DefaultTimeout is the time limit used when a caller passes 0.
const DefaultTimeout = 20 * time.Second

// maxOutput caps what is kept of a program's stdout or stderr.
const maxOutput = 4 << 20

// Result is the outcome of one bounded run of a program.
type Result struct {
	Stdout string
	Stderr string
	// Status is the exit code, or 128+N when the process was killed by
	// signal N (as a shell reports it).
	Status int
	// TimedOut is true when the run hit its time limit and was killed.
	TimedOut bool
}

// RunNative runs argv (argv[0] is the program's path) directly on the host
// with exactly the environment env (nil means empty) and stdin as its
// standard input, killing its whole process group after timeout.
func RunNative(t testing.TB, timeout time.Duration, argv, env []string, stdin []byte) Result {
	t.Helper()
	if len(argv) == 0 {
		t.Fatal("RunNative: empty argv")
	}
	res, err := run(timeout, argv, env, stdin)
	if err != nil {
		t.Fatalf("run %s: %v", argv[0], err)
	}
	return res
}

// RunElfloader runs `elfloader run FLAGS... ARGV...` with the environment env
// (nil means empty), which elfloader hands on to the program.
func RunElfloader(t testing.TB, timeout time.Duration, flags, argv, env []string, stdin []byte) Result {
	t.Helper()
	if len(argv) == 0 {
		t.Fatal("RunElfloader: empty argv")
	}
	full := []string{Elfloader(t), "run"}
	full = append(full, flags...)
	full = append(full, argv...)
	res, err := run(timeout, full, env, stdin)
	if err != nil {
		t.Fatalf("run elfloader: %v", err)
	}
	return res
}

// run executes argv in its own process group, bounded by timeout.
func run(timeout time.Duration, argv, env []string, stdin []byte) (Result, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, argv[0])
	cmd.Args = argv
	cmd.Env = env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	if stdin != nil {
		cmd.Stdin = bytesReader(stdin)
	}
	var stdout, stderr cappedBuffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	// Descendants that keep the output pipes open must not hang Wait.
	cmd.WaitDelay = 2 * time.Second

	err := cmd.Run()
	if cmd.Process != nil {
		// Reap stragglers the program left in its group.
		_ = killGroup(cmd)
	}
	res := Result{
		Stdout:   stdout.String(),
		Stderr:   stderr.String(),
		TimedOut: errors.Is(ctx.Err(), context.DeadlineExceeded),
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		res.Status = 0
	case errors.As(err, &exitErr):
		res.Status = statusOf(exitErr.ProcessState)
	case errors.Is(err, exec.ErrWaitDelay):
		res.Status = statusOf(cmd.ProcessState)
	default:
		return res, fmt.Errorf("start %s: %w", argv[0], err)
	}
	return res, nil
}

// statusOf converts a wait status into a shell-style status.
func statusOf(ps interface{ Sys() any }) int {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return -1
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// killGroup sends SIGKILL to the command's process group.
func killGroup(cmd *exec.Cmd) error {
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
