package main

// Detached apps: `run -d` starts elfloader again in the background, in its
// own session, with its output in a log file; ps, logs, stop, rm and
// inspect find it by name under the runtime directory (--root):
//
//	ROOT/NAME/state.json  written by `run -d`: name, pid, command, creation
//	ROOT/NAME/exit.json   written by the app's elfloader when it ends
//	ROOT/NAME/log         the app's stdout and stderr

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container/ociruntime"
)

// detachedEnv tells the background elfloader where its state lives.
const detachedEnv = "ELFLOADER_DETACHED_STATE"

// appState is what inspect prints about a detached app.
type appState struct {
	Name     string     `json:"name"`
	Pid      int        `json:"pid"`
	Command  []string   `json:"command"`
	Created  time.Time  `json:"created"`
	Status   string     `json:"status"` // running or exited
	ExitCode *int       `json:"exitCode,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
	Log      string     `json:"log"`
}

// appExit is exit.json.
type appExit struct {
	ExitCode int       `json:"exitCode"`
	Finished time.Time `json:"finished"`
}

// appNamePattern is what --name accepts. It is compiled on first use: its repetition makes a large program whose
// compilation was most of elfloader's own initialisation.
var appNamePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`)
})

func isAppName(s string) bool { return appNamePattern().MatchString(s) }

// runDetached is `run -d`: in the caller, start the background elfloader
// and print the app's name; in the background elfloader (detachedEnv set),
// run the app and record how it ended.
func runDetached(g *globalOptions, o *runOptions, runArgs, operands []string, stdout, stderr io.Writer) int {
	if dir := os.Getenv(detachedEnv); dir != "" {
		os.Unsetenv(detachedEnv)
		status := runForeground(o, operands, stderr)
		recordExit(dir, status, o.rm)
		return status
	}
	name := o.name
	if name == "" {
		var b [4]byte
		rand.Read(b[:])
		name = "elfloader-" + hex.EncodeToString(b[:])
	}
	if !isAppName(name) {
		fmt.Fprintf(stderr, "elfloader: --name %q: want letters, digits, '_', '.' or '-', starting with a letter or digit\n", name)
		return flagErrorStatus
	}
	root := g.stateRoot()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(root, 0o711); err != nil {
		fmt.Fprintf(stderr, "elfloader: runtime directory: %v\n", err)
		return 125
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			fmt.Fprintf(stderr, "elfloader: the name %q is already in use (elfloader rm %s)\n", name, name)
		} else {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
		}
		return 125
	}
	pid, err := startBackground(root, dir, runArgs, o.interactive)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(stderr, "elfloader: starting %s: %v\n", name, err)
		return 125
	}
	st := appState{Name: name, Pid: pid, Command: operands, Created: time.Now().UTC(), Log: filepath.Join(dir, "log")}
	if data, err := json.MarshalIndent(st, "", "  "); err == nil {
		os.WriteFile(filepath.Join(dir, "state.json"), data, 0o600) // fails only once --rm removed it
	}
	fmt.Fprintln(stdout, name)
	return 0
}

// startBackground starts `elfloader --root ROOT run ARGS` in a new session
// with its output in dir/log, and returns its pid.
func startBackground(root, dir string, runArgs []string, interactive bool) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	log, err := os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd := exec.Command(self, append([]string{"--root", root, "run"}, runArgs...)...)
	cmd.Env = append(os.Environ(), detachedEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = log, log
	if interactive {
		cmd.Stdin = os.Stdin
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	cmd.Process.Release()
	return pid, nil
}

// recordExit writes exit.json, or removes the app's state with --rm.
func recordExit(dir string, status int, remove bool) {
	if remove {
		os.RemoveAll(dir)
		return
	}
	data, _ := json.Marshal(appExit{ExitCode: status, Finished: time.Now().UTC()})
	os.WriteFile(filepath.Join(dir, "exit.json"), data, 0o600)
}

// loadApp reads a detached app's state and finds out whether it runs.
func loadApp(g *globalOptions, name string) (*appState, error) {
	dir := filepath.Join(g.stateRoot(), name)
	if !isAppName(name) {
		return nil, fmt.Errorf("no such app: %s", name)
	}
	var st appState
	var data []byte
	var err error
	for try := 0; try < 50; try++ { // run -d writes state.json just after the start
		if data, err = os.ReadFile(filepath.Join(dir, "state.json")); err == nil || !dirExists(dir) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no such app: %s", name)
		}
		return nil, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	st.Status = "running"
	if data, err := os.ReadFile(filepath.Join(dir, "exit.json")); err == nil {
		var ex appExit
		if json.Unmarshal(data, &ex) == nil {
			st.Status, st.ExitCode, st.Finished = "exited", &ex.ExitCode, &ex.Finished
		}
	} else if !processAlive(st.Pid) {
		st.Status = "exited" // killed before it could record its status
	}
	return &st, nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// processAlive reports whether pid runs (a zombie does not).
func processAlive(pid int) bool {
	if pid <= 0 || unix.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func listApps(g *globalOptions) ([]*appState, error) {
	entries, err := os.ReadDir(g.stateRoot())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var apps []*appState
	for _, e := range entries {
		if !e.IsDir() || ociruntime.IsContainer(filepath.Join(g.stateRoot(), e.Name())) {
			continue // OCI containers have their own commands (state)
		}
		if st, err := loadApp(g, e.Name()); err == nil {
			apps = append(apps, st)
		}
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].Created.Before(apps[j].Created) })
	return apps, nil
}

func cmdPs(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ps")
	fs.SetOutput(stderr)
	all := fs.BoolP("all", "a", false, "also list apps that exited")
	quiet := fs.BoolP("quiet", "q", false, "print names only")
	format := fs.StringP("format", "f", "table", "OCI runtime (runc ps): with \"json\" and a container ID, print the container's host pids as JSON")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: elfloader [--root DIR] ps [-a] [-q]\n       elfloader [--root DIR] ps --format json ID\n\nLists the detached apps (run -d), or an OCI container's processes.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if *format == "json" || fs.NArg() > 0 {
		return containerPids(g, fs, stdout, stderr)
	}
	apps, err := listApps(g)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 3, ' ', 0)
	if !*quiet {
		fmt.Fprintln(tw, "NAME\tSTATUS\tPID\tCREATED\tCOMMAND")
	}
	for _, a := range apps {
		if a.Status != "running" && !*all {
			continue
		}
		if *quiet {
			fmt.Fprintln(tw, a.Name)
			continue
		}
		status := a.Status
		if a.ExitCode != nil {
			status = fmt.Sprintf("exited (%d)", *a.ExitCode)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", a.Name, status, a.Pid, a.Created.Local().Format(time.DateTime), strings.Join(a.Command, " "))
	}
	tw.Flush()
	return 0
}

