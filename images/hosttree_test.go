package images

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// memSource is a FileSource of in-memory entries, in the given order.
type memSource []struct {
	hdr  Header
	data string
}

func (s memSource) Walk(ctx context.Context, fn WalkFunc) error {
	for _, e := range s {
		var r io.Reader
		if e.hdr.Kind == KindFile {
			r = strings.NewReader(e.data)
		}
		if err := fn(e.hdr, r); err != nil {
			return err
		}
	}
	return nil
}

func entry(p string, kind Kind, perm uint32, data, link string) struct {
	hdr  Header
	data string
} {
	h := Header{Path: p, Kind: kind, Perm: perm, UID: 1234, GID: 99, Linkname: link,
		ModTime: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
	if kind == KindFile {
		h.Size = int64(len(data))
	}
	return struct {
		hdr  Header
		data string
	}{h, data}
}

func TestLayeredSource(t *testing.T) {
	lower := memSource{
		entry(".", KindDir, 0o755, "", ""),
		entry("etc", KindDir, 0o755, "", ""),
		entry("etc/a", KindFile, 0o644, "lower a", ""),
		entry("etc/b", KindFile, 0o644, "lower b", ""),
	}
	upper := &PrefixSource{Prefix: "etc", Src: memSource{
		entry(".", KindDir, 0o700, "", ""),
		entry("b", KindFile, 0o600, "upper b", ""),
		entry("c", KindSymlink, 0o777, "", "b"),
	}}
	var got []string
	err := (&LayeredSource{Layers: []FileSource{lower, upper}}).Walk(context.Background(), func(h Header, r io.Reader) error {
		s := h.Path + ":" + h.Kind.String()
		if r != nil {
			data, _ := io.ReadAll(r)
			s += ":" + string(data)
		}
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".:" + KindDir.String(), "etc:" + KindDir.String(), "etc/a:" + KindFile.String() + ":lower a",
		"etc/b:" + KindFile.String() + ":upper b", "etc/c:" + KindSymlink.String()}
	if !slices.Equal(got, want) {
		t.Errorf("layered walk = %q\nwant %q", got, want)
	}
}

func TestPackBinaryTree(t *testing.T) {
	const prog = "/bin/busybox"
	if _, err := os.Stat(prog); err != nil {
		t.Skip("busybox not installed")
	}
	src, cfg, _, err := BinarySource(BinaryOptions{Program: prog})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Entrypoint, []string{prog}) {
		t.Errorf("entrypoint %q", cfg.Entrypoint)
	}
	seen := map[string]Kind{}
	err = src.Walk(context.Background(), func(h Header, r io.Reader) error {
		seen[h.Path] = h.Kind
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"etc/passwd", "etc/group", "etc/hosts", "etc/resolv.conf", "tmp"} {
		if _, ok := seen[p]; !ok {
			t.Errorf("missing %s in %v", p, seen)
		}
	}
	real, _ := filepath.EvalSymlinks(prog)
	if seen[strings.TrimPrefix(real, "/")] != KindFile {
		t.Errorf("program %s not a file in %v", real, seen)
	}
}
