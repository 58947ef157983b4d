package isolated

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestLayoutMatchesHeader compares layout.go with stub/layout.h.
func TestLayoutMatchesHeader(t *testing.T) {
	src, err := os.ReadFile("stub/layout.h")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"STUB_BASE": StubStart, "STUB_END": StubEnd, "STUB_CTRL_BASE": stubCtrlBase,
		"STUB_CTRL_MAX": stubCtrlMax, "STUB_PRIV_BASE": stubPrivBase, "STUB_PRIV_SLOT": stubPrivSlot,
		"STUB_SIGSTACK_SIZE": stubSigstackSize, "STUB_MAX_SLOTS": stubMaxSlots,
		"STUB_MAX_SLOT_SIZE": stubMaxSlotSize, "HDR_MAGIC": hdrMagic, "HDR_SLOT_SIZE": hdrSlotSize,
		"HDR_NSLOTS": hdrNslots, "HDR_KICK_SIGNAL": hdrKickSignal, "HDR_XCOMP_PERM": hdrXcompPerm,
		"HDR_VDSO_BEFORE": hdrVDSOBefore, "HDR_VDSO_SIZE": hdrVDSOSize,
		"HDR_SIZE": hdrSize, "STUB_MAGIC": stubMagic, "SLOT_STATE": slotState,
		"SLOT_STUB_WAITING": slotStubWaiting, "SLOT_GO_WAITING": slotGoWaiting, "SLOT_TID": slotTid,
		"SLOT_EVENT": slotEvent, "SLOT_SIGNO": slotSigno, "SLOT_CODE": slotCode, "SLOT_ADDR": slotAddr,
		"SLOT_TRAPNO": slotTrapno, "SLOT_ERR": slotErr, "SLOT_REGS": slotRegs,
		"SLOT_XSAVE_SIZE": slotXsaveSize, "SLOT_XSAVE": slotXsave, "ST_IDLE": stIdle, "ST_RUN": stRun,
		"ST_EVENT": stEvent, "ST_EXIT": stExit, "EV_SYSCALL": evSyscall, "EV_FAULT": evFault,
		"EV_KICK": evKick, "EV_SYSCALL32": evSyscall32, "EV_BORN": evBorn, "CMD_SIZE": cmdSize,
		"CMD_MMAP": cmdMmap, "CMD_MUNMAP": cmdMunmap, "CMD_MPROTECT": cmdMprotect,
		"CMD_THREAD": cmdThread, "CMD_FORK": cmdFork, "CMD_XCOMP": cmdXcomp, "CMD_CAS32": cmdCas32, "REPLY_SIZE": replySize,
		"THREAD_CLONE_FLAGS": threadCloneFlags, "FORK_CLONE_FLAGS": forkCloneFlags,
	}
	checkHeaderDefines(t, "layout.h", "layout.go", src, want)
}

// TestStubBlobUpToDate rebuilds the stub and compares it with the
// committed stub_amd64.bin (run `go generate ./plat/isolated` after a change).
func TestStubBlobUpToDate(t *testing.T) {
	for _, tool := range []string{"gcc", "objcopy", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is needed to rebuild the stub: %v", tool, err)
		}
	}
	out := filepath.Join(t.TempDir(), "stub.bin")
	if msg, err := exec.Command("sh", "stub/build.sh", out).CombinedOutput(); err != nil {
		t.Fatalf("building the stub: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, stubProgram) {
		t.Fatal("stub_amd64.bin is stale: run go generate ./plat/isolated")
	}
}

// checkHeaderDefines compares the numeric #defines of a C header (src)
// with the Go values that mirror them: every define must be in want with
// the same value, and every value of want must be defined.
func checkHeaderDefines(t *testing.T, header, goFile string, src []byte, want map[string]uint64) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^#define ([A-Z0-9_]+) (0x[0-9a-f]+|[0-9]+)u?L?U?L?`)
	seen := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, err := strconv.ParseUint(m[2], 0, 64)
		if err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		w, ok := want[m[1]]
		if !ok {
			t.Errorf("%s defines %s, which %s lacks", header, m[1], goFile)
			continue
		}
		seen++
		if v != w {
			t.Errorf("%s: %s %#x, %s %#x", m[1], header, v, goFile, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%s defines %d of the %d values", header, seen, len(want))
	}
}
