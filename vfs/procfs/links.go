package procfs

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// magicLink builds a magic link of process pid (mode 0777 unless a says
// otherwise). target gives the
// Location the link jumps to; text, when set, replaces the Location's
// path as the readlink text.
func (fs *FS) magicLink(pid int, a attrs, target func(p Process) (vfs.Location, error), text func(p Process) (string, bool)) vfs.Inode {
	if a.mode == 0 {
		a.mode = unix.S_IFLNK | 0o777
	}
	n := &magicLinkNode{symlinkNode: symlinkNode{attrs: a}}
	n.target = func(ctx *vfs.Context) (string, error) {
		p, err := fs.linkProcess(ctx, pid)
		if err != nil {
			return "", err
		}
		if text != nil {
			if s, ok := text(p); ok {
				return s, nil
			}
		}
		loc, err := target(p)
		if err != nil {
			return "", err
		}
		if ctx == nil {
			ctx = p.FS()
		}
		return displayPath(ctx, loc)
	}
	n.resolve = func(ctx *vfs.Context) (vfs.Location, error) {
		p, err := fs.linkProcess(ctx, pid)
		if err != nil {
			return vfs.Location{}, err
		}
		return target(p)
	}
	return n
}

// linkProcess returns process pid if ctx may follow its magic links.
// Linux requires ptrace-read access; here that is root or the same user.
func (fs *FS) linkProcess(ctx *vfs.Context, pid int) (Process, error) {
	p, ok := fs.prov.Process(pid)
	if !ok {
		return nil, unix.ENOENT
	}
	if ctx != nil && ctx.UID != 0 && ctx.UID != p.UID() {
		return nil, unix.EACCES
	}
	return p, nil
}

// displayPath is a Location's path as readlink of a magic link shows it,
// with Linux's " (deleted)" suffix for removed files.
func displayPath(ctx *vfs.Context, loc vfs.Location) (string, error) {
	path, err := vfs.PathOf(ctx, loc)
	if errors.Is(err, unix.ENOENT) && path != "" {
		return path + " (deleted)", nil
	}
	if err != nil {
		return "", fmt.Errorf("procfs: path of link target: %w", err)
	}
	return path, nil
}

// fsContext returns p's filesystem context or ENOENT (a zombie has none).
func fsContext(p Process) (*vfs.Context, error) {
	c := p.FS()
	if c == nil {
		return nil, unix.ENOENT
	}
	return c, nil
}

func (fs *FS) cwdLink(t thread, a attrs) vfs.Inode {
	return fs.magicLink(t.pid, a, func(p Process) (vfs.Location, error) {
		c, err := fsContext(p)
		if err != nil {
			return vfs.Location{}, err
		}
		return c.Cwd, nil
	}, nil)
}

func (fs *FS) rootLink(t thread, a attrs) vfs.Inode {
	return fs.magicLink(t.pid, a, func(p Process) (vfs.Location, error) {
		c, err := fsContext(p)
		if err != nil {
			return vfs.Location{}, err
		}
		return c.Root, nil
	}, nil)
}

// exeLocator is implemented by processes that keep their executable's
// location (Linux's mm->exe_file).
type exeLocator interface {
	ExeLocation() (vfs.Location, bool)
}

// exeLink is /proc/PID/exe: it jumps to the executable the process keeps,
// or else resolves ExePath in the process's own filesystem view, refusing
// magic links on the way (ELOOP: a path that leads back to /proc/PID/exe
// must not recurse); readlink shows ExePath.
func (fs *FS) exeLink(t thread, a attrs) vfs.Inode {
	return fs.magicLink(t.pid, a, func(p Process) (vfs.Location, error) {
		if el, ok := p.(exeLocator); ok {
			if loc, ok := el.ExeLocation(); ok {
				return loc, nil
			}
		}
		c, err := fsContext(p)
		if err != nil {
			return vfs.Location{}, err
		}
		f, err := vfs.OpenAt(c, c.Root, p.ExePath(), vfs.OpenHow{Flags: unix.O_PATH, Resolve: unix.RESOLVE_NO_MAGICLINKS})
		if err != nil {
			return vfs.Location{}, fmt.Errorf("procfs: exe %q: %w", p.ExePath(), err)
		}
		defer f.DecRef()
		return f.Location(), nil
	}, func(p Process) (string, bool) {
		return p.ExePath(), p.ExePath() != ""
	})
}

// findFD returns descriptor n of p.
func findFD(p Process, n int) (FD, bool) {
	for _, fd := range p.FDs() {
		if fd.FD == n {
			return fd, true
		}
	}
	return FD{}, false
}

