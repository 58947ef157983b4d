package container

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// memSource is a FileSource of in-memory entries, in the given order.
type memSource []struct {
	hdr  images.Header
	data string
}

func (s memSource) Walk(ctx context.Context, fn images.WalkFunc) error {
	for _, e := range s {
		var r io.Reader
		if e.hdr.Kind == images.KindFile {
			r = strings.NewReader(e.data)
		}
		if err := fn(e.hdr, r); err != nil {
			return err
		}
	}
	return nil
}

func entry(p string, kind images.Kind, perm uint32, data, link string) struct {
	hdr  images.Header
	data string
} {
	h := images.Header{Path: p, Kind: kind, Perm: perm, UID: 1234, GID: 99, Linkname: link,
		ModTime: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
	if kind == images.KindFile {
		h.Size = int64(len(data))
	}
	return struct {
		hdr  images.Header
		data string
	}{h, data}
}

// newImageVFS returns a vfs over a fresh ramfs and a root context on it.
func newImageVFS(t *testing.T) *vfs.Context {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	ctx.Umask = 0
	return ctx
}

func fill(t *testing.T, ctx *vfs.Context, src images.FileSource) {
	t.Helper()
	sink := NewVFSSink(ctx)
	if err := images.Copy(context.Background(), sink, src); err != nil {
		t.Fatal(err)
	}
	if err := sink.Finish(); err != nil {
		t.Fatal(err)
	}
}

func readGuest(t *testing.T, ctx *vfs.Context, p string) string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, p, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.DecRef()
	data, err := io.ReadAll(&vfsReader{f: f})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestVFSSinkKeepsMetadata(t *testing.T) {
	ctx := newImageVFS(t)
	fill(t, ctx, memSource{
		entry(".", images.KindDir, 0o755, "", ""),
		entry("bin", images.KindDir, 0o711, "", ""),
		entry("bin/tool", images.KindFile, 0o4755, "#!/bin/sh\n", ""),
		entry("bin/link", images.KindSymlink, 0o777, "", "tool"),
		entry("bin/hard", images.KindHardlink, 0o4755, "", "bin/tool"),
		entry("bin/hard", images.KindFile, 0o644, "replaced", ""), // a sink replaces non-directories
		entry("deep/er/file", images.KindFile, 0o600, "x", ""),    // missing parents
	})
	st, err := vfs.StatAt(ctx, ctx.Root, "/bin/tool", 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o4755 || st.UID != 1234 || st.GID != 99 || st.Mtime.Sec != time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Unix() {
		t.Errorf("bin/tool: mode %o uid %d gid %d mtime %d", st.Mode, st.UID, st.GID, st.Mtime.Sec)
	}
	if got := readGuest(t, ctx, "/bin/link"); got != "#!/bin/sh\n" {
		t.Errorf("bin/link reads %q", got)
	}
	if target, err := vfs.ReadlinkAt(ctx, ctx.Root, "/bin/link"); err != nil || target != "tool" {
		t.Errorf("readlink bin/link = %q, %v", target, err)
	}
	if got := readGuest(t, ctx, "/bin/hard"); got != "replaced" {
		t.Errorf("bin/hard reads %q", got)
	}
	dst, err := vfs.StatAt(ctx, ctx.Root, "/bin", 0)
	if err != nil || dst.Mode&0o7777 != 0o711 || dst.Mtime.Sec != time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Unix() {
		t.Errorf("bin: mode %o mtime %d err %v", dst.Mode, dst.Mtime.Sec, err)
	}
	if got := readGuest(t, ctx, "/deep/er/file"); got != "x" {
		t.Errorf("deep/er/file reads %q", got)
	}
}

func TestImageUserAndEnv(t *testing.T) {
	ctx := newImageVFS(t)
	fill(t, ctx, memSource{
		entry("etc", images.KindDir, 0o755, "", ""),
		entry("etc/passwd", images.KindFile, 0o644, "root:x:0:0:root:/root:/bin/sh\nweb:x:101:102:web:/var/www:/sbin/nologin\n", ""),
		entry("etc/group", images.KindFile, 0o644, "root:x:0:\nwww:x:102:\nextra:x:300:web,other\nnetdev:x:301:\n", ""),
	})
	cases := []struct {
		spec     string
		uid, gid uint32
		groups   []uint32
		home     string
		wantErr  bool
	}{
		{"", 0, 0, nil, "/root", false},
		{"web", 101, 102, []uint32{300}, "/var/www", false},
		{"101", 101, 102, []uint32{300}, "/var/www", false},
		{"web:netdev", 101, 301, []uint32{300}, "/var/www", false},
		{"5000", 5000, 5000, nil, "", false},
		{"5000:7", 5000, 7, nil, "", false},
		{"nobody", 0, 0, nil, "", true},
		{"web:nogroup", 0, 0, nil, "", true},
	}
	for _, c := range cases {
		cred, home, err := ResolveUser(ctx, c.spec)
		if c.wantErr {
			if err == nil {
				t.Errorf("user %q: no error", c.spec)
			}
			continue
		}
		if err != nil || cred.UID != c.uid || cred.GID != c.gid || !slices.Equal(cred.Groups, c.groups) || home != c.home {
			t.Errorf("user %q = %+v home %q err %v; want %d:%d %v %q", c.spec, cred, home, err, c.uid, c.gid, c.groups, c.home)
		}
	}
	env := ImageEnv([]string{"A=1", "B=2"}, []string{"B=3", "C=4"}, "/var/www")
	want := []string{"A=1", "B=3", "C=4", "PATH=" + images.DefaultPath, "HOME=/var/www"}
	if !slices.Equal(env, want) {
		t.Errorf("imageEnv = %q, want %q", env, want)
	}
}

// TestLookPath: a bare name is searched in PATH like execvp does; a name
// with a slash is taken as it is. (The #! rule is the kernel's: see
// kernel/exec_script_test.go.)
func TestLookPath(t *testing.T) {
	ctx := newImageVFS(t)
	fill(t, ctx, memSource{
		entry("bin", images.KindDir, 0o755, "", ""),
		entry("bin/busybox", images.KindFile, 0o755, "\x7fELF....", ""),
		entry("bin/sh", images.KindSymlink, 0o777, "", "busybox"),
		entry("app", images.KindDir, 0o755, "", ""),
		entry("app/run", images.KindFile, 0o755, "#!/bin/sh -e\necho\n", ""),
		entry("app/data", images.KindFile, 0o644, "not executable", ""),
	})
	if p, err := LookPath(ctx, "sh", "/usr/bin:/bin"); err != nil || p != "/bin/sh" {
		t.Errorf("lookPath sh = %q, %v", p, err)
	}
	if p, err := LookPath(ctx, "run", "/bin:/app"); err != nil || p != "/app/run" {
		t.Errorf("lookPath run = %q, %v", p, err)
	}
	var le *kernel.LoadError
	if _, err := LookPath(ctx, "data", "/app"); !errors.As(err, &le) || le.Errno != unix.EACCES {
		t.Errorf("lookPath of a non-executable file: %v, want EACCES", err)
	}
	if _, err := LookPath(ctx, "nothere", "/bin:/app"); !errors.As(err, &le) || le.Errno != unix.ENOENT {
		t.Errorf("lookPath of a missing program: %v, want ENOENT", err)
	}
	if p, err := LookPath(ctx, "./run", "/bin"); err != nil || p != "./run" {
		t.Errorf("lookPath ./run = %q, %v", p, err)
	}
}
