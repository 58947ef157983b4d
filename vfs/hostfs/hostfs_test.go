package hostfs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/hostfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

const appSecret = "APP-ROOT-FILE"

// setup builds an app root (ramfs) with /etc/passwd = appSecret and the
// host directory dir mounted at /mnt/host.
func setup(t *testing.T, dir string, opts hostfs.Options) *vfs.Context {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	for _, d := range []string{"/etc", "/mnt", "/mnt/host"} {
		if err := vfs.MkdirAt(ctx, ctx.Root, d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, "/etc/passwd", vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT, Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(context.Background(), []byte(appSecret)); err != nil {
		t.Fatal(err)
	}
	f.DecRef()
	fs, err := hostfs.New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.MountAt(ctx, "/mnt/host", fs, vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func read(ctx *vfs.Context, path string) (string, error) {
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		return "", err
	}
	defer f.DecRef()
	buf := make([]byte, 4096)
	n, err := f.Read(context.Background(), buf)
	return string(buf[:n]), err
}

// hostSecret is a file outside the mounted directory that must never be
// reachable.
func hostLayout(t *testing.T) (mounted string) {
	t.Helper()
	top := t.TempDir()
	if err := os.WriteFile(filepath.Join(top, "secret"), []byte("HOST-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	mounted = filepath.Join(top, "m")
	must(t, os.MkdirAll(filepath.Join(mounted, "a/b"), 0o755))
	must(t, os.WriteFile(filepath.Join(mounted, "a/b/file"), []byte("inside"), 0o644))
	must(t, os.Symlink("/etc/passwd", filepath.Join(mounted, "abs")))
	must(t, os.Symlink("../../../../../../../../secret", filepath.Join(mounted, "a/b/rel")))
	must(t, os.Symlink("../../../../../../..", filepath.Join(mounted, "a/b/up")))
	must(t, os.Symlink("b/file", filepath.Join(mounted, "a/ok")))
	return mounted
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadInside(t *testing.T) {
	ctx := setup(t, hostLayout(t), hostfs.Options{})
	got, err := read(ctx, "/mnt/host/a/ok")
	must(t, err)
	if got != "inside" {
		t.Fatalf("got %q", got)
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, "/mnt/host/a/b/file", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer f.DecRef()
	if fd, ok := f.MapFD(); !ok || fd < 0 {
		t.Fatal("MapFD on a host file")
	}
	d, err := vfs.OpenAt(ctx, ctx.Root, "/mnt/host/a/b", vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	must(t, err)
	defer d.DecRef()
	buf := make([]byte, 4096)
	n, err := d.Getdents64(buf)
	must(t, err)
	var names []string
	for _, e := range vfs.ParseDirents64(buf[:n]) {
		names = append(names, e.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "file") || len(names) != 5 {
		t.Fatalf("readdir = %v", names)
	}
}

func TestEscapes(t *testing.T) {
	ctx := setup(t, hostLayout(t), hostfs.Options{})
	cases := []struct {
		path string
		want string // content expected, "" means must fail
	}{
		{"/mnt/host/../../etc/passwd", appSecret},
		{"/mnt/host/../../../../secret", ""},
		{"/mnt/host/abs", appSecret},
		{"/mnt/host/a/b/rel", ""},
		{"/mnt/host/a/b/up/etc/passwd", appSecret},
		{"/mnt/host/a/b/up/../../../../secret", ""},
	}
	for _, tc := range cases {
		got, err := read(ctx, tc.path)
		if strings.Contains(got, "HOST-SECRET") || strings.HasPrefix(got, "root:") {
			t.Fatalf("%s escaped to the host: %q", tc.path, got)
		}
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: opened %q, want failure", tc.path, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
}

func TestReadOnlyByDefault(t *testing.T) {
	dir := hostLayout(t)
	ctx := setup(t, dir, hostfs.Options{})
	r := ctx.Root
	if err := vfs.MkdirAt(ctx, r, "/mnt/host/new", 0o755); !errors.Is(err, unix.EROFS) {
		t.Fatalf("mkdir: %v", err)
	}
	if _, err := vfs.OpenAt(ctx, r, "/mnt/host/a/b/file", vfs.OpenHow{Flags: unix.O_WRONLY}); !errors.Is(err, unix.EROFS) {
		t.Fatalf("open for write: %v", err)
	}
	if err := vfs.UnlinkAt(ctx, r, "/mnt/host/a/b/file", 0); !errors.Is(err, unix.EROFS) {
		t.Fatalf("unlink: %v", err)
	}
	st, err := vfs.StatfsAt(ctx, r, "/mnt/host")
	must(t, err)
	if st.Flags&unix.ST_RDONLY == 0 {
		t.Fatal("statfs does not report ST_RDONLY")
	}
}

func TestWritable(t *testing.T) {
	dir := hostLayout(t)
	ctx := setup(t, dir, hostfs.Options{Writable: true})
	r := ctx.Root
	must(t, vfs.MkdirAt(ctx, r, "/mnt/host/new", 0o750))
	f, err := vfs.OpenAt(ctx, r, "/mnt/host/new/f", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_CREAT, Mode: 0o600})
	must(t, err)
	_, err = f.Write(context.Background(), []byte("data"))
	must(t, err)
	f.DecRef()
	b, err := os.ReadFile(filepath.Join(dir, "new/f"))
	must(t, err)
	if string(b) != "data" {
		t.Fatalf("host content %q", b)
	}
	must(t, vfs.RenameAt(ctx, r, "/mnt/host/new/f", r, "/mnt/host/new/g", 0))
	must(t, vfs.LinkAt(ctx, r, "/mnt/host/new/g", r, "/mnt/host/new/h", 0))
	must(t, vfs.ChmodAt(ctx, r, "/mnt/host/new/g", 0o640, 0))
	must(t, vfs.ChownAt(ctx, r, "/mnt/host/new/g", 1234, 5678, 0))
	st, err := vfs.StatAt(ctx, r, "/mnt/host/new/h", 0)
	must(t, err)
	if st.Mode&0o777 != 0o640 || st.UID != 1234 || st.GID != 5678 || st.Nlink != 2 {
		t.Fatalf("stat: mode %o uid %d gid %d nlink %d", st.Mode, st.UID, st.GID, st.Nlink)
	}
	hst, err := os.Stat(filepath.Join(dir, "new/g"))
	must(t, err)
	if hst.Sys().(*syscall.Stat_t).Uid == 1234 {
		t.Fatal("chown reached the host")
	}
	times := [2]unix.Timespec{{Sec: 1000}, {Sec: 2000}}
	must(t, vfs.UtimensAt(ctx, r, "/mnt/host/new/g", &times, 0))
	if hst, _ := os.Stat(filepath.Join(dir, "new/g")); hst.ModTime().Unix() != 2000 {
		t.Fatalf("mtime %v", hst.ModTime())
	}
	must(t, vfs.TruncateAt(ctx, r, "/mnt/host/new/g", 2))
	must(t, vfs.UnlinkAt(ctx, r, "/mnt/host/new/g", 0))
	must(t, vfs.UnlinkAt(ctx, r, "/mnt/host/new/h", 0))
	must(t, vfs.UnlinkAt(ctx, r, "/mnt/host/new", unix.AT_REMOVEDIR))
	// A symlink created through hostfs is a plain host symlink, still
	// resolved by the vfs inside the app root.
	must(t, vfs.SymlinkAt(ctx, "/etc/passwd", r, "/mnt/host/sl"))
	got, err := read(ctx, "/mnt/host/sl")
	must(t, err)
	if got != appSecret {
		t.Fatalf("symlink created through hostfs resolved to %q", got)
	}
}

// TestSwapAfterLookup replaces a looked-up file by a symlink to a host
// secret: the open must reach the original inode, never the secret.
func TestSwapAfterLookup(t *testing.T) {
	dir := hostLayout(t)
	ctx := setup(t, dir, hostfs.Options{})
	loc, err := vfs.ResolveAt(ctx, ctx.Root, "/mnt/host/a/b/file", 0)
	must(t, err)
	p := filepath.Join(dir, "a/b/file")
	must(t, os.Rename(p, p+".old"))
	must(t, os.Symlink(filepath.Join(filepath.Dir(dir), "secret"), p))
	impl, err := loc.Inode().Open(unix.O_RDONLY)
	must(t, err)
	defer impl.Release()
	buf := make([]byte, 64)
	n, _ := impl.Read(context.Background(), buf, 0, false)
	if string(buf[:n]) != "inside" {
		t.Fatalf("after swap read %q", buf[:n])
	}
	// A fresh path walk within the lookup cache's lifetime may still reach
	// the original inode; never the secret.
	got, _ := read(ctx, "/mnt/host/a/b/file")
	if strings.Contains(got, "HOST-SECRET") {
		t.Fatal("escaped")
	}
	// Once the cached lookup expires, the walk sees the symlink and
	// resolves it in the app root.
	time.Sleep(hostfs.LookupTTL + 100*time.Millisecond)
	got, err = read(ctx, "/mnt/host/a/b/file")
	if strings.Contains(got, "HOST-SECRET") {
		t.Fatal("escaped")
	}
	if err == nil {
		t.Fatalf("fresh walk opened %q; the absolute host path does not exist in the app root", got)
	}
}

// TestConcurrentSwap flips a directory and a symlink to the host root
// while walks run through it: no walk may ever read the host secret.
func TestConcurrentSwap(t *testing.T) {
	dir := hostLayout(t)
	ctx := setup(t, dir, hostfs.Options{})
	top := filepath.Dir(dir)
	x := filepath.Join(dir, "x")
	must(t, os.Mkdir(filepath.Join(dir, "xdir"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "xdir/secret"), []byte("inside-x"), 0o644))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tmp := filepath.Join(dir, "tmp")
			os.Remove(tmp)
			if i%2 == 0 {
				_ = os.Symlink("xdir", tmp)
			} else {
				_ = os.Symlink(top, tmp)
			}
			_ = os.Rename(tmp, x)
		}
	}()
	for range 2000 {
		got, _ := read(ctx, "/mnt/host/x/secret")
		if strings.Contains(got, "HOST-SECRET") {
			close(stop)
			wg.Wait()
			t.Fatal("a concurrent swap let a walk escape")
		}
	}
	close(stop)
	wg.Wait()
}
