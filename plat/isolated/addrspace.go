package isolated

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// commandTimeout bounds every exchange with a stub's control thread. A stub
// that does not answer in time is killed: its app may have broken it.
const commandTimeout = 10 * time.Second

// AddressSpace is one stub process: one app address space.
type AddressSpace struct {
	p      *Platform
	pid    int
	pidfd  int
	sock   int    // elfloader's end of the control socket
	ctrl   []byte // elfloader's mapping of the shared control memory
	nslots int
	// exe is the program the stub process runs (device and inode of
	// /proc/PID/exe): the stub program, or elfloader itself for a process
	// adopted from an in-process fork. Its fork children run the same.
	exe fileID
	// vdso is the host's vDSO as the stub process has it (VDSO).
	vdso []plat.VDSOMapping

	cmdMu sync.Mutex // one command at a time on the socket
	dead  atomic.Bool

	mu       sync.Mutex
	used     []bool // slots held by contexts (or leaked by a stuck thread)
	refs     int    // the address space itself and each context
	released bool
}

// shell is an address space's resources before its stub runs.
type shell struct {
	ctrlFd    int // control memfd (elfloader keeps it only until the stub has it)
	ctrl      []byte
	sock      int // elfloader's end
	stubSock  int // the stub's end
	slotCount int
}

func (p *Platform) newShell() (*shell, error) {
	size := hdrSize + p.nslots*p.slotSize
	if size > stubCtrlMax {
		return nil, fmt.Errorf("isolated: control memory of %d bytes exceeds the stub region", size)
	}
	fd, err := unix.MemfdCreate("elfloader-stub-ctrl", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("isolated: control memfd: %w", err)
	}
	sh := &shell{ctrlFd: fd, sock: -1, stubSock: -1, slotCount: p.nslots}
	fail := func(what string, err error) (*shell, error) {
		sh.close()
		return nil, fmt.Errorf("isolated: %s: %w", what, err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		return fail("sizing control memory", err)
	}
	// Nobody may shrink it under elfloader's mapping (a SIGBUS in Go).
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL); err != nil {
		return fail("sealing control memory", err)
	}
	sh.ctrl, err = unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail("mapping control memory", err)
	}
	binary.LittleEndian.PutUint32(sh.ctrl[hdrMagic:], stubMagic)
	binary.LittleEndian.PutUint32(sh.ctrl[hdrSlotSize:], uint32(p.slotSize))
	binary.LittleEndian.PutUint32(sh.ctrl[hdrNslots:], uint32(p.nslots))
	binary.LittleEndian.PutUint32(sh.ctrl[hdrKickSignal:], uint32(KickSignal))
	binary.LittleEndian.PutUint64(sh.ctrl[hdrXcompPerm:], p.permittedFeatures())
	// The stub keeps its vDSO, which has elfloader's layout (one kernel).
	if before, size, ok := plat.VDSOExtent(plat.HostVDSO()); ok {
		binary.LittleEndian.PutUint64(sh.ctrl[hdrVDSOBefore:], before)
		binary.LittleEndian.PutUint64(sh.ctrl[hdrVDSOSize:], size)
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("control socket", err)
	}
	sh.sock, sh.stubSock = pair[0], pair[1]
	return sh, nil
}

// close frees what the stub did not take over.
func (sh *shell) close() {
	for _, fd := range []int{sh.ctrlFd, sh.sock, sh.stubSock} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	if sh.ctrl != nil {
		unix.Munmap(sh.ctrl)
	}
}

// NewStubAddressSpace starts a stub process: an empty address space.
func (p *Platform) NewStubAddressSpace() (*AddressSpace, error) {
	sh, err := p.newShell()
	if err != nil {
		return nil, err
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Env:   []string{},
		Files: []uintptr{uintptr(sh.stubSock), uintptr(sh.ctrlFd), uintptr(p.stubExe)},
		Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
	}
	// The child's fd 2 is the stub program.
	pid, err := forkExecQuiet("/proc/self/fd/2", []string{"elfloader-stub"}, attr)
	if err != nil {
		sh.close()
		return nil, fmt.Errorf("isolated: starting the stub: %w", err)
	}
	if pidfd < 0 {
		if pidfd, err = unix.PidfdOpen(pid, 0); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			sh.close()
			return nil, fmt.Errorf("isolated: pidfd of the stub: %w", err)
		}
	}
	return p.adopt(sh, pid, pidfd, p.stubID, nil)
}

