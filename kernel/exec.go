package kernel

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/elfloader"
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
	// Open opens a program or interpreter path; nil opens host paths.
	Open func(path string) (ReaderAtCloser, error)
	// Stdin, Stdout and Stderr files for fds 0..2 (nil: the kernel's console).
	Files [3]File
	// Workdir is the initial working directory in the app's filesystem
	// ("" = the root).
	Workdir string
	// Cred, when set, is the user the process runs as (an image's User);
	// otherwise elfloader's own ids.
	Cred *vfs.Cred
}

const (
	pieBase    = 0x555555554000
	stackSize  = 8 << 20
	guardSize  = 64 << 10
	platformID = "x86_64"
)

// LoadError is a program that cannot be loaded; Missing tells a missing
// file (status 127) from one that is not runnable (126).
type LoadError struct {
	Path    string
	Missing bool
	Err     error
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

func openHost(path string) (ReaderAtCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	return f, nil
}

func (k *Kernel) newProcess(spec ExecSpec) (*Process, error) {
	pid := k.allocPID()
	var fsctx *vfs.Context
	open := spec.Open
	if k.cfg.VFS != nil {
		fsctx = k.cfg.VFS.NewContext()
		fsctx.PID = pid
		fsctx.UID, fsctx.GID = uint32(os.Getuid()), uint32(os.Getgid())
		if spec.Cred != nil {
			fsctx.Cred = *spec.Cred
		}
		fsctx.Umask = 0o022
		if spec.Workdir != "" {
			if err := vfs.Chdir(fsctx, fsctx.Root, spec.Workdir); err != nil {
				return nil, fmt.Errorf("working directory %s: %w", spec.Workdir, err)
			}
		}
		if open == nil {
			open = func(path string) (ReaderAtCloser, error) { return openVFS(fsctx, path) }
		}
	}
	if open == nil {
		open = openHost
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	if spec.Cred != nil {
		uid, gid = spec.Cred.UID, spec.Cred.GID
	}
	img, err := k.loadImage(open, spec.Path, spec.Argv, spec.Envp, uid, gid)
	if err != nil {
		return nil, err
	}
	mm, auxv := img.mm, img.auxv

	p := &Process{
		k: k, PID: pid, PPID: os.Getppid(), mm: mm, FS: fsctx,
		UID: uid, GID: gid,
		Argv: spec.Argv, Envp: spec.Envp, ExecPath: spec.Path,
		rlimits:   defaultRlimits(),
		files:     NewFDTable(),
		tasks:     map[int]*Task{},
		done:      make(chan struct{}),
		Umask:     0o022,
		startTime: time.Now(),
	}
	p.files.owner = p
	p.ExePath = spec.Path
	if fsctx != nil {
		if loc, err := vfs.ResolveAt(fsctx, fsctx.Cwd, spec.Path, 0); err == nil {
			if full, err := vfs.PathOf(fsctx, loc); err == nil {
				p.ExePath = full
			}
		}
	}
	if k.cfg.Rewriter != nil {
		mm.SetRewriter(k.cfg.Rewriter, codeMemory{p})
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
			p.files.fds[fd] = &fdEntry{file: f, refs: new(int)}
			*p.files.fds[fd].refs = 1
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

type program struct {
	f   ReaderAtCloser
	bin *elfloader.Binary
}

func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) }

func parseProgram(open func(string) (ReaderAtCloser, error), path string) (*program, error) {
	f, err := open(path)
	if err != nil {
		return nil, &LoadError{Path: path, Missing: isNotExist(err), Err: err}
	}
	bin, err := elfloader.Parse(f, path)
	if err != nil {
		f.Close()
		return nil, &LoadError{Path: path, Err: err}
	}
	return &program{f: f, bin: bin}, nil
}

// loadBinary maps an ELF image: a PROT_NONE reservation of its whole extent,
// then each PT_LOAD copied from the file, its bss zeroed, and the segment's
// protection applied. It returns the load bias.
func loadBinary(mm *MM, r io.ReaderAt, b *elfloader.Binary, preferred uint64) (uint64, error) {
	span := b.MaxVaddr - b.MinVaddr
	var bias uint64
	if b.Kind.IsPIE() || b.Type == 3 /* ET_DYN */ {
		base, err := hostMmap(preferred, span, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE, -1, 0)
		if err != nil {
			return 0, fmt.Errorf("reserving %#x bytes: %w", span, err)
		}
		bias = base - b.MinVaddr
	} else {
		_, err := hostMmap(b.MinVaddr, span, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE|unix.MAP_FIXED_NOREPLACE, -1, 0)
		if err != nil {
			return 0, fmt.Errorf("cannot load at its link address %#x-%#x: %w (is elfloader built as a PIE?)", b.MinVaddr, b.MaxVaddr, err)
		}
	}
	mm.Record(VMA{Start: bias + b.MinVaddr, End: bias + b.MaxVaddr, Prot: unix.PROT_NONE})
	for i, s := range b.Segments {
		addr := bias + s.Vaddr
		if _, err := hostMmap(addr, s.Memsz, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
			return 0, fmt.Errorf("mapping segment %d at %#x: %w", i, addr, err)
		}
		if s.Filesz > 0 {
			dst := bytesAt(addr, int(s.Filesz))
			if n, err := r.ReadAt(dst, int64(s.FileOff)); n != len(dst) {
				return 0, fmt.Errorf("reading segment %d (%d of %d bytes at offset %#x): %v", i, n, len(dst), s.FileOff, err)
			}
		}
		if err := hostMprotect(addr, s.Memsz, s.Prot); err != nil {
			return 0, fmt.Errorf("protecting segment %d: %w", i, err)
		}
		mm.Record(VMA{Start: addr, End: addr + s.Memsz, Prot: s.Prot, Name: b.Path, FileOff: s.FileOff})
	}
	return bias, nil
}

// openVFS opens a program for execution through the app's filesystem.
func openVFS(ctx *vfs.Context, path string) (ReaderAtCloser, error) {
	f, err := vfs.OpenAt(ctx, ctx.Cwd, path, vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.DecRef()
		return nil, err
	}
	switch {
	case st.Type() == unix.S_IFDIR:
		f.DecRef()
		return nil, fmt.Errorf("%s: is a directory", path)
	case st.Type() != unix.S_IFREG:
		f.DecRef()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return NewVFSFile(f, path), nil
}

// loadedImage is a program loaded into a fresh address space, ready to start.
type loadedImage struct {
	mm        *MM
	entry, sp uint64
	auxv      []elfloader.AuxEntry
}

// loadImage loads the program at path (and its interpreter) into a new
// address space and builds its initial stack.
func (k *Kernel) loadImage(open func(string) (ReaderAtCloser, error), path string, argv, envp []string, uid, gid uint32) (*loadedImage, error) {
	exe, err := parseProgram(open, path)
	if err != nil {
		return nil, err
	}
	var interp *elfloader.Binary
	var interpFile ReaderAtCloser
	if exe.bin.Interp != "" {
		ib, err := parseProgram(open, exe.bin.Interp)
		if err != nil {
			exe.f.Close()
			return nil, &LoadError{Path: path, Missing: ib == nil && isNotExist(err), Err: fmt.Errorf("%s: interpreter: %w", path, err)}
		}
		interp, interpFile = ib.bin, ib.f
		defer interpFile.Close()
	}
	defer exe.f.Close()

	mm := NewMM()
	execBias, err := loadBinary(mm, exe.f, exe.bin, pieBase)
	if err != nil {
		return nil, &LoadError{Path: path, Err: fmt.Errorf("%s: %w", path, err)}
	}
	var interpBias uint64
	if interp != nil {
		if interpBias, err = loadBinary(mm, interpFile, interp, 0); err != nil {
			return nil, &LoadError{Path: path, Err: fmt.Errorf("%s: %w", interp.Path, err)}
		}
	}
	mm.SetBrkStart(execBias + exe.bin.MaxVaddr)

	plan, err := elfloader.NewPlan(exe.bin, execBias, interp, interpBias)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	stackProt := unix.PROT_READ | unix.PROT_WRITE
	if exe.bin.ExecStack {
		stackProt |= unix.PROT_EXEC
	}
	stackLow, err := hostMmap(0, stackSize+guardSize, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE, -1, 0)
	if err != nil {
		return nil, fmt.Errorf("mapping the stack: %w", err)
	}
	if err := hostMprotect(stackLow+guardSize, stackSize, stackProt); err != nil {
		return nil, fmt.Errorf("mapping the stack: %w", err)
	}
	mm.Record(VMA{Start: stackLow, End: stackLow + guardSize, Prot: unix.PROT_NONE, Name: "[stack guard]"})
	mm.Record(VMA{Start: stackLow + guardSize, End: stackLow + guardSize + stackSize, Prot: stackProt, Name: "[stack]"})
	top := stackLow + guardSize + stackSize

	params := elfloader.StackParams{
		Top:         top,
		Argv:        argv,
		Envp:        envp,
		ExecFn:      path,
		Platform:    platformID,
		Random:      randomBytes(),
		HWCap:       hostAuxv(16),
		HWCap2:      hostAuxv(26),
		ClkTck:      100,
		PageSize:    pageSize,
		MinSigStkSz: hostAuxv(51), // AT_MINSIGSTKSZ
	}
	image, sp, auxv, err := plan.BuildStack(params)
	if err != nil {
		return nil, &LoadError{Path: path, Err: fmt.Errorf("%s: building the initial stack: %w", path, err)}
	}
	if err := mm.CopyOut(top-uint64(len(image)), image); err != nil {
		return nil, fmt.Errorf("writing the initial stack: %w", err)
	}

	return &loadedImage{mm: mm, entry: plan.Entry, sp: sp, auxv: auxv}, nil
}
