package integration

// elfloader as an OCI runtime (runc's command line): driven directly on a
// bundle, and by Debian's containerd through its runc shim
// (`ctr run --runc-binary elfloader`). containerd runs with its own root,
// state, socket and config, no CRI plugin and no CNI, and is always
// stopped.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/tests/testbin"
)

// ociTimeout bounds each containerd and ctr command.
const ociTimeout = 2 * testTimeout

// ociPlatformAnnotation chooses elfloader's platform for a container.
const ociPlatformAnnotation = "org.elfloader.platform"

// ociBundle writes a bundle whose root holds busybox and whose process
// runs args.
func ociBundle(t *testing.T, args []string, edit func(*specs.Spec)) string {
	t.Helper()
	bb := requireBusybox(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "rootfs", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "echo", "sleep", "cat", "hostname", "id", "grep", "ls", "pwd", "nc"} {
		if err := os.Symlink("busybox", filepath.Join(bin, applet)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tmp", "etc", "data"} {
		if err := os.Mkdir(filepath.Join(dir, "rootfs", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	spec := specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{Args: args, Cwd: "/", Env: []string{"PATH=/bin", "GREETING=hello"},
			Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 123, Hard: 456}}},
		Hostname:    "oci-test",
		Linux:       &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.NetworkNamespace}, {Type: specs.UTSNamespace}, {Type: specs.PIDNamespace}}},
		Annotations: map[string]string{ociPlatformAnnotation: testbin.Platform()},
	}
	if edit != nil {
		edit(&spec)
	}
	cfg, _ := json.Marshal(spec)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ociRuntime runs elfloader's OCI commands with a root and log of its own.
type ociRuntime struct {
	t        *testing.T
	root     string
	log      string
	elfload  string
	bundle   string
	pidFile  string
	stdout   *os.File // the container's stdout and stderr
	stdoutAt string
}

func newOCIRuntime(t *testing.T, bundle string) *ociRuntime {
	dir := t.TempDir()
	out := filepath.Join(dir, "stdout")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r := &ociRuntime{t: t, root: filepath.Join(dir, "root"), log: filepath.Join(dir, "log.json"),
		elfload: testbin.Elfloader(t), bundle: bundle, pidFile: filepath.Join(dir, "pid"), stdout: f, stdoutAt: out}
	// A container a failed test left behind is killed with its state.
	t.Cleanup(func() {
		entries, _ := os.ReadDir(r.root)
		for _, e := range entries {
			exec.Command(r.elfload, "--root", r.root, "delete", "--force", e.Name()).Run()
		}
	})
	return r
}

