package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/images/cpio"
	"github.com/klauspost/compress/zstd"
)

// fuzzSource is a small tree with every kind an image carries.
func fuzzSource() sliceSource {
	mt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return sliceSource{
		{hdr: Header{Path: ".", Kind: KindDir, Perm: 0o755, ModTime: mt}},
		{hdr: Header{Path: "bin", Kind: KindDir, Perm: 0o755, ModTime: mt}},
		{hdr: Header{Path: "bin/busybox", Kind: KindFile, Perm: 0o4755, Size: 8, Nlink: 2, ModTime: mt}, data: "\x7fELFbbox"},
		{hdr: Header{Path: "bin/sh", Kind: KindHardlink, Linkname: "bin/busybox"}},
		{hdr: Header{Path: "bin/ls", Kind: KindSymlink, Perm: 0o777, Linkname: "busybox"}},
		{hdr: Header{Path: "etc/hostname", Kind: KindFile, Perm: 0o644, Size: 4, UID: 1000, GID: 1000}, data: "box\n"},
	}
}

// fuzzImage writes src as an image file in memory.
func fuzzImage(tb testing.TB, cfg Config, src FileSource) []byte {
	var buf seekBuffer
	if err := Write(context.Background(), &buf, cfg, src, WriteOptions{}); err != nil {
		tb.Fatal(err)
	}
	return buf.data
}

// fuzzRootfs is the uncompressed cpio archive of fuzzSource.
func fuzzRootfs(tb testing.TB) []byte {
	img, err := NewImage(bytes.NewReader(fuzzImage(tb, Config{}, fuzzSource())), 1<<20, OpenOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	dec, err := zstd.NewReader(img.rootfsSection())
	if err != nil {
		tb.Fatal(err)
	}
	defer dec.Close()
	raw, err := io.ReadAll(dec)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// FuzzOpenImage opens arbitrary bytes as an image file, as `elfloader run
// APP.img` and `elfloader inspect APP.img` do, then reads everything in it.
func FuzzOpenImage(f *testing.F) {
	f.Add(fuzzImage(f, Config{Entrypoint: []string{"/bin/sh"}, Env: []string{"PATH=/bin"}}, fuzzSource()))
	f.Add(fuzzImage(f, Config{}, sliceSource{}))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if lazy, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{Lazy: true}); err == nil {
			// What `run` does with an indexed image: every file's content
			// from the frames that hold it.
			for _, e := range lazy.Entries() {
				if e.Kind == KindFile {
					_, _ = lazy.Content(e)
				}
			}
		}
		img, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{})
		if err != nil {
			_ = err.Error()
			return
		}
		consumeImage(t, img, int64(len(data)))
	})
}

// FuzzImageRootfs wraps an arbitrary rootfs (the uncompressed cpio
// archive) and config document in an image with valid checksums, so that
// the fuzzer reaches the cpio reader, the hard-link handling, the sinks
// and the repacking path that a crafted image file reaches.
func FuzzImageRootfs(f *testing.F) {
	f.Add(fuzzRootfs(f), []byte(`{"entrypoint":["/bin/sh"],"env":["A=b"],"source":{}}`))
	f.Add([]byte{}, []byte(`{}`))
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rootfs, cfg []byte) {
		data := assembleImage(enc, cfg, rootfs)
		img, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{})
		if err != nil {
			if errors.Is(err, ErrRootfsChecksum) || errors.Is(err, ErrConfigChecksum) || errors.Is(err, ErrHeaderChecksum) {
				t.Fatalf("assembled image rejected: %v", err)
			}
			return
		}
		consumeImage(t, img, int64(len(rootfs)))
	})
}

