package kernel

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/elfloader"
	"github.com/elfloader/elfloader/internal/hostfile"
	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/vfs"
)

// ReaderAtCloser is an opened executable or interpreter.
type ReaderAtCloser interface {
	io.ReaderAt
	io.Closer
}

// ExecSpec says what program to start and how.
type ExecSpec struct {
	Path string // as the app will see it (AT_EXECFN, /proc/self/exe)
	Argv []string
	Envp []string
	// Stdin, Stdout and Stderr files for fds 0..2 (nil: the kernel's console).
	Files [3]File
	// Workdir is the initial working directory in the app's filesystem
	// ("" = the root).
	Workdir string
	// Cred, when set, is the user the process runs as (an image's User);
	// otherwise elfloader's own ids.
	Cred *vfs.Cred
	// Rlimits replace the default resource limits they name (an OCI
	// bundle's process.rlimits).
	Rlimits map[int]Rlimit
	// Capabilities, when set, are the process's capability sets before
	// its execve; NoNewPrivs starts it with no_new_privs set; Umask, when
	// set, replaces the default umask 022.
	Capabilities *CapabilitySets
	NoNewPrivs   bool
	Umask        *uint32
}

const (
	pieBase    = 0x555555554000
	stackSize  = 8 << 20
	guardSize  = 64 << 10
	platformID = "x86_64"
)

