package kernel

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// countedFile is a File that records its release.
type countedFile struct {
	FileRefs
	released int
}

func newCountedFile() *countedFile {
	f := &countedFile{}
	f.InitRefs(func() { f.released++ })
	return f
}

func (f *countedFile) Read(*Task, []byte) (int, error)  { return 0, nil }
func (f *countedFile) Write(*Task, []byte) (int, error) { return 0, nil }

func wantErr(t *testing.T, what string, err error, want unix.Errno) {
	t.Helper()
	if want == 0 && err != nil || want != 0 && !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func TestFDTableDup(t *testing.T) {
	ft := NewFDTable(4)
	f := newCountedFile()
	fd0, err := ft.Install(f, 0, false)
	f.DecRef() // the table holds the file now
	if err != nil || fd0 != 0 || f.Refs() != 1 {
		t.Fatalf("install: fd %d %v refs %d", fd0, err, f.Refs())
	}
	fd1, err := ft.Dup(fd0, 0, true) // F_DUPFD_CLOEXEC
	if err != nil || fd1 != 1 || f.Refs() != 2 {
		t.Fatalf("dup: fd %d %v refs %d", fd1, err, f.Refs())
	}
	if on, _ := ft.CloseOnExec(fd1); !on {
		t.Error("F_DUPFD_CLOEXEC flag lost")
	}
	if on, _ := ft.CloseOnExec(fd0); on {
		t.Error("dup set FD_CLOEXEC on the old descriptor")
	}
	for _, tc := range []struct {
		name string
		op   func() error
		want unix.Errno
	}{
		{"get closed fd", func() error { _, err := ft.Get(3); return err }, unix.EBADF},
		{"get negative fd", func() error { _, err := ft.Get(-1); return err }, unix.EBADF},
		{"close closed fd", func() error { return ft.Close(3) }, unix.EBADF},
		{"dup3 same fd", func() error { _, err := ft.Dup3(fd0, fd0, 0); return err }, unix.EINVAL},
		{"dup3 bad flags", func() error { _, err := ft.Dup3(fd0, 2, 1); return err }, unix.EINVAL},
		{"dup2 same fd", func() error { _, err := ft.Dup2(fd0, fd0); return err }, 0},
		{"dup2 same closed fd", func() error { _, err := ft.Dup2(3, 3); return err }, unix.EBADF},
		{"dup2 bad old", func() error { _, err := ft.Dup2(3, 2); return err }, unix.EBADF},
		{"dup2 beyond limit", func() error { _, err := ft.Dup2(fd0, 4); return err }, unix.EBADF},
		{"F_DUPFD at the limit", func() error { _, err := ft.Dup(fd0, 4, false); return err }, unix.EINVAL},
		{"dup3 to 3 with O_CLOEXEC", func() error { _, err := ft.Dup3(fd0, 3, unix.O_CLOEXEC); return err }, 0},
		{"dup fills 2", func() error { _, err := ft.Dup(fd0, 0, false); return err }, 0},
		{"dup beyond limit", func() error { _, err := ft.Dup(fd0, 0, false); return err }, unix.EMFILE},
	} {
		wantErr(t, tc.name, tc.op(), tc.want)
	}
	if on, _ := ft.CloseOnExec(3); !on {
		t.Error("dup3 O_CLOEXEC flag lost")
	}
	if f.Refs() != 4 {
		t.Fatalf("four descriptors, %d references", f.Refs())
	}
	// dup2 over an open descriptor closes what was there.
	g := newCountedFile()
	if err := ft.InstallAt(2, g, false); err != nil {
		t.Fatal(err)
	}
	g.DecRef()
	if _, err := ft.Dup2(fd0, 2); err != nil || g.released != 1 {
		t.Fatalf("dup2 over a file: %v, released %d", err, g.released)
	}
	if on, _ := ft.CloseOnExec(2); on {
		t.Error("dup2 must clear FD_CLOEXEC")
	}
	ft.CloseAll()
	if f.released != 1 || f.Refs() != 0 {
		t.Fatalf("after close: released %d refs %d", f.released, f.Refs())
	}
}

func TestFDTableCloseOnExecAndRange(t *testing.T) {
	ft := NewFDTable(16)
	files := make([]*countedFile, 6)
	for i := range files {
		files[i] = newCountedFile()
		if _, err := ft.Install(files[i], 0, i == 1); err != nil {
			t.Fatal(err)
		}
		files[i].DecRef()
	}
	if err := ft.SetCloseOnExec(2, true); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "F_SETFD on a closed fd", ft.SetCloseOnExec(9, true), unix.EBADF)
	ft.CloseRange(4, 100, true) // CLOSE_RANGE_CLOEXEC: marks only
	if got := ft.Fds(); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("CLOSE_RANGE_CLOEXEC closed descriptors: %v", got)
	}
	ft.ExecCloseOnExec()
	if got := ft.Fds(); !slices.Equal(got, []int{0, 3}) {
		t.Fatalf("after exec: %v", got)
	}
	for i, want := range []int{0, 1, 1, 0, 1, 1} {
		if files[i].released != want {
			t.Errorf("file %d released %d times, want %d", i, files[i].released, want)
		}
	}
	ft.CloseRange(1, 3, false)
	if got := ft.Fds(); !slices.Equal(got, []int{0}) || files[3].released != 1 {
		t.Fatalf("after close_range(1, 3): %v", got)
	}
	ft.Release()
	if files[0].released != 1 {
		t.Fatal("the last user's Release left a file open")
	}
}

