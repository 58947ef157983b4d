package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const tlsProgram = `#include <stdio.h>
__thread int counter = 5;
int main(int argc, char **argv) { counter += argc; printf("%d\n", counter); return 0; }
`

// buildC compiles tlsProgram with the given gcc flags, skipping the test
// when gcc (or a static libc for -static) is unavailable.
func buildC(t *testing.T, flags ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "tls.c")
	if err := os.WriteFile(src, []byte(tlsProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "prog")
	args := append(append([]string{}, flags...), "-o", out, src)
	if msg, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Skipf("gcc %s failed (toolchain incomplete?): %v\n%s", strings.Join(flags, " "), err, msg)
	}
	return out
}

func hostFile(t *testing.T, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present", path)
	}
	return path
}

const debianLdso = "/lib64/ld-linux-x86-64.so.2"

func TestParseRealBinaries(t *testing.T) {
	tests := []struct {
		name    string
		path    func(t *testing.T) string
		kind    Kind
		interp  string
		needed  []string // must be included
		tls     bool
		soname  string
		noEntry bool
	}{
		{"gcc -static", func(t *testing.T) string { return buildC(t, "-static") }, StaticExec, "", nil, true, "", false},
		{"gcc -static-pie", func(t *testing.T) string { return buildC(t, "-static-pie") }, StaticPIE, "", nil, true, "", false},
		{"gcc (dynamic PIE)", func(t *testing.T) string { return buildC(t, "-pie", "-fPIE") }, DynamicPIE, debianLdso, []string{"libc.so.6"}, true, "", false},
		{"gcc -no-pie", func(t *testing.T) string { return buildC(t, "-no-pie") }, DynamicExec, debianLdso, []string{"libc.so.6"}, true, "", false},
		{"/bin/ls", func(t *testing.T) string { return hostFile(t, "/bin/ls") }, DynamicPIE, debianLdso, []string{"libc.so.6"}, false, "", false},
		{"/usr/bin/python3", func(t *testing.T) string { return hostFile(t, "/usr/bin/python3") }, DynamicExec, debianLdso, []string{"libc.so.6"}, false, "", false},
		{"ld.so", func(t *testing.T) string { return hostFile(t, debianLdso) }, StaticPIE, "", nil, false, "ld-linux-x86-64.so.2", false},
		{"libc.so.6", func(t *testing.T) string { return hostFile(t, "/lib/x86_64-linux-gnu/libc.so.6") }, DynamicPIE, debianLdso, []string{"ld-linux-x86-64.so.2"}, true, "libc.so.6", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			b, err := ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v", b.Kind, tt.kind)
			}
			if b.Interp != tt.interp {
				t.Errorf("Interp = %q, want %q", b.Interp, tt.interp)
			}
			for _, n := range tt.needed {
				if !contains(b.Needed, n) {
					t.Errorf("Needed = %q, missing %q", b.Needed, n)
				}
			}
			if tt.tls && b.TLS == nil {
				t.Error("no TLS")
			}
			if b.ExecStack {
				t.Error("ExecStack = true")
			}
			if b.SOName != tt.soname {
				t.Errorf("SOName = %q, want %q", b.SOName, tt.soname)
			}
			crossCheck(t, b)
		})
	}
}

// crossCheck compares b with what debug/elf reports and maps the file the
// way a kernel following the Segments would, checking that every allocated
// section appears at its address with its contents.
func crossCheck(t *testing.T, b *Binary) {
	t.Helper()
	data, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b.Entry != f.Entry || b.Type != f.Type {
		t.Errorf("entry %#x type %v, debug/elf says %#x %v", b.Entry, b.Type, f.Entry, f.Type)
	}
	loads := 0
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			loads++
		case elf.PT_PHDR:
			if b.PhdrVaddr != p.Vaddr {
				t.Errorf("PhdrVaddr %#x, PT_PHDR says %#x", b.PhdrVaddr, p.Vaddr)
			}
		}
	}
	if loads != len(b.Segments) {
		t.Errorf("%d segments, debug/elf has %d PT_LOADs", len(b.Segments), loads)
	}
	if libs, err := f.ImportedLibraries(); err == nil && !equal(libs, b.Needed) && len(libs)+len(b.Needed) > 0 {
		t.Errorf("Needed %q, debug/elf says %q", b.Needed, libs)
	}
	if s := f.Section(".note.gnu.build-id"); s != nil {
		d, _ := s.Data()
		if len(d) > 16 && hex.EncodeToString(d[16:]) != b.BuildID {
			t.Errorf("BuildID %q, section says %x", b.BuildID, d[16:])
		}
	} else if b.BuildID != "" {
		t.Errorf("BuildID %q without a build-id section", b.BuildID)
	}

	mem := map[uint64][]byte{} // page address -> contents, like the kernel would map
	for i, s := range b.Segments {
		if s.Vaddr%PageSize != 0 || s.Memsz%PageSize != 0 || s.FileOff%PageSize != 0 || s.Filesz > s.Memsz {
			t.Fatalf("segment %d not page-aligned: %+v", i, s)
		}
		img := make([]byte, s.Memsz)
		copy(img, data[s.FileOff:s.FileOff+s.Filesz])
		for off := uint64(0); off < s.Memsz; off += PageSize {
			mem[s.Vaddr+off] = img[off : off+PageSize]
		}
	}
	read := func(addr, n uint64) []byte {
		out := make([]byte, 0, n)
		for a := addr; a < addr+n; a++ {
			page, ok := mem[pageDown(a)]
			if !ok {
				t.Fatalf("address %#x is not mapped", a)
			}
			out = append(out, page[a%PageSize])
		}
		return out
	}
	for _, sec := range f.Sections {
		if sec.Flags&elf.SHF_ALLOC == 0 || sec.Flags&elf.SHF_TLS != 0 && sec.Type == elf.SHT_NOBITS || sec.Size == 0 {
			continue
		}
		got := read(sec.Addr, min(sec.Size, 4096))
		want := make([]byte, len(got))
		if sec.Type != elf.SHT_NOBITS {
			d, err := sec.Data()
			if err != nil {
				t.Fatal(err)
			}
			want = d[:len(got)]
		}
		if !bytes.Equal(got, want) {
			t.Errorf("section %s at %#x: mapped bytes differ from the file", sec.Name, sec.Addr)
		}
	}
	if j, err := json.Marshal(b); err != nil || !bytes.Contains(j, []byte(`"kind":"`+b.Kind.String()+`"`)) {
		t.Errorf("JSON: %v %s", err, j)
	}
}

