package coverage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// defaultMaxOutput caps the stdout and stderr an ExecRunner keeps.
const defaultMaxOutput = 8 << 20

// ExecRunner runs commands as host processes. With an empty Prefix it is
// the native runner; with Prefix set to an elfloader invocation (say
// {"/usr/bin/elfloader", "run"}) and CoverageArgs set, it is the runner
// "under elfloader" that also collects the child's coverage report.
type ExecRunner struct {
	// Prefix goes before the command's argv.
	Prefix []string
	// CoverageArgs, when set, returns the arguments (inserted between
	// Prefix and argv) that make the child write its coverage report to
	// path; the runner reads and removes that file after the run.
	CoverageArgs func(path string) []string
	// Env is the environment of the child; nil inherits elfloader's.
	Env []string
	// Dir is the working directory of the child; "" inherits elfloader's.
	Dir string
	// MaxOutput caps the bytes kept of stdout and of stderr (0: 8 MiB).
	MaxOutput int
}

// Run runs one command; it implements Runner. The child runs in its own
// process group, which is killed when the timeout expires.
func (x ExecRunner) Run(ctx context.Context, argv []string, timeout time.Duration) (Outcome, error) {
	if len(argv) == 0 {
		return Outcome{}, errors.New("run: empty command")
	}
	full := append([]string(nil), x.Prefix...)
	var coveragePath string
	if x.CoverageArgs != nil {
		dir, err := os.MkdirTemp("", "elfloader-coverage-")
		if err != nil {
			return Outcome{}, fmt.Errorf("run %s: coverage file: %w", argv[0], err)
		}
		defer os.RemoveAll(dir)
		coveragePath = filepath.Join(dir, "coverage.json")
		full = append(full, x.CoverageArgs(coveragePath)...)
	}
	full = append(full, argv...)

	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, full[0], full[1:]...)
	cmd.Env, cmd.Dir = x.Env, x.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	limit := x.MaxOutput
	if limit <= 0 {
		limit = defaultMaxOutput
	}
	stdout, stderr := &cappedBuffer{limit: limit}, &cappedBuffer{limit: limit}
	cmd.Stdout, cmd.Stderr = stdout, stderr

	start := time.Now()
	err := cmd.Run()
	out := Outcome{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start)}
	if cmd.ProcessState == nil {
		return out, fmt.Errorf("run %s: %w", full[0], err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		out.Signal = int(ws.Signal())
	} else {
		out.ExitStatus = cmd.ProcessState.ExitCode()
	}
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		out.TimedOut = true
	}
	if coveragePath != "" {
		if rep, err := ReadFile(coveragePath); err == nil {
			out.Coverage = &rep
		} else if !errors.Is(err, os.ErrNotExist) {
			return out, fmt.Errorf("run %s: %w", argv[0], err)
		}
	}
	return out, nil
}

// cappedBuffer keeps the first limit bytes written to it and drops the
// rest. It deliberately has no ReadFrom, so io.Copy goes through Write.
type cappedBuffer struct {
	buf   bytes.Buffer
	limit int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.limit - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// Bytes returns what was kept.
func (c *cappedBuffer) Bytes() []byte { return c.buf.Bytes() }
