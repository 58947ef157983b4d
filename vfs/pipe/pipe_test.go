package pipe_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/pipe"
	"golang.org/x/sys/unix"
)

// pair opens both ends of a new pipe as open file descriptions with the
// status flags (O_NONBLOCK).
func pair(t *testing.T, flags int) (*vfs.File, *vfs.File) {
	t.Helper()
	p := pipe.New()
	re, err := p.Open(unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	we, err := p.Open(unix.O_WRONLY | unix.O_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	return vfs.NewFile(vfs.Location{}, re, unix.O_RDONLY|flags), vfs.NewFile(vfs.Location{}, we, unix.O_WRONLY|flags)
}

func TestReadWriteEOF(t *testing.T) {
	bg := context.Background()
	r, w := pair(t, 0)
	defer r.DecRef()
	if _, err := w.Write(bg, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := r.Read(bg, buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	w.DecRef()
	n, err = r.Read(bg, buf)
	if n != 0 || err != nil {
		t.Fatalf("EOF read = %d %v", n, err)
	}
	if ev := r.Readiness(vfs.EventIn); ev&vfs.EventHup == 0 {
		t.Fatalf("no POLLHUP after writers closed: %#x", ev)
	}
}

func TestEPIPE(t *testing.T) {
	r, w := pair(t, 0)
	defer w.DecRef()
	r.DecRef()
	if _, err := w.Write(context.Background(), []byte("x")); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("write without readers: %v", err)
	}
	if ev := w.Readiness(vfs.EventOut); ev&vfs.EventErr == 0 {
		t.Fatalf("no POLLERR: %#x", ev)
	}
}

func TestNonblock(t *testing.T) {
	bg := context.Background()
	r, w := pair(t, unix.O_NONBLOCK)
	defer r.DecRef()
	defer w.DecRef()
	if _, err := r.Read(bg, make([]byte, 1)); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("empty nonblocking read: %v", err)
	}
	big := make([]byte, pipe.DefaultCapacity+100)
	n, err := w.Write(bg, big)
	if err != nil || n != pipe.DefaultCapacity {
		t.Fatalf("fill = %d %v", n, err)
	}
	if _, err := w.Write(bg, []byte("x")); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("full nonblocking write: %v", err)
	}
	if w.Readiness(vfs.EventOut) != 0 {
		t.Fatal("full pipe reports POLLOUT")
	}
	if r.Readiness(vfs.EventIn) != vfs.EventIn {
		t.Fatal("full pipe does not report POLLIN")
	}
	// Make room for less than PIPE_BUF: an atomic write must not split.
	if _, err := r.Read(bg, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bg, make([]byte, 200)); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("atomic write into 100 free bytes: %v", err)
	}
	if _, err := w.Seek(0, unix.SEEK_SET); !errors.Is(err, unix.ESPIPE) {
		t.Fatalf("lseek on pipe: %v", err)
	}
	if _, err := w.Pwrite(bg, []byte("x"), 0); !errors.Is(err, unix.ESPIPE) {
		t.Fatalf("pwrite on pipe: %v", err)
	}
}

func TestBlockingAndEINTR(t *testing.T) {
	r, w := pair(t, 0)
	defer r.DecRef()
	defer w.DecRef()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(ctx, make([]byte, 4))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, unix.EINTR) {
		t.Fatalf("cancelled read: %v", err)
	}
	// A blocked reader is woken by a writer.
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 4)
		n, _ := r.Read(context.Background(), buf)
		got <- string(buf[:n])
	}()
	if _, err := w.Write(context.Background(), []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "ping" {
		t.Fatalf("woken reader got %q", s)
	}
	// A blocked writer is interrupted too.
	if _, err := w.Write(context.Background(), make([]byte, pipe.DefaultCapacity)); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(context.Background())
	go func() {
		_, err := w.Write(wctx, []byte("x"))
		done <- err
	}()
	wcancel()
	if err := <-done; !errors.Is(err, unix.EINTR) {
		t.Fatalf("cancelled write: %v", err)
	}
}

func TestLargeWriteStreams(t *testing.T) {
	r, w := pair(t, 0)
	defer r.DecRef()
	data := bytes.Repeat([]byte("0123456789abcdef"), 3*pipe.DefaultCapacity/16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer w.DecRef()
		if n, err := w.Write(context.Background(), data); err != nil || n != len(data) {
			t.Errorf("write %d %v", n, err)
		}
	}()
	var got bytes.Buffer
	buf := make([]byte, 10000)
	for {
		n, err := r.Read(context.Background(), buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got.Write(buf[:n])
	}
	wg.Wait()
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("got %d bytes, want %d", got.Len(), len(data))
	}
}

func TestWaiterNotified(t *testing.T) {
	r, w := pair(t, 0)
	defer r.DecRef()
	defer w.DecRef()
	wt := vfs.NewWaiter(vfs.EventIn)
	r.EventRegister(wt)
	defer r.EventUnregister(wt)
	if _, err := w.Write(context.Background(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wt.C():
	default:
		t.Fatal("waiter not notified of POLLIN")
	}
}

func TestPipeSize(t *testing.T) {
	r, w := pair(t, 0)
	defer r.DecRef()
	defer w.DecRef()
	type sizer interface {
		PipeSize() int
		SetPipeSize(int) (int, error)
	}
	s, ok := w.Impl().(sizer)
	if !ok {
		t.Fatal("pipe end has no PipeSize")
	}
	if s.PipeSize() != pipe.DefaultCapacity {
		t.Fatalf("size %d", s.PipeSize())
	}
	if n, err := s.SetPipeSize(5000); err != nil || n != 8192 {
		t.Fatalf("set size %d %v", n, err)
	}
}
