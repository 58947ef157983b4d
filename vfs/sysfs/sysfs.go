package sysfs

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/internal/hostfile"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// sysfsMagic is SYSFS_MAGIC, statfs's f_type for /sys.
const sysfsMagic = 0x62656572

// defaultTHP is transparent_hugepage/enabled when the host's is unknown.
const defaultTHP = "always [madvise] never\n"

// FS is a sysfs instance: a ramfs filled at creation, read-only from the
// vfs's point of view. It is a vfs.FileSystem.
type FS struct {
	tree *ramfs.FS
}

// New returns a sysfs describing the host's CPUs; dev is reported as
// st_dev.
func New(dev uint64) vfs.FileSystem {
	fs, err := newFS(dev, "/sys")
	if err != nil {
		// Populating a fresh ramfs cannot fail; keep an empty tree if it
		// ever does rather than give the kernel nothing to mount.
		return &FS{tree: ramfs.New(ramfs.Options{Dev: dev})}
	}
	return fs
}

// newFS builds the tree from the host sysfs at hostSys.
func newFS(dev uint64, hostSys string) (*FS, error) {
	fs := &FS{tree: ramfs.New(ramfs.Options{Dev: dev})}
	host := func(rel, fallback string) string {
		data, err := hostfile.ReadFile(filepath.Join(hostSys, rel))
		if err != nil || len(data) == 0 {
			return fallback
		}
		return string(data)
	}
	allCPUs := fmt.Sprintf("0-%d\n", max(runtime.NumCPU(), 1)-1)
	if runtime.NumCPU() <= 1 {
		allCPUs = "0\n"
	}
	possible := host("devices/system/cpu/possible", allCPUs)
	online := host("devices/system/cpu/online", possible)
	present := host("devices/system/cpu/present", possible)
	possibleIDs, err := parseCPUList(possible)
	if err != nil {
		possible, online, present = allCPUs, allCPUs, allCPUs
		possibleIDs, _ = parseCPUList(allCPUs)
	}
	onlineIDs, err := parseCPUList(online)
	if err != nil {
		onlineIDs = possibleIDs
	}
	files := map[string]string{
		"devices/system/cpu/possible":                   possible,
		"devices/system/cpu/online":                     online,
		"devices/system/cpu/present":                    present,
		"kernel/mm/transparent_hugepage/enabled":        host("kernel/mm/transparent_hugepage/enabled", defaultTHP),
		"kernel/mm/transparent_hugepage/hpage_pmd_size": host("kernel/mm/transparent_hugepage/hpage_pmd_size", "2097152\n"),
	}
	for _, id := range possibleIDs {
		dir := fmt.Sprintf("devices/system/cpu/cpu%d", id)
		if err := fs.mkdirAll(dir); err != nil {
			return nil, err
		}
		if id == 0 {
			continue // like x86 Linux: the boot CPU cannot go offline, no "online" file
		}
		state := "0\n"
		if slices.Contains(onlineIDs, id) {
			state = "1\n"
		}
		files[dir+"/online"] = state
	}
	for _, path := range slices.Sorted(maps.Keys(files)) {
		if err := fs.writeFile(path, files[path]); err != nil {
			return nil, err
		}
	}
	for _, dir := range []string{"fs/cgroup", "class", "bus", "block", "dev"} {
		if err := fs.mkdirAll(dir); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// parseCPUList parses a CPU list ("0-3,5\n") into its ids, ascending.
func parseCPUList(s string) ([]int, error) {
	var ids []int
	for part := range strings.SplitSeq(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("sysfs: cpu list %q: %w", s, err)
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("sysfs: cpu list %q: %w", s, err)
			}
		}
		if first < 0 || last < first || last > 1<<16 {
			return nil, fmt.Errorf("sysfs: cpu list %q: bad range", s)
		}
		for id := first; id <= last; id++ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// mkdirAll creates dir and its parents (0755, root-owned).
func (fs *FS) mkdirAll(dir string) error {
	var cur vfs.Inode = fs.tree.RootInode()
	for name := range strings.SplitSeq(dir, "/") {
		next, err := cur.Lookup(name)
		if err == unix.ENOENT {
			next, err = cur.Mkdir(name, 0o755, vfs.Cred{})
		}
		if err != nil {
			return fmt.Errorf("sysfs: mkdir %s: %w", dir, err)
		}
		cur = next
	}
	return nil
}

// writeFile creates a 0444 file at path with contents.
func (fs *FS) writeFile(path, contents string) error {
	dir, name := filepath.Split(path)
	dir = strings.TrimSuffix(dir, "/")
	if err := fs.mkdirAll(dir); err != nil {
		return err
	}
	parent, err := walk(fs.tree.RootInode(), dir)
	if err != nil {
		return fmt.Errorf("sysfs: %s: %w", path, err)
	}
	in, err := parent.Create(name, unix.S_IFREG|0o444, 0, vfs.Cred{})
	if err != nil {
		return fmt.Errorf("sysfs: create %s: %w", path, err)
	}
	f, err := in.Open(unix.O_WRONLY)
	if err != nil {
		return fmt.Errorf("sysfs: open %s: %w", path, err)
	}
	defer f.Release()
	if _, err := f.Write(context.Background(), []byte(contents), 0, false); err != nil {
		return fmt.Errorf("sysfs: write %s: %w", path, err)
	}
	return nil
}

func walk(root vfs.Inode, dir string) (vfs.Inode, error) {
	cur := root
	for name := range strings.SplitSeq(dir, "/") {
		next, err := cur.Lookup(name)
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}

// Root implements vfs.FileSystem.
func (fs *FS) Root() (vfs.Inode, error) { return fs.tree.Root() }

// ReadOnly implements vfs.FileSystem: the vfs refuses every change with
// EROFS.
func (fs *FS) ReadOnly() bool { return true }

// Statfs implements vfs.FileSystem (f_flags come from the mount).
func (fs *FS) Statfs() (vfs.Statfs, error) {
	return vfs.Statfs{
		Type: sysfsMagic, Bsize: 4096, Frsize: 4096, Namelen: vfs.NameMax,
	}, nil
}

// NoExport says sysfs files have no handles (name_to_handle_at), as on
// Linux.
func (fs *FS) NoExport() {}
