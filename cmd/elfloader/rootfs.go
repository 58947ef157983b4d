package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
	"github.com/elfloader/elfloader/vfs/hostfs"
	"github.com/elfloader/elfloader/vfs/overlay"
	"github.com/elfloader/elfloader/vfs/procfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"github.com/elfloader/elfloader/vfs/sysfs"
)

// fsOptions are the flags that shape the app's filesystem.
type fsOptions struct {
	root    string
	volumes multiFlag
	workdir string

	// rootFS, when set, is the app's root instead of --root: the ramfs
	// filled from an elfloader image (image.go).
	rootFS vfs.FileSystem
}

func (o *fsOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.root, "root", "/", "host `DIR` the app sees as / (read-only; writes go to memory)")
	fs.Var(&o.volumes, "volume", "mount host directory `HOST:GUEST[:rw]` into the app (read-only unless :rw; repeatable)")
	fs.StringVar(&o.workdir, "workdir", "", "initial working `DIR` in the app (default: the current directory when --root is /, else /)")
}

// volume is one --volume mount.
type volume struct {
	host, guest string
	writable    bool
}

func parseVolume(s string) (volume, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return volume{}, fmt.Errorf("--volume %q: want HOST:GUEST or HOST:GUEST:rw", s)
	}
	v := volume{host: parts[0], guest: parts[1]}
	if len(parts) == 3 {
		switch parts[2] {
		case "rw":
			v.writable = true
		case "ro":
		default:
			return volume{}, fmt.Errorf("--volume %q: unknown mode %q (rw or ro)", s, parts[2])
		}
	}
	if !filepath.IsAbs(v.guest) {
		return volume{}, fmt.Errorf("--volume %q: the app path must be absolute", s)
	}
	return v, nil
}

// mountFunc lets callers add filesystems of their own.
type mountFunc func(v *vfs.VFS, ctx *vfs.Context) error

// mountTable records the mounts for the app's /proc/mounts.
type mountTable []procfs.Mount

func (m *mountTable) add(source, target, fstype string, ro bool) {
	opts := "rw"
	if ro {
		opts = "ro"
	}
	*m = append(*m, procfs.Mount{Source: source, Target: target, FSType: fstype, Options: opts + ",relatime"})
}

// mountKernelFS mounts the filesystems that show the kernel's own state
// (procfs needs the kernel, which needs the vfs first).
func mountKernelFS(v *vfs.VFS, k *kernel.Kernel, mounts *mountTable) error {
	ctx := v.NewContext()
	for _, m := range []struct {
		path, fstype string
		fs           vfs.FileSystem
	}{
		{"/proc", "proc", procfs.New(k.ProcProvider(), 0)},
		{"/sys", "sysfs", sysfs.New(0)},
	} {
		if err := mkdirAll(ctx, m.path); err != nil {
			return fmt.Errorf("creating mount point %s: %w", m.path, err)
		}
		if _, err := v.MountAt(ctx, m.path, m.fs, vfs.MountOptions{}); err != nil {
			return fmt.Errorf("mounting %s: %w", m.path, err)
		}
		mounts.add(m.fstype, m.path, m.fstype, m.path == "/sys")
	}
	return nil
}

// buildRoot assembles the app's filesystem: the host root (or --root)
// read-only under a ramfs overlay, devfs on /dev, a fresh ramfs on /tmp,
// the volumes, and whatever extra mounts the caller adds. The host is only
// written through an explicit :rw volume.
func buildRoot(o *fsOptions, mounts *mountTable, extra ...mountFunc) (*vfs.VFS, string, error) {
	rootDir := o.root
	if rootDir == "" {
		rootDir = "/"
	}
	upper, err := rootFileSystem(o, rootDir)
	if err != nil {
		return nil, "", err
	}
	v, err := vfs.New(upper, vfs.MountOptions{})
	if err != nil {
		return nil, "", err
	}
	ctx := v.NewContext()
	mounts.add("overlay", "/", "overlay", false)
	mount := func(path string, fs vfs.FileSystem, ro bool, source, fstype string) error {
		if err := mkdirAll(ctx, path); err != nil {
			return fmt.Errorf("creating mount point %s: %w", path, err)
		}
		if _, err := v.MountAt(ctx, path, fs, vfs.MountOptions{ReadOnly: ro}); err != nil {
			return fmt.Errorf("mounting %s: %w", path, err)
		}
		mounts.add(source, path, fstype, ro)
		return nil
	}
	dev, err := devfs.New(0)
	if err != nil {
		return nil, "", err
	}
	if err := registerConsole(dev); err != nil {
		return nil, "", fmt.Errorf("devfs: %w", err)
	}
	if err := mount("/dev", dev, false, "devtmpfs", "devtmpfs"); err != nil {
		return nil, "", err
	}
	if err := mount("/tmp", ramfs.New(ramfs.Options{RootMode: 0o1777}), false, "tmpfs", "tmpfs"); err != nil {
		return nil, "", err
	}
	for _, s := range o.volumes {
		vol, err := parseVolume(s)
		if err != nil {
			return nil, "", err
		}
		hfs, err := hostfs.New(vol.host, hostfs.Options{Writable: vol.writable})
		if err != nil {
			return nil, "", fmt.Errorf("--volume %s: %w", s, err)
		}
		if err := mount(vol.guest, hfs, !vol.writable, vol.host, "hostfs"); err != nil {
			return nil, "", err
		}
	}
	for _, f := range extra {
		if err := f(v, ctx); err != nil {
			return nil, "", err
		}
	}
	workdir := o.workdir
	if workdir == "" {
		workdir = "/"
		if rootDir == "/" && o.rootFS == nil {
			// The user's directory. When the app's tree hides it (the
			// host's /tmp is replaced by a fresh ramfs), it is mounted at
			// its own path the way the root is: the host's files read-only
			// below, the app's changes in memory above.
			if wd, err := os.Getwd(); err == nil {
				if _, err := vfs.StatAt(ctx, ctx.Root, wd, 0); err == nil {
					workdir = wd
				} else if err := exposeWorkdir(v, ctx, wd, mounts); err == nil {
					workdir = wd
				}
			}
		}
	}
	return v, workdir, nil
}

