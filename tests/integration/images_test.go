package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/elfloader/elfloader/tests/testbin"
)

// End-to-end tests of `elfloader pack`, `inspect IMAGE` and `run IMAGE`.
// Every image is built by the test from local files (no network).

// imgEntry is one tar entry of a test layer.
type imgEntry struct {
	name     string
	typ      byte
	mode     int64
	data     []byte
	linkname string
}

func imgDir(name string) imgEntry { return imgEntry{name: name, typ: tar.TypeDir, mode: 0o755} }
func imgFile(name, data string, mode int64) imgEntry {
	return imgEntry{name: name, typ: tar.TypeReg, mode: mode, data: []byte(data)}
}
func imgSymlink(name, target string) imgEntry {
	return imgEntry{name: name, typ: tar.TypeSymlink, mode: 0o777, linkname: target}
}

func layerTar(t *testing.T, entries []imgEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.linkname,
			ModTime: mtime, Size: int64(len(e.data)), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// busyboxLayers are two layers of a busybox image whose entrypoint is a
// shell script (with pipes, command substitution and a loop reading a
// pipe: the shell forks and waits as it does everywhere). The second
// layer deletes /etc/secret (a whiteout), empties /data (an opaque
// directory) and replaces /etc/motd.
func busyboxLayers(t *testing.T) [][]imgEntry {
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Skipf("%s not installed: %v", busybox, err)
	}
	script := `#!/bin/sh
echo "script=$0 args=$*"
echo "pwd=$PWD greeting=$GREETING"
while read line; do echo "motd=$line"; done < /etc/motd
if [ -e /etc/secret ]; then echo "secret=present"; else echo "secret=gone"; fi
if [ -e /data/old ]; then echo "data-old=present"; else echo "data-old=gone"; fi
if [ -e /data/new ]; then echo "data-new=present"; fi
echo "upper=$(echo motd | tr a-z A-Z) entries=$(ls /etc | wc -l)"
echo c b a | tr ' ' '\n' | sort | while read x; do echo "sorted=$x"; done
`
	lower := []imgEntry{
		imgDir("bin/"), {name: "bin/busybox", typ: tar.TypeReg, mode: 0o755, data: bb},
		imgSymlink("bin/sh", "busybox"),
		imgDir("etc/"), imgFile("etc/motd", "old motd\n", 0o644), imgFile("etc/secret", "s3cret\n", 0o600),
		imgDir("data/"), imgFile("data/old", "x", 0o644),
		imgDir("app/"), imgFile("app/run.sh", script, 0o755),
	}
	upper := []imgEntry{
		imgDir("etc/"), imgFile("etc/.wh.secret", "", 0o600), imgFile("etc/motd", "new motd\n", 0o644),
		imgDir("data/"), imgFile("data/.wh..wh..opq", "", 0o600), imgFile("data/new", "y", 0o644),
	}
	return [][]imgEntry{lower, upper}
}

