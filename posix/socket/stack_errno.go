//go:build !elfloader_lean

package socket

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/syserr"
	"gvisor.dev/gvisor/pkg/tcpip"
)

// errnoOf is the errno Linux returns where the sandbox's stack reports
// err (nil for nil).
func errnoOf(err tcpip.Error) error {
	if err == nil {
		return nil
	}
	return unix.Errno(syserr.TranslateNetstackError(err).ToLinux())
}
