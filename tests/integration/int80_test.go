package integration

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// int80Want is tests/c/int80.c's output and status on Linux with the
// int $0x80 gate (x86-64 Linux's default), for hosts without it.
const int80Want = `getpid (i386 20) matches getpid(): 1
getppid (i386 64) matches getppid(): 1
int80 write
write (i386 4) = 12
write to fd -1 = -9
i386 39 is mkdir, not x86-64 getpid: mkdir(NULL) = -14
kill(getpid(), 0) = 0
unknown i386 call 1000 = -38
`

// TestInt80 compares i386 system calls made with int $0x80 from 64-bit
// code (i386 numbers and argument registers, MAP_32BIT memory, exit through
// i386 exit) with the native run in every static variant (with Linux's
// known answers on a host without the gate), and checks that an unserved
// i386 call is reported once by number.
func TestInt80(t *testing.T) {
	if hostHasInt80(t) {
		compareCPrograms(t, []cProgram{{source: "int80.c"}})
	} else {
		for _, v := range testbin.StaticVariants() {
			t.Run("int80/"+v.Name, func(t *testing.T) {
				bin := cProgram{source: "int80.c"}.build(t, v)
				got := testbin.RunElfloader(t, threadTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
				if got.Status != 7 || got.Stdout != int80Want {
					t.Errorf("status %d, output:\n%s\nwant status 7 and Linux's output:\n%s\nstderr:\n%s", got.Status, got.Stdout, int80Want, got.Stderr)
				}
			})
		}
	}
	t.Run("report", func(t *testing.T) {
		bin := cProgram{source: "int80.c"}.build(t, testbin.StaticVariants()[0])
		got := testbin.RunElfloader(t, threadTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
		const want = "elfloader: int $0x80 system call 1000 (i386 numbering) is not served: answered ENOSYS"
		if strings.Count(got.Stderr, want) != 1 {
			t.Errorf("stderr should report the unserved call once:\n%s", got.Stderr)
		}
	})
}