// terminalSignalSet holds the signals a terminal sends to elfloader's
// host process group (Ctrl-C, Ctrl-\, Ctrl-Z, background reads and
// writes, hang-up), which elfloader passes on to the app.
func terminalSignalSet() unix.Sigset_t {
	var set unix.Sigset_t
	for _, sig := range [...]unix.Signal{unix.SIGINT, unix.SIGQUIT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGHUP} {
		set.Val[(sig-1)/64] |= 1 << ((sig - 1) % 64)
	}
	return set
}

// forkExecQuiet is syscall.ForkExec from a thread that blocks the
// terminal's signals, so that the new stub starts with them blocked (the
// mask survives exec) until its own handlers ignore them: a Ctrl-C or
// Ctrl-Z meant for the app cannot kill or stop a stub that is starting.
func forkExecQuiet(path string, argv []string, attr *syscall.ProcAttr) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	set, old := terminalSignalSet(), unix.Sigset_t{}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old); err != nil {
		return 0, fmt.Errorf("blocking signals: %w", err)
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return syscall.ForkExec(path, argv, attr)
}

// fileID identifies a file on the host.
type fileID struct{ dev, ino uint64 }

// adopt waits for a started stub to report ready and makes it an address
// space. vdso is the vDSO the stub kept when the caller knows it (a fork
// keeps its parent's at the same addresses); nil reads it from the host.
func (p *Platform) adopt(sh *shell, pid, pidfd int, exe fileID, vdso *[]plat.VDSOMapping) (*AddressSpace, error) {
	unix.Close(sh.ctrlFd)
	unix.Close(sh.stubSock)
	sh.ctrlFd, sh.stubSock = -1, -1
	as := &AddressSpace{
		p: p, pid: pid, pidfd: pidfd, sock: sh.sock, ctrl: sh.ctrl,
		nslots: sh.slotCount, used: make([]bool, sh.slotCount), refs: 1, exe: exe,
	}
	r, err := as.readReply()
	if err == nil && r != stubMagic {
		err = fmt.Errorf("unexpected greeting %#x", r)
	}
	if err != nil {
		as.kill()
		as.reap()
		sh.close()
		return nil, fmt.Errorf("isolated: the stub did not start: %w", err)
	}
	if vdso != nil {
		as.vdso = *vdso
	} else {
		as.vdso = stubVDSO(pid)
	}
	p.register(as)
	return as, nil
}

// stubVDSO lists the vDSO mappings a stub kept, as the host kernel reports
// them (/proc/PID/maps, read before any app code runs in the stub; a fork
// child's are its parent's), none when it kept none or cannot be read.
func stubVDSO(pid int) []plat.VDSOMapping {
	maps, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return nil
	}
	return plat.ParseVDSO(maps)
}

// VDSO implements plat.VDSOAddressSpace: the app uses the vDSO the stub
// process kept at the address the host gave it.
func (as *AddressSpace) VDSO() []plat.VDSOMapping { return as.vdso }

// Pid is the host process id of the stub.
func (as *AddressSpace) Pid() int { return as.pid }