// run runs `elfloader --root R --log L --log-format json ARGS...`.
func (r *ociRuntime) run(args ...string) (string, int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ociTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.elfload, append([]string{"--root", r.root, "--log", r.log, "--log-format", "json"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = r.stdout, r.stdout
	if args[0] == "state" {
		cmd.Stdout = &out
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		r.t.Fatalf("elfloader %v: %v", args, err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// state returns the container's status and pid.
func (r *ociRuntime) state(id string) (string, int) {
	r.t.Helper()
	out, status := r.run("state", id)
	if status != 0 {
		r.t.Fatalf("state %s: status %d; log:\n%s", id, status, r.logText())
	}
	var st struct {
		ID, Status, Bundle string
		Pid                int
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		r.t.Fatalf("state %s: %v\n%s", id, err, out)
	}
	if st.ID != id || st.Bundle != r.bundle {
		r.t.Errorf("state %s: id %q bundle %q, want %q", id, st.ID, st.Bundle, r.bundle)
	}
	return st.Status, st.Pid
}

func (r *ociRuntime) logText() string {
	data, _ := os.ReadFile(r.log)
	return string(data)
}

func (r *ociRuntime) output() string {
	data, _ := os.ReadFile(r.stdoutAt)
	return string(data)
}

// becomeSubreaper makes the test process adopt the orphaned container init
// (as containerd's shim does), for the length of the test.
func becomeSubreaper(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
}

// waitPid reaps pid (bounded) and returns its status as a shell shows it.
func waitPid(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(ociTimeout)
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if err != nil {
			t.Fatalf("wait4 %d: %v", pid, err)
		}
		if got == pid {
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		}
		if time.Now().After(deadline) {
			unix.Kill(pid, unix.SIGKILL)
			t.Fatalf("container init %d still runs after %v", pid, ociTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOCIBundleLifecycle drives create, state, start, kill and delete on a
// bundle as containerd's shim does, without containerd.
func TestOCIBundleLifecycle(t *testing.T) {
	becomeSubreaper(t)
	script := `echo "$GREETING from $(hostname)"; ulimit -n; ulimit -Hn; id; echo kept > /kept; echo ready; exec sleep 1000`
	r := newOCIRuntime(t, ociBundle(t, []string{"sh", "-c", script}, nil))
	if _, st := r.run("create", "--bundle", r.bundle, "--pid-file", r.pidFile, "c1"); st != 0 {
		t.Fatalf("create: status %d\n%s\nlog:\n%s", st, r.output(), r.logText())
	}
	data, err := os.ReadFile(r.pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(data))
	if status, statePid := r.state("c1"); status != "created" || statePid != pid {
		t.Fatalf("after create: status %q pid %d, want created and the pid file's %d", status, statePid, pid)
	}
	if out := r.output(); out != "" {
		t.Fatalf("the app ran before start:\n%s", out)
	}
	if _, st := r.run("start", "c1"); st != 0 {
		t.Fatalf("start: status %d\n%s\nlog:\n%s", st, r.output(), r.logText())
	}
	waitFor(t, "the app's output", func() bool { return strings.Contains(r.output(), "ready\n") })
	want := "hello from oci-test\n123\n456\nuid=0 gid=0\nready\n"
	if got := r.output(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if status, _ := r.state("c1"); status != "running" {
		t.Errorf("after start: status %q, want running", status)
	}
	// The root is the container's own: the app's writes land in it.
	if data, err := os.ReadFile(filepath.Join(r.bundle, "rootfs", "kept")); err != nil || string(data) != "kept\n" {
		t.Errorf("the app's /kept in the bundle's rootfs: %q %v", data, err)
	}
	if _, st := r.run("delete", "c1"); st == 0 {
		t.Errorf("delete of a running container succeeded")
	}
	// exec: a process over the container's root, in the foreground and
	// detached (as the shim runs it: --detach --pid-file).
	before := len(r.output())
	if _, st := r.run("exec", "c1", "sh", "-c", `cat /kept; echo "$GREETING again"; exit 4`); st != 4 {
		t.Errorf("exec: status %d, want 4\nlog:\n%s", st, r.logText())
	}
	if got := r.output()[before:]; got != "kept\nhello again\n" {
		t.Errorf("exec output %q", got)
	}
	execPid := filepath.Join(t.TempDir(), "exec.pid")
	if _, st := r.run("exec", "--detach", "--pid-file", execPid, "c1", "sh", "-c", "echo detached > /from-exec"); st != 0 {
		t.Fatalf("exec --detach: status %d\nlog:\n%s", st, r.logText())
	}
	data, _ = os.ReadFile(execPid)
	ep, _ := strconv.Atoi(string(data))
	if st := waitPid(t, ep); st != 0 {
		t.Errorf("detached exec: status %d", st)
	}
	if data, err := os.ReadFile(filepath.Join(r.bundle, "rootfs", "from-exec")); string(data) != "detached\n" {
		t.Errorf("the detached exec's file: %q %v", data, err)
	}
	if _, st := r.run("kill", "c1", "TERM"); st != 0 {
		t.Fatalf("kill: status %d\nlog:\n%s", st, r.logText())
	}
	if st := waitPid(t, pid); st != 128+int(unix.SIGTERM) {
		t.Errorf("init exit status %d, want %d", st, 128+int(unix.SIGTERM))
	}
	if status, _ := r.state("c1"); status != "stopped" {
		t.Errorf("after kill: status %q, want stopped", status)
	}
	if _, st := r.run("kill", "c1", "KILL"); st == 0 || !strings.Contains(r.logText(), "container not running") {
		t.Errorf("kill of a stopped container: status %d; log:\n%s", st, r.logText())
	}
	if _, st := r.run("delete", "c1"); st != 0 {
		t.Fatalf("delete: status %d\nlog:\n%s", st, r.logText())
	}
	if _, st := r.run("state", "c1"); st == 0 || !strings.Contains(r.logText(), "does not exist") {
		t.Errorf("state after delete: status %d; log:\n%s", st, r.logText())
	}
	if !strings.Contains(r.logText(), `"level":"warning","msg":"linux.namespaces: pid: not created`) {
		t.Errorf("the log does not report the pid namespace:\n%s", r.logText())
	}
}

// TestOCIBundleCreateErrors: a process that cannot start fails create, with
// the reason as the runtime log's last error (where the shim reads it), and
// leaves no state.
func TestOCIBundleCreateErrors(t *testing.T) {
	r := newOCIRuntime(t, ociBundle(t, []string{"/bin/no-such-program"}, nil))
	if _, st := r.run("create", "--bundle", r.bundle, "--pid-file", r.pidFile, "bad"); st == 0 {
		t.Fatalf("create succeeded")
	}
	if !strings.Contains(r.logText(), `"level":"error"`) || !strings.Contains(r.logText(), "no-such-program") {
		t.Errorf("log:\n%s", r.logText())
	}
	if _, err := os.Stat(filepath.Join(r.root, "bad")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state of a failed create: %v", err)
	}
	assertNoPanic(t, r.output())
}

// TestOCIBundleRun: run --bundle in the foreground, with the exit status
// and the read-only root of the bundle.
func TestOCIBundleRun(t *testing.T) {
	script := `echo "$GREETING"; echo x > /file || echo "read-only root"; echo y > /tmp/f && cat /tmp/f; exit 7`
	bundle := ociBundle(t, []string{"sh", "-c", script}, func(s *specs.Spec) { s.Root.Readonly = true })
	r := newOCIRuntime(t, bundle)
	if _, st := r.run("run", "--bundle", bundle, "r1"); st != 7 {
		t.Errorf("run: status %d, want 7\n%s\nlog:\n%s", st, r.output(), r.logText())
	}
	out := r.output()
	for _, want := range []string{"hello\n", "read-only root\n", "y\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(r.root, "r1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state left after run: %v", err)
	}
}

// TestOCIBundleMatchesRunc runs one bundle with runc, the native OCI
// runtime, and with elfloader, and compares what the process sees:
// capabilities, rlimits, host name, user, environment, working directory,
// a bound file, a read-only bound directory, tmpfs mounts, exit status.
func TestOCIBundleMatchesRunc(t *testing.T) {
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skipf("runc not installed (scripts/deps.sh installs it): %v", err)
	}
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "motd"), []byte("bound motd\n"), 0o644)
	os.Mkdir(filepath.Join(host, "data"), 0o755)
	os.WriteFile(filepath.Join(host, "data", "f"), []byte("x"), 0o644)
	script := `grep -E "^Cap" /proc/self/status; ulimit -n; ulimit -Hn; hostname; id; echo "$GREETING"; pwd; umask
cat /etc/motd; ls /data; echo x > /data/g || echo ro-refused
echo y > /run/y && cat /run/y; echo z > /tmp/z && cat /tmp/z; exit 3`
	caps := []string{"CAP_CHOWN", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_NET_BIND_SERVICE"}
	bundle := ociBundle(t, []string{"sh", "-c", script}, func(s *specs.Spec) {
		s.Root.Readonly = true
		s.Process.NoNewPrivileges = true
		umask := uint32(0o027)
		s.Process.User.Umask = &umask
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.MountNamespace}, specs.LinuxNamespace{Type: specs.IPCNamespace})
		s.Mounts = []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=1777"}},
			{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=755"}},
			{Destination: "/etc/motd", Type: "bind", Source: filepath.Join(host, "motd"), Options: []string{"rbind", "ro"}},
			{Destination: "/data", Type: "bind", Source: filepath.Join(host, "data"), Options: []string{"rbind", "ro"}},
		}
	})
	compareWithRunc(t, bundle, 3)
}

// compareWithRunc runs the bundle with runc and with elfloader and
// compares their output and exit status (runc's must be want: otherwise
// runc cannot run containers here, and the test is skipped).
func compareWithRunc(t *testing.T, bundle string, want int) {
	t.Helper()
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skipf("runc not installed (scripts/deps.sh installs it): %v", err)
	}
	native := runBounded("runc", "--root", t.TempDir(), "run", "--bundle", bundle, "cmp-runc")
	if native.Status != want {
		t.Skipf("runc cannot run containers here: status %d: %s", native.Status, native.Stderr)
	}
	loaded := runBounded(testbin.Elfloader(t), "--root", t.TempDir(), "--log", filepath.Join(t.TempDir(), "log"), "run", "--bundle", bundle, "cmp-elfloader")
	assertNoPanic(t, loaded.Stderr)
	if loaded.Status != native.Status || loaded.Stdout != native.Stdout || loaded.Stderr != native.Stderr {
		t.Errorf("elfloader (status %d):\n%s%s\nrunc (status %d):\n%s%s", loaded.Status, loaded.Stdout, loaded.Stderr, native.Status, native.Stdout, native.Stderr)
	}
}

// runBounded runs argv with a time bound and collects its output.
func runBounded(argv ...string) testbin.Result {
	ctx, cancel := context.WithTimeout(context.Background(), ociTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Run()
	return testbin.Result{Stdout: out.String(), Stderr: errOut.String(), Status: cmd.ProcessState.ExitCode(), TimedOut: ctx.Err() != nil}
}

// TestOCIBundleSeccompMatchesRunc: a seccomp profile (errno rules, one
// with an argument condition) gives the app what runc's gives it.
func TestOCIBundleSeccompMatchesRunc(t *testing.T) {
	script := `mkdir /tmp/d && echo made; echo > /tmp/f; chmod 777 /tmp/f || echo "777 refused"; chmod 755 /tmp/f && echo "755 done"; exit 2`
	eperm, eacces := uint(unix.EPERM), uint(unix.EACCES)
	bundle := ociBundle(t, []string{"sh", "-c", script}, func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.MountNamespace})
		s.Mounts = []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}, {Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"}}
		s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm},
				{Names: []string{"chmod"}, Action: specs.ActErrno, ErrnoRet: &eacces, Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o777, Op: specs.OpEqualTo}}},
				{Names: []string{"fchmodat"}, Action: specs.ActErrno, ErrnoRet: &eacces, Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o777, Op: specs.OpEqualTo}}},
			}}
	})
	compareWithRunc(t, bundle, 2)
}

