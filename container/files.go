package container

import (
	"context"
	"io"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// ReadFile reads at most max bytes of the app's file at path.
func ReadFile(ctx *vfs.Context, path string, max int64) ([]byte, error) {
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	return io.ReadAll(io.LimitReader(&vfsReader{f: f}, max))
}

// WriteFile replaces (or creates, mode 0644) the app's file at path: in
// the root's memory layer when path is on the root, so the file under it
// is never written.
func WriteFile(ctx *vfs.Context, path string, data []byte) error {
	how := vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, Mode: 0o644}
	f, err := vfs.OpenAt(ctx, ctx.Root, path, how)
	if err != nil {
		return err
	}
	defer f.DecRef()
	for len(data) > 0 {
		n, err := f.Write(context.Background(), data)
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
