package oci

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/images"
)

// threeLayers exercises replacement, whiteouts, an opaque directory, hard
// links within and across layers, symlinks and every compression.
func threeLayers() []testLayer {
	return []testLayer{
		{comp: gzipped, entries: []tarEntry{
			dir("bin", 0o755),
			file("bin/app", "APP1", 0o755),
			hardlink("bin/app2", "bin/app"),
			file("bin/tool", "tool", 0o700),
			dir("etc", 0o755),
			file("etc/conf", "v1", 0o644),
			dir("var", 0o755), dir("var/cache", 0o755),
			file("var/cache/a", "a", 0o644), file("var/cache/b", "b", 0o644),
			dir("var/cache/sub", 0o755), file("var/cache/sub/deep", "deep", 0o644),
			file("old", "old", 0o644),
			dir("data", 0o750), file("data/keep", "keep", 0o644),
			symlink("lib", "usr/lib"),
			{name: "dev/null", typ: tar.TypeChar, mode: 0o666},
		}},
		{comp: zstded, entries: []tarEntry{
			whiteoutEntry(".wh.old"),
			file("var/cache/c", "c", 0o644),
			whiteoutEntry("var/cache/.wh..wh..opq"),
			file("etc/conf", "v2", 0o640),
			file("bin/app", "APP2", 0o755),
			whiteoutEntry(".wh.data"),
		}},
		{comp: plain, entries: []tarEntry{
			dir("srv", 0o755),
			file("srv/index.html", "<h1>hi</h1>", 0o644),
			symlink("bin/latest", "app"),
			hardlink("srv/conf-link", "etc/conf"),
			{name: "bin/su", typ: tar.TypeReg, mode: 0o4755, data: "su", uid: 0, gid: 0},
			{name: "srv/owned", typ: tar.TypeReg, mode: 0o600, data: "x", uid: 1000, gid: 1001},
		}},
	}
}

// pack opens a source and writes an image; it returns the image path.
func pack(t *testing.T, p string, opts Options) (string, error) {
	t.Helper()
	src, err := Open(p, opts)
	if err != nil {
		return "", err
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "app.img")
	if err := images.WriteFile(context.Background(), out, src.Config(), src, images.WriteOptions{}); err != nil {
		return "", err
	}
	return out, nil
}

func extract(t *testing.T, imgPath string) (string, images.Config, []string) {
	t.Helper()
	img, err := images.Open(imgPath)
	if err != nil {
		t.Fatalf("images.Open: %v", err)
	}
	defer img.Close()
	dst := filepath.Join(t.TempDir(), "root")
	sink, err := images.NewHostDir(dst, images.HostDirOptions{Owners: os.Geteuid() == 0})
	if err != nil {
		t.Fatal(err)
	}
	if err := img.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for hdr, err := range img.Files(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, hdr.Path)
	}
	return dst, img.Config(), paths
}

func checkThreeLayerTree(t *testing.T, root string, paths []string) {
	t.Helper()
	// Directories (sorted), symlinks (sorted), then files in layer order;
	// "dev" is the implicit parent of the skipped device node.
	want := []string{".", "bin", "dev", "etc", "srv", "var", "var/cache", "bin/latest", "lib",
		"bin/app2", "bin/tool", "var/cache/c", "etc/conf", "srv/conf-link", "bin/app",
		"srv/index.html", "bin/su", "srv/owned"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("image entries:\n got %v\nwant %v", paths, want)
	}
	for p, w := range map[string]struct {
		data string
		mode os.FileMode
	}{
		"bin/app":        {"APP2", 0o755},
		"bin/app2":       {"APP1", 0o755},
		"bin/tool":       {"tool", 0o700},
		"etc/conf":       {"v2", 0o640},
		"srv/conf-link":  {"v2", 0o640},
		"var/cache/c":    {"c", 0o644},
		"srv/index.html": {"<h1>hi</h1>", 0o644},
		"bin/su":         {"su", 0o755 | os.ModeSetuid},
	} {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err != nil || string(data) != w.data {
			t.Errorf("%s = %q, %v; want %q", p, data, err, w.data)
			continue
		}
		st, _ := os.Lstat(filepath.Join(root, p))
		if got := st.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeType); got != w.mode {
			t.Errorf("%s mode %v, want %v", p, got, w.mode)
		}
		if !st.ModTime().Equal(testTime) {
			t.Errorf("%s mtime %v, want %v", p, st.ModTime(), testTime)
		}
	}
	for _, gone := range []string{"old", "data", "var/cache/a", "var/cache/b", "var/cache/sub", "dev/null"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); !os.IsNotExist(err) {
			t.Errorf("%s should be gone: %v", gone, err)
		}
	}
	for p, target := range map[string]string{"lib": "usr/lib", "bin/latest": "app"} {
		if got, err := os.Readlink(filepath.Join(root, p)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want %q", p, got, err, target)
		}
	}
	a, _ := os.Stat(filepath.Join(root, "etc/conf"))
	b, _ := os.Stat(filepath.Join(root, "srv/conf-link"))
	if a == nil || b == nil || !os.SameFile(a, b) {
		t.Errorf("etc/conf and srv/conf-link are not one file")
	}
	a, _ = os.Stat(filepath.Join(root, "bin/app"))
	b, _ = os.Stat(filepath.Join(root, "bin/app2"))
	if a == nil || b == nil || os.SameFile(a, b) {
		t.Errorf("bin/app was replaced, it must no longer be bin/app2")
	}
	if os.Geteuid() == 0 {
		st, _ := os.Stat(filepath.Join(root, "srv/owned"))
		if sys := st.Sys().(interface{}); sys != nil {
			if uid, gid := statOwner(st); uid != 1000 || gid != 1001 {
				t.Errorf("srv/owned owner %d:%d, want 1000:1001", uid, gid)
			}
		}
	}
}

