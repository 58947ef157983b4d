package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// DirOptions tune NewDirSource.
type DirOptions struct {
	// SquashOwners makes every entry owned by 0:0 instead of its host owner
	// (useful when packing a tree built by an unprivileged user).
	SquashOwners bool
	// Logger receives warnings about skipped entries; nil discards them.
	Logger *slog.Logger
}

// DirSource is a FileSource reading a host directory. It keeps modes,
// owners, symlinks, hard links (same device and inode) and modification
// times; device nodes, sockets and FIFOs are skipped with a warning. Symlinks
// are stored as they are, never followed.
type DirSource struct {
	dir  string
	opts DirOptions
}

// NewDirSource returns a source for the tree rooted at dir.
func NewDirSource(dir string, opts DirOptions) *DirSource {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &DirSource{dir: dir, opts: opts}
}

type devIno struct{ dev, ino uint64 }

// ContentSize returns the bytes of regular-file content the walk will yield.
func (s *DirSource) ContentSize(ctx context.Context) (int64, error) {
	var total int64
	seen := make(map[devIno]bool)
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			key := devIno{st.Dev, st.Ino}
			if seen[key] {
				return nil
			}
			seen[key] = true
		}
		total += info.Size()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("size %s: %w", s.dir, err)
	}
	return total, nil
}

// Walk implements FileSource, in lexical order with the root (".") first.
func (s *DirSource) Walk(ctx context.Context, fn WalkFunc) error {
	links := make(map[devIno]string)
	err := filepath.WalkDir(s.dir, func(hostPath string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir, hostPath)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%s: no stat data", hostPath)
		}
		hdr := Header{
			Path: rel, Perm: linuxPerm(info.Mode()), UID: st.Uid, GID: st.Gid,
			ModTime: info.ModTime(),
		}
		if s.opts.SquashOwners {
			hdr.UID, hdr.GID = 0, 0
		}
		mode := info.Mode()
		switch {
		case mode.IsDir():
			hdr.Kind = KindDir
			return fn(hdr, nil)
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(hostPath)
			if err != nil {
				return err
			}
			hdr.Kind, hdr.Linkname = KindSymlink, target
			return fn(hdr, nil)
		case mode.IsRegular():
			if rel == "." {
				return fmt.Errorf("%s is a file, not a directory", s.dir)
			}
			if st.Nlink > 1 {
				key := devIno{st.Dev, st.Ino}
				if first, ok := links[key]; ok {
					hdr.Kind, hdr.Linkname = KindHardlink, first
					return fn(hdr, nil)
				}
				links[key] = rel
				hdr.Nlink = uint32(st.Nlink)
			}
			hdr.Kind, hdr.Size = KindFile, info.Size()
			return s.emitFile(hostPath, hdr, fn)
		default:
			s.opts.Logger.Warn("skipping special file", "path", hostPath, "type", mode.Type().String())
			return nil
		}
	})
	if err != nil {
		return fmt.Errorf("walk %s: %w", s.dir, err)
	}
	return nil
}

func (s *DirSource) emitFile(hostPath string, hdr Header, fn WalkFunc) error {
	f, err := os.OpenFile(hostPath, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	err = fn(hdr, io.LimitReader(f, hdr.Size))
	if errors.Is(err, errShortContent) {
		return fmt.Errorf("%s changed while packing: %w", hostPath, err)
	}
	return err
}
