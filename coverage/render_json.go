package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the report's JSON form: indented by two spaces, in the
// canonical order of Normalize, with a trailing newline. r is not modified.
func WriteJSON(w io.Writer, r Report) error {
	c := cloneReport(r)
	c.Normalize()
	if c.Syscalls == nil {
		c.Syscalls = []Syscall{}
	}
	return writeIndentedJSON(w, c, "coverage report")
}

func writeIndentedJSON(w io.Writer, v any, what string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

func cloneReport(r Report) Report {
	c := r
	c.Runs = cloneRuns(r.Runs)
	if r.FastPath != nil {
		c.FastPath = mergeFastPath(r.FastPath, nil)
	}
	c.Syscalls = make([]Syscall, len(r.Syscalls))
	for i, s := range r.Syscalls {
		c.Syscalls[i] = cloneSyscall(s)
	}
	return c
}
