package vfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// newTree returns a VFS over a ramfs with a small tree:
//
//	/dir/file ("hello"), /dir/sub/, /empty/, /link -> dir/file,
//	/abs -> /dir, /loop1 <-> /loop2, /dangling -> nowhere, /ro (read-only ramfs)
//
// Both ramfs instances let the vfs cache paths (as a tmpfs does), so that
// every test walks through the path cache too.
func newTree(t *testing.T) (*vfs.VFS, *vfs.Context) {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{PathCacheable: true}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	root := ctx.Root
	must(t, vfs.MkdirAt(ctx, root, "dir", 0o755))
	must(t, vfs.MkdirAt(ctx, root, "dir/sub", 0o755))
	must(t, vfs.MkdirAt(ctx, root, "empty", 0o755))
	must(t, vfs.MkdirAt(ctx, root, "ro", 0o755))
	writeFile(t, ctx, "/dir/file", "hello")
	must(t, vfs.SymlinkAt(ctx, "dir/file", root, "link"))
	must(t, vfs.SymlinkAt(ctx, "/dir", root, "abs"))
	must(t, vfs.SymlinkAt(ctx, "loop2", root, "loop1"))
	must(t, vfs.SymlinkAt(ctx, "loop1", root, "loop2"))
	must(t, vfs.SymlinkAt(ctx, "nowhere", root, "dangling"))
	rofs := ramfs.New(ramfs.Options{PathCacheable: true})
	if _, err := v.MountAt(ctx, "/ro", rofs, vfs.MountOptions{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	return v, ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, ctx *vfs.Context, path, data string) {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Cwd, path, vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, Mode: 0o644})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.DecRef()
	if _, err := f.Write(context.Background(), []byte(data)); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func readFile(t *testing.T, ctx *vfs.Context, path string) string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Cwd, path, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.DecRef()
	var buf bytes.Buffer
	p := make([]byte, 7)
	for {
		n, err := f.Read(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return buf.String()
		}
		buf.Write(p[:n])
	}
}

func wantErrno(t *testing.T, name string, err error, want unix.Errno) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Errorf("%s: got %v, want success", name, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", name, err, want)
	}
}

func TestOpenErrno(t *testing.T) {
	_, ctx := newTree(t)
	long := string(bytes.Repeat([]byte("a"), 256))
	longPath := string(bytes.Repeat([]byte("a/"), 2048))
	tests := []struct {
		name  string
		path  string
		flags int
		res   uint64
		want  unix.Errno
	}{
		{"existing file", "/dir/file", unix.O_RDONLY, 0, 0},
		{"missing", "/dir/nope", unix.O_RDONLY, 0, unix.ENOENT},
		{"empty path", "", unix.O_RDONLY, 0, unix.ENOENT},
		{"file as dir", "/dir/file/x", unix.O_RDONLY, 0, unix.ENOTDIR},
		{"trailing slash on file", "/dir/file/", unix.O_RDONLY, 0, unix.ENOTDIR},
		{"trailing slash on dir", "/dir/", unix.O_RDONLY, 0, 0},
		{"O_DIRECTORY on file", "/dir/file", unix.O_RDONLY | unix.O_DIRECTORY, 0, unix.ENOTDIR},
		{"dir for write", "/dir", unix.O_WRONLY, 0, unix.EISDIR},
		{"O_CREAT on dir", "/dir", unix.O_RDONLY | unix.O_CREAT, 0, unix.EISDIR},
		{"O_CREAT with trailing slash", "/newfile/", unix.O_RDWR | unix.O_CREAT, 0, unix.EISDIR},
		{"O_EXCL existing", "/dir/file", unix.O_RDWR | unix.O_CREAT | unix.O_EXCL, 0, unix.EEXIST},
		{"O_EXCL on symlink", "/link", unix.O_RDWR | unix.O_CREAT | unix.O_EXCL, 0, unix.EEXIST},
		{"follow symlink", "/link", unix.O_RDONLY, 0, 0},
		{"O_NOFOLLOW symlink", "/link", unix.O_RDONLY | unix.O_NOFOLLOW, 0, unix.ELOOP},
		{"O_PATH|O_NOFOLLOW symlink", "/link", unix.O_PATH | unix.O_NOFOLLOW, 0, 0},
		{"symlink loop", "/loop1", unix.O_RDONLY, 0, unix.ELOOP},
		{"dangling", "/dangling", unix.O_RDONLY, 0, unix.ENOENT},
		{"name too long", "/" + long, unix.O_RDONLY, 0, unix.ENAMETOOLONG},
		{"path too long", longPath, unix.O_RDONLY, 0, unix.ENAMETOOLONG},
		{"create on ro mount", "/ro/new", unix.O_RDWR | unix.O_CREAT, 0, unix.EROFS},
		{"dotdot at root", "/../../dir/file", unix.O_RDONLY, 0, 0},
		{"absolute symlink dir", "/abs/file", unix.O_RDONLY, 0, 0},
		{"RESOLVE_NO_SYMLINKS", "/link", unix.O_RDONLY, unix.RESOLVE_NO_SYMLINKS, unix.ELOOP},
		{"RESOLVE_BENEATH absolute", "/dir/file", unix.O_RDONLY, unix.RESOLVE_BENEATH, unix.EXDEV},
		{"RESOLVE_BENEATH dotdot", "../dir/file", unix.O_RDONLY, unix.RESOLVE_BENEATH, unix.EXDEV},
		{"RESOLVE_NO_XDEV", "/ro", unix.O_RDONLY, unix.RESOLVE_NO_XDEV, unix.EXDEV},
		{"bad resolve flag", "/dir", unix.O_RDONLY, 1 << 40, unix.EINVAL},
	}
	for _, tc := range tests {
		f, err := vfs.OpenAt(ctx, ctx.Root, tc.path, vfs.OpenHow{Flags: tc.flags, Mode: 0o644, Resolve: tc.res})
		wantErrno(t, tc.name, err, tc.want)
		if err == nil {
			f.DecRef()
		}
	}
}

