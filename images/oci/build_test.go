package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Test image builders: layers, OCI layouts, OCI archives, docker-save tars.

var testTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

type tarEntry struct {
	name     string
	typ      byte
	mode     int64
	data     string
	linkname string
	uid, gid int
}

func file(name, data string, mode int64) tarEntry {
	return tarEntry{name: name, typ: tar.TypeReg, mode: mode, data: data}
}
func dir(name string, mode int64) tarEntry { return tarEntry{name: name, typ: tar.TypeDir, mode: mode} }
func symlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeSymlink, mode: 0o777, linkname: target}
}
func hardlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeLink, mode: 0o644, linkname: target}
}
func whiteoutEntry(name string) tarEntry { return tarEntry{name: name, typ: tar.TypeReg, mode: 0o600} }

func makeTar(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.linkname,
			Uid: e.uid, Gid: e.gid, ModTime: testTime, Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("tar %s: %v", e.name, err)
		}
		if _, err := tw.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type compression int

const (
	plain compression = iota
	gzipped
	zstded
)

func compress(t testing.TB, data []byte, c compression) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch c {
	case plain:
		return data
	case gzipped:
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
	case zstded:
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(data)
		zw.Close()
	}
	return buf.Bytes()
}

func (c compression) mediaType() string {
	return [...]string{MediaTypeLayer, MediaTypeLayerGzip, MediaTypeLayerZstd}[c]
}

// testLayer is a layer as a test describes it.
type testLayer struct {
	entries   []tarEntry
	comp      compression
	mediaType string                   // overrides comp.mediaType() when set
	prepare   func(blob []byte) []byte // changes the blob before its digest is taken
	mangle    func(blob []byte) []byte // damages the blob after its digest is taken
	skipBlob  bool                     // leave the blob out of the layout
}

// layoutBuilder writes an OCI image layout.
type layoutBuilder struct {
	t   testing.TB
	dir string
}

func newLayout(t testing.TB) *layoutBuilder {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	return &layoutBuilder{t: t, dir: dir}
}

func (b *layoutBuilder) blob(data []byte, mediaType string) Descriptor {
	b.t.Helper()
	d := Descriptor{MediaType: mediaType, Digest: sha256Digest(data), Size: int64(len(data))}
	b.writeBlob(d.Digest, data)
	return d
}

func (b *layoutBuilder) writeBlob(digest string, data []byte) {
	b.t.Helper()
	_, name, err := parseDigest(digest)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name), data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *layoutBuilder) jsonBlob(v any, mediaType string) Descriptor {
	b.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.blob(data, mediaType)
}

func testConfig(p Platform, diffIDs []string) ImageConfig {
	return ImageConfig{
		Created: &testTime, OS: p.OS, Architecture: p.Architecture,
		Config: RuntimeConfig{
			Entrypoint: []string{"/bin/app"}, Cmd: []string{"--serve"}, Env: []string{"PATH=/bin"},
			WorkingDir: "/srv", User: "1000:1000", Labels: map[string]string{"org": "test"},
			ExposedPorts: map[string]struct{}{"8080/tcp": {}, "53/udp": {}},
		},
		RootFS: RootFS{Type: "layers", DiffIDs: diffIDs},
	}
}

// image writes the layers, config and manifest of one image and returns
// the manifest's descriptor.
func (b *layoutBuilder) image(p Platform, layers []testLayer) Descriptor {
	b.t.Helper()
	var descs []Descriptor
	var diffIDs []string
	for _, l := range layers {
		raw := makeTar(b.t, l.entries)
		diffIDs = append(diffIDs, sha256Digest(raw))
		blob := compress(b.t, raw, l.comp)
		if l.prepare != nil {
			blob = l.prepare(blob)
		}
		mt := l.comp.mediaType()
		if l.mediaType != "" {
			mt = l.mediaType
		}
		d := Descriptor{MediaType: mt, Digest: sha256Digest(blob), Size: int64(len(blob))}
		if l.mangle != nil {
			blob = l.mangle(blob)
		}
		if !l.skipBlob {
			b.writeBlob(d.Digest, blob)
		}
		descs = append(descs, d)
	}
	cfg := b.jsonBlob(testConfig(p, diffIDs), MediaTypeImageConfig)
	m := b.jsonBlob(Manifest{SchemaVersion: 2, MediaType: MediaTypeImageManifest, Config: cfg, Layers: descs}, MediaTypeImageManifest)
	plat := p
	m.Platform = &plat
	return m
}

func (b *layoutBuilder) index(manifests ...Descriptor) string {
	b.t.Helper()
	data, _ := json.Marshal(Index{SchemaVersion: 2, MediaType: MediaTypeImageIndex, Manifests: manifests})
	if err := os.WriteFile(filepath.Join(b.dir, "index.json"), data, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return b.dir
}

// tarDir packs a directory into a tar file (an OCI archive of a layout).
func tarDir(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dockerSave writes a docker-save tarball (classic layout: <id>/layer.tar).
func dockerSave(t *testing.T, p Platform, tags []string, layers []testLayer) string {
	t.Helper()
	dir := t.TempDir()
	var names, diffIDs []string
	for i, l := range layers {
		raw := makeTar(t, l.entries)
		diffIDs = append(diffIDs, sha256Digest(raw))
		blob := compress(t, raw, l.comp)
		if l.mangle != nil {
			blob = l.mangle(blob)
		}
		name := filepath.Join("layer"+string(rune('a'+i)), "layer.tar")
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if !l.skipBlob {
			os.WriteFile(filepath.Join(dir, name), blob, 0o644)
		}
		names = append(names, name)
	}
	cfgData, _ := json.Marshal(testConfig(p, diffIDs))
	cfgName := sha256Digest(cfgData)[len("sha256:"):] + ".json"
	os.WriteFile(filepath.Join(dir, cfgName), cfgData, 0o644)
	manifest, _ := json.Marshal([]DockerManifestEntry{{Config: cfgName, RepoTags: tags, Layers: names}})
	os.WriteFile(filepath.Join(dir, "manifest.json"), manifest, 0o644)
	return tarDir(t, dir)
}
