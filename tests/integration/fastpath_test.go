package integration

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// fastTimeout bounds one run of a fast-path program. fast_threads makes
// 4.8 million syscalls: about 2 s through rewritten sites.
const fastTimeout = 60 * time.Second

// statsEnv makes elfloader print its fast-path counters at exit.
const statsEnv = "ELFLOADER_STATS=1"

// fastStats are the counters of elfloader's line
// "elfloader: fast path (--rewrite=M): N sites rewritten (S stones, W windows), R refused; F calls through rewritten sites, T trapped".
type fastStats struct {
	mode                          string
	sites, refused, fast, trapped uint64
	stones, windows               uint64
	passed                        uint64 // served on host descriptors without the kernel
}

var fastStatsLine = regexp.MustCompile(`(?m)^elfloader: fast path \(--rewrite=(\w+)\): (\d+) sites rewritten \((\d+) stones, (\d+) windows\), (\d+) refused; (\d+) calls through rewritten sites, (\d+) trapped(?:; (\d+) served without the kernel \(pass-through\))?$`)

// parseFastStats finds the fast-path line in elfloader's stderr.
func parseFastStats(stderr string) (fastStats, bool) {
	m := fastStatsLine.FindStringSubmatch(stderr)
	if m == nil {
		return fastStats{}, false
	}
	n := func(s string) uint64 {
		v, _ := strconv.ParseUint(s, 10, 64)
		return v
	}
	return fastStats{mode: m[1], sites: n(m[2]), stones: n(m[3]), windows: n(m[4]), refused: n(m[5]), fast: n(m[6]), trapped: n(m[7]), passed: n(m[8])}, true
}

// rewriteFlags are the run flags for one rewrite mode; the mode comes last
// so that it wins over one in $ELFLOADER_FLAGS.
func rewriteFlags(mode string, extra ...string) []string {
	flags := append(testbin.EnvFlags(), extra...)
	return append(flags, "--rewrite="+mode)
}

// compareFast runs argv natively and under elfloader with --rewrite=mode
// and the stats line enabled, expects the same results and returns the
// fast-path counters.
func compareFast(t *testing.T, mode string, argv []string, extraFlags ...string) fastStats {
	t.Helper()
	_, loaded := testbin.CompareWithNative(t, fastTimeout, rewriteFlags(mode, extraFlags...), argv, []string{statsEnv}, nil)
	assertNoPanic(t, loaded.Stderr)
	st, ok := parseFastStats(loaded.Stderr)
	if !ok {
		t.Fatalf("no fast-path stats line in elfloader's stderr:\n%s", loaded.Stderr)
	}
	if st.mode != mode {
		t.Errorf("stats line reports --rewrite=%s, want %s", st.mode, mode)
	}
	t.Logf("fast path: %+v", st)
	return st
}

// fastVariants returns the named variants that exist in this list, so
// that subtests stay few; missing toolchains skip in Build.
func fastVariants(t *testing.T, names ...string) []testbin.Variant {
	t.Helper()
	var out []testbin.Variant
	for _, n := range names {
		v, ok := testbin.VariantByName(n)
		if !ok {
			t.Fatalf("no variant %s", n)
		}
		out = append(out, v)
	}
	return out
}

// TestFastPathThreads runs fast_threads (8 threads released at once by a
// barrier, 100,000 rounds of getppid, getuid, write(/dev/null) and three
// raw syscall sites each, every result checked) with --rewrite=lazy, so
// that the sites are patched while other threads execute them, and
// requires that sites were rewritten and most calls went through them.
func TestFastPathThreads(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-dynamic") {
		t.Run(v.Name, func(t *testing.T) {
			if !v.Static {
				skipUnlessDynamic(t)
			}
			bin := testbin.Build(t, testbin.CSource(t, "fast_threads.c"), v, "-pthread")
			st := compareFast(t, "lazy", []string{bin})
			if st.sites == 0 {
				t.Errorf("no site was rewritten: %+v", st)
			}
			// 8 threads × 100,000 rounds × 6 calls; at least the raw sites,
			// getppid and getuid (5 of 6) are rewritable in every libc.
			if total := st.fast + st.trapped; st.fast*2 <= total || st.fast < 8*100000*4 {
				t.Errorf("only %d of %d calls went through rewritten sites", st.fast, total)
			}
		})
	}
}

