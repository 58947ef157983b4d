package integration

import (
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// goProgramTimeout bounds one run of a Go program; goroutines takes about
// 1.5 s natively.
const goProgramTimeout = 90 * time.Second

// goRun is one run of a Go test program of tests/go.
type goRun struct {
	name    string // subtest name
	program string // directory under tests/go
	env     []string
}

// TestGoPrograms builds the static Go programs of tests/go and compares
// them with their native runs: 1,000 goroutines of channel ping-pong with
// allocation and GC, recovered runtime faults (nil dereference, division by
// zero, SetPanicOnFault), and time.Ticker with os/signal, the last also
// with GOMAXPROCS=1 where a spinning goroutine needs async preemption, and
// 32 goroutines locked to OS threads blocking in read.
func TestGoPrograms(t *testing.T) {
	runs := []goRun{
		{name: "goroutines", program: "goroutines"},
		{name: "gorecover", program: "gorecover"},
		{name: "gosignal", program: "gosignal"},
		{name: "gothreads", program: "gothreads"},
		{name: "gosignal_gomaxprocs1", program: "gosignal", env: []string{"GOMAXPROCS=1"}},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			bin := testbin.BuildGo(t, r.program)
			_, loaded := testbin.CompareWithNative(t, goProgramTimeout, testbin.EnvFlags(), []string{bin}, r.env, nil)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}
