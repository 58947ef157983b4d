package ociruntime

import (
	"context"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// servedMounts are the kernel filesystems elfloader gives every app
// itself, by type and destination: a spec mount of one of them needs
// nothing more.
var servedMounts = map[string]bool{
	"proc /proc": true, "sysfs /sys": true, "tmpfs /dev": true, "devtmpfs /dev": true,
	"devpts /dev/pts": true, "tmpfs /dev/shm": true, "mqueue /dev/mqueue": true, "tmpfs /tmp": true,
}

// maxCopiedFile bounds a file that is bound in by copying it.
const maxCopiedFile = 1 << 20

// mapMount maps one spec mount: bind mounts of directories become volumes,
// bind mounts of files are copied in, tmpfs mounts get a fresh in-memory
// filesystem, and the kernel filesystems are elfloader's own.
func (s *Settings) mapMount(m specs.Mount) {
	dst := path.Clean(m.Destination)
	if !path.IsAbs(dst) {
		s.note("mounts: %s: the destination is not absolute: not mounted", m.Destination)
		return
	}
	switch {
	case m.Type == "bind" || hasOption(m, "bind", "rbind"):
		s.mapBind(m, dst)
	case servedMounts[m.Type+" "+dst]:
	case m.Type == "tmpfs":
		s.Mounts = append(s.Mounts, tmpfsMount(dst, tmpfsMode(m.Options)))
	default:
		s.note("mounts: %s on %s: not served by elfloader: not mounted", m.Type, dst)
	}
}

// mapBind maps a bind mount: a directory becomes a volume (read-write
// unless "ro"), a regular file is copied in.
func (s *Settings) mapBind(m specs.Mount, dst string) {
	ro := hasOption(m, "ro")
	st, err := os.Stat(m.Source)
	switch {
	case err != nil:
		s.note("mounts: bind %s on %s: %v: not mounted", m.Source, dst, err)
	case st.IsDir() && (strings.Contains(m.Source, ":") || strings.Contains(dst, ":")):
		s.note("mounts: bind %s on %s: a path with ':' cannot be a volume: not mounted", m.Source, dst)
	case st.IsDir():
		mode := ":rw"
		if ro {
			mode = ":ro"
		}
		s.Volumes = append(s.Volumes, m.Source+":"+dst+mode)
	case st.Mode().IsRegular() && st.Size() <= maxCopiedFile:
		if !ro {
			s.note("mounts: bind %s on %s: the file is copied in; the app's changes are not written back", m.Source, dst)
		}
		s.Mounts = append(s.Mounts, copyFile(m.Source, dst, uint32(st.Mode().Perm())))
	default:
		s.note("mounts: bind %s on %s: only directories and regular files up to %d bytes: not mounted", m.Source, dst, maxCopiedFile)
	}
}

// tmpfsMode is the mode= option of a tmpfs mount (tmpfs's default 1777).
func tmpfsMode(options []string) uint32 {
	for _, o := range options {
		if v, ok := strings.CutPrefix(o, "mode="); ok {
			if n, err := strconv.ParseUint(v, 8, 32); err == nil {
				return uint32(n) & 0o7777
			}
		}
	}
	return 0o1777
}

// tmpfsMount mounts a fresh ramfs at dst.
func tmpfsMount(dst string, mode uint32) container.MountFunc {
	return func(v *vfs.VFS, ctx *vfs.Context) error {
		if err := container.MkdirAll(ctx, dst); err != nil {
			return fmt.Errorf("tmpfs on %s: %w", dst, err)
		}
		if _, err := v.MountAt(ctx, dst, ramfs.New(ramfs.Options{Dev: v.NewAnonDev(), RootMode: mode, PathCacheable: true}), vfs.MountOptions{}); err != nil {
			return fmt.Errorf("tmpfs on %s: %w", dst, err)
		}
		return nil
	}
}

// copyFile writes the host file src into the app's tree at dst.
func copyFile(src, dst string, perm uint32) container.MountFunc {
	return func(v *vfs.VFS, ctx *vfs.Context) error {
		data, err := readBounded(src)
		if err != nil {
			return fmt.Errorf("bind %s on %s: %w", src, dst, err)
		}
		if err := container.MkdirAll(ctx, path.Dir(dst)); err != nil {
			return fmt.Errorf("bind %s on %s: %w", src, dst, err)
		}
		f, err := vfs.OpenAt(ctx, ctx.Root, dst, vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, Mode: perm})
		if err != nil {
			return fmt.Errorf("bind %s on %s: %w", src, dst, err)
		}
		defer f.DecRef()
		if _, err := f.Write(context.Background(), data); err != nil {
			return fmt.Errorf("bind %s on %s: %w", src, dst, err)
		}
		return nil
	}
}

// readBounded reads a host file of at most maxCopiedFile bytes.
func readBounded(p string) ([]byte, error) {
	data, err := os.ReadFile(p)
	if err == nil && len(data) > maxCopiedFile {
		err = fmt.Errorf("larger than %d bytes", maxCopiedFile)
	}
	return data, err
}
