package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestSplice runs tests/c/splice.c (splice file -> pipe -> file with and
// without offsets, loopback TCP -> pipe -> file, pipe -> socket, tee
// between pipes, vmsplice both ways, and the EINVAL/ESPIPE/EBADF/EAGAIN
// rules) natively and under elfloader, and expects the same output.
func TestSplice(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			bin := testbin.Build(t, testbin.CSource(t, "splice.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("splice-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestChroot runs tests/c/chroot.c as root: path walks, "..", absolute
// symlinks and getcwd inside the new root, /proc/PID/root from outside,
// and ENOENT/ENOTDIR/EFAULT/EPERM, natively and under elfloader.
func TestChroot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "chroot.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("chroot-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestProcTunables runs tests/c/proc_tunables.c as root: oom_score_adj
// kept per process and inherited, its range, parsing and CAP_SYS_RESOURCE
// floor, another process's value written through /proc/PID, and
// /proc/sys/fs/pipe-max-size.
func TestProcTunables(t *testing.T) { runBreadth(t, "proc_tunables.c", true) }

// TestInotify runs tests/c/inotify.c: the events of the app's own file
// operations in a watched directory and on a watched file (order, masks,
// rename cookies, *_SELF and IN_IGNORED, IN_ONESHOT, mask updates), the
// struct inotify_event layout, poll/epoll readiness, a blocking read woken
// by a child, and the errno rules, natively and under elfloader.
func TestInotify(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			bin := testbin.Build(t, testbin.CSource(t, "inotify.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("inotify-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestReadWriteV2 compares preadv2/pwritev2 (offsets, -1 for the file
// position, flags) with the native run.
func TestReadWriteV2(t *testing.T) {
	compareCPrograms(t, []cProgram{{source: "rw2.c"}})
}

// TestAccessIDs runs tests/c/access_ids.c as root: access checks with the
// real or (AT_EACCESS) effective IDs, posix_fadvise's rules, recvmmsg's
// timeout, natively and under elfloader.
func TestAccessIDs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "access_ids.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("access-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestProcessVM runs tests/c/process_vm.c as root: process_vm_readv and
// process_vm_writev between processes, natively and under elfloader.
func TestProcessVM(t *testing.T) { runBreadth(t, "process_vm.c", true) }

// TestMknodDevices runs tests/c/mknod_dev.c as root: device nodes made
// with mknod open the devices of their numbers, natively and under
// elfloader.
func TestMknodDevices(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "mknod_dev.c"), v)
			scratch := t.TempDir()
			for _, d := range []string{scratch, filepath.Dir(scratch)} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(scratch, "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("mknod-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestPrlimitOther runs tests/c/prlimit_other.c as root: prlimit64 and
// get_robust_list on another process, natively and under elfloader.
func TestPrlimitOther(t *testing.T) { runBreadth(t, "prlimit_other.c", true) }

// TestNUMA runs tests/c/numa.c: memory policies and page moves with
// Linux's rules, natively and under elfloader on the same machine.
func TestNUMA(t *testing.T) { runBreadth(t, "numa.c", false) }

// TestIoprio runs tests/c/ioprio.c as root: I/O priorities, natively and
// under elfloader.
func TestIoprio(t *testing.T) { runBreadth(t, "ioprio.c", true) }

// TestNewerCalls runs tests/c/newer_calls.c as root: futex2, fchmodat2,
// process_madvise and process_mrelease, natively and under elfloader.
func TestNewerCalls(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "newer_calls.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("newer-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestCachestat runs tests/c/cachestat.c on a file in /dev/shm (a tmpfs
// natively, a ramfs in the app), natively and under elfloader.
func TestCachestat(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "cachestat.c"), v)
			argv := []string{bin, "/dev/shm/elfloader-cachestat-" + v.Name}
			native := testbin.RunNative(t, testTimeout, argv, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestMseal runs tests/c/mseal.c: sealed memory, natively and under
// elfloader.
func TestMseal(t *testing.T) { runBreadth(t, "mseal.c", false) }

// TestSyslog runs tests/c/syslog.c as root, natively (the host's log,
// never changed) and under elfloader (the unikernel's own), and busybox's
// dmesg under elfloader, which shows the unikernel's boot lines.
func TestSyslog(t *testing.T) {
	runBreadth(t, "syslog.c", true)
	if os.Geteuid() != 0 {
		return
	}
	requireHostProgram(t, busybox)
	r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{busybox, "dmesg"}, nil, nil)
	if r.Status != 0 || !strings.Contains(r.Stdout, "Linux version") {
		t.Errorf("busybox dmesg: status %d, output:\n%s\nstderr:\n%s", r.Status, r.Stdout, r.Stderr)
	}
}

// TestFileHandles runs tests/c/handles.c as root on a directory in
// /dev/shm (tmpfs natively, a ramfs in the app), natively and under
// elfloader.
func TestFileHandles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "handles.c"), v)
			argv := []string{bin, "/dev/shm/elfloader-handles-" + v.Name}
			native := testbin.RunNative(t, testTimeout, argv, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestMemfdSecret runs tests/c/memfd_secret.c as root, natively and under
// elfloader.
func TestMemfdSecret(t *testing.T) { runBreadth(t, "memfd_secret.c", true) }
