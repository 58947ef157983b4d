package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// muslLibDir holds musl's start files and libc.a on Debian (package musl-dev).
const muslLibDir = "/usr/lib/x86_64-linux-musl"

// muslInterp is the dynamic loader of musl on Debian (package musl).
const muslInterp = "/lib/ld-musl-x86_64.so.1"

// glibcInterp is the dynamic loader of glibc on x86-64.
const glibcInterp = "/lib64/ld-linux-x86-64.so.2"

// commonFlags are passed to every compilation. -O1 keeps loops that the test
// programs rely on (they use volatile or barriers where it matters) while
// producing realistic code.
var commonFlags = []string{"-O1", "-Wall", "-g0"}

// Variant is one way of compiling a C test program: a C library, a linking
// mode and the recipe that produces it.
type Variant struct {
	// Name identifies the variant in subtest names, e.g. "musl-static-pie".
	Name string
	// Libc is "glibc" or "musl".
	Libc string
	// Static is true when the binary has no PT_INTERP.
	Static bool
	// PIE is true when the binary is ET_DYN (position independent).
	PIE bool
	// Interp is the expected PT_INTERP of a dynamic variant ("" if static).
	Interp string

	// requires lists programs (bare names, looked up in PATH) and files
	// (absolute paths) the recipe needs.
	requires []string
	// steps returns the commands that compile src into out. tmp is a
	// scratch directory for intermediate files.
	steps func(src, out, tmp string, extra []string) ([][]string, error)
}

// String returns the variant's name.
func (v Variant) String() string { return v.Name }

// Missing returns "" when the variant's toolchain is installed, and otherwise
// a message naming what is missing and which package provides it.
func (v Variant) Missing() string {
	var missing []string
	for _, need := range v.requires {
		if filepath.IsAbs(need) {
			if _, err := os.Stat(need); err != nil {
				missing = append(missing, need)
			}
			continue
		}
		if _, err := exec.LookPath(need); err != nil {
			missing = append(missing, need+" (not in PATH)")
		}
	}
	if len(missing) == 0 {
		return ""
	}
	pkg := "gcc libc6-dev"
	if v.Libc == "musl" {
		pkg = "musl-tools"
	}
	return fmt.Sprintf("variant %s needs %s (install: apt-get install %s)",
		v.Name, strings.Join(missing, ", "), pkg)
}

// Variants returns every variant, static ones first. The slice is new on
// every call; callers may modify it.
func Variants() []Variant {
	return []Variant{
		{
			Name: "gcc-static", Libc: "glibc", Static: true,
			requires: []string{"gcc"},
			steps:    oneStep("gcc", "-static", "-no-pie", "-fno-PIE"),
		},
		{
			Name: "gcc-static-pie", Libc: "glibc", Static: true, PIE: true,
			requires: []string{"gcc"},
			steps:    oneStep("gcc", "-static-pie", "-fPIE"),
		},
		{
			Name: "musl-static", Libc: "musl", Static: true,
			requires: []string{"musl-gcc", muslLibDir + "/libc.a"},
			steps:    oneStep("musl-gcc", "-static", "-no-pie", "-fno-PIE"),
		},
		{
			Name: "musl-static-pie", Libc: "musl", Static: true, PIE: true,
			requires: []string{"gcc", muslLibDir + "/rcrt1.o", muslLibDir + "/libc.a"},
			steps:    muslStaticPIESteps,
		},
		{
			Name: "gcc-dynamic", Libc: "glibc", PIE: true, Interp: glibcInterp,
			requires: []string{"gcc", glibcInterp},
			steps:    oneStep("gcc", "-pie", "-fPIE"),
		},
		{
			Name: "gcc-dynamic-nopie", Libc: "glibc", Interp: glibcInterp,
			requires: []string{"gcc", glibcInterp},
			steps:    oneStep("gcc", "-no-pie", "-fno-PIE"),
		},
		{
			Name: "musl-dynamic", Libc: "musl", PIE: true, Interp: muslInterp,
			requires: []string{"musl-gcc", muslInterp},
			steps:    oneStep("musl-gcc", "-pie", "-fPIE"),
		},
	}
}

// StaticVariants returns the variants whose binaries have no interpreter.
func StaticVariants() []Variant { return filterVariants(true) }

// DynamicVariants returns the variants whose binaries need a dynamic loader.
func DynamicVariants() []Variant { return filterVariants(false) }

// VariantByName returns the variant called name.
func VariantByName(name string) (Variant, bool) {
	for _, v := range Variants() {
		if v.Name == name {
			return v, true
		}
	}
	return Variant{}, false
}

func filterVariants(static bool) []Variant {
	var out []Variant
	for _, v := range Variants() {
		if v.Static == static {
			out = append(out, v)
		}
	}
	return out
}

// oneStep is a recipe that compiles and links with a single driver call.
func oneStep(driver string, mode ...string) func(src, out, tmp string, extra []string) ([][]string, error) {
	return func(src, out, _ string, extra []string) ([][]string, error) {
		cmd := append([]string{driver}, mode...)
		cmd = append(cmd, commonFlags...)
		cmd = append(cmd, "-o", out, src)
		cmd = append(cmd, extra...)
		return [][]string{cmd}, nil
	}
}

// muslStaticPIESteps builds a true musl static-PIE. `musl-gcc -static-pie`
// silently produces a dynamic binary, so the start files and libraries are
// named explicitly: rcrt1.o relocates the executable itself.
func muslStaticPIESteps(src, out, tmp string, extra []string) ([][]string, error) {
	gccFile := func(name string) (string, error) {
		b, err := exec.Command("gcc", "-print-file-name="+name).Output()
		if err != nil {
			return "", fmt.Errorf("gcc -print-file-name=%s: %w", name, err)
		}
		p := strings.TrimSpace(string(b))
		if !filepath.IsAbs(p) {
			return "", fmt.Errorf("gcc does not know %s (got %q)", name, p)
		}
		return p, nil
	}
	var files = map[string]string{}
	for _, name := range []string{"include", "crtbeginS.o", "crtendS.o", "libgcc.a"} {
		p, err := gccFile(name)
		if err != nil {
			return nil, err
		}
		files[name] = p
	}
	obj := filepath.Join(tmp, "prog.o")
	compile := []string{"gcc", "-fPIE", "-nostdinc",
		"-isystem", "/usr/include/x86_64-linux-musl", "-isystem", files["include"]}
	compile = append(compile, commonFlags...)
	compile = append(compile, "-c", src, "-o", obj)
	compile = append(compile, compileOnly(extra)...)
	link := []string{"gcc", "-static-pie", "-nostdlib", "-nostartfiles",
		muslLibDir + "/rcrt1.o", muslLibDir + "/crti.o", files["crtbeginS.o"], obj}
	link = append(link, extra...)
	link = append(link, "-L"+muslLibDir, "-lc", files["libgcc.a"], files["crtendS.o"],
		muslLibDir+"/crtn.o", "-o", out)
	return [][]string{compile, link}, nil
}

// compileOnly drops linker inputs (-l, -L, -Wl,) from flags given to a
// compile-only step.
func compileOnly(flags []string) []string {
	var out []string
	for _, f := range flags {
		if strings.HasPrefix(f, "-l") || strings.HasPrefix(f, "-L") || strings.HasPrefix(f, "-Wl,") {
			continue
		}
		out = append(out, f)
	}
	return out
}