// LoadError is a program that cannot be started: the errno execve answers
// (ENOENT for a missing file, EACCES without execute permission, ENOEXEC
// for a file that is neither an ELF executable nor a "#!" script, ELOOP
// for too many interpreters, ELIBBAD for a bad ELF interpreter, EPERM or
// ENOMEM for an image that cannot be placed) and a one-line reason.
type LoadError struct {
	Path  string
	Errno unix.Errno
	Err   error
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// Missing tells a missing file (a shell's status 127) from one that cannot
// be run (126).
func (e *LoadError) Missing() bool { return e.Errno == unix.ENOENT }

// loadError classifies err as execve would answer it.
func loadError(path string, err error, fallback unix.Errno) *LoadError {
	var le *LoadError
	if errors.As(err, &le) {
		return le
	}
	var errno unix.Errno
	if !errors.As(err, &errno) {
		errno = fallback
	}
	return &LoadError{Path: path, Errno: errno, Err: err}
}

// execFile is a file opened for execution.
type execFile struct {
	ReaderAtCloser
	// fullPath is its absolute path in the app's filesystem, with every
	// symlink resolved (/proc/self/exe); "" when unknown.
	fullPath string
	// loc is where it is in the app's filesystem (invalid for host files).
	loc vfs.Location
}

// MapFD is the host descriptor holding the file's bytes, if any (a file
// of a host directory), for mapping its segments.
func (f *execFile) MapFD() (int, bool) {
	if mf, ok := f.ReaderAtCloser.(interface{ MapFD() (int, bool) }); ok {
		return mf.MapFD()
	}
	return -1, false
}

// privateMapper is a file whose bytes can be mapped MAP_PRIVATE from a
// range of a host file (vfs.PrivateMapper: a file stored in an image).
type privateMapper interface {
	PrivateMapFD(off, length int64) (int, int64, int64, bool)
}

// PrivateMapFD is where to map [off, off+length) of the file privately
// from: a host descriptor, the offset of the file's byte 0 in it, and
// where the file's pages end in it (-1: the descriptor is the file's).
func (f *execFile) PrivateMapFD(off, length int64) (int, int64, int64, bool) {
	if pm, ok := f.ReaderAtCloser.(privateMapper); ok {
		return pm.PrivateMapFD(off, length)
	}
	fd, ok := f.MapFD()
	return fd, 0, -1, ok
}

// opener opens a program or interpreter for execution. Its errors carry
// the errno execve answers: the path walk's (ENOENT, ENOTDIR, ELOOP,
// EACCES), EACCES for a file that is not regular or not executable.
type opener func(path string) (*execFile, error)

// openHostExec opens a host file for execution.
func openHostExec(path string) (*execFile, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("%s: not a regular file: %w", path, unix.EACCES)
	}
	if err := unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS); err != nil {
		return nil, fmt.Errorf("%s: no execute permission: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	full, err := filepath.Abs(path)
	if err != nil {
		full = ""
	}
	return &execFile{ReaderAtCloser: f, fullPath: full}, nil
}

// openVFSExec opens a program for execution through the app's filesystem,
// with execve's checks: a regular file the caller may execute.
func openVFSExec(ctx *vfs.Context, path string) (*execFile, error) {
	loc, err := vfs.ResolveAt(ctx, ctx.Cwd, path, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := loc.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.Type() != unix.S_IFREG {
		return nil, fmt.Errorf("%s: not a regular file: %w", path, unix.EACCES)
	}
	if loc.Mount.Attr()&unix.MOUNT_ATTR_NOEXEC != 0 {
		return nil, fmt.Errorf("%s: on a noexec mount: %w", path, unix.EACCES)
	}
	if err := vfs.AccessAt(ctx, loc, "", unix.X_OK, unix.AT_EACCESS|unix.AT_EMPTY_PATH); err != nil {
		return nil, fmt.Errorf("%s: no execute permission: %w", path, err)
	}
	// Exec: the open execve makes (the program, its interpreter), which
	// a Landlock domain checks for LANDLOCK_ACCESS_FS_EXECUTE.
	f, err := vfs.OpenAt(ctx, ctx.Cwd, path, vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC, Exec: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	full, err := vfs.PathOf(ctx, f.Location())
	if err != nil {
		full = ""
	}
	return &execFile{ReaderAtCloser: vfsReader{NewVFSFile(f, path)}, fullPath: full, loc: f.Location()}, nil
}

// openerFor opens programs through the process's filesystem, or the host's
// when the kernel has none.
func openerFor(fsctx *vfs.Context) opener {
	if fsctx == nil {
		return openHostExec
	}
	return func(path string) (*execFile, error) { return openVFSExec(fsctx, path) }
}

func (k *Kernel) newProcess(spec ExecSpec) (*Process, error) {
	pid := k.allocPID()
	var fsctx *vfs.Context
	if k.cfg.VFS != nil {
		fsctx = k.cfg.VFS.NewContext()
		fsctx.PID = pid
		fsctx.UID, fsctx.GID = uint32(os.Getuid()), uint32(os.Getgid())
		if spec.Cred != nil {
			fsctx.Cred = *spec.Cred
		}
		fsctx.Umask = 0o022
		if spec.Umask != nil {
			fsctx.Umask = *spec.Umask & 0o777
		}
		if spec.Workdir != "" {
			if err := vfs.Chdir(fsctx, fsctx.Root, spec.Workdir); err != nil {
				return nil, fmt.Errorf("working directory %s: %w", spec.Workdir, err)
			}
		}
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	if spec.Cred != nil {
		uid, gid = spec.Cred.UID, spec.Cred.GID
	}
	target, err := prepareExec(openerFor(fsctx), spec.Path, spec.Argv)
	if err != nil {
		return nil, err
	}
	target.ids = auxIDs{uid: uint64(uid), euid: uint64(uid), gid: uint64(gid), egid: uint64(gid)}
	img, err := k.loadImage(target, spec.Envp, nil)
	target.close()
	if err != nil {
		return nil, err
	}
	mm, auxv := img.mm, img.auxv

	p := &Process{
		k: k, PID: pid, mm: mm, FS: fsctx,
		UID: uid, GID: gid,
		Argv: target.argv, Envp: spec.Envp, ExecPath: spec.Path, ExePath: target.exePath(), exeLoc: target.exe.f.loc,
		rlimits:   defaultRlimits(),
		files:     NewFDTable(DefaultFDLimit),
		tasks:     map[int]*Task{},
		done:      make(chan struct{}),
		Umask:     0o022,
		startTime: time.Now(),
		creds:     initialCredentials(uid, gid),
		groups:    initialGroups(),
		oom:       hostOOMScore(),
	}
	p.NoNewPrivs = spec.NoNewPrivs
	if spec.Umask != nil {
		p.Umask = *spec.Umask & 0o777
	}
	if spec.Capabilities != nil {
		p.creds = runtimeCredentials(uid, gid, *spec.Capabilities)
	}
	if p.FS != nil {
		// The filesystem checks privileges by capability from now on.
		p.FS.Caps, p.FS.CapsSet = p.creds.Effective, true
	}
	for res, r := range spec.Rlimits {
		p.rlimits[res] = r
		if res == unix.RLIMIT_NOFILE {
			p.files.SetLimit(fdLimitOf(r))
		}
	}
	p.setPPID(os.Getppid())
	if k.cfg.Rewriter != nil && mm.Direct() {
		mm.SetRewriter(k.cfg.Rewriter, codeMemory{p}, k.kickAppThreads)
		for _, v := range mm.VMAs() {
			if v.Prot&unix.PROT_EXEC != 0 {
				k.cfg.Rewriter.Scan(v.Start, v.End, codeMemory{p})
			}
		}
	}
	for _, a := range auxv {
		p.Auxv = append(p.Auxv, a.Type, a.Value)
	}
	console := [3]*os.File{k.cfg.Stdin, k.cfg.Stdout, k.cfg.Stderr}
	for fd := 0; fd < 3; fd++ {
		f := spec.Files[fd]
		if f == nil && console[fd] != nil {
			f = NewHostFile(int(console[fd].Fd()), console[fd].Name())
		}
		if f != nil {
			// The table takes its reference; the spec's (or ours) ends here.
			p.files.InstallAt(fd, f, false)
			f.DecRef()
		}
	}
	t := newTask(k, p, pid)
	t.initial.Rip = img.entry
	t.initial.Rsp = img.sp
	t.initial.Eflags = 0x202
	p.tasks[t.TID] = t
	p.leader = t
	k.mu.Lock()
	k.processes[pid] = p
	k.tasks[pid] = t
	k.mu.Unlock()
	return p, nil
}

// program is an opened and parsed ELF file.
type program struct {
	f   *execFile
	bin *elfloader.Binary
}

func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) }

// execTarget is a program checked for exec as far as Linux checks before
// its point of no return: the "#!" chain followed, the ELF file and its
// interpreter opened and parsed, and their placement planned. Nothing of
// the calling process has changed yet.
type execTarget struct {
	execFn string   // the path exec was given (AT_EXECFN)
	argv   []string // after the "#!" rewrites
	exe    *program
	interp *program // nil for a static program
	ids    auxIDs   // the credentials the program starts with
}

// auxIDs are the credentials the auxiliary vector reports: AT_UID, AT_EUID,
// AT_GID, AT_EGID, and AT_SECURE (the ids differ, or the program gained
// capabilities through its file: Linux's bprm->secureexec), which tells
// ld.so and libc to ignore LD_PRELOAD and friends.
type auxIDs struct {
	uid, euid, gid, egid uint64
	secure               bool
}

// execIDs returns the auxv credentials of a program started with new
// credentials after old (the file's capabilities applied).
func execIDs(old, new Credentials) auxIDs {
	gained := new.Permitted&^old.Permitted != 0 && new.RUID != 0
	return auxIDs{
		uid: uint64(new.RUID), euid: uint64(new.EUID), gid: uint64(new.RGID), egid: uint64(new.EGID),
		secure: new.RUID != new.EUID || new.RGID != new.EGID || gained,
	}
}

// exePath is the path /proc/self/exe shows: the ELF file that was loaded.
func (t *execTarget) exePath() string {
	if t.exe.f.fullPath != "" {
		return t.exe.f.fullPath
	}
	return t.exe.bin.Path
}

// fileCaps returns the capabilities of the ELF file that runs (for a
// script, its interpreter's, as Linux applies them), nil when it has
// none; errors are execve's (EINVAL for a malformed attribute).
func (t *execTarget) fileCaps() (*vfs.FileCaps, error) {
	caps, ok, err := vfs.FileCapsOf(t.exe.f.loc)
	if err != nil {
		var errno unix.Errno
		if errors.As(err, &errno) {
			return nil, errno
		}
		return nil, unix.EIO
	}
	if !ok {
		return nil, nil
	}
	return &caps, nil
}

func (t *execTarget) close() {
	t.exe.f.Close()
	if t.interp != nil {
		t.interp.f.Close()
	}
}

// prepareExec resolves and checks the program at path. Its errors are
// *LoadError with the errno execve answers.
func prepareExec(open opener, path string, argv []string) (*execTarget, error) {
	f, elfPath, argv, err := resolveScripts(open, path, argv)
	if err != nil {
		return nil, loadError(path, err, unix.ENOEXEC)
	}
	exe, err := parseELF(f, elfPath, unix.ENOEXEC)
	if err != nil {
		return nil, err
	}
	target := &execTarget{execFn: path, argv: argv, exe: exe}
	if exe.bin.Interp != "" {
		interp, err := openInterpreter(open, elfPath, exe.bin.Interp)
		if err != nil {
			exe.f.Close()
			return nil, err
		}
		target.interp = interp
	}
	if err := checkPlacement(target); err != nil {
		target.close()
		return nil, err
	}
	return target, nil
}

// parseELF parses an opened file as an ELF program; a file that is not a
// valid one is answered with badFormat (ENOEXEC for the program, ELIBBAD
// for its interpreter, as Linux's binfmt_elf does). It closes f on error.
func parseELF(f *execFile, path string, badFormat unix.Errno) (*program, error) {
	bin, err := elfloader.Parse(f, path)
	if err != nil {
		f.Close()
		var fe *elfloader.FormatError
		if errors.As(err, &fe) && errors.Is(err, elfloader.ErrNotELF) && badFormat == unix.ENOEXEC {
			err = fmt.Errorf("%s: not an ELF executable and no #! line: %w", path, unix.ENOEXEC)
		} else {
			err = fmt.Errorf("%w: %w", err, badFormat)
		}
		return nil, &LoadError{Path: path, Errno: badFormat, Err: err}
	}
	return &program{f: f, bin: bin}, nil
}

// openInterpreter opens and parses the ELF interpreter (PT_INTERP) that
// the program at path names.
func openInterpreter(open opener, path, interp string) (*program, error) {
	f, err := open(interp)
	if err != nil {
		return nil, loadError(path, fmt.Errorf("%s: interpreter: %w", path, err), unix.ELIBBAD)
	}
	return parseELF(f, interp, unix.ELIBBAD)
}

// checkPlacement plans where the program and its interpreter go, with the
// biases loadImage uses, and refuses an ET_EXEC image whose link address
// is below the lowest address the host lets a process map (for example a
// PIE whose e_type was patched to ET_EXEC: it would load at address 0).
// Linux answers such a mapping with EPERM.
func checkPlacement(t *execTarget) error {
	exe := t.exe.bin
	execBias := uint64(0)
	if isRelocatable(exe) {
		execBias = pieBase
	} else if low := lowestMappableAddress(); exe.MinVaddr < low {
		return &LoadError{Path: exe.Path, Errno: unix.EPERM, Err: fmt.Errorf(
			"%s: ET_EXEC image linked at %#x, below the lowest mappable address %#x (vm.mmap_min_addr): %w",
			exe.Path, exe.MinVaddr, low, unix.EPERM)}
	}
	var interp *elfloader.Binary
	var interpBias uint64
	if t.interp != nil {
		interp = t.interp.bin
		if isRelocatable(interp) {
			interpBias = elfloader.BiasBelow(elfloader.DefaultMmapTop, interp)
		} else if low := lowestMappableAddress(); interp.MinVaddr < low {
			return &LoadError{Path: exe.Path, Errno: unix.ELIBBAD, Err: fmt.Errorf(
				"%s: interpreter %s is linked at %#x, below the lowest mappable address %#x: %w",
				exe.Path, interp.Path, interp.MinVaddr, low, unix.ELIBBAD)}
		}
	}
	if _, err := elfloader.NewPlan(exe, execBias, interp, interpBias); err != nil {
		return loadError(exe.Path, err, unix.ENOEXEC)
	}
	return nil
}

// isRelocatable reports whether b loads at a bias of elfloader's choice.
func isRelocatable(b *elfloader.Binary) bool {
	return b.Kind.IsPIE() || b.Type == elf.ET_DYN
}

// lowestMappableAddress is the host's vm.mmap_min_addr, and at least one
// page: elfloader never maps app memory over address 0.
func lowestMappableAddress() uint64 {
	low := uint64(pageSize)
	if data, err := hostfile.ReadFile("/proc/sys/vm/mmap_min_addr"); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err == nil && v > low {
			low = v
		}
	}
	return low
}

// reserveBinary chooses b's load bias and reserves its whole extent
// PROT_NONE: wherever the platform places it (near preferred) for a PIE or
// ld.so, at its link address for ET_EXEC, which is refused below
// vm.mmap_min_addr. The bias is the platform's answer, so the kernel
// reserves first and then asks the loader's Plan what to map.
func reserveBinary(mm *MM, b *elfloader.Binary, preferred uint64) (uint64, error) {
	span := b.MaxVaddr - b.MinVaddr
	var bias uint64
	if isRelocatable(b) {
		base, err := mm.as.Map(preferred, span, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE, -1, 0)
		if err != nil {
			return 0, fmt.Errorf("reserving %#x bytes: %w", span, err)
		}
		bias = base - b.MinVaddr
	} else {
		if b.MinVaddr < lowestMappableAddress() {
			return 0, fmt.Errorf("cannot load at its link address %#x: %w", b.MinVaddr, unix.EPERM)
		}
		_, err := mm.as.Map(b.MinVaddr, span, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE|unix.MAP_FIXED_NOREPLACE, -1, 0)
		if err != nil {
			return 0, fmt.Errorf("cannot load at its link address %#x-%#x: %w (is elfloader built as a PIE?)", b.MinVaddr, b.MaxVaddr, err)
		}
	}
	mm.Record(VMA{Start: bias + b.MinVaddr, End: bias + b.MaxVaddr, Prot: unix.PROT_NONE})
	return bias, nil
}

// mapSegment maps one of the plan's segments inside its binary's
// reservation: a private mapping of the file when its bytes live in a host
// descriptor (mapSegmentFile), else writable anonymous memory with the
// file's bytes copied in (the rest is the zeroed bss); then the segment's
// protection.
func mapSegment(mm *MM, r io.ReaderAt, m elfloader.Mapping) error {
	if fd, base, ok := segmentFD(r, m); ok {
		if err := mapSegmentFile(mm.as, fd, base, m); err != nil {
			return err
		}
	} else {
		if _, err := mm.as.Map(m.Addr, m.Len, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
			return fmt.Errorf("mapping the segment at %#x: %w", m.Addr, err)
		}
		if m.Filesz > 0 {
			if err := readSegment(mm.as, r, m.Addr, m.Filesz, m.FileOff); err != nil {
				return fmt.Errorf("reading the segment at %#x: %w", m.Addr, err)
			}
		}
	}
	if err := mm.as.Protect(m.Addr, m.Len, m.Prot); err != nil {
		return fmt.Errorf("protecting the segment at %#x: %w", m.Addr, err)
	}
	mm.Record(VMA{Start: m.Addr, End: m.Addr + m.Len, Prot: m.Prot, Name: m.Path, FileOff: m.FileOff})
	return nil
}

// segmentFD returns the host descriptor holding the bytes of the file a
// segment comes from, when the segment can be a private mapping of it, as
// Linux maps it: a file of a host directory (hostfs), or a ramfs file kept
// in a memfd. Other files (small ramfs files in Go memory) are read into
// anonymous memory instead. A file stored in an image maps from the image
// file: base is the offset of the file's byte 0 in the descriptor.
func segmentFD(r io.ReaderAt, m elfloader.Mapping) (fd int, base uint64, ok bool) {
	if m.Filesz == 0 || m.Addr%pageSize != 0 || m.FileOff%pageSize != 0 {
		return -1, 0, false
	}
	if pm, isPM := r.(privateMapper); isPM {
		length := int64(min(pageUp(m.Filesz), m.Len))
		fd, b, end, ok := pm.PrivateMapFD(int64(m.FileOff), length)
		if ok && end >= 0 && int64(m.FileOff)+length > end {
			return -1, 0, false // past the file's pages: read it instead
		}
		return fd, uint64(b), ok
	}
	mf, isMF := r.(interface{ MapFD() (int, bool) })
	if !isMF {
		return -1, 0, false
	}
	fd, ok = mf.MapFD()
	return fd, 0, ok
}

// mapSegmentFile maps a segment as Linux's ELF loader does: the pages that
// hold file bytes as a private mapping of the file, the bytes after the
// file's part in its last page zeroed, and anonymous memory for the rest
// (.bss). The mapping is writable until mapSegment applies the segment's
// protection.
func mapSegmentFile(as plat.AddressSpace, fd int, base uint64, m elfloader.Mapping) error {
	fileLen := min(pageUp(m.Filesz), m.Len)
	if _, err := as.Map(m.Addr, fileLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED, fd, base+m.FileOff); err != nil {
		return fmt.Errorf("mapping the segment at %#x from its file: %w", m.Addr, err)
	}
	if tail := fileLen - m.Filesz; tail > 0 {
		if err := as.CopyOut(m.Addr+m.Filesz, make([]byte, tail)); err != nil {
			return fmt.Errorf("zeroing the end of the segment's file part at %#x: %w", m.Addr+m.Filesz, err)
		}
	}
	if m.Len > fileLen {
		if _, err := as.Map(m.Addr+fileLen, m.Len-fileLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
			return fmt.Errorf("mapping the segment's zero part at %#x: %w", m.Addr+fileLen, err)
		}
	}
	return nil
}

// readSegment reads a segment's file contents into freshly mapped app
// memory: straight into it when the platform lends it, else in chunks.
func readSegment(as plat.AddressSpace, r io.ReaderAt, addr, size, off uint64) error {
	if dst, ok := as.Direct(addr, int(size)); ok {
		if n, err := r.ReadAt(dst, int64(off)); n != len(dst) {
			return fmt.Errorf("%d of %d bytes at offset %#x: %v", n, len(dst), off, err)
		}
		return nil
	}
	buf := make([]byte, min(size, 1<<20))
	for done := uint64(0); done < size; {
		chunk := buf[:min(uint64(len(buf)), size-done)]
		if n, err := r.ReadAt(chunk, int64(off+done)); n != len(chunk) {
			return fmt.Errorf("%d of %d bytes at offset %#x: %v", n, len(chunk), off+done, err)
		}
		if err := as.CopyOut(addr+done, chunk); err != nil {
			return err
		}
		done += uint64(len(chunk))
	}
	return nil
}

// openHost opens a host file for reading (symbols).
func openHost(path string) (ReaderAtCloser, objectID, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, objectID{}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, objectID{}, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, objectID{}, fmt.Errorf("%s: not a regular file", path)
	}
	return f, objectID{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}, nil
}

