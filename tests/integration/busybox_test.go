package integration

import (
	"os"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// busybox is Debian's busybox-static: a static non-PIE glibc binary.
const busybox = "/bin/busybox"

// TestBusybox runs a few busybox applets natively and under elfloader and
// expects identical results.
func TestBusybox(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("%s not installed (apt-get install busybox-static): %v", busybox, err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"echo", []string{"echo", "hi", "there"}},
		{"true", []string{"true"}},
		{"false", []string{"false"}},
		{"uname", []string{"uname", "-a"}},
		{"basename", []string{"basename", "/a/b/c.txt", ".txt"}},
		{"seq", []string{"seq", "1", "5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			argv := append([]string{busybox}, c.args...)
			native, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
			if c.name == "false" && native.Status != 1 {
				t.Errorf("native busybox false: status %d, want 1", native.Status)
			}
			assertNoPanic(t, loaded.Stderr)
		})
	}
}
