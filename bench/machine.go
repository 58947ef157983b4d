package bench

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Machine describes where the figures were taken.
type Machine struct {
	CPU       string // model name from /proc/cpuinfo
	Kernel    string // uname release
	NProc     int
	GoVersion string
	Commit    string // git commit of the checkout, when known
	Date      time.Time
}

// DetectMachine describes this machine; fields it cannot read stay empty.
func DetectMachine() Machine {
	m := Machine{
		CPU:       cpuModel(),
		NProc:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		Commit:    gitCommit(),
		Date:      time.Now().UTC(),
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// gitCommit is the short commit of the working directory's checkout; it
// only reads the repository.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(out))
}