func checkConfig(t *testing.T, cfg images.Config, kind string) {
	t.Helper()
	if !reflect.DeepEqual(cfg.Entrypoint, []string{"/bin/app"}) || !reflect.DeepEqual(cfg.Cmd, []string{"--serve"}) ||
		cfg.WorkingDir != "/srv" || cfg.User != "1000:1000" || !reflect.DeepEqual(cfg.Env, []string{"PATH=/bin"}) ||
		!reflect.DeepEqual(cfg.ExposedPorts, []string{"53/udp", "8080/tcp"}) || cfg.Labels["org"] != "test" {
		t.Errorf("config = %+v", cfg)
	}
	if cfg.Source.Kind != kind || cfg.Source.Platform != "linux/amd64" || cfg.Source.Created != "2024-01-02T03:04:05Z" ||
		!strings.HasPrefix(cfg.Source.ConfigDigest, "sha256:") {
		t.Errorf("source info = %+v", cfg.Source)
	}
}

func TestOCILayoutThreeLayers(t *testing.T) {
	b := newLayout(t)
	layout := b.index(b.image(LinuxAMD64, threeLayers()))
	imgPath, err := pack(t, layout, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, cfg, paths := extract(t, imgPath)
	checkThreeLayerTree(t, root, paths)
	checkConfig(t, cfg, "oci-layout")
}

func TestOCIArchiveThreeLayers(t *testing.T) {
	b := newLayout(t)
	archive := tarDir(t, b.index(b.image(LinuxAMD64, threeLayers())))
	imgPath, err := pack(t, archive, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, cfg, paths := extract(t, imgPath)
	checkThreeLayerTree(t, root, paths)
	checkConfig(t, cfg, "oci-archive")
}

func TestDockerSaveThreeLayers(t *testing.T) {
	archive := dockerSave(t, LinuxAMD64, []string{"app:latest"}, threeLayers())
	imgPath, err := pack(t, archive, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, cfg, paths := extract(t, imgPath)
	checkThreeLayerTree(t, root, paths)
	checkConfig(t, cfg, "docker-archive")
	if cfg.Source.Reference != "app:latest" {
		t.Errorf("reference = %q", cfg.Source.Reference)
	}
	if _, err := pack(t, archive, Options{Ref: "other"}); err == nil || !strings.Contains(err.Error(), `no image tagged "other"`) {
		t.Errorf("wrong tag: %v", err)
	}
}

func TestMultiPlatformIndexPicksAMD64(t *testing.T) {
	b := newLayout(t)
	arm := b.image(Platform{OS: "linux", Architecture: "arm64"}, []testLayer{{entries: []tarEntry{file("arch", "arm64", 0o644)}}})
	amd := b.image(LinuxAMD64, []testLayer{{comp: gzipped, entries: []tarEntry{file("arch", "amd64", 0o644)}}})
	// Nest the platform manifests in an image index, as registries do.
	nested := b.jsonBlob(Index{SchemaVersion: 2, MediaType: MediaTypeImageIndex, Manifests: []Descriptor{arm, amd}}, MediaTypeImageIndex)
	nested.Annotations = map[string]string{AnnotationRefName: "latest"}
	imgPath, err := pack(t, b.index(nested), Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, cfg, _ := extract(t, imgPath)
	if data, _ := os.ReadFile(filepath.Join(root, "arch")); string(data) != "amd64" {
		t.Fatalf("picked %q", data)
	}
	if cfg.Source.Reference != "latest" || cfg.Source.ManifestDigest != amd.Digest {
		t.Fatalf("source = %+v", cfg.Source)
	}
}

func TestRejectedImages(t *testing.T) {
	arm64 := Platform{OS: "linux", Architecture: "arm64"}
	simple := []tarEntry{file("a", "a", 0o644)}
	flip := func(b []byte) []byte { b = append([]byte(nil), b...); b[len(b)/3] ^= 0xff; return b }
	half := func(b []byte) []byte { return b[:len(b)/2] }
	big := []tarEntry{file("big", strings.Repeat("0123456789abcdef", 50000), 0o644)}
	for _, tc := range []struct {
		name   string
		layers []testLayer
		plat   Platform
		want   string
	}{
		{"arm64 only", []testLayer{{entries: simple}}, arm64, "no linux/amd64 image in index (platforms: linux/arm64)"},
		{"digest mismatch", []testLayer{{entries: simple, mangle: flip}}, LinuxAMD64, "digest mismatch for layer sha256:"},
		{"missing blob", []testLayer{{entries: simple, skipBlob: true}}, LinuxAMD64, "blob missing"},
		{"wrong media type", []testLayer{{entries: simple, mediaType: "application/vnd.example.thing+json"}}, LinuxAMD64, `unsupported media type "application/vnd.example.thing+json"`},
		{"truncated gzip", []testLayer{{entries: big, comp: gzipped, prepare: half}}, LinuxAMD64, "corrupt or truncated"},
		{"truncated zstd", []testLayer{{entries: big, comp: zstded, prepare: half}}, LinuxAMD64, "corrupt or truncated"},
		{"dotdot entry", []testLayer{{entries: []tarEntry{file("../x", "x", 0o644)}}}, LinuxAMD64, "climbs out of the root"},
		{"nested dotdot entry", []testLayer{{entries: []tarEntry{file("a/../../x", "x", 0o644)}}}, LinuxAMD64, "climbs out of the root"},
		{"absolute entry", []testLayer{{entries: []tarEntry{file("/etc/passwd", "x", 0o644)}}}, LinuxAMD64, "absolute name"},
		{"write through symlink", []testLayer{
			{entries: []tarEntry{symlink("evil", "/etc")}},
			{entries: []tarEntry{file("evil/passwd", "root::0:0", 0o644)}},
		}, LinuxAMD64, `parent "evil" is a symlink`},
		{"write through symlink in one layer", []testLayer{
			{entries: []tarEntry{symlink("up", "../../.."), file("up/x", "x", 0o644)}},
		}, LinuxAMD64, `parent "up" is a symlink`},
		{"hard link outside", []testLayer{{entries: []tarEntry{hardlink("h", "../etc/shadow")}}}, LinuxAMD64, "climbs out"},
		{"dangling hard link", []testLayer{{entries: []tarEntry{hardlink("h", "nothing")}}}, LinuxAMD64, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newLayout(t)
			layout := b.index(b.image(tc.plat, tc.layers))
			_, err := pack(t, layout, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestDockerSaveRejects(t *testing.T) {
	simple := []tarEntry{file("a", "a", 0o644)}
	flip := func(b []byte) []byte { b = append([]byte(nil), b...); b[len(b)/3] ^= 0xff; return b }
	for _, tc := range []struct {
		name   string
		layers []testLayer
		plat   Platform
		want   string
	}{
		{"diff_id mismatch", []testLayer{{entries: simple, mangle: flip}}, LinuxAMD64, "digest mismatch for layer sha256:"},
		{"missing layer", []testLayer{{entries: simple, skipBlob: true}}, LinuxAMD64, "blob missing"},
		{"arm64", []testLayer{{entries: simple}}, Platform{OS: "linux", Architecture: "arm64"}, "no linux/amd64 image in archive (platforms: linux/arm64)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pack(t, dockerSave(t, tc.plat, []string{"x:1"}, tc.layers), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestManifestMediaTypeAndMissingManifest(t *testing.T) {
	b := newLayout(t)
	m := b.image(LinuxAMD64, []testLayer{{entries: []tarEntry{file("a", "a", 0o644)}}})
	m.MediaType = "application/vnd.example.weird"
	if _, err := Open(b.index(m), Options{}); err == nil || !strings.Contains(err.Error(), "unsupported media type") {
		t.Errorf("weird manifest media type: %v", err)
	}
	b = newLayout(t)
	m = b.image(LinuxAMD64, []testLayer{{entries: []tarEntry{file("a", "a", 0o644)}}})
	_, name, _ := parseDigest(m.Digest)
	os.Remove(filepath.Join(b.dir, name))
	if _, err := Open(b.index(m), Options{}); err == nil || !strings.Contains(err.Error(), "blob missing") {
		t.Errorf("missing manifest: %v", err)
	}
}
