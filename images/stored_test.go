package images

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// elfTree is a host tree with two ELF files (one hard-linked), a file
// that is not ELF and an ELF-looking file too small to store.
func elfTree(t *testing.T) (dir string, contents map[string][]byte) {
	t.Helper()
	dir = t.TempDir()
	prog := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 300_000)...)
	rand.Read(prog[64:])
	lib := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 8192-7)...) // exactly two pages
	rand.Read(lib[64:])
	text := bytes.Repeat([]byte("not an ELF file\n"), 10_000)
	contents = map[string][]byte{"bin/prog": prog, "lib/libx.so": lib, "etc/text": text, "tiny": []byte("\x7fELF")}
	for name, data := range contents {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(filepath.Join(dir, "bin/prog"), filepath.Join(dir, "bin/prog2")); err != nil {
		t.Fatal(err)
	}
	return dir, contents
}

// TestStoredFilesRoundTrip packs ELF files as stored files (format 1.2):
// they lie page-aligned and byte-identical in the image file, zero-padded
// to the page; the lazy reader and the whole-image reader (Extract) both
// give their bytes back, and the other files stay compressed.
func TestStoredFilesRoundTrip(t *testing.T) {
	dir, contents := elfTree(t)
	path := packDir(t, dir, Config{})
	img, err := OpenWithOptions(path, OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	info := img.Info()
	wantBytes := int64(len(contents["bin/prog"]) + len(contents["lib/libx.so"]))
	if info.FormatMinor != 2 || info.StoredFiles != 2 || info.StoredBytes != wantBytes {
		t.Fatalf("Info = 1.%d, %d stored files of %d bytes; want 1.2, 2 files of %d bytes", info.FormatMinor, info.StoredFiles, info.StoredBytes, wantBytes)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range img.Entries() {
		if e.Kind != KindFile {
			continue
		}
		want := contents[e.Path]
		if e.Stored() != (e.Path == "bin/prog" || e.Path == "lib/libx.so") {
			t.Errorf("%s: Stored() = %v", e.Path, e.Stored())
		}
		got, err := img.Content(e)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: content differs (%v)", e.Path, err)
		}
		if !e.Stored() {
			continue
		}
		off, err := img.StoredExtent(e)
		if err != nil {
			t.Fatalf("%s: %v", e.Path, err)
		}
		if off%StorePage != 0 {
			t.Errorf("%s at offset %d: not page-aligned", e.Path, off)
		}
		if !bytes.Equal(raw[off:off+e.Size], want) {
			t.Errorf("%s: the image's bytes at %d are not the file's", e.Path, off)
		}
		end := int64(pageUp(uint64(off + e.Size)))
		if pad := raw[off+e.Size : end]; !bytes.Equal(pad, make([]byte, len(pad))) {
			t.Errorf("%s: the rest of its last page is not zero", e.Path)
		}
	}
	if _, total := img.FramesRead(); total < 1 {
		t.Fatalf("no rootfs frames")
	}

	// Opened whole (inspect, repack): the section's SHA-256 is checked and
	// Extract delivers the stored files with their content.
	full, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	tree := NewTree()
	if err := full.Extract(context.Background(), tree); err != nil {
		t.Fatal(err)
	}
	for name, want := range contents {
		n, ok := tree.Lookup(name)
		if !ok || !bytes.Equal(n.Data, want) {
			t.Errorf("extracted %s differs", name)
		}
	}
	p1, _ := tree.Lookup("bin/prog")
	p2, _ := tree.Lookup("bin/prog2")
	if p1 != p2 || p1.Nlink != 2 {
		t.Errorf("hard link to a stored file not kept")
	}

	// Repacking the image gives the same files (and stores them again).
	again := filepath.Join(t.TempDir(), "again.img")
	if err := WriteFile(context.Background(), again, full.Config(), full, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	re, err := Open(again)
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if ri := re.Info(); ri.StoredFiles != 2 || ri.StoredBytes != wantBytes {
		t.Fatalf("repacked: %+v", ri)
	}
}

// TestNoStoreWritesFormat11: without stored files the image is a 1.1 image
// (no new flag), which older elfloaders read, and it still opens.
func TestNoStoreWritesFormat11(t *testing.T) {
	dir, contents := elfTree(t)
	out := filepath.Join(t.TempDir(), "old.img")
	if err := WriteFile(context.Background(), out, Config{}, NewDirSource(dir, DirOptions{}), WriteOptions{NoStore: true}); err != nil {
		t.Fatal(err)
	}
	img, err := OpenWithOptions(out, OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if info := img.Info(); info.FormatMinor != 1 || info.StoredFiles != 0 || img.hdr.Flags&FlagStoredFiles != 0 {
		t.Fatalf("NoStore image: %+v flags %#x", info, img.hdr.Flags)
	}
	for _, e := range img.Entries() {
		if e.Kind == KindFile {
			if got, err := img.Content(e); err != nil || !bytes.Equal(got, contents[e.Path]) {
				t.Errorf("%s: content differs (%v)", e.Path, err)
			}
		}
	}
}

// TestStoredExtentCorruption: a damaged byte of a stored file is found
// lazily when the file is first used (its CRC-32C), and at once by a whole
// open (the section's SHA-256).
func TestStoredExtentCorruption(t *testing.T) {
	dir, _ := elfTree(t)
	path := packDir(t, dir, Config{})
	img, err := OpenWithOptions(path, OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	var prog IndexEntry
	for _, e := range img.Entries() {
		if e.Path == "bin/prog" {
			prog = e
		}
	}
	off, err := img.StoredExtent(prog)
	img.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[off+100_000] ^= 0x40
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !errors.Is(err, ErrRootfsChecksum) {
		t.Fatalf("whole open of a damaged stored file: %v, want ErrRootfsChecksum", err)
	}
	img, err = OpenWithOptions(path, OpenOptions{Lazy: true})
	if err != nil {
		t.Fatalf("lazy open: %v", err)
	}
	defer img.Close()
	if _, err := img.StoredExtent(prog); !errors.Is(err, ErrRootfsChecksum) {
		t.Fatalf("StoredExtent of a damaged file: %v, want ErrRootfsChecksum", err)
	}
	if _, err := img.Content(prog); !errors.Is(err, ErrRootfsChecksum) {
		t.Fatalf("Content of a damaged file: %v, want ErrRootfsChecksum", err)
	}
	for _, e := range img.Entries() {
		if e.Path == "lib/libx.so" {
			if _, err := img.StoredExtent(e); err != nil {
				t.Fatalf("an intact stored file: %v", err)
			}
		}
	}
}
