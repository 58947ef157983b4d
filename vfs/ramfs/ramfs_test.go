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
