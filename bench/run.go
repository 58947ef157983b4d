package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// RunOutput is what one run of a program produced.
type RunOutput struct {
	Stdout []byte
	Stderr []byte
	Wall   time.Duration // from start to exit, as seen by the harness
}

// RunOnce runs argv with no stdin, collects its output and times it. It fails
// when the program exits non-zero, is killed, or outlives timeout; the error
// quotes the last line of its stderr.
func RunOnce(ctx context.Context, argv []string, timeout time.Duration) (RunOutput, error) {
	if len(argv) == 0 {
		return RunOutput{}, errors.New("run: empty command")
	}
	name := filepath.Base(argv[0])
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second

	start := time.Now()
	err := cmd.Run()
	out := RunOutput{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Wall: time.Since(start)}
	if ctx.Err() == context.DeadlineExceeded {
		return out, fmt.Errorf("%s: timed out after %v", name, timeout)
	}
	if err != nil {
		if why := diagnostic(out.Stderr); why != "" {
			return out, fmt.Errorf("%s: %w: %s", name, err, why)
		}
		return out, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// diagnostic picks the line of stderr that best explains a failure: the last
// non-empty one (elfloader's exit reason, or the program's last complaint).
func diagnostic(stderr []byte) string {
	var last string
	for _, line := range strings.Split(string(stderr), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			last = line
		}
	}
	const max = 160
	if len(last) > max {
		last = last[:max] + "…"
	}
	return last
}