// busyboxConfig is the OCI image config of the busybox test image.
func busyboxConfig(diffIDs []string) []byte {
	cfg := map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{
			"Entrypoint": []string{"/app/run.sh"}, "Cmd": []string{"default-arg"},
			"Env": []string{"PATH=/bin", "GREETING=hello"}, "WorkingDir": "/app",
			"Labels": map[string]string{"test": "busybox"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	data, _ := json.Marshal(cfg)
	return data
}

// writeOCILayout writes an OCI image layout of the busybox image: the
// lower layer gzip-compressed, the upper one zstd-compressed.
func writeOCILayout(t *testing.T, dir string) {
	t.Helper()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(data []byte, mediaType string) map[string]any {
		d := sha256Hex(data)
		if err := os.WriteFile(filepath.Join(blobs, d), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return map[string]any{"mediaType": mediaType, "digest": "sha256:" + d, "size": len(data)}
	}
	var layers []map[string]any
	var diffIDs []string
	for i, entries := range busyboxLayers(t) {
		raw := layerTar(t, entries)
		diffIDs = append(diffIDs, "sha256:"+sha256Hex(raw))
		if i == 0 {
			layers = append(layers, put(gzipBytes(t, raw), "application/vnd.oci.image.layer.v1.tar+gzip"))
		} else {
			layers = append(layers, put(zstdBytes(t, raw), "application/vnd.oci.image.layer.v1.tar+zstd"))
		}
	}
	cfg := put(busyboxConfig(diffIDs), "application/vnd.oci.image.config.v1+json")
	manifest, _ := json.Marshal(map[string]any{"schemaVersion": 2,
		"mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cfg, "layers": layers})
	m := put(manifest, "application/vnd.oci.image.manifest.v1+json")
	m["platform"] = map[string]string{"os": "linux", "architecture": "amd64"}
	m["annotations"] = map[string]string{"org.opencontainers.image.ref.name": "test"}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2,
		"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []any{m}})
	os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// writeDockerArchive writes the busybox image as a `docker save` tarball
// (layers uncompressed, as docker writes them).
func writeDockerArchive(t *testing.T, path string) {
	t.Helper()
	writeDockerSave(t, path, "bb:test", busyboxLayers(t), busyboxConfig)
}

// writeDockerSave writes a `docker save` tarball of one image: its layers
// (uncompressed) and the config made from their diff IDs, tagged tag.
func writeDockerSave(t *testing.T, path, tag string, layers [][]imgEntry, config func(diffIDs []string) []byte) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)})
		tw.Write(data)
	}
	var layerNames, diffIDs []string
	for _, entries := range layers {
		raw := layerTar(t, entries)
		id := sha256Hex(raw)
		diffIDs = append(diffIDs, "sha256:"+id)
		name := id + "/layer.tar"
		add(name, raw)
		layerNames = append(layerNames, name)
	}
	cfg := config(diffIDs)
	cfgName := sha256Hex(cfg) + ".json"
	add(cfgName, cfg)
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{tag}, "Layers": layerNames}})
	add("manifest.json", manifest)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// elfloaderCmd runs `elfloader ARGS...` (not a program run), bounded.
func elfloaderCmd(t *testing.T, args ...string) testbin.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Elfloader(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := testbin.Result{Stdout: stdout.String(), Stderr: stderr.String(), TimedOut: ctx.Err() != nil}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Status = ee.ExitCode()
	default:
		t.Fatalf("elfloader %v: %v", args, err)
	}
	return res
}

func mustPack(t *testing.T, args ...string) {
	t.Helper()
	res := elfloaderCmd(t, append([]string{"pack"}, args...)...)
	if res.Status != 0 {
		t.Fatalf("elfloader pack %v: status %d\nstderr: %s", args, res.Status, res.Stderr)
	}
}

const busyboxImageOutput = `script=/app/run.sh args=%s
pwd=/app greeting=hello
motd=new motd
secret=gone
data-old=gone
data-new=present
upper=MOTD entries=1
sorted=a
sorted=b
sorted=c
`

