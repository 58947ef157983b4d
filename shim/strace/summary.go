package strace

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/elfloader/elfloader/abi/linux"
)

// Summary counts calls, errors and time per syscall for strace -c. It is
// safe for concurrent use.
type Summary struct {
	mu    sync.Mutex
	calls map[uint64]*callStats
}

type callStats struct {
	nr     uint64
	calls  uint64
	errors uint64
	time   time.Duration
}

// Add records one call of nr that returned ret after d.
func (s *Summary) Add(nr uint64, ret int64, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[uint64]*callStats{}
	}
	st := s.calls[nr]
	if st == nil {
		st = &callStats{nr: nr}
		s.calls[nr] = st
	}
	st.calls++
	st.time += d
	if isError(ret) {
		st.errors++
	}
}

const summaryRule = "------ ----------- ----------- --------- --------- ----------------\n"

// WriteTo prints strace's table: the calls sorted by time, then a total.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	s.mu.Lock()
	rows := make([]callStats, 0, len(s.calls))
	var total callStats
	for _, st := range s.calls {
		rows = append(rows, *st)
		total.calls += st.calls
		total.errors += st.errors
		total.time += st.time
	}
	s.mu.Unlock()
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].time != rows[j].time {
			return rows[i].time > rows[j].time
		}
		return rows[i].nr < rows[j].nr
	})
	out := fmt.Sprintf("%6.6s %11.11s %11.11s %9.9s %9.9s %s\n", "% time", "seconds", "usecs/call", "calls", "errors", "syscall")
	out += summaryRule
	for _, r := range rows {
		out += summaryRow(r, total.time, linux.SyscallName(r.nr))
	}
	out += summaryRule
	out += summaryRow(total, total.time, "total")
	n, err := io.WriteString(w, out)
	return int64(n), err
}

func summaryRow(r callStats, all time.Duration, name string) string {
	percent := 0.0
	if all > 0 {
		percent = 100 * float64(r.time) / float64(all)
	}
	perCall := uint64(0)
	if r.calls > 0 {
		perCall = uint64(r.time.Microseconds()) / r.calls
	}
	errs := ""
	if r.errors > 0 {
		errs = fmt.Sprint(r.errors)
	}
	return fmt.Sprintf("%6.2f %11.6f %11d %9d %9s %s\n", percent, r.time.Seconds(), perCall, r.calls, errs, name)
}
