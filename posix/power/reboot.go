package power

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_REBOOT, shim.Full, "the unikernel's power button: POWER_OFF and HALT end every process (SIGTERM, grace period, SIGKILL) and elfloader exits 0; "+
		"RESTART and RESTART2 restart the app from a fresh state (bounded by --restart-limit); CAD_ON/CAD_OFF decide whether a host SIGINT restarts; "+
		"KEXEC and SW_SUSPEND: EINVAL (not configured); needs CAP_SYS_BOOT", sysReboot)
}

// restart2ArgMax is how much of RESTART2's command string Linux reads
// (a 256-byte buffer with its NUL).
const restart2ArgMax = 255

// validMagic reports whether magic1 and magic2 are reboot(2)'s magic
// numbers.
func validMagic(magic1, magic2 uint32) bool {
	if magic1 != unix.LINUX_REBOOT_MAGIC1 {
		return false
	}
	switch magic2 {
	case unix.LINUX_REBOOT_MAGIC2, linux.LINUX_REBOOT_MAGIC2A, linux.LINUX_REBOOT_MAGIC2B, linux.LINUX_REBOOT_MAGIC2C:
		return true
	}
	return false
}

// sysReboot checks in Linux's order: CAP_SYS_BOOT (EPERM), the magic
// numbers (EINVAL), then the command.
func sysReboot(t *kernel.Task, a shim.Args) (uint64, error) {
	p := t.Process()
	if !p.HasCap(kernel.CapSysBoot) {
		return 0, unix.EPERM
	}
	if !validMagic(uint32(a[0]), uint32(a[1])) {
		return 0, unix.EINVAL
	}
	k := t.Kernel()
	switch cmd := uint32(a[2]); cmd {
	case unix.LINUX_REBOOT_CMD_CAD_ON:
		k.SetCtrlAltDel(true)
		return 0, nil
	case unix.LINUX_REBOOT_CMD_CAD_OFF:
		k.SetCtrlAltDel(false)
		return 0, nil
	case unix.LINUX_REBOOT_CMD_POWER_OFF, unix.LINUX_REBOOT_CMD_HALT:
		return 0, shutdown(t, kernel.PowerEvent{Action: kernel.PowerOff, Reason: reason(cmd, p.PID)})
	case unix.LINUX_REBOOT_CMD_RESTART:
		return 0, shutdown(t, kernel.PowerEvent{Action: kernel.PowerRestart, Reason: reason(cmd, p.PID)})
	case unix.LINUX_REBOOT_CMD_RESTART2:
		arg, err := restart2Arg(t, a[3])
		if err != nil {
			return 0, err
		}
		return 0, shutdown(t, kernel.PowerEvent{Action: kernel.PowerRestart, Reason: reason(cmd, p.PID), Arg: arg})
	}
	return 0, unix.EINVAL
}

// restart2Arg reads RESTART2's command string as Linux does: at most 255
// bytes, cut there when longer; EFAULT for an unreadable address.
func restart2Arg(t *kernel.Task, addr uint64) (string, error) {
	s, err := t.CopyInString(addr, restart2ArgMax)
	if !errors.Is(err, unix.ENAMETOOLONG) {
		return s, err
	}
	buf := make([]byte, restart2ArgMax)
	if err := t.CopyIn(addr, buf); err != nil {
		return "", unix.EFAULT
	}
	return string(buf), nil
}

// shutdown starts the shutdown and blocks the caller until SIGKILL ends
// it: a successful reboot(2) does not return. Signals that reach the
// caller meanwhile are delivered and the call is made again.
func shutdown(t *kernel.Task, ev kernel.PowerEvent) error {
	t.Kernel().Shutdown(ev, t.Process())
	if err := t.Block(t.Kernel().ShutdownDone(), time.Time{}); err != nil {
		return kernel.ERESTARTNOINTR
	}
	return nil
}

// reason names the command and the process that gave it.
func reason(cmd uint32, pid int) string {
	return fmt.Sprintf("reboot(%s) by pid %d", commandName(cmd), pid)
}

// commandName is the LINUX_REBOOT_CMD_ name of cmd.
func commandName(cmd uint32) string {
	switch cmd {
	case unix.LINUX_REBOOT_CMD_POWER_OFF:
		return "LINUX_REBOOT_CMD_POWER_OFF"
	case unix.LINUX_REBOOT_CMD_HALT:
		return "LINUX_REBOOT_CMD_HALT"
	case unix.LINUX_REBOOT_CMD_RESTART:
		return "LINUX_REBOOT_CMD_RESTART"
	case unix.LINUX_REBOOT_CMD_RESTART2:
		return "LINUX_REBOOT_CMD_RESTART2"
	}
	return fmt.Sprintf("%#x", cmd)
}
