package elfloader

import (
	"errors"
	"fmt"
)

// Sentinel errors classify a *FormatError; test with errors.Is.
var (
	// ErrNotELF means the file does not start with the ELF magic.
	ErrNotELF = errors.New("not an ELF file")
	// ErrTruncated means a header, table or segment lies past the end of the file.
	ErrTruncated = errors.New("truncated ELF file")
	// ErrUnsupported means a well-formed ELF that elfloader cannot run
	// (wrong class, byte order, machine or type).
	ErrUnsupported = errors.New("unsupported ELF file")
	// ErrMalformed means a field holds a value no valid executable has.
	ErrMalformed = errors.New("malformed ELF file")
)

// FormatError reports why a file cannot be loaded. Its message names the
// file and, where it applies, the field and offset that were wrong.
type FormatError struct {
	Path string // file name as given to Parse
	Msg  string // one-line reason, e.g. "PT_LOAD[1]: p_filesz 0x2000 > p_memsz 0x1000"
	Kind error  // one of ErrNotELF, ErrTruncated, ErrUnsupported, ErrMalformed
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Unwrap returns the error class, so errors.Is(err, ErrTruncated) works.
func (e *FormatError) Unwrap() error { return e.Kind }

func formatErr(path string, kind error, format string, args ...any) *FormatError {
	return &FormatError{Path: path, Msg: fmt.Sprintf(format, args...), Kind: kind}
}
