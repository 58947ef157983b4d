package bench

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestParseNsPerCall(t *testing.T) {
	tests := []struct {
		name    string
		output  string
		want    float64
		wantErr bool
	}{
		{"getpid loop", "131.3 ns/call (200000 calls, checksum 5)\n", 131.3, false},
		{"after other lines", "warming up\nresult: 2214.8 ns/call\n", 2214.8, false},
		{"integer", "42 ns/call\n", 42, false},
		{"first line wins", "10 ns/call\n20 ns/call\n", 10, false},
		{"no figure", "hello, world\n", 0, true},
		{"empty", "", 0, true},
		{"not a number", "fast ns/call\n", 0, true},
		{"negative", "-3 ns/call\n", 0, true},
		{"NaN", "NaN ns/call\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNsPerCall([]byte(tt.output))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseNsPerCall(%q) error = %v, want error %v", tt.output, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseNsPerCall(%q) = %v, want %v", tt.output, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	odd, err := Summarize("ms", []float64{5, 1, 4, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if odd.Min != 1 || odd.Median != 3 || odd.Max != 5 || odd.P90 != 5 || odd.N() != 5 {
		t.Errorf("odd summary = %+v", odd)
	}
	if got := odd.Values; got[0] != 5 || got[4] != 3 {
		t.Errorf("Values reordered: %v, want the order taken", got)
	}
	if want := (5.0 - 1) / 3; math.Abs(odd.Spread()-want) > 1e-12 {
		t.Errorf("Spread = %v, want %v", odd.Spread(), want)
	}

	even, err := Summarize("ns/call", []float64{4, 1, 3, 2})
	if err != nil {
		t.Fatal(err)
	}
	if even.Median != 2.5 || even.P90 != 4 || even.Unit != "ns/call" {
		t.Errorf("even summary = %+v", even)
	}

	ten := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	s, err := Summarize("ms", ten)
	if err != nil {
		t.Fatal(err)
	}
	if s.P90 != 9 {
		t.Errorf("P90 of 1..10 = %v, want 9 (nearest rank)", s.P90)
	}

	one, err := Summarize("ms", []float64{7})
	if err != nil || one.Median != 7 || one.P90 != 7 || one.Spread() != 0 {
		t.Errorf("single sample: %+v, %v", one, err)
	}

	if _, err := Summarize("ms", nil); !errors.Is(err, ErrNoSamples) {
		t.Errorf("Summarize(nil) error = %v, want ErrNoSamples", err)
	}
	if _, err := Summarize("ms", []float64{1, math.Inf(1)}); err == nil {
		t.Error("Summarize accepted an infinite sample")
	}
}

func TestWorkloadTable(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range Workloads() {
		if w.Name == "" || seen[w.Name] {
			t.Errorf("workload name %q empty or repeated", w.Name)
		}
		seen[w.Name] = true
		if w.Description == "" {
			t.Errorf("%s: no description", w.Name)
		}
		if w.Pending == "" && w.Program.Source == "" && w.Program.Path == "" {
			t.Errorf("%s: runnable workload names no program", w.Name)
		}
		for _, p := range []*Program{&w.Program, w.Floor} {
			if p == nil || p.Source == "" {
				continue
			}
			if _, err := cSources.ReadFile("c/" + p.Source); err != nil {
				t.Errorf("%s: source %s not embedded: %v", w.Name, p.Source, err)
			}
		}
		if got, ok := Lookup(w.Name); !ok || got.Name != w.Name {
			t.Errorf("Lookup(%q) = %v, %v", w.Name, got.Name, ok)
		}
	}
	for _, name := range []string{"syscall", "startup", "startup-busybox", "startup-true", "startup-python", "nginx"} {
		if !seen[name] {
			t.Errorf("workload %q missing from the table", name)
		}
	}
	if _, ok := Lookup("no-such-workload"); ok {
		t.Error("Lookup found a workload that does not exist")
	}
}

func TestRunSkipsPending(t *testing.T) {
	env := &Env{}
	w := Workload{Name: "pending", Metric: Throughput, Pending: "not there yet"}
	r := env.Run(context.Background(), w)
	if !strings.HasPrefix(r.Skipped, "not yet supported") || r.Native != nil {
		t.Errorf("pending workload: Skipped = %q, Native = %v", r.Skipped, r.Native)
	}
}

func TestRunNativeOnlyWhenElfloaderMissing(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) on this host")
	}
	env := &Env{Runs: 2, ElfloaderErr: errors.New("not built\ndetails")}
	w := Workload{Name: "t", Description: "t", Program: Program{Path: truePath}, Metric: WallTime}
	r := env.Run(context.Background(), w)
	if r.Skipped != "" {
		t.Fatalf("Skipped = %q", r.Skipped)
	}
	if r.Native == nil || r.Native.N() != 2 || r.Native.Unit != "ms" {
		t.Fatalf("Native = %+v, want 2 samples in ms", r.Native)
	}
	if r.Elfloader != nil {
		t.Errorf("Elfloader = %+v, want nil", r.Elfloader)
	}
	if len(r.Notes) != 1 || r.Notes[0] != "elfloader unavailable: not built" {
		t.Errorf("Notes = %q", r.Notes)
	}
	if _, ok := r.Ratio(); ok {
		t.Error("Ratio reported without an elfloader figure")
	}
}

