package main

import (
	"fmt"
	"io"

	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/plat/inproc"
	"github.com/elfloader/elfloader/plat/isolated"
)

// platformHelp is the --platform flag's help text.
const platformHelp = "execution `PLATFORM`: inproc (app code runs inside elfloader's process; the fast syscall path) " +
	"or isolated (each app process runs in a small stub process of its own: syscalls trap through seccomp, " +
	"app memory is never elfloader's; for code you do not trust, slower)"

// runPlatform is the platform a run uses, and its site rewriter (the fast
// path, in-process only; nil otherwise).
type runPlatform struct {
	plat     plat.Platform
	rewriter *inproc.Rewriter
}

// rewriterConfig is the rewriter as kernel.Config wants it: a nil
// interface when there is none.
func (rp runPlatform) rewriterConfig() plat.Rewriter {
	if rp.rewriter == nil {
		return nil
	}
	return rp.rewriter
}

// stats are the fast path's counters (zero without a rewriter).
func (rp runPlatform) stats() plat.RewriteStats {
	if rp.rewriter == nil {
		return plat.RewriteStats{}
	}
	return rp.rewriter.Stats()
}

// openPlatform sets up the platform that --platform names. It returns an
// exit status (2: bad flags, 125: the host cannot run it) with a one-line
// error on stderr when it cannot.
func (o *runOptions) openPlatform(stderr io.Writer) (runPlatform, int) {
	switch o.rewrite {
	case "off", "lazy", "eager", "":
	default:
		fmt.Fprintf(stderr, "elfloader: --rewrite %q: want off, lazy or eager\n", o.rewrite)
		return runPlatform{}, 2
	}
	switch o.platform {
	case "inproc", "":
		p, err := inproc.New()
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: %v\n", err)
			return runPlatform{}, 125
		}
		mode := map[string]inproc.RewriteMode{"off": inproc.RewriteOff, "lazy": inproc.RewriteLazy, "": inproc.RewriteLazy, "eager": inproc.RewriteEager}[o.rewrite]
		return runPlatform{plat: p, rewriter: p.NewRewriter(mode)}, 0
	case "isolated":
		if o.rewriteSet && o.rewrite != "off" {
			fmt.Fprintf(stderr, "elfloader: --rewrite=%s: the fast syscall path exists on --platform=inproc only\n", o.rewrite)
			return runPlatform{}, 2
		}
		p, err := isolated.New()
		if err != nil {
			fmt.Fprintf(stderr, "elfloader: --platform=isolated cannot run on this host: %v\n", err)
			return runPlatform{}, 125
		}
		o.rewrite = "off" // every syscall traps (reports say so)
		return runPlatform{plat: p}, 0
	}
	fmt.Fprintf(stderr, "elfloader: unknown platform %q (available: inproc, isolated)\n", o.platform)
	return runPlatform{}, 2
}

// platformNotes says, per syscall, where a platform serves it differently
// from the in-process platform (the support table's platform notes).
func platformNotes() map[string]map[string]string {
	const copied = "buffers are copies of app memory (process_vm_readv/writev): one call transfers at most 16 MiB, a short transfer as Linux allows"
	return map[string]map[string]string{
		"isolated": {
			"mremap":   "moves private anonymous memory by copying; shared and file-backed mappings cannot move (ENOMEM)",
			"madvise":  "MADV_DONTNEED replaces private memory with zero pages or the file's pages mapped again (the stub has no madvise; EOPNOTSUPP for a private file mapping past 512 kept descriptors); MADV_REMOVE: EOPNOTSUPP",
			"read":     copied,
			"write":    copied,
			"readv":    copied,
			"writev":   copied,
			"pread64":  copied,
			"pwrite64": copied,
			"preadv":   copied,
			"pwritev":  copied,
			"preadv2":  copied,
			"pwritev2": copied,
			"futex":    "atomic operations on the word (PI locks, FUTEX_WAKE_OP, robust lists) are a round trip to the app's stub process",
		},
	}
}
