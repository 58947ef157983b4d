package loop

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
)

// Device numbers (Linux's LOOP_MAJOR and loop-control's misc minor).
const (
	loopMajor      = 7
	miscMajor      = 10
	controlMinor   = 237
	initialDevices = 8 // CONFIG_BLK_DEV_LOOP_MIN_COUNT
	maxDevices     = 1 << 20
)

// Devices is the set of loop devices of one devfs.
type Devices struct {
	dev     *devfs.FS
	mu      sync.Mutex
	devices map[int]*device
	// bindMu orders binds, so that two cannot make a cycle of loop devices.
	bindMu sync.Mutex
}

// Register adds /dev/loop-control and /dev/loop0 to /dev/loop7 to dev.
func Register(dev *devfs.FS) (*Devices, error) {
	d := &Devices{dev: dev, devices: map[int]*device{}}
	control := devfs.DeviceFunc(func(context.Context, int) (vfs.FileImpl, error) { return &controlFile{d}, nil })
	if err := dev.Register("loop-control", miscMajor, controlMinor, 0o660, control); err != nil {
		return nil, fmt.Errorf("loop: %w", err)
	}
	for n := range initialDevices {
		if _, err := d.add(n); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// add makes loop device n and its node.
func (d *Devices) add(n int) (*device, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.devices[n]; ok {
		return nil, unix.EEXIST
	}
	dev := &device{number: n, devices: d}
	open := devfs.DeviceFunc(func(_ context.Context, flags int) (vfs.FileImpl, error) {
		return d.open(n, flags)
	})
	if err := d.dev.RegisterBlock(fmt.Sprintf("loop%d", n), loopMajor, uint32(n), 0o660, open); err != nil {
		return nil, fmt.Errorf("loop: %w", err)
	}
	d.devices[n] = dev
	return dev, nil
}

// open opens loop device n (ENXIO once removed).
func (d *Devices) open(n int, flags int) (vfs.FileImpl, error) {
	d.mu.Lock()
	dev, ok := d.devices[n]
	d.mu.Unlock()
	if !ok {
		return nil, unix.ENXIO
	}
	dev.mu.Lock()
	dev.opens++
	dev.mu.Unlock()
	acc := flags & unix.O_ACCMODE
	return &deviceFile{dev: dev, writable: acc == unix.O_WRONLY || acc == unix.O_RDWR}, nil
}

// controlFile is an open /dev/loop-control.
type controlFile struct{ d *Devices }

func (c *controlFile) Read(context.Context, []byte, int64, bool) (int, error)  { return 0, unix.EINVAL }
func (c *controlFile) Write(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EINVAL }
func (c *controlFile) Release()                                                {}

// Ioctl implements vfs.Ioctler: LOOP_CTL_GET_FREE returns the lowest
// unbound device (made if needed), LOOP_CTL_ADD makes device arg (EEXIST),
// LOOP_CTL_REMOVE removes an unbound one (EBUSY while bound or open).
func (c *controlFile) Ioctl(_ context.Context, cmd uint32, arg uint64) (uint64, error) {
	d := c.d
	switch cmd {
	case unix.LOOP_CTL_GET_FREE:
		return d.getFree()
	case unix.LOOP_CTL_ADD:
		if arg >= maxDevices {
			return 0, unix.EINVAL
		}
		_, err := d.add(int(arg))
		return arg, err
	case unix.LOOP_CTL_REMOVE:
		return arg, d.remove(arg)
	}
	return 0, unix.ENOTTY
}

func (d *Devices) getFree() (uint64, error) {
	d.mu.Lock()
	n := 0
	for ; n < maxDevices; n++ {
		dev, ok := d.devices[n]
		if !ok {
			break
		}
		if !dev.bound() {
			d.mu.Unlock()
			return uint64(n), nil
		}
	}
	d.mu.Unlock()
	if n == maxDevices {
		return 0, unix.ENOSPC
	}
	if _, err := d.add(n); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

func (d *Devices) remove(arg uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	dev, ok := d.devices[int(arg)]
	if arg >= maxDevices || !ok {
		return unix.ENODEV
	}
	dev.mu.Lock()
	busy := dev.backing != nil || dev.opens > 0
	dev.mu.Unlock()
	if busy {
		return unix.EBUSY
	}
	delete(d.devices, int(arg))
	return nil
}

// taskOf returns the task an ioctl runs for.
func taskOf(ctx context.Context) (*kernel.Task, error) {
	t, ok := kernel.TaskFromContext(ctx)
	if !ok {
		return nil, unix.ENOTTY
	}
	return t, nil
}