func TestDirOpsErrno(t *testing.T) {
	_, ctx := newTree(t)
	r := ctx.Root
	tests := []struct {
		name string
		op   func() error
		want unix.Errno
	}{
		{"mkdir existing", func() error { return vfs.MkdirAt(ctx, r, "/dir", 0o755) }, unix.EEXIST},
		{"mkdir dot", func() error { return vfs.MkdirAt(ctx, r, "/dir/.", 0o755) }, unix.EEXIST},
		{"mkdir missing parent", func() error { return vfs.MkdirAt(ctx, r, "/nope/x", 0o755) }, unix.ENOENT},
		{"mkdir under file", func() error { return vfs.MkdirAt(ctx, r, "/dir/file/x", 0o755) }, unix.ENOTDIR},
		{"mkdir on ro", func() error { return vfs.MkdirAt(ctx, r, "/ro/x", 0o755) }, unix.EROFS},
		{"mkdir existing on ro", func() error { return vfs.MkdirAt(ctx, r, "/ro/.", 0o755) }, unix.EEXIST},
		{"rmdir nonempty", func() error { return vfs.UnlinkAt(ctx, r, "/dir", unix.AT_REMOVEDIR) }, unix.ENOTEMPTY},
		{"rmdir file", func() error { return vfs.UnlinkAt(ctx, r, "/dir/file", unix.AT_REMOVEDIR) }, unix.ENOTDIR},
		{"rmdir dot", func() error { return vfs.UnlinkAt(ctx, r, "/empty/.", unix.AT_REMOVEDIR) }, unix.EINVAL},
		{"rmdir dotdot", func() error { return vfs.UnlinkAt(ctx, r, "/empty/..", unix.AT_REMOVEDIR) }, unix.ENOTEMPTY},
		{"rmdir mount point", func() error { return vfs.UnlinkAt(ctx, r, "/ro", unix.AT_REMOVEDIR) }, unix.EBUSY},
		{"rmdir root", func() error { return vfs.UnlinkAt(ctx, r, "/", unix.AT_REMOVEDIR) }, unix.EBUSY},
		{"unlink dir", func() error { return vfs.UnlinkAt(ctx, r, "/empty", 0) }, unix.EISDIR},
		{"unlink missing", func() error { return vfs.UnlinkAt(ctx, r, "/nope", 0) }, unix.ENOENT},
		{"unlink on ro", func() error { return vfs.UnlinkAt(ctx, r, "/ro/nope", 0) }, unix.EROFS},
		{"unlink trailing slash", func() error { return vfs.UnlinkAt(ctx, r, "/dir/file/", 0) }, unix.ENOTDIR},
		{"unlink bad flags", func() error { return vfs.UnlinkAt(ctx, r, "/dir/file", 1) }, unix.EINVAL},
		{"rename across mounts", func() error { return vfs.RenameAt(ctx, r, "/dir/file", r, "/ro/file", 0) }, unix.EXDEV},
		{"rename dir into itself", func() error { return vfs.RenameAt(ctx, r, "/dir", r, "/dir/sub/x", 0) }, unix.EINVAL},
		{"rename dir onto file", func() error { return vfs.RenameAt(ctx, r, "/empty", r, "/dir/file", 0) }, unix.ENOTDIR},
		{"rename file onto dir", func() error { return vfs.RenameAt(ctx, r, "/dir/file", r, "/empty", 0) }, unix.EISDIR},
		{"rename onto nonempty dir", func() error { return vfs.RenameAt(ctx, r, "/empty", r, "/dir", 0) }, unix.ENOTEMPTY},
		{"rename noreplace", func() error { return vfs.RenameAt(ctx, r, "/link", r, "/dir/file", unix.RENAME_NOREPLACE) }, unix.EEXIST},
		{"rename exchange missing", func() error { return vfs.RenameAt(ctx, r, "/link", r, "/nope", unix.RENAME_EXCHANGE) }, unix.ENOENT},
		{"rename both flags", func() error {
			return vfs.RenameAt(ctx, r, "/link", r, "/x", unix.RENAME_EXCHANGE|unix.RENAME_NOREPLACE)
		}, unix.EINVAL},
		{"rename onto itself", func() error { return vfs.RenameAt(ctx, r, "/dir/file", r, "/dir/file", 0) }, 0},
		{"rename dot", func() error { return vfs.RenameAt(ctx, r, "/dir/.", r, "/x", 0) }, unix.EBUSY},
		{"link dir", func() error { return vfs.LinkAt(ctx, r, "/dir", r, "/dir2", 0) }, unix.EPERM},
		{"link existing", func() error { return vfs.LinkAt(ctx, r, "/dir/file", r, "/link", 0) }, unix.EEXIST},
		{"link across mounts", func() error { return vfs.LinkAt(ctx, r, "/dir/file", r, "/ro/f", 0) }, unix.EXDEV},
		{"symlink existing", func() error { return vfs.SymlinkAt(ctx, "x", r, "/link") }, unix.EEXIST},
		{"symlink empty target", func() error { return vfs.SymlinkAt(ctx, "", r, "/newlink") }, unix.ENOENT},
		{"readlink on file", func() error { _, err := vfs.ReadlinkAt(ctx, r, "/dir/file"); return err }, unix.EINVAL},
		{"mknod dir", func() error { return vfs.MknodAt(ctx, r, "/dev0", unix.S_IFDIR|0o700, 0) }, unix.EPERM},
		{"mknod fifo", func() error { return vfs.MknodAt(ctx, r, "/fifo", unix.S_IFIFO|0o600, 0) }, 0},
		{"truncate dir", func() error { return vfs.TruncateAt(ctx, r, "/dir", 0) }, unix.EISDIR},
		{"truncate negative", func() error { return vfs.TruncateAt(ctx, r, "/dir/file", -1) }, unix.EINVAL},
		{"chmod on ro", func() error { return vfs.ChmodAt(ctx, r, "/ro", 0o700, 0) }, unix.EROFS},
		{"chmod symlink nofollow", func() error { return vfs.ChmodAt(ctx, r, "/link", 0o700, unix.AT_SYMLINK_NOFOLLOW) }, unix.EOPNOTSUPP},
		{"access W_OK on ro", func() error { return vfs.AccessAt(ctx, r, "/ro", unix.W_OK, 0) }, unix.EROFS},
		{"access bad mode", func() error { return vfs.AccessAt(ctx, r, "/dir", 8, 0) }, unix.EINVAL},
		{"access X_OK on 0644 file", func() error { return vfs.AccessAt(ctx, r, "/dir/file", unix.X_OK, 0) }, unix.EACCES},
		{"access F_OK missing", func() error { return vfs.AccessAt(ctx, r, "/nope", unix.F_OK, 0) }, unix.ENOENT},
		{"utimens on ro", func() error { return vfs.UtimensAt(ctx, r, "/ro", nil, 0) }, unix.EROFS},
	}
	for _, tc := range tests {
		wantErrno(t, tc.name, tc.op(), tc.want)
	}
}

