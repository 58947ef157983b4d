package coverage

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as a GitHub-flavoured Markdown section:
// a summary, the runs and one table with the same rows as WriteText.
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	writeMarkdownReport(&b, r, "##")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write coverage markdown: %w", err)
	}
	return nil
}

func writeMarkdownReport(b *strings.Builder, r Report, heading string) {
	fmt.Fprintf(b, "%s %s\n\n", heading, mdEscape(ReportTitle(r)))
	fmt.Fprintf(b, "%s\n\n", mdEscape(summaryLine(r)))
	if fp := fastPathText(r.FastPath); fp != "" {
		fmt.Fprintf(b, "Fast path: %s\n\n", fp)
	}
	for _, run := range r.Runs {
		fmt.Fprintf(b, "- `%s` → %s\n", mdCode(QuoteArgv(run.Argv)), mdEscape(runOutcomeText(run)))
	}
	if len(r.Runs) > 0 {
		b.WriteByte('\n')
	}
	if len(r.Syscalls) == 0 {
		b.WriteString("No syscalls recorded.\n")
		return
	}
	header := []string{"Name", "Nr", "Level", "Count", "Errors", "Note"}
	var rows [][]string
	for _, row := range coverageRows(r) {
		cells := make([]string, len(row.cells))
		for i, c := range row.cells {
			cells[i] = mdEscape(c)
		}
		if row.sub {
			cells[0] = "↳ " + cells[0]
		} else {
			cells[0] = "**" + cells[0] + "**"
		}
		rows = append(rows, cells)
	}
	writeMarkdownTable(b, header, rightAligned, rows)
}

func writeMarkdownTable(b *strings.Builder, header []string, right []bool, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for i := range header {
		if right[i] {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteByte('\n')
	for _, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}

var mdReplacer = strings.NewReplacer(
	`\`, `\\`, `|`, `\|`, `*`, `\*`, `_`, `\_`, "`", "\\`", `<`, `&lt;`, `>`, `&gt;`, "\n", " ", "[", `\[`, "]", `\]`,
)

// mdEscape makes text safe inside a Markdown table cell.
func mdEscape(s string) string { return mdReplacer.Replace(s) }

// mdCode makes text safe inside a single-backtick code span in a table.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}
