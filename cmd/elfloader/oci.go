package main

// elfloader as an OCI runtime with runc's command line, so that
// containerd's runc shim (containerd-shim-runc-v2, `ctr run --runc-binary`)
// can drive it:
//
//	create --bundle DIR [--pid-file F] [--console-socket S] ID
//	    starts the container's init (elfloader again: the hidden "init"
//	    command) in its own session, lets it prepare the whole run, and
//	    exits once it waits for start on ROOT/ID/exec.fifo; the pid file
//	    names the init, which the shim (a subreaper) adopts and waits for.
//	start ID / state ID / kill [--all] ID [SIGNAL] / delete [--force] ID
//	exec [-d] [--process JSON] ID [COMMAND...]: a process on a new kernel
//	    over the container's root filesystem and mounts
//	run --bundle DIR [-d] ID: create and start, in the foreground unless -d
//	features: what the runtime supports, as runtime-spec's features JSON
//
// Package container/ociruntime maps the bundle and keeps the state;
// oci_init.go is the container's init, oci_run.go the foreground runs and
// exec.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	flag "github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container/ociruntime"
)

// ociTimeout bounds start's and delete's waits for the init.
const ociTimeout = 30 * time.Second

// ociFlags are the flags of create and of run with a bundle.
type ociFlags struct {
	bundle        string
	pidFile       string
	consoleSocket string
}

func (f *ociFlags) register(fs *flag.FlagSet) {
	fs.StringVarP(&f.bundle, "bundle", "b", "", "OCI runtime: the bundle `DIR` (config.json and its root filesystem)")
	fs.StringVar(&f.pidFile, "pid-file", "", "OCI runtime: write the container's init pid to `FILE`")
	fs.StringVar(&f.consoleSocket, "console-socket", "", "OCI runtime: send the terminal's master to the unix socket at `PATH` (process.terminal)")
	var ignored bool
	var fds int
	fs.BoolVar(&ignored, "no-pivot", false, "OCI runtime: accepted (elfloader never pivots the host's root)")
	fs.BoolVar(&ignored, "no-new-keyring", false, "OCI runtime: accepted (elfloader makes no session keyring)")
	fs.BoolVar(&ignored, "keep", false, "OCI runtime: accepted")
	fs.IntVar(&fds, "preserve-fds", 0, "OCI runtime: accepted (extra descriptors are not passed to the app)")
}

// ociCommand is what every OCI command has: the store, the runtime log
// and the failure path.
type ociCommand struct {
	store  ociruntime.Store
	log    *slog.Logger
	stderr io.Writer
	closer io.Closer
}

func newOCICommand(g *globalOptions, stderr io.Writer) (*ociCommand, bool) {
	log, closer, err := ociruntime.NewLog(g.log, g.logFormat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: --log: %v\n", err)
		return nil, false
	}
	return &ociCommand{store: ociruntime.Store{Root: g.stateRoot()}, log: log, stderr: stderr, closer: closer}, true
}

// fail reports err on stderr and, as an "error" line, in the runtime log
// (where the shim looks for the reason), and returns status 1.
func (c *ociCommand) fail(err error) int {
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintf(c.stderr, "elfloader: %s\n", msg)
	if c.log != nil {
		c.log.Error(msg)
	}
	c.closer.Close()
	return 1
}

func (c *ociCommand) done() int {
	c.closer.Close()
	return 0
}

// parseOCI parses an OCI command's flags and wants minArgs to maxArgs
// operands (the first is the container id); it returns the command, or
// false and the exit status.
func parseOCI(g *globalOptions, fs *flag.FlagSet, args []string, usage string, minArgs, maxArgs int, stderr io.Writer) (*ociCommand, int, bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: elfloader [--root DIR] [--log FILE] [--log-format text|json] %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
		return nil, st, false
	}
	if fs.NArg() < minArgs || fs.NArg() > maxArgs {
		fmt.Fprintf(stderr, "elfloader %s: usage: elfloader %s\n", fs.Name(), usage)
		return nil, flagErrorStatus, false
	}
	c, ok := newOCICommand(g, stderr)
	if !ok {
		return nil, 1, false
	}
	return c, 0, true
}

func cmdCreate(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("create")
	var f ociFlags
	f.register(fs)
	fs.BoolP("detach", "d", true, "accepted (create always detaches)")
	c, st, ok := parseOCI(g, fs, args, "create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] ID", 1, 1, stderr)
	if !ok {
		return st
	}
	if _, err := createContainer(g, c, &f, fs.Arg(0)); err != nil {
		return c.fail(err)
	}
	return c.done()
}

