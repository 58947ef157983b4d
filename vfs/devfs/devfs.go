package devfs

import (
	"context"
	"fmt"
	"sync"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// Device is a character device implementation.
type Device interface {
	// Open returns the open file for one open(2) of the device node.
	Open(ctx context.Context, flags int) (vfs.FileImpl, error)
}

// DeviceFunc adapts a function to Device.
type DeviceFunc func(ctx context.Context, flags int) (vfs.FileImpl, error)

// Open implements Device.
func (f DeviceFunc) Open(ctx context.Context, flags int) (vfs.FileImpl, error) { return f(ctx, flags) }

// FS is a devfs instance. It is a vfs.FileSystem.
type FS struct {
	*ramfs.FS
	mu      sync.RWMutex
	devices map[uint64]Device
}

// New returns a devfs with the standard devices and links.
func New(dev uint64) (*FS, error) {
	fs := &FS{devices: make(map[uint64]Device)}
	fs.FS = ramfs.New(ramfs.Options{Dev: dev, Devices: fs.OpenDevice})
	std := []struct {
		name         string
		major, minor uint32
		dev          Device
	}{
		{"null", 1, 3, staticDevice(nullFile{})},
		{"zero", 1, 5, staticDevice(zeroFile{})},
		{"full", 1, 7, staticDevice(fullFile{})},
		{"random", 1, 8, staticDevice(randomFile{})},
		{"urandom", 1, 9, staticDevice(randomFile{})},
	}
	for _, d := range std {
		if err := fs.Register(d.name, d.major, d.minor, 0o666, d.dev); err != nil {
			return nil, err
		}
	}
	root := fs.RootInode()
	links := [][2]string{
		{"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"fd", "/proc/self/fd"},
	}
	for _, l := range links {
		if _, err := root.Symlink(l[0], l[1], vfs.Cred{}); err != nil {
			return nil, fmt.Errorf("devfs: symlink %s: %w", l[0], err)
		}
	}
	if _, err := root.Mkdir("pts", 0o755, vfs.Cred{}); err != nil {
		return nil, fmt.Errorf("devfs: mkdir pts: %w", err)
	}
	if _, err := root.Mkdir("shm", 0o1777, vfs.Cred{}); err != nil {
		return nil, fmt.Errorf("devfs: mkdir shm: %w", err)
	}
	return fs, nil
}

// Register adds the character device name (a path relative to the devfs
// root, whose directories must exist) with the given numbers and mode.
// Registering the same numbers again replaces the implementation.
func (fs *FS) Register(name string, major, minor uint32, perm uint32, dev Device) error {
	return fs.register(name, unix.S_IFCHR, major, minor, perm, dev)
}

// RegisterBlock adds the block device name (a loop device), as Register
// does for character devices. Block and character numbers share one
// table: elfloader has no character device with a block device's major.
func (fs *FS) RegisterBlock(name string, major, minor uint32, perm uint32, dev Device) error {
	return fs.register(name, unix.S_IFBLK, major, minor, perm, dev)
}

func (fs *FS) register(name string, typ uint32, major, minor uint32, perm uint32, dev Device) error {
	rdev := unix.Mkdev(major, minor)
	fs.mu.Lock()
	fs.devices[rdev] = dev
	fs.mu.Unlock()
	dir := fs.RootInode()
	var parent vfs.Inode = dir
	base := name
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			var err error
			parent, err = walk(dir, name[:i])
			if err != nil {
				return fmt.Errorf("devfs: register %s: %w", name, err)
			}
			base = name[i+1:]
			break
		}
	}
	if _, err := parent.Create(base, typ|perm&0o7777, rdev, vfs.Cred{}); err != nil && err != unix.EEXIST {
		return fmt.Errorf("devfs: register %s: %w", name, err)
	}
	return nil
}

func walk(dir vfs.Inode, path string) (vfs.Inode, error) {
	cur := dir
	start := 0
	for i := 0; i <= len(path); i++ {
		if i == len(path) || path[i] == '/' {
			if i > start {
				next, err := cur.Lookup(path[start:i])
				if err != nil {
					return nil, err
				}
				cur = next
			}
			start = i + 1
		}
	}
	return cur, nil
}

// open is the ramfs DeviceOpener: ENXIO for unregistered numbers.
// OpenDevice opens the device registered under rdev (ENXIO for none): the
// mount tree's vfs.DeviceOpener.
func (fs *FS) OpenDevice(ctx context.Context, rdev uint64, flags int) (vfs.FileImpl, error) {
	fs.mu.RLock()
	dev, ok := fs.devices[rdev]
	fs.mu.RUnlock()
	if !ok {
		return nil, unix.ENXIO
	}
	return dev.Open(ctx, flags)
}

// Statfs implements vfs.FileSystem (devtmpfs reports TMPFS_MAGIC).
func (fs *FS) Statfs() (vfs.Statfs, error) { return fs.FS.Statfs() }

func staticDevice(f vfs.FileImpl) Device {
	return DeviceFunc(func(context.Context, int) (vfs.FileImpl, error) { return f, nil })
}

// RegisterNumber adds a device by number only, without a node in the
// devfs (a pseudo-terminal's slave, whose node lives in devpts).
func (fs *FS) RegisterNumber(rdev uint64, dev Device) {
	fs.mu.Lock()
	fs.devices[rdev] = dev
	fs.mu.Unlock()
}

// Unregister removes the device of number rdev: its nodes then open
// with ENXIO.
func (fs *FS) Unregister(rdev uint64) {
	fs.mu.Lock()
	delete(fs.devices, rdev)
	fs.mu.Unlock()
}
