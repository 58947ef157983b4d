package conformance

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the table of rows.
func WriteMarkdown(w io.Writer, rows []Row, header string) {
	fmt.Fprintf(w, "%s\n\n", header)
	fmt.Fprintln(w, "| suite | native run / passed / failed / skipped | elfloader run / passed / failed / skipped | passes natively, fails under elfloader |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	var nat, elf Counts
	for _, r := range rows {
		nat = add(nat, r.Native.Counts)
		elf = add(elf, r.Elfloader.Counts)
		fmt.Fprintf(w, "| %s `%s` | %s | %s | %s |\n", r.Suite.Kind, r.Suite.Name,
			cell(r.Native), cell(r.Elfloader), regressions(r))
	}
	fmt.Fprintf(w, "| **total** | %d / %d / %d / %d | %d / %d / %d / %d | |\n",
		nat.Run, nat.Passed, nat.Failed, nat.Skipped, elf.Run, elf.Passed, elf.Failed, elf.Skipped)
	writeCauses(w, rows)
}

func add(a, b Counts) Counts {
	return Counts{a.Run + b.Run, a.Passed + b.Passed, a.Failed + b.Failed, a.Skipped + b.Skipped}
}

func cell(r Result) string {
	s := fmt.Sprintf("%d / %d / %d / %d", r.Run, r.Passed, r.Failed, r.Skipped)
	switch {
	case r.Err != "":
		s += " (" + strings.ReplaceAll(r.Err, "|", "\\|") + ")"
	case r.TimedOut:
		s += " (timed out)"
	}
	return s
}

func regressions(r Row) string {
	if len(r.Regressions) == 0 {
		return "—"
	}
	const show = 8
	names := r.Regressions
	more := ""
	if len(names) > show {
		more = fmt.Sprintf(" and %d more", len(names)-show)
		names = names[:show]
	}
	return fmt.Sprintf("%d: `%s`%s", len(r.Regressions), strings.Join(names, "`, `"), more)
}
