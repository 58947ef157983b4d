package sysinfo

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// syslog(2): the unikernel's own kernel log ring, as dmesg reads it. It
// starts with the lines of elfloader's boot; nothing of the host's log
// reaches the app. Reading it follows /proc/sys/kernel/dmesg_restrict as
// the host has it.

func registerSyslog(tb *shim.Table) {
	tb.Register(unix.SYS_SYSLOG, shim.Full, "the unikernel's own log ring (its boot lines), never the host's; dmesg_restrict as on the host", sysSyslog)
}

// Actions of syslog(2).
const (
	syslogClose        = 0
	syslogOpen         = 1
	syslogRead         = 2
	syslogReadAll      = 3
	syslogReadClear    = 4
	syslogClear        = 5
	syslogConsoleOff   = 6
	syslogConsoleOn    = 7
	syslogConsoleLevel = 8
	syslogSizeUnread   = 9
	syslogSizeBuffer   = 10

	logBufLen  = 1 << 17 // CONFIG_LOG_BUF_SHIFT=17
	capSyslog  = 34
	defaultLvl = 7 // console_loglevel
)

// kernelLog is the ring: the text since the last clear, and the part not
// yet read by the destructive reads.
type kernelLog struct {
	mu       sync.Mutex
	text     string // "<level>[seconds] message\n" lines, at most logBufLen bytes
	readFrom int    // offset in text of the first unread byte
	cleared  int    // offset in text where READ_ALL starts after a clear
	level    int    // console log level
}

type kernelLogKey struct{}

func logOf(t *kernel.Task) *kernelLog {
	return t.Kernel().LibraryState(kernelLogKey{}, func() any {
		l := &kernelLog{level: defaultLvl}
		var uts unix.Utsname
		unix.Uname(&uts)
		release := unix.ByteSliceToString(uts.Release[:])
		lines := []string{
			fmt.Sprintf("Linux version %s (elfloader, a unikernel on a Go kernel) %s", release, runtime.Version()),
			fmt.Sprintf("Command line: elfloader run (pid %d on the host)", os.Getpid()),
			"x86/fpu: extended state sized by CPUID",
			"elfloader: root filesystem, /dev, /proc, /sys and /tmp assembled in memory",
		}
		var b strings.Builder
		for _, s := range lines {
			fmt.Fprintf(&b, "<6>[%5d.%06d] %s\n", 0, 0, s)
		}
		l.text = b.String()
		return l
	}).(*kernelLog)
}

// dmesgRestricted is /proc/sys/kernel/dmesg_restrict (1 if unreadable).
func dmesgRestricted() bool {
	b, err := os.ReadFile("/proc/sys/kernel/dmesg_restrict")
	return err != nil || strings.TrimSpace(string(b)) != "0"
}

// mayReadLog is check_syslog_permissions: READ_ALL and SIZE_BUFFER are
// open to everyone unless dmesg_restrict; the rest need CAP_SYSLOG.
func mayReadLog(t *kernel.Task, action int) bool {
	if (action == syslogReadAll || action == syslogSizeBuffer) && !dmesgRestricted() {
		return true
	}
	p := t.Process()
	return p.HasCap(capSyslog) || p.HasCap(kernel.CapSysAdmin)
}

// sysSyslog is syslog(type, buf, len).
func sysSyslog(t *kernel.Task, a shim.Args) (uint64, error) {
	action, buf, n := a.Int(0), a[1], a.Int(2)
	// The permission comes first, for every action (do_syslog).
	if !mayReadLog(t, action) {
		return 0, unix.EPERM
	}
	if action == syslogOpen || action == syslogClose {
		return 0, nil
	}
	if action < syslogClose || action > syslogSizeBuffer {
		return 0, unix.EINVAL
	}
	l := logOf(t)
	switch action {
	case syslogRead, syslogReadAll, syslogReadClear:
		if buf == 0 || n < 0 {
			return 0, unix.EINVAL
		}
		if n == 0 {
			return 0, nil
		}
		return l.read(t, action, buf, n)
	case syslogClear:
		l.mu.Lock()
		l.cleared, l.readFrom = len(l.text), max(l.readFrom, len(l.text))
		l.mu.Unlock()
		return 0, nil
	case syslogConsoleOff:
		l.mu.Lock()
		l.level = 1
		l.mu.Unlock()
		return 0, nil
	case syslogConsoleOn:
		l.mu.Lock()
		l.level = defaultLvl
		l.mu.Unlock()
		return 0, nil
	case syslogConsoleLevel:
		if n < 1 || n > 8 {
			return 0, unix.EINVAL
		}
		l.mu.Lock()
		l.level = max(n, 1)
		l.mu.Unlock()
		return 0, nil
	case syslogSizeUnread:
		l.mu.Lock()
		defer l.mu.Unlock()
		return uint64(len(l.text) - l.readFrom), nil
	}
	return logBufLen, nil // syslogSizeBuffer
}

// read serves the three reads: READ takes unread text (waiting for some,
// interruptibly), READ_ALL copies the last n bytes of whole lines since
// the last clear, READ_CLEAR does that and clears.
func (l *kernelLog) read(t *kernel.Task, action int, buf uint64, n int) (uint64, error) {
	l.mu.Lock()
	var out string
	if action == syslogRead {
		if l.readFrom == len(l.text) {
			// Nothing unread: Linux sleeps until a message comes; the
			// unikernel's log gets none after boot, so only a signal
			// ends the wait.
			l.mu.Unlock()
			ctx, cancel := t.SignalContext()
			defer cancel()
			<-ctx.Done()
			return 0, kernel.ERESTARTSYS
		}
		out = l.text[l.readFrom:]
		if len(out) > n {
			out = out[:n]
		}
		l.readFrom += len(out)
	} else {
		out = wholeLinesTail(l.text[l.cleared:], n)
		if action == syslogReadClear {
			l.cleared = len(l.text)
		}
	}
	l.mu.Unlock()
	if err := t.CopyOut(buf, []byte(out)); err != nil {
		return 0, err
	}
	return uint64(len(out)), nil
}

// wholeLinesTail is the last lines of text that fit in n bytes.
func wholeLinesTail(text string, n int) string {
	if len(text) <= n {
		return text
	}
	tail := text[len(text)-n:]
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i+1 < len(tail) {
		return tail[i+1:]
	}
	return ""
}
