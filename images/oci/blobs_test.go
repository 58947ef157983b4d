package oci

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestTarStoreFollowsMemberLinks(t *testing.T) {
	p := filepath.Join(t.TempDir(), "save.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	tw.WriteHeader(&tar.Header{Name: "./b/layer.tar", Typeflag: tar.TypeReg, Size: 5, Mode: 0o644})
	tw.Write([]byte("layer"))
	tw.WriteHeader(&tar.Header{Name: "a/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../b/layer.tar"})
	tw.WriteHeader(&tar.Header{Name: "loop", Typeflag: tar.TypeSymlink, Linkname: "loop"})
	tw.WriteHeader(&tar.Header{Name: "escape", Typeflag: tar.TypeSymlink, Linkname: "../../../etc/passwd"})
	tw.Close()
	f.Close()

	s, err := newTarStore(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rc, err := s.open("a/layer.tar")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	if string(data) != "layer" {
		t.Fatalf("a/layer.tar = %q", data)
	}
	for _, name := range []string{"loop", "escape", "missing"} {
		if s.has(name) {
			t.Errorf("%s resolves", name)
		}
	}
}
