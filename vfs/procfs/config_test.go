package procfs

import (
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// servingProvider is the fake provider with a syscall table that serves
// only the calls in served.
type servingProvider struct {
	*fakeProvider
	served map[uint64]bool
}

func (p servingProvider) SyscallServed(nr uint64) (bool, bool) { return p.served[nr], true }

func gunzip(t *testing.T, data string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatalf("config.gz is not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("config.gz: %v", err)
	}
	return string(out)
}

// TestConfigGz: /proc/config.gz is a gzip'd .config whose options follow
// the defaults of the table without a syscall table, and what the table
// serves with one; its size is known before it is opened.
func TestConfigGz(t *testing.T) {
	w := newWorld(t)
	raw := readFile(t, w.ctx, "/proc/config.gz")
	text := gunzip(t, raw)
	if !strings.HasPrefix(text, "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.1.0-elfloader Kernel Configuration\n") {
		t.Errorf("header: %q", text[:min(len(text), 200)])
	}
	for _, want := range []string{"\nCONFIG_SYSVIPC=y\n", "\nCONFIG_TMPFS=y\n", "\nCONFIG_PROC_FS=y\n", "\nCONFIG_EXT2_FS=y\n",
		"\n# CONFIG_IO_URING is not set\n", "\n# CONFIG_USERFAULTFD is not set\n", "\n# CONFIG_BPF_SYSCALL is not set\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "CONFIG_") {
			t.Errorf("malformed line %q", line)
		}
	}
	st, err := vfs.StatAt(w.ctx, w.ctx.Root, "/proc/config.gz", 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(len(raw)) || st.Mode != unix.S_IFREG|0o444 {
		t.Errorf("stat: size %d mode %o, want %d 100444", st.Size, st.Mode, len(raw))
	}

	prov := servingProvider{fakeProvider: w.prov, served: map[uint64]bool{unix.SYS_IO_URING_SETUP: true}}
	text = string(configText(prov))
	if !strings.Contains(text, "\nCONFIG_IO_URING=y\n") || !strings.Contains(text, "\n# CONFIG_SYSVIPC is not set\n") ||
		!strings.Contains(text, "\nCONFIG_TMPFS=y\n") {
		t.Errorf("with a syscall table: %s", text)
	}
}
