package coverage

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// tableSize bounds the syscall numbers counted in fixed arrays. x86-64
// numbers are below 512; anything larger (x32 numbers, garbage) is still
// counted, through the slower map path.
const tableSize = 1024

// totalMarker is the errno slot of a combo key that counts every call of a
// syscall whose number does not fit the fixed table.
const totalMarker = -1

// SubOpID names one sub-operation of a call as the shim reports it. Kind
// and Value identify it; Name and Level are descriptive and the first ones
// seen for a (syscall, kind, value) are kept.
type SubOpID struct {
	Kind  string
	Value uint64
	Name  string
	Level string
}

// SiteResolver turns a call-site address into a symbol, the object (file)
// that holds it and the offset within that object. Any may be empty.
type SiteResolver func(site uint64) (symbol, object string, offset uint64)

// SyscallInfo is what the shim knows about a syscall number.
type SyscallInfo struct {
	Name    string
	Level   string
	Note    string
	Package string
	File    string
}

// SyscallMeta describes a syscall number; Snapshot calls it once per number seen.
type SyscallMeta func(nr uint64) SyscallInfo

type comboKey struct {
	nr    uint64
	kind  string
	value uint64
	errno int
}

type comboEntry struct {
	count atomic.Uint64
	name  string
	level string
}

