package overlay_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// TestXattrCopyUp: a lower file's own attributes show through the
// overlay; changing one copies the file up with all of them, leaves the
// host file alone, and the overlay's bookkeeping attributes stay hidden.
func TestXattrCopyUp(t *testing.T) {
	dir := lowerTree(t)
	hosts := filepath.Join(dir, "etc/hosts")
	if err := unix.Setxattr(hosts, "user.origin", []byte("host"), 0); err != nil {
		t.Skipf("no user xattrs in the temp dir: %v", err)
	}
	ctx := newOverlay(t, dir)
	got, err := vfs.GetXattrAt(ctx, ctx.Root, "etc/hosts", 0, "user.origin")
	if err != nil || string(got) != "host" {
		t.Fatalf("lower attribute: %q, %v", got, err)
	}
	must(t, vfs.SetXattrAt(ctx, ctx.Root, "etc/hosts", 0, "user.new", []byte("n"), 0))
	names, err := vfs.ListXattrAt(ctx, ctx.Root, "etc/hosts", 0)
	must(t, err)
	if want := []string{"user.new", "user.origin"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names after copy-up: %q, want %q", names, want)
	}
	if _, err := vfs.GetXattrAt(ctx, ctx.Root, "etc/hosts", 0, "trusted.overlay.origin"); err != unix.ENODATA {
		t.Errorf("the overlay's own attribute: %v, want ENODATA", err)
	}
	if err := vfs.SetXattrAt(ctx, ctx.Root, "etc/hosts", 0, "trusted.overlay.opaque", []byte("y"), 0); err != unix.EPERM {
		t.Errorf("setting the overlay's own attribute: %v, want EPERM", err)
	}
	if _, err := unix.Getxattr(hosts, "user.new", nil); err != unix.ENODATA {
		t.Errorf("the host file got the attribute: %v", err)
	}
	must(t, vfs.RemoveXattrAt(ctx, ctx.Root, "etc/hosts", 0, "user.origin"))
	if _, err := unix.Getxattr(hosts, "user.origin", nil); err != nil {
		t.Errorf("removing through the overlay touched the host: %v", err)
	}
}