// TestImageBusybox packs the busybox image from an OCI layout and from a
// docker-save tarball and runs it: the script entrypoint, cmd, env,
// workdir, whiteouts and both layer compressions all show in the output.
func TestImageBusybox(t *testing.T) {
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	writeOCILayout(t, layout)
	archive := filepath.Join(dir, "docker.tar")
	writeDockerArchive(t, archive)
	for _, src := range []struct{ name, path string }{{"oci-layout", layout}, {"docker-archive", archive}} {
		t.Run(src.name, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "bb.img")
			mustPack(t, src.path, "-o", img)

			res := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{img}, nil, nil)
			assertNoPanic(t, res.Stderr)
			if want := fmt.Sprintf(busyboxImageOutput, "default-arg"); res.Status != 0 || res.Stdout != want {
				t.Errorf("run %s: status %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", img, res.Status, res.Stdout, want, res.Stderr)
			}
			// Arguments after the image replace cmd; --env overrides.
			res = testbin.RunElfloader(t, testTimeout, append(testbin.EnvFlags(), "--env", "GREETING=bye"), []string{img, "x", "y"}, nil, nil)
			want := strings.Replace(fmt.Sprintf(busyboxImageOutput, "x y"), "greeting=hello", "greeting=bye", 1)
			if res.Status != 0 || res.Stdout != want {
				t.Errorf("run %s x y: status %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", img, res.Status, res.Stdout, want, res.Stderr)
			}
			// --entrypoint replaces the entrypoint (and drops cmd); a bare
			// name is found in the image's PATH; /bin/sh is busybox.
			res = testbin.RunElfloader(t, testTimeout, append(testbin.EnvFlags(), "--entrypoint", "sh", "--workdir", "/etc"),
				[]string{img, "-c", `echo "in $PWD"; read l < motd; echo "$l"`}, nil, nil)
			if want := "in /etc\nnew motd\n"; res.Status != 0 || res.Stdout != want {
				t.Errorf("run --entrypoint sh: status %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", res.Status, res.Stdout, want, res.Stderr)
			}

			ins := elfloaderCmd(t, "inspect", "--files", img)
			if ins.Status != 0 {
				t.Fatalf("inspect: status %d: %s", ins.Status, ins.Stderr)
			}
			for _, want := range []string{`["/app/run.sh"]`, `["default-arg"]`, "GREETING=hello", "test=busybox",
				"bin/sh -> busybox", "etc/motd", "data/new", src.name} {
				if !strings.Contains(ins.Stdout, want) {
					t.Errorf("inspect --files: missing %q in:\n%s", want, ins.Stdout)
				}
			}
			for _, gone := range []string{"etc/secret", "data/old", ".wh."} {
				if strings.Contains(ins.Stdout, gone) {
					t.Errorf("inspect --files: %q should be gone:\n%s", gone, ins.Stdout)
				}
			}
		})
	}
}

// TestImageDirectory packs a plain directory with config flags.
func TestImageDirectory(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("%s not installed", busybox)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	bb, _ := os.ReadFile(busybox)
	os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755)
	os.Symlink("busybox", filepath.Join(root, "bin", "sh"))
	img := filepath.Join(t.TempDir(), "dir.img")
	mustPack(t, root, "-o", img, "--entrypoint", `["/bin/sh","-c"]`, "--cmd", `["echo \"$A-$B\""]`,
		"--env", "A=1", "--env", "B=2", "--workdir", "/bin", "--label", "k=v")
	res := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{img}, nil, nil)
	if res.Status != 0 || res.Stdout != "1-2\n" {
		t.Errorf("run: status %d stdout %q stderr %s", res.Status, res.Stdout, res.Stderr)
	}
	ins := elfloaderCmd(t, "inspect", "--json", img)
	var d struct {
		Config struct {
			Entrypoint []string          `json:"entrypoint"`
			Labels     map[string]string `json:"labels"`
			WorkingDir string            `json:"workingDir"`
		} `json:"config"`
	}
	if err := json.Unmarshal([]byte(ins.Stdout), &d); err != nil {
		t.Fatalf("inspect --json: %v\n%s", err, ins.Stdout)
	}
	if len(d.Config.Entrypoint) != 2 || d.Config.Labels["k"] != "v" || d.Config.WorkingDir != "/bin" {
		t.Errorf("inspect --json config = %+v", d.Config)
	}
}