func TestSymlinkResolution(t *testing.T) {
	_, ctx := newTree(t)
	if got := readFile(t, ctx, "/link"); got != "hello" {
		t.Fatalf("read through symlink = %q", got)
	}
	if got := readFile(t, ctx, "/abs/sub/../file"); got != "hello" {
		t.Fatalf("read through absolute symlink and .. = %q", got)
	}
	// Absolute symlinks resolve against the process root.
	sub, err := vfs.ResolveAt(ctx, ctx.Root, "/dir", 0)
	must(t, err)
	must(t, vfs.SymlinkAt(ctx, "/file", ctx.Root, "/dir/rootlink"))
	chrooted := *ctx
	chrooted.Root, chrooted.Cwd = sub, sub
	if got := readFile(t, &chrooted, "/rootlink"); got != "hello" {
		t.Fatalf("chrooted absolute symlink = %q", got)
	}
	if got := readFile(t, &chrooted, "../../file"); got != "hello" {
		t.Fatalf("chrooted .. = %q", got)
	}
	// O_CREAT through a dangling symlink creates the target.
	f, err := vfs.OpenAt(ctx, ctx.Root, "/dangling", vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT, Mode: 0o600})
	must(t, err)
	f.DecRef()
	if _, err := vfs.StatAt(ctx, ctx.Root, "/nowhere", 0); err != nil {
		t.Fatalf("target not created: %v", err)
	}
	// Readlink and lstat.
	target, err := vfs.ReadlinkAt(ctx, ctx.Root, "/link")
	must(t, err)
	if target != "dir/file" {
		t.Fatalf("readlink = %q", target)
	}
	st, err := vfs.StatAt(ctx, ctx.Root, "/link", unix.AT_SYMLINK_NOFOLLOW)
	must(t, err)
	if st.Type() != unix.S_IFLNK {
		t.Fatalf("lstat type %o", st.Mode)
	}
	// RESOLVE_IN_ROOT: absolute symlinks and .. stay inside the start.
	f, err = vfs.OpenAt(ctx, sub, "/rootlink", vfs.OpenHow{Flags: unix.O_RDONLY, Resolve: unix.RESOLVE_IN_ROOT})
	must(t, err)
	f.DecRef()
	f, err = vfs.OpenAt(ctx, sub, "../../../file", vfs.OpenHow{Flags: unix.O_RDONLY, Resolve: unix.RESOLVE_IN_ROOT})
	must(t, err)
	f.DecRef()
}