// createContainer is create: the init started and waiting for start, its
// record saved and its pid in the pid file.
func createContainer(g *globalOptions, c *ociCommand, f *ociFlags, id string) (*ociruntime.Record, error) {
	s, err := loadBundle(g, c, f, id)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.Create(id); err != nil {
		return nil, err
	}
	rec, err := startInit(c, f, s, id)
	if err == nil {
		err = c.store.Save(rec)
	}
	if err == nil {
		err = writePidFile(f.pidFile, rec.Pid)
	}
	if err != nil {
		if rec != nil {
			unix.Kill(rec.Pid, unix.SIGKILL)
		}
		c.store.Remove(id)
		return nil, err
	}
	return rec, nil
}

// loadBundle reads the bundle and logs what elfloader cannot honour, one
// warning each.
func loadBundle(g *globalOptions, c *ociCommand, f *ociFlags, id string) (*ociruntime.Settings, error) {
	if f.bundle == "" {
		f.bundle = "."
	}
	s, _, err := ociruntime.Load(f.bundle)
	if err != nil {
		return nil, err
	}
	f.bundle = s.Bundle
	if g.systemdCgroup {
		c.log.Warn("--systemd-cgroup: accepted and ignored: elfloader does not manage cgroups", "id", id)
	}
	for _, n := range s.Notes {
		c.log.Warn(n, "id", id)
	}
	return s, nil
}

// startInit starts the container's init and waits until it is ready (it
// waits for start) or failed.
func startInit(c *ociCommand, f *ociFlags, s *ociruntime.Settings, id string) (*ociruntime.Record, error) {
	cmd, err := spawnInit(c, f, s, "--bundle", f.bundle, id)
	if err != nil {
		return nil, err
	}
	_, start, err := ociruntime.ProcessStat(cmd.Process.Pid)
	if err != nil {
		return nil, fmt.Errorf("the container's init: %w", err)
	}
	rec := &ociruntime.Record{ID: id, Pid: cmd.Process.Pid, Bundle: s.Bundle, Rootfs: s.Rootfs, StartTime: start,
		Created: time.Now().UTC(), Annotations: s.Annotations}
	cmd.Process.Release() // the shim, a subreaper, adopts and waits for it
	return rec, nil
}

// writePidFile writes the pid as runc does (no newline), atomically.
func writePidFile(p string, pid int) error {
	if p == "" {
		return nil
	}
	if err := ociruntime.WriteFileAtomic(p, []byte(strconv.Itoa(pid))); err != nil {
		return fmt.Errorf("--pid-file: %w", err)
	}
	return nil
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

// onContainer parses an OCI command on one container (its first operand)
// and runs do with the container's record.
func onContainer(g *globalOptions, fs *flag.FlagSet, args []string, usage string, maxArgs int, stderr io.Writer,
	do func(rec *ociruntime.Record, store ociruntime.Store) error) int {
	c, st, ok := parseOCI(g, fs, args, usage, 1, maxArgs, stderr)
	if !ok {
		return st
	}
	rec, err := c.store.Load(fs.Arg(0))
	if err == nil {
		err = do(rec, c.store)
	}
	if err != nil {
		return c.fail(err)
	}
	return c.done()
}

func cmdStart(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	return onContainer(g, newFlagSet("start"), args, "start ID", 1, stderr, func(rec *ociruntime.Record, store ociruntime.Store) error {
		return store.Start(rec, ociTimeout)
	})
}

func cmdState(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	return onContainer(g, newFlagSet("state"), args, "state ID", 1, stderr, func(rec *ociruntime.Record, store ociruntime.Store) error {
		data, err := json.MarshalIndent(store.State(rec), "", "  ")
		if err == nil {
			_, err = fmt.Fprintf(stdout, "%s\n", data)
		}
		return err
	})
}

func cmdKill(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kill")
	all := fs.BoolP("all", "a", false, "also signal the init's other host processes (its process group)")
	return onContainer(g, fs, args, "kill [--all] ID [SIGNAL]", 2, stderr, func(rec *ociruntime.Record, store ociruntime.Store) error {
		sig := unix.SIGTERM
		if fs.NArg() == 2 {
			var err error
			if sig, err = parseSignal(fs.Arg(1)); err != nil {
				return err
			}
		}
		return killContainer(store, rec, sig, *all)
	})
}

// killContainer signals the init (elfloader passes the signal on to the
// app); with all, the init's process group too.
func killContainer(store ociruntime.Store, rec *ociruntime.Record, sig unix.Signal, all bool) error {
	if store.Status(rec) == specs.StateStopped {
		return fmt.Errorf("container %s: container not running", rec.ID)
	}
	pid := rec.Pid
	if all {
		pid = -rec.Pid // the init leads its own session and group
	}
	if err := unix.Kill(pid, sig); err != nil {
		return fmt.Errorf("container %s: kill: %w", rec.ID, err)
	}
	return nil
}

// parseSignal reads a signal as a number, SIGNAME or NAME.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

func cmdDelete(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("delete")
	force := fs.BoolP("force", "f", false, "kill a running container (SIGKILL) before deleting it")
	return onContainer(g, fs, args, "delete [--force] ID", 1, stderr, func(rec *ociruntime.Record, store ociruntime.Store) error {
		return deleteContainer(store, rec, *force)
	})
}

// deleteContainer removes a container's state; a created one (or a
// running one with force) is killed first, as runc does.
func deleteContainer(store ociruntime.Store, rec *ociruntime.Record, force bool) error {
	switch store.Status(rec) {
	case specs.StateRunning:
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: running", rec.ID)
		}
		fallthrough
	case specs.StateCreated:
		unix.Kill(-rec.Pid, unix.SIGKILL)
		deadline := time.Now().Add(ociTimeout)
		for rec.Alive() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return store.Remove(rec.ID)
}

// containerPids is runc's `ps --format json ID`: the host pids of the
// container's init and its descendants (the app's fork children).
func containerPids(g *globalOptions, fs *flag.FlagSet, stdout, stderr io.Writer) int {
	if fs.NArg() != 1 || fs.Lookup("format").Value.String() != "json" {
		fmt.Fprintln(stderr, "elfloader ps: usage: elfloader ps --format json ID")
		return flagErrorStatus
	}
	return onContainer(g, newFlagSet("ps"), fs.Args(), "ps --format json ID", 1, stderr, func(rec *ociruntime.Record, store ociruntime.Store) error {
		pids := []int{}
		if rec.Alive() {
			pids = ociruntime.Descendants(rec.Pid)
		}
		data, err := json.Marshal(pids)
		if err == nil {
			_, err = fmt.Fprintf(stdout, "%s\n", data)
		}
		return err
	})
}

func cmdFeatures(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("features")
	fs.SetOutput(stderr)
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	f := features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{},
		MountOptions:  []string{"bind", "rbind", "ro", "rw", "mode"},
		Linux: &features.Linux{
			Namespaces: []string{string(specs.MountNamespace), string(specs.UTSNamespace), string(specs.NetworkNamespace)},
		},
		Annotations: map[string]string{"org.elfloader.version": version, ociruntime.PlatformAnnotation: "inproc or isolated"},
	}
	data, _ := json.MarshalIndent(f, "", "  ")
	fmt.Fprintf(stdout, "%s\n", data)
	return 0
}

