package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// Images of format 1.2 store ELF files uncompressed and page-aligned, and
// `run` maps them from the image file (docs/image-format.md, "Stored
// files"). These tests pack programs that way and run them.

// checkStored fails t unless `inspect` reports stored files in img.
func checkStored(t *testing.T, img string) {
	t.Helper()
	ins := elfloaderCmd(t, "inspect", img)
	if ins.Status != 0 || !strings.Contains(ins.Stdout, "format 1.2") || !strings.Contains(ins.Stdout, "Stored files:") {
		t.Fatalf("inspect %s: status %d, no stored files:\n%s%s", img, ins.Status, ins.Stdout, ins.Stderr)
	}
}

// TestImageMapBusybox packs the static busybox (a stored file) and runs
// applets from it; the same image packed with --no-store (format 1.1)
// gives the same output.
func TestImageMapBusybox(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("%s not installed", busybox)
	}
	dir := t.TempDir()
	stored, compressed := filepath.Join(dir, "bb.img"), filepath.Join(dir, "bb11.img")
	mustPack(t, "--binary", busybox, "-o", stored)
	mustPack(t, "--binary", busybox, "--no-store", "-o", compressed)
	checkStored(t, stored)
	if ins := elfloaderCmd(t, "inspect", compressed); !strings.Contains(ins.Stdout, "format 1.1") || strings.Contains(ins.Stdout, "Stored files:") {
		t.Fatalf("--no-store image is not a 1.1 image:\n%s", ins.Stdout)
	}
	for _, img := range []string{stored, compressed} {
		res := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{img, "sh", "-c", "echo hi; wc -c < /bin/busybox; md5sum /bin/busybox | cut -c1-32"}, nil, nil)
		assertNoPanic(t, res.Stderr)
		native, err := exec.Command("sh", "-c", "echo hi; wc -c < "+busybox+"; md5sum "+busybox+" | cut -c1-32").Output()
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 0 || res.Stdout != string(native) {
			t.Errorf("run %s: status %d stdout %q, want %q\nstderr: %s", filepath.Base(img), res.Status, res.Stdout, native, res.Stderr)
		}
	}

	// A damaged byte in the stored busybox: the boot fails when it opens
	// the program (its CRC-32C), inspect at once (the section's SHA-256).
	data, err := os.ReadFile(stored)
	if err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	off := bytes.Index(data, bb[:8192])
	if off < 0 || off%4096 != 0 || !bytes.Equal(data[off:off+len(bb)], bb) {
		t.Fatalf("busybox is not stored page-aligned and whole in the image (at %d)", off)
	}
	data[off+len(bb)/2] ^= 0x40
	damaged := filepath.Join(dir, "damaged.img")
	if err := os.WriteFile(damaged, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := elfloaderCmd(t, append(append([]string{"run"}, testbin.EnvFlags()...), "--debug", damaged, "echo", "hi")...)
	assertNoPanic(t, res.Stderr)
	if res.Status == 0 || res.Stdout != "" || !strings.Contains(res.Stderr, "rootfs checksum mismatch") {
		t.Errorf("run of a damaged stored program: status %d stdout %q, stderr %q; want a failure naming the checksum", res.Status, res.Stdout, res.Stderr)
	}
	if res := elfloaderCmd(t, "inspect", damaged); res.Status == 0 || !strings.Contains(res.Stderr, "rootfs checksum mismatch") {
		t.Errorf("inspect of the damaged image: status %d, stderr %q", res.Status, res.Stderr)
	}
}

// TestImageMapFiles runs tests/c/imgmap.c on a stored file of an image
// (busybox's bytes at /data/elf) and natively on a copy of the same file:
// read, private mappings (also writable ones), a write (the file is
// copied out of the image), a shared mapping, truncate and append must
// all give the same output.
func TestImageMapFiles(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("%s not installed", busybox)
	}
	for _, v := range oneVariantPerLibc(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "imgmap.c"), v)
			dir := t.TempDir()
			data, err := os.ReadFile(busybox)
			if err != nil {
				t.Fatal(err)
			}
			copyPath := filepath.Join(dir, "elf")
			if err := os.WriteFile(copyPath, data, 0o755); err != nil {
				t.Fatal(err)
			}
			native := testbin.RunNative(t, testTimeout, []string{bin, copyPath}, nil, nil)
			if native.Status != 0 {
				t.Fatalf("native run: status %d\n%s%s", native.Status, native.Stdout, native.Stderr)
			}
			// The program goes to /app: /tmp, where the test binaries are
			// built, is a fresh tmpfs in the app's root.
			img := filepath.Join(dir, "m.img")
			mustPack(t, "--binary", bin, "--entrypoint", "/app/imgmap", "--add", bin+":/app/imgmap", "--add", busybox+":/data/elf", "-o", img)
			checkStored(t, img)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{img, "/data/elf"}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			compareRuns(t, native, loaded)
		})
	}
}