func cmdLogs(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("logs")
	fs.SetOutput(stderr)
	follow := fs.BoolP("follow", "f", false, "keep printing the output until the app ends")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: elfloader [--root DIR] logs [-f] NAME\n\nPrints a detached app's stdout and stderr.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "elfloader logs: give one NAME\n")
		return flagErrorStatus
	}
	st, err := loadApp(g, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 1
	}
	f, err := os.Open(st.Log)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 1
	}
	defer f.Close()
	for {
		if _, err := io.Copy(stdout, f); err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			return 1
		}
		if !*follow {
			return 0
		}
		if cur, err := loadApp(g, st.Name); err != nil || cur.Status != "running" {
			io.Copy(stdout, f) // what was written before it ended
			return 0
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func cmdStop(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("stop")
	fs.SetOutput(stderr)
	grace := fs.IntP("time", "t", 10, "`SECONDS` to wait after SIGTERM before SIGKILL")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: elfloader [--root DIR] stop [-t SECONDS] NAME...\n\nSends SIGTERM to detached apps, then SIGKILL after the grace period.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	status := 0
	for _, name := range fs.Args() {
		if err := stopApp(g, name, time.Duration(*grace)*time.Second); err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			status = 1
			continue
		}
		fmt.Fprintln(stdout, name)
	}
	return status
}

// stopApp sends SIGTERM (elfloader passes it to the app), then SIGKILL
// when the app still runs after grace.
func stopApp(g *globalOptions, name string, grace time.Duration) error {
	st, err := loadApp(g, name)
	if err != nil {
		return err
	}
	if st.Status != "running" {
		return nil
	}
	unix.Kill(st.Pid, unix.SIGTERM)
	if waitExit(st.Pid, grace) {
		return nil
	}
	unix.Kill(st.Pid, unix.SIGKILL)
	if !waitExit(st.Pid, 10*time.Second) {
		return fmt.Errorf("%s: pid %d survived SIGKILL", name, st.Pid)
	}
	dir := filepath.Join(g.stateRoot(), name)
	if _, err := os.Stat(filepath.Join(dir, "exit.json")); errors.Is(err, os.ErrNotExist) && dirExists(dir) {
		recordExit(dir, 128+int(unix.SIGKILL), false)
	}
	return nil
}

// waitExit waits up to d for pid to end.
func waitExit(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func cmdRm(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("rm")
	fs.SetOutput(stderr)
	force := fs.BoolP("force", "f", false, "kill a running app first (SIGKILL)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: elfloader [--root DIR] rm [-f] NAME...\n\nRemoves the state of detached apps that exited.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	status := 0
	for _, name := range fs.Args() {
		st, err := loadApp(g, name)
		if err == nil && st.Status == "running" {
			if !*force {
				err = fmt.Errorf("%s is running: stop it first (elfloader stop %s) or use rm -f", name, name)
			} else {
				err = stopApp(g, name, 0)
			}
		}
		if err == nil {
			err = os.RemoveAll(filepath.Join(g.stateRoot(), name))
		}
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			status = 1
			continue
		}
		fmt.Fprintln(stdout, name)
	}
	return status
}

// inspectApp prints a detached app's state as JSON.
func inspectApp(g *globalOptions, name string, stdout, stderr io.Writer) int {
	st, err := loadApp(g, name)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.Encode(st)
	return 0
}
