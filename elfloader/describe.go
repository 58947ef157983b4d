package elfloader

import (
	"debug/elf"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Describe writes a human-readable summary of b for `elfloader inspect`.
func (b *Binary) Describe(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("%s: ELF 64-bit x86-64 %s (%v)\n", b.Path, b.Kind, b.Type)
	if b.Interp != "" {
		ew.printf("  interpreter: %s\n", b.Interp)
	}
	if b.Type == elf.ET_DYN && b.Entry == 0 {
		ew.printf("  entry:       none (shared library)\n")
	} else {
		ew.printf("  entry:       0x%x\n", b.Entry)
	}
	ew.printf("  phdr:        0x%x (%d entries of %d bytes)\n", b.PhdrVaddr, b.Phnum, b.Phent)
	ew.printf("  extent:      [0x%x, 0x%x) %d KiB\n", b.MinVaddr, b.MaxVaddr, b.Size()/1024)
	ew.printf("  segments:\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "    VADDR\tMEMSZ\tFILEOFF\tFILESZ\tPERM\n")
	for _, s := range b.Segments {
		fmt.Fprintf(tw, "    0x%x\t0x%x\t0x%x\t0x%x\t%s\n", s.Vaddr, s.Memsz, s.FileOff, s.Filesz, s.Perm())
	}
	tw.Flush()
	if b.TLS != nil {
		ew.printf("  tls:         vaddr 0x%x filesz 0x%x memsz 0x%x align %d\n", b.TLS.Vaddr, b.TLS.Filesz, b.TLS.Memsz, b.TLS.Align)
	} else {
		ew.printf("  tls:         none\n")
	}
	ew.printf("  stack:       %s\n", map[bool]string{true: "executable", false: "not executable"}[b.ExecStack])
	if b.SOName != "" {
		ew.printf("  soname:      %s\n", b.SOName)
	}
	if len(b.Needed) > 0 {
		ew.printf("  needed:      %s\n", strings.Join(b.Needed, ", "))
	}
	if len(b.RPath) > 0 {
		ew.printf("  rpath:       %s\n", strings.Join(b.RPath, ":"))
	}
	if len(b.RunPath) > 0 {
		ew.printf("  runpath:     %s\n", strings.Join(b.RunPath, ":"))
	}
	if b.BuildID != "" {
		ew.printf("  build-id:    %s\n", b.BuildID)
	}
	return ew.err
}

// errWriter remembers the first write error so Describe can return it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