func TestDescribeAndJSON(t *testing.T) {
	b := mustParse(t, synthELF(nil))
	var buf bytes.Buffer
	if err := b.Describe(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"synth: ELF 64-bit x86-64 dynamic (ET_EXEC)",
		"interpreter: " + synthInterp,
		"entry:       0x401010",
		"0x401000  0x1000  0x1000   0x100   r-x",
		"tls:         vaddr 0x402100 filesz 0x8 memsz 0x10 align 8",
		"stack:       not executable",
		"needed:      libc.so.6",
		"runpath:     $ORIGIN/../lib:/opt/lib",
		"build-id:    " + synthBuildID,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Describe output lacks %q:\n%s", want, out)
		}
	}

	j, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"kind": "dynamic", "type": "ET_EXEC", "machine": "EM_X86_64", "interp": synthInterp,
		"entry": float64(synthEntry), "build_id": synthBuildID, "exec_stack": false, "min_vaddr": float64(0x400000),
	} {
		if m[k] != v {
			t.Errorf("JSON %s = %v, want %v", k, m[k], v)
		}
	}
	segs, _ := m["segments"].([]any)
	if len(segs) != 3 || segs[1].(map[string]any)["perm"] != "r-x" {
		t.Errorf("JSON segments = %v", m["segments"])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestFunctionsOfRealBinaries(t *testing.T) {
	for _, path := range []string{"/bin/ls", "/usr/lib/x86_64-linux-gnu/libc.so.6"} {
		f, err := os.Open(path)
		if err != nil {
			t.Skip(err)
		}
		funcs, err := Functions(f)
		f.Close()
		if err != nil || len(funcs) == 0 {
			t.Fatalf("%s: %d functions, %v", path, len(funcs), err)
		}
		for i := 1; i < len(funcs); i++ {
			if funcs[i].Start < funcs[i-1].Start {
				t.Fatalf("%s: not sorted at %d", path, i)
			}
		}
	}
}

// fileImage reads an object's bytes at link-time addresses from its file,
// as the loader maps them.
func fileImage(t *testing.T, f *os.File) ReadMapped {
	ef, err := elf.NewFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return func(addr uint64, b []byte) error {
		for _, p := range ef.Progs {
			if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr+uint64(len(b)) <= p.Vaddr+p.Filesz {
				_, err := f.ReadAt(b, int64(p.Off+addr-p.Vaddr))
				return err
			}
		}
		return fmt.Errorf("%#x: not loaded", addr)
	}
}

// TestFuncTableAnswersAsSortedSearch compares FuncTable's lookups (a
// stripped library's call-frame extents searched through .eh_frame_hdr
// where it is loaded) with a binary search of Functions' table, which
// reads every extent of the file.
func TestFuncTableAnswersAsSortedSearch(t *testing.T) {
	for _, path := range []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6", "/usr/bin/python3.11"} {
		f, err := os.Open(path)
		if err != nil {
			t.Log(err)
			continue
		}
		defer f.Close()
		sorted, err := Functions(f)
		if err != nil || len(sorted) == 0 {
			t.Fatalf("%s: Functions: %d, %v", path, len(sorted), err)
		}
		table, err := ReadFuncTable(f)
		if err != nil || table.fdes == nil {
			t.Fatalf("%s: ReadFuncTable: %v, %v (want the call-frame extents indexed)", path, table, err)
		}
		loaded := fileImage(t, f)
		// Starts, middles, ends and the gaps between, of every function.
		for i := range sorted {
			for _, addr := range []uint64{sorted[i].Start, sorted[i].Start + sorted[i].Size/2, sorted[i].Start + sorted[i].Size, sorted[i].Start - 1} {
				want, wantOK := Func{}, false
				if j := sort.Search(len(sorted), func(j int) bool { return sorted[j].Start > addr }); j > 0 && addr-sorted[j-1].Start < sorted[j-1].Size {
					want, wantOK = sorted[j-1], true
				}
				if got, ok := table.Containing(addr, loaded); ok != wantOK || got != want {
					t.Fatalf("%s: Containing(%#x) = %+v, %v; want %+v, %v", path, addr, got, ok, want, wantOK)
				}
			}
		}
		// Without the loaded object, or with garbage where it should be,
		// the table answers nothing.
		if _, ok := table.Containing(sorted[len(sorted)/2].Start, nil); ok {
			t.Errorf("%s: an answer without the loaded object", path)
		}
		garbage := func(addr uint64, b []byte) error {
			for i := range b {
				b[i] = byte(addr) + byte(i)*37
			}
			return nil
		}
		for i := 0; i < len(sorted); i += 97 {
			table.Containing(sorted[i].Start+1, garbage) // must not panic or hang
		}
	}
}