// openVFS opens a file of the app's filesystem for reading (symbols).
func openVFS(ctx *vfs.Context, path string) (ReaderAtCloser, objectID, error) {
	// Exec: the open execve makes (the program, its interpreter), which
	// a Landlock domain checks for LANDLOCK_ACCESS_FS_EXECUTE.
	f, err := vfs.OpenAt(ctx, ctx.Cwd, path, vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC, Exec: true})
	if err != nil {
		return nil, objectID{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.DecRef()
		return nil, objectID{}, err
	}
	if st.Type() != unix.S_IFREG {
		f.DecRef()
		return nil, objectID{}, fmt.Errorf("%s: not a regular file", path)
	}
	id := objectID{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtime, ctime: st.Ctime}
	return vfsReader{NewVFSFile(f, path)}, id, nil
}

// vfsReader is a vfs file opened by the kernel itself (the loader): Close
// drops the kernel's reference.
type vfsReader struct{ *VFSFile }

func (r vfsReader) Close() error {
	r.DecRef()
	return nil
}

// loadedImage is a program loaded into a fresh address space, ready to start.
type loadedImage struct {
	mm        *MM
	entry, sp uint64
	auxv      []elfloader.AuxEntry
}

// loadImage maps a checked program (and its interpreter) into a new
// address space and builds its initial stack. On failure nothing of the
// new address space is left mapped. old is the caller's memory (exec), nil
// for a new process.
func (k *Kernel) loadImage(t *execTarget, envp []string, old *MM) (*loadedImage, error) {
	as, err := k.newAddressSpace(old)
	if err != nil {
		return nil, loadError(t.exe.bin.Path, fmt.Errorf("a new address space: %w", err), unix.ENOMEM)
	}
	img, err := k.fillNewImage(as, t, envp)
	if err != nil && errors.Is(err, unix.EEXIST) {
		// A program linked at a fixed address that elfloader's own
		// address space holds already (a non-PIE child of a non-PIE
		// parent sharing it: vfork, posix_spawn): it runs in a separate
		// address space when the platform has them.
		if sp, ok := k.cfg.Platform.(plat.SeparateAddressSpaces); ok {
			if sas, serr := sp.NewSeparateAddressSpace(); serr == nil {
				return k.fillNewImage(sas, t, envp)
			}
		}
	}
	return img, err
}

