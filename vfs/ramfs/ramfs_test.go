package ramfs_test

import (
	"context"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

func setup(t *testing.T) *vfs.Context {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{Dev: 7}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return v.NewContext()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatfsAndInodes(t *testing.T) {
	ctx := setup(t)
	r := ctx.Root
	sf, err := vfs.StatfsAt(ctx, r, "/")
	must(t, err)
	if sf.Type != unix.TMPFS_MAGIC {
		t.Fatalf("f_type %#x", sf.Type)
	}
	must(t, vfs.MkdirAt(ctx, r, "/a", 0o755))
	must(t, vfs.MkdirAt(ctx, r, "/a/b", 0o755))
	must(t, vfs.MknodAt(ctx, r, "/a/f", unix.S_IFREG|0o644, 0))
	seen := map[uint64]bool{}
	for _, p := range []string{"/", "/a", "/a/b", "/a/f"} {
		st, err := vfs.StatAt(ctx, r, p, 0)
		must(t, err)
		if seen[st.Ino] {
			t.Fatalf("duplicate inode %d", st.Ino)
		}
		seen[st.Ino] = true
		if st.Dev != 7 {
			t.Fatalf("dev %d", st.Dev)
		}
	}
	st, _ := vfs.StatAt(ctx, r, "/a", 0)
	if st.Nlink != 3 {
		t.Fatalf("dir nlink = %d, want 3 (., .., b/..)", st.Nlink)
	}
	must(t, vfs.UnlinkAt(ctx, r, "/a/b", unix.AT_REMOVEDIR))
	st, _ = vfs.StatAt(ctx, r, "/a", 0)
	if st.Nlink != 2 {
		t.Fatalf("dir nlink after rmdir = %d", st.Nlink)
	}
}

func TestTimesAndMapFD(t *testing.T) {
	ctx := setup(t)
	r := ctx.Root
	f, err := vfs.OpenAt(ctx, r, "/f", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_CREAT, Mode: 0o644})
	must(t, err)
	defer f.DecRef()
	old := [2]unix.Timespec{{Sec: 1}, {Sec: 1}}
	must(t, vfs.UtimensAt(ctx, r, "/f", &old, 0))
	dirBefore, _ := vfs.StatAt(ctx, r, "/", 0)
	if _, err := f.Write(context.Background(), []byte("abc")); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	must(t, err)
	if st.Mtime.Sec <= 1 || st.Ctime.Sec <= 1 {
		t.Fatalf("write did not update mtime/ctime: %+v", st)
	}
	// Bytes written through the host fd (as a MAP_SHARED mapping would)
	// are visible through read, and the other way round.
	fd, ok := f.MapFD()
	if !ok {
		t.Fatal("no MapFD")
	}
	if _, err := unix.Pwrite(fd, []byte("X"), 1); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	n, err := f.Pread(context.Background(), buf, 0)
	must(t, err)
	if string(buf[:n]) != "aXc" {
		t.Fatalf("read after host write = %q", buf[:n])
	}
	// Creating an entry updates the directory's mtime.
	must(t, vfs.MkdirAt(ctx, r, "/d", 0o755))
	dirAfter, _ := vfs.StatAt(ctx, r, "/", 0)
	if dirAfter.Mtime.Sec < dirBefore.Mtime.Sec || dirAfter.Nlink != dirBefore.Nlink+1 {
		t.Fatalf("dir mtime/nlink not updated: %+v -> %+v", dirBefore, dirAfter)
	}
}

func TestXattrs(t *testing.T) {
	fs := ramfs.New(ramfs.Options{})
	root := fs.RootInode()
	must(t, root.SetXattr("user.a", []byte("1"), unix.XATTR_CREATE))
	if err := root.SetXattr("user.a", []byte("2"), unix.XATTR_CREATE); err != unix.EEXIST {
		t.Fatalf("XATTR_CREATE on existing: %v", err)
	}
	if err := root.SetXattr("user.b", []byte("2"), unix.XATTR_REPLACE); err != unix.ENODATA {
		t.Fatalf("XATTR_REPLACE on missing: %v", err)
	}
	v, err := root.GetXattr("user.a")
	must(t, err)
	if string(v) != "1" {
		t.Fatalf("value %q", v)
	}
	must(t, root.RemoveXattr("user.a"))
	if _, err := root.GetXattr("user.a"); err != unix.ENODATA {
		t.Fatalf("after remove: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	v, err := vfs.New(ramfs.New(ramfs.Options{ReadOnly: true}), vfs.MountOptions{})
	must(t, err)
	ctx := v.NewContext()
	if err := vfs.MkdirAt(ctx, ctx.Root, "/x", 0o755); err != unix.EROFS {
		t.Fatalf("mkdir on read-only ramfs: %v", err)
	}
}

func TestSmallToMemfd(t *testing.T) {
	ctx := setup(t)
	bg := context.Background()
	f, err := vfs.OpenAt(ctx, ctx.Root, "/f", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_CREAT, Mode: 0o644})
	must(t, err)
	defer f.DecRef()
	small := []byte("small file")
	if _, err := f.Write(bg, small); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, ramfs.SmallFileMax+1000)
	for i := range big {
		big[i] = byte(i % 251)
	}
	if _, err := f.Pwrite(bg, big, 5); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(big)+10)
	n, err := f.Pread(bg, got, 0)
	must(t, err)
	if n != 5+len(big) || string(got[:5]) != "small" || string(got[5:n]) != string(big) {
		t.Fatalf("after growing past SmallFileMax: n=%d", n)
	}
	must(t, f.Truncate(3))
	must(t, f.Truncate(6))
	n, _ = f.Pread(bg, got, 0)
	if string(got[:n]) != "sma\x00\x00\x00" {
		t.Fatalf("truncate shrink+grow = %q", got[:n])
	}
}

