package images

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// bigTree is a host tree of five 600 KiB files of random bytes (each spans
// three or four rootfs frames) next to a small one.
func bigTree(t *testing.T) (dir string, contents map[string][]byte) {
	dir = t.TempDir()
	contents = map[string][]byte{"small": []byte("small file\n")}
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		data := make([]byte, 600<<10)
		rand.Read(data)
		contents[name] = data
	}
	for name, data := range contents {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, contents
}

// TestLazyImageReadsOnlyWhatIsAsked opens an indexed image lazily: opening
// decompresses no frame, reading one file only the frames that hold it,
// and every entry's content is the file's.
func TestLazyImageReadsOnlyWhatIsAsked(t *testing.T) {
	dir, contents := bigTree(t)
	img, err := OpenWithOptions(packDir(t, dir, Config{}), OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if !img.Indexed() || img.Info().FormatMinor != 1 {
		t.Fatalf("Indexed() = %v, format 1.%d: want an indexed 1.1 image", img.Indexed(), img.Info().FormatMinor)
	}
	read, total := img.FramesRead()
	if read != 0 || total < 12 {
		t.Fatalf("after open: %d of %d frames read, want 0 of at least 12", read, total)
	}
	byName := map[string]IndexEntry{}
	for _, e := range img.Entries() {
		byName[e.Path] = e
	}
	got, err := img.Content(byName["c"])
	if err != nil || !bytes.Equal(got, contents["c"]) {
		t.Fatalf("content of c: %v (%d bytes, want %d)", err, len(got), len(contents["c"]))
	}
	if read, _ := img.FramesRead(); read < 3 || read > 4 {
		t.Fatalf("reading one 600 KiB file decompressed %d frames of %d, want 3 or 4", read, total)
	}
	for name, want := range contents {
		if got, err := img.Content(byName[name]); err != nil || !bytes.Equal(got, want) {
			t.Errorf("content of %s: %v", name, err)
		}
	}
}

// TestLazyOpenOfUnindexedImage: an image without an index (format 1.0)
// opens as before, verified whole, and is not Indexed.
func TestLazyOpenOfUnindexedImage(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	var cpioData bytes.Buffer
	p := newPacker(&cpioData, nil, newProgressCounter(nil, 0))
	if err := p.add(Header{Path: ".", Kind: KindDir, Perm: 0o755}, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.close(); err != nil {
		t.Fatal(err)
	}
	data := assembleImage(enc, []byte(`{"cmd":["/bin/sh"]}`), cpioData.Bytes())
	img, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	if img.Indexed() {
		t.Fatal("an image without FlagRootfsIndexed is Indexed")
	}
	if _, err := img.Content(IndexEntry{Header: Header{Path: "x", Kind: KindFile}}); err == nil {
		t.Fatal("Content of an unindexed image succeeded")
	}
}

// TestLazyImageDamagedFrame: a damaged frame fails the read of the files
// it holds (zstd's frame checksum), not the open.
func TestLazyImageDamagedFrame(t *testing.T) {
	dir, _ := bigTree(t)
	path := packDir(t, dir, Config{})
	good, err := OpenWithOptions(path, OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	var last IndexEntry
	for _, e := range good.Entries() {
		if e.Kind == KindFile && e.Size > 0 {
			last = e
		}
	}
	var f frame // the frame holding the start of last's content
	for _, fr := range good.frames.frames {
		if fr.uOff <= last.dataOff && last.dataOff < fr.uOff+fr.uLen {
			f = fr
		}
	}
	good.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[int(good.hdr.RootfsOffset+f.cOff+f.cLen/2)] ^= 0x55
	img, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{Lazy: true})
	if err != nil {
		t.Fatalf("lazy open of an image with a damaged frame: %v", err)
	}
	if _, err := img.Content(last); !errors.Is(err, ErrRootfsChecksum) {
		t.Fatalf("reading %s from a damaged frame: %v, want %v", last.Path, err, ErrRootfsChecksum)
	}
	if _, err := NewImage(bytes.NewReader(data), int64(len(data)), OpenOptions{}); !errors.Is(err, ErrRootfsChecksum) {
		t.Fatalf("full open of the damaged image: %v, want %v", err, ErrRootfsChecksum)
	}
}