func TestMountDotDot(t *testing.T) {
	_, ctx := newTree(t)
	ro, err := vfs.ResolveAt(ctx, ctx.Root, "/ro", 0)
	must(t, err)
	if ro.Mount == ctx.Root.Mount {
		t.Fatal("did not cross into the mount")
	}
	up, err := vfs.ResolveAt(ctx, ro, "..", 0)
	must(t, err)
	if up.Mount != ctx.Root.Mount || up.Dentry != ctx.Root.Dentry {
		t.Fatal(".. at a mount root did not reach the parent mount's directory")
	}
	p, err := vfs.PathOf(ctx, ro)
	must(t, err)
	if p != "/ro" {
		t.Fatalf("PathOf = %q", p)
	}
}

func TestRenameAndPathOf(t *testing.T) {
	_, ctx := newTree(t)
	sub, err := vfs.ResolveAt(ctx, ctx.Root, "/dir/sub", 0)
	must(t, err)
	must(t, vfs.RenameAt(ctx, ctx.Root, "/dir", ctx.Root, "/moved", 0))
	p, err := vfs.PathOf(ctx, sub)
	must(t, err)
	if p != "/moved/sub" {
		t.Fatalf("PathOf after rename = %q", p)
	}
	if got := readFile(t, ctx, "/moved/file"); got != "hello" {
		t.Fatalf("content after rename = %q", got)
	}
	must(t, vfs.RenameAt(ctx, ctx.Root, "/moved/file", ctx.Root, "/empty", unix.RENAME_EXCHANGE))
	st, err := vfs.StatAt(ctx, ctx.Root, "/empty", 0)
	must(t, err)
	if st.Type() != unix.S_IFREG {
		t.Fatal("exchange did not swap")
	}
	must(t, vfs.UnlinkAt(ctx, ctx.Root, "/moved/sub", unix.AT_REMOVEDIR))
	if _, err := vfs.PathOf(ctx, sub); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("PathOf removed dir: %v", err)
	}
}

