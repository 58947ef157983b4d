package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// hostFile returns a generator passing the host's /proc/name through.
func (fs *FS) hostFile(name string) func() ([]byte, error) {
	return func() ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(fs.hostProc, name))
		if err != nil {
			return nil, fmt.Errorf("procfs: host %s: %w", name, err)
		}
		return data, nil
	}
}

// cpuCount is the number of CPUs the app may run on.
func cpuCount() int { return max(runtime.NumCPU(), 1) }

// filesystemType is one line of /proc/filesystems.
type filesystemType struct {
	name  string
	nodev bool // not backed by a block device
}

// filesystemTypes lists the filesystem types elfloader implements, under
// the names Linux gives them.
func filesystemTypes() []filesystemType {
	return []filesystemType{
		{"sysfs", true},
		{"tmpfs", true},
		{"proc", true},
		{"devtmpfs", true},
		{"pipefs", true},
		{"ramfs", true},
		{"devpts", true},
		{"overlay", true},
		{"ext2", false},
	}
}

// FilesystemNames lists the filesystem types elfloader implements, in
// /proc/filesystems order (sysfs(2) numbers them so).
func FilesystemNames() []string {
	var names []string
	for _, t := range filesystemTypes() {
		names = append(names, t.name)
	}
	return names
}

// filesystemsText is /proc/filesystems: "nodev" then a tab for virtual
// filesystems, a lone tab for block-device ones.
func filesystemsText() []byte {
	var b strings.Builder
	for _, t := range filesystemTypes() {
		if t.nodev {
			b.WriteString("nodev")
		}
		b.WriteString("\t" + t.name + "\n")
	}
	return []byte(b.String())
}

// escapeMountField escapes a /proc/mounts field as Linux's mangle() does:
// space, tab, newline and backslash become octal escapes.
func escapeMountField(s string) string {
	if !strings.ContainsAny(s, " \t\n\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\':
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func mountOptions(m Mount) string {
	if m.Options == "" {
		return "rw"
	}
	return m.Options
}

// mountsText is /proc/mounts (and /proc/PID/mounts): fstab-like lines.
func mountsText(mounts []Mount) []byte {
	var b strings.Builder
	for _, m := range mounts {
		fmt.Fprintf(&b, "%s %s %s %s 0 0\n", escapeMountField(m.Source), escapeMountField(m.Target),
			escapeMountField(m.FSType), escapeMountField(mountOptions(m)))
	}
	return []byte(b.String())
}

// mountinfoText is /proc/PID/mountinfo. For mounts without an ID, ids
// and device numbers are synthesised: mount i has id firstMountID+i and
// device 0:(firstMountID+i); the parent is the latest earlier mount whose
// target contains this one.
func mountinfoText(mounts []Mount) []byte {
	var b strings.Builder
	for i, m := range mounts {
		if m.ID == 0 {
			m = synthesiseMountInfo(mounts, i)
		}
		optional := ""
		if m.Optional != "" {
			optional = " " + m.Optional
		}
		fmt.Fprintf(&b, "%d %d %d:%d %s %s %s%s - %s %s %s\n", m.ID, m.ParentID, unix.Major(m.Dev), unix.Minor(m.Dev),
			escapeMountField(m.Root), escapeMountField(m.Target), m.MountOptions, optional,
			escapeMountField(m.FSType), escapeMountField(m.Source), escapeMountField(m.SuperOptions))
	}
	return []byte(b.String())
}

// synthesiseMountInfo fills mountinfo's fields of mounts[i] from its
// place in the list.
func synthesiseMountInfo(mounts []Mount, i int) Mount {
	const firstMountID = 20
	m := mounts[i]
	m.ID, m.ParentID = firstMountID+i, firstMountID+i
	for j := i - 1; j >= 0; j-- {
		if pathContains(mounts[j].Target, m.Target) {
			m.ParentID = firstMountID + j
			break
		}
	}
	m.Dev = unix.Mkdev(0, uint32(m.ID))
	m.Root = "/"
	m.MountOptions, m.SuperOptions = mountOptions(m), mountOptions(m)
	return m
}

// pathContains reports whether dir is p or an ancestor of it.
func pathContains(dir, p string) bool {
	if dir == p {
		return false // a mount stacked on the same point is not nested
	}
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return strings.HasPrefix(p, dir+"/")
}

// formatUptime is /proc/uptime: seconds since boot and the idle time
// summed over the CPUs.
func formatUptime(up, idle float64) string {
	return fmt.Sprintf("%.2f %.2f\n", up, idle)
}

// versionText is /proc/version.
func (fs *FS) versionText() string {
	return fmt.Sprintf("Linux version %s (elfloader@elfloader) (%s) %s\n",
		fs.prov.OSRelease(), runtime.Version(), kernelVersion)
}

// mountsOf lists the mounts as p sees them, when the provider can.
func (fs *FS) mountsOf(p Process) []Mount {
	if pm, ok := fs.prov.(ProcessMounts); ok {
		return pm.MountsOf(p)
	}
	return fs.prov.Mounts()
}

// MountFromInfo is the /proc line of a mount of the vfs: mountinfo's
// per-mount options (rw or ro, nosuid, nodev, noexec, the atime mode,
// nosymfollow), the superblock's (rw or ro and the filesystem's own) and
// /proc/mounts' union of both.
func MountFromInfo(mi vfs.MountInfo) Mount {
	mountOpts := mountAttrOptions(mi.Attr)
	super := "rw"
	if mi.SuperRO {
		super = "ro"
	}
	if mi.SuperOptions != "" {
		super += "," + mi.SuperOptions
	}
	all := mountOpts
	if mi.SuperRO {
		all = "ro" + all[len("rw"):] // mountOpts starts with rw or ro
	}
	if mi.SuperOptions != "" {
		all += "," + mi.SuperOptions
	}
	m := Mount{Source: mi.Source, Target: mi.Point, FSType: mi.Type, Options: all,
		ID: mi.ID, ParentID: mi.ParentID, Dev: mi.Dev, Root: mi.Root, MountOptions: mountOpts, SuperOptions: super}
	if m.Source == "" {
		m.Source = "none"
	}
	if mi.Unbindable {
		m.Optional = "unbindable"
	}
	return m
}

// mountAttrOptions spells MOUNT_ATTR_* bits as Linux's show_mnt_opts.
func mountAttrOptions(attr uint64) string {
	opts := "rw"
	if attr&unix.MOUNT_ATTR_RDONLY != 0 {
		opts = "ro"
	}
	for _, o := range []struct {
		set  bool
		name string
	}{
		{attr&unix.MOUNT_ATTR_NOSUID != 0, "nosuid"},
		{attr&unix.MOUNT_ATTR_NODEV != 0, "nodev"},
		{attr&unix.MOUNT_ATTR_NOEXEC != 0, "noexec"},
		{attr&unix.MOUNT_ATTR__ATIME == unix.MOUNT_ATTR_NOATIME, "noatime"},
		{attr&unix.MOUNT_ATTR_NODIRATIME != 0, "nodiratime"},
		{attr&unix.MOUNT_ATTR__ATIME == unix.MOUNT_ATTR_RELATIME, "relatime"},
		{attr&unix.MOUNT_ATTR_NOSYMFOLLOW != 0, "nosymfollow"},
	} {
		if o.set {
			opts += "," + o.name
		}
	}
	return opts
}
