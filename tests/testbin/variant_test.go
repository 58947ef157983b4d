package testbin

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"
)

// helloSource writes a tiny C program into a temporary directory.
func helloSource(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "hello.c")
	code := "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 3; }\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return src
}

// TestVariantsProduceTheirELFKind checks every variant's output with
// debug/elf: ET_EXEC vs ET_DYN, PT_INTERP present (and which) or absent,
// and that the binary runs natively.
func TestVariantsProduceTheirELFKind(t *testing.T) {
	src := helloSource(t)
	for _, v := range Variants() {
		t.Run(v.Name, func(t *testing.T) {
			bin := Build(t, src, v)
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
				t.Errorf("class %v machine %v, want ELFCLASS64 EM_X86_64", f.Class, f.Machine)
			}
			wantType := elf.ET_EXEC
			if v.PIE {
				wantType = elf.ET_DYN
			}
			if f.Type != wantType {
				t.Errorf("type %v, want %v", f.Type, wantType)
			}
			interp := ""
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP && p.Filesz > 0 {
					b := make([]byte, p.Filesz)
					if _, err := p.ReadAt(b, 0); err != nil {
						t.Fatal(err)
					}
					interp = string(b[:len(b)-1])
				}
			}
			if interp != v.Interp {
				t.Errorf("PT_INTERP %q, want %q", interp, v.Interp)
			}
			if v.Static {
				// A static-PIE relocates itself: it has a dynamic
				// section but no interpreter and no needed libraries.
				libs, err := f.ImportedLibraries()
				if err != nil {
					t.Fatal(err)
				}
				if len(libs) != 0 {
					t.Errorf("static binary needs %v", libs)
				}
			}
			res := RunNative(t, 0, []string{bin}, nil, nil)
			if res.Stdout != "hi\n" || res.Status != 3 || res.TimedOut {
				t.Errorf("native run: %+v, want stdout \"hi\\n\" status 3", res)
			}
		})
	}
}

func TestBuildIsCached(t *testing.T) {
	src := helloSource(t)
	v, ok := VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	first := Build(t, src, v)
	info1, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	second := Build(t, src, v)
	info2, err := os.Stat(second)
	if err != nil {
		t.Fatal(err)
	}
	if first != second || !os.SameFile(info1, info2) {
		t.Errorf("second build made a new binary: %s vs %s", first, second)
	}
	withFlag := Build(t, src, v, "-DEXTRA=1")
	if withFlag == first {
		t.Errorf("extra flags did not change the cache key")
	}
}

func TestVariantLists(t *testing.T) {
	if got := len(StaticVariants()) + len(DynamicVariants()); got != len(Variants()) {
		t.Errorf("static+dynamic = %d variants, want %d", got, len(Variants()))
	}
	for _, name := range []string{"gcc-static", "gcc-static-pie", "musl-static", "musl-static-pie",
		"gcc-dynamic", "gcc-dynamic-nopie", "musl-dynamic"} {
		if _, ok := VariantByName(name); !ok {
			t.Errorf("variant %s missing", name)
		}
	}
	if _, ok := VariantByName("nonsense"); ok {
		t.Error("VariantByName found a nonsense variant")
	}
	missing := Variant{Name: "x", Libc: "musl", requires: []string{"/nonexistent/tool", "no-such-program-xyz"}}
	if msg := missing.Missing(); msg == "" {
		t.Error("Missing reported an absent toolchain as present")
	}
}