// command sends one command (with file descriptors for the stub) and returns
// the stub's result; a negative result is an errno.
func (as *AddressSpace) command(op uint32, args [6]uint64, fds []int) (int64, error) {
	as.cmdMu.Lock()
	defer as.cmdMu.Unlock()
	if as.dead.Load() {
		return 0, fmt.Errorf("isolated: stub %d is gone: %w", as.pid, unix.ESRCH)
	}
	var msg [cmdSize]byte
	binary.LittleEndian.PutUint32(msg[0:], op)
	for i, a := range args {
		binary.LittleEndian.PutUint64(msg[8+8*i:], a)
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := unix.Sendmsg(as.sock, msg[:], oob, nil, unix.MSG_NOSIGNAL); err != nil {
		as.kill()
		return 0, fmt.Errorf("isolated: sending to stub %d: %w", as.pid, err)
	}
	r, err := as.readReply()
	if err != nil {
		// The exchange is out of step (or the stub was hijacked): end it.
		as.kill()
		return 0, fmt.Errorf("isolated: stub %d: %w", as.pid, err)
	}
	return r, nil
}

// readReply reads one reply, waiting at most commandTimeout. Descriptors the
// stub might send are dropped by the plain read.
func (as *AddressSpace) readReply() (int64, error) {
	deadline := time.Now().Add(commandTimeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return 0, errors.New("no answer in time")
		}
		fds := []unix.PollFd{{Fd: int32(as.sock), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("poll: %w", err)
		}
		if n == 0 {
			continue
		}
		var buf [replySize]byte
		got, err := unix.Read(as.sock, buf[:])
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("reading: %w", err)
		}
		if got != replySize {
			return 0, fmt.Errorf("the stub closed the connection (read %d bytes)", got)
		}
		return int64(binary.LittleEndian.Uint64(buf[:])), nil
	}
}

func overlapsStub(addr, length uint64) bool {
	end := addr + length
	return end < addr || (addr < StubEnd && end > StubStart)
}

func result(op string, r int64, err error) (uint64, error) {
	if err != nil {
		return 0, err
	}
	if r < 0 && r > -4096 {
		return 0, fmt.Errorf("isolated: %s: %w", op, unix.Errno(-r))
	}
	return uint64(r), nil
}

// Map maps memory in the address space like mmap: fd is an elfloader host
// file descriptor or -1 for anonymous memory. The stub receives its own copy
// of the descriptor and closes it after the mmap. The kernel should pass
// MAP_FIXED with an address it chose; ranges overlapping the stub region are
// refused.
func (as *AddressSpace) Map(addr, length uint64, prot, flags int, fd int, off uint64) (uint64, error) {
	if overlapsStub(addr, length) {
		return 0, fmt.Errorf("isolated: mmap over the stub region: %w", unix.EPERM)
	}
	var fds []int
	hasFd := uint64(0)
	if fd >= 0 {
		fds, hasFd = []int{fd}, 1
	}
	r, err := as.command(cmdMmap, [6]uint64{addr, length, uint64(prot), uint64(uint32(flags)), hasFd, off}, fds)
	got, err := result("mmap", r, err)
	if err == nil && overlapsStub(got, length) {
		return 0, fmt.Errorf("isolated: the stub mapped %#x inside its own region", got)
	}
	return got, err
}

// Unmap unmaps [addr, addr+length).
func (as *AddressSpace) Unmap(addr, length uint64) error {
	if overlapsStub(addr, length) {
		return fmt.Errorf("isolated: munmap of the stub region: %w", unix.EPERM)
	}
	r, err := as.command(cmdMunmap, [6]uint64{addr, length}, nil)
	_, err = result("munmap", r, err)
	return err
}

// Protect changes the protection of [addr, addr+length).
func (as *AddressSpace) Protect(addr, length uint64, prot int) error {
	if overlapsStub(addr, length) {
		return fmt.Errorf("isolated: mprotect of the stub region: %w", unix.EPERM)
	}
	r, err := as.command(cmdMprotect, [6]uint64{addr, length, uint64(prot)}, nil)
	_, err = result("mprotect", r, err)
	return err
}

// CopyIn reads app memory at addr into dst. It fails with unix.EFAULT when
// any part is not mapped readable (or lies in the stub region).
func (as *AddressSpace) CopyIn(addr uint64, dst []byte) error {
	return as.copy(addr, dst, false)
}

// CopyOut writes src to app memory at addr; it fails with unix.EFAULT when
// any part is not mapped writable. (process_vm_writev honours the page
// protection: the kernel loads read-only segments before protecting them.)
func (as *AddressSpace) CopyOut(addr uint64, src []byte) error {
	return as.copy(addr, src, true)
}

