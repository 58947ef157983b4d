package oci

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/elfloader/elfloader/images"
	"github.com/klauspost/compress/zstd"
)

// BenchmarkPackOCILayout packs an OCI layout with two zstd layers holding
// ELFLOADER_BENCH_MIB MiB of files in total (default 256), the second layer
// replacing a quarter of the first's files. Run under /usr/bin/time -v to
// see the peak RSS: file contents are streamed, never held in memory.
func BenchmarkPackOCILayout(b *testing.B) {
	mib := 256
	if v, err := strconv.Atoi(os.Getenv("ELFLOADER_BENCH_MIB")); err == nil && v > 0 {
		mib = v
	}
	lb := newLayout(b)
	const fileSize = 4 << 20
	files := mib * (1 << 20) / fileSize
	l1, d1 := streamLayer(b, lb.dir, files, 0, fileSize)
	l2, d2 := streamLayer(b, lb.dir, files/4, 1, fileSize)
	cfg := lb.jsonBlob(testConfig(LinuxAMD64, []string{d1, d2}), MediaTypeImageConfig)
	m := lb.jsonBlob(Manifest{SchemaVersion: 2, MediaType: MediaTypeImageManifest, Config: cfg, Layers: []Descriptor{l1, l2}}, MediaTypeImageManifest)
	layout := lb.index(m)
	out := filepath.Join(b.TempDir(), "bench.img")
	b.SetBytes(int64(files) * fileSize)
	b.ResetTimer()
	for b.Loop() {
		src, err := OpenLayout(layout, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := images.WriteFile(context.Background(), out, src.Config(), src, images.WriteOptions{Compression: images.CompressionFastest}); err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
}

// streamLayer writes a zstd layer of n files straight to the layout.
func streamLayer(b *testing.B, dir string, n, seed int, size int) (Descriptor, string) {
	tmp, err := os.CreateTemp(dir, "layer")
	if err != nil {
		b.Fatal(err)
	}
	blobHash, diffHash := sha256.New(), sha256.New()
	counter := &countWriter{w: io.MultiWriter(tmp, blobHash)}
	zw, _ := zstd.NewWriter(counter, zstd.WithEncoderLevel(zstd.SpeedFastest))
	tw := tar.NewWriter(io.MultiWriter(zw, diffHash))
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	buf := make([]byte, size)
	for i := range n {
		for j := range buf {
			if i%2 == 0 {
				buf[j] = byte(rng.Uint32())
			} else {
				buf[j] = byte('a' + j%17)
			}
		}
		name := fmt.Sprintf("data/%02d/file%05d", i%16, i)
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(size)})
		tw.Write(buf)
	}
	tw.Close()
	zw.Close()
	tmp.Close()
	digest := "sha256:" + hex.EncodeToString(blobHash.Sum(nil))
	_, name, _ := parseDigest(digest)
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		b.Fatal(err)
	}
	return Descriptor{MediaType: MediaTypeLayerZstd, Digest: digest, Size: counter.n},
		"sha256:" + hex.EncodeToString(diffHash.Sum(nil))
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