// TestOCIBundleNetworkNamespace: a network namespace given by path (as
// Kubernetes gives a pod's) is joined by the init (create) and by a
// foreground run: a port the test listens on in the host's namespace is
// out of the app's reach.
func TestOCIBundleNetworkNamespace(t *testing.T) {
	becomeSubreaper(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skipf("unshare not installed: %v", err)
	}
	holder := exec.Command("unshare", "--net", "sleep", "300")
	if err := holder.Start(); err != nil {
		t.Skipf("unshare --net: %v", err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	netns := fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid)
	waitFor(t, "the new network namespace", func() bool {
		a, _ := os.Readlink(netns)
		b, _ := os.Readlink("/proc/self/ns/net")
		return a != "" && a != b
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for c, err := l.Accept(); err == nil; c, err = l.Accept() {
			c.Close()
		}
	}()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	script := "if nc 127.0.0.1 " + port + " </dev/null; then echo reached; else echo unreachable; fi; echo done"
	bundle := ociBundle(t, []string{"sh", "-c", script}, func(s *specs.Spec) {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: netns}}
	})
	// The control: in the host's namespace, the port is reached.
	host := newOCIRuntime(t, ociBundle(t, []string{"sh", "-c", script}, func(s *specs.Spec) { s.Linux.Namespaces = nil }))
	if _, st := host.run("run", "--bundle", host.bundle, "host"); st != 0 || host.output() != "reached\ndone\n" {
		t.Fatalf("run in the host's namespace: status %d, output %q", st, host.output())
	}
	r := newOCIRuntime(t, bundle)
	if _, st := r.run("run", "--bundle", bundle, "fg"); st != 0 || !strings.HasSuffix(r.output(), "unreachable\ndone\n") {
		t.Errorf("run in the namespace: status %d, output %q\nlog:\n%s", st, r.output(), r.logText())
	}
	if _, st := r.run("create", "--bundle", bundle, "--pid-file", r.pidFile, "bg"); st != 0 {
		t.Fatalf("create: status %d\n%s\nlog:\n%s", st, r.output(), r.logText())
	}
	data, _ := os.ReadFile(r.pidFile)
	pid, _ := strconv.Atoi(string(data))
	want, _ := os.Readlink(netns)
	if got, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); got != want {
		t.Errorf("the init's network namespace %q, want %q", got, want)
	}
	r.run("start", "bg")
	if st := waitPid(t, pid); st != 0 || strings.Count(r.output(), "unreachable\ndone\n") != 2 {
		t.Errorf("the created container: status %d, output %q", st, r.output())
	}
	r.run("delete", "bg")
}

