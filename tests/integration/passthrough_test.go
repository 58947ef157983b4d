package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestPassThrough runs fast_pass: reads, writes, socket calls and epoll
// waits on host sockets, pipes and epoll instances, in loops long enough
// for their sites to be rewritten, so that the in-process platform serves
// them without the kernel (docs/fastpath.md, "Pass-through"). Each
// scenario must print what it prints natively: blocking calls still
// block (and a blocking write writes everything), EPIPE still raises
// SIGPIPE, bad pointers give EFAULT without losing data, signals reach
// threads looping on such calls or waiting in epoll_wait, descriptors can
// be closed and replaced under other threads (an epoll instance too while
// a thread waits in it), and the process can exit while a thread waits. On the in-process platform the calls must really
// have been passed through (at least the count given); on the isolated
// platform, which has no pass-through, the output alone is compared.
func TestPassThrough(t *testing.T) {
	scenarios := []struct {
		name   string
		passed uint64
	}{
		{"io", 10000},
		{"block", 1000},
		{"sigpipe", 1},
		{"epoll", 3000},
		{"kick", 1000},
		{"close", 500},
		{"exit", 50},
		{"closewait", 50},
	}
	inproc := testbin.Platform() == "inproc"
	for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-dynamic") {
		t.Run(v.Name, func(t *testing.T) {
			if !v.Static {
				skipUnlessDynamic(t)
			}
			bin := testbin.Build(t, testbin.CSource(t, "fast_pass.c"), v, "-pthread")
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					if !inproc {
						native, loaded := testbin.CompareWithNative(t, fastTimeout, testbin.EnvFlags(), []string{bin, sc.name}, nil, nil)
						assertNoPanic(t, loaded.Stderr)
						t.Logf("output: %s", native.Stdout)
						return
					}
					for _, mode := range []string{"lazy", "eager"} {
						st := compareFast(t, mode, []string{bin, sc.name})
						if st.passed < sc.passed {
							t.Errorf("--rewrite=%s: %d calls passed through to host descriptors, want at least %d: %+v", mode, st.passed, sc.passed, st)
						}
					}
				})
			}
		})
	}
}

// TestPassThroughOff: with ELFLOADER_PASSTHROUGH=0, and with a trace
// (which must see every call), nothing is passed through and the results
// are the same.
func TestPassThroughOff(t *testing.T) {
	testbin.RequireInproc(t, "host descriptor pass-through")
	v, _ := testbin.VariantByName("gcc-static")
	bin := testbin.Build(t, testbin.CSource(t, "fast_pass.c"), v, "-pthread")
	for _, tc := range []struct {
		name  string
		env   []string
		flags []string
	}{
		{"env", []string{"ELFLOADER_PASSTHROUGH=0", statsEnv}, nil},
		{"trace", []string{statsEnv}, []string{"--trace-file=" + t.TempDir() + "/trace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, loaded := testbin.CompareWithNative(t, fastTimeout, rewriteFlags("lazy", tc.flags...), []string{bin, "io"}, tc.env, nil)
			st, ok := parseFastStats(loaded.Stderr)
			if !ok {
				t.Fatalf("no fast-path stats line in elfloader's stderr:\n%s", loaded.Stderr)
			}
			if st.passed != 0 || st.fast == 0 {
				t.Errorf("want rewritten calls and none passed through: %+v", st)
			}
		})
	}
}
