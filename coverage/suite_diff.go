package coverage

import (
	"fmt"
	"strings"
)

// Limits of the diff kept for a failed suite command.
const (
	diffContextLines = 2
	diffShownLines   = 6
)

// withoutElfloaderLines drops the diagnostic lines elfloader itself
// writes to stderr ("elfloader: …").
func withoutElfloaderLines(s string) string {
	if !strings.Contains(s, "elfloader:") {
		return s
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, "elfloader:") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// firstDifference returns "" when a equals b, else a short unified-style
// diff: a header naming the stream, a few lines of context, then up to
// diffShownLines lines of each side from the first differing line.
func firstDifference(stream, native, elf string) string {
	if native == elf {
		return ""
	}
	a, b := strings.SplitAfter(native, "\n"), strings.SplitAfter(elf, "\n")
	a, b = dropEmptyTail(a), dropEmptyTail(b)
	first := 0
	for first < len(a) && first < len(b) && a[first] == b[first] {
		first++
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- native %s\n+++ elfloader %s\n@@ line %d @@\n", stream, stream, first+1)
	for i := max(0, first-diffContextLines); i < first; i++ {
		out.WriteString(" " + showLine(a[i]))
	}
	writeSide := func(sign string, lines []string) {
		end := min(len(lines), first+diffShownLines)
		for i := first; i < end; i++ {
			out.WriteString(sign + showLine(lines[i]))
		}
		if rest := len(lines) - end; rest > 0 {
			fmt.Fprintf(&out, "%s… %d more %s\n", sign, rest, plural(rest, "line", "lines"))
		}
	}
	writeSide("-", a)
	writeSide("+", b)
	return out.String()
}

func dropEmptyTail(lines []string) []string {
	if n := len(lines); n > 0 && lines[n-1] == "" {
		return lines[:n-1]
	}
	return lines
}

// showLine prints one line of output, marking a missing final newline.
func showLine(l string) string {
	if strings.HasSuffix(l, "\n") {
		return l
	}
	return l + "\n\\ no newline at end\n"
}
