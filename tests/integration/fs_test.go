package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestFileSyscallErrors runs tests/c/fs_errno.c (the errno rules of the
// file system calls) natively and under elfloader in every static variant
// and gcc-dynamic, and expects the same output. The program needs two
// directories on different file systems for EXDEV: natively one under the
// test's temporary directory and one under /dev/shm; inside the app the
// /tmp ramfs and a directory of the overlay root.
func TestFileSyscallErrors(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			bin := testbin.Build(t, testbin.CSource(t, "fs_errno.c"), v)
			base := t.TempDir()
			other, err := os.MkdirTemp("/dev/shm", "elfloader-fs-")
			if err != nil {
				t.Skipf("EXDEV needs a second file system at /dev/shm: %v", err)
			}
			t.Cleanup(func() { os.RemoveAll(other) })
			if sameDevice(t, base, other) {
				t.Skipf("%s and /dev/shm are one file system: EXDEV cannot be shown natively", base)
			}
			native := testbin.RunNative(t, testTimeout,
				[]string{bin, filepath.Join(base, "work"), filepath.Join(other, "other")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("work"), "/var/tmp/elfloader-fs-exdev"}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}

// TestFileSyscalls runs tests/c/fs_ops.c (the success paths of the file
// system calls) natively and under elfloader in every static variant and
// gcc-dynamic, and expects the same output. Inside the app the work
// directory is on the /tmp ramfs.
func TestFileSyscalls(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			bin := testbin.Build(t, testbin.CSource(t, "fs_ops.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
				[]string{bin, appScratch("work")}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}

// TestFileSyscallsOnOverlay runs fs_ops.c in a directory of the overlay
// root (a host directory the app sees read-only, written in memory), the
// other file system every app writes to.
func TestFileSyscallsOnOverlay(t *testing.T) {
	v, _ := testbin.VariantByName("gcc-static")
	bin := testbin.Build(t, testbin.CSource(t, "fs_ops.c"), v)
	host := hostScratch(t)
	before := snapshot(t, host, true)
	native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "work")}, nil, nil)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(),
		[]string{bin, filepath.Join(host, "work")}, nil, nil)
	compareRuns(t, native, loaded)
	if d := diffSnapshots(before, snapshot(t, host, true)); d != "" {
		t.Errorf("the host directory changed:\n%s", d)
	}
}
