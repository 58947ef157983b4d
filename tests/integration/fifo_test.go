package integration

import (
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestFileFIFOReadiness runs tests/c/fifo_poll.c (a FIFO on the /tmp ramfs:
// the open rules, F_GETPIPE_SZ/F_SETPIPE_SZ, readiness in poll, select and
// level-, edge-triggered and one-shot epoll, blocked waits woken by a
// writer thread) natively and under elfloader, and expects the same output.
func TestFileFIFOReadiness(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			bin := testbin.Build(t, testbin.CSource(t, "fifo_poll.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("fifo")}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}
