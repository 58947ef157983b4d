package ramfs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// TestLazyContent: a lazy file reports its size without loading, loads
// once on its first open, and a failed load is EIO and tried again.
func TestLazyContent(t *testing.T) {
	ctx := setup(t)
	must(t, vfs.MknodAt(ctx, ctx.Root, "/f", unix.S_IFREG|0o644, 0))
	loc, err := vfs.ResolveAt(ctx, ctx.Root, "/f", 0)
	must(t, err)
	n := loc.Inode().(*ramfs.Inode)
	loads := 0
	fail := true
	must(t, n.SetLazyContent(5, func() (io.Reader, error) {
		loads++
		if fail {
			return nil, errors.New("frame unreadable")
		}
		return strings.NewReader("hello"), nil
	}))
	st, err := vfs.StatAt(ctx, ctx.Root, "/f", 0)
	must(t, err)
	if st.Size != 5 || loads != 0 {
		t.Fatalf("stat: size %d after %d loads, want 5 after none", st.Size, loads)
	}
	if _, err := vfs.OpenAt(ctx, ctx.Root, "/f", vfs.OpenHow{Flags: unix.O_RDONLY}); !errors.Is(err, unix.EIO) {
		t.Fatalf("open with a failing load: %v, want EIO", err)
	}
	fail = false
	for range 2 {
		f, err := vfs.OpenAt(ctx, ctx.Root, "/f", vfs.OpenHow{Flags: unix.O_RDONLY})
		must(t, err)
		buf := make([]byte, 16)
		k, err := f.Read(context.Background(), buf)
		f.DecRef()
		if err != nil || string(buf[:k]) != "hello" {
			t.Fatalf("read %q, %v", buf[:k], err)
		}
	}
	if loads != 2 {
		t.Fatalf("%d loads, want 2 (the failed one and the first open)", loads)
	}
}

// TestLazyContentLarge: a lazy file past SmallFileMax goes straight into
// its memfd, and a reader that yields too few bytes is EIO.
func TestLazyContentLarge(t *testing.T) {
	ctx := setup(t)
	want := bytes.Repeat([]byte("0123456789"), ramfs.SmallFileMax/5)
	for _, name := range []string{"/big", "/short"} {
		must(t, vfs.MknodAt(ctx, ctx.Root, name, unix.S_IFREG|0o644, 0))
		loc, err := vfs.ResolveAt(ctx, ctx.Root, name, 0)
		must(t, err)
		content := want
		if name == "/short" {
			content = want[:len(want)-1]
		}
		must(t, loc.Inode().(*ramfs.Inode).SetLazyContent(int64(len(want)), func() (io.Reader, error) {
			return bytes.NewReader(content), nil
		}))
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, "/big", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer f.DecRef()
	got := make([]byte, len(want)+1)
	k, err := f.Read(context.Background(), got)
	if err != nil || !bytes.Equal(got[:k], want) {
		t.Fatalf("read %d bytes, %v; want the %d loaded", k, err, len(want))
	}
	if _, err := vfs.OpenAt(ctx, ctx.Root, "/short", vfs.OpenHow{Flags: unix.O_RDONLY}); !errors.Is(err, unix.EIO) {
		t.Fatalf("open of a file whose loader came short: %v, want EIO", err)
	}
}
