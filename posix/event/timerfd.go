package event

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

type timerFile struct{ *kernel.HostFile }

func sysTimerfdCreate(t *kernel.Task, a shim.Args) (uint64, error) {
	clock, flags := a.Int(0), a.Int(1)
	if flags&^(unix.TFD_CLOEXEC|unix.TFD_NONBLOCK) != 0 {
		return 0, unix.EINVAL
	}
	switch clock {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM:
	default:
		return 0, unix.EINVAL
	}
	fd, err := unix.TimerfdCreate(clock, unix.TFD_CLOEXEC)
	if err != nil {
		return 0, err
	}
	f := timerFile{kernel.NewOwnedHostFile(fd, "anon_inode:[timerfd]", unix.O_RDWR|flags&unix.O_NONBLOCK)}
	defer f.DecRef()
	nfd, err := t.Process().Files().Install(f, 0, flags&unix.TFD_CLOEXEC != 0)
	return uint64(nfd), err
}

func getTimer(t *kernel.Task, fd int) (timerFile, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return timerFile{}, err
	}
	tf, ok := f.(timerFile)
	if !ok {
		f.DecRef()
		return timerFile{}, unix.EINVAL
	}
	return tf, nil
}

func sysTimerfdSettime(t *kernel.Task, a shim.Args) (uint64, error) {
	tf, err := getTimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer tf.DecRef()
	var nv, ov unix.ItimerSpec
	if err := kernel.CopyInStruct(t, a[2], &nv); err != nil {
		return 0, err
	}
	if err := unix.TimerfdSettime(tf.FD(), a.Int(1), &nv, &ov); err != nil {
		return 0, err
	}
	if a[3] != 0 {
		return 0, kernel.CopyOutStruct(t, a[3], &ov)
	}
	return 0, nil
}

func sysTimerfdGettime(t *kernel.Task, a shim.Args) (uint64, error) {
	tf, err := getTimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer tf.DecRef()
	var cur unix.ItimerSpec
	if err := unix.TimerfdGettime(tf.FD(), &cur); err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[1], &cur)
}
