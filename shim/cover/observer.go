package cover

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Observer records every call the shim serves into a coverage.Recorder. It
// implements shim.Observer. Bind it to the syscall table before the program
// starts, so that sub-operations get their syscall's support level and the
// report names every syscall from the table.
type Observer struct {
	rec      *coverage.Recorder
	table    *shim.Table
	levels   [linux.MaxSyscall + 1]string // support level by number, from the table
	siteSeen [linux.MaxSyscall + 1]atomic.Bool
	sites    siteMap
	symbols  Symbolizer
	names    nameCache
	// exitCode is 1 + the status of the last exit or exit_group call, 0
	// when none was made; it tells an exit from a death by signal.
	exitCode atomic.Int64
}

// NewObserver returns an Observer with an empty recorder.
func NewObserver() *Observer {
	return &Observer{rec: coverage.NewRecorder()}
}

// Bind reads the support levels and handler locations of the syscall table
// the observed program runs on. Call it once the table is complete and
// before the program starts.
func (o *Observer) Bind(tb *shim.Table) {
	o.table = tb
	for nr := range o.levels {
		o.levels[nr] = tb.Lookup(uint64(nr)).Level.String()
	}
}

// Recorder returns the recorder the observer feeds.
func (o *Observer) Recorder() *coverage.Recorder { return o.rec }

// Observe implements shim.Observer.
func (o *Observer) Observe(t *kernel.Task, nr uint64, args shim.Args, ret uint64, site uint64) {
	errno := 0
	if e := int64(ret); e < 0 && e >= -4095 {
		errno = int(-e)
	}
	var buf [1]coverage.SubOpID
	subs := o.names.subOps(t, nr, args, buf[:0])
	if len(subs) > 0 && nr <= linux.MaxSyscall {
		for i := range subs {
			subs[i].Level = o.levels[nr]
		}
	}
	if nr <= linux.MaxSyscall && !o.siteSeen[nr].Load() {
		site = t.SyscallSite(site + 2) // the app's code, not a trampoline
	}
	o.rec.Record(nr, subs, errno, site)
	if nr <= linux.MaxSyscall && !o.siteSeen[nr].Load() && o.siteSeen[nr].CompareAndSwap(false, true) {
		if vma, ok := t.MM().Find(site); ok {
			o.sites.note(site, vma)
			if vma.Name != "" && vma.Name[0] != '[' {
				// Read the object's symbols while the program runs, so
				// the report at exit does not wait for them.
				go o.symbols.object(vma.Name)
			}
		}
	}
	if nr == unix.SYS_EXIT || nr == unix.SYS_EXIT_GROUP {
		o.exitCode.Store(int64(args[0]&0xff) + 1)
	}
}

// Report takes a snapshot of everything recorded so far: syscall names,
// levels, notes and handler locations from the bound table, first call
// sites resolved to symbol, object and offset. Runs and ToolVersion are
// left for the caller.
func (o *Observer) Report() coverage.Report {
	return o.rec.Snapshot(o.resolveSite, o.meta)
}

func (o *Observer) resolveSite(site uint64) (symbol, object string, offset uint64) {
	vma, ok := o.sites.lookup(site)
	if !ok {
		return "", "", 0
	}
	return o.symbols.resolveSite(site, vma)
}

func (o *Observer) meta(nr uint64) coverage.SyscallInfo {
	if o.table == nil {
		return coverage.SyscallInfo{Name: linux.SyscallName(nr), Level: coverage.LevelMissing}
	}
	e := o.table.Lookup(nr)
	info := coverage.SyscallInfo{Name: e.Name, Level: e.Level.String(), Note: e.Note}
	if e.Level != shim.Missing {
		info.Package, info.File = e.Package, e.File
	}
	return info
}

// Outcome splits the status a kernel run returned (the exit code, or
// 128+N after a death by signal N) into exit status and signal. The kernel
// gives both the same way, so the observer tells them apart by the last
// exit or exit_group call it saw: a status above 128 that no such call
// asked for is a death by signal.
func (o *Observer) Outcome(status int) (exitStatus, signal int) {
	if status <= 128 || status > 128+64 {
		return status, 0
	}
	if code := o.exitCode.Load(); code != 0 && int(code-1) == status {
		return status, 0
	}
	return 0, status - 128
}
