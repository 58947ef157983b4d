package ociruntime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Files in a container's state directory ROOT/ID.
const (
	recordFile = "oci.json"  // Record
	fifoFile   = "exec.fifo" // present until `start`: the container is "created"
)

// Record is what `create` keeps about a container.
type Record struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
	// StartTime is the init's start time in clock ticks after boot
	// (/proc/PID/stat), so that a reused pid is not taken for it.
	StartTime   uint64            `json:"startTime"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// State is what `state` prints: the runtime-spec's state and the fields
// runc adds.
type State struct {
	specs.State
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

// Store is the runtime root (--root): one directory per container.
type Store struct{ Root string }

// idPattern is what a container id may hold, compiled on first use.
var idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+.-]+$`) })

// Dir returns the state directory of id.
func (s Store) Dir(id string) (string, error) {
	if len(id) > 1024 || !idPattern().MatchString(id) || id == "." || id == ".." {
		return "", fmt.Errorf("invalid container id %q", id)
	}
	return filepath.Join(s.Root, id), nil
}

// IsContainer reports whether dir is the state directory of a container
// (not a detached app's).
func IsContainer(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, recordFile))
	return err == nil
}

// Create makes id's state directory and its exec.fifo.
func (s Store) Create(id string) (string, error) {
	dir, err := s.Dir(id)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.Root, 0o711); err != nil {
		return "", fmt.Errorf("runtime root: %w", err)
	}
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("container with id %s already exists", id)
		}
		return "", err
	}
	if err := unix.Mkfifo(filepath.Join(dir, fifoFile), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("exec fifo: %w", err)
	}
	return dir, nil
}

// Save writes the record (atomically: `state` may read it at any time).
func (s Store) Save(r *Record) error {
	dir, err := s.Dir(r.ID)
	if err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, recordFile), data)
}

// Load reads id's record.
func (s Store) Load(id string) (*Record, error) {
	dir, err := s.Dir(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, recordFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("container %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("container %s: %s: %w", id, recordFile, err)
	}
	return &r, nil
}

// Remove deletes id's state.
func (s Store) Remove(id string) error {
	dir, err := s.Dir(id)
	if err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// Status is created (the init waits for start), running or stopped (the
// init exited, also when it is a zombie not yet reaped).
func (s Store) Status(r *Record) specs.ContainerState {
	if !r.Alive() {
		return specs.StateStopped
	}
	if _, err := os.Stat(filepath.Join(s.Root, r.ID, fifoFile)); err == nil {
		return specs.StateCreated
	}
	return specs.StateRunning
}

// State returns what `state` prints.
func (s Store) State(r *Record) State {
	st := State{Rootfs: r.Rootfs, Created: r.Created, Owner: ""}
	st.Version, st.ID, st.Bundle, st.Annotations = specs.Version, r.ID, r.Bundle, r.Annotations
	st.Status = s.Status(r)
	if st.Status != specs.StateStopped {
		st.Pid = r.Pid
	}
	return st
}

// Alive reports whether the container's init still runs.
func (r *Record) Alive() bool {
	state, start, err := ProcessStat(r.Pid)
	return err == nil && start == r.StartTime && state != 'Z' && state != 'X'
}

// ProcessStat returns the state letter and start time of a host process
// (/proc/PID/stat).
func ProcessStat(pid int) (state byte, start uint64, err error) {
	if pid <= 0 {
		return 0, 0, fmt.Errorf("no pid")
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	fields := strings.Fields(s[i+1:])
	if i < 0 || len(fields) < 20 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	start, err = strconv.ParseUint(fields[19], 10, 64)
	return fields[0][0], start, err
}

// WriteFileAtomic writes data to a temporary file beside p and renames it
// to p, so that readers never see a partial file (the shim reads the pid
// file as soon as create exits).
func WriteFileAtomic(p string, data []byte) error {
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Descendants returns pid and the pids of its descendants
// (/proc/PID/task/TID/children).
func Descendants(pid int) []int {
	pids := []int{pid}
	for i := 0; i < len(pids); i++ {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pids[i]))
		for _, t := range tasks {
			data, _ := os.ReadFile(t)
			for _, f := range strings.Fields(string(data)) {
				if n, err := strconv.Atoi(f); err == nil {
					pids = append(pids, n)
				}
			}
		}
	}
	return pids
}
