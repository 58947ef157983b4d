package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// memSource is a FileSource of in-memory entries, in the given order.
type memSource []struct {
	hdr  images.Header
	data string
}

func (s memSource) Walk(ctx context.Context, fn images.WalkFunc) error {
	for _, e := range s {
		var r io.Reader
		if e.hdr.Kind == images.KindFile {
			r = strings.NewReader(e.data)
		}
		if err := fn(e.hdr, r); err != nil {
			return err
		}
	}
	return nil
}

func entry(p string, kind images.Kind, perm uint32, data, link string) struct {
	hdr  images.Header
	data string
} {
	h := images.Header{Path: p, Kind: kind, Perm: perm, UID: 1234, GID: 99, Linkname: link,
		ModTime: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
	if kind == images.KindFile {
		h.Size = int64(len(data))
	}
	return struct {
		hdr  images.Header
		data string
	}{h, data}
}

// newImageVFS returns a vfs over a fresh ramfs and a root context on it.
func newImageVFS(t *testing.T) *vfs.Context {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	ctx.Umask = 0
	return ctx
}

func fill(t *testing.T, ctx *vfs.Context, src images.FileSource) {
	t.Helper()
	sink := newVFSSink(ctx)
	if err := images.Copy(context.Background(), sink, src); err != nil {
		t.Fatal(err)
	}
	if err := sink.finish(); err != nil {
		t.Fatal(err)
	}
}

func readGuest(t *testing.T, ctx *vfs.Context, p string) string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, p, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.DecRef()
	data, err := io.ReadAll(&vfsReader{f: f})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestVFSSinkKeepsMetadata(t *testing.T) {
	ctx := newImageVFS(t)
	fill(t, ctx, memSource{
		entry(".", images.KindDir, 0o755, "", ""),
		entry("bin", images.KindDir, 0o711, "", ""),
		entry("bin/tool", images.KindFile, 0o4755, "#!/bin/sh\n", ""),
		entry("bin/link", images.KindSymlink, 0o777, "", "tool"),
		entry("bin/hard", images.KindHardlink, 0o4755, "", "bin/tool"),
		entry("bin/hard", images.KindFile, 0o644, "replaced", ""), // a sink replaces non-directories
		entry("deep/er/file", images.KindFile, 0o600, "x", ""),    // missing parents
	})
	st, err := vfs.StatAt(ctx, ctx.Root, "/bin/tool", 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o4755 || st.UID != 1234 || st.GID != 99 || st.Mtime.Sec != time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Unix() {
		t.Errorf("bin/tool: mode %o uid %d gid %d mtime %d", st.Mode, st.UID, st.GID, st.Mtime.Sec)
	}
	if got := readGuest(t, ctx, "/bin/link"); got != "#!/bin/sh\n" {
		t.Errorf("bin/link reads %q", got)
	}
	if target, err := vfs.ReadlinkAt(ctx, ctx.Root, "/bin/link"); err != nil || target != "tool" {
		t.Errorf("readlink bin/link = %q, %v", target, err)
	}
	if got := readGuest(t, ctx, "/bin/hard"); got != "replaced" {
		t.Errorf("bin/hard reads %q", got)
	}
	dst, err := vfs.StatAt(ctx, ctx.Root, "/bin", 0)
	if err != nil || dst.Mode&0o7777 != 0o711 || dst.Mtime.Sec != time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Unix() {
		t.Errorf("bin: mode %o mtime %d err %v", dst.Mode, dst.Mtime.Sec, err)
	}
	if got := readGuest(t, ctx, "/deep/er/file"); got != "x" {
		t.Errorf("deep/er/file reads %q", got)
	}
}

func TestImageUserAndEnv(t *testing.T) {
	ctx := newImageVFS(t)
	fill(t, ctx, memSource{
		entry("etc", images.KindDir, 0o755, "", ""),
		entry("etc/passwd", images.KindFile, 0o644, "root:x:0:0:root:/root:/bin/sh\nweb:x:101:102:web:/var/www:/sbin/nologin\n", ""),
		entry("etc/group", images.KindFile, 0o644, "root:x:0:\nwww:x:102:\nextra:x:300:web,other\nnetdev:x:301:\n", ""),
	})
	cases := []struct {
		spec     string
		uid, gid uint32
		groups   []uint32
		home     string
		wantErr  bool
	}{
		{"", 0, 0, nil, "/root", false},
		{"web", 101, 102, []uint32{300}, "/var/www", false},
		{"101", 101, 102, []uint32{300}, "/var/www", false},
		{"web:netdev", 101, 301, []uint32{300}, "/var/www", false},
		{"5000", 5000, 5000, nil, "", false},
		{"5000:7", 5000, 7, nil, "", false},
		{"nobody", 0, 0, nil, "", true},
		{"web:nogroup", 0, 0, nil, "", true},
	}
	for _, c := range cases {
		cred, home, err := imageUser(ctx, c.spec)
		if c.wantErr {
			if err == nil {
				t.Errorf("user %q: no error", c.spec)
			}
			continue
		}
		if err != nil || cred.UID != c.uid || cred.GID != c.gid || !slices.Equal(cred.Groups, c.groups) || home != c.home {
			t.Errorf("user %q = %+v home %q err %v; want %d:%d %v %q", c.spec, cred, home, err, c.uid, c.gid, c.groups, c.home)
		}
	}
	env := imageEnv([]string{"A=1", "B=2"}, []string{"B=3", "C=4"}, "/var/www")
	want := []string{"A=1", "B=3", "C=4", "PATH=" + defaultImagePath, "HOME=/var/www"}
	if !slices.Equal(env, want) {
		t.Errorf("imageEnv = %q, want %q", env, want)
	}
}

// TestLookPath: a bare name is searched in PATH like execvp does; a name
// with a slash is taken as it is. (The #! rule is the kernel's: see
// kernel/exec_script_test.go.)
func TestLookPath(t *testing.T) {
	ctx := newImageVFS(t)
	fill(t, ctx, memSource{
		entry("bin", images.KindDir, 0o755, "", ""),
		entry("bin/busybox", images.KindFile, 0o755, "\x7fELF....", ""),
		entry("bin/sh", images.KindSymlink, 0o777, "", "busybox"),
		entry("app", images.KindDir, 0o755, "", ""),
		entry("app/run", images.KindFile, 0o755, "#!/bin/sh -e\necho\n", ""),
		entry("app/data", images.KindFile, 0o644, "not executable", ""),
	})
	if p, err := lookPath(ctx, "sh", "/usr/bin:/bin"); err != nil || p != "/bin/sh" {
		t.Errorf("lookPath sh = %q, %v", p, err)
	}
	if p, err := lookPath(ctx, "run", "/bin:/app"); err != nil || p != "/app/run" {
		t.Errorf("lookPath run = %q, %v", p, err)
	}
	var le *kernel.LoadError
	if _, err := lookPath(ctx, "data", "/app"); !errors.As(err, &le) || le.Errno != unix.EACCES {
		t.Errorf("lookPath of a non-executable file: %v, want EACCES", err)
	}
	if _, err := lookPath(ctx, "nothere", "/bin:/app"); !errors.As(err, &le) || le.Errno != unix.ENOENT {
		t.Errorf("lookPath of a missing program: %v, want ENOENT", err)
	}
	if p, err := lookPath(ctx, "./run", "/bin"); err != nil || p != "./run" {
		t.Errorf("lookPath ./run = %q, %v", p, err)
	}
}

func TestLayeredSource(t *testing.T) {
	lower := memSource{
		entry(".", images.KindDir, 0o755, "", ""),
		entry("etc", images.KindDir, 0o755, "", ""),
		entry("etc/a", images.KindFile, 0o644, "lower a", ""),
		entry("etc/b", images.KindFile, 0o644, "lower b", ""),
	}
	upper := &prefixSource{prefix: "etc", src: memSource{
		entry(".", images.KindDir, 0o700, "", ""),
		entry("b", images.KindFile, 0o600, "upper b", ""),
		entry("c", images.KindSymlink, 0o777, "", "b"),
	}}
	var got []string
	err := (&layeredSource{layers: []images.FileSource{lower, upper}}).Walk(context.Background(), func(h images.Header, r io.Reader) error {
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
	want := []string{".:" + images.KindDir.String(), "etc:" + images.KindDir.String(), "etc/a:" + images.KindFile.String() + ":lower a",
		"etc/b:" + images.KindFile.String() + ":upper b", "etc/c:" + images.KindSymlink.String()}
	if !slices.Equal(got, want) {
		t.Errorf("layered walk = %q\nwant %q", got, want)
	}
}

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
	args := interleaveFlags(fs, []string{"src", "-o", "x.img", "--squash-owners", "--env=A=1"})
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if o.output != "x.img" || !o.squashOwners || len(o.envs) != 1 || fs.NArg() != 1 || fs.Arg(0) != "src" {
		t.Errorf("parsed %+v args %q", o, fs.Args())
	}
}

func newPackFlagSet(o *packOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
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
	if !looksLikeImage(img) {
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
	data[len(data)-5] ^= 1
	os.WriteFile(flipped, data, 0o644)
	for p, want := range map[string]string{bad: "bad magic", flipped: "rootfs checksum mismatch"} {
		stderr.Reset()
		if st := mainWithArgs([]string{"inspect", p}, io.Discard, &stderr); st == 0 || !strings.Contains(stderr.String(), want) ||
			strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("inspect %s: status %d stderr %q, want one line with %q", p, st, stderr.String(), want)
		}
	}
}

func TestPackBinaryTree(t *testing.T) {
	const prog = "/bin/busybox"
	if _, err := os.Stat(prog); err != nil {
		t.Skip("busybox not installed")
	}
	o := packOptions{binary: prog}
	src, cfg, err := binarySource(&o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Entrypoint, []string{prog}) {
		t.Errorf("entrypoint %q", cfg.Entrypoint)
	}
	seen := map[string]images.Kind{}
	err = src.Walk(context.Background(), func(h images.Header, r io.Reader) error {
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
	if seen[strings.TrimPrefix(real, "/")] != images.KindFile {
		t.Errorf("program %s not a file in %v", real, seen)
	}
}