func (as *AddressSpace) copy(addr uint64, buf []byte, write bool) error {
	if len(buf) == 0 {
		return nil
	}
	if overlapsStub(addr, uint64(len(buf))) {
		return unix.EFAULT
	}
	for done := 0; done < len(buf); {
		local := []unix.Iovec{{Base: &buf[done]}}
		local[0].SetLen(len(buf) - done)
		remote := []unix.RemoteIovec{{Base: uintptr(addr) + uintptr(done), Len: len(buf) - done}}
		var n int
		var err error
		if write {
			n, err = unix.ProcessVMWritev(as.pid, local, remote, 0)
		} else {
			n, err = unix.ProcessVMReadv(as.pid, local, remote, 0)
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if err == unix.ESRCH {
				return fmt.Errorf("isolated: stub %d is gone: %w", as.pid, err)
			}
			return unix.EFAULT
		}
		if n == 0 {
			return unix.EFAULT
		}
		done += n
	}
	return nil
}

// Fork implements plat.AddressSpace: a stub holds nothing but app memory,
// so app is not needed.
func (as *AddressSpace) Fork(app []plat.Range) (plat.AddressSpace, error) {
	return as.ForkStub()
}

// ForkStub makes a copy-on-write copy of the address space: the stub forks
// itself (only its control thread goes on in the child), and the child
// takes new control memory and a new socket that elfloader passes along.
func (as *AddressSpace) ForkStub() (*AddressSpace, error) {
	sh, err := as.p.newShell()
	if err != nil {
		return nil, err
	}
	r, err := as.command(cmdFork, [6]uint64{}, []int{sh.stubSock, sh.ctrlFd})
	pid64, err := result("fork", r, err)
	if err != nil {
		sh.close()
		return nil, err
	}
	pid := int(pid64)
	if pid64 > 1<<22 || pid <= 1 {
		sh.close()
		return nil, fmt.Errorf("isolated: the stub reported an impossible child pid %d", pid64)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		sh.close()
		return nil, fmt.Errorf("isolated: pidfd of the forked stub %d: %w", pid, err)
	}
	// The pid came from the stub, which app code may have subverted:
	// accept only a child of elfloader that runs the stub program and is
	// not already another address space.
	if err := as.p.checkForkedStub(pid, as.exe); err != nil {
		unix.Close(pidfd)
		sh.close()
		return nil, err
	}
	// The child keeps the stub's vDSO where the parent has it (the host
	// forked it; app code cannot move a mapping the kernel records as the
	// host's).
	vdso := as.vdso
	return as.p.adopt(sh, pid, pidfd, as.exe, &vdso)
}

// checkForkedStub accepts pid as a new address space only when it is a
// child of elfloader running exe that is not already an address space.
func (p *Platform) checkForkedStub(pid int, exe fileID) error {
	if p.isStub(pid) {
		return fmt.Errorf("isolated: forked stub pid %d is another address space", pid)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return fmt.Errorf("isolated: forked stub: %w", err)
	}
	ppid := -1
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			ppid, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if ppid != os.Getpid() {
		return fmt.Errorf("isolated: forked stub pid %d is not elfloader's child", pid)
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/exe", &st); err != nil {
		return fmt.Errorf("isolated: forked stub: %w", err)
	}
	if st.Dev != exe.dev || st.Ino != exe.ino {
		return fmt.Errorf("isolated: forked pid %d does not run the stub", pid)
	}
	return nil
}

// Release ends the stub process. Contexts still open see their process
// killed; the shared memory goes when the last of them is released.
func (as *AddressSpace) Release() {
	as.mu.Lock()
	if as.released {
		as.mu.Unlock()
		return
	}
	as.released = true
	as.mu.Unlock()
	as.kill()
	as.reap()
	as.p.unregister(as)
	as.unref()
}