func TestUnlinkWhileOpen(t *testing.T) {
	_, ctx := newTree(t)
	f, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_RDWR})
	must(t, err)
	defer f.DecRef()
	must(t, vfs.UnlinkAt(ctx, ctx.Root, "/dir/file", 0))
	if _, err := vfs.StatAt(ctx, ctx.Root, "/dir/file", 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("stat after unlink: %v", err)
	}
	buf := make([]byte, 5)
	n, err := f.Pread(context.Background(), buf, 0)
	must(t, err)
	if string(buf[:n]) != "hello" {
		t.Fatalf("read after unlink = %q", buf[:n])
	}
	st, err := f.Stat()
	must(t, err)
	if st.Nlink != 0 {
		t.Fatalf("nlink = %d", st.Nlink)
	}
}

func TestHardLinks(t *testing.T) {
	_, ctx := newTree(t)
	must(t, vfs.LinkAt(ctx, ctx.Root, "/dir/file", ctx.Root, "/hard", 0))
	st, err := vfs.StatAt(ctx, ctx.Root, "/hard", 0)
	must(t, err)
	if st.Nlink != 2 {
		t.Fatalf("nlink = %d", st.Nlink)
	}
	must(t, vfs.UnlinkAt(ctx, ctx.Root, "/dir/file", 0))
	if got := readFile(t, ctx, "/hard"); got != "hello" {
		t.Fatalf("content = %q", got)
	}
	// linkat follows with AT_SYMLINK_FOLLOW only.
	must(t, vfs.LinkAt(ctx, ctx.Root, "/abs", ctx.Root, "/abs2", 0))
	st, err = vfs.StatAt(ctx, ctx.Root, "/abs2", unix.AT_SYMLINK_NOFOLLOW)
	must(t, err)
	if st.Type() != unix.S_IFLNK {
		t.Fatal("linkat followed a symlink without AT_SYMLINK_FOLLOW")
	}
}

func TestFileOps(t *testing.T) {
	_, ctx := newTree(t)
	bg := context.Background()
	f, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_APPEND})
	must(t, err)
	defer f.DecRef()
	if _, err := f.Write(bg, []byte(" world")); err != nil {
		t.Fatal(err)
	}
	if off := f.Offset(); off != 11 {
		t.Fatalf("offset after append = %d", off)
	}
	if got := readFile(t, ctx, "/dir/file"); got != "hello world" {
		t.Fatalf("content = %q", got)
	}
	if _, err := f.Seek(0, unix.SEEK_SET); err != nil {
		t.Fatal(err)
	}
	a, b := make([]byte, 3), make([]byte, 4)
	n, err := f.Readv(bg, [][]byte{a, b})
	must(t, err)
	if n != 7 || string(a)+string(b) != "hello w" {
		t.Fatalf("readv = %d %q %q", n, a, b)
	}
	end, err := f.Seek(0, unix.SEEK_END)
	must(t, err)
	if end != 11 {
		t.Fatalf("SEEK_END = %d", end)
	}
	if _, err := f.Seek(11, unix.SEEK_DATA); !errors.Is(err, unix.ENXIO) {
		t.Fatalf("SEEK_DATA at EOF: %v", err)
	}
	if h, err := f.Seek(2, unix.SEEK_HOLE); err != nil || h != 11 {
		t.Fatalf("SEEK_HOLE = %d %v", h, err)
	}
	if _, err := f.Seek(-1, unix.SEEK_SET); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("negative seek: %v", err)
	}
	must(t, f.Truncate(2))
	if got := readFile(t, ctx, "/dir/file"); got != "he" {
		t.Fatalf("after truncate = %q", got)
	}
	must(t, f.Allocate(0, 0, 100))
	if st, _ := f.Stat(); st.Size != 100 {
		t.Fatalf("size after fallocate = %d", st.Size)
	}
	must(t, f.Allocate(unix.FALLOC_FL_KEEP_SIZE, 0, 1000))
	if st, _ := f.Stat(); st.Size != 100 {
		t.Fatalf("size after KEEP_SIZE fallocate = %d", st.Size)
	}
	if fd, ok := f.MapFD(); !ok || fd < 0 {
		t.Fatal("MapFD on a ramfs file")
	}
	// Status flags: O_APPEND and O_NONBLOCK change, the access mode does not.
	f.SetStatusFlags(unix.O_NONBLOCK | unix.O_WRONLY)
	if got := f.StatusFlags(); got&unix.O_ACCMODE != unix.O_RDWR || got&unix.O_APPEND != 0 || got&unix.O_NONBLOCK == 0 {
		t.Fatalf("status flags = %#x", got)
	}
	// Read-only descriptions refuse writes with EBADF.
	ro, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer ro.DecRef()
	if _, err := ro.Write(bg, []byte("x")); !errors.Is(err, unix.EBADF) {
		t.Fatalf("write on O_RDONLY: %v", err)
	}
	if err := ro.Truncate(0); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("ftruncate on O_RDONLY: %v", err)
	}
}

