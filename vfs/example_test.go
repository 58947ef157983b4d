package vfs_test

import (
	"context"
	"fmt"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// Example shows how a kernel wires the vfs and how an openat/write/close
// handler reduces to a thin wrapper.
func Example() {
	// Boot: a root filesystem and /dev.
	v, _ := vfs.New(ramfs.New(ramfs.Options{Dev: 1}), vfs.MountOptions{})
	ctx := v.NewContext() // per process: root, cwd, umask, credentials
	_ = vfs.MkdirAt(ctx, ctx.Root, "/dev", 0o755)
	dev, _ := devfs.New(2)
	_, _ = v.MountAt(ctx, "/dev", dev, vfs.MountOptions{})
	fds := vfs.NewFDTable(1024)

	// openat(AT_FDCWD, "/tmp.txt", O_CREAT|O_WRONLY|O_CLOEXEC, 0644)
	how := vfs.OpenHow{Flags: unix.O_CREAT | unix.O_WRONLY | unix.O_CLOEXEC, Mode: 0o644}
	f, err := vfs.OpenAt(ctx, ctx.Cwd, "/tmp.txt", how)
	if err != nil {
		return // the handler returns -errno
	}
	fd, _ := fds.Install(f, 0, how.Flags&unix.O_CLOEXEC != 0)
	f.DecRef() // the table holds its own reference

	// write(fd, "hi", 2)
	file, _ := fds.Get(fd)
	n, _ := file.Write(context.Background(), []byte("hi"))
	file.DecRef()

	// close(fd): pass the process as lock owner for POSIX record locks.
	_ = fds.Close(fd, "process-1")

	st, _ := vfs.StatAt(ctx, ctx.Cwd, "/tmp.txt", 0)
	fmt.Println(fd, n, st.Size, st.Mode&0o777 == 0o644&^ctx.Umask)
	// Output: 0 2 2 true
}
