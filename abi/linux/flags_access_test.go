package linux

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestAccessAtFlags: faccessat2's 0x200 is AT_EACCESS, as strace prints
// it, where the other *at calls' 0x200 is AT_REMOVEDIR.
func TestAccessAtFlags(t *testing.T) {
	if got := AccessAtFlags.Format(unix.AT_EACCESS | unix.AT_SYMLINK_NOFOLLOW); got != "AT_SYMLINK_NOFOLLOW|AT_EACCESS" {
		t.Errorf("faccessat2 flags: %q", got)
	}
	if got := AtFlags.Format(unix.AT_REMOVEDIR); got != "AT_REMOVEDIR" {
		t.Errorf("unlinkat flags: %q", got)
	}
	sig := SignatureOf(unix.SYS_FACCESSAT2)
	if len(sig.Args) < 4 || sig.Args[3].Kind != ArgAccessAtFlags {
		t.Errorf("faccessat2's flags argument: %+v", sig)
	}
}
