package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestPgrp runs the process-group programs (tests/c/pgrp_basic.c,
// tests/c/pidfd.c, tests/c/jobctl.c) in every variant, natively and under
// elfloader: setpgid's and setsid's rules, kill and waitpid of a group,
// CLONE_FILES without CLONE_VM, PR_SET_PDEATHSIG, pidfds (signals, getfd,
// readiness in poll and epoll, waitid P_PIDFD), and job control (stop and
// continue, wait's stopped and continued reports, SIGCHLD codes, orphaned
// groups, subreapers).
func TestPgrp(t *testing.T) {
	requireHostProgram(t, "/bin/cat")
	for _, prog := range []string{"pgrp_basic", "pidfd", "jobctl"} {
		for _, v := range testbin.Variants() {
			t.Run(prog+"/"+v.Name, func(t *testing.T) {
				if !v.Static {
					skipUnlessDynamic(t)
				}
				bin := testbin.Build(t, testbin.CSource(t, prog+".c"), v)
				native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "scratch")}, nil, nil)
				loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch(prog + "-" + v.Name)}, nil, nil)
				compareRuns(t, native, loaded)
			})
		}
	}
}

// pgrpShellScript runs in a session and group of its own (setsid): kill 0
// from a command substitution reaches the shell (its trap), a background
// job and the substitution itself; kill -0 0 and kill of a job in a
// subshell.
const pgrpShellScript = `trap "echo got TERM" TERM; sleep 100 & x=$(kill -TERM 0; echo sent); wait; echo "wait: $?"; echo "x=$x"
(sleep 100 & kill -0 0 && echo group ok; kill $!; wait $!; echo "inner: $?")`