// containerd is a containerd of the test's own.
type containerd struct {
	t       *testing.T
	dir     string
	address string
	cmd     *exec.Cmd
	runc    string // elfloader, as the runc binary
}

// startContainerd starts containerd with its own root, state, socket and
// config (no CRI plugin, hence no CNI) and stops it at the end of the test.
func startContainerd(t *testing.T) *containerd {
	t.Helper()
	for _, p := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh installs containerd): %v", p, err)
		}
	}
	dir, err := os.MkdirTemp("", "elfloader-ctd-")
	if err != nil {
		t.Fatal(err)
	}
	c := &containerd{t: t, dir: dir, address: filepath.Join(dir, "containerd.sock"), runc: testbin.Elfloader(t)}
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[metrics]
  address = ""
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.address, c.address+".ttrpc")
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	c.cmd = exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("containerd: %v", err)
	}
	logFile.Close()
	t.Cleanup(c.stop)
	waitFor(t, "containerd's socket", func() bool {
		_, _, st := c.ctr("version")
		return st == 0
	})
	return c
}

// stop stops containerd (SIGTERM, then SIGKILL), unmounts what it left
// mounted and removes its directories.
func (c *containerd) stop() {
	// Tasks a failed test left behind: their shims and elfloaders end
	// with them.
	if tasks, _, st := c.ctr("task", "list", "-q"); st == 0 {
		for _, id := range strings.Fields(tasks) {
			c.ctr("task", "delete", "--force", id)
			c.ctr("container", "delete", id)
		}
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(ociTimeout):
		c.cmd.Process.Kill()
		<-done
	}
	if c.t.Failed() {
		data, _ := os.ReadFile(filepath.Join(c.dir, "containerd.log"))
		c.t.Logf("containerd's log:\n%s", lastLines(string(data), 40))
	}
	unmountUnder(c.dir)
	os.RemoveAll(c.dir)
}

