package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"testing"
)

// goldenText are own-code ranges of the kinds the filter meets: the static
// runner at its link address, a PIE with libraries, a range across a 4 GiB
// boundary.
var goldenText = []TextRange{
	{0x30001000, 0x30a00000},
	{0x555555556000, 0x555555800000},
	{0x7ffff7c00000, 0x7ffff7d00000},
	{0x1fffff000, 0x200001000},
}

// goldenFilter is the SHA-256 of the program buildFilter made for
// goldenText when the allow lists last changed. A change of the
// builder's code must leave the program as it was (the start-up work
// that made it cheaper did): a change of the lists updates the sum, on
// purpose (the test says the new sum).
const goldenFilter = "ac5610717db9dd0fc855d15dcc62bf804f3968ec8954725ec0a901f4f1a74a0c"

func filterSum(t testing.TB) string {
	insns, err := buildFilter(goldenText)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, in := range insns {
		var b [8]byte
		binary.LittleEndian.PutUint16(b[0:], in.Code)
		b[2], b[3] = in.Jt, in.Jf
		binary.LittleEndian.PutUint32(b[4:], in.K)
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestFilterProgramUnchanged(t *testing.T) {
	if got := filterSum(t); got != goldenFilter {
		t.Errorf("the host filter's program changed: sha256 %s, want %s", got, goldenFilter)
	}
}

func BenchmarkBuildFilter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildFilter(goldenText); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOwnText(b *testing.B) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OwnText(maps); err != nil {
			b.Fatal(err)
		}
	}
}
