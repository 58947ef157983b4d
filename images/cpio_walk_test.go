package images

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/elfloader/elfloader/images/cpio"
)

// GNU cpio puts a hard-link group's data on its last name; the walk must
// still end with every name sharing that data.
func TestWalkCPIODataOnLastLink(t *testing.T) {
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	for _, rec := range []struct {
		hdr  cpio.Header
		data string
	}{
		{cpio.Header{Name: ".", Ino: 1, Mode: cpio.TypeDir | 0o755, Nlink: 2}, ""},
		{cpio.Header{Name: "a", Ino: 7, Mode: cpio.TypeRegular | 0o644, Nlink: 3}, ""},
		{cpio.Header{Name: "b", Ino: 7, Mode: cpio.TypeRegular | 0o644, Nlink: 3}, ""},
		{cpio.Header{Name: "c", Ino: 7, Mode: cpio.TypeRegular | 0o644, Nlink: 3}, "shared"},
		{cpio.Header{Name: "d", Ino: 8, Mode: cpio.TypeFIFO | 0o644, Nlink: 1}, ""},
	} {
		rec.hdr.Size = int64(len(rec.data))
		if err := w.WriteHeader(&rec.hdr); err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, rec.data)
	}
	w.Close()
	tree := NewTree()
	err := walkCPIO(context.Background(), cpio.NewReader(&buf), func(hdr Header, r io.Reader) error {
		return deliver(tree, hdr, r)
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tree.Lookup("c")
	for _, name := range []string{"a", "b"} {
		n, ok := tree.Lookup(name)
		if !ok || n != c || string(n.Data) != "shared" {
			t.Errorf("%s is not a link to c: %+v", name, n)
		}
	}
	if c.Nlink != 3 {
		t.Errorf("nlink = %d, want 3", c.Nlink)
	}
	if _, ok := tree.Lookup("d"); ok {
		t.Errorf("FIFO was delivered")
	}
}

type recordedProgress struct{ reports [][2]int64 }

func (p *recordedProgress) Report(done, total int64) {
	p.reports = append(p.reports, [2]int64{done, total})
}

func TestWriteReportsProgressAndRepacksAnImage(t *testing.T) {
	src := buildHostTree(t)
	var progress recordedProgress
	var first seekBuffer
	if err := Write(context.Background(), &first, Config{}, NewDirSource(src, DirOptions{}), WriteOptions{Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	const content = 300000 + 4 // bin/busybox (hard-linked, counted once) + etc/hostname
	last := progress.reports[len(progress.reports)-1]
	if progress.reports[0] != [2]int64{0, content} || last != [2]int64{content, content} {
		t.Fatalf("progress reports = %v", progress.reports)
	}
	img, err := NewImage(bytes.NewReader(first.data), int64(len(first.data)), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// An Image is a FileSource: repacking it yields the same rootfs.
	var second seekBuffer
	if err := Write(context.Background(), &second, Config{}, img, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	again, err := NewImage(bytes.NewReader(second.data), int64(len(second.data)), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := img.Info(), again.Info(); a.RootfsSize != b.RootfsSize || a.Entries != b.Entries {
		t.Fatalf("repacked image differs: %+v vs %+v", a, b)
	}
}