func TestChmodChownUtimens(t *testing.T) {
	_, ctx := newTree(t)
	r := ctx.Root
	must(t, vfs.ChmodAt(ctx, r, "/dir/file", 0o4711, 0))
	must(t, vfs.ChownAt(ctx, r, "/dir/file", 1000, -1, 0))
	st, err := vfs.StatAt(ctx, r, "/dir/file", 0)
	must(t, err)
	if st.UID != 1000 || st.GID != 0 || st.Mode&0o7777 != 0o711 {
		t.Fatalf("after chown: uid %d gid %d mode %o (setuid must be cleared)", st.UID, st.GID, st.Mode)
	}
	times := [2]unix.Timespec{{Sec: 100}, {Nsec: unix.UTIME_OMIT}}
	must(t, vfs.UtimensAt(ctx, r, "/dir/file", &times, 0))
	st2, err := vfs.StatAt(ctx, r, "/dir/file", 0)
	must(t, err)
	if st2.Atime.Sec != 100 || st2.Mtime != st.Mtime {
		t.Fatalf("utimens: atime %v mtime %v (was %v)", st2.Atime, st2.Mtime, st.Mtime)
	}
	// A non-root user may not chmod someone else's file.
	user := *ctx
	user.Cred = vfs.Cred{UID: 2000, GID: 2000}
	wantErrno(t, "chmod as other user", vfs.ChmodAt(&user, r, "/dir/file", 0o777, 0), unix.EPERM)
	wantErrno(t, "utimens explicit as other user", vfs.UtimensAt(&user, r, "/dir/file", &times, 0), unix.EPERM)
	must(t, vfs.ChmodAt(ctx, r, "/dir", 0o700, 0))
	wantErrno(t, "search without x", func() error { _, err := vfs.StatAt(&user, r, "/dir/file", 0); return err }(), unix.EACCES)
}

func TestUmask(t *testing.T) {
	_, ctx := newTree(t)
	ctx.Umask = 0o027
	must(t, vfs.MkdirAt(ctx, ctx.Root, "/um", 0o777))
	st, err := vfs.StatAt(ctx, ctx.Root, "/um", 0)
	must(t, err)
	if st.Mode&0o777 != 0o750 {
		t.Fatalf("mode %o", st.Mode&0o777)
	}
}