// kill ends the stub (pidfd: never another process that reused the pid).
func (as *AddressSpace) kill() {
	as.dead.Store(true)
	unix.PidfdSendSignal(as.pidfd, unix.SIGKILL, nil, 0)
}

// reap waits for the killed stub to be gone.
func (as *AddressSpace) reap() {
	for {
		err := unix.Waitid(unix.P_PIDFD, as.pidfd, nil, unix.WEXITED, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// alive reports whether the stub process still runs; it never blocks.
func (as *AddressSpace) alive() bool {
	if as.dead.Load() {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(as.pidfd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 0); err == nil && n > 0 {
		as.dead.Store(true)
		return false
	}
	return true
}

func (as *AddressSpace) ref() bool {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released {
		return false
	}
	as.refs++
	return true
}

// hold takes a reference while the shared memory is still mapped (some
// context or the address space itself holds one), for a short access from
// a goroutine that owns no context; false once it is gone.
func (as *AddressSpace) hold() bool {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.refs == 0 {
		return false
	}
	as.refs++
	return true
}

func (as *AddressSpace) unref() {
	as.mu.Lock()
	as.refs--
	last := as.refs == 0
	as.mu.Unlock()
	if last {
		unix.Munmap(as.ctrl)
		unix.Close(as.sock)
		unix.Close(as.pidfd)
	}
}

// slot returns the shared memory of slot i.
func (as *AddressSpace) slot(i int) []byte {
	off := hdrSize + i*as.p.slotSize
	return as.ctrl[off : off+as.p.slotSize : off+as.p.slotSize]
}

func (as *AddressSpace) takeSlot() (int, bool) {
	as.mu.Lock()
	defer as.mu.Unlock()
	for i, u := range as.used {
		if !u {
			as.used[i] = true
			return i, true
		}
	}
	return 0, false
}

func (as *AddressSpace) freeSlot(i int) {
	as.mu.Lock()
	as.used[i] = false
	as.mu.Unlock()
}

// word returns a pointer to a 32-bit word of shared memory.
func word(b []byte, off int) *uint32 {
	return (*uint32)(unsafe.Pointer(&b[off]))
}

// NewAddressSpace implements plat.Platform: a fresh stub process.
func (p *Platform) NewAddressSpace() (plat.AddressSpace, error) { return p.NewStubAddressSpace() }

// Advise implements plat.AddressSpace. The stub has no madvise command:
// advice that discards contents at once (MADV_DONTNEED, MADV_REMOVE) is
// refused with EOPNOTSUPP (the kernel's memory manager replaces private
// anonymous memory instead); MADV_FREE, which lets the host keep the
// contents, and the other hints are accepted and ignored, as Linux may.
func (as *AddressSpace) Advise(addr, length uint64, advice int) error {
	switch advice {
	case unix.MADV_DONTNEED, unix.MADV_REMOVE:
		return unix.EOPNOTSUPP
	}
	return nil
}

// CompareAndSwapUint32 implements plat.AtomicMemory: the stub's control
// thread runs lock cmpxchg on the word in its own address space.
func (as *AddressSpace) CompareAndSwapUint32(addr uint64, old, new uint32) (uint32, error) {
	if addr%4 != 0 || overlapsStub(addr, 4) {
		return 0, unix.EFAULT
	}
	r, err := as.command(cmdCas32, [6]uint64{addr, uint64(old), uint64(new)}, nil)
	v, err := result("compare-and-swap", r, err)
	if err != nil {
		return 0, err
	}
	if v > 0xffffffff {
		return 0, fmt.Errorf("isolated: stub %d answered a compare-and-swap with %#x", as.pid, v)
	}
	return uint32(v), nil
}

// Reserved implements plat.ReservedRanges: the stub region.
func (as *AddressSpace) Reserved() [][2]uint64 { return [][2]uint64{{StubStart, StubEnd}} }

// Direct implements plat.AddressSpace: app memory lives in the stub
// process, never in elfloader's, so the kernel copies.
func (as *AddressSpace) Direct(addr uint64, n int) ([]byte, bool) { return nil, false }
