package coverage

import (
	"fmt"
	"time"
)

// SchemaVersion identifies the JSON form of a Report. It changes only when
// a field changes meaning or is removed; new optional fields keep it.
const SchemaVersion = "elfloader-coverage/1"

// Support levels of a syscall or a sub-operation, as declared by the shim.
const (
	LevelFull    = "full"
	LevelPartial = "partial"
	LevelStub    = "stub"
	LevelMissing = "missing"
)

// ResultOK is the key of Syscall.Results and SubOp.Results that counts
// calls which returned without an error.
const ResultOK = "OK"

// Report is one coverage report: what one or more runs of programs asked of
// the kernel and how well it was supported.
type Report struct {
	Schema      string    `json:"schema"`
	ToolVersion string    `json:"tool_version,omitempty"`
	Created     time.Time `json:"created"`
	Runs        []Run     `json:"runs,omitempty"`
	FastPath    *FastPath `json:"fast_path,omitempty"`
	Syscalls    []Syscall `json:"syscalls"`
}

// Run describes one program run that contributed to a report.
type Run struct {
	Argv       []string      `json:"argv"`
	ExitStatus int           `json:"exit_status"`
	Signal     int           `json:"signal,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
	Platform   string        `json:"platform,omitempty"`
}

// FastPath holds the optional counters of the inproc platform's fast path.
// A nil field means "not measured", which is different from zero.
type FastPath struct {
	RewrittenSites *uint64 `json:"rewritten_sites,omitempty"`
	TrappedCalls   *uint64 `json:"trapped_calls,omitempty"`
	RewrittenCalls *uint64 `json:"rewritten_calls,omitempty"`
}

// Syscall is the coverage of one system call number.
type Syscall struct {
	Nr        uint64            `json:"nr"`
	Name      string            `json:"name"`
	Level     string            `json:"level"`
	Note      string            `json:"note,omitempty"`
	Handler   *Handler          `json:"handler,omitempty"`
	Count     uint64            `json:"count"`
	Results   map[string]uint64 `json:"results,omitempty"`
	FirstSite *CallSite         `json:"first_site,omitempty"`
	SubOps    []SubOp           `json:"subops,omitempty"`
}

// Handler says where the Go handler of a syscall lives.
type Handler struct {
	Package string `json:"package,omitempty"`
	File    string `json:"file,omitempty"`
}

// CallSite is the application instruction that made a call.
type CallSite struct {
	Address Address `json:"address"`
	Symbol  string  `json:"symbol,omitempty"`
	Object  string  `json:"object,omitempty"`
	Offset  uint64  `json:"offset,omitempty"`
}

// SubOp is the coverage of one sub-operation of a syscall: an ioctl
// request, an fcntl command, a socket family, a set of clone flags…
type SubOp struct {
	Kind    string            `json:"kind"`
	Value   uint64            `json:"value"`
	Name    string            `json:"name,omitempty"`
	Level   string            `json:"level,omitempty"`
	Note    string            `json:"note,omitempty"`
	Count   uint64            `json:"count"`
	Results map[string]uint64 `json:"results,omitempty"`
}

// Label is the sub-operation's name, or its value in hex when it has none.
func (s SubOp) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("%#x", s.Value)
}

// Errors is the number of calls that returned an error.
func (s Syscall) Errors() uint64 { return errorCount(s.Count, s.Results) }

// Errors is the number of calls that returned an error.
func (s SubOp) Errors() uint64 { return errorCount(s.Count, s.Results) }

func errorCount(count uint64, results map[string]uint64) uint64 {
	if len(results) == 0 {
		return 0
	}
	var errs uint64
	for name, n := range results {
		if name != ResultOK {
			errs += n
		}
	}
	return errs
}

// Find returns the syscall with the given name, or false.
func (r *Report) Find(name string) (*Syscall, bool) {
	for i := range r.Syscalls {
		if r.Syscalls[i].Name == name {
			return &r.Syscalls[i], true
		}
	}
	return nil, false
}

// TotalCalls is the number of calls over all syscalls of the report.
func (r Report) TotalCalls() uint64 {
	var n uint64
	for _, s := range r.Syscalls {
		n += s.Count
	}
	return n
}

// LevelCounts returns how many distinct syscalls the report has at each level.
func (r Report) LevelCounts() map[string]int {
	counts := make(map[string]int)
	for _, s := range r.Syscalls {
		counts[s.Level]++
	}
	return counts
}
