package hostfs

import (
	"bytes"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Extended attributes are the host file's own, read through its O_PATH
// descriptor; changes reach the host only on a writable mount. The host's
// trusted.* attributes stay the host's: the app never sees or sets them
// (a root app is not the host's root).

func hostVisible(name string) bool {
	return !strings.HasPrefix(name, "trusted.")
}

// GetXattr implements vfs.Xattrer.
func (n *Inode) GetXattr(name string) ([]byte, error) {
	defer runtime.KeepAlive(n)
	if !hostVisible(name) {
		return nil, unix.ENODATA
	}
	for size := 256; ; size *= 4 {
		buf := make([]byte, size)
		got, err := unix.Getxattr(n.procPath(), name, buf)
		if err == unix.ERANGE && size < 1<<20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:got], nil
	}
}

// SetXattr implements vfs.Xattrer.
func (n *Inode) SetXattr(name string, value []byte, flags int) error {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return err
	}
	if !hostVisible(name) {
		return unix.EPERM
	}
	return unix.Setxattr(n.procPath(), name, value, flags)
}

// ListXattr implements vfs.Xattrer.
func (n *Inode) ListXattr() ([]string, error) {
	defer runtime.KeepAlive(n)
	for size := 1024; ; size *= 4 {
		buf := make([]byte, size)
		got, err := unix.Listxattr(n.procPath(), buf)
		if err == unix.ERANGE && size < 1<<20 {
			continue
		}
		if err == unix.ENOTSUP {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var names []string
		for _, b := range bytes.Split(buf[:got], []byte{0}) {
			if len(b) > 0 && hostVisible(string(b)) {
				names = append(names, string(b))
			}
		}
		return names, nil
	}
}

// RemoveXattr implements vfs.Xattrer.
func (n *Inode) RemoveXattr(name string) error {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return err
	}
	if !hostVisible(name) {
		return unix.EPERM
	}
	return unix.Removexattr(n.procPath(), name)
}
