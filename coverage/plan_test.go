package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// planReport is a report of one run of argv using the given syscalls.
func planReport(argv string, syscalls ...Syscall) Report {
	return Report{Schema: SchemaVersion, Runs: []Run{{Argv: strings.Fields(argv)}}, Syscalls: syscalls}
}

func planFixture() []PlanInput {
	ioctl := func(subs ...SubOp) Syscall {
		return Syscall{Name: "ioctl", Nr: 16, Level: LevelPartial, SubOps: subs}
	}
	tcgets := SubOp{Kind: "ioctl", Value: 0x5401, Name: "TCGETS"}
	winsz := SubOp{Kind: "ioctl", Value: 0x5413, Name: "TIOCGWINSZ", Level: LevelFull}
	return []PlanInput{
		{File: "a.json", Report: planReport("a", Syscall{Name: "write", Level: LevelFull}, Syscall{Name: "rseq", Level: LevelStub}, ioctl(tcgets, winsz))},
		{File: "b.json", Report: planReport("b", Syscall{Name: "rseq", Level: LevelStub})},
		{File: "c.json", Report: planReport("c", Syscall{Name: "write", Level: LevelFull})},
		{File: "d.json", Report: planReport("d", Syscall{Name: "rseq", Level: LevelStub}, Syscall{Name: "io_uring_setup", Level: LevelMissing},
			Syscall{Name: "bpf", Level: LevelMissing})},
	}
}

func TestPlanRanksByAppsUnblocked(t *testing.T) {
	p := NewPlan(planFixture())
	if p.Ready != 1 {
		t.Errorf("ready %d, want 1 (c needs nothing)", p.Ready)
	}
	var got []string
	for _, it := range p.Items {
		got = append(got, fmt.Sprintf("%s/%s/%s/%d/%d", it.Name, it.Level, strings.Join(it.Apps, ","), it.Unblocks, it.Running))
	}
	want := []string{
		"rseq/stub/a,b,d/1/2",        // completes b, and the most apps need it
		"ioctl TCGETS/partial/a/1/3", // TIOCGWINSZ is declared full: not a need
		"bpf/missing/d/0/3",
		"io_uring_setup/missing/d/1/4",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, it := range p.Items {
		if it.Rank != i+1 {
			t.Errorf("item %s has rank %d, want %d", it.Name, it.Rank, i+1)
		}
	}
}

func TestPlanRenderers(t *testing.T) {
	p := NewPlan(planFixture())
	for _, f := range Formats() {
		var b bytes.Buffer
		if err := RenderPlan(&b, f, p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out := b.String()
		switch f {
		case FormatJSON:
			var back Plan
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Schema != PlanSchemaVersion || len(back.Items) != 4 {
				t.Errorf("json: %v, %+v", err, back)
			}
		case FormatHTML:
			if !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "<svg") || !strings.Contains(out, "<polyline") {
				t.Errorf("html has no curve:\n%.500s", out)
			}
		default:
			if !strings.Contains(out, "Implementation plan for 4 apps") || !strings.Contains(out, "io_uring_setup") {
				t.Errorf("%s:\n%s", f, out)
			}
		}
	}
	golden(t, "plan.txt", renderPlanBytes(t, FormatText, p))
	golden(t, "plan.html", renderPlanBytes(t, FormatHTML, p))
}

func renderPlanBytes(t *testing.T, f Format, p Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := RenderPlan(&b, f, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