func TestGetdents64(t *testing.T) {
	_, ctx := newTree(t)
	for _, n := range []string{"a", "bb", "ccc", "a-much-longer-name-than-the-others"} {
		writeFile(t, ctx, "/empty/"+n, n)
	}
	d, err := vfs.OpenAt(ctx, ctx.Root, "/empty", vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	must(t, err)
	defer d.DecRef()
	if _, err := d.Getdents64(make([]byte, 16)); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("tiny buffer: %v", err)
	}
	var names []string
	buf := make([]byte, 64) // room for one or two records per call: exercises resumption
	for {
		n, err := d.Getdents64(buf)
		must(t, err)
		if n == 0 {
			break
		}
		for _, e := range vfs.ParseDirents64(buf[:n]) {
			names = append(names, e.Name)
			if e.Name == "ccc" && e.Type != unix.DT_REG {
				t.Errorf("type of ccc = %d", e.Type)
			}
		}
	}
	want := []string{".", "..", "a", "bb", "ccc", "a-much-longer-name-than-the-others"}
	if len(names) != len(want) {
		t.Fatalf("names = %q", names)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names = %q, want %q", names, want)
		}
	}
	// Rewind and read everything at once.
	_, err = d.Seek(0, unix.SEEK_SET)
	must(t, err)
	n, err := d.Getdents64(make([]byte, 4096))
	must(t, err)
	if n == 0 {
		t.Fatal("no entries after rewind")
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, "/empty/a", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer f.DecRef()
	if _, err := f.Getdents64(buf); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("getdents on file: %v", err)
	}
}

func TestSymlinkLimit(t *testing.T) {
	_, ctx := newTree(t)
	r := ctx.Root
	// l0 -> dir/file, l1 -> l0, ..., l40 -> l39: opening l39 follows 40
	// links (allowed), l40 follows 41 (ELOOP).
	must(t, vfs.SymlinkAt(ctx, "dir/file", r, "/l0"))
	for i := 1; i <= 40; i++ {
		must(t, vfs.SymlinkAt(ctx, "l"+itoa(i-1), r, "/l"+itoa(i)))
	}
	f, err := vfs.OpenAt(ctx, r, "/l39", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	f.DecRef()
	_, err = vfs.OpenAt(ctx, r, "/l40", vfs.OpenHow{Flags: unix.O_RDONLY})
	wantErrno(t, "41 links", err, unix.ELOOP)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestChdirGetcwd(t *testing.T) {
	_, ctx := newTree(t)
	must(t, vfs.Chdir(ctx, ctx.Cwd, "/abs/sub"))
	cwd, err := vfs.Getcwd(ctx)
	must(t, err)
	if cwd != "/dir/sub" {
		t.Fatalf("getcwd = %q", cwd)
	}
	if got := readFile(t, ctx, "../file"); got != "hello" {
		t.Fatalf("relative read = %q", got)
	}
	wantErrno(t, "chdir to file", vfs.Chdir(ctx, ctx.Cwd, "../file"), unix.ENOTDIR)
	must(t, vfs.Chroot(ctx, ctx.Cwd, "..", true))
	cwd, err = vfs.Getcwd(ctx)
	must(t, err)
	if cwd != "/sub" {
		t.Fatalf("getcwd after chroot = %q", cwd)
	}
	must(t, vfs.UnlinkAt(ctx, ctx.Cwd, "../sub", unix.AT_REMOVEDIR))
	if _, err := vfs.Getcwd(ctx); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("getcwd of removed dir: %v", err)
	}
	if err := vfs.MkdirAt(ctx, ctx.Cwd, "x", 0o755); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("mkdir in removed dir: %v", err)
	}
}

func TestMountOverRoot(t *testing.T) {
	v, ctx := newTree(t)
	if _, err := v.MountAt(ctx, "/", ramfs.New(ramfs.Options{}), vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	nctx := v.NewContext()
	if _, err := vfs.StatAt(nctx, nctx.Root, "/dir", 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("old root visible through the new root mount: %v", err)
	}
	if _, err := vfs.StatAt(nctx, nctx.Root, "/../dir", 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf(".. escaped the root mount: %v", err)
	}
}

func TestErrnoHelper(t *testing.T) {
	if vfs.Errno(nil) != 0 || vfs.Errno(unix.ENOENT) != unix.ENOENT {
		t.Fatal("plain errno")
	}
	if vfs.Errno(fmt.Errorf("ctx: %w", unix.EXDEV)) != unix.EXDEV {
		t.Fatal("wrapped errno")
	}
	if vfs.Errno(errors.New("other")) != unix.EIO {
		t.Fatal("non-errno error")
	}
}
