package integration

import (
	"os"
	"strings"
	"testing"
	"time"
)

// testTimeout bounds every single run of a program, native or loaded.
const testTimeout = 20 * time.Second

// dynamicEnv enables the dynamically linked variants, which need the
// interpreter support of a later issue.
const dynamicEnv = "ELFLOADER_DYNAMIC"

// skipUnlessDynamic skips t unless $ELFLOADER_DYNAMIC=1.
func skipUnlessDynamic(t *testing.T) {
	t.Helper()
	if os.Getenv(dynamicEnv) != "1" {
		t.Skipf("dynamic variants are disabled; set %s=1 to run them", dynamicEnv)
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