func (e *execOptions) register(fs *flag.FlagSet) {
	fs.StringVarP(&e.process, "process", "p", "", "the process to run, as a runtime-spec process `JSON` file (instead of COMMAND)")
	fs.BoolVarP(&e.detach, "detach", "d", false, "start the process and exit (its pid in --pid-file)")
	fs.BoolVarP(&e.tty, "tty", "t", false, "give COMMAND a terminal")
	fs.StringVar(&e.cwd, "cwd", "", "COMMAND's working `DIR`")
	fs.VarP(&e.envs, "env", "e", "add `NAME=VALUE` to COMMAND's environment (repeatable)")
	fs.StringVarP(&e.user, "user", "u", "", "COMMAND's `UID[:GID]`")
	fs.StringVar(&e.f.pidFile, "pid-file", "", "write the process's host pid to `FILE`")
	fs.StringVar(&e.f.consoleSocket, "console-socket", "", "send the terminal's master to the unix socket at `PATH`")
	var ignoredBool bool
	var ignored multiFlag
	for _, name := range []string{"no-new-privs", "ignore-paused"} {
		fs.BoolVar(&ignoredBool, name, false, "accepted and ignored")
	}
	for _, name := range []string{"cap", "process-label", "apparmor", "cgroup", "preserve-fds"} {
		fs.Var(&ignored, name, "accepted and ignored")
	}
}

// processSpec is the process to run: --process, or the container's
// process with COMMAND and the flags.
func (e *execOptions) processSpec(rec *ociruntime.Record, command []string) (*specs.Process, error) {
	if e.process != "" {
		return ociruntime.LoadProcess(e.process)
	}
	if len(command) == 0 {
		return nil, fmt.Errorf("exec: give a COMMAND or --process")
	}
	_, spec, err := ociruntime.Load(rec.Bundle)
	if err != nil {
		return nil, err
	}
	p := *spec.Process
	p.Args, p.Terminal, p.Env = command, e.tty, append(p.Env, e.envs...)
	if e.cwd != "" {
		p.Cwd = e.cwd
	}
	if e.user != "" {
		uid, gid, hasGID := strings.Cut(e.user, ":")
		u, err1 := strconv.ParseUint(uid, 10, 32)
		gv, err2 := strconv.ParseUint(gid, 10, 32)
		if err1 != nil || hasGID && err2 != nil {
			return nil, fmt.Errorf("--user %q: want UID[:GID]", e.user)
		}
		p.User = specs.User{UID: uint32(u), GID: uint32(gv)}
	}
	return &p, nil
}
