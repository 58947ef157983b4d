package integration

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// Offsets of ELF64 header fields patched by the malformed inputs.
const (
	offMachine = 18 // e_machine, 2 bytes
	offPhoff   = 32 // e_phoff, 8 bytes
	offPhnum   = 56 // e_phnum, 2 bytes
)

// badInput is one file elfloader must refuse cleanly.
type badInput struct {
	name   string
	make   func(t *testing.T, dir string) string // returns the path to run
	status int
}

func badInputs() []badInput {
	return []badInput{
		{"text", writeInput("text", []byte("this is not an executable\n")), 126},
		{"empty", writeInput("empty", nil), 126},
		{"truncated", patchedELF("truncated", func(b []byte) []byte { return b[:100] }), 126},
		{"elf32", writeInput("elf32", elf32Image()), 126},
		{"aarch64", patchedELF("aarch64", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[offMachine:], uint16(elf.EM_AARCH64))
			return b
		}), 126},
		{"no_phdrs", patchedELF("no_phdrs", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[offPhnum:], 0)
			return b
		}), 126},
		{"no_pt_load", patchedELF("no_pt_load", func(b []byte) []byte {
			return withoutLoadSegments(b)
		}), 126},
		{"directory", func(t *testing.T, dir string) string { return dir }, 126},
		{"missing", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "does-not-exist")
		}, 127},
	}
}

// TestBadInput checks that elfloader refuses malformed programs like a shell
// would: status 127 for a missing file and 126 otherwise, exactly one
// diagnostic line on stderr, nothing on stdout, and never a Go panic.
func TestBadInput(t *testing.T) {
	for _, in := range badInputs() {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			path := in.make(t, t.TempDir())
			res := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{path, "arg"}, nil, nil)
			if res.TimedOut {
				t.Fatalf("elfloader timed out; stderr:\n%s", res.Stderr)
			}
			if res.Status != in.status {
				t.Errorf("status %d, want %d", res.Status, in.status)
			}
			lines := strings.Split(strings.TrimSuffix(res.Stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], testbin.DiagnosticPrefix) {
				t.Errorf("stderr must be one line starting with %q, got:\n%s", testbin.DiagnosticPrefix, res.Stderr)
			}
			if res.Stdout != "" {
				t.Errorf("stdout %q, want nothing", res.Stdout)
			}
			assertNoPanic(t, res.Stderr)
		})
	}
}

// writeInput makes a maker that writes content as an executable file.
func writeInput(name string, content []byte) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

// patchedELF makes a maker that copies a real x86-64 ELF executable (the
// test binary itself) and applies patch to its bytes.
func patchedELF(name string, patch func([]byte) []byte) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		t.Helper()
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(self)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(elf.ELFMAG)) {
			t.Fatalf("%s is not an ELF file", self)
		}
		return writeInput(name, patch(b))(t, dir)
	}
}

// withoutLoadSegments turns every PT_LOAD program header into PT_NULL.
func withoutLoadSegments(b []byte) []byte {
	phoff := binary.LittleEndian.Uint64(b[offPhoff:])
	phnum := int(binary.LittleEndian.Uint16(b[offPhnum:]))
	const phentsize = 56 // sizeof(Elf64_Phdr)
	for i := range phnum {
		at := int(phoff) + i*phentsize
		if at+4 > len(b) {
			break
		}
		if elf.ProgType(binary.LittleEndian.Uint32(b[at:])) == elf.PT_LOAD {
			binary.LittleEndian.PutUint32(b[at:], uint32(elf.PT_NULL))
		}
	}
	return b
}

// elf32Image crafts a minimal, well-formed 32-bit i386 executable: an ELF
// header, one PT_LOAD program header and a few bytes of code (exit(0)).
func elf32Image() []byte {
	const base = 0x08048000
	const ehsize, phsize = 52, 32
	code := []byte{0x31, 0xdb, 0xb8, 0x01, 0, 0, 0, 0xcd, 0x80} // xor ebx,ebx; mov eax,1; int 0x80
	hdr := elf.Header32{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(elf.EM_386),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     base + ehsize + phsize,
		Phoff:     ehsize,
		Ehsize:    ehsize,
		Phentsize: phsize,
		Phnum:     1,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS32)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	size := uint32(ehsize + phsize + len(code))
	prog := elf.Prog32{
		Type:   uint32(elf.PT_LOAD),
		Vaddr:  base,
		Paddr:  base,
		Filesz: size,
		Memsz:  size,
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Align:  0x1000,
	}
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, hdr)
	binary.Write(&buf, binary.LittleEndian, prog)
	buf.Write(code)
	return buf.Bytes()
}
