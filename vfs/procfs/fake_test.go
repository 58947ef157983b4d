package procfs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// fakeProvider is a Provider over fixed test data.
type fakeProvider struct {
	boot   time.Time
	procs  map[int]*fakeProcess
	mounts []Mount
}

func (f *fakeProvider) PIDs() []int {
	var pids []int
	for pid := range f.procs {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}

func (f *fakeProvider) Process(pid int) (Process, bool) {
	p, ok := f.procs[pid]
	if !ok {
		return nil, false
	}
	return p, true
}

func (f *fakeProvider) Hostname() string    { return "testhost" }
func (f *fakeProvider) OSRelease() string   { return "6.1.0-elfloader" }
func (f *fakeProvider) BootTime() time.Time { return f.boot }
func (f *fakeProvider) Mounts() []Mount     { return f.mounts }

type fakeProcess struct {
	pid, ppid int
	tids      []int
	comm      string
	cmdline   []string
	environ   []string
	auxv      []uint64
	exe       string
	fsctx     *vfs.Context
	fds       []FD
	maps      []Mapping
	uid, gid  uint32
	start     time.Time
}

func (p *fakeProcess) PID() int             { return p.pid }
func (p *fakeProcess) PPID() int            { return p.ppid }
func (p *fakeProcess) TIDs() []int          { return p.tids }
func (p *fakeProcess) Comm() string         { return p.comm }
func (p *fakeProcess) Cmdline() []string    { return p.cmdline }
func (p *fakeProcess) Environ() []string    { return p.environ }
func (p *fakeProcess) Auxv() []uint64       { return p.auxv }
func (p *fakeProcess) ExePath() string      { return p.exe }
func (p *fakeProcess) FS() *vfs.Context     { return p.fsctx }
func (p *fakeProcess) FDs() []FD            { return p.fds }
func (p *fakeProcess) Maps() []Mapping      { return p.maps }
func (p *fakeProcess) UID() uint32          { return p.uid }
func (p *fakeProcess) GID() uint32          { return p.gid }
func (p *fakeProcess) VMSize() uint64       { return 8 << 20 }
func (p *fakeProcess) RSS() uint64          { return 2 << 20 }
func (p *fakeProcess) Threads() int         { return len(p.tids) }
func (p *fakeProcess) State() string        { return "S" }
func (p *fakeProcess) StartTime() time.Time { return p.start }

// world is a vfs (ramfs root, procfs on /proc) with one app process
// (pid 42, cwd /home, running /usr/bin/app) and its parent (pid 1).
type world struct {
	ctx  *vfs.Context // the app's context
	prov *fakeProvider
	app  *fakeProcess
}

const appContents = "\x7fELF pretend"

func newWorld(t *testing.T) *world { return newWorldHost(t, "") }

// newWorldHost is newWorld with the pass-through files read from
// hostProc ("" for the real /proc).
func newWorldHost(t *testing.T, hostProc string) *world {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	for _, d := range []string{"/proc", "/usr", "/usr/bin", "/home"} {
		if err := vfs.MkdirAt(ctx, ctx.Root, d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, ctx, "/usr/bin/app", appContents)
	writeFile(t, ctx, "/home/notes", "hello notes")
	boot := time.Now().Add(-time.Hour)
	prov := &fakeProvider{boot: boot, procs: map[int]*fakeProcess{}, mounts: []Mount{
		{Source: "overlay", Target: "/", FSType: "overlay", Options: "rw,relatime"},
		{Source: "proc", Target: "/proc", FSType: "proc", Options: "rw,nosuid,nodev,noexec"},
		{Source: "my dir", Target: "/mnt/with space", FSType: "hostfs"},
	}}
	procfs := New(prov, 7)
	if hostProc != "" {
		procfs = newFS(prov, 7, hostProc)
	}
	if _, err := v.MountAt(ctx, "/proc", procfs, vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	appCtx := ctx.Fork()
	appCtx.PID = 42
	if err := vfs.Chdir(appCtx, appCtx.Cwd, "/home"); err != nil {
		t.Fatal(err)
	}
	notes, err := vfs.ResolveAt(appCtx, appCtx.Root, "/home/notes", 0)
	if err != nil {
		t.Fatal(err)
	}
	app := &fakeProcess{
		pid: 42, ppid: 1, tids: []int{42, 43}, comm: "app-with-a-long-name",
		cmdline: []string{"/usr/bin/app", "-v", ""}, environ: []string{"HOME=/root", "TERM=dumb"},
		auxv: []uint64{6, 4096, 11, 0}, exe: "/usr/bin/app", fsctx: appCtx,
		fds: []FD{
			{FD: 0, Name: "/home/notes", Location: &notes, Flags: unix.O_RDONLY | unix.O_LARGEFILE, Pos: 5},
			{FD: 1, Name: "pipe:[123]", Flags: unix.O_WRONLY},
			{FD: 100, Name: "socket:[456]", Flags: unix.O_RDWR | unix.O_CLOEXEC},
		},
		maps: []Mapping{
			{Start: 0x400000, End: 0x452000, Prot: unix.PROT_READ | unix.PROT_EXEC, Dev: unix.Mkdev(8, 2), Inode: 173521, Path: "/usr/bin/app"},
			{Start: 0x652000, End: 0x653000, Prot: unix.PROT_READ | unix.PROT_WRITE, Offset: 0x52000, Dev: unix.Mkdev(8, 2), Inode: 173521, Path: "/usr/bin/app"},
			{Start: 0x653000, End: 0x674000, Prot: unix.PROT_READ | unix.PROT_WRITE, Path: "[heap]"},
			{Start: 0x7f0000000000, End: 0x7f0000001000, Prot: unix.PROT_READ},
			{Start: 0x7ffc0000000, End: 0x7ffc0021000, Prot: unix.PROT_READ | unix.PROT_WRITE, Path: "[stack]"},
		},
		start: boot.Add(90 * time.Second),
	}
	initCtx := ctx.Fork()
	initCtx.PID = 1
	prov.procs[1] = &fakeProcess{pid: 1, tids: []int{1}, comm: "init", exe: "/usr/bin/app", fsctx: initCtx, start: boot}
	prov.procs[42] = app
	return &world{ctx: appCtx, prov: prov, app: app}
}

func writeFile(t *testing.T, ctx *vfs.Context, path, contents string) {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_CREAT | unix.O_WRONLY, Mode: 0o755})
	if err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
	defer f.DecRef()
	if _, err := f.Write(context.Background(), []byte(contents)); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// readFile reads a whole file in small pieces (to exercise offsets).
func readFile(t *testing.T, ctx *vfs.Context, path string) string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.DecRef()
	var out bytes.Buffer
	buf := make([]byte, 7)
	for {
		n, err := f.Read(context.Background(), buf)
		out.Write(buf[:n])
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if n == 0 {
			return out.String()
		}
	}
}

// readDir lists a directory's names (without "." and "..").
func readDir(t *testing.T, ctx *vfs.Context, path string) []string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.DecRef()
	var names []string
	buf := make([]byte, 128) // small, to exercise resumption
	for {
		n, err := f.Getdents64(buf)
		if err != nil {
			t.Fatalf("getdents %s: %v", path, err)
		}
		if n == 0 {
			return names
		}
		for _, e := range vfs.ParseDirents64(buf[:n]) {
			if e.Name != "." && e.Name != ".." {
				names = append(names, e.Name)
			}
		}
	}
}

func wantErrno(t *testing.T, what string, err error, want unix.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

// hostProcDir makes a fake host /proc with fixed machine files.
func hostProcDir(t *testing.T) string {
	dir := t.TempDir()
	for name, contents := range map[string]string{
		"cpuinfo": "processor\t: 0\nmodel name\t: Test CPU\n\n",
		"meminfo": "MemTotal:        1024 kB\n",
		"stat":    "cpu  1 2 3 4 5 6 7 0 0 0\n",
		"loadavg": "0.01 0.02 0.03 1/100 4242\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(contents), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
