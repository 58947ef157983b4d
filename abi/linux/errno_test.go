package linux

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestErrno(t *testing.T) {
	cases := []struct {
		e             unix.Errno
		name, message string
	}{
		{unix.EPERM, "EPERM", "Operation not permitted"},
		{unix.ENOENT, "ENOENT", "No such file or directory"},
		{unix.EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
		{unix.EDEADLK, "EDEADLK", "Resource deadlock avoided"},
		{unix.EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"},
		{unix.ENOTTY, "ENOTTY", "Inappropriate ioctl for device"},
		{unix.ENOSYS, "ENOSYS", "Function not implemented"},
		{unix.EHWPOISON, "EHWPOISON", "Memory page has hardware error"},
		{ERESTARTSYS, "ERESTARTSYS", "To be restarted if SA_RESTART is set"},
		{ERESTARTNOINTR, "ERESTARTNOINTR", "To be restarted"},
		{ERESTARTNOHAND, "ERESTARTNOHAND", "To be restarted if no handler"},
		{ERESTART_RESTARTBLOCK, "ERESTART_RESTARTBLOCK", "Interrupted by signal"},
		{41, "ERRNO_41", "Unknown error 41"},
	}
	for _, c := range cases {
		if got := ErrnoName(c.e); got != c.name {
			t.Errorf("ErrnoName(%d) = %q, want %q", c.e, got, c.name)
		}
		if got := ErrnoMessage(c.e); got != c.message {
			t.Errorf("ErrnoMessage(%d) = %q, want %q", c.e, got, c.message)
		}
	}
	for e := unix.Errno(1); e <= 133; e++ {
		if e == 41 || e == 58 {
			continue
		}
		if _, ok := errnoTable()[e]; !ok {
			t.Errorf("errno %d has no entry", e)
		}
	}
	if !IsRestartErrno(ERESTARTSYS) || IsRestartErrno(unix.EINTR) {
		t.Error("IsRestartErrno")
	}
	if ERESTARTSYS != 512 || ERESTARTNOINTR != 513 || ERESTARTNOHAND != 514 || ERESTART_RESTARTBLOCK != 516 {
		t.Error("restart code values")
	}
}
