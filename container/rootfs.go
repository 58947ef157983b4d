package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/posix/loop"
	"github.com/elfloader/elfloader/posix/pty"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
	"github.com/elfloader/elfloader/vfs/hostfs"
	"github.com/elfloader/elfloader/vfs/overlay"
	"github.com/elfloader/elfloader/vfs/procfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"github.com/elfloader/elfloader/vfs/sysfs"
)

// FS describes the app's filesystem.
type FS struct {
	Root    string   // host directory the app sees as / (default "/")
	Volumes []string // HOST:GUEST[:rw|ro] mounts
	Workdir string   // the app's initial working directory
	// ReadOnly refuses writes to the root filesystem with EROFS instead of
	// keeping them in memory (docker's --read-only); /tmp, /dev and
	// writable volumes stay writable.
	ReadOnly bool

	// RootFS, when set, is the app's root instead of Root: the ramfs
	// filled from an elfloader image (PrepareImage).
	RootFS vfs.FileSystem
	// WritableRoot writes the app's changes to Root itself instead of
	// keeping them in memory: an OCI bundle's root filesystem, the
	// container's own snapshot. Never for the host's "/".
	WritableRoot bool
}

// Volume is one --volume mount.
type Volume struct {
	Host, Guest string
	Writable    bool
}

func ParseVolume(s string) (Volume, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Volume{}, fmt.Errorf("--volume %q: want HOST:GUEST or HOST:GUEST:rw", s)
	}
	v := Volume{Host: parts[0], Guest: parts[1]}
	if len(parts) == 3 {
		switch parts[2] {
		case "rw":
			v.Writable = true
		case "ro":
		default:
			return Volume{}, fmt.Errorf("--volume %q: unknown mode %q (rw or ro)", s, parts[2])
		}
	}
	if !filepath.IsAbs(v.Guest) {
		return Volume{}, fmt.Errorf("--volume %q: the app path must be absolute", s)
	}
	return v, nil
}

// MountFunc lets callers add filesystems of their own.
type MountFunc func(v *vfs.VFS, ctx *vfs.Context) error

// MountTable records the mounts for the app's /proc/mounts.
type MountTable []procfs.Mount

func (m *MountTable) Add(source, target, fstype string, ro bool) {
	opts := "rw"
	if ro {
		opts = "ro"
	}
	*m = append(*m, procfs.Mount{Source: source, Target: target, FSType: fstype, Options: opts + ",relatime"})
}

// MountKernelFS mounts the filesystems that show the kernel's own state
// (procfs needs the kernel, which needs the vfs first).
func MountKernelFS(v *vfs.VFS, k *kernel.Kernel, mounts *MountTable) error {
	ctx := v.NewContext()
	for _, m := range []struct {
		path, fstype string
		fs           vfs.FileSystem
	}{
		{"/proc", "proc", procfs.New(k.ProcProvider(), v.NewAnonDev())},
		{"/sys", "sysfs", sysfs.New(v.NewAnonDev())},
	} {
		if err := MkdirAll(ctx, m.path); err != nil {
			return fmt.Errorf("creating mount point %s: %w", m.path, err)
		}
		// nosuid, nodev and noexec as container runtimes mount them.
		opts := vfs.MountOptions{Source: m.fstype, Type: m.fstype, ReadOnly: m.path == "/sys",
			Attr: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC}
		if _, err := v.MountAt(ctx, m.path, m.fs, opts); err != nil {
			return fmt.Errorf("mounting %s: %w", m.path, err)
		}
		mounts.Add(m.fstype, m.path, m.fstype, m.path == "/sys")
	}
	return nil
}

