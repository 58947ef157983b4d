package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/sandbox"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// runOptions are the flags shared by every command that runs a program
// (run, coverage).
type runOptions struct {
	trace       bool
	traceFile   string
	platform    string
	hostname    string
	envs        multiFlag
	fs          container.FS
	envFiles    multiFlag // --env-file
	interactive bool      // -i: keep stdin attached when detached
	tty         bool      // -t: give the app a terminal
	name        string    // --name of a detached app
	detach      bool      // -d: run in the background
	rm          bool      // --rm: remove a detached app's state when it exits
	user        string    // --user: the app's user (uid[:gid] or name[:group])
	entrypoint  *string   // --entrypoint: the program to run instead of the image's
	net         string
	sandboxNet  sandboxNetOptions // -p/--publish, --pcap, --pcap-filter (netsandbox.go)
	rewrite     string
	debug       bool // --debug: log elfloader's own decisions
	// unsafeNoHostFilter turns off the host's enforcement (Landlock).
	unsafeNoHostFilter bool
	// rewriteSet: --rewrite was given (the isolated platform refuses it).
	rewriteSet bool
	fastStats  plat.RewriteStats // counters of the last run

	profile       string    // --profile: serve only what this profile allows
	profileAction string    // --profile-action: enosys or kill
	coverageOut   string    // hidden --coverage-out: write the run's coverage JSON here
	overrides     multiFlag // hidden --override: answer calls with ENOSYS or 0 (explore)

	image *container.App // set when PROGRAM is an elfloader image (image.go)
	term  *os.File       // with --tty: the pseudo-terminal the app gets as fds 0-2

	gdb gdbOptions // --gdb, --gdb-wait (gdb.go; run only)
}

