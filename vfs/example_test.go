package vfs_test

import (
	"context"
	"fmt"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// Example shows how a kernel wires the vfs and what an openat/write/close
// handler asks of it (the descriptor table is the kernel's).
func Example() {
	// Boot: a root filesystem and /dev.
	v, _ := vfs.New(ramfs.New(ramfs.Options{Dev: 1}), vfs.MountOptions{})
	ctx := v.NewContext() // per process: root, cwd, umask, credentials
	_ = vfs.MkdirAt(ctx, ctx.Root, "/dev", 0o755)
	dev, _ := devfs.New(2)
	_, _ = v.MountAt(ctx, "/dev", dev, vfs.MountOptions{})

	// openat(AT_FDCWD, "/tmp.txt", O_CREAT|O_WRONLY|O_CLOEXEC, 0644)
	how := vfs.OpenHow{Flags: unix.O_CREAT | unix.O_WRONLY | unix.O_CLOEXEC, Mode: 0o644}
	f, err := vfs.OpenAt(ctx, ctx.Cwd, "/tmp.txt", how)
	if err != nil {
		return // the handler returns -errno
	}

	// write(fd, "hi", 2)
	n, _ := f.Write(context.Background(), []byte("hi"))

	// close(fd): the descriptor table releases the owner's POSIX record
	// locks and drops its reference.
	f.ReleaseLocks("owner")
	f.DecRef()

	st, _ := vfs.StatAt(ctx, ctx.Cwd, "/tmp.txt", 0)
	fmt.Println(n, st.Size, st.Mode&0o777 == 0o644&^ctx.Umask)
	// Output: 2 2 true
}
