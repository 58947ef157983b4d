package timer

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerAdjtime(tb *shim.Table) {
	const note = "reads (modes 0, ADJ_OFFSET_SS_READ) answer the host's clock state, struct timex and return value, through a read-only host adjtimex; Linux's EINVAL/EPERM checks; a change the app may make (CAP_SYS_TIME) answers EPERM: the host's clock is never changed"
	tb.Register(unix.SYS_ADJTIMEX, shim.Partial, note, sysAdjtimex)
	tb.Register(unix.SYS_CLOCK_ADJTIME, shim.Partial, "CLOCK_REALTIME as adjtimex; the other clocks EOPNOTSUPP, unknown ones EINVAL; "+note, sysClockAdjtime)
	tb.Register(unix.SYS_SETTIMEOFDAY, shim.Partial, "Linux's EFAULT and EINVAL cases, EPERM without CAP_SYS_TIME; with it, NULL arguments succeed and any change answers EPERM: the host's clock is never changed and the kernel's timezone stays UTC", sysSettimeofday)
}

// capSysTime is CAP_SYS_TIME.
const capSysTime = 25

const (
	adjOffset         = 0x0001
	adjFrequency      = 0x0002
	adjTick           = 0x4000
	adjSetOffset      = 0x0100
	adjNano           = 0x2000
	adjOffsetSingle   = 0x8001 // ADJ_OFFSET_SINGLESHOT
	adjOffsetReadonly = 0x2000 // ADJ_OFFSET_READONLY, shares ADJ_NANO's bit
	adjAdjtime        = 0x8000 // ADJ_ADJTIME
	ppmScale          = 65536  // PPM_SCALE
	maxInt64          = 1<<63 - 1
	minInt64          = -1 << 63
)

// adjtimex is do_adjtimex for the app: timekeeping_validate_timex's
// checks with the app's CAP_SYS_TIME, then a read of the host's state
// (elfloader's own struct, never a mode that writes) or EPERM.
func adjtimex(t *kernel.Task, tx *unix.Timex) (int, error) {
	privileged := t.Process().HasCap(capSysTime)
	readOnly := tx.Modes == 0
	if tx.Modes&adjAdjtime != 0 {
		if tx.Modes&adjOffsetSingle != adjOffsetSingle {
			return 0, unix.EINVAL
		}
		readOnly = tx.Modes == adjOffsetSingle|adjOffsetReadonly
		if !readOnly && !privileged {
			return 0, unix.EPERM
		}
	} else {
		if tx.Modes != 0 && !privileged {
			return 0, unix.EPERM
		}
		if tx.Modes&adjTick != 0 && (tx.Tick < 900000/userHZ || tx.Tick > 1100000/userHZ) {
			return 0, unix.EINVAL
		}
	}
	if tx.Modes&adjSetOffset != 0 {
		if !privileged {
			return 0, unix.EPERM
		}
		limit := int64(1000000)
		if tx.Modes&adjNano != 0 {
			limit = 1000000000
		}
		if tx.Time.Usec < 0 || tx.Time.Usec >= limit {
			return 0, unix.EINVAL
		}
	}
	if tx.Modes&adjFrequency != 0 && (tx.Freq < minInt64/ppmScale || tx.Freq > maxInt64/ppmScale) {
		return 0, unix.EINVAL
	}
	if !readOnly {
		return 0, unix.EPERM // the host's clock is never changed
	}
	host := unix.Timex{Modes: tx.Modes}
	state, err := unix.Adjtimex(&host)
	if err != nil {
		return 0, err
	}
	*tx = host
	return state, nil
}

func sysAdjtimex(t *kernel.Task, a shim.Args) (uint64, error) {
	var tx unix.Timex
	if err := kernel.CopyInStruct(t, a[0], &tx); err != nil {
		return 0, err
	}
	state, err := adjtimex(t, &tx)
	if err != nil {
		return 0, err
	}
	return uint64(state), kernel.CopyOutStruct(t, a[0], &tx)
}

// sysClockAdjtime is clock_adjtime(2): only CLOCK_REALTIME can be
// adjusted (posix_clocks' clock_adj); the struct is read first (EFAULT).
func sysClockAdjtime(t *kernel.Task, a shim.Args) (uint64, error) {
	id := a.Int(0)
	var tx unix.Timex
	if err := kernel.CopyInStruct(t, a[1], &tx); err != nil {
		return 0, err
	}
	switch {
	case id == unix.CLOCK_REALTIME:
	case id < 0 && id&7 == 3:
		return 0, unix.EINVAL // a clock descriptor: elfloader has none
	case id < 0, id <= unix.CLOCK_TAI && id != 10:
		return 0, unix.EOPNOTSUPP
	default:
		return 0, unix.EINVAL
	}
	state, err := adjtimex(t, &tx)
	if err != nil {
		return 0, err
	}
	return uint64(state), kernel.CopyOutStruct(t, a[1], &tx)
}

// sysSettimeofday is settimeofday(2) in Linux's order: the arguments are
// read and checked (EFAULT, EINVAL), then CAP_SYS_TIME (EPERM), then the
// timezone's ±15 hours (EINVAL). A change then answers EPERM.
func sysSettimeofday(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[0] != 0 {
		var tv unix.Timeval
		if err := kernel.CopyInStruct(t, a[0], &tv); err != nil {
			return 0, err
		}
		if tv.Usec < 0 || tv.Usec >= 1000000 || tv.Sec < 0 {
			return 0, unix.EINVAL
		}
	}
	var tz struct{ MinutesWest, DSTTime int32 }
	if a[1] != 0 {
		if err := kernel.CopyInStruct(t, a[1], &tz); err != nil {
			return 0, err
		}
	}
	if !t.Process().HasCap(capSysTime) {
		return 0, unix.EPERM
	}
	if a[1] != 0 && (tz.MinutesWest > 15*60 || tz.MinutesWest < -15*60) {
		return 0, unix.EINVAL
	}
	if a[0] == 0 && a[1] == 0 {
		return 0, nil
	}
	return 0, unix.EPERM
}
