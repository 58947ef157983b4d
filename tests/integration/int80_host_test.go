package integration

import (
	"sync"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

var hostInt80Once struct {
	sync.Once
	ok bool
}

// hostHasInt80 reports whether the host serves int $0x80 to 64-bit code
// (tests/c/int80_probe.c, run natively once). Where it does not, the
// native run of an int $0x80 program dies of SIGSEGV while elfloader,
// which serves int $0x80 itself on every host, answers as Linux with the
// gate does: those tests compare with Linux's known answers instead.
func hostHasInt80(t *testing.T) bool {
	t.Helper()
	hostInt80Once.Do(func() {
		bin := testbin.Build(t, testbin.CSource(t, "int80_probe.c"), testbin.StaticVariants()[0])
		res := testbin.RunNative(t, testTimeout, []string{bin}, nil, nil)
		hostInt80Once.ok = res.Status == 0
		if !hostInt80Once.ok {
			t.Logf("the host does not serve int $0x80 to 64-bit code (probe status %d): comparing with Linux's known answers", res.Status)
		}
	})
	return hostInt80Once.ok
}
