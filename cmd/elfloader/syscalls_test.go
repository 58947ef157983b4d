package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The support table in docs/ is generated from the shim's registry: this
// test fails when it is out of date (regenerate with `make docs`).
func TestSupportTableIsGenerated(t *testing.T) {
	var out, errb bytes.Buffer
	if st := cmdSyscalls([]string{"--format=markdown"}, &out, &errb); st != 0 {
		t.Fatalf("status %d: %s", st, errb.String())
	}
	want, err := os.ReadFile("../../docs/syscalls.md")
	if err != nil {
		t.Fatalf("docs/syscalls.md: %v (run make docs)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("docs/syscalls.md is out of date: run `make docs`")
	}
}

func TestSyscallsJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if st := cmdSyscalls([]string{"--format=json"}, &out, &errb); st != 0 {
		t.Fatalf("status %d: %s", st, errb.String())
	}
	var rows []syscallRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	byName := map[string]syscallRow{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	for name, level := range map[string]string{"write": "full", "rseq": "stub", "mmap": "partial", "kexec_load": "missing"} {
		if got := byName[name].Level; got != level {
			t.Errorf("%s: level %q, want %q", name, got, level)
		}
	}
	if r := byName["write"]; r.Package != "posix/fs" || r.File != "sys_write.go" {
		t.Errorf("write handler location %q/%q", r.Package, r.File)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"inspect", "--help"}, {"syscalls", "--help"}} {
		var out, errb bytes.Buffer
		if st := mainWithArgs(args, &out, &errb); st != 0 {
			t.Errorf("%v: status %d", args, st)
		}
		if !strings.Contains(out.String()+errb.String(), "Usage") {
			t.Errorf("%v: no usage text", args)
		}
	}
	var out, errb bytes.Buffer
	if st := mainWithArgs([]string{"--version"}, &out, &errb); st != 0 || !strings.HasPrefix(out.String(), "elfloader ") {
		t.Errorf("--version: %d %q", st, out.String())
	}
	if st := mainWithArgs([]string{"frobnicate"}, &out, &errb); st != 2 {
		t.Errorf("unknown command: status %d", st)
	}
}
