//go:build elfloader_lean

package socket

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// The lean runner (docs/binaries.md) links no TCP/IP stack: it hands a
// run with --net=sandbox to elfloader-full before anything starts, so
// its kernels never have a sandbox network and no descriptor is ever a
// sandbox socket. These are the sandbox's entry points for that build:
// the socket calls go to the host's handlers unchanged, a sandbox
// socket cannot be made (EAFNOSUPPORT, as a kernel without its network
// answers in the full build too) and netlink finds no sandbox to list.

type stackSocket struct{}

type stackCall func(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error)

type stackMsgCall func(t *kernel.Task, s *stackSocket, addr uint64, flags int) (int, error)

func route(host shim.Handler, _ stackCall) shim.Handler { return host }

func stackMsg(stackMsgCall) stackCall  { return nil }
func stackMmsg(stackMsgCall) stackCall { return nil }

var (
	stackBind, stackListen, stackAccept0, stackAccept4, stackConnect stackCall
	stackGetsockname, stackGetpeername, stackShutdown                stackCall
	stackSendto, stackRecvfrom, stackRecvmmsg                        stackCall
	stackSetsockopt, stackGetsockopt                                 stackCall
	stackSendmsg, stackRecvmsg                                       stackMsgCall
)

func newSandboxSocket(*kernel.Task, int, int, int, int) (uint64, error) {
	return 0, unix.EAFNOSUPPORT
}

func sandboxGet(kernel.SandboxNetwork, []byte, nlmsg) ([][]byte, error) {
	return nil, unix.EAFNOSUPPORT
}