// BuildRoot assembles the app's filesystem: the host root (or --root)
// read-only under a ramfs overlay, devfs on /dev, a fresh ramfs on /tmp,
// the volumes, and whatever extra mounts the caller adds. The host is only
// written through an explicit :rw volume.
func BuildRoot(o *FS, mounts *MountTable, extra ...MountFunc) (*vfs.VFS, string, error) {
	rootDir := o.Root
	if rootDir == "" {
		rootDir = "/"
	}
	upper, err := rootFileSystem(o, rootDir)
	if err != nil {
		return nil, "", err
	}
	v, err := vfs.New(upper, vfs.MountOptions{Source: "overlay", Type: "overlay"})
	if err != nil {
		return nil, "", err
	}
	ctx := v.NewContext()
	mounts.Add("overlay", "/", "overlay", false)
	mount := func(path string, fs vfs.FileSystem, ro bool, source, fstype string) error {
		if err := MkdirAll(ctx, path); err != nil {
			return fmt.Errorf("creating mount point %s: %w", path, err)
		}
		if _, err := v.MountAt(ctx, path, fs, vfs.MountOptions{ReadOnly: ro, Source: source, Type: fstype}); err != nil {
			return fmt.Errorf("mounting %s: %w", path, err)
		}
		mounts.Add(source, path, fstype, ro)
		return nil
	}
	// Each filesystem gets a device number of its own (st_dev), so that
	// (st_dev, st_ino) names one file across the mount tree.
	dev, err := devfs.New(v.NewAnonDev())
	if err != nil {
		return nil, "", err
	}
	if err := kernel.RegisterConsole(dev); err != nil {
		return nil, "", fmt.Errorf("devfs: %w", err)
	}
	v.SetDevices(dev.OpenDevice)
	if _, err := loop.Register(dev); err != nil {
		return nil, "", fmt.Errorf("devfs: %w", err)
	}
	if err := mount("/dev", dev, false, "devtmpfs", "devtmpfs"); err != nil {
		return nil, "", err
	}
	// The app's own pseudo-terminals: /dev/ptmx and devpts on /dev/pts.
	pts, err := pty.Register(dev, v.NewAnonDev())
	if err != nil {
		return nil, "", err
	}
	if err := mount("/dev/pts", pts, false, "devpts", "devpts"); err != nil {
		return nil, "", err
	}
	if err := mount("/tmp", ramfs.New(ramfs.Options{Dev: v.NewAnonDev(), RootMode: 0o1777, PathCacheable: true}), false, "tmpfs", "tmpfs"); err != nil {
		return nil, "", err
	}
	for _, s := range o.Volumes {
		vol, err := ParseVolume(s)
		if err != nil {
			return nil, "", err
		}
		hfs, err := hostfs.New(vol.Host, hostfs.Options{Writable: vol.Writable, Dev: v.NewAnonDev()})
		if err != nil {
			return nil, "", fmt.Errorf("--volume %s: %w", s, err)
		}
		if err := mount(vol.Guest, hfs, !vol.Writable, vol.Host, "hostfs"); err != nil {
			return nil, "", err
		}
	}
	for _, f := range extra {
		if err := f(v, ctx); err != nil {
			return nil, "", err
		}
	}
	workdir := o.Workdir
	if workdir == "" {
		workdir = "/"
		if rootDir == "/" && o.RootFS == nil {
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
	} else if err := ensureWorkdir(ctx, workdir); err != nil {
		return nil, "", err
	}
	return v, workdir, nil
}

// ensureWorkdir creates a missing working directory (as docker run -w
// does), also inside a volume, and checks that it is a directory.
func ensureWorkdir(ctx *vfs.Context, workdir string) error {
	if !filepath.IsAbs(workdir) {
		return nil // relative to the app's starting directory, checked by AppContext
	}
	if _, err := vfs.StatAt(ctx, ctx.Root, workdir, 0); errors.Is(err, unix.ENOENT) {
		if err := MkdirAll(ctx, workdir); err != nil {
			return fmt.Errorf("working directory %s: %w", workdir, err)
		}
	}
	return CheckWorkdir(ctx, workdir)
}

// Seal applies what must wait until every mount point exists: with
// o.ReadOnly, the root filesystem refuses writes from now on.
func Seal(v *vfs.VFS, o *FS, mounts *MountTable) {
	if !o.ReadOnly {
		return
	}
	v.Root().Mount.Remount(vfs.MountOptions{ReadOnly: true})
	for i := range *mounts {
		if m := &(*mounts)[i]; m.Target == "/" {
			m.Options = strings.Replace(m.Options, "rw", "ro", 1)
		}
	}
}

// exposeWorkdir mounts the host directory wd at the same path in the app,
// under an overlay so that the host is never written.
func exposeWorkdir(v *vfs.VFS, ctx *vfs.Context, wd string, mounts *MountTable) error {
	lower, err := hostfs.New(wd, hostfs.Options{})
	if err != nil {
		return err
	}
	fs, err := overlay.New(lower, overlay.Options{Dev: v.NewAnonDev()})
	if err != nil {
		return err
	}
	if err := MkdirAll(ctx, wd); err != nil {
		return err
	}
	if _, err := v.MountAt(ctx, wd, fs, vfs.MountOptions{Source: "overlay", Type: "overlay"}); err != nil {
		return err
	}
	mounts.Add("overlay", wd, "overlay", false)
	return nil
}

// rootFileSystem returns the filesystem mounted on the app's /: the image's
// (o.RootFS) or the host directory rootDir read-only under a ramfs overlay.
func rootFileSystem(o *FS, rootDir string) (vfs.FileSystem, error) {
	if o.RootFS != nil {
		return o.RootFS, nil
	}
	st, err := os.Stat(rootDir)
	if err != nil {
		return nil, fmt.Errorf("--root: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--root %s: not a directory", rootDir)
	}
	if o.WritableRoot {
		if filepath.Clean(rootDir) == "/" {
			return nil, fmt.Errorf("the host's / cannot be the app's writable root")
		}
		return hostfs.New(rootDir, hostfs.Options{Writable: true, Dev: vfs.RootDev})
	}
	lower, err := hostfs.New(rootDir, hostfs.Options{})
	if err != nil {
		return nil, fmt.Errorf("--root %s: %w", rootDir, err)
	}
	upper, err := overlay.New(lower, overlay.Options{Dev: vfs.RootDev})
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	return upper, nil
}

// MkdirAll creates path and its parents in the app's filesystem.
func MkdirAll(ctx *vfs.Context, path string) error {
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
	hfs, err := hostfs.New(dir, hostfs.Options{Dev: v.NewAnonDev()})
	if err != nil {
		return "", err
	}
	const hidden = "/.elfloader/host"
	if err := MkdirAll(ctx, hidden); err != nil {
		return "", fmt.Errorf("exposing %s: %w", dir, err)
	}
	if _, err := v.MountAt(ctx, hidden, hfs, vfs.MountOptions{ReadOnly: true, Source: dir, Type: "hostfs"}); err != nil {
		return "", fmt.Errorf("exposing %s: %w", dir, err)
	}
	if err := MkdirAll(ctx, dir); err != nil {
		return "", fmt.Errorf("exposing %s: %w", dir, err)
	}
	if err := vfs.SymlinkAt(ctx, hidden+"/"+filepath.Base(abs), ctx.Root, abs); err != nil {
		return "", err
	}
	return abs, nil
}

// List returns the mounts recorded so far (for the kernel's /proc/mounts).
func (m *MountTable) List() []procfs.Mount { return *m }
