package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// knownCauses names why a test that passes natively fails under elfloader,
// keyed by "kind suite test" (for example "go net TestInterfaces"). The
// report prints a cause next to each regression it finds, and says so
// plainly when a regression has none: the table stays generated, the causes
// are the project's findings about it. An entry whose test passes again is
// simply not printed.
var knownCauses = map[string]string{
	"go syscall TestExecPtrace": "ptrace(2) is not served (ENOSYS): elfloader is the only tracer of its apps (docs/syscalls.md)",
}

// Cause returns the recorded cause of a regression, or "".
func Cause(kind, suite, test string) string {
	return knownCauses[kind+" "+suite+" "+test]
}

// writeCauses lists every regression of rows with its cause.
func writeCauses(w io.Writer, rows []Row) {
	type line struct{ name, cause string }
	var lines []line
	for _, r := range rows {
		for _, t := range r.Regressions {
			c := Cause(r.Suite.Kind, r.Suite.Name, t)
			if c == "" {
				c = "**cause not yet named**"
			}
			lines = append(lines, line{fmt.Sprintf("%s `%s` `%s`", r.Suite.Kind, r.Suite.Name, t), c})
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].name < lines[j].name })
	fmt.Fprint(w, "\n## Why each difference\n\n")
	fmt.Fprintln(w, "| test | cause |")
	fmt.Fprintln(w, "| --- | --- |")
	for _, l := range lines {
		fmt.Fprintf(w, "| %s | %s |\n", l.name, strings.ReplaceAll(l.cause, "|", "\\|"))
	}
}