// fdDir is /proc/PID/fd: a magic link per open descriptor.
func (fs *FS) fdDir(t thread, a attrs) vfs.Inode {
	a.mode = unix.S_IFDIR | 0o500
	return fs.fdListDir(t, a, fs.fdLink)
}

// fdinfoDir is /proc/PID/fdinfo: a file per open descriptor.
func (fs *FS) fdinfoDir(t thread, a attrs) vfs.Inode {
	a.mode = unix.S_IFDIR | 0o555
	return fs.fdListDir(t, a, fs.fdinfoFile)
}

// fdListDir is a directory with one child per descriptor of t's process,
// made by child.
func (fs *FS) fdListDir(t thread, a attrs, child func(p Process, n int) vfs.Inode) *dirNode {
	d := &dirNode{attrs: a}
	d.children = func() ([]entry, error) {
		p, err := fs.process(t.pid)
		if err != nil {
			return nil, err
		}
		fds := p.FDs()
		ents := make([]entry, 0, len(fds))
		for _, fd := range fds {
			ents = append(ents, entry{name: strconv.Itoa(fd.FD), pos: firstNumberPos + int64(fd.FD), node: child(p, fd.FD)})
		}
		return ents, nil
	}
	d.lookup = func(name string) (vfs.Inode, error) {
		n, ok := parseNumber(name)
		if !ok {
			return nil, unix.ENOENT
		}
		p, err := fs.process(t.pid)
		if err != nil {
			return nil, unix.ENOENT
		}
		if _, ok := findFD(p, n); !ok {
			return nil, unix.ENOENT
		}
		return child(p, n), nil
	}
	return d
}

// fdLink is /proc/PID/fd/N. For a vfs file it jumps to the file's
// Location. Descriptors without one (pipes, sockets, anonymous inodes)
// only have a text; opening them gives ENXIO, which is what Linux answers
// for sockets (Linux reopens pipes and FIFOs, which this link cannot).
func (fs *FS) fdLink(p Process, n int) vfs.Inode {
	a := fs.processAttrs(p, dynIno(kindFD, p.PID(), n, 0), unix.S_IFLNK|fdLinkPerm(p, n))
	return fs.magicLink(p.PID(), a, func(p Process) (vfs.Location, error) {
		fd, ok := findFD(p, n)
		if !ok {
			return vfs.Location{}, unix.ENOENT
		}
		if fd.Location == nil || !fd.Location.Valid() {
			return vfs.Location{}, unix.ENXIO
		}
		return *fd.Location, nil
	}, func(p Process) (string, bool) {
		fd, ok := findFD(p, n)
		if !ok || fd.Name == "" && fd.Location != nil {
			return "", false
		}
		return fd.Name, true
	})
}

// fdLinkPerm is the mode Linux gives fd/N: r-x for a readable
// descriptor, -wx for a writable one, both for O_RDWR.
func fdLinkPerm(p Process, n int) uint32 {
	fd, _ := findFD(p, n)
	switch fd.Flags & unix.O_ACCMODE {
	case unix.O_WRONLY:
		return 0o300
	case unix.O_RDWR:
		return 0o700
	}
	return 0o500
}

// fdinfoFile is /proc/PID/fdinfo/N.
func (fs *FS) fdinfoFile(p Process, n int) vfs.Inode {
	a := fs.processAttrs(p, dynIno(kindFDInfo, p.PID(), n, 0), unix.S_IFREG|0o444)
	pid := p.PID()
	return &fileNode{attrs: a, generate: func() ([]byte, error) {
		p, err := fs.process(pid)
		if err != nil {
			return nil, err
		}
		fd, ok := findFD(p, n)
		if !ok {
			return nil, unix.ENOENT
		}
		return fdinfoText(fd), nil
	}}
}

// oLargeFile is x86-64's O_LARGEFILE, which Linux sets on every open of a
// 64-bit process (golang.org/x/sys/unix defines it as 0 there).
const oLargeFile = 0o100000

// fdinfoText is the contents of /proc/PID/fdinfo/N. The mount id is not
// known to procfs and shows as 0. Like Linux, flags include O_LARGEFILE
// and O_CLOEXEC when the descriptor has it (the kernel reports that in
// FD.Flags).
func fdinfoText(fd FD) []byte {
	var ino uint64
	if fd.Location != nil && fd.Location.Valid() {
		if st, err := fd.Location.Stat(); err == nil {
			ino = st.Ino
		}
	}
	return fmt.Appendf(nil, "pos:\t%d\nflags:\t0%o\nmnt_id:\t%d\nino:\t%d\n", fd.Pos, fd.Flags|oLargeFile, 0, ino)
}
