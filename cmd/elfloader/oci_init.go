package main

// The container's init (the hidden "init" command): create starts it in a
// session of its own with a pipe on fd 3; it prepares the whole run, says
// it is ready on the pipe and waits on exec.fifo for start (an exec's init
// runs at once).

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/container/ociruntime"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// ociInitCommand is the hidden command of a container's init.
const ociInitCommand = "init"

// readyMarker ends what the init sends create once it waits for start;
// anything before it is warnings, and without it the init failed.
const readyMarker = "\x00elfloader-init-ready\n"

// initSyncEnv tells the init that fd 3 is its pipe to create.
const initSyncEnv = "ELFLOADER_OCI_INIT_SYNC"

// spawnInit starts `elfloader init INITARGS` in a session of its own, on
// the terminal the process asks for (its master sent to the console
// socket once the init is ready), and waits until the init is ready.
func spawnInit(c *ociCommand, f *ociFlags, s *ociruntime.Settings, initArgs ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	syncR, syncW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer syncR.Close()
	cmd := exec.Command(self, append([]string{"--root", c.store.Root, ociInitCommand}, initArgs...)...)
	cmd.ExtraFiles = []*os.File{syncW} // fd 3
	cmd.Env = append(os.Environ(), initSyncEnv+"=3")
	if s.NetworkNamespace != "" {
		cmd.Env = append(cmd.Env, ociruntime.NetnsEnv+"="+s.NetworkNamespace)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	master, err := giveTerminal(cmd, s.Terminal, f.consoleSocket)
	if err != nil {
		syncW.Close()
		return nil, err
	}
	err = cmd.Start()
	syncW.Close()
	if master != nil {
		closeTerminal(cmd)
		defer master.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("starting the container's init: %w", err)
	}
	if err := awaitInit(c, cmd, syncR); err != nil {
		return nil, err
	}
	if master != nil {
		if err := ociruntime.SendConsole(f.consoleSocket, master); err != nil {
			unix.Kill(cmd.Process.Pid, unix.SIGKILL)
			return nil, err
		}
	}
	return cmd, nil
}

// giveTerminal makes a pseudo-terminal the init's stdin, stdout, stderr
// and controlling terminal when the process asks for a terminal, and
// returns its master (for the console socket).
func giveTerminal(cmd *exec.Cmd, terminal bool, consoleSocket string) (*os.File, error) {
	if !terminal {
		if consoleSocket != "" {
			return nil, fmt.Errorf("--console-socket is given but process.terminal is false")
		}
		return nil, nil
	}
	if consoleSocket == "" {
		return nil, fmt.Errorf("process.terminal is true: --console-socket is required")
	}
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("terminal: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr.Setctty, cmd.SysProcAttr.Ctty = true, 0
	return master, nil
}

// closeTerminal closes create's copy of the terminal's slave.
func closeTerminal(cmd *exec.Cmd) {
	if f, ok := cmd.Stdin.(*os.File); ok {
		f.Close()
	}
}

// awaitInit reads what the init says until it is ready; without the ready
// marker, the init failed, and its messages are the error.
func awaitInit(c *ociCommand, cmd *exec.Cmd, syncR *os.File) error {
	out, _ := io.ReadAll(syncR)
	msg, ready := bytes.CutSuffix(out, []byte(readyMarker))
	for _, line := range strings.Split(strings.TrimSpace(string(msg)), "\n") {
		if line = strings.TrimPrefix(line, "elfloader: "); line != "" && ready {
			c.log.Warn(line)
		}
	}
	if ready {
		return nil
	}
	cmd.Wait()
	text := strings.TrimSpace(strings.ReplaceAll(string(msg), "elfloader: ", ""))
	if text == "" {
		text = "the container's init " + cmd.ProcessState.String()
	}
	return fmt.Errorf("%s", text)
}

// cmdOCIInit is the container's init: it prepares the run, tells create
// it is ready (fd 3), waits for start and runs the app; its exit status
// is the app's.
func cmdOCIInit(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(ociInitCommand)
	fs.SetOutput(stderr)
	bundle := fs.String("bundle", "", "the bundle")
	process := fs.String("process", "", "exec: the process.json to run instead of the bundle's process (no wait for start)")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	var st unix.Stat_t
	if os.Getenv(initSyncEnv) != "3" || unix.Fstat(3, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "elfloader init: the container's init, started by create only")
		return flagErrorStatus
	}
	os.Unsetenv(initSyncEnv)
	unix.CloseOnExec(3) // no helper process of the run may hold create's pipe open
	syncW := os.NewFile(3, "init-sync")
	id := fs.Arg(0)
	early := &switchWriter{w: syncW}
	s, err := loadInitSettings(*bundle, *process)
	if err != nil {
		fmt.Fprintf(early, "elfloader: %v\n", err)
		return 1
	}
	o := settingsRunOptions(&runOptions{}, s)
	store := ociruntime.Store{Root: g.stateRoot()}
	ready := func(root *vfs.VFS, spec *kernel.ExecSpec) error {
		if err := container.CheckProgram(root, spec.Workdir, *spec.Cred, spec.Path); err != nil {
			return err
		}
		io.WriteString(syncW, readyMarker)
		syncW.Close()
		early.set(stderr)
		if *process == "" {
			waitForStart(store, id)
		}
		return nil
	}
	h := bundleHooks(s)
	h.ready = ready
	return runProgram(o, s.Args, h, early)
}

// bundleHooks are the hooks of a bundle's run: its seccomp profile.
func bundleHooks(s *ociruntime.Settings) hooks {
	var h hooks
	if s.Seccomp != nil {
		h.override = s.Seccomp
	}
	return h
}

// loadInitSettings loads the bundle, with the process of process.json
// when one is given (exec).
func loadInitSettings(bundle, process string) (*ociruntime.Settings, error) {
	s, _, err := ociruntime.Load(bundle)
	if err != nil || process == "" {
		return s, err
	}
	p, err := ociruntime.LoadProcess(process)
	if err == nil {
		err = s.SetProcess(p)
	}
	return s, err
}

// waitForStart blocks until start; a signal sent before (kill of a
// created container) ends the init as it would the app.
func waitForStart(store ociruntime.Store, id string) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
	defer signal.Stop(sigs)
	started := make(chan error, 1)
	go func() { started <- store.WaitStart(id) }()
	select {
	case err := <-started:
		if err != nil {
			fmt.Fprintf(os.Stderr, "elfloader: %v\n", err)
			os.Exit(125)
		}
	case s := <-sigs:
		sig := s.(syscall.Signal)
		signal.Reset(sig)
		unix.Kill(os.Getpid(), sig)
		time.Sleep(time.Second) // the default action ends the process
		os.Exit(128 + int(sig))
	}
}

// switchWriter writes to w, which can be replaced: the init's messages go
// to create until the init is ready, then to the container's stderr.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// settingsRunOptions applies a bundle's settings to o: the bundle's
// process is run like an image's (its own environment and user).
func settingsRunOptions(o *runOptions, s *ociruntime.Settings) *runOptions {
	if o.platform == "" || s.Platform != "" {
		o.platform = s.Platform
	}
	if o.rewrite == "" {
		o.rewrite = "lazy"
	}
	o.net = "host"
	if s.NoNetwork {
		o.net = "none"
	}
	o.hostname, o.extraMounts = s.Hostname, s.Mounts
	o.runtimeProcess = &kernel.ExecSpec{Rlimits: s.Rlimits, Capabilities: s.Capabilities, NoNewPrivs: s.NoNewPrivs, Umask: s.Umask}
	o.fs = container.FS{Root: s.Rootfs, Volumes: s.Volumes, Workdir: s.Cwd, ReadOnly: s.ReadOnly, WritableRoot: !s.ReadOnly}
	o.image = &container.App{Argv: s.Args, Env: s.Env, Cred: s.Cred, Workdir: s.Cwd}
	o.envs, o.user = nil, ""
	return o
}
