package elfloader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// synthDynamic builds a shared object (ET_DYN, no PT_INTERP) whose dynamic
// section holds the given entries; an empty string leaves a tag out.
func synthDynamic(needed []string, rpath, runpath, soname string) []byte {
	out := synthELF(func(h *elf.Header64, ph []elf.Prog64) {
		h.Type = uint16(elf.ET_DYN)
		ph[phInterp].Type = uint32(elf.PT_NULL)
		ph[phLoadR].Filesz, ph[phLoadR].Memsz = 0x1000, 0x1000
		ph[phDynamic].Off, ph[phDynamic].Vaddr, ph[phDynamic].Filesz = 0x800, 0x400800, 0x200
	})
	strtab := []byte{0}
	var dyn [][2]uint64
	addStr := func(tag elf.DynTag, s string) {
		dyn = append(dyn, [2]uint64{uint64(tag), uint64(len(strtab))})
		strtab = append(append(strtab, s...), 0)
	}
	for _, n := range needed {
		addStr(elf.DT_NEEDED, n)
	}
	if rpath != "" {
		addStr(elf.DT_RPATH, rpath)
	}
	if runpath != "" {
		addStr(elf.DT_RUNPATH, runpath)
	}
	if soname != "" {
		addStr(elf.DT_SONAME, soname)
	}
	dyn = append(dyn, [2]uint64{uint64(elf.DT_STRTAB), 0x400400}, [2]uint64{uint64(elf.DT_STRSZ), uint64(len(strtab))}, [2]uint64{})
	copy(out[0x400:0x800], strtab)
	for i, d := range dyn {
		binary.LittleEndian.PutUint64(out[0x800+16*i:], d[0])
		binary.LittleEndian.PutUint64(out[0x808+16*i:], d[1])
	}
	return out
}

// memFS is a fake filesystem for resolution tests.
type memFS map[string][]byte

func (m memFS) exists(p string) bool { _, ok := m[p]; return ok }
func (m memFS) open(p string) (io.ReaderAt, error) {
	if d, ok := m[p]; ok {
		return bytes.NewReader(d), nil
	}
	return nil, fs.ErrNotExist
}