// exposeWorkdir mounts the host directory wd at the same path in the app,
// under an overlay so that the host is never written.
func exposeWorkdir(v *vfs.VFS, ctx *vfs.Context, wd string, mounts *mountTable) error {
	lower, err := hostfs.New(wd, hostfs.Options{})
	if err != nil {
		return err
	}
	fs, err := overlay.New(lower, overlay.Options{})
	if err != nil {
		return err
	}
	if err := mkdirAll(ctx, wd); err != nil {
		return err
	}
	if _, err := v.MountAt(ctx, wd, fs, vfs.MountOptions{}); err != nil {
		return err
	}
	mounts.add("overlay", wd, "overlay", false)
	return nil
}

// rootFileSystem returns the filesystem mounted on the app's /: the image's
// (o.rootFS) or the host directory rootDir read-only under a ramfs overlay.
func rootFileSystem(o *fsOptions, rootDir string) (vfs.FileSystem, error) {
	if o.rootFS != nil {
		return o.rootFS, nil
	}
	st, err := os.Stat(rootDir)
	if err != nil {
		return nil, fmt.Errorf("--root: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--root %s: not a directory", rootDir)
	}
	lower, err := hostfs.New(rootDir, hostfs.Options{})
	if err != nil {
		return nil, fmt.Errorf("--root %s: %w", rootDir, err)
	}
	upper, err := overlay.New(lower, overlay.Options{})
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	return upper, nil
}

// mkdirAll creates path and its parents in the app's filesystem.
func mkdirAll(ctx *vfs.Context, path string) error {
	cur := ""
	for _, c := range strings.Split(strings.Trim(path, "/"), "/") {
		if c == "" {
			continue
		}
		cur += "/" + c
		err := vfs.MkdirAt(ctx, ctx.Root, cur, 0o755)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
	}
	return nil
}

// exposeHostPath makes a host file the user named visible at the same path
// inside the app when the app's filesystem hides it (for example a program
// under the host's /tmp, which the app sees as a fresh ramfs). Its host
// directory is mounted read-only at /.elfloader/host, and a symlink at the
// named path points there, so the rest of the app's /tmp stays its own.
func exposeHostPath(v *vfs.VFS, workdir, path string) (string, error) {
	ctx := v.NewContext()
	if workdir != "" {
		vfs.Chdir(ctx, ctx.Root, workdir)
	}
	if _, err := vfs.StatAt(ctx, ctx.Cwd, path, 0); err == nil {
		return path, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path, nil
	}
	if _, err := os.Stat(abs); err != nil || abs == "/" {
		return path, nil // let the loader report it
	}
	// The app may not see the user's directory either: run the program
	// by its absolute path.
	if _, err := vfs.StatAt(ctx, ctx.Root, abs, 0); err == nil {
		return abs, nil
	}
	dir := filepath.Dir(abs)
	hfs, err := hostfs.New(dir, hostfs.Options{})
	if err != nil {
		return "", err
	}
	const hidden = "/.elfloader/host"
	if err := mkdirAll(ctx, hidden); err != nil {
		return "", fmt.Errorf("exposing %s: %w", dir, err)
	}
	if _, err := v.MountAt(ctx, hidden, hfs, vfs.MountOptions{ReadOnly: true}); err != nil {
		return "", fmt.Errorf("exposing %s: %w", dir, err)
	}
	if err := mkdirAll(ctx, dir); err != nil {
		return "", fmt.Errorf("exposing %s: %w", dir, err)
	}
	if err := vfs.SymlinkAt(ctx, hidden+"/"+filepath.Base(abs), ctx.Root, abs); err != nil {
		return "", err
	}
	return abs, nil
}
