package coverage

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout is the time limit of a suite command without timeout=.
const DefaultTimeout = 30 * time.Second

// SuiteEntry is one command of a suite file.
type SuiteEntry struct {
	Line    int           // 1-based line number in the suite file
	Argv    []string      // the command and its arguments
	Expect  *int          // expected exit status (expect=N), or nil
	Timeout time.Duration // timeout=DURATION, or 0 for DefaultTimeout
}

// EffectiveTimeout is the entry's timeout, or DefaultTimeout.
func (e SuiteEntry) EffectiveTimeout() time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return DefaultTimeout
}

// ParseSuite reads a suite file: one command per line, written as
//
//	[expect=N] [timeout=30s] command args…
//
// with shell-like quoting (see SplitCommandLine). Blank lines and lines
// whose first word starts with # are ignored; so is anything after an
// unquoted # that starts a word. The options come before the command, in
// any order, at most once each. name is used in error messages.
func ParseSuite(r io.Reader, name string) ([]SuiteEntry, error) {
	var entries []SuiteEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		words, err := SplitCommandLine(sc.Text())
		if err != nil {
			return nil, describeQuoteError(name, lineNo, err)
		}
		if len(words) == 0 {
			continue
		}
		entry, err := parseEntry(words)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		entry.Line = lineNo
		entries = append(entries, entry)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read suite %s: %w", name, err)
	}
	return entries, nil
}

// ReadSuiteFile parses the suite file at path.
func ReadSuiteFile(path string) ([]SuiteEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read suite: %w", err)
	}
	defer f.Close()
	return ParseSuite(f, path)
}

func parseEntry(words []string) (SuiteEntry, error) {
	var e SuiteEntry
	seen := map[string]bool{}
	for len(words) > 0 {
		key, value, ok := strings.Cut(words[0], "=")
		if !ok || (key != "expect" && key != "timeout") {
			break
		}
		if seen[key] {
			return e, fmt.Errorf("option %s= given twice", key)
		}
		seen[key] = true
		switch key {
		case "expect":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > 255 {
				return e, fmt.Errorf("expect=%q: want an exit status from 0 to 255", value)
			}
			e.Expect = &n
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return e, fmt.Errorf("timeout=%q: want a positive duration such as 30s or 2m", value)
			}
			e.Timeout = d
		}
		words = words[1:]
	}
	if len(words) == 0 {
		return e, fmt.Errorf("options without a command")
	}
	e.Argv = words
	return e, nil
}

// FormatSuiteEntry writes an entry back in suite-file syntax.
func FormatSuiteEntry(e SuiteEntry) string {
	var parts []string
	if e.Expect != nil {
		parts = append(parts, fmt.Sprintf("expect=%d", *e.Expect))
	}
	if e.Timeout > 0 {
		parts = append(parts, "timeout="+e.Timeout.String())
	}
	return strings.Join(append(parts, QuoteArgv(e.Argv)), " ")
}
