package coverage

import (
	"fmt"
	"strings"
)

// Baseline is what explore compares every overridden run with: the
// outcome of the program run without overrides, repeated. A stream that
// differed between the repeated runs (a clock, a pid in the output) is not
// compared; the exit status always is.
type Baseline struct {
	Outcome      Outcome
	StdoutVaries bool
	StderrVaries bool
}

// NewBaseline builds the baseline from repeated runs of the program. The
// runs must end the same way (status or signal, no timeout).
func NewBaseline(runs []Outcome) (Baseline, error) {
	if len(runs) == 0 {
		return Baseline{}, fmt.Errorf("baseline: no run")
	}
	b := Baseline{Outcome: runs[0]}
	for i, r := range runs {
		if r.TimedOut {
			return Baseline{}, fmt.Errorf("baseline run %d of %d timed out", i+1, len(runs))
		}
		if statusText(r) != statusText(runs[0]) {
			return Baseline{}, fmt.Errorf("baseline runs end differently: %s, then %s", statusText(runs[0]), statusText(r))
		}
		b.StdoutVaries = b.StdoutVaries || string(r.Stdout) != string(runs[0].Stdout)
		b.StderrVaries = b.StderrVaries || withoutElfloaderLines(string(r.Stderr)) != withoutElfloaderLines(string(runs[0].Stderr))
	}
	return b, nil
}

// Change says how got differs from the baseline — "exit 1 instead of exit
// 0; stdout differs at line 1: "bin" → (none)" — or "" when it is the same:
// same status, same stdout and same stderr (without elfloader's own
// "elfloader:" lines), except for the streams that vary.
func (b Baseline) Change(got Outcome) string {
	if got.TimedOut {
		return "timed out"
	}
	var changes []string
	if want, have := statusText(b.Outcome), statusText(got); want != have {
		changes = append(changes, have+" instead of "+want)
	}
	if !b.StdoutVaries {
		if d := lineChange(string(b.Outcome.Stdout), string(got.Stdout)); d != "" {
			changes = append(changes, "stdout differs "+d)
		}
	}
	if !b.StderrVaries {
		if d := lineChange(withoutElfloaderLines(string(b.Outcome.Stderr)), withoutElfloaderLines(string(got.Stderr))); d != "" {
			changes = append(changes, "stderr differs "+d)
		}
	}
	return strings.Join(changes, "; ")
}

// StatusText is how the run ended: "exit 1", "killed by SIGSEGV", "timed
// out".
func (o Outcome) StatusText() string {
	if o.TimedOut {
		return "timed out"
	}
	return statusText(o)
}

// changeLineMax bounds how much of a differing line a note quotes.
const changeLineMax = 40

// lineChange is "at line 3: "a" → "b"" for the first differing line of
// two texts, "" when they are equal.
func lineChange(want, got string) string {
	if want == got {
		return ""
	}
	a, b := dropEmptyTail(strings.SplitAfter(want, "\n")), dropEmptyTail(strings.SplitAfter(got, "\n"))
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return fmt.Sprintf("at line %d: %s → %s", i+1, quotedLine(a, i), quotedLine(b, i))
}

// quotedLine is line i of lines, quoted and shortened, or (none).
func quotedLine(lines []string, i int) string {
	if i >= len(lines) {
		return "(none)"
	}
	s := lines[i]
	if r := []rune(s); len(r) > changeLineMax {
		s = string(r[:changeLineMax]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