// TestReadThroughView reads a memfd-backed file through its view while the
// file grows past the view, shrinks below it and has holes.
func TestReadThroughView(t *testing.T) {
	ctx := setup(t)
	bg := context.Background()
	f, err := vfs.OpenAt(ctx, ctx.Root, "/v", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_CREAT, Mode: 0o644})
	must(t, err)
	defer f.DecRef()
	big := make([]byte, ramfs.SmallFileMax*2)
	for i := range big {
		big[i] = byte(i%253 + 1)
	}
	if _, err := f.Pwrite(bg, big, 0); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4096)
	readAt := func(off int64) []byte {
		t.Helper()
		n, err := f.Pread(bg, got, off)
		must(t, err)
		return got[:n]
	}
	if b := readAt(4000); string(b) != string(big[4000:8096]) {
		t.Fatal("read of a memfd file differs from what was written")
	}
	// A read larger than the view serves is a pread: the same bytes, and
	// short at the end of the file.
	large := make([]byte, len(big))
	if n, err := f.Pread(bg, large, 100); err != nil || n != len(big)-100 || string(large[:n]) != string(big[100:]) {
		t.Fatalf("large read: %d bytes, %v; differs from what was written", n, err)
	}
	// Grow past the view's 2 MiB granule: a hole, then data at 5 MiB.
	must(t, f.Truncate(6<<20))
	if _, err := f.Pwrite(bg, []byte("tail"), 5<<20); err != nil {
		t.Fatal(err)
	}
	if b := readAt(5<<20 - 2); string(b[:6]) != "\x00\x00tail" || len(b) != 4096 {
		t.Fatalf("read across hole and data after growth: %q", b[:8])
	}
	if b := readAt(6<<20 - 10); len(b) != 10 {
		t.Fatalf("read at the end: %d bytes, want 10", len(b))
	}
	// Shrink below the view: bytes past the size are gone, not read.
	must(t, f.Truncate(100))
	if b := readAt(50); string(b) != string(big[50:100]) {
		t.Fatalf("read after shrinking: %d bytes", len(b))
	}
	if b := readAt(100); len(b) != 0 {
		t.Fatalf("read at the new end: %d bytes", len(b))
	}
	if b := readAt(1 << 20); len(b) != 0 {
		t.Fatalf("read past the new end: %d bytes", len(b))
	}
}

// TestRelatime checks the relatime rule: a read updates atime when it is
// not newer than mtime or ctime, or a day old, and not otherwise.
func TestRelatime(t *testing.T) {
	ctx := setup(t)
	r := ctx.Root
	bg := context.Background()
	f, err := vfs.OpenAt(ctx, r, "/f", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_CREAT, Mode: 0o644})
	must(t, err)
	defer f.DecRef()
	if _, err := f.Write(bg, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	atime := func() unix.Timespec {
		t.Helper()
		st, err := f.Stat()
		must(t, err)
		return st.Atime
	}
	buf := make([]byte, 3)
	read := func() {
		t.Helper()
		if _, err := f.Pread(bg, buf, 0); err != nil {
			t.Fatal(err)
		}
	}
	// atime set two days back, mtime older still: the day rule updates it.
	now := vfs.Now()
	times := [2]unix.Timespec{{Sec: now.Sec - 2*86400}, {Sec: now.Sec - 3*86400}}
	must(t, vfs.UtimensAt(ctx, r, "/f", &times, 0))
	read()
	first := atime()
	if first.Sec < now.Sec {
		t.Fatalf("a day-old atime was not updated by a read: %v", first)
	}
	// Fresh and newer than mtime/ctime: a second read leaves it.
	read()
	if atime() != first {
		t.Fatal("a fresh atime changed on read")
	}
	// A write makes mtime newer: the next read updates atime.
	before := atime()
	if _, err := f.Pwrite(bg, []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	read()
	if got := atime(); !(got.Sec > before.Sec || got.Sec == before.Sec && got.Nsec > before.Nsec) {
		t.Fatalf("read after a write kept atime %v", got)
	}
}