func TestRunOnceFailures(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on this host")
	}
	_, err := RunOnce(context.Background(), []string{"sh", "-c", "echo first >&2; echo 'elfloader: cannot run' >&2; exit 3"}, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "elfloader: cannot run") {
		t.Errorf("failing run: err = %v, want exit status and last stderr line", err)
	}
	_, err = RunOnce(context.Background(), []string{"sh", "-c", "exec sleep 10"}, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("slow run: err = %v, want a timeout", err)
	}
	if _, err := RunOnce(context.Background(), nil, time.Minute); err == nil {
		t.Error("empty command accepted")
	}
}

func TestRatios(t *testing.T) {
	native := &Summary{Unit: "ns/call", Median: 100}
	elf := &Summary{Unit: "ns/call", Median: 250}
	floor := &Summary{Unit: "ns/call", Median: 200}
	r := Result{Workload: Workload{Metric: SelfReported}, Native: native, Elfloader: elf, Floor: floor}
	if v, ok := r.Ratio(); !ok || v != 2.5 {
		t.Errorf("Ratio = %v, %v; want 2.5", v, ok)
	}
	if v, ok := r.FloorRatio(); !ok || v != 1.25 {
		t.Errorf("FloorRatio = %v, %v; want 1.25", v, ok)
	}
	tp := Result{Workload: Workload{Metric: Throughput},
		Native: &Summary{Median: 1000}, Elfloader: &Summary{Median: 800}}
	if v, ok := tp.Ratio(); !ok || v != 1.25 {
		t.Errorf("throughput Ratio = %v, %v; want native/elfloader = 1.25", v, ok)
	}
}

func TestWriteMarkdown(t *testing.T) {
	syscall, _ := Lookup("syscall")
	nginx, _ := Lookup("nginx")
	results := []Result{
		{
			Workload:  syscall,
			Native:    &Summary{Unit: "ns/call", Values: []float64{130}, Min: 130, Median: 130, P90: 130, Max: 130},
			Elfloader: &Summary{Unit: "ns/call", Values: []float64{260}, Min: 260, Median: 260, P90: 260, Max: 260},
			Floor:     &Summary{Unit: "ns/call", Values: []float64{1300}, Min: 1300, Median: 1300, P90: 1300, Max: 1300},
		},
		{Workload: nginx, Skipped: "not yet supported: a|b"},
	}
	var buf bytes.Buffer
	m := Machine{CPU: "Test CPU", Kernel: "6.18", NProc: 2, Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}
	opts := ReportOptions{Command: "go run ./bench/cmd/benchall -write docs/benchmarks.md"}
	if err := WriteMarkdown(&buf, m, opts, results); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Generated by `go run ./bench/cmd/benchall -write docs/benchmarks.md`",
		"| CPU | Test CPU |",
		"| cores (nproc) | 2 |",
		"| 2026-01-02 03:04 UTC |",
		"| syscall | 130 ns/call | 260 ns/call | 2.00× | ≤ 2.50× | 1300 ns/call | 0.20× |",
		`skipped: not yet supported: a\|b`,
		"| syscall | elfloader | 1 | 260 ns/call |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestOverheadNote reports a workload's elfloader run against the one it
// extends, with its goal.
func TestOverheadNote(t *testing.T) {
	base := Result{Workload: Workload{Name: "startup-python", Metric: WallTime},
		Elfloader: &Summary{Unit: "ms", Median: 10}}
	cov := Result{Workload: Workload{Name: "startup-python-coverage", Metric: WallTime,
		OverheadOf: "startup-python", OverheadGoal: 1.10},
		Elfloader: &Summary{Unit: "ms", Median: 10.4}}
	byName := map[string]Result{base.Workload.Name: base, cov.Workload.Name: cov}
	if got, want := overheadNote(cov, byName), "+4% over startup-python under elfloader (goal ≤ +10%)"; got != want {
		t.Errorf("overheadNote = %q, want %q", got, want)
	}
	if got := overheadNote(base, byName); got != "" {
		t.Errorf("overheadNote of a workload extending none = %q, want empty", got)
	}
}
