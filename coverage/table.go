package coverage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tableRow is one row of the shared table model used by the text and
// Markdown renderers.
type tableRow struct {
	cells []string
	sub   bool // a sub-operation row, indented under its syscall
}

var tableHeader = []string{"NAME", "NR", "LEVEL", "COUNT", "ERRORS", "NOTE"}

// rightAligned marks the numeric columns of tableHeader.
var rightAligned = []bool{false, true, false, true, false, false}

func coverageRows(r Report) []tableRow {
	var rows []tableRow
	for _, s := range displayOrder(r.Syscalls) {
		rows = append(rows, tableRow{cells: []string{
			s.Name, fmt.Sprint(s.Nr), levelText(s.Level), fmt.Sprint(s.Count), errorsText(s.Results), s.Note,
		}})
		for _, sub := range s.SubOps {
			value := ""
			if sub.Name != "" {
				value = fmt.Sprintf("%#x", sub.Value)
			}
			rows = append(rows, tableRow{sub: true, cells: []string{
				sub.Kind + " " + sub.Label(), value, levelText(subLevel(sub, s)), fmt.Sprint(sub.Count), errorsText(sub.Results), sub.Note,
			}})
		}
	}
	return rows
}

func levelText(level string) string {
	if level == "" {
		return "?"
	}
	return level
}

// errorsText lists the error results as "ENOENT=2 EAGAIN=1", largest first.
func errorsText(results map[string]uint64) string {
	var parts []string
	for _, name := range sortedResultNames(results) {
		if name == ResultOK {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%d", name, results[name]))
	}
	return strings.Join(parts, " ")
}

// writeAligned renders rows as a plain-text table whose column widths fit
// the content; trailing spaces are trimmed.
func writeAligned(b *strings.Builder, header []string, right []bool, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var l strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				l.WriteString("  ")
			}
			if right[i] {
				l.WriteString(pad + c)
			} else {
				l.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
}
