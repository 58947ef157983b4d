package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestPackFromRegistry pushes an image built here to Debian's
// distribution registry (docker-registry) started on loopback, then packs
// it by reference and runs it; also from a multi-platform index, from a
// docker-save tarball on stdin, and a missing tag.
func TestPackFromRegistry(t *testing.T) {
	const registryBin = "/usr/bin/docker-registry"
	if _, err := os.Stat(registryBin); err != nil {
		t.Skip("docker-registry not installed (scripts/deps.sh installs it)")
	}
	bb := requireBusybox(t)
	host := startRegistry(t, registryBin)
	const greeting = "hello from the registry"
	amd64 := busyboxImage(t, bb, "amd64", greeting)
	push := func(tag string, write func(name.Reference) error) {
		t.Helper()
		ref, err := name.ParseReference(host+"/test/app:"+tag, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(ref); err != nil {
			t.Fatalf("push %s: %v", ref, err)
		}
	}
	push("1", func(ref name.Reference) error { return remote.Write(ref, amd64) })
	index := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: busyboxImage(t, bb, "arm64", "wrong platform"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	push("multi", func(ref name.Reference) error { return remote.WriteIndex(ref, index) })

	dir := t.TempDir()
	for _, src := range []string{host + "/test/app:1", "docker://" + host + "/test/app:multi"} {
		img := filepath.Join(dir, strings.ReplaceAll(filepath.Base(src), ":", "_")+".img")
		if out, stderr, status := elfRun(t, "", "pack", src, "-o", img); status != 0 || stderr != "" {
			t.Fatalf("pack %s: status %d %q %q (want nothing on stderr when it is not a terminal)", src, status, out, stderr)
		}
		if out, stderr, status := elfRun(t, "", "run", img); status != 0 || out != greeting+"\n" {
			t.Errorf("run image of %s: %q %q status %d, want %q", src, out, stderr, status, greeting)
		}
	}

	// On a terminal: a bar per layer and one summary line.
	onPty := startOnPty(t, []string{testbin.Elfloader(t), "pack", host + "/test/app:1", "-o", filepath.Join(dir, "pty.img")}, os.Environ(), false)
	if status := onPty.wait(); status != 0 {
		t.Fatalf("pack on a terminal: status %d\n%s", status, onPty.screen())
	}
	if screen := onPty.screen(); !strings.Contains(screen, "layer 1/1 sha256:") || !strings.Contains(screen, "packed "+filepath.Join(dir, "pty.img")+": ") || !strings.Contains(screen, " files (") {
		t.Errorf("pack on a terminal: no layer bar or summary:\n%q", screen)
	}

	// A missing tag: one line that says so.
	_, stderr, status := elfRun(t, "", "pack", host+"/test/app:2", "-o", filepath.Join(dir, "missing.img"))
	if status == 0 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "test/app:2: no such image or tag") {
		t.Errorf("pack of a missing tag: status %d stderr %q", status, stderr)
	}

	// docker save … | elfloader pack -
	var saved bytes.Buffer
	ref, _ := name.ParseReference("test/app:saved")
	if err := tarball.Write(ref, amd64, &saved); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "stdin.img")
	if out, stderr, status := elfRun(t, saved.String(), "pack", "-", "-o", img); status != 0 {
		t.Fatalf("pack -: status %d %q %q", status, out, stderr)
	}
	if out, stderr, status := elfRun(t, "", "run", img); status != 0 || out != greeting+"\n" {
		t.Errorf("run image from stdin: %q %q status %d", out, stderr, status)
	}
}

// startRegistry runs the distribution registry on a free loopback port
// with its storage in a temp directory, and stops it when the test ends.
func startRegistry(t *testing.T, bin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yml")
	os.WriteFile(config, []byte(fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "storage"), host)), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "serve", config)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return host
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry on %s did not answer within 30 s: %v\n%s", host, err, logs.String())
		}
	}
}

// busyboxImage is a one-layer image holding the host's static busybox,
// whose entrypoint echoes greeting.
func busyboxImage(t *testing.T, bb, arch, greeting string) v1.Image {
	t.Helper()
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))})
	tw.Write(data)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	layer, err := tarball.LayerFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Entrypoint = []string{"/bin/busybox", "echo", greeting}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