// TestImagePython packs python3 with --binary (its standard library is
// added automatically; the program, ld.so and its libraries are stored
// files, mapped from the image at boot) and runs scripts that import json,
// zlib and the extension modules of lib-dynload.
func TestImagePython(t *testing.T) {
	skipUnlessDynamic(t)
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s not installed", python)
	}
	img := filepath.Join(t.TempDir(), "py.img")
	mustPack(t, "--binary", python, "-o", img, "--compression", "fastest")
	checkStored(t, img)
	runImageLikeNative(t, img, python, "import json, zlib; print(1, json.dumps([zlib.crc32(b'x')]))")
	// The extension modules of lib-dynload load their libraries at import
	// (libsqlite3, libssl, libffi, liblzma, libbz2): pack follows them.
	runImageLikeNative(t, img, python, `import sqlite3, ssl, ctypes, lzma, bz2, json
print(sqlite3.connect(":memory:").execute("select 6*7").fetchone()[0])
print(lzma.decompress(lzma.compress(b"lzma")), bz2.decompress(bz2.compress(b"bz2")))
print(ctypes.sizeof(ctypes.c_long), ssl.OPENSSL_VERSION.split()[0], json.dumps({"a": [1]}))`)
}

// runImageLikeNative runs python -c script natively and from the image
// and wants the same output and a clean exit.
func runImageLikeNative(t *testing.T, img, python, script string) {
	t.Helper()
	native, err := exec.Command(python, "-c", script).Output()
	if err != nil {
		t.Fatalf("native python3: %v", err)
	}
	res := testbin.RunElfloader(t, 2*testTimeout, testbin.EnvFlags(), []string{img, "-c", script}, nil, nil)
	assertNoPanic(t, res.Stderr)
	if res.Status != 0 || res.Stdout != string(native) {
		t.Errorf("python3 image: status %d stdout %q, want %q\nstderr: %s", res.Status, res.Stdout, native, res.Stderr)
	}
}

