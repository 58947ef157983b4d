package integration

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestInt80 compares i386 system calls made with int $0x80 from 64-bit
// code (i386 numbers and argument registers, MAP_32BIT memory, exit through
// i386 exit) with the native run in every static variant, and checks that
// an unserved i386 call is reported once by number.
func TestInt80(t *testing.T) {
	compareCPrograms(t, []cProgram{{source: "int80.c"}})
	t.Run("report", func(t *testing.T) {
		bin := cProgram{source: "int80.c"}.build(t, testbin.StaticVariants()[0])
		got := testbin.RunElfloader(t, threadTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
		const want = "elfloader: int $0x80 system call 1000 (i386 numbering) is not served: answered ENOSYS"
		if strings.Count(got.Stderr, want) != 1 {
			t.Errorf("stderr should report the unserved call once:\n%s", got.Stderr)
		}
	})
}
