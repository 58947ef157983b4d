package coverage

import (
	"maps"
	"slices"
)

// Merge combines two reports; b is taken as the later one unless a was
// created after it. Counts and results add up, runs are appended (a's
// first), the first call site of a syscall is the one a has if it has one,
// and level, note, handler, names and tool version come from the newer
// report. Fast-path counters add up where either report measured them.
// Neither input is modified; the result is normalized.
func Merge(a, b Report) Report {
	older, newer := a, b
	if a.Created.After(b.Created) {
		older, newer = b, a
	}
	out := Report{
		Schema:      SchemaVersion,
		ToolVersion: newer.ToolVersion,
		Created:     newer.Created,
		FastPath:    mergeFastPath(a.FastPath, b.FastPath),
	}
	if out.ToolVersion == "" {
		out.ToolVersion = older.ToolVersion
	}
	out.Runs = append(append(out.Runs, cloneRuns(a.Runs)...), cloneRuns(b.Runs)...)

	type key struct {
		nr   uint64
		name string
	}
	index := make(map[key]int)
	add := func(s Syscall, fromNewer bool) {
		k := key{s.Nr, s.Name}
		i, ok := index[k]
		if !ok {
			index[k] = len(out.Syscalls)
			out.Syscalls = append(out.Syscalls, cloneSyscall(s))
			return
		}
		out.Syscalls[i] = mergeSyscall(out.Syscalls[i], s, fromNewer)
	}
	// Visit a before b so that "first site kept" means a's site; the
	// newer report's descriptive fields win either way.
	aNewer := a.Created.After(b.Created)
	for _, s := range a.Syscalls {
		add(s, aNewer)
	}
	for _, s := range b.Syscalls {
		add(s, !aNewer)
	}
	if out.Syscalls == nil {
		out.Syscalls = []Syscall{}
	}
	out.Normalize()
	return out
}

func mergeSyscall(acc, s Syscall, fromNewer bool) Syscall {
	acc.Count += s.Count
	acc.Results = addResults(acc.Results, s.Results)
	if acc.FirstSite == nil && s.FirstSite != nil {
		site := *s.FirstSite
		acc.FirstSite = &site
	}
	if fromNewer {
		applyDescription(&acc, s)
	}
	for _, sub := range s.SubOps {
		j := slices.IndexFunc(acc.SubOps, func(o SubOp) bool { return o.Kind == sub.Kind && o.Value == sub.Value })
		if j < 0 {
			acc.SubOps = append(acc.SubOps, cloneSubOp(sub))
			continue
		}
		o := &acc.SubOps[j]
		o.Count += sub.Count
		o.Results = addResults(o.Results, sub.Results)
		if fromNewer {
			applySubDescription(o, sub)
		}
	}
	return acc
}

// applyDescription copies the descriptive fields of a newer record.
func applyDescription(dst *Syscall, src Syscall) {
	if src.Level != "" {
		dst.Level = src.Level
	}
	if src.Note != "" || src.Level != "" {
		dst.Note = src.Note
	}
	if src.Handler != nil {
		h := *src.Handler
		dst.Handler = &h
	}
	for _, sub := range src.SubOps {
		if j := slices.IndexFunc(dst.SubOps, func(o SubOp) bool { return o.Kind == sub.Kind && o.Value == sub.Value }); j >= 0 {
			applySubDescription(&dst.SubOps[j], sub)
		}
	}
}

func applySubDescription(dst *SubOp, src SubOp) {
	if src.Name != "" {
		dst.Name = src.Name
	}
	if src.Level != "" {
		dst.Level = src.Level
		dst.Note = src.Note
	}
}

func addResults(dst, src map[string]uint64) map[string]uint64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]uint64, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

func mergeFastPath(a, b *FastPath) *FastPath {
	if a == nil && b == nil {
		return nil
	}
	var x, y FastPath
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return &FastPath{
		RewrittenSites: addOptional(x.RewrittenSites, y.RewrittenSites),
		TrappedCalls:   addOptional(x.TrappedCalls, y.TrappedCalls),
		RewrittenCalls: addOptional(x.RewrittenCalls, y.RewrittenCalls),
	}
}

func addOptional(a, b *uint64) *uint64 {
	if a == nil && b == nil {
		return nil
	}
	var sum uint64
	if a != nil {
		sum += *a
	}
	if b != nil {
		sum += *b
	}
	return &sum
}

func cloneRuns(runs []Run) []Run {
	out := make([]Run, len(runs))
	for i, r := range runs {
		r.Argv = slices.Clone(r.Argv)
		out[i] = r
	}
	return out
}

func cloneSyscall(s Syscall) Syscall {
	s.Results = maps.Clone(s.Results)
	if s.Handler != nil {
		h := *s.Handler
		s.Handler = &h
	}
	if s.FirstSite != nil {
		site := *s.FirstSite
		s.FirstSite = &site
	}
	subs := make([]SubOp, len(s.SubOps))
	for i, sub := range s.SubOps {
		subs[i] = cloneSubOp(sub)
	}
	if s.SubOps == nil {
		subs = nil
	}
	s.SubOps = subs
	return s
}

func cloneSubOp(s SubOp) SubOp {
	s.Results = maps.Clone(s.Results)
	return s
}