// TestImageNginx packs nginx with --binary plus a config and a page, and
// fetches the page over loopback.
func TestImageNginx(t *testing.T) {
	skipUnlessDynamic(t)
	const nginx = "/usr/sbin/nginx"
	if _, err := os.Stat(nginx); err != nil {
		t.Skipf("%s not installed", nginx)
	}
	port := freePort(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "www"), 0o755)
	const page = "hello from the nginx image\n"
	os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte(page), 0o644)
	conf := fmt.Sprintf(`daemon off;
master_process off;
error_log stderr;
pid /tmp/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;
  server { listen 127.0.0.1:%d; root /srv/www; }
}
`, port)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	img := filepath.Join(dir, "nginx.img")
	mustPack(t, "--binary", nginx, "-o", img, "--cmd", "-e stderr",
		"--add", filepath.Join(dir, "nginx.conf")+":/etc/nginx/nginx.conf",
		"--add", filepath.Join(dir, "www")+":/srv/www")

	ins := elfloaderCmd(t, "inspect", "--files", img)
	for _, want := range []string{"usr/sbin/nginx", "ld-linux-x86-64.so.2", "libc.so.6", "etc/passwd", "etc/nginx/nginx.conf", "srv/www/index.html"} {
		if !strings.Contains(ins.Stdout, want) {
			t.Errorf("inspect --files: missing %s", want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Elfloader(t), append(append([]string{"run"}, testbin.EnvFlags()...), img)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	client := &http.Client{Timeout: 3 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	var body string
	var lastErr error
	for deadline := time.Now().Add(testTimeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			lastErr = err
			continue
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(data)
		break
	}
	for i := 0; i < 3 && body == page; i++ { // a few more requests on the same server
		resp, err := client.Get(url)
		if err != nil {
			t.Errorf("request %d: %v", i+2, err)
			break
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(data) != page {
			t.Errorf("request %d: body %q", i+2, data)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(testTimeout):
		cmd.Process.Kill()
		<-done
		t.Errorf("nginx did not stop on SIGTERM")
	}
	if body != page {
		t.Errorf("GET %s: body %q (last error %v)\nelfloader stderr:\n%s", url, body, lastErr, stderr.String())
	}
	assertNoPanic(t, stderr.String())
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestImageBadInput: damaged image files give one clear line from run and
// inspect, and a non-zero status.
func TestImageBadInput(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "hello.txt"), bytes.Repeat([]byte("hello image\n"), 100), 0o644)
	good := filepath.Join(dir, "good.img")
	mustPack(t, root, "-o", good, "--cmd", "/hello")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(off int) []byte {
		d := append([]byte(nil), data...)
		d[off] ^= 0x40
		return d
	}
	cases := []struct {
		name, want  string
		data        []byte
		inspectOnly bool // run reads an indexed image's files only when the app opens them
	}{
		{"bad-magic", "bad magic", append([]byte("NOTANIMG"), data[8:]...), false},
		{"garbage", "bad magic", []byte("this is not an image at all, just text\n"), false},
		{"header-byte", "header checksum mismatch", flip(40), false},
		// The rootfs section's offset and length are header fields 40 and 48;
		// the index (format 1.1) ends the file.
		{"rootfs-byte", "rootfs checksum mismatch", flip(int(binary.LittleEndian.Uint64(data[40:]) + binary.LittleEndian.Uint64(data[48:])/2)), true},
		{"index-byte", "corrupt rootfs index", flip(len(data) - 20), false},
		{"config-byte", "config checksum mismatch", flip(170), false},
		{"truncated", "truncated", data[:len(data)-100], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "app.img")
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			commands := [][]string{{"run", p}, {"inspect", p}}
			if c.inspectOnly {
				commands = commands[1:]
			}
			for _, args := range commands {
				res := elfloaderCmd(t, args...)
				lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
				if res.Status == 0 || len(lines) != 1 || !strings.Contains(res.Stderr, c.want) || !strings.HasPrefix(res.Stderr, "elfloader: ") {
					t.Errorf("elfloader %s: status %d, stderr %q; want one line with %q", args[0], res.Status, res.Stderr, c.want)
				}
				assertNoPanic(t, res.Stderr)
			}
		})
	}
}

// TestImageDamagedFrame: `run` reads an indexed image's files only when the
// app opens them, so a damaged rootfs frame is found then: the file it
// holds cannot be opened (EIO, with the reason in --debug), the rest of
// the image still runs.
func TestImageDamagedFrame(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skip("busybox not installed")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755)
	// Random bytes do not compress: the blob, packed last, holds the last
	// megabyte of the rootfs section.
	blob := make([]byte, 1<<20)
	rand.Read(blob)
	os.WriteFile(filepath.Join(root, "blob"), blob, 0o644)
	img := filepath.Join(dir, "app.img")
	mustPack(t, root, "-o", img, "--entrypoint", "/bin/busybox")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	rootfsEnd := binary.LittleEndian.Uint64(data[40:]) + binary.LittleEndian.Uint64(data[48:])
	data[rootfsEnd-300<<10] ^= 0x40
	damaged := filepath.Join(dir, "damaged.img")
	os.WriteFile(damaged, data, 0o644)
	if res := elfloaderCmd(t, "run", damaged, "echo", "hi"); res.Status != 0 || res.Stdout != "hi\n" {
		t.Errorf("echo from the damaged image: status %d, stdout %q, stderr %q", res.Status, res.Stdout, res.Stderr)
	}
	res := elfloaderCmd(t, "run", "--debug", damaged, "cat", "/blob")
	if res.Status == 0 || !strings.Contains(res.Stderr, "Input/output error") || !strings.Contains(res.Stderr, "rootfs checksum mismatch") {
		t.Errorf("cat of the damaged file: status %d, stderr %q; want an I/O error and the reason", res.Status, res.Stderr)
	}
	assertNoPanic(t, res.Stderr)
	if res := elfloaderCmd(t, "inspect", damaged); res.Status == 0 || !strings.Contains(res.Stderr, "rootfs checksum mismatch") {
		t.Errorf("inspect of the damaged image: status %d, stderr %q", res.Status, res.Stderr)
	}
}
