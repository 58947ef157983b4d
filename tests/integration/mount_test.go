package integration

import (
	"os"
	"os/exec"
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