// assembleImage lays out a format-1 image around cfg and a rootfs.
func assembleImage(enc *zstd.Encoder, cfg, rootfs []byte) []byte {
	compressed := enc.EncodeAll(rootfs, nil)
	hdr := fileHeader{
		Major: FormatMajor, Minor: FormatMinor, HeaderSize: HeaderSize, Flags: FlagRootfsZstd,
		ConfigOffset: HeaderSize, ConfigLength: uint64(len(cfg)), ConfigSHA256: sha256.Sum256(cfg),
		RootfsOffset: HeaderSize + uint64(len(cfg)), RootfsLength: uint64(len(compressed)),
		RootfsRawSize: uint64(len(rootfs)), RootfsSHA256: sha256.Sum256(compressed),
	}
	out := append(hdr.marshal(), cfg...)
	return append(out, compressed...)
}

// consumeImage does with an opened image what elfloader does: describe it,
// list its files, extract it and repack it. rawSize bounds the content any
// entry may claim to deliver.
func consumeImage(t *testing.T, img *Image, rawSize int64) {
	ctx := context.Background()
	_ = img.Info()
	cfg := img.Config()
	_ = cfg.Argv(nil)
	for hdr, err := range img.Files(ctx) {
		if err != nil {
			_ = err.Error()
			break
		}
		checkHeader(t, hdr)
	}
	tree := NewTree()
	tree.MaxBytes = 1 << 20
	if err := img.Extract(ctx, tree); err == nil {
		if err := tree.Walk(func(string, *Node) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var repacked seekBuffer
	if err := Write(ctx, &repacked, cfg, img, WriteOptions{}); err != nil {
		_ = err.Error()
	}
	var delivered int64
	_ = img.Walk(ctx, func(hdr Header, content io.Reader) error {
		if content == nil {
			return nil
		}
		n, err := io.Copy(io.Discard, content)
		delivered += n
		if delivered > rawSize {
			t.Fatalf("delivered %d content bytes from a %d-byte archive", delivered, rawSize)
		}
		return err
	})
}

// checkHeader asserts what every entry a reader delivers satisfies.
func checkHeader(t *testing.T, hdr Header) {
	if clean, err := cpio.CleanName(hdr.Path); err != nil || clean != hdr.Path {
		t.Fatalf("entry path %q is not clean (%v)", hdr.Path, err)
	}
	if hdr.Size < 0 || hdr.Kind != KindFile && hdr.Size != 0 {
		t.Fatalf("%s: %v with size %d", hdr.Path, hdr.Kind, hdr.Size)
	}
	if hdr.Kind == KindSymlink && hdr.Linkname == "" || strings.IndexByte(hdr.Path, 0) >= 0 {
		t.Fatalf("bad entry %+v", hdr)
	}
}

// TestHugeZstdWindowIsRefused reads an image whose rootfs is a 1 KiB zstd
// frame that asks for a 512 MiB window: the reader must refuse it rather
// than allocate the window.
func TestHugeZstdWindowIsRefused(t *testing.T) {
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x98} // magic, no flags, window 2^29
	const blockLen = 1000
	bh := uint32(blockLen<<3 | 1) // last block, raw
	frame = append(frame, byte(bh), byte(bh>>8), byte(bh>>16))
	frame = append(frame, make([]byte, blockLen)...)
	cfg := []byte(`{}`)
	hdr := fileHeader{
		Major: FormatMajor, HeaderSize: HeaderSize, Flags: FlagRootfsZstd,
		ConfigOffset: HeaderSize, ConfigLength: uint64(len(cfg)), ConfigSHA256: sha256.Sum256(cfg),
		RootfsOffset: HeaderSize + uint64(len(cfg)), RootfsLength: uint64(len(frame)), RootfsSHA256: sha256.Sum256(frame),
	}
	data := append(append(hdr.marshal(), cfg...), frame...)
	img, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := allocatedBytes()
	err = img.Walk(context.Background(), func(Header, io.Reader) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "window") {
		t.Errorf("Walk = %v, want a window size error", err)
	}
	if used := allocatedBytes() - before; used > 64<<20 {
		t.Errorf("reading a %d-byte rootfs allocated %d MiB", len(frame), used>>20)
	}
}

func allocatedBytes() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}
