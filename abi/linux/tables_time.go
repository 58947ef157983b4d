package linux

import (
	"sync"

	"golang.org/x/sys/unix"
)

// ClockID returns the names of the clockid_t of clock_gettime(2) and friends.
var ClockID = sync.OnceValue(func() Enum {
	return Enum{
		unix.CLOCK_REALTIME: "CLOCK_REALTIME", unix.CLOCK_MONOTONIC: "CLOCK_MONOTONIC",
		unix.CLOCK_PROCESS_CPUTIME_ID: "CLOCK_PROCESS_CPUTIME_ID",
		unix.CLOCK_THREAD_CPUTIME_ID:  "CLOCK_THREAD_CPUTIME_ID",
		unix.CLOCK_MONOTONIC_RAW:      "CLOCK_MONOTONIC_RAW",
		unix.CLOCK_REALTIME_COARSE:    "CLOCK_REALTIME_COARSE",
		unix.CLOCK_MONOTONIC_COARSE:   "CLOCK_MONOTONIC_COARSE",
		unix.CLOCK_BOOTTIME:           "CLOCK_BOOTTIME",
		unix.CLOCK_REALTIME_ALARM:     "CLOCK_REALTIME_ALARM",
		unix.CLOCK_BOOTTIME_ALARM:     "CLOCK_BOOTTIME_ALARM",
		unix.CLOCK_TAI:                "CLOCK_TAI",
	}
})

// TimerFlags is the flags word of clock_nanosleep(2) and timer_settime(2).
var TimerFlags = FlagSet{{Name: "TIMER_ABSTIME", Value: unix.TIMER_ABSTIME}}

// TimerfdFlags is timerfd_create(2)'s flags word.
var TimerfdFlags = FlagSet{
	{Name: "TFD_CLOEXEC", Value: unix.TFD_CLOEXEC},
	{Name: "TFD_NONBLOCK", Value: unix.TFD_NONBLOCK},
}

// TimerfdSettimeFlags is timerfd_settime(2)'s flags word.
var TimerfdSettimeFlags = FlagSet{
	{Name: "TFD_TIMER_ABSTIME", Value: unix.TFD_TIMER_ABSTIME},
	{Name: "TFD_TIMER_CANCEL_ON_SET", Value: 2},
}

// ItimerWhich returns the names of getitimer(2)/setitimer(2)'s which.
var ItimerWhich = sync.OnceValue(func() Enum { return Enum{0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF"} })
