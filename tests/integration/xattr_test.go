package integration

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestXattr runs tests/c/xattr.c as root, natively and under elfloader:
// the xattr calls on the app's in-memory files, namespaces and their rules
// for root and nobody, symlinks, descriptors, the *xattrat calls, and a
// host file's own attribute read through and changed. The host file is in
// a :rw volume mounted where the native run finds its own copy, so both
// runs name the same path and start from the same attribute.
func TestXattr(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	hostFile := func(dir string) {
		f := filepath.Join(dir, "hostfile")
		if err := os.WriteFile(f, []byte("h"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := unix.Setxattr(f, "user.origin", []byte("host"), 0); err != nil {
			t.Skipf("the host's temp dir has no user xattrs: %v", err)
		}
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "xattr.c"), v)
			nativeDir, appDir := t.TempDir(), t.TempDir()
			hostFile(nativeDir)
			hostFile(appDir)
			target := filepath.Join(nativeDir, "hostfile")
			// nobody must reach the native scratch dir, as in the app's /tmp.
			scratch := t.TempDir()
			for _, d := range []string{scratch, filepath.Dir(scratch)} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(scratch, "work"), target}, nil, nil)
			flags := append(testbin.EnvFlags(), "-v", appDir+":"+nativeDir+":rw")
			loaded := testbin.RunElfloader(t, testTimeout, flags,
				[]string{bin, appScratch("xattr-" + v.Name), target}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
			if got, err := unix.Getxattr(filepath.Join(appDir, "hostfile"), "user.t_new", make([]byte, 8)); err != nil || got != 1 {
				t.Errorf("the :rw volume's file did not get user.t_new on the host: %d, %v", got, err)
			}
		})
	}
}

// TestMemfd runs tests/c/memfd.c: memfd_create's rules, a MAP_SHARED
// mapping shared with a forked child, /proc/self/fd, and seals with their
// effect on write, truncate, fallocate, mmap and fchmod; F_GET_SEALS of a
// tmpfs file (in /dev/shm, a tmpfs natively and in the app) and a pipe.
func TestMemfd(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "memfd.c"), v)
			argv := []string{bin, "/dev/shm/elfloader-memfd-test-" + v.Name}
			native := testbin.RunNative(t, testTimeout, argv, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestLegacyFS runs tests/c/legacy_fs.c: getdents (old layout) against
// getdents64, utime/utimes/futimesat, readahead, sync/syncfs and sysfs(2),
// natively and under elfloader.
func TestLegacyFS(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "legacy_fs.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("legacy-" + v.Name)}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}

// TestPosixMqueue runs tests/c/mq.c as root: POSIX message queues,
// natively (in the host's mqueue namespace, under names of its own) and
// under elfloader.
func TestPosixMqueue(t *testing.T) { runBreadth(t, "mq.c", true) }

// TestAIO runs tests/c/aio.c: Linux AIO's calls through their raw
// syscalls (as libaio makes them), natively and under elfloader.
func TestAIO(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "aio.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "aio")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "/tmp/aio-" + v.Name}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}
