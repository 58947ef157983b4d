package coverage

import (
	"fmt"
	"io"
	"strings"
)

// RenderSuite writes a suite result in the given format: the verdict per
// command, the diffs of failures, then the merged coverage.
func RenderSuite(w io.Writer, f Format, s SuiteResult) error {
	var b strings.Builder
	switch f {
	case FormatJSON:
		c := s
		c.Coverage = cloneReport(s.Coverage)
		c.Coverage.Normalize()
		if c.Coverage.Syscalls == nil {
			c.Coverage.Syscalls = []Syscall{}
		}
		if c.Results == nil {
			c.Results = []CommandResult{}
		}
		if c.Schema == "" {
			c.Schema = SuiteSchemaVersion
		}
		return writeIndentedJSON(w, c, "suite result")
	case FormatHTML:
		return writePage(w, pageData{Title: "elfloader suite", Suite: newHTMLSuite(s), Coverage: newHTMLReport(s.Coverage)})
	case FormatText:
		writeSuiteText(&b, s)
	case FormatMarkdown:
		writeSuiteMarkdown(&b, s)
	default:
		return fmt.Errorf("render suite result: unknown format %q", f)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write suite result: %w", err)
	}
	return nil
}

// SuiteSummary is "12 commands: 10 pass, 1 fail, 1 crash (83.3% pass)".
func SuiteSummary(s SuiteResult) string {
	parts := []string{fmt.Sprintf("%d pass", s.Passed), fmt.Sprintf("%d fail", s.Failed)}
	for _, extra := range []struct {
		n    int
		what string
	}{{s.Crashed, "crash"}, {s.TimedOut, "timeout"}, {s.Errors, "error"}} {
		if extra.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", extra.n, extra.what))
		}
	}
	return fmt.Sprintf("%d %s: %s (%.1f%% pass)", len(s.Results), plural(len(s.Results), "command", "commands"),
		strings.Join(parts, ", "), 100*s.PassRate)
}

func suiteRows(s SuiteResult) [][]string {
	rows := make([][]string, len(s.Results))
	for i, r := range s.Results {
		rows[i] = []string{fmt.Sprint(r.Line), string(r.Class), QuoteArgv(r.Argv), r.Reason}
	}
	return rows
}

func writeSuiteText(b *strings.Builder, s SuiteResult) {
	b.WriteString(SuiteSummary(s) + "\n\n")
	if len(s.Results) > 0 {
		writeAligned(b, []string{"LINE", "RESULT", "COMMAND", "REASON"}, []bool{true, false, false, false}, suiteRows(s))
	}
	for _, r := range s.Results {
		if r.Diff != "" {
			fmt.Fprintf(b, "\nline %d: %s\n%s", r.Line, QuoteArgv(r.Argv), r.Diff)
		}
	}
	b.WriteString("\n")
	writeTextReport(b, s.Coverage)
}

func writeSuiteMarkdown(b *strings.Builder, s SuiteResult) {
	b.WriteString("## Suite\n\n" + mdEscape(SuiteSummary(s)) + "\n\n")
	if len(s.Results) > 0 {
		rows := suiteRows(s)
		for _, row := range rows {
			row[1] = "**" + row[1] + "**"
			row[2] = "`" + mdCode(row[2]) + "`"
			row[3] = mdEscape(row[3])
		}
		writeMarkdownTable(b, []string{"Line", "Result", "Command", "Reason"}, []bool{true, false, false, false}, rows)
	}
	for _, r := range s.Results {
		if r.Diff == "" {
			continue
		}
		fence := codeFence(r.Diff)
		fmt.Fprintf(b, "\nLine %d, `%s`:\n\n%sdiff\n%s%s\n", r.Line, mdCode(QuoteArgv(r.Argv)), fence, r.Diff, fence)
	}
	b.WriteString("\n")
	writeMarkdownReport(b, s.Coverage, "##")
}

// codeFence returns a backtick fence longer than any backtick run in s.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func newHTMLSuite(s SuiteResult) *htmlSuite {
	h := &htmlSuite{Summary: SuiteSummary(s), Stats: []htmlStat{
		{Label: "commands", Value: fmt.Sprint(len(s.Results))},
		{Class: levelClass(LevelFull), Label: "pass", Value: fmt.Sprint(s.Passed)},
		{Class: levelClass(LevelStub), Label: "fail", Value: fmt.Sprint(s.Failed)},
		{Class: levelClass(LevelMissing), Label: "crash", Value: fmt.Sprint(s.Crashed)},
		{Label: "timeout", Value: fmt.Sprint(s.TimedOut)},
		{Label: "pass rate", Value: fmt.Sprintf("%.1f%%", 100*s.PassRate)},
	}}
	for _, r := range s.Results {
		h.Rows = append(h.Rows, htmlCommand{Line: r.Line, Command: QuoteArgv(r.Argv), Class: string(r.Class),
			Reason: r.Reason, Diff: r.Diff, NativeStatus: summaryStatus(r.Native), Status: summaryStatus(r.Elfloader)})
	}
	return h
}

func summaryStatus(s RunSummary) string {
	switch {
	case s.Error != "":
		return "not run"
	case s.TimedOut:
		return "timed out"
	case s.Signal != 0:
		return SignalName(s.Signal)
	}
	return fmt.Sprintf("exit %d", s.ExitStatus)
}