// TestFastPathMidJump runs fast_midjump: a rewritten "mov $39,%eax;
// syscall" site entered at its syscall instruction with eax=110 must run
// getppid, and a rewritten read site interrupted by an SA_RESTART signal
// must restart.
func TestFastPathMidJump(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, mode := range []string{"lazy", "eager"} {
		for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-static-pie") {
			t.Run(mode+"/"+v.Name, func(t *testing.T) {
				bin := testbin.Build(t, testbin.CSource(t, "fast_midjump.c"), v)
				st := compareFast(t, mode, []string{bin})
				if st.sites == 0 || st.fast < 1000 {
					t.Errorf("the site was not used through the fast path: %+v", st)
				}
			})
		}
	}
}

// TestFastPathVectorState runs fast_vector: xmm/ymm/zmm, k0-k7, x87
// registers and control word, MXCSR control bits, the general registers
// syscall preserves and the flags must survive 10,000 rewritten syscalls
// per register width the CPU has.
func TestFastPathVectorState(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, mode := range []string{"lazy", "eager"} {
		for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-static-pie") {
			t.Run(mode+"/"+v.Name, func(t *testing.T) {
				bin := testbin.Build(t, testbin.CSource(t, "fast_vector.c"), v)
				st := compareFast(t, mode, []string{bin})
				if st.fast < 10000 {
					t.Errorf("fewer than 10,000 calls went through rewritten sites: %+v", st)
				}
			})
		}
	}
}

// TestFastPathRemapAnonymous runs `fast_remap anon`: code in anonymous
// memory replaced at the same address (munmap and MAP_FIXED_NOREPLACE,
// MAP_FIXED over live code, mprotect RW then RX) runs as the new code.
func TestFastPathRemapAnonymous(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, mode := range []string{"lazy", "eager"} {
		for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-dynamic") {
			t.Run(mode+"/"+v.Name, func(t *testing.T) {
				if !v.Static {
					skipUnlessDynamic(t)
				}
				bin := testbin.Build(t, testbin.CSource(t, "fast_remap.c"), v, "-ldl")
				compareFast(t, mode, []string{bin, "anon"})
			})
		}
	}
}

// TestFastPathRemapLibrary runs `fast_remap dl DIR`: f of libfastA.so
// (getpid) is rewritten, the library is unloaded and libfastB.so (f is
// getppid) loaded, at the same address when the dynamic loader picks it;
// B's f must return getppid's value, and A reloaded getpid's.
func TestFastPathRemapLibrary(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	skipUnlessDynamic(t)
	v, _ := testbin.VariantByName("gcc-dynamic")
	bin := testbin.Build(t, testbin.CSource(t, "fast_remap.c"), v, "-ldl")
	dir := t.TempDir()
	lib := testbin.CSource(t, "fast_remap_lib.c")
	for name, nr := range map[string]string{"libfastA.so": "39", "libfastB.so": "110"} {
		out, err := exec.Command("gcc", "-shared", "-fPIC", "-O1", "-DFAST_LIB_NR="+nr,
			"-o", filepath.Join(dir, name), lib).CombinedOutput()
		if err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
	for _, mode := range []string{"lazy", "eager"} {
		t.Run(mode, func(t *testing.T) {
			// The app sees the host directory at the same path.
			st := compareFast(t, mode, []string{bin, "dl", dir}, "--volume="+dir+":"+dir)
			if st.sites == 0 || st.fast < 2000 {
				t.Errorf("the libraries' sites were not used through the fast path: %+v", st)
			}
		})
	}
}

// TestFastPathSelfModifyingCode runs fast_selfmod: a site in RWX text and
// one whose page is made RWX after it ran get their mov immediate
// rewritten by the program, which must then see its own bytes and the new
// syscall. --rewrite=off is the control.
func TestFastPathSelfModifyingCode(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, mode := range []string{"off", "lazy", "eager"} {
		for _, v := range fastVariants(t, "gcc-static", "musl-static") {
			t.Run(mode+"/"+v.Name, func(t *testing.T) {
				bin := testbin.Build(t, testbin.CSource(t, "fast_selfmod.c"), v)
				compareFast(t, mode, []string{bin})
			})
		}
	}
}

// TestFastPathAddressSpace runs fast_hole: the 2 MiB below a non-PIE
// static executable, free natively, must be mappable with
// MAP_FIXED_NOREPLACE and MAP_FIXED after sites were rewritten (the
// trampolines must not take app address space). --rewrite=off is the
// control.
func TestFastPathAddressSpace(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, mode := range []string{"off", "lazy", "eager"} {
		for _, v := range fastVariants(t, "gcc-static", "musl-static") {
			t.Run(mode+"/"+v.Name, func(t *testing.T) {
				bin := testbin.Build(t, testbin.CSource(t, "fast_hole.c"), v)
				compareFast(t, mode, []string{bin})
			})
		}
	}
}
