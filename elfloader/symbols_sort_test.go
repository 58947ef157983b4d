package elfloader

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFuncs checks the radix sort against a comparison sort on random
// extents with repeated starts, and on starts that use every byte.
func TestSortFuncs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, mask := range []uint64{0xff, 0xffffff, ^uint64(0)} {
		fs := make([]Func, 5000)
		for i := range fs {
			fs[i] = Func{Start: r.Uint64() & mask, Size: r.Uint64N(64)}
		}
		want := slices.Clone(fs)
		slices.SortFunc(want, func(a, b Func) int {
			if c := cmp.Compare(a.Start, b.Start); c != 0 {
				return c
			}
			return cmp.Compare(b.Size, a.Size)
		})
		sortFuncs(fs)
		if !slices.Equal(fs, want) {
			t.Errorf("mask %#x: radix order differs from the comparison sort", mask)
		}
	}
}
