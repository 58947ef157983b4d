package elfloader

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const stackTop = 0x7ffffffde000

// decodedStack is an initial stack read back the way libc's _start reads it.
type decodedStack struct {
	argc       uint64
	argv, envp []string
	auxv       []AuxEntry
}

func decodeStack(t *testing.T, image []byte, sp, top uint64) decodedStack {
	t.Helper()
	if sp+uint64(len(image)) != top {
		t.Fatalf("image of %d bytes at %#x does not end at top %#x", len(image), sp, top)
	}
	word := func(addr uint64) uint64 {
		if addr < sp || addr+8 > top {
			t.Fatalf("word at %#x outside the image", addr)
		}
		return binary.LittleEndian.Uint64(image[addr-sp:])
	}
	str := func(addr uint64) string {
		if addr < sp || addr >= top {
			t.Fatalf("string at %#x outside the image", addr)
		}
		s := image[addr-sp:]
		n := bytes.IndexByte(s, 0)
		if n < 0 {
			t.Fatalf("string at %#x not NUL-terminated", addr)
		}
		return string(s[:n])
	}
	var d decodedStack
	a := sp
	d.argc = word(a)
	a += 8
	for i := uint64(0); i < d.argc; i++ {
		d.argv = append(d.argv, str(word(a)))
		a += 8
	}
	if word(a) != 0 {
		t.Fatal("argv not NULL-terminated")
	}
	for a += 8; word(a) != 0; a += 8 {
		d.envp = append(d.envp, str(word(a)))
	}
	for a += 8; ; a += 16 {
		e := AuxEntry{word(a), word(a + 8)}
		d.auxv = append(d.auxv, e)
		if e.Type == AT_NULL {
			break
		}
	}
	return d
}

func testPlan(t *testing.T) *Plan {
	t.Helper()
	exec := mustParse(t, synthELF(nil))
	ld := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) {
		h.Type = uint16(elf.ET_DYN)
		ph[phInterp].Type = uint32(elf.PT_NULL)
	}))
	p, err := NewPlan(exec, 0, ld, 0x7ffff7000000)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildStack(t *testing.T) {
	p := testPlan(t)
	for _, argv := range [][]string{{}, {"/bin/app"}, {"/bin/app", "-v"}, {"/bin/app", "a", "bb", "ccc"}} {
		for _, envp := range [][]string{nil, {"HOME=/root"}, {"HOME=/root", "PATH=/bin:/usr/bin", "X="}} {
			t.Run(fmt.Sprintf("argc%d/envc%d", len(argv), len(envp)), func(t *testing.T) {
				params := StackParams{
					Top: stackTop, Argv: argv, Envp: envp, ExecFn: "/bin/app", Platform: "x86_64",
					HWCap: 0x178bfbff, HWCap2: 2, UID: 1000, EUID: 1001, GID: 100, EGID: 101, Secure: true,
					ClkTck: 100, PageSize: 4096, SysinfoEHDR: 0x7ffff7fc1000, MinSigStkSz: 3376,
				}
				for i := range params.Random {
					params.Random[i] = byte(0xa0 + i)
				}
				image, sp, auxv, err := p.BuildStack(params)
				if err != nil {
					t.Fatal(err)
				}
				if sp%16 != 0 {
					t.Errorf("initial SP %#x is not 16-byte aligned", sp)
				}
				d := decodeStack(t, image, sp, stackTop)
				if d.argc != uint64(len(argv)) || !equal(d.argv, argv) || !equal(d.envp, envp) {
					t.Errorf("argc %d argv %q envp %q", d.argc, d.argv, d.envp)
				}
				if len(d.auxv) != len(auxv) {
					t.Fatalf("stack holds %d auxv entries, BuildStack returned %d", len(d.auxv), len(auxv))
				}
				for i := range auxv {
					if d.auxv[i] != auxv[i] {
						t.Errorf("auxv[%d] on stack %v, returned %v", i, d.auxv[i], auxv[i])
					}
				}
				want := []AuxEntry{
					{AT_SYSINFO_EHDR, 0x7ffff7fc1000}, {AT_MINSIGSTKSZ, 3376}, {AT_HWCAP, 0x178bfbff},
					{AT_PAGESZ, 4096}, {AT_CLKTCK, 100}, {AT_PHDR, 0x400040}, {AT_PHENT, 56},
					{AT_PHNUM, synthPhnum}, {AT_BASE, 0x7ffff7000000}, {AT_FLAGS, 0}, {AT_ENTRY, synthEntry},
					{AT_UID, 1000}, {AT_EUID, 1001}, {AT_GID, 100}, {AT_EGID, 101}, {AT_SECURE, 1},
					{AT_RANDOM, 0}, {AT_HWCAP2, 2}, {AT_EXECFN, 0}, {AT_PLATFORM, 0}, {AT_NULL, 0},
				}
				if len(d.auxv) != len(want) {
					t.Fatalf("auxv %v, want %d entries", d.auxv, len(want))
				}
				str := func(addr uint64) string {
					s := image[addr-sp:]
					return string(s[:bytes.IndexByte(s, 0)])
				}
				for i, w := range want {
					g := d.auxv[i]
					if g.Type != w.Type {
						t.Errorf("auxv[%d] is %s, want %s", i, AuxName(g.Type), AuxName(w.Type))
						continue
					}
					switch g.Type {
					case AT_RANDOM:
						if !bytes.Equal(image[g.Value-sp:g.Value-sp+16], params.Random[:]) {
							t.Error("AT_RANDOM does not point at the random bytes")
						}
					case AT_EXECFN:
						if s := str(g.Value); s != "/bin/app" {
							t.Errorf("AT_EXECFN points at %q", s)
						}
					case AT_PLATFORM:
						if s := str(g.Value); s != "x86_64" {
							t.Errorf("AT_PLATFORM points at %q", s)
						}
					default:
						if g.Value != w.Value {
							t.Errorf("%v, want %#x", g, w.Value)
						}
					}
				}
				if !bytes.Equal(image[len(image)-8:], make([]byte, 8)) {
					t.Error("top 8 bytes are not zero")
				}
			})
		}
	}
}

