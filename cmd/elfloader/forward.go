package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// fullBinary is elfloader with every feature linked in; the lean runner
// hands it the commands it cannot serve itself (docs/binaries.md).
const fullBinary = "elfloader-full"

// execFull replaces this process by elfloader-full with the same
// arguments, so the command runs as if it had been started that way (same
// process, terminal, descriptors and signals). It returns only on
// failure, with status 125 and one line saying why.
func execFull(what string, stderr io.Writer) int {
	path, err := findFull()
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %s is served by %s: %v\n", what, fullBinary, err)
		return 125
	}
	err = syscall.Exec(path, append([]string{path}, os.Args[1:]...), os.Environ())
	fmt.Fprintf(stderr, "elfloader: %s is served by %s: %v\n", what, fullBinary, err)
	return 125
}

// findFull looks for elfloader-full next to this executable, then in PATH.
func findFull() (string, error) {
	exe, err := os.Executable()
	if err == nil {
		p := filepath.Join(filepath.Dir(exe), fullBinary)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(fullBinary); err == nil {
		return p, nil
	}
	if exe == "" {
		return "", errors.New("not found in PATH")
	}
	return "", fmt.Errorf("not found next to %s or in PATH", exe)
}

// needsFull reports whether a run's command line asks for what only
// elfloader-full has.
func (o *runOptions) needsFull() bool { return leanBuild && o.wantsSandboxNet() }