// hostConfinement returns what confines every thread that runs app code:
// a Landlock ruleset under which only the :rw volumes (and the terminal)
// are writable on the host. Without Landlock on the host it says so once
// and returns nil; --unsafe-no-host-filter turns it off, loudly.
func (o *runOptions) hostConfinement(log *slog.Logger, stderr io.Writer) (func() error, error) {
	if o.unsafeNoHostFilter {
		fmt.Fprintln(stderr, "elfloader: --unsafe-no-host-filter: the host kernel does not confine app code; code that escapes elfloader can write anywhere elfloader can")
		return nil, nil
	}
	if o.platform == "isolated" {
		// App code runs in stub processes whose seccomp filter allows no
		// filesystem call at all; elfloader's own threads must stay able
		// to reach the stubs (process_vm_readv/writev), which a Landlock
		// domain would forbid towards processes outside it.
		log.Debug("host confinement", "landlock", "not needed: the isolated platform's stubs make no filesystem calls")
		return nil, nil
	}
	var writable []string
	for _, s := range o.fs.Volumes {
		v, err := container.ParseVolume(s)
		if err != nil {
			return nil, err
		}
		if v.Writable {
			writable = append(writable, v.Host)
		}
	}
	ll, err := sandbox.NewLandlock(writable)
	if errors.Is(err, sandbox.ErrNoLandlock) {
		fmt.Fprintln(stderr, "elfloader: Landlock is not available on this host kernel: the host does not enforce that only :rw volumes are writable")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	log.Debug("host confinement", "landlock_abi", ll.ABI(), "writable", writable)
	return ll.RestrictThread, nil
}

// hooks lets a command observe or filter the syscalls of a run.
type hooks struct {
	observer shim.Observer
	filter   shim.Filter
	override shim.Override
	// prepare, when set, sees the complete syscall table before the run.
	prepare func(tb *shim.Table)
	// finish, when set, is called with the run's status once it ended.
	finish func(status int)
}

// runProgram runs argv under a new kernel and returns the exit status to
// use for elfloader itself.
func runProgram(o *runOptions, argv []string, h hooks, stderr io.Writer) int {
	if o.gdb.addr != "" {
		o.rewrite = "off" // breakpoints and single steps need every site as the app wrote it
	}
	rp, code := o.openPlatform(stderr)
	if code != 0 {
		return code
	}
	stub, err := o.gdb.start(rp.plat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 2
	}
	if stub != nil {
		defer stub.Close()
	}
	tb := newSyscallTable()
	if err := o.addCoverageHooks(&h, argv, stderr); err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 2
	}
	if h.prepare != nil {
		h.prepare(tb)
	}
	if o.trace || o.traceFile != "" {
		var w io.Writer = stderr
		if o.traceFile != "" {
			f, err := os.Create(o.traceFile)
			if err != nil {
				fmt.Fprintf(stderr, "elfloader: %v\n", err)
				return 125
			}
			defer f.Close()
			w = f
		}
		tb.SetTrace(w)
	}
	if h.observer != nil {
		tb.SetObserver(h.observer)
	}
	if h.filter != nil {
		tb.SetFilter(h.filter)
	}
	if h.override != nil {
		tb.SetOverride(h.override)
	}
	host := o.hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	var mounts container.MountTable
	root, workdir, err := container.BuildRoot(&o.fs, &mounts)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	env, cred, err := o.appIdentity(root)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	progPath, err := container.FindProgram(root, workdir, cred, argv[0], env, o.image == nil)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", oneLine(err))
		var le *kernel.LoadError
		if errors.As(err, &le) {
			return exitStatusFor(err)
		}
		return 125
	}
	netMode, sandboxNet, err := o.network()
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		if errors.As(err, new(usageError)) {
			return 2
		}
		return 125
	}
	if sandboxNet != nil {
		defer sandboxNet.Close()
		if err := sandboxEtc(root, host, sandboxNet.Outbound()); err != nil {
			fmt.Fprintf(stderr, "elfloader: %v (the app sees the root's own files)\n", err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.debug {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	threadSetup, err := o.hostConfinement(log, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	k, err := kernel.New(kernel.Config{
		Log:         log,
		ThreadSetup: threadSetup,
		Net:         netMode,
		Sandbox:     sandboxNet,
		Rewriter:    rp.rewriterConfig(),
		Debugger:    debugger(stub),
		Tracer:      kernelTracer(tb),
		VFS:         root,
		Platform:    rp.plat, Syscalls: tb,
		Stdin: o.stdio(os.Stdin, 0), Stdout: o.stdio(os.Stdout, 1), Stderr: o.stdio(os.Stderr, 2),
		Report: stderr, Hostname: host,
		Mounts: mounts.List,
	})
	if err == nil {
		err = container.MountKernelFS(root, k, &mounts)
	}
	if err == nil {
		container.Seal(root, &o.fs, &mounts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	spec := kernel.ExecSpec{Path: progPath, Argv: argv, Envp: env, Workdir: workdir}
	if o.image != nil || o.user != "" {
		spec.Cred = &cred
	}
	// The terminals' modes are restored however the run ends, also by a
	// panic in this goroutine (task goroutines recover theirs).
	terminals, controllingTerminal := saveTerminals()
	restore := sync.OnceFunc(func() { restoreTerminals(terminals) })
	defer restore()
	// Signals sent to elfloader go to the app, as they would to the
	// program run natively.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGALRM, syscall.SIGCONT, syscall.SIGTSTP)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer k.RecoverInternal("signal forwarding")
		for {
			select {
			case s := <-sigs:
				forwardSignal(k, s.(syscall.Signal), controllingTerminal)
			case <-ctx.Done():
				return
			}
		}
	}()
	status, err := k.Run(ctx, spec)
	if stub != nil {
		stub.ProcessExited()
	}
	restore()
	o.recordFastPath(rp.stats())
	if rp.rewriter != nil && (o.trace || o.traceFile != "" || os.Getenv("ELFLOADER_STATS") != "") {
		st := rp.stats()
		fmt.Fprintf(stderr, "elfloader: fast path (--rewrite=%s): %d sites rewritten, %d refused; %d calls through rewritten sites, %d trapped\n",
			o.rewrite, st.Sites, st.Refused, st.FastCalls, st.TrappedCalls)
	}
	if ie := (*kernel.InternalError)(nil); errors.As(err, &ie) {
		ie.Report(stderr)
		return kernel.InternalErrorStatus
	}
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", oneLine(err))
		return exitStatusFor(err)
	}
	if h.finish != nil {
		h.finish(status)
	}
	return status
}

// appIdentity is the app's environment and user: the image's, or
// elfloader's own environment with the --env overrides and the --user
// resolved in the app's /etc/passwd (elfloader's user by default).
func (o *runOptions) appIdentity(root *vfs.VFS) ([]string, vfs.Cred, error) {
	if o.image != nil {
		return o.image.Env, o.image.Cred, nil
	}
	env := container.WithEnv(os.Environ(), o.envs)
	if o.user == "" {
		return env, vfs.Cred{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}, nil
	}
	cred, _, err := container.ResolveUser(root.NewContext(), o.user)
	if err != nil {
		return nil, vfs.Cred{}, fmt.Errorf("--user: %w", err)
	}
	return env, cred, nil
}

// recordFastPath keeps the fast path's counters of the last run for
// reports (coverage).
func (o *runOptions) recordFastPath(st plat.RewriteStats) { o.fastStats = st }

func cmdRun(g *globalOptions, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run")
	fs.SetOutput(stderr)
	var o runOptions
	o.register(fs)
	o.gdb.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader run [flags] PROGRAM [ARGS...]
       elfloader run [flags] APP.img [ARGS...]

Loads PROGRAM (a Linux x86-64 ELF executable or a "#!" script) itself and
runs it, serving every system call from elfloader's kernel. A PROGRAM without
a slash is searched in the app's PATH, inside the app's filesystem, as
execvp does. The exit status is the program's, or 128+N when signal N killed
it; 127 when PROGRAM does not exist, 126 when it cannot be run (no execute
permission, not an ELF file or script). elfloader's own messages on stderr
start with "elfloader:". Signals sent to elfloader are passed to the program.
APP.img, an image made by "elfloader pack", runs on its own root filesystem
with its entrypoint, command, environment and working directory.

Flags:
`)
		printVisibleDefaults(fs)
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "elfloader run: give a PROGRAM or an APP.img (see elfloader run --help)\n")
		return flagErrorStatus
	}
	for _, p := range o.envFiles {
		env, err := readEnvFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			return flagErrorStatus
		}
		o.envs = append(env, o.envs...)
	}
	if o.detach {
		return runDetached(g, &o, args, fs.Args(), stdout, stderr)
	}
	return runForeground(&o, fs.Args(), stderr)
}

// runForeground runs PROGRAM or APP.img with its arguments.
func runForeground(o *runOptions, operands []string, stderr io.Writer) int {
	if o.tty {
		release, err := o.attachTerminal()
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: --tty: %v\n", err)
			return 125
		}
		defer release()
	}
	if container.LooksLikeImage(operands[0]) {
		return runImage(o, operands, stderr)
	}
	argv := operands
	if o.entrypoint != nil && *o.entrypoint != "" {
		argv = append([]string{*o.entrypoint}, argv...)
	}
	return runProgram(o, argv, hooks{}, stderr)
}

// oneLine keeps an error message to its first line.
func oneLine(err error) string {
	s := err.Error()
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// exitStatusFor is the status `elfloader run` exits with when the program
// cannot be started, as shells and container engines report it: 127 for a
// program that does not exist, 126 for one that cannot be run.
func exitStatusFor(err error) int {
	var le *kernel.LoadError
	if errors.As(err, &le) && le.Missing() {
		return 127
	}
	return 126
}

// kernelTracer returns the table's tracer as the kernel's, or nil.
func kernelTracer(tb *shim.Table) kernel.Tracer {
	if tr := tb.Tracer(); tr != nil {
		return tr
	}
	return nil
}