func TestBuildStackOptionalEntries(t *testing.T) {
	exec := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Type = uint32(elf.PT_NULL) }))
	p, err := NewPlan(exec, 0, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	image, sp, auxv, err := p.BuildStack(StackParams{Top: stackTop, Argv: []string{"a"},
		Extra: []AuxEntry{{AT_RSEQ_FEATURE_SIZE, 28}}})
	if err != nil {
		t.Fatal(err)
	}
	d := decodeStack(t, image, sp, stackTop)
	types := map[uint64]uint64{}
	for _, e := range d.auxv {
		types[e.Type] = e.Value
	}
	for _, absent := range []uint64{AT_SYSINFO_EHDR, AT_MINSIGSTKSZ, AT_PLATFORM} {
		if _, ok := types[absent]; ok {
			t.Errorf("%s present though not asked for", AuxName(absent))
		}
	}
	if types[AT_BASE] != 0 || types[AT_PAGESZ] != 4096 || types[AT_CLKTCK] != 100 {
		t.Errorf("AT_BASE %#x AT_PAGESZ %d AT_CLKTCK %d", types[AT_BASE], types[AT_PAGESZ], types[AT_CLKTCK])
	}
	if n := len(auxv); auxv[n-2] != (AuxEntry{AT_RSEQ_FEATURE_SIZE, 28}) || auxv[n-1].Type != AT_NULL {
		t.Errorf("Extra not placed before AT_NULL: %v", auxv)
	}
}

func TestBuildStackErrors(t *testing.T) {
	p := testPlan(t)
	tests := []struct {
		name   string
		params StackParams
		errno  error
	}{
		{"unaligned top", StackParams{Top: stackTop + 8}, unix.EINVAL},
		{"zero top", StackParams{}, unix.EINVAL},
		{"NUL in argv", StackParams{Top: stackTop, Argv: []string{"a\x00b"}}, unix.EINVAL},
		{"NUL in envp", StackParams{Top: stackTop, Envp: []string{"A=\x00"}}, unix.EINVAL},
		{"string too long", StackParams{Top: stackTop, Argv: []string{strings.Repeat("x", 200000)}}, unix.E2BIG},
		{"too much", StackParams{Top: stackTop, Argv: []string{strings.Repeat("x", 1000)}, MaxSize: 512}, unix.E2BIG},
		{"does not fit below top", StackParams{Top: 0x100, Argv: []string{"abc"}}, unix.E2BIG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := p.BuildStack(tt.params); !errors.Is(err, tt.errno) {
				t.Errorf("got %v, want %v", err, tt.errno)
			}
		})
	}
}