// Recorder counts syscalls while a program runs. All its methods are safe
// for concurrent use. The common call (a known syscall number that
// succeeds, without sub-operations) costs two atomic adds and one atomic
// load; the first time a (syscall, sub-operation, errno) combination is
// seen takes a mutex and copies a small map, later ones only read it.
// The zero Recorder is ready to use; it is large, so keep it by pointer.
type Recorder struct {
	calls    [tableSize]atomic.Uint64
	ok       [tableSize]atomic.Uint64
	siteSeen [tableSize]atomic.Bool

	// combos is copy-on-write: readers load it without locking, writers
	// hold mu, copy, insert and publish. Entries are shared between copies.
	combos atomic.Pointer[map[comboKey]*comboEntry]

	mu    sync.Mutex
	sites map[uint64]uint64 // nr → first call site; guarded by mu

	rewrittenSites atomic.Uint64
	trappedCalls   atomic.Uint64
	rewrittenCalls atomic.Uint64
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// Record counts one call of syscall nr that returned errno (0 for success;
// a negative value is taken as -errno), made from the instruction at site,
// with its sub-operations (nil for none).
func (r *Recorder) Record(nr uint64, subs []SubOpID, errno int, site uint64) {
	if errno < 0 {
		errno = -errno
	}
	if nr < tableSize {
		r.calls[nr].Add(1)
		if errno == 0 {
			r.ok[nr].Add(1)
		} else {
			r.combo(comboKey{nr: nr, errno: errno}, "", "").Add(1)
		}
		if !r.siteSeen[nr].Load() {
			r.noteSite(nr, site)
		}
	} else {
		r.combo(comboKey{nr: nr, errno: totalMarker}, "", "").Add(1)
		r.combo(comboKey{nr: nr, errno: errno}, "", "").Add(1)
		r.noteSite(nr, site)
	}
	for _, s := range subs {
		r.combo(comboKey{nr: nr, kind: s.Kind, value: s.Value, errno: errno}, s.Name, s.Level).Add(1)
	}
}

// NoteRewrittenSite counts a syscall instruction rewritten into a direct call.
func (r *Recorder) NoteRewrittenSite() { r.rewrittenSites.Add(1) }

// NoteTrappedCall counts a call that arrived through the trap (slow) path.
func (r *Recorder) NoteTrappedCall() { r.trappedCalls.Add(1) }

// NoteRewrittenCall counts a call that arrived through a rewritten site.
func (r *Recorder) NoteRewrittenCall() { r.rewrittenCalls.Add(1) }

func (r *Recorder) combo(key comboKey, name, level string) *atomic.Uint64 {
	if m := r.combos.Load(); m != nil {
		if e, ok := (*m)[key]; ok {
			return &e.count
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.combos.Load()
	if old != nil {
		if e, ok := (*old)[key]; ok {
			return &e.count
		}
	}
	next := make(map[comboKey]*comboEntry, mapLen(old)+1)
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	e := &comboEntry{name: name, level: level}
	next[key] = e
	r.combos.Store(&next)
	return &e.count
}

func mapLen(m *map[comboKey]*comboEntry) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

func (r *Recorder) noteSite(nr, site uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sites == nil {
		r.sites = make(map[uint64]uint64)
	}
	if _, ok := r.sites[nr]; !ok {
		r.sites[nr] = site
	}
	if nr < tableSize {
		r.siteSeen[nr].Store(true)
	}
}

// Snapshot builds a report of everything counted so far. resolve (may be
// nil) describes call sites; meta (may be nil) names syscall numbers and
// gives their level, note and handler location. The report is normalized;
// Runs and ToolVersion are left for the caller to fill. Snapshot may run
// while other goroutines record; each counter is read once.
func (r *Recorder) Snapshot(resolve SiteResolver, meta SyscallMeta) Report {
	bySyscall := make(map[uint64]*Syscall)
	get := func(nr uint64) *Syscall {
		s, ok := bySyscall[nr]
		if !ok {
			s = &Syscall{Nr: nr, Results: make(map[string]uint64)}
			bySyscall[nr] = s
		}
		return s
	}
	for nr := range uint64(tableSize) {
		if n := r.calls[nr].Load(); n > 0 {
			s := get(nr)
			s.Count = n
			if ok := r.ok[nr].Load(); ok > 0 {
				s.Results[ResultOK] = ok
			}
		}
	}
	type subKey struct {
		nr    uint64
		kind  string
		value uint64
	}
	subs := make(map[subKey]*SubOp)
	var order []subKey
	if m := r.combos.Load(); m != nil {
		for key, e := range *m {
			n := e.count.Load()
			if n == 0 {
				continue
			}
			if key.kind == "" {
				s := get(key.nr)
				switch {
				case key.errno == totalMarker:
					s.Count += n
				case key.errno == 0:
					s.Results[ResultOK] += n
				default:
					s.Results[ErrnoName(key.errno)] += n
				}
				continue
			}
			sk := subKey{key.nr, key.kind, key.value}
			sub, ok := subs[sk]
			if !ok {
				sub = &SubOp{Kind: key.kind, Value: key.value, Results: make(map[string]uint64)}
				subs[sk] = sub
				order = append(order, sk)
			}
			if sub.Name == "" {
				sub.Name = e.name
			}
			if sub.Level == "" {
				sub.Level = e.level
			}
			sub.Count += n
			sub.Results[resultName(key.errno)] += n
		}
	}
	for _, sk := range order {
		s := get(sk.nr)
		s.SubOps = append(s.SubOps, *subs[sk])
	}

	r.mu.Lock()
	sites := make(map[uint64]uint64, len(r.sites))
	for k, v := range r.sites {
		sites[k] = v
	}
	r.mu.Unlock()

	report := Report{Schema: SchemaVersion, Created: time.Now().UTC(), Syscalls: make([]Syscall, 0, len(bySyscall))}
	for nr, s := range bySyscall {
		info := SyscallInfo{}
		if meta != nil {
			info = meta(nr)
		}
		s.Name = info.Name
		if s.Name == "" {
			s.Name = fmt.Sprintf("syscall_%d", nr)
		}
		s.Level, s.Note = info.Level, info.Note
		if info.Package != "" || info.File != "" {
			s.Handler = &Handler{Package: info.Package, File: info.File}
		}
		if site, ok := sites[nr]; ok {
			cs := &CallSite{Address: Address(site)}
			if resolve != nil {
				cs.Symbol, cs.Object, cs.Offset = resolve(site)
			}
			s.FirstSite = cs
		}
		if len(s.Results) == 0 {
			s.Results = nil
		}
		report.Syscalls = append(report.Syscalls, *s)
	}
	report.FastPath = r.fastPath()
	report.Normalize()
	return report
}

func (r *Recorder) fastPath() *FastPath {
	sites, trapped, rewritten := r.rewrittenSites.Load(), r.trappedCalls.Load(), r.rewrittenCalls.Load()
	if sites == 0 && trapped == 0 && rewritten == 0 {
		return nil
	}
	return &FastPath{RewrittenSites: &sites, TrappedCalls: &trapped, RewrittenCalls: &rewritten}
}

func resultName(errno int) string {
	if errno == 0 {
		return ResultOK
	}
	return ErrnoName(errno)
}

// ErrnoName is the symbolic name of a Linux errno ("ENOENT"), or
// "E<number>" for a value without one. 0 gives ResultOK.
func ErrnoName(errno int) string {
	if errno < 0 {
		errno = -errno
	}
	if errno == 0 {
		return ResultOK
	}
	if name := unix.ErrnoName(unix.Errno(errno)); name != "" {
		return name
	}
	return fmt.Sprintf("E%d", errno)
}

// SignalName is the symbolic name of a signal number ("SIGSEGV"), or
// "signal <n>" for an unknown one, or "" for 0.
func SignalName(sig int) string {
	if sig == 0 {
		return ""
	}
	if name := unix.SignalName(unix.Signal(sig)); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", sig)
}
