package vfs_test

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// mountInfo returns the listed mount whose point is p.
func mountInfo(t *testing.T, v *vfs.VFS, ctx *vfs.Context, p string) (vfs.MountInfo, bool) {
	t.Helper()
	var found vfs.MountInfo
	ok := false
	for _, mi := range v.Mounts(ctx) {
		if mi.Point == p {
			found, ok = mi, true
		}
	}
	return found, ok
}

func TestMountTreeBusyAndDetach(t *testing.T) {
	v, ctx := newTree(t)
	m, err := v.MountAt(ctx, "/empty", ramfs.New(ramfs.Options{}), vfs.MountOptions{Type: "tmpfs", Source: "t"})
	if err != nil {
		t.Fatal(err)
	}
	must(t, vfs.MkdirAt(ctx, ctx.Root, "/empty/in", 0o755))
	inner, err := v.MountAt(ctx, "/empty/in", ramfs.New(ramfs.Options{}), vfs.MountOptions{Type: "tmpfs"})
	if err != nil {
		t.Fatal(err)
	}
	if mi, ok := mountInfo(t, v, ctx, "/empty/in"); !ok || mi.ParentID != m.ID() || mi.ID != inner.ID() {
		t.Fatalf("inner mount %+v (listed %v), want parent %d", mi, ok, m.ID())
	}
	if err := v.Unmount(ctx, m, vfs.UnmountOptions{}); err != unix.EBUSY {
		t.Fatalf("unmount with a mount inside: %v, want EBUSY", err)
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, "/empty/in", vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Unmount(ctx, inner, vfs.UnmountOptions{}); err != unix.EBUSY {
		t.Fatalf("unmount with an open file: %v, want EBUSY", err)
	}
	if err := v.Unmount(ctx, inner, vfs.UnmountOptions{InUse: func(*vfs.Mount) bool { return false }, Flags: unix.MNT_DETACH}); err != nil {
		t.Fatalf("lazy unmount: %v", err)
	}
	if _, ok := mountInfo(t, v, ctx, "/empty/in"); ok {
		t.Fatal("a detached mount is still listed")
	}
	f.DecRef()
	if err := v.Unmount(ctx, m, vfs.UnmountOptions{InUse: func(*vfs.Mount) bool { return true }}); err != unix.EBUSY {
		t.Fatalf("unmount of a mount a process works in: %v, want EBUSY", err)
	}
	if err := v.Unmount(ctx, m, vfs.UnmountOptions{}); err != nil {
		t.Fatalf("unmount: %v", err)
	}
	if _, err := vfs.StatAt(ctx, ctx.Root, "/empty/in", 0); err != unix.ENOENT {
		t.Fatalf("stat below an unmounted mount: %v, want ENOENT", err)
	}
}

func TestMountTreeBindAndReadOnly(t *testing.T) {
	v, ctx := newTree(t)
	src, err := vfs.ResolveAt(ctx, ctx.Root, "/dir", 0)
	if err != nil {
		t.Fatal(err)
	}
	bind, err := v.Clone(src, false)
	if err != nil {
		t.Fatal(err)
	}
	at, err := vfs.ResolveAt(ctx, ctx.Root, "/empty", 0)
	if err != nil {
		t.Fatal(err)
	}
	must(t, v.Attach(bind, at, false))
	if mi, ok := mountInfo(t, v, ctx, "/empty"); !ok || mi.Root != "/dir" {
		t.Fatalf("bind mount %+v (listed %v), want root /dir", mi, ok)
	}
	if got := readFile(t, ctx, "/empty/file"); got != "hello" {
		t.Fatalf("through the bind mount: %q", got)
	}
	w, err := vfs.OpenAt(ctx, ctx.Root, "/empty/file", vfs.OpenHow{Flags: unix.O_WRONLY})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetAttr(bind, unix.MOUNT_ATTR_RDONLY, 0, false); err != unix.EBUSY {
		t.Fatalf("read-only with a writer: %v, want EBUSY", err)
	}
	w.DecRef()
	must(t, v.SetAttr(bind, unix.MOUNT_ATTR_RDONLY, 0, false))
	if _, err := vfs.OpenAt(ctx, ctx.Root, "/empty/file", vfs.OpenHow{Flags: unix.O_WRONLY}); err != unix.EROFS {
		t.Fatalf("write through a read-only bind: %v, want EROFS", err)
	}
	writeFile(t, ctx, "/dir/file", "still writable")
}

func TestUnmountRootRemountsReadOnly(t *testing.T) {
	v, ctx := newTree(t)
	if err := v.Unmount(ctx, ctx.Root.Mount, vfs.UnmountOptions{Flags: unix.MNT_EXPIRE}); err != unix.EINVAL {
		t.Fatalf("MNT_EXPIRE on the root: %v, want EINVAL", err)
	}
	must(t, v.Unmount(ctx, ctx.Root.Mount, vfs.UnmountOptions{}))
	if err := vfs.MkdirAt(ctx, ctx.Root, "/new", 0o755); err != unix.EROFS {
		t.Fatalf("mkdir after umount /: %v, want EROFS", err)
	}
	if mi, ok := mountInfo(t, v, ctx, "/"); !ok || !mi.SuperRO {
		t.Fatalf("root after umount /: %+v", mi)
	}
}
