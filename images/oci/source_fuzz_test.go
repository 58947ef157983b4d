package oci

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/elfloader/elfloader/images"
)

// memTar packs named files into an uncompressed tar, in order.
func memTar(tb testing.TB, files [][2]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f[0], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f[1])), ModTime: testTime}
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		io.WriteString(tw, f[1])
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// layerArchive is an OCI archive of one linux/amd64 image whose layers are
// the given blobs, with correct digests: the layers' contents are what is
// left for the fuzzer to vary.
func layerArchive(tb testing.TB, blobs ...[]byte) []byte {
	var files [][2]string
	blob := func(data []byte, mediaType string) Descriptor {
		d := Descriptor{MediaType: mediaType, Digest: sha256Digest(data), Size: int64(len(data))}
		files = append(files, [2]string{"blobs/sha256/" + d.Digest[len("sha256:"):], string(data)})
		return d
	}
	jsonBlob := func(v any, mediaType string) Descriptor {
		data, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return blob(data, mediaType)
	}
	var layers []Descriptor
	for _, b := range blobs {
		layers = append(layers, blob(b, MediaTypeLayer))
	}
	cfg := jsonBlob(testConfig(LinuxAMD64, nil), MediaTypeImageConfig)
	m := jsonBlob(Manifest{SchemaVersion: 2, MediaType: MediaTypeImageManifest, Config: cfg, Layers: layers}, MediaTypeImageManifest)
	index, _ := json.Marshal(Index{SchemaVersion: 2, MediaType: MediaTypeImageIndex, Manifests: []Descriptor{m}})
	files = append(files, [2]string{"oci-layout", `{"imageLayoutVersion":"1.0.0"}`}, [2]string{"index.json", string(index)})
	return memTar(tb, files)
}

// consumeSource does with an opened source what `elfloader pack` does:
// size it, then stream every entry and its content.
func consumeSource(t *testing.T, s *Source) {
	ctx := context.Background()
	_ = s.Config()
	_ = s.ImageConfig()
	if _, err := s.ContentSize(ctx); err != nil {
		return
	}
	err := s.Walk(ctx, func(hdr images.Header, content io.Reader) error {
		if content == nil {
			return nil
		}
		n, err := io.Copy(io.Discard, content)
		if n != hdr.Size && err == nil {
			t.Fatalf("%s: %d content bytes for a %d-byte file", hdr.Path, n, hdr.Size)
		}
		return err
	})
	if err != nil {
		_ = err.Error()
	}
}

// FuzzOpenArchive opens arbitrary bytes as an OCI archive or a docker-save
// tarball, as `elfloader pack IMAGE.tar` does, and streams the image.
func FuzzOpenArchive(f *testing.F) {
	b := newLayout(f)
	layout := b.index(b.image(LinuxAMD64, threeLayers()))
	var ociTar bytes.Buffer
	tw := tar.NewWriter(&ociTar)
	if err := tw.AddFS(os.DirFS(layout)); err != nil {
		f.Fatal(err)
	}
	tw.Close()
	f.Add(ociTar.Bytes())
	f.Add(layerArchive(f, makeTar(f, []tarEntry{file("a", "x", 0o644)})))
	f.Add(memTar(f, [][2]string{{"manifest.json", `[{"Config":"c.json","RepoTags":["x:1"],"Layers":["l/layer.tar"]}]`},
		{"c.json", `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:00"]}}`},
		{"l/layer.tar", string(makeTar(f, []tarEntry{dir("d", 0o755)}))}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		store, err := newTarStoreReader(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			return
		}
		s, err := openTarStore(store, "fuzz.tar", Options{})
		if err != nil {
			_ = err.Error()
			return
		}
		defer s.Close()
		consumeSource(t, s)
	})
}

// FuzzLayers merges two arbitrary layer blobs (plain, gzip or zstd tar,
// detected from their bytes) inside an image whose digests are right, so
// the fuzzer reaches decompression, tar parsing, whiteouts, hard links and
// the second streaming pass.
func FuzzLayers(f *testing.F) {
	ls := threeLayers()
	f.Add(compress(f, makeTar(f, ls[0].entries), ls[0].comp), compress(f, makeTar(f, ls[1].entries), ls[1].comp))
	f.Add(makeTar(f, ls[2].entries), []byte{})
	f.Fuzz(func(t *testing.T, lower, upper []byte) {
		data := layerArchive(t, lower, upper)
		store, err := newTarStoreReader(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			t.Fatalf("assembled archive: %v", err)
		}
		s, err := openTarStore(store, "fuzz.tar", Options{})
		if err != nil {
			t.Fatalf("assembled archive: %v", err)
		}
		defer s.Close()
		consumeSource(t, s)
	})
}
