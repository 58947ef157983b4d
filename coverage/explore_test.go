package coverage

import (
	"bytes"
	"strings"
	"testing"
)

func exploreFixture() (ExploreReport, ExploreReport) {
	a := ExploreReport{Schema: ExploreSchemaVersion, Created: fixtureTime, Commands: [][]string{{"ls", "/"}},
		Items: []ExploreItem{
			{Syscall: "rseq", Nr: 334, Verdict: VerdictStubbable},
			{Syscall: "ioctl", Nr: 16, SubKind: "ioctl", SubValue: 0x5401, SubName: "TCGETS", Verdict: VerdictStubbable},
			{Syscall: "prlimit64", Nr: 302, Verdict: VerdictFakeable, Note: "exit 1 when stubbed"},
			{Syscall: "openat", Nr: 257, Verdict: VerdictRequired, Note: "exit 2 when faked"},
		}}
	b := ExploreReport{Schema: ExploreSchemaVersion, Created: fixtureTime, Commands: [][]string{{"python3", "-c", "print(1)"}},
		Items: []ExploreItem{
			{Syscall: "rseq", Nr: 334, Verdict: VerdictStubbable},
			{Syscall: "ioctl", Nr: 16, SubKind: "ioctl", SubValue: 0x5401, Verdict: VerdictRequired, Note: "isatty <breaks>"},
			{Syscall: "prlimit64", Nr: 302, Verdict: VerdictStubbable},
		}}
	return a, b
}

func TestMergeExplore(t *testing.T) {
	a, b := exploreFixture()
	m := MergeExplore(a, b)
	if len(m.Commands) != 2 || len(m.Items) != 4 {
		t.Fatalf("merged = %+v", m)
	}
	byLabel := map[string]ExploreItem{}
	for _, it := range m.Items {
		byLabel[it.Label()] = it
	}
	if it := byLabel["ioctl ioctl TCGETS"]; it.Verdict != VerdictRequired || it.Note != "isatty <breaks>" {
		t.Errorf("ioctl TCGETS = %+v", it)
	}
	if it := byLabel["prlimit64"]; it.Verdict != VerdictFakeable || it.Note != "exit 1 when stubbed" {
		t.Errorf("prlimit64 = %+v", it)
	}
	if it := byLabel["rseq"]; it.Verdict != VerdictStubbable {
		t.Errorf("rseq = %+v", it)
	}
	if m.Items[0].Nr != 16 || m.Items[len(m.Items)-1].Nr != 334 {
		t.Errorf("not sorted by nr: %+v", m.Items)
	}
}

func TestRenderExplore(t *testing.T) {
	a, b := exploreFixture()
	m := MergeExplore(a, b)
	for _, f := range Formats() {
		var buf bytes.Buffer
		if err := RenderExplore(&buf, f, m); err != nil {
			t.Fatal(err)
		}
		ext := map[Format]string{FormatText: "txt", FormatMarkdown: "md", FormatJSON: "json", FormatHTML: "html"}[f]
		golden(t, "explore."+ext, buf.Bytes())
		if f == FormatHTML {
			checkWellFormed(t, buf.String())
			if !strings.Contains(buf.String(), "isatty &lt;breaks&gt;") {
				t.Error("note not escaped")
			}
		}
	}
}
