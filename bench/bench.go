package bench

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env is what running the workloads needs: the compiler, the elfloader
// binary under test, and the options of this invocation.
type Env struct {
	Compiler *Compiler

	// Elfloader is the binary under test; when empty, ElfloaderErr says why
	// and only native figures are reported.
	Elfloader    string
	ElfloaderErr error

	Runs           int  // when > 0, overrides every workload's Runs
	IncludePending bool // run workloads marked Pending instead of skipping them

	Log *slog.Logger // progress messages; nil means none
}

// Result is the outcome of one workload.
type Result struct {
	Workload  Workload
	Native    *Summary // nil when skipped
	Elfloader *Summary // nil when elfloader is unavailable or its run failed
	Floor     *Summary // nil when the workload has no floor or it failed
	Skipped   string   // non-empty: why nothing was measured
	Notes     []string
}

// Ratio is elfloader's median over native's (for throughput, native's over
// elfloader's, so that larger always means slower); ok is false when either
// side is missing.
func (r Result) Ratio() (ratio float64, ok bool) {
	return medianRatio(r.Elfloader, r.Native, r.Workload.Metric)
}

// FloorRatio is elfloader's median over the floor's.
func (r Result) FloorRatio() (ratio float64, ok bool) {
	return medianRatio(r.Elfloader, r.Floor, r.Workload.Metric)
}

func medianRatio(slow, base *Summary, m Metric) (float64, bool) {
	if slow == nil || base == nil || slow.Median == 0 || base.Median == 0 {
		return 0, false
	}
	if m == Throughput {
		return base.Median / slow.Median, true
	}
	return slow.Median / base.Median, true
}

// contender is one side of a workload: native, floor or elfloader.
type contender struct {
	label  string
	argv   []string
	values []float64
	stdout []byte // of the warm-up run
	err    error  // set when it failed; it is then dropped
}

// Run measures workload w natively and under elfloader (and its floor, if
// any). The sides run interleaved, one run each in turn after a warm-up run,
// so that both see the same noise on a shared machine. A failing elfloader
// run is noted, not fatal; a failing native run skips the workload.
func (env *Env) Run(ctx context.Context, w Workload) Result {
	r := Result{Workload: w}
	if w.Pending != "" && !env.IncludePending {
		r.Skipped = "not yet supported: " + w.Pending
		return r
	}
	if w.Metric == Throughput || w.Metric == ReadyTime {
		if w.Setup != nil {
			cleanup, err := w.Setup(ctx, env.Elfloader)
			if err != nil {
				return Result{Workload: w, Skipped: "setup failed: " + err.Error()}
			}
			defer cleanup()
		}
		return env.runThroughput(ctx, w)
	}
	if _, err := os.Stat(gnuTime); err != nil && w.Metric == MaxRSS {
		r.Skipped = "GNU time not installed (scripts/deps.sh installs it)"
		return r
	}
	if w.Setup != nil {
		// Before the program is resolved: the setup may build it.
		cleanup, err := w.Setup(ctx, env.Elfloader)
		if err != nil {
			r.Notes = append(r.Notes, "setup failed: "+err.Error())
			return r
		}
		defer cleanup()
	}
	argv, err := w.Program.Argv(ctx, env.Compiler)
	if err != nil {
		r.Skipped = err.Error()
		return r
	}

	native := &contender{label: "native", argv: argv}
	sides := []*contender{native}
	var floor *contender
	if w.Floor != nil {
		floorArgv, err := w.Floor.Argv(ctx, env.Compiler)
		if err != nil {
			r.Notes = append(r.Notes, "floor unavailable: "+err.Error())
		} else {
			floor = &contender{label: "floor", argv: floorArgv}
			sides = append(sides, floor)
		}
	}
	var elf *contender
	if env.Elfloader != "" {
		elf = &contender{label: "elfloader", argv: w.ElfloaderArgv(env.Elfloader, argv)}
		sides = append(sides, elf)
	} else if env.ElfloaderErr != nil {
		r.Notes = append(r.Notes, "elfloader unavailable: "+firstLine(env.ElfloaderErr.Error()))
	}

	timeout := w.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	runs := w.Runs
	if env.Runs > 0 {
		runs = env.Runs
	}
	if runs < 1 {
		runs = 1
	}

	env.logf("benchmark", "workload", w.Name, "runs", runs, "sides", len(sides))
	for _, c := range sides {
		out, err := RunOnce(ctx, c.argv, timeout)
		c.stdout, c.err = out.Stdout, err
	}
	if elf != nil && elf.err == nil && w.SameOutput && !bytes.Equal(elf.stdout, native.stdout) {
		elf.err = fmt.Errorf("its output differs from the native run's (%q, want %q)",
			clip(elf.stdout), clip(native.stdout))
	}
	for i := 0; i < runs; i++ {
		for _, c := range sides {
			if c.err != nil {
				continue
			}
			v, err := sample(ctx, w.Metric, c.argv, timeout)
			if err != nil {
				c.err = fmt.Errorf("run %d: %w", i+1, err)
				continue
			}
			c.values = append(c.values, v)
		}
		if ctx.Err() != nil {
			break
		}
	}

	if native.err != nil {
		r.Skipped = "native run failed: " + native.err.Error()
		return r
	}
	r.Native = summarize(w.Metric, native)
	if floor != nil {
		if floor.err != nil {
			r.Notes = append(r.Notes, "floor run failed: "+floor.err.Error())
		}
		r.Floor = summarize(w.Metric, floor)
	}
	if elf != nil {
		if elf.err != nil {
			r.Notes = append(r.Notes, "elfloader run failed: "+elf.err.Error())
		} else {
			r.Elfloader = summarize(w.Metric, elf)
		}
	}
	if (w.Metric == MaxRSS || w.Metric == PrivateDirty) && r.Native != nil && r.Elfloader != nil {
		r.Notes = append(r.Notes, "elfloader adds "+figure(r.Elfloader.Median-r.Native.Median, "MiB"))
	}
	return r
}