const stackDumpProgram = `#include <stdio.h>
#include <string.h>
#include <elf.h>
int main(int argc, char **argv, char **envp) {
	char **p = envp;
	while (*p) p++;
	unsigned long execfn = 0, rnd = 0, plat = 0;
	for (Elf64_auxv_t *a = (Elf64_auxv_t *)(p + 1); a->a_type != AT_NULL; a++) {
		printf("aux %lu\n", (unsigned long)a->a_type);
		if (a->a_type == AT_EXECFN) execfn = a->a_un.a_val;
		if (a->a_type == AT_RANDOM) rnd = a->a_un.a_val;
		if (a->a_type == AT_PLATFORM) plat = a->a_un.a_val;
	}
	unsigned long top = execfn + strlen((char *)execfn) + 1 + 8;
	printf("size %lu\nrandom %lu\nplatform %lu\n", top - ((unsigned long)argv - 8), top - rnd, top - plat);
	for (int i = 0; i < argc; i++) printf("argv %lu\n", top - (unsigned long)argv[i]);
	for (int i = 0; envp[i]; i++) printf("envp %lu\n", top - (unsigned long)envp[i]);
	return 0;
}
`

// TestBuildStackMatchesLinux runs a static program under the host kernel
// with address randomisation off and checks that BuildStack puts every
// string, the random bytes and the initial SP at the same distance from the
// top of the stack, with the auxiliary vector in the same order.
func TestBuildStackMatchesLinux(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	setarch, err := exec.LookPath("setarch")
	if err != nil {
		t.Skip("setarch not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "dump.c")
	os.WriteFile(src, []byte(stackDumpProgram), 0o644)
	bin := filepath.Join(dir, "dump")
	if msg, err := exec.Command(gcc, "-static", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("gcc -static: %v\n%s", err, msg)
	}
	for _, tc := range []struct{ argv, envp []string }{
		{[]string{bin}, []string{"A=1"}},
		{[]string{bin, "x", "yy", "zzz"}, []string{"A=1", "BB=22"}},
		{[]string{bin, "one"}, []string{"LONGER_VARIABLE=some value with spaces", "B=", "C=3"}},
	} {
		cmd := exec.Command(setarch, append([]string{"x86_64", "-R"}, tc.argv...)...)
		cmd.Env = tc.envp
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("setarch -R (personality may be forbidden here): %v", err)
		}
		var linuxAux []uint64
		dist := map[string][]uint64{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			v, _ := strconv.ParseUint(f[1], 10, 64)
			if f[0] == "aux" {
				linuxAux = append(linuxAux, v)
			} else {
				dist[f[0]] = append(dist[f[0]], v)
			}
		}

		// Same vector as the host: our standard entries, then whatever the
		// host kernel adds after AT_PLATFORM (AT_RSEQ_*) as Extra.
		exe := mustParse(t, synthELF(func(h *elf.Header64, ph []elf.Prog64) { ph[phInterp].Type = uint32(elf.PT_NULL) }))
		p, err := NewPlan(exe, 0, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		params := StackParams{Top: stackTop, Argv: tc.argv, Envp: tc.envp, ExecFn: bin, Platform: "x86_64",
			SysinfoEHDR: 0x7ffff7fc1000, MinSigStkSz: 3376}
		for i, a := range linuxAux {
			if a == AT_PLATFORM {
				for _, x := range linuxAux[i+1:] {
					params.Extra = append(params.Extra, AuxEntry{x, 1})
				}
			}
		}
		image, sp, auxv, err := p.BuildStack(params)
		if err != nil {
			t.Fatal(err)
		}
		var ours []uint64
		for _, a := range auxv[:len(auxv)-1] {
			ours = append(ours, a.Type)
		}
		if fmt.Sprint(ours) != fmt.Sprint(linuxAux) {
			t.Errorf("auxv order\n ours  %v\n linux %v", ours, linuxAux)
		}
		decodeStack(t, image, sp, stackTop) // well-formed
		typ := map[uint64]uint64{}
		for _, a := range auxv {
			typ[a.Type] = a.Value
		}
		got := map[string][]uint64{
			"size":     {stackTop - sp},
			"random":   {stackTop - typ[AT_RANDOM]},
			"platform": {stackTop - typ[AT_PLATFORM]},
		}
		argvAt := sp + 8
		for i := range tc.argv {
			got["argv"] = append(got["argv"], stackTop-binary.LittleEndian.Uint64(image[argvAt+8*uint64(i)-sp:]))
		}
		envAt := argvAt + 8*uint64(len(tc.argv)+1)
		for i := range tc.envp {
			got["envp"] = append(got["envp"], stackTop-binary.LittleEndian.Uint64(image[envAt+8*uint64(i)-sp:]))
		}
		for k, v := range dist {
			if fmt.Sprint(got[k]) != fmt.Sprint(v) {
				t.Errorf("argv %q envp %q: distance of %s from the top: ours %v, linux %v", tc.argv, tc.envp, k, got[k], v)
			}
		}
	}
}
