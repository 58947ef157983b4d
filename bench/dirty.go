package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// samplePrivateDirty starts argv with its input a pipe, waits for its
// first line of output, reads the private dirty memory of the process it
// started (PrivateDirty), and ends it by closing its input.
func samplePrivateDirty(ctx context.Context, argv []string, timeout time.Duration) (float64, error) {
	if len(argv) == 0 {
		return 0, errors.New("run: empty command")
	}
	name := filepath.Base(argv[0])
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		return 0, fmt.Errorf("%s: no first line: %w", name, err)
	}
	rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return ParsePrivateDirty(rollup)
}

// ParsePrivateDirty reads the Private_Dirty line of an smaps_rollup, in
// MiB.
func ParsePrivateDirty(rollup []byte) (float64, error) {
	for _, line := range strings.Split(string(rollup), "\n") {
		v, ok := strings.CutPrefix(line, "Private_Dirty:")
		if !ok {
			continue
		}
		kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
		if err != nil {
			return 0, fmt.Errorf("smaps_rollup: bad Private_Dirty line %q", line)
		}
		return kib / 1024, nil
	}
	return 0, errors.New("smaps_rollup: no Private_Dirty line")
}