// gnuTime is GNU time (Debian's "time"): it forks the program with fork,
// not vfork as Go does, so the program's ru_maxrss is its own.
const gnuTime = "/usr/bin/time"

// sample runs argv once and returns the metric's value.
func sample(ctx context.Context, m Metric, argv []string, timeout time.Duration) (float64, error) {
	switch m {
	case MaxRSS:
		return sampleMaxRSS(ctx, argv, timeout)
	case PrivateDirty:
		return samplePrivateDirty(ctx, argv, timeout)
	}
	out, err := RunOnce(ctx, argv, timeout)
	if err != nil {
		return 0, err
	}
	switch m {
	case WallTime:
		return float64(out.Wall) / float64(time.Millisecond), nil
	case SelfReported:
		v, err := ParseNsPerCall(out.Stdout)
		if err != nil {
			// `elfloader coverage` gives stdout to its report and the
			// program's output to stderr.
			if v, err2 := ParseNsPerCall(out.Stderr); err2 == nil {
				return v, nil
			}
		}
		return v, err
	}
	return 0, fmt.Errorf("no sampler for metric %s", m.Unit())
}

// sampleMaxRSS runs argv under GNU time and returns its peak resident
// memory in MiB. (A child that Go starts inherits, through vfork, the
// harness's own peak as its ru_maxrss.)
func sampleMaxRSS(ctx context.Context, argv []string, timeout time.Duration) (float64, error) {
	out, err := RunOnce(ctx, append([]string{gnuTime, "-f", "maxrss_kib %M"}, argv...), timeout)
	if err != nil {
		return 0, err
	}
	return ParseMaxRSS(out.Stderr)
}

// ParseMaxRSS reads the "maxrss_kib N" line GNU time printed last, in MiB.
func ParseMaxRSS(stderr []byte) (float64, error) {
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	v, ok := strings.CutPrefix(lines[len(lines)-1], "maxrss_kib ")
	kib, err := strconv.ParseFloat(v, 64)
	if !ok || err != nil || kib <= 0 {
		return 0, fmt.Errorf("no maxrss_kib line from %s: %q", gnuTime, lines[len(lines)-1])
	}
	return kib / 1024, nil
}

// summarize returns nil when the contender failed or took no sample.
func summarize(m Metric, c *contender) *Summary {
	if c.err != nil {
		return nil
	}
	s, err := Summarize(m.Unit(), c.values)
	if err != nil {
		return nil
	}
	return &s
}

func (env *Env) logf(msg string, args ...any) {
	if env.Log != nil {
		env.Log.Info(msg, args...)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func clip(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
