package main

// The foreground runs of a bundle: run --bundle (without -d) and exec
// (without --detach) run the container in this process; exec --detach
// starts an init of its own as create does.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/creack/pty"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/elfloader/elfloader/container/ociruntime"
)

// runBundle is `run --bundle DIR ID`: with -d, create and start; else the
// container runs in this process, in the foreground, and its state is
// removed when it ends.
func runBundle(g *globalOptions, o *runOptions, f *ociFlags, operands []string, stderr io.Writer) int {
	c, ok := newOCICommand(g, stderr)
	if !ok {
		return 1
	}
	if len(operands) != 1 {
		return c.fail(fmt.Errorf("run --bundle DIR: give one container ID"))
	}
	id := operands[0]
	if o.detach {
		rec, err := createContainer(g, c, f, id)
		if err == nil {
			err = c.store.Start(rec, ociTimeout)
		}
		if err != nil {
			return c.fail(err)
		}
		return c.done()
	}
	s, err := loadBundle(g, c, f, id)
	if err == nil {
		err = joinNetns(s)
	}
	if err == nil {
		err = recordSelf(c.store, f, s, id)
	}
	if err != nil {
		return c.fail(err)
	}
	defer c.store.Remove(id)
	release, err := bundleTerminal(o, s, f.consoleSocket)
	if err != nil {
		return c.fail(err)
	}
	defer release()
	c.closer.Close()
	return runProgram(settingsRunOptions(o, s), s.Args, bundleHooks(s), stderr)
}

// joinNetns puts a foreground run in the bundle's network namespace: this
// program again, started in it (it returns only on error).
func joinNetns(s *ociruntime.Settings) error {
	if s.NetworkNamespace == "" || ociruntime.InNetns(s.NetworkNamespace) {
		return nil
	}
	if err := ociruntime.JoinNetnsByExec(s.NetworkNamespace); err != nil {
		return fmt.Errorf("joining the network namespace %s: %w", s.NetworkNamespace, err)
	}
	return nil
}

// recordSelf records a foreground container whose init is this process,
// already running.
func recordSelf(store ociruntime.Store, f *ociFlags, s *ociruntime.Settings, id string) error {
	if _, err := store.Create(id); err != nil {
		return err
	}
	_, start, err := ociruntime.ProcessStat(os.Getpid())
	rec := &ociruntime.Record{ID: id, Pid: os.Getpid(), Bundle: s.Bundle, Rootfs: s.Rootfs, StartTime: start,
		Created: time.Now().UTC(), Annotations: s.Annotations}
	if err == nil {
		err = store.MarkStarted(id)
	}
	if err == nil {
		err = store.Save(rec)
	}
	if err == nil {
		err = writePidFile(f.pidFile, rec.Pid)
	}
	if err != nil {
		store.Remove(id)
	}
	return err
}

// bundleTerminal gives a foreground container the terminal it asks for:
// a new pseudo-terminal whose master goes to the console socket, or
// elfloader's own (as run -t).
func bundleTerminal(o *runOptions, s *ociruntime.Settings, consoleSocket string) (func(), error) {
	switch {
	case !s.Terminal:
		return func() {}, nil
	case consoleSocket == "":
		return o.attachTerminal()
	}
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("terminal: %w", err)
	}
	defer master.Close()
	if err := ociruntime.SendConsole(consoleSocket, master); err != nil {
		slave.Close()
		return nil, err
	}
	o.term = slave
	return func() { slave.Close() }, nil
}

// execOptions are the flags of exec (runc's).
type execOptions struct {
	process, cwd, user string
	envs               multiFlag
	detach, tty        bool
	f                  ociFlags
}

// cmdExec is runc's exec: the process runs on a new elfloader kernel over
// the container's root filesystem and mounts (it shares their files, not
// the container's processes or in-memory filesystems).
func cmdExec(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("exec")
	var e execOptions
	e.register(fs)
	c, st, ok := parseOCI(g, fs, args, "exec [flags] ID [COMMAND [ARGS...]]", 1, len(args), stderr)
	if !ok {
		return st
	}
	rec, err := c.store.Load(fs.Arg(0))
	if err == nil && c.store.Status(rec) != specs.StateRunning {
		err = fmt.Errorf("cannot exec in a container that is not running (%s)", c.store.Status(rec))
	}
	var proc *specs.Process
	if err == nil {
		proc, err = e.processSpec(rec, fs.Args()[1:])
	}
	if err == nil && e.detach {
		err = execDetached(c, &e, rec, proc)
	} else if err == nil {
		c.closer.Close()
		return execForeground(&e, rec, proc, stderr)
	}
	if err != nil {
		return c.fail(err)
	}
	return c.done()
}

// execDetached starts the process as an init of its own (the shim's
// way: --detach, --pid-file) and returns once it runs.
func execDetached(c *ociCommand, e *execOptions, rec *ociruntime.Record, proc *specs.Process) error {
	data, err := json.Marshal(proc)
	if err != nil {
		return err
	}
	dir, err := c.store.Dir(rec.ID)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "exec-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // the init has read it once it is ready
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	s, _, err := ociruntime.Load(rec.Bundle)
	if err == nil {
		err = s.SetProcess(proc)
	}
	if err != nil {
		return err
	}
	cmd, err := spawnInit(c, &e.f, s, "--bundle", rec.Bundle, "--process", tmp.Name(), rec.ID)
	if err != nil {
		return err
	}
	defer cmd.Process.Release() // the shim adopts and waits for it
	return writePidFile(e.f.pidFile, cmd.Process.Pid)
}

// execForeground runs the process in this elfloader.
func execForeground(e *execOptions, rec *ociruntime.Record, proc *specs.Process, stderr io.Writer) int {
	s, _, err := ociruntime.Load(rec.Bundle)
	if err == nil {
		err = s.SetProcess(proc)
	}
	if err == nil {
		err = joinNetns(s)
	}
	if err == nil {
		err = writePidFile(e.f.pidFile, os.Getpid())
	}
	var release func()
	o := &runOptions{}
	if err == nil {
		release, err = bundleTerminal(o, s, e.f.consoleSocket)
	}
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 1
	}
	defer release()
	return runProgram(settingsRunOptions(o, s), s.Args, bundleHooks(s), stderr)
}
