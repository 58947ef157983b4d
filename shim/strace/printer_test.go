package strace

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestPrinterFDNames(t *testing.T) {
	names := map[int]string{3: "/etc/hostname", 4: "pipe:[7]", 5: "pipe:[7]", unix.AT_FDCWD: "/root"}
	p := Printer{FDName: func(fd int) (string, bool) { s, ok := names[fd]; return s, ok }}
	mem := newFakeMem().str(0x1000, "/etc/hostname").u32s(0x2000, 4, 5)
	cases := []struct {
		nr   uint64
		args [6]uint64
		ret  int64
		want string
	}{
		{unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_RDONLY}, 3, `openat(AT_FDCWD</root>, "/etc/hostname", O_RDONLY) = 3</etc/hostname>`},
		{unix.SYS_CLOSE, [6]uint64{3}, 0, `close(3</etc/hostname>) = 0`},
		{unix.SYS_PIPE2, [6]uint64{0x2000, 0}, 0, `pipe2([4<pipe:[7]>, 5<pipe:[7]>], 0) = 0`},
		{unix.SYS_CLOSE, [6]uint64{9}, neg(unix.EBADF), `close(9) = -1 EBADF (Bad file descriptor)`},
	}
	for _, tc := range cases {
		_, parts, _ := p.Parts(tc.nr, tc.args, tc.ret, true, mem)
		name := strings.SplitN(p.Format(tc.nr, tc.args, tc.ret, mem), "(", 2)[0]
		got := name + "(" + strings.Join(parts, ", ") + ")" + p.Return(tc.nr, tc.args, tc.ret)
		if got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestSummaryTable(t *testing.T) {
	var s Summary
	s.Add(unix.SYS_READ, 3, 30*time.Microsecond)
	s.Add(unix.SYS_READ, neg(unix.EAGAIN), 10*time.Microsecond)
	s.Add(unix.SYS_CLOSE, 0, 60*time.Microsecond)
	var b strings.Builder
	s.WriteTo(&b)
	want := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.000060          60         1           close
 40.00    0.000040          20         2         1 read
------ ----------- ----------- --------- --------- ----------------
100.00    0.000100          33         3         1 total
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
