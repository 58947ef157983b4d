package vfs_test

import (
	"errors"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// statErr stats path and returns the error only.
func statErr(ctx *vfs.Context, path string) error {
	_, err := vfs.StatAt(ctx, ctx.Cwd, path, 0)
	return err
}

// TestPathCacheFollowsChanges walks the same paths again and again (the
// second walk is served by the path cache) around every change that can
// make a walked path lead elsewhere: each change shows at once.
func TestPathCacheFollowsChanges(t *testing.T) {
	v, ctx := newTree(t)
	warm := func(paths ...string) {
		t.Helper()
		for _, p := range paths {
			for range 2 {
				if err := statErr(ctx, p); err != nil {
					t.Fatalf("stat %s: %v", p, err)
				}
			}
		}
	}

	// Unlink: the file, and a path through a symlink to it.
	warm("/dir/file", "/link")
	must(t, vfs.UnlinkAt(ctx, ctx.Root, "/dir/file", 0))
	for _, p := range []string{"/dir/file", "/link"} {
		if err := statErr(ctx, p); !errors.Is(err, unix.ENOENT) {
			t.Errorf("stat %s after unlink: %v, want ENOENT", p, err)
		}
	}
	writeFile(t, ctx, "/dir/file", "again")
	if got := readFile(t, ctx, "/link"); got != "again" {
		t.Errorf("/link reads %q after the file was made again", got)
	}

	// Rename of a directory above the file.
	warm("/dir/sub", "/dir/file")
	must(t, vfs.RenameAt(ctx, ctx.Root, "/dir", ctx.Root, "/moved", 0))
	if err := statErr(ctx, "/dir/file"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("stat /dir/file after renaming /dir: %v, want ENOENT", err)
	}
	if got := readFile(t, ctx, "/moved/file"); got != "again" {
		t.Errorf("/moved/file reads %q", got)
	}

	// Rename over a file.
	writeFile(t, ctx, "/moved/other", "other")
	warm("/moved/file", "/moved/other")
	must(t, vfs.RenameAt(ctx, ctx.Root, "/moved/other", ctx.Root, "/moved/file", 0))
	if got := readFile(t, ctx, "/moved/file"); got != "other" {
		t.Errorf("/moved/file reads %q after a rename over it, want other", got)
	}

	// A mount on a directory walked before, and its unmount.
	warm("/empty")
	fs := ramfs.New(ramfs.Options{})
	m, err := v.MountAt(ctx, "/empty", fs, vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, ctx, "/empty/inside", "mounted")
	warm("/empty/inside")
	must(t, v.Unmount(ctx, m, vfs.UnmountOptions{}))
	if err := statErr(ctx, "/empty/inside"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("stat /empty/inside after unmount: %v, want ENOENT", err)
	}

	// MOUNT_ATTR_NOSYMFOLLOW on the mount a symlink lives in.
	must(t, vfs.SymlinkAt(ctx, "/moved", ctx.Root, "tomoved"))
	warm("/tomoved/file")
	must(t, v.SetAttr(ctx.Root.Mount, unix.MOUNT_ATTR_NOSYMFOLLOW, 0, false))
	if err := statErr(ctx, "/tomoved/file"); !errors.Is(err, unix.ELOOP) {
		t.Errorf("stat through a cached symlink walk after nosymfollow: %v, want ELOOP", err)
	}
}

// TestPathCacheKeepsPermissionChecks: a caller without CAP_DAC_OVERRIDE
// is refused a directory as soon as its search permission goes.
func TestPathCacheKeepsPermissionChecks(t *testing.T) {
	_, ctx := newTree(t)
	user := *ctx
	user.Cred = vfs.Cred{UID: 1000, GID: 1000}
	for range 2 {
		if err := statErr(&user, "/dir/file"); err != nil {
			t.Fatalf("stat as a user: %v", err)
		}
	}
	must(t, vfs.ChmodAt(ctx, ctx.Root, "/dir", 0o700, 0))
	if err := statErr(&user, "/dir/file"); !errors.Is(err, unix.EACCES) {
		t.Errorf("stat as a user after chmod 700 of the directory: %v, want EACCES", err)
	}
	if err := statErr(ctx, "/dir/file"); err != nil {
		t.Errorf("stat as root: %v", err)
	}
}

// TestPathCacheRelativeAndChroot: the same relative path from two
// directories, and an absolute one under two roots, lead to two places.
func TestPathCacheRelativeAndChroot(t *testing.T) {
	_, ctx := newTree(t)
	writeFile(t, ctx, "/dir/sub/file", "sub")
	for range 2 {
		if got := readFile(t, ctx, "/dir/file"); got != "hello" {
			t.Fatalf("/dir/file reads %q", got)
		}
	}
	sub := *ctx
	must(t, vfs.Chdir(&sub, ctx.Root, "/dir/sub"))
	if got := readFile(t, &sub, "file"); got != "sub" {
		t.Errorf("file from /dir/sub reads %q, want sub", got)
	}
	must(t, vfs.Chroot(&sub, ctx.Root, "/dir/sub", true))
	if got := readFile(t, &sub, "/file"); got != "sub" {
		t.Errorf("/file under the root /dir/sub reads %q, want sub", got)
	}
	if err := statErr(ctx, "/file"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("stat /file at the real root: %v, want ENOENT", err)
	}
}
