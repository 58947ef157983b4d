package images

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPackDir packs a generated 256 MiB directory (64 files of 4 MiB,
// half compressible text, half random) and reports throughput.
func BenchmarkPackDir(b *testing.B) {
	src := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	const files, size = 64, 4 << 20
	buf := make([]byte, size)
	for i := range files {
		for j := range buf {
			if i%2 == 0 {
				buf[j] = byte(rng.Uint32())
			} else {
				buf[j] = "elfloader packs images "[j%23]
			}
		}
		dir := filepath.Join(src, "d", string(rune('a'+i%8)))
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "f"+string(rune('a'+i))), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(b.TempDir(), "bench.img")
	b.SetBytes(files * size)
	b.ResetTimer()
	for b.Loop() {
		if err := WriteFile(context.Background(), out, Config{}, NewDirSource(src, DirOptions{}), WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