func parseBytes(t *testing.T, data []byte, path string) *Binary {
	t.Helper()
	b, err := Parse(bytes.NewReader(data), path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSynthDynamic(t *testing.T) {
	b := parseBytes(t, synthDynamic([]string{"liba.so", "libb.so"}, "/r1:/r2", "", "libme.so.1"), "x")
	if !equal(b.Needed, []string{"liba.so", "libb.so"}) || !equal(b.RPath, []string{"/r1", "/r2"}) || b.SOName != "libme.so.1" || b.Kind != StaticPIE {
		t.Errorf("%+v", b)
	}
}

func TestResolveNeeded(t *testing.T) {
	fsys := memFS{
		"/app/lib/libfoo.so":              nil,
		"/lib/x86_64-linux-gnu/libc.so.6": nil,
		"/abs/libx.so":                    nil,
		"/r/libboth.so":                   nil,
		"/u/libboth.so":                   nil,
		"/e/libextra.so":                  nil,
		"/usr/lib/libextra.so":            nil,
		"/r/librp.so":                     nil,
		"/e/librp.so":                     nil,
	}
	tests := []struct {
		name      string
		rpath     string
		runpath   string
		needed    []string
		extraDirs []string
		want      map[string]string
		missing   []string
	}{
		{"$ORIGIN runpath, default dirs, absolute name", "", "$ORIGIN/../lib", []string{"libfoo.so", "libc.so.6", "/abs/libx.so"}, nil,
			map[string]string{"libfoo.so": "/app/lib/libfoo.so", "libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6", "/abs/libx.so": "/abs/libx.so"}, nil},
		{"RPATH ignored when RUNPATH is set", "/r", "/u", []string{"libboth.so"}, nil, map[string]string{"libboth.so": "/u/libboth.so"}, nil},
		{"RPATH alone", "/r", "", []string{"libboth.so"}, nil, map[string]string{"libboth.so": "/r/libboth.so"}, nil},
		{"RPATH before extra dirs", "/r", "", []string{"librp.so"}, []string{"/e"}, map[string]string{"librp.so": "/r/librp.so"}, nil},
		{"extra dirs before defaults", "", "", []string{"libextra.so"}, []string{"/e"}, map[string]string{"libextra.so": "/e/libextra.so"}, nil},
		{"defaults", "", "", []string{"libextra.so"}, nil, map[string]string{"libextra.so": "/usr/lib/libextra.so"}, nil},
		{"missing", "", "", []string{"libc.so.6", "libnope.so", "libgone.so"}, nil,
			map[string]string{"libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6"}, []string{"libnope.so", "libgone.so"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := parseBytes(t, synthDynamic(tt.needed, tt.rpath, tt.runpath, ""), "/app/bin/prog")
			got, err := ResolveNeeded(b, fsys.exists, tt.extraDirs)
			var nf *NotFoundError
			if tt.missing != nil {
				if !errors.As(err, &nf) || !equal(nf.Names, tt.missing) || !strings.Contains(err.Error(), "libnope.so") {
					t.Errorf("error %v, want missing %q", err, tt.missing)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s resolved to %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestClosure(t *testing.T) {
	libc := synthDynamic(nil, "", "", "libc.so.6")
	libc32 := bytes.Clone(libc)
	libc32[elf.EI_CLASS] = byte(elf.ELFCLASS32)
	files := func(execRPath, execRunPath string) memFS {
		return memFS{
			"/opt/app/bin/app":                synthDynamic([]string{"liba.so", "libc.so.6"}, execRPath, execRunPath, ""),
			"/opt/app/lib/liba.so":            synthDynamic([]string{"libb.so", "libc.so.6"}, "", "", "liba.so"),
			"/opt/app/lib/libb.so":            synthDynamic([]string{"libc.so.6"}, "", "", "libb.so"),
			"/opt/app/lib/libc.so.6":          libc32, // wrong class: skipped as ld.so does
			"/lib/x86_64-linux-gnu/libc.so.6": libc,
		}
	}
	t.Run("RPATH is inherited", func(t *testing.T) {
		fsys := files("$ORIGIN/../lib", "")
		got, err := Closure("/opt/app/bin/app", fsys.open, fsys.exists)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"/opt/app/lib/liba.so", "/lib/x86_64-linux-gnu/libc.so.6", "/opt/app/lib/libb.so"}
		if !equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("RUNPATH is not inherited", func(t *testing.T) {
		fsys := files("", "/opt/app/lib")
		got, err := Closure("/opt/app/bin/app", fsys.open, fsys.exists)
		var nf *NotFoundError
		if !errors.As(err, &nf) || !equal(nf.Names, []string{"libb.so"}) || nf.Object != "/opt/app/lib/liba.so" {
			t.Fatalf("error %v, want libb.so missing for liba.so", err)
		}
		if !equal(got, []string{"/opt/app/lib/liba.so", "/lib/x86_64-linux-gnu/libc.so.6"}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("host /bin/ls", func(t *testing.T) {
		if _, err := os.Stat("/bin/ls"); err != nil {
			t.Skip("no /bin/ls")
		}
		open := func(p string) (io.ReaderAt, error) { return os.Open(p) }
		exists := func(p string) bool { fi, err := os.Stat(p); return err == nil && fi.Mode().IsRegular() }
		got, err := Closure("/bin/ls", open, exists)
		if err != nil {
			t.Fatal(err)
		}
		if !contains(got, "/lib/x86_64-linux-gnu/libc.so.6") {
			t.Errorf("closure of /bin/ls = %q, lacks libc", got)
		}
	})
}
