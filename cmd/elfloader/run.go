package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/debug/gdbstub"
	"github.com/elfloader/elfloader/internal/hostfile"
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
	// unsafeNoHostFilter turns off the host's enforcement (Landlock and
	// the seccomp filter on elfloader).
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

	// appStdout, when set, is the app's stdout instead of elfloader's
	// (coverage sends it to stderr when the report goes to stdout).
	appStdout *os.File

	restart      string // --restart: no, on-failure[:N] or always (restart.go)
	restartLimit int    // --restart-limit: restarts in a row
	stopTimeout  int    // --stop-timeout: seconds from SIGTERM to SIGKILL in a shutdown

	// Set by the OCI runtime (oci.go): the bundle's filesystems beyond
	// the volumes, and the process's resource limits, capabilities,
	// no_new_privs and umask (copied into the ExecSpec).
	extraMounts    []container.MountFunc
	runtimeProcess *kernel.ExecSpec
}

// hostConfinement returns what confines every thread that runs app code:
// a Landlock ruleset under which only the :rw volumes (and the terminal)
// are writable on the host. Without Landlock on the host it says so once
// and returns nil; --unsafe-no-host-filter turns it off, loudly.
func (o *runOptions) hostConfinement(log *slog.Logger, stderr io.Writer) (func() error, error) {
	if o.unsafeNoHostFilter {
		fmt.Fprintln(stderr, "elfloader: --unsafe-no-host-filter: the host kernel does not confine app code (no Landlock, no seccomp filter); code that escapes elfloader can do anything elfloader can")
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
	if o.fs.WritableRoot {
		writable = append(writable, o.fs.Root)
	}
	for _, s := range o.fs.Volumes {
		v, err := container.ParseVolume(s)
		if err != nil {
			return nil, err
		}
		if v.Writable {
			writable = append(writable, v.Host)
		}
	}
	// With a network of its own (--net=sandbox, served in elfloader's
	// memory) the app has no business with host TCP. Under --net=none its
	// loopback sockets are the host's, made on the app's own thread: TCP
	// stays allowed there.
	denyTCP := strings.HasPrefix(o.net, "sandbox")
	ll, err := sandbox.NewLandlock(writable, denyTCP)
	if errors.Is(err, sandbox.ErrNoLandlock) {
		fmt.Fprintln(stderr, "elfloader: Landlock is not available on this host kernel: the host does not enforce that only :rw volumes are writable")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	log.Debug("host confinement", "landlock_abi", ll.ABI(), "writable", writable, "host_tcp_denied", ll.DeniesTCP())
	return ll.RestrictThread, nil
}

// installHostFilter puts the seccomp filter on every thread of elfloader
// (sandbox.HostFilter), once the Go runtime and the platform have started
// and before any app code is mapped: from then on the host kernel refuses
// every system call elfloader does not need. --unsafe-no-host-filter
// leaves it off (hostConfinement said so).
func (o *runOptions) installHostFilter(log *slog.Logger, stderr io.Writer) error {
	if o.unsafeNoHostFilter {
		return nil
	}
	maps, err := hostfile.ReadFile("/proc/self/maps")
	if err != nil {
		return fmt.Errorf("host filter: %w", err)
	}
	plat.NoteHostMaps(maps) // the vDSO's mappings, from the same listing
	text, err := sandbox.OwnText(maps)
	if err != nil {
		return fmt.Errorf("host filter: %w", err)
	}
	f, err := sandbox.NewHostFilter(text)
	if err != nil {
		return fmt.Errorf("host filter: %w", err)
	}
	if err := f.Install(); errors.Is(err, sandbox.ErrNoSeccomp) {
		fmt.Fprintln(stderr, "elfloader: seccomp is not available on this host kernel: the host does not limit the system calls of elfloader")
		return nil
	} else if err != nil {
		return fmt.Errorf("host filter: %w (--unsafe-no-host-filter runs without it)", err)
	}
	log.Debug("host confinement", "seccomp", "installed on every thread", "allowed_calls", f.AllowedCalls(),
		"bpf_instructions", f.Instructions(), "own_code_ranges", len(f.Text))
	return nil
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
	// ready, when set, is called once everything is prepared, just before
	// the program starts (the OCI runtime's init checks the program and
	// waits there for start); an error ends the run as a failed exec.
	ready func(root *vfs.VFS, spec *kernel.ExecSpec) error
}

// runProgram runs argv under a new kernel and returns the exit status to
// use for elfloader itself. The app runs again from a fresh state when it
// asks with reboot(2) or the --restart policy says so (restart.go).
func runProgram(o *runOptions, argv []string, h hooks, stderr io.Writer) int {
	policy, err := parseRestartPolicy(o.restart, o.restartLimit)
	if err == nil && o.stopTimeout < 0 {
		err = fmt.Errorf("--stop-timeout %d: want 0 or more seconds", o.stopTimeout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return flagErrorStatus
	}
	if o.gdb.addr != "" {
		o.rewrite = "off" // breakpoints and single steps need every site as the app wrote it
	}
	// The terminals' modes are restored however the run ends, also by a
	// panic in this goroutine (task goroutines recover theirs).
	terminals, controllingTerminal := saveTerminals()
	restore := sync.OnceFunc(func() { restoreTerminals(terminals) })
	defer restore()
	// Signals sent to elfloader go to the app, as they would to the
	// program run natively. The forwarding starts first, as it takes a
	// while; the app waits for it (fwd.waitReady).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fwd := startSignalForwarding(ctx, controllingTerminal)
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.debug {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	threadSetup, err := o.hostConfinement(log, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %v\n", err)
		return 125
	}
	// The host filter goes on once, before the first boot's kernel: every
	// boot after it (reboot(2), --restart) runs under it too. Reading
	// /proc/self/maps, building the program and installing it take most
	// of a millisecond, which the first boot's root filesystem overlaps
	// (booter.hostFilter waits for it).
	filterErr := make(chan error, 1)
	go func() { filterErr <- o.installHostFilter(log, stderr) }()
	b := &booter{o: o, argv: argv, rp: rp, tb: tb, stub: stub, log: log, threadSetup: threadSetup, fwd: fwd, stderr: stderr, ready: h.ready, hostFilter: filterErr}
	rs := &restarter{policy: policy}
	fwd.waitReady()
	var status int
	for {
		if sig := fwd.stoppedWhileIdle(); sig != 0 {
			status = 128 + int(sig) // as if the app had been killed by it
			break
		}
		end, done := b.boot(ctx)
		if done {
			status = end.status
			break
		}
		again, st, note := rs.next(end)
		if note != "" {
			fmt.Fprintf(stderr, "elfloader: %s\n", note)
		}
		if !again {
			status = st
			break
		}
		b.clear()
	}
	if stub != nil {
		stub.ProcessExited()
	}
	if sp, ok := rp.plat.(plat.Spares); ok {
		sp.DropSpares()
	}
	restore()
	o.recordFastPath(rp.stats())
	if rp.rewriter != nil && (o.trace || o.traceFile != "" || os.Getenv("ELFLOADER_STATS") != "") {
		st := rp.stats()
		pass := ""
		if st.PassCalls > 0 {
			pass = fmt.Sprintf("; %d served without the kernel (pass-through)", st.PassCalls)
		}
		fmt.Fprintf(stderr, "elfloader: fast path (--rewrite=%s): %d sites rewritten (%d stones, %d windows), %d refused; %d calls through rewritten sites, %d trapped%s\n",
			o.rewrite, st.Sites, st.Stones, st.Windows, st.Refused, st.FastCalls, st.TrappedCalls, pass)
	}
	if h.finish != nil && !b.failed {
		h.finish(status)
	}
	return status
}

// passThrough says whether the platform may serve calls on host
// descriptors without the kernel (kernel.Config.PassThrough): not when
// every call must be seen (trace, coverage, a profile) or stopped at (gdb),
// nor with ELFLOADER_PASSTHROUGH=0 (for comparisons).
func (b *booter) passThrough() bool {
	return os.Getenv("ELFLOADER_PASSTHROUGH") != "0" && !b.tb.SeesEveryCall() && b.stub == nil
}

// shutdownGrace is --stop-timeout as kernel.Config wants it.
func (o *runOptions) shutdownGrace() time.Duration {
	if o.stopTimeout == 0 {
		return -1 // SIGKILL at once
	}
	return time.Duration(o.stopTimeout) * time.Second
}

// booter starts the app on a fresh kernel, once per boot: a new root
// filesystem (the in-memory overlay starts empty; volumes are the host's
// and keep what was written), new processes, new kernel state. The
// platform, syscall table and terminal stay.
type booter struct {
	o           *runOptions
	argv        []string
	rp          runPlatform
	tb          *shim.Table
	stub        *gdbstub.Stub
	last        *kernel.Kernel // the kernel of the last boot
	log         *slog.Logger
	threadSetup func() error
	fwd         *signalForwarder
	stderr      io.Writer
	failed      bool // elfloader could not boot the app, or failed inside
	// ready, when set, runs once before the first boot's app starts
	// (the OCI runtime's create waits for it).
	ready func(root *vfs.VFS, spec *kernel.ExecSpec) error
	// hostFilter, until the first boot took it, gives the result of
	// installing the host filter, which is on before the kernel starts
	// (nothing maps app code before).
	hostFilter <-chan error
}

// boot runs the app once. done is true when elfloader must exit with
// end.status whatever the restart policy (the app could not be started,
// an internal error); otherwise end says how the run ended.
func (b *booter) boot(ctx context.Context) (end bootEnd, done bool) {
	o, stderr := b.o, b.stderr
	fail := func(status int, err error) (bootEnd, bool) {
		fmt.Fprintf(stderr, "elfloader: %v\n", oneLine(err))
		b.failed = true
		return bootEnd{status: status}, true
	}
	host := o.hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	var mounts container.MountTable
	root, workdir, err := container.BuildRoot(&o.fs, &mounts, o.extraMounts...)
	if err != nil {
		return fail(125, err)
	}
	env, cred, err := o.appIdentity(root)
	if err != nil {
		return fail(125, err)
	}
	progPath, err := container.FindProgram(root, workdir, cred, b.argv[0], env, o.image == nil)
	if err != nil {
		var le *kernel.LoadError
		if errors.As(err, &le) {
			return fail(exitStatusFor(err), err)
		}
		return fail(125, err)
	}
	netMode, sandboxNet, err := o.network(root, host, stderr)
	if err != nil {
		if errors.As(err, new(usageError)) {
			return fail(2, err)
		}
		return fail(125, err)
	}
	if sandboxNet != nil {
		// The app's network lives as long as this boot.
		defer sandboxNet.Close()
	}
	if b.hostFilter != nil {
		err := <-b.hostFilter
		b.hostFilter = nil
		if err != nil {
			return fail(125, err)
		}
	}
	k, err := kernel.New(kernel.Config{
		Log:            b.log,
		IgnoredSignals: ignoredAtStart(),
		ThreadSetup:    b.threadSetup,
		Net:            netMode,
		Sandbox:        sandboxNet,
		Rewriter:       b.rp.rewriterConfig(),
		PassThrough:    b.passThrough(),
		Debugger:       debugger(b.stub),
		Tracer:         kernelTracer(b.tb),
		VFS:            root,
		Platform:       b.rp.plat, Syscalls: b.tb,
		Stdin: o.stdio(os.Stdin, 0), Stdout: o.stdio(cmp.Or(o.appStdout, os.Stdout), 1), Stderr: o.stdio(os.Stderr, 2),
		Report: stderr, Hostname: host,
		Mounts:           mounts.List,
		ShutdownGrace:    o.shutdownGrace(),
		FirstProcessStop: stopWithFirstProcess,
	})
	if err == nil {
		err = container.MountKernelFS(root, k, &mounts)
	}
	if err == nil {
		container.Seal(root, &o.fs, &mounts)
	}
	if err != nil {
		return fail(125, err)
	}
	spec := kernel.ExecSpec{Path: progPath, Argv: b.argv, Envp: env, Workdir: workdir}
	if rp := o.runtimeProcess; rp != nil {
		spec.Rlimits, spec.Capabilities, spec.NoNewPrivs, spec.Umask = rp.Rlimits, rp.Capabilities, rp.NoNewPrivs, rp.Umask
	}
	if o.image != nil || o.user != "" {
		spec.Cred = &cred
	}
	// The OCI runtime's init says it is ready once, before the first boot.
	if ready := b.ready; ready != nil {
		b.ready = nil
		if err := ready(root, &spec); err != nil {
			return fail(exitStatusFor(err), err)
		}
	}
	b.fwd.attach(k)
	status, err := k.Run(ctx, spec)
	stopped := b.fwd.detach()
	if ie := (*kernel.InternalError)(nil); errors.As(err, &ie) {
		ie.Report(stderr)
		b.failed = true
		return bootEnd{status: kernel.InternalErrorStatus}, true
	}
	if err != nil {
		return fail(exitStatusFor(err), err)
	}
	b.last = k
	end = bootEnd{status: status, stoppedByUser: stopped}
	if ev, ok := k.PowerEvent(); ok {
		end.power = &ev
	}
	return end, false
}

// clear ends what is left of the last boot before the next one: when the
// first process ended on its own, as when a pid namespace's init dies,
// whatever else still runs is killed.
func (b *booter) clear() {
	if b.last != nil {
		b.last.KillAll()
		b.last = nil
	}
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
	var bundle ociFlags
	bundle.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader run [flags] PROGRAM [ARGS...]
       elfloader run [flags] APP.img [ARGS...]
       elfloader run --bundle DIR [-d] ID   (OCI runtime, as runc run)

Loads PROGRAM (a Linux x86-64 ELF executable or a "#!" script) itself and
runs it, serving every system call from elfloader's kernel. A PROGRAM without
a slash is searched in the app's PATH, inside the app's filesystem, as
execvp does. The exit status is the program's, or 128+N when signal N killed
it; 127 when PROGRAM does not exist, 126 when it cannot be run (no execute
permission, not an ELF file or script). elfloader's own messages on stderr
start with "elfloader:". Signals sent to elfloader are passed to the program.
The program's reboot(2) is the unikernel's power button: power-off and halt
end every process (SIGTERM, --stop-timeout, SIGKILL) and elfloader exits 0;
restart starts the program again from a fresh state, as --restart does
after it exits (docs/reboot.md).
APP.img, an image made by "elfloader pack", runs on its own root filesystem
with its entrypoint, command, environment and working directory.

Flags:
`)
		printVisibleDefaults(fs)
	}
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if o.needsFull() {
		return execFull("--net=sandbox", stderr)
	}
	if bundle.bundle != "" {
		return runBundle(g, &o, &bundle, fs.Args(), stderr)
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
