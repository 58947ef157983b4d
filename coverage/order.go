package coverage

import (
	"cmp"
	"slices"
)

// levelRank orders levels for display: the least supported first.
func levelRank(level string) int {
	switch level {
	case LevelMissing:
		return 0
	case LevelStub:
		return 1
	case LevelPartial:
		return 2
	case LevelFull:
		return 3
	default:
		return 4
	}
}

// Normalize puts a report in its canonical order, the one its JSON form
// uses: syscalls by number then name, sub-operations by kind, value, name.
// It also fills an empty Schema. Normalize sorts in place.
func (r *Report) Normalize() {
	if r.Schema == "" {
		r.Schema = SchemaVersion
	}
	slices.SortStableFunc(r.Syscalls, compareSyscallsByNr)
	for i := range r.Syscalls {
		slices.SortStableFunc(r.Syscalls[i].SubOps, compareSubOps)
	}
}

func compareSyscallsByNr(a, b Syscall) int {
	return cmp.Or(cmp.Compare(a.Nr, b.Nr), cmp.Compare(a.Name, b.Name))
}

func compareSubOps(a, b SubOp) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value), cmp.Compare(a.Name, b.Name))
}

// displayOrder returns the syscalls in the order the tables show them:
// missing, stub, partial, full (then any unknown level), by name within a
// level. Sub-operations are sorted the same way within each syscall.
func displayOrder(syscalls []Syscall) []Syscall {
	out := make([]Syscall, len(syscalls))
	copy(out, syscalls)
	slices.SortStableFunc(out, func(a, b Syscall) int {
		return cmp.Or(cmp.Compare(levelRank(a.Level), levelRank(b.Level)),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.Nr, b.Nr))
	})
	for i := range out {
		subs := slices.Clone(out[i].SubOps)
		slices.SortStableFunc(subs, func(a, b SubOp) int {
			return cmp.Or(cmp.Compare(levelRank(subLevel(a, out[i])), levelRank(subLevel(b, out[i]))),
				compareSubOps(a, b))
		})
		out[i].SubOps = subs
	}
	return out
}

// subLevel is the sub-operation's level, or its syscall's when it has none.
func subLevel(s SubOp, parent Syscall) string {
	if s.Level != "" {
		return s.Level
	}
	return parent.Level
}

// sortedResultNames returns the keys of a results map: errors by count
// (largest first) then name, with OK last.
func sortedResultNames(results map[string]uint64) []string {
	names := make([]string, 0, len(results))
	for name := range results {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == ResultOK) != (b == ResultOK) {
			if a == ResultOK {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(results[b], results[a]), cmp.Compare(a, b))
	})
	return names
}
