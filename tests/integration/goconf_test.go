package integration

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestMountDev runs tests/c/mountdev.c natively and under elfloader: each
// mounted filesystem has a device number of its own, stat, lstat, fstat,
// fstatat, statx and /proc/self/mountinfo agree on it, getdents' d_ino is
// lstat's st_ino, getcwd answers ENAMETOOLONG beyond PATH_MAX, and the
// walk up ".." by (st_dev, st_ino) that libc's and Go's getwd fall back to
// finds the real path (Go's os TestGetwdDeepWithPWDSet).
func TestMountDev(t *testing.T) { runBreadth(t, "mountdev.c", false, []string{"dev"}) }

// TestNoexecAccess runs tests/c/mountdev.c's noexec scenario natively in a
// private mount namespace and under elfloader: access, faccessat with
// AT_EACCESS and faccessat2 answer EACCES for X_OK on a regular file of a
// noexec mount, also for root, as execve does; directories keep X_OK (Go's
// os/exec TestFindExecutableVsNoexec).
func TestNoexecAccess(t *testing.T) {
	unshare, before := privateMountNamespace(t)
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "mountdev.c"), v)
			native := testbin.RunNative(t, testTimeout, append(unshare, bin, "noexec"), nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "noexec"}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
			assertHostMountsUnchanged(t, before)
		})
	}
}

// TestNofileLimit runs tests/c/nofile.c natively and under elfloader:
// RLIMIT_NOFILE's soft limit bounds the descriptor table as soon as
// setrlimit sets it (raised: 1,500 files and 2,500 dups open; lowered:
// EMFILE, dup2's EBADF and F_DUPFD's EINVAL at the new bound, descriptors
// above it stay open) (Go's syscall TestOpenFileLimit).
func TestNofileLimit(t *testing.T) { runBreadth(t, "nofile.c", false) }

// TestSCMCreds runs tests/c/scm_creds.c natively and under elfloader:
// recvmsg's msg_flags shows the call's MSG_CMSG_CLOEXEC (with MSG_TRUNC
// on a short datagram), SCM_CREDENTIALS sent explicitly and implicitly
// (SO_PASSCRED) within one process reads back its pid, uid and gid, and
// MSG_CMSG_COMPAT is EINVAL (Go's syscall TestSCMCredentials).
func TestSCMCreds(t *testing.T) { runBreadth(t, "scm_creds.c", false) }

// TestCloneNamespacesRefused runs tests/c/clone_ns.c under elfloader only
// (natively, as root, the calls succeed): clone and clone3 with any
// namespace flag answer EINVAL, as a Linux built without namespaces does,
// and a plain fork by clone works (Go's CLONE_NEWUSER tests then skip
// with "CLONE_NEWUSER appears to be unsupported" instead of failing with
// a misleading ENOENT).
func TestCloneNamespacesRefused(t *testing.T) {
	var want strings.Builder
	for _, name := range []string{"plain", "CLONE_NEWUSER", "CLONE_NEWNS", "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWCGROUP"} {
		errno := "22"
		if name == "plain" {
			errno = "0"
		}
		want.WriteString("clone " + name + ": " + errno + "\n")
		want.WriteString("clone3 " + name + ": " + errno + "\n")
	}
	want.WriteString("clone3 CLONE_NEWTIME: 22\n")
	for _, v := range oneVariantPerLibc(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "clone_ns.c"), v)
			r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
			assertNoPanic(t, r.Stderr)
			if r.Status != 0 || r.Stdout != want.String() {
				t.Fatalf("status %d, stdout:\n%s\nwant:\n%s\nstderr: %s", r.Status, r.Stdout, want.String(), r.Stderr)
			}
		})
	}
}
