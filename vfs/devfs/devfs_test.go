package devfs_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

func setup(t *testing.T) (*vfs.Context, *devfs.FS) {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	if err := vfs.MkdirAt(ctx, ctx.Root, "/dev", 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := devfs.New(5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.MountAt(ctx, "/dev", d, vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	return ctx, d
}

func open(t *testing.T, ctx *vfs.Context, path string, flags int) *vfs.File {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: flags})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(f.DecRef)
	return f
}

func TestStandardDevices(t *testing.T) {
	ctx, _ := setup(t)
	bg := context.Background()
	buf := bytes.Repeat([]byte{0xff}, 64)

	null := open(t, ctx, "/dev/null", unix.O_RDWR)
	if n, err := null.Read(bg, buf); n != 0 || err != nil {
		t.Fatalf("null read = %d %v", n, err)
	}
	if n, err := null.Write(bg, buf); n != 64 || err != nil {
		t.Fatalf("null write = %d %v", n, err)
	}
	zero := open(t, ctx, "/dev/zero", unix.O_RDONLY)
	if n, _ := zero.Read(bg, buf); n != 64 || !bytes.Equal(buf, make([]byte, 64)) {
		t.Fatal("zero did not zero")
	}
	full := open(t, ctx, "/dev/full", unix.O_WRONLY)
	if _, err := full.Write(bg, buf); !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("full write: %v", err)
	}
	for _, name := range []string{"/dev/random", "/dev/urandom"} {
		r := open(t, ctx, name, unix.O_RDONLY)
		a, b := make([]byte, 32), make([]byte, 32)
		if n, err := r.Read(bg, a); n != 32 || err != nil {
			t.Fatalf("%s read %d %v", name, n, err)
		}
		r.Read(bg, b)
		if bytes.Equal(a, b) {
			t.Fatalf("%s returned the same bytes twice", name)
		}
	}
	st, err := vfs.StatAt(ctx, ctx.Root, "/dev/null", 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Type() != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		t.Fatalf("null stat mode %o rdev %#x", st.Mode, st.Rdev)
	}
	target, err := vfs.ReadlinkAt(ctx, ctx.Root, "/dev/stdout")
	if err != nil || target != "/proc/self/fd/1" {
		t.Fatalf("stdout link %q %v", target, err)
	}
	// mknod of a device needs CAP_MKNOD (uid 0 here).
	user := *ctx
	user.Cred = vfs.Cred{UID: 1000, GID: 1000}
	if err := vfs.MknodAt(&user, ctx.Root, "/dev/sda", unix.S_IFBLK|0o600, unix.Mkdev(8, 0)); !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES) {
		t.Fatalf("mknod blk as a user: %v", err)
	}
}

type ttyFile struct{ out *bytes.Buffer }

func (t *ttyFile) Read(context.Context, []byte, int64, bool) (int, error) { return 0, nil }
func (t *ttyFile) Write(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	return t.out.Write(p)
}
func (t *ttyFile) Release() {}
func (t *ttyFile) Ioctl(_ context.Context, cmd uint32, _ uint64) (uint64, error) {
	if cmd == unix.TCGETS {
		return 0, nil
	}
	return 0, unix.ENOTTY
}

func TestRegister(t *testing.T) {
	ctx, d := setup(t)
	var out bytes.Buffer
	err := d.Register("tty", 5, 0, 0o666, devfs.DeviceFunc(func(context.Context, int) (vfs.FileImpl, error) {
		return &ttyFile{out: &out}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	f := open(t, ctx, "/dev/tty", unix.O_RDWR)
	if _, err := f.Write(context.Background(), []byte("hi")); err != nil || out.String() != "hi" {
		t.Fatalf("tty write %q %v", out.String(), err)
	}
	if _, err := f.Ioctl(context.Background(), unix.TCGETS, 0); err != nil {
		t.Fatalf("ioctl: %v", err)
	}
	null := open(t, ctx, "/dev/null", unix.O_RDWR)
	if _, err := null.Ioctl(context.Background(), unix.TCGETS, 0); !errors.Is(err, unix.ENOTTY) {
		t.Fatalf("ioctl on null: %v", err)
	}
	if err := d.Register("pts/0", 136, 0, 0o620, devfs.DeviceFunc(func(context.Context, int) (vfs.FileImpl, error) {
		return &ttyFile{out: &out}, nil
	})); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, "/dev/pts/0", unix.O_RDWR)
}