// fillNewImage loads the program into as, which it releases on failure.
func (k *Kernel) fillNewImage(as plat.AddressSpace, t *execTarget, envp []string) (*loadedImage, error) {
	mm := NewMM(as)
	img, err := k.fillImage(mm, t, envp)
	if err != nil {
		for _, v := range mm.VMAs() {
			mm.Unmap(v.Start, v.End-v.Start)
		}
		as.Release()
		return nil, err
	}
	return img, nil
}

// newAddressSpace returns an empty address space for a program that
// replaces old's. A fork child of the in-process platform lives in a stub
// process; the program it execs runs in process again, as a vfork
// child's does (a shell's commands get the fast path, not a stub's
// round trips), the task's thread following it there
// (Task.followAddressSpace). Otherwise the platform that made old makes
// it, when old says it belongs to another platform than the kernel's.
func (k *Kernel) newAddressSpace(old *MM) (plat.AddressSpace, error) {
	if old != nil && !old.Direct() {
		if _, inProcess := k.cfg.Platform.(plat.SeparateAddressSpaces); inProcess {
			return k.cfg.Platform.NewAddressSpace()
		}
		if o, ok := old.as.(interface {
			NewAddressSpace() (plat.AddressSpace, error)
		}); ok {
			return o.NewAddressSpace()
		}
	}
	return k.cfg.Platform.NewAddressSpace()
}