func TestFDTableForkAndShare(t *testing.T) {
	ft := NewFDTable(0)
	f := newCountedFile()
	ft.Install(f, 0, true)
	f.DecRef()
	child := ft.Fork()
	if f.Refs() != 2 {
		t.Fatalf("fork: %d references, want 2", f.Refs())
	}
	if on, _ := child.CloseOnExec(0); !on {
		t.Error("fork lost FD_CLOEXEC")
	}
	child.Close(0)
	if f.released != 0 {
		t.Fatal("the child's close released the parent's file")
	}
	shared := ft.Share()
	ft.Release() // one user gone: the table stays
	if f.released != 0 || len(shared.Fds()) != 1 {
		t.Fatal("Release with a user left closed the table")
	}
	shared.Release()
	if f.released != 1 {
		t.Fatal("the last Release did not close the table")
	}
	child.Release()
}

// TestFDTableReferenceInFlight is what SCM_RIGHTS relies on: a reference
// taken with Get (a message in flight) keeps the description open after
// the app closes its descriptor; the host object travels on and the last
// reference closes the sender's copy only.
func TestFDTableReferenceInFlight(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	sock, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sock[0])
	defer unix.Close(sock[1])

	ft := NewFDTable(0)
	w := NewOwnedHostFile(p[1], "pipe", unix.O_WRONLY)
	fd, _ := ft.Install(w, 0, false)
	w.DecRef()
	held, err := ft.Get(fd) // sendmsg holds the file until the host has it
	if err != nil {
		t.Fatal(err)
	}
	ft.Close(fd)
	if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the write end closed while a message held it: %v", err)
	}
	if err := unix.Sendmsg(sock[0], []byte{0}, unix.UnixRights(held.(Pollable).HostFD()), nil, 0); err != nil {
		t.Fatal(err)
	}
	held.DecRef()
	if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_GETFD, 0); err == nil {
		t.Fatal("the last reference left the host descriptor open")
	}
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(sock[1], make([]byte, 1), oob, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("received %v %v", fds, err)
	}
	unix.Write(fds[0], []byte("in flight"))
	unix.Close(fds[0])
	buf := make([]byte, 16)
	n, _ := unix.Read(p[0], buf)
	if string(buf[:n]) != "in flight" {
		t.Fatalf("read %q through the passed write end", buf[:n])
	}
}
