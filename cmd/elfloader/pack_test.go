//go:build !elfloader_lean

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	flag "github.com/spf13/pflag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/container"
)

func TestParseWordsAndFlags(t *testing.T) {
	if w, err := parseWords("cmd", `["sh", "-c", "echo a b"]`); err != nil || !slices.Equal(w, []string{"sh", "-c", "echo a b"}) {
		t.Errorf("JSON words = %q, %v", w, err)
	}
	if w, _ := parseWords("cmd", " nginx -g  x "); !slices.Equal(w, []string{"nginx", "-g", "x"}) {
		t.Errorf("plain words = %q", w)
	}
	if _, err := parseWords("cmd", `["unterminated`); err == nil {
		t.Errorf("bad JSON accepted")
	}
	var o packOptions
	fs := newPackFlagSet(&o)
	if err := fs.Parse([]string{"src", "-o", "x.img", "--squash-owners", "--env=A=1"}); err != nil {
		t.Fatal(err)
	}
	if o.output != "x.img" || !o.squashOwners || len(o.envs) != 1 || fs.NArg() != 1 || fs.Arg(0) != "src" {
		t.Errorf("parsed %+v args %q", o, fs.Args())
	}
}

func newPackFlagSet(o *packOptions) *flag.FlagSet {
	fs := newFlagSet("pack")
	o.register(fs)
	return fs
}

// TestPackInspectDirectory packs a directory in-process and inspects it.
func TestPackInspectDirectory(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "srv"), 0o755)
	os.WriteFile(filepath.Join(root, "srv", "page.html"), []byte("<p>hi</p>\n"), 0o644)
	os.Symlink("srv/page.html", filepath.Join(root, "index.html"))
	img := filepath.Join(dir, "app.img")
	var stdout, stderr bytes.Buffer
	st := mainWithArgs([]string{"pack", root, "-o", img, "--entrypoint", "/bin/server", "--cmd", "--port 80",
		"--env", "MODE=prod", "--workdir", "/srv", "--user", "1000:1000", "--label", "team=web"}, &stdout, &stderr)
	if st != 0 {
		t.Fatalf("pack: status %d: %s", st, stderr.String())
	}
	if !container.LooksLikeImage(img) {
		t.Fatalf("%s does not look like an image", img)
	}
	stdout.Reset()
	if st := mainWithArgs([]string{"inspect", "--files", img}, &stdout, &stderr); st != 0 {
		t.Fatalf("inspect: status %d: %s", st, stderr.String())
	}
	for _, want := range []string{`["/bin/server"]`, `["--port","80"]`, "MODE=prod", "/srv", "1000:1000", "team=web",
		"index.html -> srv/page.html", "srv/page.html", "source", "dir " + root} {
		if !strings.Contains(strings.ToLower(stdout.String()), strings.ToLower(want)) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	if st := mainWithArgs([]string{"inspect", "--json", "--files", img}, &stdout, &stderr); st != 0 {
		t.Fatalf("inspect --json: status %d: %s", st, stderr.String())
	}
	var d imageDescription
	if err := json.Unmarshal(stdout.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.Config.User != "1000:1000" || d.Config.WorkingDir != "/srv" || d.Info.Entries != int64(len(d.Files)) || len(d.Files) != 4 {
		t.Errorf("inspect --json = %+v", d)
	}

	// Bad input: a bad magic and a flipped rootfs byte.
	data, _ := os.ReadFile(img)
	bad := filepath.Join(dir, "bad.img")
	os.WriteFile(bad, append([]byte("XXXXXXXX"), data[8:]...), 0o644)
	flipped := filepath.Join(dir, "flipped.img")
	// The rootfs section's offset and length are header fields 40 and 48.
	data[binary.LittleEndian.Uint64(data[40:])+binary.LittleEndian.Uint64(data[48:])/2] ^= 1
	os.WriteFile(flipped, data, 0o644)
	for p, want := range map[string]string{bad: "bad magic", flipped: "rootfs checksum mismatch"} {
		stderr.Reset()
		if st := mainWithArgs([]string{"inspect", p}, io.Discard, &stderr); st == 0 || !strings.Contains(stderr.String(), want) ||
			strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("inspect %s: status %d stderr %q, want one line with %q", p, st, stderr.String(), want)
		}
	}
}
