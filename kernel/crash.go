package kernel

import (
	"fmt"
	"strings"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/arch/amd64"
)

// crashReport writes the report of a process killed by sig: one summary
// line, then (for faults) the faulting instruction and the registers. Every
// line starts with "elfloader:" so tools can tell it from the app's output.
func (t *Task) crashReport(sig, code int, addr uint64, fault bool) {
	w := t.k.Report()
	name := linux.SignalName(sig)
	if !fault {
		// Only the first process's death by a signal is elfloader's to
		// report; a child's is its parent's business, as natively. A
		// shutdown's signals are the app's own request.
		if t.k.isInit(t.p) && !t.k.shuttingDown() {
			fmt.Fprintf(w, "elfloader: program killed by signal %s\n", name)
		}
		return
	}
	r := t.Regs()
	fmt.Fprintf(w, "elfloader: program killed by signal %s (%s) at fault address %#x, pc %#x\n",
		name, linux.SigCodeName(sig, code), addr, r.Rip)
	var code16 [16]byte
	n := 0
	for n < len(code16) {
		if err := t.CopyIn(r.Rip+uint64(n), code16[n:n+1]); err != nil {
			break
		}
		n++
	}
	where := ""
	if v, ok := t.MM().Find(r.Rip); ok && v.Name != "" {
		where = fmt.Sprintf(" in %s+%#x", v.Name, r.Rip-v.Start+v.FileOff)
	}
	fmt.Fprintf(w, "elfloader:   instruction at %#x%s: %s\n", r.Rip, where, amd64.Disassemble(code16[:n], r.Rip))
	for _, line := range strings.Split(r.Dump(), "\n") {
		fmt.Fprintf(w, "elfloader:   %s\n", line)
	}
}
