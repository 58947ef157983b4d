package integration

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestACLFileCaps runs tests/c/acl.c as root, natively in a host temp dir
// and under elfloader in its /tmp: POSIX ACLs set and read as raw
// system.posix_acl_* blobs (validation, the mode following the mask,
// chmod rewriting the list, default ACLs inherited on create without the
// umask), the access decisions they make for uid 65534 (named user
// allowed, the mask limiting it, a named group, other denied), then file
// capabilities: security.capability's format, what execve gives root and
// uid 65534 for +ep, +p, inheritable and ambient sets, EPERM when the
// bounding set lacks a forced capability, and chown dropping them. The
// program execs a static-PIE copy of itself (which every variant can
// exec), reached through a read-only volume.
func TestACLFileCaps(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	pie, ok := testbin.VariantByName("gcc-static-pie")
	if !ok {
		t.Skip("no gcc-static-pie variant")
	}
	// The native run needs a host temp dir that keeps ACLs and file
	// capabilities and honours them (not nosuid).
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	equiv := []byte{2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff}
	if err := unix.Setxattr(probe, "system.posix_acl_access", equiv, 0); err != nil {
		t.Skipf("the host's temp dir keeps no POSIX ACLs: %v", err)
	}
	caps := make([]byte, 20)
	caps[3] = 2
	if err := unix.Setxattr(probe, "security.capability", caps, 0); err != nil {
		t.Skipf("the host's temp dir keeps no file capabilities: %v", err)
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(probe, &sfs); err == nil && sfs.Flags&unix.ST_NOSUID != 0 {
		t.Skip("the host's temp dir is nosuid: file capabilities would not apply natively")
	}
	helper := testbin.Build(t, testbin.CSource(t, "acl.c"), pie)
	helperDir := filepath.Dir(helper)
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "acl.c"), v)
			// uid 65534 must reach the native scratch dir, as in the
			// app's /tmp.
			scratch := t.TempDir()
			for _, d := range []string{scratch, filepath.Dir(scratch)} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(scratch, "work"), helper}, nil, nil)
			flags := append(testbin.EnvFlags(), "-v", helperDir+":"+helperDir)
			loaded := testbin.RunElfloader(t, testTimeout, flags,
				[]string{bin, appScratch("acl-" + v.Name), helper}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}
