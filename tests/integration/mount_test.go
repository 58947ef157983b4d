package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// privateMountNamespace returns the argv prefix that runs a native program
// as root in a mount namespace of its own (util-linux's unshare), so that
// its mounts never reach the host, and the host's mount table as this
// test process sees it, to compare after the runs.
func privateMountNamespace(t *testing.T) ([]string, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the native run mounts: it must start as root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	return []string{unshare, "--mount", "--propagation", "private"}, hostMountinfo(t)
}

func hostMountinfo(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// assertHostMountsUnchanged fails the test if the host's mount table
// changed since before.
func assertHostMountsUnchanged(t *testing.T, before string) {
	t.Helper()
	if after := hostMountinfo(t); after != before {
		t.Fatalf("the host's mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestMount runs tests/c/mount.c natively in a private mount namespace and
// under elfloader, whose mounts live in its own vfs only: tmpfs with
// options, bind mounts of a directory and a file, read-only remounts and
// EROFS, EBUSY (open file, cwd, a mount inside, a writer), MNT_DETACH,
// MNT_EXPIRE, UMOUNT_NOFOLLOW, MS_MOVE, propagation flags, the new mount
// API (fsopen, fsconfig, fsmount, move_mount, open_tree, fspick,
// mount_setattr), mountinfo against statx's mount id and statfs's flags,
// and EPERM as nobody.
func TestMount(t *testing.T) {
	unshare, before := privateMountNamespace(t)
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "mount.c"), v)
			native := testbin.RunNative(t, testTimeout, append(unshare, bin), nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
			assertHostMountsUnchanged(t, before)
		})
	}
}

// mountShellScript drives busybox's mount and umount through a shell.
const mountShellScript = `d=$(mktemp -d /tmp/mntsh.XXXXXX)
mkdir $d/t $d/b
mount -t tmpfs -o size=64k,mode=750 mysrc $d/t; echo mount=$?
echo hi > $d/t/f; cat $d/t/f
grep " $d/" /proc/mounts | sed "s|$d|D|"
mount --bind $d/t $d/b; echo bind=$?
mount -o remount,bind,ro $d/b; echo remount=$?
(echo x > $d/b/g) 2>/dev/null; echo write=$?
grep " $d/" /proc/self/mounts | sed "s|$d|D|"
cd $d/t; umount $d/t 2>/dev/null; echo umount-busy=$?; cd /
umount $d/t; echo umount=$?
umount $d/b; echo umount=$?
mount -t nosuchfs none $d/t 2>/dev/null; echo unknown=$?
rmdir $d/t $d/b $d; echo done=$?
`

// TestMountShell runs busybox mount and umount from a shell script, as a
// user would, natively in a private mount namespace and under elfloader:
// both read the result back from /proc/mounts.
func TestMountShell(t *testing.T) {
	unshare, before := privateMountNamespace(t)
	argv := []string{"/bin/busybox", "sh", "-c", mountShellScript}
	native := testbin.RunNative(t, testTimeout, append(unshare, argv...), nil, nil)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	compareRuns(t, native, loaded)
	assertHostMountsUnchanged(t, before)
}

// hostLoopBindings lists the host's bound loop devices and their files.
func hostLoopBindings(t *testing.T) string {
	t.Helper()
	files, _ := filepath.Glob("/sys/block/loop*/loop/backing_file")
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "%s %s", f, data)
	}
	return b.String()
}

// ext2Image makes an ext2 image with mke2fs -d in a directory of its own:
// a file, a directory, a symlink and a file big enough for double
// indirect blocks. dir_index is off: Linux's ext4 driver (which mounts
// ext2 on Debian) lists indexed directories in hash order.
func ext2Image(t *testing.T) string {
	t.Helper()
	mke2fs, err := exec.LookPath("mke2fs")
	if err != nil {
		t.Skip("mke2fs (e2fsprogs) is not installed")
	}
	src := t.TempDir()
	var big strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&big, "%07d\n", i)
	}
	for name, data := range map[string]string{"hello.txt": "hello\n", "dir/nested.txt": "nested\n", "big": big.String()} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("hello.txt", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "ext2.img")
	out, err := exec.Command(mke2fs, "-q", "-F", "-t", "ext2", "-O", "^dir_index", "-b", "1024", "-d", src, img, "2048").CombinedOutput()
	if err != nil {
		t.Fatalf("mke2fs: %v\n%s", err, out)
	}
	return img
}

// TestLoopExt2 runs tests/c/loop.c natively in a private mount namespace
// and under elfloader: LOOP_CTL_GET_FREE, LOOP_SET_FD over a scratch file
// (writes through the device, LOOP_SET_STATUS64's offset and size limit,
// the block requests), then LOOP_CONFIGURE over an ext2 image mounted
// read-only from the device (mountinfo, statfs, readdir, reads through
// indirect blocks, symlinks, EROFS), LOOP_CLR_FD while mounted
// (autoclear). The host's loop devices are left as they were.
func TestLoopExt2(t *testing.T) {
	unshare, before := privateMountNamespace(t)
	loopsBefore := hostLoopBindings(t)
	img := ext2Image(t)
	dir := filepath.Dir(img)
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "loop.c"), v)
			native := testbin.RunNative(t, testTimeout, append(unshare, bin, img), nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, append(testbin.EnvFlags(), "--volume", dir+":"+dir+":ro"),
				[]string{bin, img}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
			assertHostMountsUnchanged(t, before)
			if after := hostLoopBindings(t); after != loopsBefore {
				t.Fatalf("the host's loop devices changed:\nbefore:\n%s\nafter:\n%s", loopsBefore, after)
			}
		})
	}
}

// loopShellScript mounts an ext2 image with busybox's mount -o loop (which
// finds a free loop device and sets it up with autoclear).
const loopShellScript = `d=$(mktemp -d /tmp/loopsh.XXXXXX)
mount -o loop,ro -t ext2 "$1" $d; echo mount=$?
cat $d/hello.txt $d/dir/nested.txt
ls $d
grep " $d " /proc/mounts | sed "s|$d|D|; s|/dev/loop[0-9]*|LOOP|"
umount $d; echo umount=$?
rmdir $d; echo done=$?
`

// TestLoopMountShell runs busybox mount -o loop from a shell, natively in
// a private mount namespace and under elfloader.
func TestLoopMountShell(t *testing.T) {
	unshare, before := privateMountNamespace(t)
	loopsBefore := hostLoopBindings(t)
	img := ext2Image(t)
	dir := filepath.Dir(img)
	argv := []string{"/bin/busybox", "sh", "-c", loopShellScript, "sh", img}
	native := testbin.RunNative(t, testTimeout, append(unshare, argv...), nil, nil)
	loaded := testbin.RunElfloader(t, testTimeout, append(testbin.EnvFlags(), "--volume", dir+":"+dir+":ro"), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	compareRuns(t, native, loaded)
	assertHostMountsUnchanged(t, before)
	if after := hostLoopBindings(t); after != loopsBefore {
		t.Fatalf("the host's loop devices changed:\nbefore:\n%s\nafter:\n%s", loopsBefore, after)
	}
}
