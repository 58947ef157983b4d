package coverage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Decode reads a report in its JSON form and checks its schema.
func Decode(r io.Reader) (Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		return Report{}, fmt.Errorf("decode coverage report: %w", err)
	}
	if err := rep.Validate(); err != nil {
		return Report{}, err
	}
	rep.Normalize()
	return rep, nil
}

// Validate checks what a reader of the JSON form relies on: the schema
// name, and that every syscall and sub-operation has its identifying fields.
func (r Report) Validate() error {
	if r.Schema != SchemaVersion {
		if strings.HasPrefix(r.Schema, "elfloader-coverage/") {
			return fmt.Errorf("coverage report schema %q: this elfloader reads %q", r.Schema, SchemaVersion)
		}
		return fmt.Errorf("not a coverage report: schema %q, want %q", r.Schema, SchemaVersion)
	}
	for i, s := range r.Syscalls {
		if s.Name == "" {
			return fmt.Errorf("coverage report: syscalls[%d] (nr %d) has no name", i, s.Nr)
		}
		for j, sub := range s.SubOps {
			if sub.Kind == "" {
				return fmt.Errorf("coverage report: syscall %s subops[%d] has no kind", s.Name, j)
			}
		}
	}
	return nil
}

// ReadFile loads a report from a JSON file.
func ReadFile(path string) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, fmt.Errorf("read coverage report: %w", err)
	}
	defer f.Close()
	rep, err := Decode(f)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// WriteFile stores a report as indented JSON, atomically: it writes a
// temporary file in the same directory and renames it over path.
func WriteFile(path string, r Report) error {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

// MergeIntoFile implements "--out FILE": it merges r into the report
// stored at path, or creates the file when it does not exist, and returns
// what it wrote. The file is replaced atomically; a file that exists but
// is not a readable report is an error and is left untouched.
func MergeIntoFile(path string, r Report) (Report, error) {
	merged := r
	existing, err := ReadFile(path)
	switch {
	case err == nil:
		merged = Merge(existing, r)
	case errors.Is(err, fs.ErrNotExist):
		merged.Normalize()
	default:
		return Report{}, fmt.Errorf("merge into %s: %w", path, err)
	}
	if err := WriteFile(path, merged); err != nil {
		return Report{}, err
	}
	return merged, nil
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	cleanup := func() { _ = os.Remove(tmpName) }
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		cleanup()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		cleanup()
		return fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		cleanup()
		return fmt.Errorf("chmod %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		cleanup()
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