// TestPgrpShell runs the script with bash under setsid(1), natively and
// under elfloader.
func TestPgrpShell(t *testing.T) {
	requireHostProgram(t, "/bin/bash", "/usr/bin/setsid", "/bin/sleep")
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("bash is not installed")
	}
	argv := []string{"/usr/bin/setsid", "-w", "/bin/bash", "-c", pgrpShellScript}
	_, loaded := testbin.CompareWithNative(t, 2*testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// jobLine is a foreground job of one process that says when it starts
// and each time it is continued: SIGCONT is blocked and taken with
// sigwaitinfo, so none is missed whenever it comes.
const jobLine = `/usr/bin/python3 -c 'import itertools, os, signal; ` +
	`signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCONT}); os.write(1, b"started\n"); ` +
	`[os.write(1, b"cont%d\n" % n) for n in itertools.count(1) if signal.sigwaitinfo({signal.SIGCONT})]'`

// TestPgrpJobControlPty drives an interactive bash on a terminal, natively
// and under elfloader: a background job (`sleep 100 &`), `jobs`, `kill %1`
// and its status, and Ctrl-C of a foreground job, which bash puts in a
// group of its own and gives the terminal (setpgid, TIOCSPGRP): the job
// dies of SIGINT, bash takes the terminal back and goes on. Then job
// control proper: Ctrl-Z stops a foreground `sleep 100` and a foreground
// job (SIGTSTP to the terminal's foreground group, bash's wait with
// WUNTRACED), `jobs` lists it stopped, `bg` continues it in the
// background, kill -STOP stops it there, `fg` brings it back and Ctrl-C
// ends it; a `cat` started in
// the background stops on SIGTTIN when it reads the terminal (stdin or
// /dev/tty), an `stty`
// on SIGTTOU when it sets its mode, unless it ignores SIGTTOU.
func TestPgrpJobControlPty(t *testing.T) {
	requireHostProgram(t, "/bin/bash", "/bin/sleep", "/bin/sh", "/bin/cat", "/bin/stty", "/usr/bin/python3")
	argv := []string{"/bin/bash", "--norc", "--noprofile", "--noediting", "-i"}
	env := []string{"PS1=$ ", "TERM=dumb", "PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	session := func(r *ptyRun) {
		// Each line is typed at a prompt (no readline: --noediting).
		command := func(line, want string) {
			r.expect("$ ")
			r.send(line + "\n")
			r.expect(want)
		}
		command("sleep 100 &", "[1] ")
		command("jobs", "[1]+  Running                 sleep 100 &")
		command("kill %1; wait %1; echo killed $?", "killed 143")
		// The job says when it runs: bash gave it the terminal before.
		command("/bin/sh -c 'echo started; exec /bin/sleep 100'", "started\r\n")
		r.send("\x03")
		command("echo after $?", "after 130")
		// Ctrl-Z stops the foreground sleep; bash reports it and lists it.
		command("/bin/sh -c 'echo started; exec /bin/sleep 100'", "started\r\n")
		r.send("\x1a")
		r.expect("[1]+  Stopped                 /bin/sh -c 'echo started; exec /bin/sleep 100'")
		command("jobs", "[1]+  Stopped")
		// SIGKILL ends it stopped; bash forgets the job once it saw that.
		// (Markers are quoted so that the echo of the typed line does not
		// match them.)
		command("kill -KILL %1; while jobs %1 >/dev/null 2>&1; do sleep 0.1; done; echo job\" gone\"", "job gone")
		// A stopped job continued with bg, then fg, then Ctrl-C.
		command(jobLine, "started\r\n")
		r.send("\x1a")
		r.expect("Stopped")
		// (The job's "cont1" may come after bash's next prompt.)
		command("bg", "cont1")
		r.send("jobs\n")
		r.expect("[1]+  Running")
		command("kill -STOP %1; wait %1", "Stopped")
		command("fg", "cont2")
		// The job prints cont2 just before it enters sigwaitinfo; a ^C in
		// that gap runs Python's handler but is only checked after the
		// wait, which SIGINT no longer ends. Give it time to get there.
		time.Sleep(300 * time.Millisecond)
		r.send("\x03")
		command("echo fg $?", "fg 130")
		// A background cat reading the terminal stops on SIGTTIN (set -b:
		// bash reports it at once).
		command("set -b", "")
		command("cat &", "[1] ")
		r.expect("[1]+  Stopped                 cat")
		r.send("kill -KILL %1; while jobs %1 >/dev/null 2>&1; do sleep 0.1; done; echo cat\" gone\"\n")
		r.expect("cat gone")
		command("cat /dev/tty &", "[1] ")
		r.expect("[1]+  Stopped                 cat /dev/tty")
		r.send("kill -KILL %1; while jobs %1 >/dev/null 2>&1; do sleep 0.1; done; echo tty\" gone\"\n")
		r.expect("tty gone")
		// Changing the terminal's mode from the background: SIGTTOU stops
		// stty, unless it ignores SIGTTOU.
		command("stty -echo &", "[1] ")
		r.expect("[1]+  Stopped                 stty -echo")
		r.send("kill -KILL %1; while jobs %1 >/dev/null 2>&1; do sleep 0.1; done; echo stty\" gone\"\n")
		r.expect("stty gone")
		command("(trap '' TTOU; stty echo && echo mode\" set\") &", "mode set")
		r.send("wait; echo wai\"ted\"\n")
		r.expect("waited")
		command("exit 7", "exit 7")
	}
	_, _, ns, ls := bothOnPty(t, nil, argv, env, session)
	if ns != 7 || ls != 7 {
		t.Errorf("status %d, native %d, want 7", ls, ns)
	}
}

// subreaperRun runs argv as a child subreaper (PR_SET_CHILD_SUBREAPER):
// after the run it prints the run's status and whether a host process it
// started outlived it (orphans come to the subreaper; any still alive
// after a bound counts as leaked).
const subreaperRun = `import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
r = subprocess.run(sys.argv[1:])
print("status", r.returncode, flush=True)
leaked, deadline = 0, time.monotonic() + 20
while True:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        if time.monotonic() > deadline:
            leaked = 1
            break
        time.sleep(0.05)
print("leaked", leaked)
`

// TestPgrpInitExit runs tests/c/orphan_init.c under elfloader: an orphan
// goes to the first process (the app's init), which reaps it; when init
// exits the other processes are killed (as when a PID namespace's init
// exits), elfloader ends with init's status, and no host process it
// started (a stub) is left behind.
func TestPgrpInitExit(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3)
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Skip("no gcc-static variant")
	}
	bin := testbin.Build(t, testbin.CSource(t, "orphan_init.c"), v)
	argv := append([]string{python3, "-c", subreaperRun, testbin.Elfloader(t), "run"}, testbin.EnvFlags()...)
	r := testbin.RunNative(t, 2*testTimeout, append(argv, bin), nil, nil)
	assertNoPanic(t, r.Stderr)
	const want = "child: exited 0\ninit reaps the orphan: 1, reparented to init: 1\ninit exits\nstatus 3\nleaked 0\n"
	if r.Stdout != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", r.Stdout, want, r.Stderr)
	}
}

// TestPgrpElfloaderStopped runs elfloader as a job of a native
// interactive bash, the program a shell running the job of jobLine as
// its child: Ctrl-Z stops both, so elfloader stops itself and bash
// reports the job stopped; fg continues elfloader, which passes SIGCONT
// on to the program's group; Ctrl-C ends it.
func TestPgrpElfloaderStopped(t *testing.T) {
	requireHostProgram(t, "/bin/bash", "/bin/sh", "/usr/bin/python3")
	argv := []string{"/bin/bash", "--norc", "--noprofile", "--noediting", "-i"}
	env := []string{"PS1=$ ", "TERM=dumb", "PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "JOB=" + jobLine}
	r := startOnPty(t, argv, env, false)
	command := func(line, want string) {
		r.expect("$ ")
		r.send(line + "\n")
		r.expect(want)
	}
	job := strings.Join(append(append([]string{testbin.Elfloader(t), "run"}, testbin.EnvFlags()...), `/bin/sh -c "$JOB; exit"`), " ")
	command(job, "started\r\n")
	r.send("\x1a")
	r.expect("Stopped")
	command("jobs", "[1]+  Stopped")
	command("fg", "cont1")
	// As in TestPgrpJobControlPty: let the job reach sigwaitinfo after
	// its print before ^C.
	time.Sleep(300 * time.Millisecond)
	r.send("\x03")
	command("echo status $?", "status 130")
	command("exit 7", "exit 7")
	if st := r.wait(); st != 7 {
		t.Errorf("bash status %d, want 7", st)
	}
}
