package coverage

import (
	"fmt"
	"io"
	"strings"
)

// Format selects a renderer.
type Format string

// The output formats every renderer of this package supports.
const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
)

// Formats lists the accepted format names, for flag help texts.
func Formats() []Format { return []Format{FormatText, FormatMarkdown, FormatJSON, FormatHTML} }

// ParseFormat accepts a format name as a user types it ("md" and "table"
// are aliases of markdown and text).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "text", "table", "terminal", "":
		return FormatText, nil
	case "markdown", "md":
		return FormatMarkdown, nil
	case "json":
		return FormatJSON, nil
	case "html":
		return FormatHTML, nil
	}
	return "", fmt.Errorf("unknown output format %q (want text, markdown, json or html)", s)
}

// Render writes a coverage report in the given format.
func Render(w io.Writer, f Format, r Report) error {
	switch f {
	case FormatText:
		return WriteText(w, r)
	case FormatMarkdown:
		return WriteMarkdown(w, r)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	}
	return fmt.Errorf("render coverage report: unknown format %q", f)
}
