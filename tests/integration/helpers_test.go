package integration

import (
	"os"
	"strings"
	"testing"
	"time"
)

// testTimeout bounds every single run of a program, native or loaded.
const testTimeout = 20 * time.Second

// dynamicEnv disables the dynamically linked variants when set to 0.
const dynamicEnv = "ELFLOADER_DYNAMIC"

// skipUnlessDynamic skips t when $ELFLOADER_DYNAMIC=0.
func skipUnlessDynamic(t *testing.T) {
	t.Helper()
	if os.Getenv(dynamicEnv) == "0" {
		t.Skipf("dynamic variants are disabled by %s=0", dynamicEnv)
	}
}

// assertNoPanic fails t if elfloader's stderr shows a Go panic or a
// goroutine dump.
func assertNoPanic(t *testing.T, stderr string) {
	t.Helper()
	for _, marker := range []string{"panic:", "goroutine "} {
		if strings.Contains(stderr, marker) {
			t.Errorf("elfloader stderr contains %q:\n%s", marker, stderr)
		}
	}
}
