package kernel

// The console devices of the app's devfs: /dev/console and /dev/tty served
// from the host's terminal.

import (
	"context"
	"os"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
)

// consoleDevice is /dev/console or /dev/tty: reads come from the host
// descriptor in, writes go to out (elfloader's own stdin and stdout, or
// the host's controlling terminal).
type consoleDevice struct {
	in, out int
	owned   bool // close the descriptor on release
}

func (c *consoleDevice) Read(ctx context.Context, p []byte, _ int64, _ bool) (int, error) {
	if err := c.checkJobControl(ctx, c.in, sigTTIN); err != nil {
		return 0, err
	}
	for {
		n, err := unix.Read(c.in, p)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

func (c *consoleDevice) Write(ctx context.Context, p []byte, _ int64, _ bool) (int, error) {
	if err := c.checkJobControl(ctx, c.out, sigTTOU); err != nil {
		return 0, err
	}
	for {
		n, err := unix.Write(c.out, p)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

// checkJobControl applies the console's job-control rules
// (consoleAccess) for the task the call runs for.
func (c *consoleDevice) checkJobControl(ctx context.Context, fd, sig int) error {
	t, ok := TaskFromContext(ctx)
	if !ok {
		return nil
	}
	return consoleAccess(t, fd, sig)
}

func (c *consoleDevice) Release() {
	if c.owned {
		unix.Close(c.in)
	}
}

// Ioctl answers the read-only terminal requests from the host terminal.
func (c *consoleDevice) Ioctl(ctx context.Context, cmd uint32, arg uint64) (uint64, error) {
	t, ok := TaskFromContext(ctx)
	if !ok {
		return 0, unix.ENOTTY
	}
	return NewHostFile(c.out, "console").Ioctl(t, uint64(cmd), arg)
}

// RegisterConsole adds /dev/console (elfloader's stdin and stdout) and
// /dev/tty (the host's controlling terminal; ENXIO without one).
func RegisterConsole(dev *devfs.FS) error {
	console := devfs.DeviceFunc(func(context.Context, int) (vfs.FileImpl, error) {
		return &consoleDevice{in: int(os.Stdin.Fd()), out: int(os.Stdout.Fd())}, nil
	})
	if err := dev.Register("console", 5, 1, 0o600, console); err != nil {
		return err
	}
	tty := devfs.DeviceFunc(func(ctx context.Context, flags int) (vfs.FileImpl, error) {
		// A session controlled by a pseudo-terminal of the app's opens
		// that terminal.
		if t, ok := TaskFromContext(ctx); ok {
			if term := t.k.SessionTerminal(t.p.Session()); term != nil {
				return term.OpenTTY(ctx, flags)
			}
		}
		fd, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, unix.ENXIO
		}
		return &consoleDevice{in: fd, out: fd, owned: true}, nil
	})
	return dev.Register("tty", 5, 0, 0o666, tty)
}
