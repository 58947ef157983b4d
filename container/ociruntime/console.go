package ociruntime

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// SendConsole hands the pseudo-terminal's master to the process listening
// on the unix socket at path, as runc does for --console-socket: one
// message whose data is the master's name and whose SCM_RIGHTS control
// message carries its descriptor.
func SendConsole(path string, master *os.File) error {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return fmt.Errorf("console socket: %w", err)
	}
	defer conn.Close()
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("console socket %s: not a unix socket", path)
	}
	if _, _, err := uc.WriteMsgUnix([]byte(master.Name()), unix.UnixRights(int(master.Fd())), nil); err != nil {
		return fmt.Errorf("console socket %s: sending the terminal: %w", path, err)
	}
	return nil
}
