package sysinfo

import (
	"math/bits"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSchedAttr(tb *shim.Table) {
	tb.Register(unix.SYS_SCHED_SETATTR, shim.Partial, "recorded per process with Linux's rules, as sched_setscheduler: struct sched_attr of any size (E2BIG and the size written back), nice for the fair policies, a fair policy's custom slice (sched_runtime), KEEP_POLICY/KEEP_PARAMS, RESET_ON_FORK; utilization clamps EOPNOTSUPP (a kernel without CONFIG_UCLAMP_TASK); SCHED_DEADLINE's parameters checked (EINVAL) and, without CAP_SYS_NICE, EPERM; with it recorded without admission control (no EBUSY); the host threads keep the host's scheduling", sysSchedSetattr)
	tb.Register(unix.SYS_SCHED_GETATTR, shim.Partial, "the recorded attributes, copied at the size the caller gives (the struct's size written in it)", sysSchedGetattr)
}

// struct sched_attr (include/uapi/linux/sched/types.h).
type schedAttr struct {
	Size     uint32
	Policy   uint32
	Flags    uint64
	Nice     int32
	Priority uint32
	Runtime  uint64
	Deadline uint64
	Period   uint64
	UtilMin  uint32
	UtilMax  uint32
}

const (
	schedAttrSizeVer0 = 48
	schedAttrSize     = 56 // SCHED_ATTR_SIZE_VER1, sizeof(struct sched_attr)
	pageSize          = 4096

	schedFlagResetOnFork = 0x01
	schedFlagReclaim     = 0x02
	schedFlagDLOverrun   = 0x04
	schedFlagKeepPolicy  = 0x08
	schedFlagKeepParams  = 0x10
	schedFlagUtilClamp   = 0x60
	schedFlagAll         = 0x7f
	schedFlagSugov       = 0x10000000

	// A fair policy's custom slice is clamped to 0.1..100 ms.
	minSlice = 100 * 1000
	maxSlice = 100 * 1000 * 1000
	// sched_rt/dl period bounds: kernel.sched_deadline_period_{min,max}_us.
	dlPeriodMin = 100 * 1000
	dlPeriodMax = (1 << 22) * 1000
	dlScale     = 10
)

// copyInSchedAttr is sched_copy_attr: the size the app wrote (0 means
// the first version's 48 bytes), at least 48 and at most a page; bytes
// past the struct this kernel knows must be zero. A bad size answers
// E2BIG with the struct's size written back.
func copyInSchedAttr(t *kernel.Task, addr uint64) (schedAttr, error) {
	var attr schedAttr
	var size uint32
	if err := kernel.CopyInStruct(t, addr, &size); err != nil {
		return attr, err
	}
	if size == 0 {
		size = schedAttrSizeVer0
	}
	tooBig := func() (schedAttr, error) {
		if err := kernel.CopyOutValue(t, addr, uint32(schedAttrSize)); err != nil {
			return attr, err
		}
		return attr, unix.E2BIG
	}
	if size < schedAttrSizeVer0 || size > pageSize {
		return tooBig()
	}
	buf := make([]byte, size)
	if err := t.CopyIn(addr, buf); err != nil {
		return attr, err
	}
	for _, b := range buf[min(int(size), schedAttrSize):] {
		if b != 0 {
			return tooBig()
		}
	}
	var full [schedAttrSize]byte
	copy(full[:], buf)
	attr = decodeSchedAttr(full[:])
	if attr.Flags&schedFlagUtilClamp != 0 && size < schedAttrSize {
		return attr, unix.EINVAL
	}
	attr.Nice = min(max(attr.Nice, -20), 19)
	return attr, nil
}

func decodeSchedAttr(b []byte) schedAttr {
	le32 := func(o int) uint32 { return uint32(b[o]) | uint32(b[o+1])<<8 | uint32(b[o+2])<<16 | uint32(b[o+3])<<24 }
	le64 := func(o int) uint64 { return uint64(le32(o)) | uint64(le32(o+4))<<32 }
	return schedAttr{
		Size: le32(0), Policy: le32(4), Flags: le64(8), Nice: int32(le32(16)), Priority: le32(20),
		Runtime: le64(24), Deadline: le64(32), Period: le64(40), UtilMin: le32(48), UtilMax: le32(52),
	}
}

func encodeSchedAttr(a schedAttr) []byte {
	b := make([]byte, schedAttrSize)
	put32 := func(o int, v uint32) { b[o], b[o+1], b[o+2], b[o+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
	put64 := func(o int, v uint64) { put32(o, uint32(v)); put32(o+4, uint32(v>>32)) }
	put32(0, a.Size)
	put32(4, a.Policy)
	put64(8, a.Flags)
	put32(16, uint32(a.Nice))
	put32(20, a.Priority)
	put64(24, a.Runtime)
	put64(32, a.Deadline)
	put64(40, a.Period)
	put32(48, a.UtilMin)
	put32(52, a.UtilMax)
	return b
}

// checkDeadline is Linux's __checkparam_dl.
func checkDeadline(a schedAttr) bool {
	if a.Deadline == 0 || a.Runtime < 1<<dlScale || a.Deadline&(1<<63) != 0 || a.Period&(1<<63) != 0 {
		return false
	}
	period := a.Period
	if period == 0 {
		period = a.Deadline
	}
	return period >= a.Deadline && a.Deadline >= a.Runtime && period >= dlPeriodMin && period <= dlPeriodMax
}

// slice is the time slice sched_getattr reports as a fair policy's
// sched_runtime: the custom one, else Linux's default base slice, 0.7 ms
// scaled by 1 + log2 of the CPUs (at most 8: SCHED_TUNABLESCALING_LOG).
func slice(s kernel.Sched) uint64 {
	if s.Slice != 0 {
		return s.Slice
	}
	return 700 * 1000 * uint64(1+bits.Len(uint(min(runtime.NumCPU(), 8)))-1)
}

func isFair(policy int) bool {
	return policy == schedOther || policy == schedBatch || policy == schedIdle
}
func isRT(policy int) bool { return policy == schedFIFO || policy == schedRR }

// sysSchedSetattr is sched_setattr(2): Linux's __sched_setscheduler
// with a user caller, over the recorded attributes.
func sysSchedSetattr(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, uattr, flags := a.Int(0), a[1], uint32(a[2])
	if uattr == 0 || pid < 0 || flags != 0 {
		return 0, unix.EINVAL
	}
	attr, err := copyInSchedAttr(t, uattr)
	if err != nil {
		return 0, err
	}
	if int32(attr.Policy) < 0 {
		return 0, unix.EINVAL
	}
	keepPolicy := attr.Flags&schedFlagKeepPolicy != 0
	if isHostParent(t, pid) {
		return 0, unix.EPERM
	}
	p, err := schedTarget(t, pid)
	if err != nil {
		return 0, err
	}
	allowed := mayChange(t, p)
	caller := t.Process()
	privileged := caller.HasCap(kernel.CapSysNice)
	rtLimit := caller.Rlimit(unix.RLIMIT_RTPRIO).Cur
	niceLimit := caller.Rlimit(unix.RLIMIT_NICE).Cur
	return 0, p.UpdateSched(func(s *kernel.Sched) error {
		if attr.Flags&schedFlagKeepParams != 0 {
			// get_params: the target's current parameters.
			attr.Nice, attr.Priority = int32(s.Nice), uint32(s.Priority)
			switch {
			case s.Policy == schedDeadline:
				attr.Runtime, attr.Deadline, attr.Period = s.Runtime, s.Deadline, s.Period
				attr.Flags |= s.DLFlags
			case isFair(s.Policy):
				attr.Runtime = slice(*s)
			}
		}
		policy := int(attr.Policy)
		reset := attr.Flags&schedFlagResetOnFork != 0
		if keepPolicy {
			policy, reset = s.Policy, s.ResetOnFork
		} else if _, _, ok := priorityRange(policy); !ok {
			return unix.EINVAL
		}
		if attr.Flags&^(schedFlagAll|schedFlagSugov) != 0 || attr.Priority > maxRTPriority {
			return unix.EINVAL
		}
		if policy == schedDeadline && !checkDeadline(attr) || isRT(policy) != (attr.Priority != 0) {
			return unix.EINVAL
		}
		// user_check_sched_setscheduler: what needs CAP_SYS_NICE.
		needPriv := !allowed || policy == schedDeadline || s.ResetOnFork && !reset
		if isFair(policy) && int(attr.Nice) < s.Nice && uint64(20-int(attr.Nice)) > niceLimit {
			needPriv = true
		}
		if isRT(policy) && (policy != s.Policy && rtLimit == 0 || uint64(attr.Priority) > uint64(s.Priority) && uint64(attr.Priority) > rtLimit) {
			needPriv = true
		}
		if s.Policy == schedIdle && policy != schedIdle && uint64(20-s.Nice) > niceLimit {
			needPriv = true
		}
		if needPriv && !privileged {
			return unix.EPERM
		}
		if attr.Flags&schedFlagSugov != 0 {
			return unix.EINVAL
		}
		if attr.Flags&schedFlagUtilClamp != 0 {
			// A kernel without CONFIG_UCLAMP_TASK (uclamp_validate).
			return unix.EOPNOTSUPP
		}
		s.ResetOnFork = reset
		if attr.Flags&schedFlagKeepParams != 0 {
			// Linux applies neither policy nor parameters then
			// (__sched_setscheduler skips __setscheduler_params).
			return nil
		}
		s.Policy = policy
		switch {
		case policy == schedDeadline:
			s.Priority, s.Runtime, s.Deadline, s.Period = 0, attr.Runtime, attr.Deadline, attr.Period
			if s.Period == 0 {
				s.Period = attr.Deadline
			}
			s.DLFlags = attr.Flags & (schedFlagReclaim | schedFlagDLOverrun)
		case isFair(policy):
			s.Nice, s.Priority, s.Slice = int(attr.Nice), 0, 0
			if attr.Runtime != 0 {
				s.Slice = min(max(attr.Runtime, minSlice), maxSlice)
			}
		default:
			s.Priority = int(attr.Priority)
		}
		if policy != schedDeadline {
			s.Runtime, s.Deadline, s.Period, s.DLFlags = 0, 0, 0, 0
		}
		return nil
	})
}

// sysSchedGetattr is sched_getattr(2): the attributes at the size the
// caller asked for (the smaller of it and the struct's), with that size
// written in the struct.
func sysSchedGetattr(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, uattr, usize, flags := a.Int(0), a[1], uint32(a[2]), uint32(a[3])
	if uattr == 0 || pid < 0 || usize > pageSize || usize < schedAttrSizeVer0 || flags != 0 {
		return 0, unix.EINVAL
	}
	p, err := schedTarget(t, pid)
	if err != nil {
		return 0, err
	}
	s := p.Sched()
	attr := schedAttr{Policy: uint32(s.Policy)}
	if s.ResetOnFork {
		attr.Flags |= schedFlagResetOnFork
	}
	switch {
	case s.Policy == schedDeadline:
		attr.Runtime, attr.Deadline, attr.Period = s.Runtime, s.Deadline, s.Period
		attr.Flags |= s.DLFlags
	case isRT(s.Policy):
		attr.Priority = uint32(s.Priority)
	default:
		attr.Nice, attr.Runtime = int32(s.Nice), slice(s)
	}
	// copy_struct_to_user: the caller's bytes past the struct are zeroed.
	attr.Size = min(usize, schedAttrSize)
	out := make([]byte, usize)
	copy(out, encodeSchedAttr(attr))
	return 0, t.CopyOut(uattr, out)
}
