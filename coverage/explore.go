package coverage

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// ExploreSchemaVersion identifies the JSON form of an ExploreReport.
const ExploreSchemaVersion = "elfloader-explore/1"

// Verdict says what a program needs of one syscall or sub-operation, as
// found by the "explore" command, which reruns the program with the call
// failing with ENOSYS (stubbed) or returning 0 without doing anything
// (faked) and checks whether the program still behaves the same.
type Verdict string

// The verdicts, from the least to the most demanding.
const (
	VerdictStubbable Verdict = "stubbable" // still works when the call fails with ENOSYS
	VerdictFakeable  Verdict = "fakeable"  // needs success, but not the effect
	VerdictRequired  Verdict = "required"  // needs a real implementation
)

func verdictRank(v Verdict) int {
	switch v {
	case VerdictStubbable:
		return 0
	case VerdictFakeable:
		return 1
	case VerdictRequired:
		return 2
	}
	return -1
}

// ExploreItem is the verdict on one syscall (SubKind empty) or one of its
// sub-operations.
type ExploreItem struct {
	Syscall  string  `json:"syscall"`
	Nr       uint64  `json:"nr"`
	SubKind  string  `json:"sub_kind,omitempty"`
	SubValue uint64  `json:"sub_value,omitempty"`
	SubName  string  `json:"sub_name,omitempty"`
	Verdict  Verdict `json:"verdict"`
	Note     string  `json:"note,omitempty"` // what broke, e.g. "exit 1 instead of 0 when stubbed"
}

// Label names the item: "ioctl" or "ioctl TCGETS".
func (it ExploreItem) Label() string {
	if it.SubKind == "" {
		return it.Syscall
	}
	sub := it.SubName
	if sub == "" {
		sub = fmt.Sprintf("%#x", it.SubValue)
	}
	return it.Syscall + " " + it.SubKind + " " + sub
}

// ExploreReport collects the verdicts of one or more explored programs.
type ExploreReport struct {
	Schema   string        `json:"schema"`
	Created  time.Time     `json:"created"`
	Commands [][]string    `json:"commands"`
	Items    []ExploreItem `json:"items"`
}

type exploreKey struct {
	syscall string
	kind    string
	value   uint64
}

func (it ExploreItem) key() exploreKey { return exploreKey{it.Syscall, it.SubKind, it.SubValue} }

// Normalize sorts items by syscall number, name, then sub-operation.
func (e *ExploreReport) Normalize() {
	if e.Schema == "" {
		e.Schema = ExploreSchemaVersion
	}
	slices.SortStableFunc(e.Items, func(a, b ExploreItem) int {
		return cmp.Or(cmp.Compare(a.Nr, b.Nr), cmp.Compare(a.Syscall, b.Syscall),
			cmp.Compare(a.SubKind, b.SubKind), cmp.Compare(a.SubValue, b.SubValue))
	})
}

// MergeExplore combines the verdicts of several programs: for an item both
// have, the more demanding verdict wins (required over fakeable over
// stubbable), since a kernel built for both must satisfy both; its note is
// the winning side's. Commands are appended.
func MergeExplore(a, b ExploreReport) ExploreReport {
	out := ExploreReport{Schema: ExploreSchemaVersion, Created: a.Created}
	if b.Created.After(a.Created) {
		out.Created = b.Created
	}
	for _, c := range append(slices.Clone(a.Commands), b.Commands...) {
		out.Commands = append(out.Commands, slices.Clone(c))
	}
	index := make(map[exploreKey]int)
	for _, it := range append(slices.Clone(a.Items), b.Items...) {
		i, ok := index[it.key()]
		if !ok {
			index[it.key()] = len(out.Items)
			out.Items = append(out.Items, it)
			continue
		}
		if verdictRank(it.Verdict) > verdictRank(out.Items[i].Verdict) {
			out.Items[i].Verdict, out.Items[i].Note = it.Verdict, it.Note
		}
		if out.Items[i].SubName == "" {
			out.Items[i].SubName = it.SubName
		}
	}
	out.Normalize()
	return out
}

// exploreRows returns the items most demanding first, then by label.
func exploreRows(e ExploreReport) [][]string {
	items := slices.Clone(e.Items)
	slices.SortStableFunc(items, func(a, b ExploreItem) int {
		return cmp.Or(cmp.Compare(verdictRank(b.Verdict), verdictRank(a.Verdict)), cmp.Compare(a.Label(), b.Label()))
	})
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = []string{it.Label(), fmt.Sprint(it.Nr), string(it.Verdict), it.Note}
	}
	return rows
}

var exploreHeader = []string{"CALL", "NR", "VERDICT", "NOTE"}

func exploreSummary(e ExploreReport) string {
	counts := map[Verdict]int{}
	for _, it := range e.Items {
		counts[it.Verdict]++
	}
	return fmt.Sprintf("%d calls explored over %d %s: %d required, %d fakeable, %d stubbable",
		len(e.Items), len(e.Commands), plural(len(e.Commands), "command", "commands"),
		counts[VerdictRequired], counts[VerdictFakeable], counts[VerdictStubbable])
}

// RenderExplore writes an explore report in the given format.
func RenderExplore(w io.Writer, f Format, e ExploreReport) error {
	var b strings.Builder
	switch f {
	case FormatJSON:
		c := e
		c.Items = slices.Clone(e.Items)
		c.Normalize()
		if c.Items == nil {
			c.Items = []ExploreItem{}
		}
		return writeIndentedJSON(w, c, "explore report")
	case FormatText:
		b.WriteString(exploreSummary(e) + "\n\n")
		writeAligned(&b, exploreHeader, []bool{false, true, false, false}, exploreRows(e))
	case FormatMarkdown:
		b.WriteString("## Syscall exploration\n\n" + mdEscape(exploreSummary(e)) + "\n\n")
		rows := exploreRows(e)
		for _, row := range rows {
			for i := range row {
				row[i] = mdEscape(row[i])
			}
		}
		writeMarkdownTable(&b, []string{"Call", "Nr", "Verdict", "Note"}, []bool{false, true, false, false}, rows)
	case FormatHTML:
		return writePage(w, pageData{Title: "elfloader syscall exploration", Explore: newHTMLExplore(e)})
	default:
		return fmt.Errorf("render explore report: unknown format %q", f)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write explore report: %w", err)
	}
	return nil
}
