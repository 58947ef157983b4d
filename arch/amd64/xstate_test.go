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

// TestReadXStateAsksEverySupportedComponent compares ReadXState, which asks
// CPUID only for the components leaf 0xD reports as supported, with a scan
// of every subleaf: no component with a size may be missed.
func TestReadXStateAsksEverySupportedComponent(t *testing.T) {
	x, err := ReadXState()
	if err != nil {
		t.Skip(err)
	}
	for i := 2; i < 64; i++ {
		size, off, flags, _ := cpuid(0xd, uint32(i))
		want := XComponent{}
		if size != 0 {
			want = XComponent{Offset: int(off), Size: int(size)}
		}
		if x.Components[i] != want || x.Supervisor[i] != (size != 0 && flags&1 != 0) {
			t.Errorf("component %d: ReadXState %+v (supervisor %v), CPUID subleaf says size %d offset %d flags %#x",
				i, x.Components[i], x.Supervisor[i], size, off, flags)
		}
	}
}