// unmountUnder unmounts every mount below dir, deepest first.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		unix.Unmount(points[i], unix.MNT_DETACH)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ctrArgs are `ctr ARGS...` against this containerd, in the test's
// namespace.
func (c *containerd) ctrArgs(args ...string) []string {
	return append([]string{"ctr", "--address", c.address, "--namespace", "elfloader-test"}, args...)
}

// ctr runs ctr, bounded.
func (c *containerd) ctr(args ...string) (stdout, stderr string, status int) {
	ctx, cancel := context.WithTimeout(context.Background(), ociTimeout)
	defer cancel()
	argv := c.ctrArgs(args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Run()
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// runArgs are `ctr run` flags that make elfloader the runtime.
func (c *containerd) runArgs(extra ...string) []string {
	args := []string{"run", "--runc-binary", c.runc, "--runc-root", filepath.Join(c.dir, "runc"),
		"--annotation", ociPlatformAnnotation + "=" + testbin.Platform()}
	return append(args, extra...)
}

// importImage imports a docker-save tarball of busybox (no entrypoint) as
// IMAGE and returns its reference.
func (c *containerd) importImage() string {
	c.t.Helper()
	bb, err := os.ReadFile(requireBusybox(c.t))
	if err != nil {
		c.t.Fatal(err)
	}
	layer := []imgEntry{imgDir("bin/"), {name: "bin/busybox", typ: tar.TypeReg, mode: 0o755, data: bb}}
	for _, applet := range []string{"sh", "echo", "sleep", "cat", "hostname"} {
		layer = append(layer, imgSymlink("bin/"+applet, "busybox"))
	}
	layer = append(layer, imgDir("etc/"), imgFile("etc/motd", "from the image\n", 0o644))
	config := func(diffIDs []string) []byte {
		data, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
			"config": map[string]any{"Cmd": []string{"sh"}, "Env": []string{"PATH=/bin", "GREETING=hello"}, "WorkingDir": "/"},
			"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
		return data
	}
	tarball := filepath.Join(c.dir, "busybox.tar")
	writeDockerSave(c.t, tarball, "elfloader-test/busybox:1", [][]imgEntry{layer}, config)
	if _, errOut, st := c.ctr("image", "import", tarball); st != 0 {
		c.t.Fatalf("ctr image import: status %d\n%s", st, errOut)
	}
	return "docker.io/elfloader-test/busybox:1"
}

// TestOCIContainerdRun: ctr run --rm runs a command to completion through
// containerd's runc shim with elfloader as the runtime, with the image's
// files and environment, and reports its exit status.
func TestOCIContainerdRun(t *testing.T) {
	c := startContainerd(t)
	img := c.importImage()
	script := `echo "$GREETING: $(cat /etc/motd)"; echo err >&2; exit 3`
	out, errOut, st := c.ctr(c.runArgs("--rm", img, "run1", "sh", "-c", script)...)
	if st != 3 {
		t.Errorf("ctr run: status %d, want 3\nstdout: %s\nstderr: %s", st, out, errOut)
	}
	if want := "hello: from the image\n"; out != want {
		t.Errorf("stdout %q, want %q (stderr: %s)", out, want, errOut)
	}
	if !strings.Contains(errOut, "err") {
		t.Errorf("stderr %q lacks the app's", errOut)
	}
	if list, _, _ := c.ctr("containers", "list", "-q"); strings.TrimSpace(list) != "" {
		t.Errorf("containers left after --rm: %s", list)
	}
}

// TestOCIContainerdKill: ctr task kill stops a long-running container.
func TestOCIContainerdKill(t *testing.T) {
	c := startContainerd(t)
	img := c.importImage()
	argv := c.ctrArgs(c.runArgs("--rm", img, "kill1", "sleep", "1000")...)
	ctx, cancel := context.WithTimeout(context.Background(), ociTimeout)
	defer cancel()
	run := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	run.Stdout, run.Stderr = &out, &out
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the task to run", func() bool {
		list, _, _ := c.ctr("task", "list")
		return strings.Contains(list, "RUNNING")
	})
	if ps, errOut, st := c.ctr("task", "ps", "kill1"); st != 0 || len(strings.Fields(ps)) < 4 {
		t.Errorf("ctr task ps: status %d\n%s%s", st, ps, errOut)
	}
	if out, errOut, st := c.ctr("task", "exec", "--exec-id", "e1", "kill1", "sh", "-c", "echo from exec; exit 6"); st != 6 || out != "from exec\n" {
		t.Errorf("ctr task exec: status %d, want 6; stdout %q stderr %q", st, out, errOut)
	}
	if _, errOut, st := c.ctr("task", "kill", "kill1"); st != 0 {
		t.Fatalf("ctr task kill: status %d: %s", st, errOut)
	}
	run.Wait()
	if st := run.ProcessState.ExitCode(); st != 128+int(unix.SIGTERM) {
		t.Errorf("ctr run after kill: status %d, want %d\n%s", st, 128+int(unix.SIGTERM), out.String())
	}
}

// TestOCIContainerdTTY: ctr run --tty gives the app a terminal (the shim
// receives the pseudo-terminal's master over the console socket).
func TestOCIContainerdTTY(t *testing.T) {
	c := startContainerd(t)
	img := c.importImage()
	script := `if [ -t 0 ] && [ -t 1 ]; then echo "on a terminal"; fi; read line; echo "got $line"; exit 5`
	r := startOnPty(t, c.ctrArgs(c.runArgs("--rm", "--tty", img, "tty1", "sh", "-c", script)...), os.Environ(), false)
	r.expect("on a terminal")
	r.send("typed\r")
	r.expect("got typed")
	if st := r.wait(); st != 5 {
		t.Errorf("ctr run --tty: status %d, want 5\n%s", st, r.screen())
	}
}
