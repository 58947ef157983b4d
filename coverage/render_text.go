package coverage

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report as a terminal table: a summary line, the
// runs, then one row per syscall, least supported first (missing, stub,
// partial, full), with its sub-operations indented under it.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	writeTextReport(&b, r)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write coverage table: %w", err)
	}
	return nil
}

func writeTextReport(b *strings.Builder, r Report) {
	fmt.Fprintf(b, "%s\n%s\n", ReportTitle(r), summaryLine(r))
	if fp := fastPathText(r.FastPath); fp != "" {
		fmt.Fprintf(b, "fast path: %s\n", fp)
	}
	const maxListedRuns = 10
	for i, run := range r.Runs {
		if i == maxListedRuns {
			fmt.Fprintf(b, "run: … and %d more\n", len(r.Runs)-maxListedRuns)
			break
		}
		fmt.Fprintf(b, "run: %s → %s\n", QuoteArgv(run.Argv), runOutcomeText(run))
	}
	b.WriteByte('\n')
	if len(r.Syscalls) == 0 {
		b.WriteString("no syscalls recorded\n")
		return
	}
	var rows [][]string
	for _, row := range coverageRows(r) {
		cells := append([]string(nil), row.cells...)
		if row.sub {
			cells[0] = "  " + cells[0]
		}
		rows = append(rows, cells)
	}
	writeAligned(b, tableHeader, rightAligned, rows)
}

// summaryLine is "12 syscalls, 345 calls: 1 missing, 2 stub, 3 partial, 6 full (2 runs)".
func summaryLine(r Report) string {
	counts := r.LevelCounts()
	var parts []string
	for _, level := range []string{LevelMissing, LevelStub, LevelPartial, LevelFull} {
		if counts[level] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[level], level))
			delete(counts, level)
		}
	}
	unknown := 0
	for _, n := range counts {
		unknown += n
	}
	if unknown > 0 {
		parts = append(parts, fmt.Sprintf("%d unknown level", unknown))
	}
	s := fmt.Sprintf("%d syscalls, %d calls", len(r.Syscalls), r.TotalCalls())
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if len(r.Runs) > 0 {
		s += fmt.Sprintf(" (%d %s)", len(r.Runs), plural(len(r.Runs), "run", "runs"))
	}
	return s
}

func fastPathText(fp *FastPath) string {
	if fp == nil {
		return ""
	}
	var parts []string
	add := func(v *uint64, what string) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%d %s", *v, what))
		}
	}
	add(fp.RewrittenSites, "rewritten sites")
	add(fp.TrappedCalls, "trapped calls")
	add(fp.RewrittenCalls, "rewritten calls")
	return strings.Join(parts, ", ")
}

func runOutcomeText(run Run) string {
	var s string
	if run.Signal != 0 {
		s = "killed by " + SignalName(run.Signal)
	} else {
		s = fmt.Sprintf("exit %d", run.ExitStatus)
	}
	var extra []string
	if run.Platform != "" {
		extra = append(extra, run.Platform)
	}
	if run.Duration > 0 {
		extra = append(extra, run.Duration.String())
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