func (k *Kernel) fillImage(mm *MM, t *execTarget, envp []string) (*loadedImage, error) {
	exe := t.exe.bin
	fail := func(err error) error { return loadError(exe.Path, err, unix.ENOMEM) }
	execBias, err := reserveBinary(mm, exe, pieBase)
	if err != nil {
		return nil, fail(fmt.Errorf("%s: %w", exe.Path, err))
	}
	var interp *elfloader.Binary
	var interpBias uint64
	if t.interp != nil {
		interp = t.interp.bin
		if interpBias, err = reserveBinary(mm, interp, 0); err != nil {
			return nil, fail(fmt.Errorf("%s: %w", interp.Path, err))
		}
	}
	plan, err := elfloader.NewPlan(exe, execBias, interp, interpBias)
	if err != nil {
		return nil, fail(err)
	}
	for _, m := range plan.Mappings() {
		file := t.exe.f
		if m.Interp {
			file = t.interp.f
		}
		if err := mapSegment(mm, file, m); err != nil {
			return nil, fail(fmt.Errorf("%s: %w", m.Path, err))
		}
	}
	mm.SetBrkStart(plan.Brk())

	stackProt := unix.PROT_READ | unix.PROT_WRITE
	if exe.ExecStack {
		stackProt |= unix.PROT_EXEC
	}
	stackLow, err := mm.as.Map(0, stackSize+guardSize, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE, -1, 0)
	if err != nil {
		return nil, fail(fmt.Errorf("mapping the stack: %w", err))
	}
	if err := mm.as.Protect(stackLow+guardSize, stackSize, stackProt); err != nil {
		mm.as.Unmap(stackLow, stackSize+guardSize)
		return nil, fail(fmt.Errorf("mapping the stack: %w", err))
	}
	mm.Record(VMA{Start: stackLow, End: stackLow + guardSize, Prot: unix.PROT_NONE, Name: "[stack guard]"})
	mm.Record(VMA{Start: stackLow + guardSize, End: stackLow + guardSize + stackSize, Prot: stackProt, Name: "[stack]"})
	top := stackLow + guardSize + stackSize

	params := elfloader.StackParams{
		Top:         top,
		Argv:        t.argv,
		Envp:        envp,
		ExecFn:      t.execFn,
		Platform:    platformID,
		Random:      randomBytes(),
		HWCap:       plat.HostAuxv(16),
		HWCap2:      plat.HostAuxv(26),
		ClkTck:      100,
		PageSize:    pageSize,
		MinSigStkSz: plat.HostAuxv(51), // AT_MINSIGSTKSZ
		SysinfoEHDR: mapVDSO(mm),
		UID:         t.ids.uid,
		EUID:        t.ids.euid,
		GID:         t.ids.gid,
		EGID:        t.ids.egid,
		Secure:      t.ids.secure,
	}
	image, sp, auxv, err := plan.BuildStack(params)
	if err != nil {
		return nil, loadError(exe.Path, fmt.Errorf("%s: building the initial stack: %w", exe.Path, err), unix.E2BIG)
	}
	if err := mm.CopyOut(top-uint64(len(image)), image); err != nil {
		return nil, fail(fmt.Errorf("writing the initial stack: %w", err))
	}
	return &loadedImage{mm: mm, entry: plan.Entry, sp: sp, auxv: auxv}, nil
}
