package coverage

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReportDiff is what changed between two coverage reports.
type ReportDiff struct {
	Added         []Syscall      `json:"added,omitempty"`   // in new only
	Removed       []Syscall      `json:"removed,omitempty"` // in old only
	LevelChanges  []LevelChange  `json:"level_changes,omitempty"`
	CountChanges  []CountChange  `json:"count_changes,omitempty"`
	ResultChanges []ResultChange `json:"result_changes,omitempty"`
}

// LevelChange is a syscall or sub-operation whose support level changed.
// Sub is empty for the syscall itself, else "kind name".
type LevelChange struct {
	Syscall string `json:"syscall"`
	Sub     string `json:"sub,omitempty"`
	Old     string `json:"old"`
	New     string `json:"new"`
}

// CountChange is a syscall or sub-operation called a different number of times.
type CountChange struct {
	Syscall string `json:"syscall"`
	Sub     string `json:"sub,omitempty"`
	Old     uint64 `json:"old"`
	New     uint64 `json:"new"`
}

// ResultChange is a result (errno name or OK) of a syscall whose count changed.
type ResultChange struct {
	Syscall string `json:"syscall"`
	Result  string `json:"result"`
	Old     uint64 `json:"old"`
	New     uint64 `json:"new"`
}

// Empty reports whether the two reports had the same coverage.
func (d ReportDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.LevelChanges) == 0 &&
		len(d.CountChanges) == 0 && len(d.ResultChanges) == 0
}

// Improved reports whether new is no worse than old: no syscall or
// sub-operation moved to a less supported level and none was added at a
// level below full. CI uses it to flag regressions.
func (d ReportDiff) Improved() bool {
	for _, c := range d.LevelChanges {
		if levelRank(c.New) < levelRank(c.Old) {
			return false
		}
	}
	for _, s := range d.Added {
		if s.Level != LevelFull {
			return false
		}
	}
	return true
}

// Diff compares two reports syscall by syscall (matched by name).
// Every list is sorted by syscall name.
func Diff(old, new Report) ReportDiff {
	var d ReportDiff
	oldBy, newBy := bySyscallName(old), bySyscallName(new)
	for _, name := range sortedKeys(oldBy, newBy) {
		o, inOld := oldBy[name]
		n, inNew := newBy[name]
		switch {
		case !inOld:
			d.Added = append(d.Added, n)
			continue
		case !inNew:
			d.Removed = append(d.Removed, o)
			continue
		}
		if o.Level != n.Level {
			d.LevelChanges = append(d.LevelChanges, LevelChange{Syscall: name, Old: o.Level, New: n.Level})
		}
		if o.Count != n.Count {
			d.CountChanges = append(d.CountChanges, CountChange{Syscall: name, Old: o.Count, New: n.Count})
		}
		for _, result := range sortedKeys(o.Results, n.Results) {
			if o.Results[result] != n.Results[result] {
				d.ResultChanges = append(d.ResultChanges, ResultChange{Syscall: name, Result: result,
					Old: o.Results[result], New: n.Results[result]})
			}
		}
		diffSubOps(&d, o, n)
	}
	return d
}

func diffSubOps(d *ReportDiff, o, n Syscall) {
	type key struct {
		kind  string
		value uint64
	}
	oldSubs := map[key]SubOp{}
	for _, s := range o.SubOps {
		oldSubs[key{s.Kind, s.Value}] = s
	}
	seen := map[key]bool{}
	label := func(s SubOp) string { return s.Kind + " " + s.Label() }
	for _, newSub := range n.SubOps {
		k := key{newSub.Kind, newSub.Value}
		seen[k] = true
		oldSub, ok := oldSubs[k]
		if !ok {
			d.CountChanges = append(d.CountChanges, CountChange{Syscall: n.Name, Sub: label(newSub), Old: 0, New: newSub.Count})
			if newSub.Level != "" && newSub.Level != n.Level {
				d.LevelChanges = append(d.LevelChanges, LevelChange{Syscall: n.Name, Sub: label(newSub), Old: "", New: newSub.Level})
			}
			continue
		}
		if subLevel(oldSub, o) != subLevel(newSub, n) && (oldSub.Level != "" || newSub.Level != "") {
			d.LevelChanges = append(d.LevelChanges, LevelChange{Syscall: n.Name, Sub: label(newSub), Old: subLevel(oldSub, o), New: subLevel(newSub, n)})
		}
		if oldSub.Count != newSub.Count {
			d.CountChanges = append(d.CountChanges, CountChange{Syscall: n.Name, Sub: label(newSub), Old: oldSub.Count, New: newSub.Count})
		}
	}
	for _, oldSub := range o.SubOps {
		if !seen[key{oldSub.Kind, oldSub.Value}] {
			d.CountChanges = append(d.CountChanges, CountChange{Syscall: o.Name, Sub: label(oldSub), Old: oldSub.Count, New: 0})
		}
	}
}

func bySyscallName(r Report) map[string]Syscall {
	m := make(map[string]Syscall, len(r.Syscalls))
	for _, s := range r.Syscalls {
		if prev, ok := m[s.Name]; ok {
			s = mergeSyscall(cloneSyscall(prev), s, true)
		}
		m[s.Name] = s
	}
	return m
}

func sortedKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// WriteDiffText writes a diff for people: one line per change, grouped.
func WriteDiffText(w io.Writer, d ReportDiff) error {
	var b strings.Builder
	if d.Empty() {
		b.WriteString("no coverage changes\n")
	}
	for _, s := range d.Added {
		fmt.Fprintf(&b, "+ %s (nr %d, %s): %d calls\n", s.Name, s.Nr, levelText(s.Level), s.Count)
	}
	for _, s := range d.Removed {
		fmt.Fprintf(&b, "- %s (nr %d, %s): %d calls\n", s.Name, s.Nr, levelText(s.Level), s.Count)
	}
	for _, c := range d.LevelChanges {
		mark := "~"
		switch {
		case levelRank(c.New) > levelRank(c.Old):
			mark = "↑"
		case levelRank(c.New) < levelRank(c.Old):
			mark = "↓"
		}
		fmt.Fprintf(&b, "%s %s: level %s → %s\n", mark, joinSub(c.Syscall, c.Sub), levelText(c.Old), levelText(c.New))
	}
	for _, c := range d.CountChanges {
		fmt.Fprintf(&b, "  %s: count %d → %d\n", joinSub(c.Syscall, c.Sub), c.Old, c.New)
	}
	for _, c := range d.ResultChanges {
		fmt.Fprintf(&b, "  %s: %s %d → %d\n", c.Syscall, c.Result, c.Old, c.New)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write coverage diff: %w", err)
	}
	return nil
}

// WriteDiffJSON writes a diff as indented JSON.
func WriteDiffJSON(w io.Writer, d ReportDiff) error {
	return writeIndentedJSON(w, d, "coverage diff")
}

func joinSub(syscall, sub string) string {
	if sub == "" {
		return syscall
	}
	return syscall + " " + sub
}
