package coverage

import (
	"errors"
	"fmt"
	"strings"
)

// errUnterminated and friends describe SplitCommandLine failures.
var (
	errUnterminatedSingle = errors.New("unterminated single quote")
	errUnterminatedDouble = errors.New("unterminated double quote")
	errTrailingBackslash  = errors.New("backslash at end of line")
)

// SplitCommandLine splits one line into words the way a POSIX shell does
// for the subset suite files use: blanks separate words; 'single quotes'
// keep everything literally; "double quotes" keep everything except that a
// backslash escapes ", \, $ and `; outside quotes a backslash makes the
// next character literal; an unquoted # at the start of a word starts a
// comment that runs to the end of the line. There is no expansion of any
// kind ($VAR, globs, ~ stay as written).
func SplitCommandLine(line string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		runes   = []rune(line)
		flushed = func() {
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		}
	)
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flushed()
		case c == '#' && !inWord:
			flushed()
			return words, nil
		case c == '\\':
			if i+1 >= len(runes) {
				return nil, errTrailingBackslash
			}
			i++
			cur.WriteRune(runes[i])
			inWord = true
		case c == '\'':
			end := indexRune(runes, i+1, '\'')
			if end < 0 {
				return nil, errUnterminatedSingle
			}
			cur.WriteString(string(runes[i+1 : end]))
			i = end
			inWord = true
		case c == '"':
			i++
			for ; i < len(runes) && runes[i] != '"'; i++ {
				if runes[i] == '\\' && i+1 < len(runes) && strings.ContainsRune("\"\\$`", runes[i+1]) {
					i++
				}
				cur.WriteRune(runes[i])
			}
			if i >= len(runes) {
				return nil, errUnterminatedDouble
			}
			inWord = true
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	flushed()
	return words, nil
}

func indexRune(runes []rune, from int, r rune) int {
	for i := from; i < len(runes); i++ {
		if runes[i] == r {
			return i
		}
	}
	return -1
}

// QuoteArgv joins argv into one line that SplitCommandLine splits back into
// the same words, quoting only the words that need it.
func QuoteArgv(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = QuoteWord(a)
	}
	return strings.Join(parts, " ")
}

// QuoteWord quotes one word for a suite file or a shell, if it needs it.
func QuoteWord(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=:,+@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// describeQuoteError adds the line number to a SplitCommandLine error.
func describeQuoteError(name string, line int, err error) error {
	return fmt.Errorf("%s:%d: %w", name, line, err)
}
