package amd64

import "testing"

func TestReadXState(t *testing.T) {
	x, err := ReadXState()
	if err != nil {
		t.Skip(err)
	}
	t.Logf("XCR0 %#x, standard size %d, max %d, compacted %v", x.Enabled, x.StdSize, x.MaxSize, x.Compacted)
	if x.Enabled&3 != 3 {
		t.Fatalf("XCR0 %#x lacks x87/SSE", x.Enabled)
	}
	if got := x.StdSizeOf(x.UserFeatures()); got != x.StdSize {
		t.Errorf("StdSizeOf(all user features) = %d, CPUID says %d", got, x.StdSize)
	}
	if got := x.StdSizeOf(3); got != XSaveMinSize {
		t.Errorf("StdSizeOf(x87|SSE) = %d, want %d", got, XSaveMinSize)
	}
	if x.Enabled&(1<<XFeatureTileData) != 0 {
		without := x.StdSizeOf(x.UserFeatures() &^ (1 << XFeatureTileData))
		if without >= x.StdSize {
			t.Errorf("image without AMX tile data is %d bytes, not smaller than %d", without, x.StdSize)
		}
	}
}
