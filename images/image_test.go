package images

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

var mtime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// buildHostTree makes a directory with every entry kind the images carry.
func buildHostTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "tmp"), 0o755))
	must(os.Chmod(filepath.Join(dir, "tmp"), 0o1777|os.ModeSticky))
	must(os.WriteFile(filepath.Join(dir, "etc/hostname"), []byte("box\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "bin/busybox"), bytes.Repeat([]byte("ELF"), 100000), 0o755))
	must(os.Chmod(filepath.Join(dir, "bin/busybox"), 0o755|os.ModeSetuid))
	must(os.Link(filepath.Join(dir, "bin/busybox"), filepath.Join(dir, "bin/sh")))
	must(os.Symlink("busybox", filepath.Join(dir, "bin/ls")))
	must(os.Symlink("/etc/hostname", filepath.Join(dir, "hostname-abs")))
	must(os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	for _, p := range []string{"etc/hostname", "bin/busybox", "empty", "etc"} {
		must(os.Chtimes(filepath.Join(dir, p), mtime, mtime))
	}
	return dir
}

func packDir(t *testing.T, src string, cfg Config) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "app.img")
	if err := WriteFile(context.Background(), out, cfg, NewDirSource(src, DirOptions{}), WriteOptions{}); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	return out
}

func TestDirRoundTripToHostDir(t *testing.T) {
	src := buildHostTree(t)
	cfg := Config{Entrypoint: []string{"/bin/sh"}, Cmd: []string{"-c", "ls"}, Env: []string{"PATH=/bin"},
		WorkingDir: "/", User: "0:0", ExposedPorts: []string{"80/tcp"}, Labels: map[string]string{"a": "b"},
		Source: SourceInfo{Kind: "dir", Path: src}}
	img, err := Open(packDir(t, src, cfg))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer img.Close()
	if got := img.Config(); !reflect.DeepEqual(got, cfg) {
		t.Fatalf("config = %+v, want %+v", got, cfg)
	}
	if got := img.Config(); !reflect.DeepEqual(got.Argv(nil), []string{"/bin/sh", "-c", "ls"}) ||
		!reflect.DeepEqual(got.Argv([]string{"x"}), []string{"/bin/sh", "x"}) {
		t.Fatalf("Argv wrong: %v", got.Argv(nil))
	}

	dst := t.TempDir()
	sink, err := NewHostDir(dst, HostDirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := img.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if err := sink.Close(); err != nil {
		t.Fatalf("Close sink: %v", err)
	}
	checkFile(t, dst, "etc/hostname", "box\n", 0o644)
	checkFile(t, dst, "bin/busybox", strings.Repeat("ELF", 100000), 0o755|os.ModeSetuid)
	checkFile(t, dst, "empty", "", 0o600)
	checkLink(t, dst, "bin/ls", "busybox")
	checkLink(t, dst, "hostname-abs", "/etc/hostname")
	checkSameFile(t, dst, "bin/busybox", "bin/sh")
	if _, err := os.Lstat(filepath.Join(dst, "fifo")); !os.IsNotExist(err) {
		t.Errorf("fifo was packed: %v", err)
	}
	st, err := os.Stat(filepath.Join(dst, "tmp"))
	if err != nil || st.Mode()&os.ModeSticky == 0 || st.Mode().Perm() != 0o777 {
		t.Errorf("tmp mode = %v, %v", st.Mode(), err)
	}
	for _, p := range []string{"etc/hostname", "etc"} {
		st, err := os.Stat(filepath.Join(dst, p))
		if err != nil || !st.ModTime().Equal(mtime) {
			t.Errorf("%s mtime = %v, want %v (%v)", p, st.ModTime(), mtime, err)
		}
	}
}

func checkFile(t *testing.T, root, p, want string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		t.Errorf("%s: %v", p, err)
		return
	}
	if string(data) != want {
		t.Errorf("%s: content %d bytes, want %d", p, len(data), len(want))
	}
	st, _ := os.Lstat(filepath.Join(root, p))
	if got := st.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky | os.ModeType); got != mode {
		t.Errorf("%s: mode %v, want %v", p, got, mode)
	}
}

func checkLink(t *testing.T, root, p, want string) {
	t.Helper()
	got, err := os.Readlink(filepath.Join(root, p))
	if err != nil || got != want {
		t.Errorf("%s: symlink target %q (%v), want %q", p, got, err, want)
	}
}

func checkSameFile(t *testing.T, root, a, b string) {
	t.Helper()
	sa, err1 := os.Stat(filepath.Join(root, a))
	sb, err2 := os.Stat(filepath.Join(root, b))
	if err1 != nil || err2 != nil || !os.SameFile(sa, sb) {
		t.Errorf("%s and %s are not hard links of one file (%v, %v)", a, b, err1, err2)
	}
}

func TestExtractToTreeAndFiles(t *testing.T) {
	src := buildHostTree(t)
	img, err := Open(packDir(t, src, Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	tree := NewTree()
	if err := img.Extract(context.Background(), tree); err != nil {
		t.Fatal(err)
	}
	sh, ok1 := tree.Lookup("bin/sh")
	bb, ok2 := tree.Lookup("bin/busybox")
	if !ok1 || !ok2 || sh != bb || sh.Nlink != 2 || len(sh.Data) != 300000 {
		t.Fatalf("hard link not shared: %v %v", ok1, ok2)
	}
	if n, ok := tree.Lookup("bin/ls"); !ok || n.Header.Kind != KindSymlink || n.Header.Linkname != "busybox" {
		t.Fatalf("bin/ls = %+v", n)
	}
	if n, ok := tree.Lookup("etc/hostname"); !ok || string(n.Data) != "box\n" || n.Header.Perm != 0o644 {
		t.Fatalf("etc/hostname = %+v", n)
	}
	var walked []string
	tree.Walk(func(p string, _ *Node) error { walked = append(walked, p); return nil })
	want := []string{".", "bin", "bin/busybox", "bin/ls", "bin/sh", "empty", "etc", "etc/hostname", "hostname-abs", "tmp"}
	if !reflect.DeepEqual(walked, want) {
		t.Fatalf("tree walk = %v, want %v", walked, want)
	}

	var listed []string
	for hdr, err := range img.Files(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, hdr.Path+":"+hdr.Kind.String())
	}
	wantList := []string{".:dir", "bin:dir", "bin/busybox:file", "bin/ls:symlink", "bin/sh:hardlink", "empty:file",
		"etc:dir", "etc/hostname:file", "hostname-abs:symlink", "tmp:dir"}
	if !reflect.DeepEqual(listed, wantList) {
		t.Fatalf("Files = %v, want %v", listed, wantList)
	}
	if info := img.Info(); info.Entries != int64(len(wantList)) || info.FormatMajor != FormatMajor {
		t.Fatalf("Info = %+v", info)
	}
}

// sliceSource is a FileSource over fixed entries, for writer tests.
type sliceSource []struct {
	hdr  Header
	data string
}

func (s sliceSource) Walk(_ context.Context, fn WalkFunc) error {
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

func TestWriteCreatesMissingParentsAndRejectsBadEntries(t *testing.T) {
	src := sliceSource{{hdr: Header{Path: "a/b/c", Kind: KindFile, Perm: 0o644, Size: 2}, data: "hi"}}
	var buf seekBuffer
	if err := Write(context.Background(), &buf, Config{}, src, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	img, err := NewImage(bytes.NewReader(buf.data), int64(len(buf.data)), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for hdr, err := range img.Files(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hdr.Path)
	}
	if want := []string{".", "a", "a/b", "a/b/c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("entries = %v, want %v", got, want)
	}

	for name, bad := range map[string]sliceSource{
		"absolute":        {{hdr: Header{Path: "/etc", Kind: KindDir}}},
		"dotdot":          {{hdr: Header{Path: "../etc", Kind: KindDir}}},
		"unclean":         {{hdr: Header{Path: "a//b", Kind: KindDir}}},
		"short content":   {{hdr: Header{Path: "f", Kind: KindFile, Size: 10}, data: "abc"}},
		"dangling link":   {{hdr: Header{Path: "l", Kind: KindHardlink, Linkname: "nope"}}},
		"duplicate":       {{hdr: Header{Path: "d", Kind: KindDir}}, {hdr: Header{Path: "d", Kind: KindDir}}},
		"file as parent":  {{hdr: Header{Path: "f", Kind: KindFile}}, {hdr: Header{Path: "f/x", Kind: KindFile}}},
		"symlink as root": {{hdr: Header{Path: ".", Kind: KindSymlink, Linkname: "x"}}},
	} {
		var buf seekBuffer
		if err := Write(context.Background(), &buf, Config{}, bad, WriteOptions{}); err == nil {
			t.Errorf("%s: Write succeeded", name)
		}
	}
}

// seekBuffer is an in-memory io.WriteSeeker.
type seekBuffer struct {
	data []byte
	off  int
}

func (b *seekBuffer) Write(p []byte) (int, error) {
	if need := b.off + len(p); need > len(b.data) {
		b.data = append(b.data, make([]byte, need-len(b.data))...)
	}
	copy(b.data[b.off:], p)
	b.off += len(p)
	return len(p), nil
}

func (b *seekBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		b.off = int(off)
	case io.SeekCurrent:
		b.off += int(off)
	case io.SeekEnd:
		b.off = len(b.data) + int(off)
	}
	return int64(b.off), nil
}

func TestOpenRejectsDamagedImages(t *testing.T) {
	good, err := os.ReadFile(packDir(t, buildHostTree(t), Config{Cmd: []string{"/bin/sh"}}))
	if err != nil {
		t.Fatal(err)
	}
	img, err := NewImage(bytes.NewReader(good), int64(len(good)), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfgOff, rootOff := int(img.hdr.ConfigOffset), int(img.hdr.RootfsOffset)
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x40
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"bad magic", append([]byte("NOTANIMG"), good[8:]...), ErrBadMagic, "bad magic: not an elfloader image"},
		{"empty file", nil, ErrBadMagic, ""},
		{"truncated header", good[:100], ErrTruncated, ""},
		{"truncated rootfs", good[:len(good)-10], ErrTruncated, ""},
		{"flipped header byte", flip(50), ErrHeaderChecksum, ""},
		{"flipped config byte", flip(cfgOff + 3), ErrConfigChecksum, "config checksum mismatch"},
		{"flipped rootfs byte", flip(rootOff + int(img.hdr.RootfsLength)/2), ErrRootfsChecksum, "rootfs checksum mismatch"},
		{"flipped index byte", flip(int(img.hdr.IndexOffset) + int(img.hdr.IndexLength)/2), ErrIndex, "corrupt rootfs index"},
		{"future version", withVersion(good, 2), ErrVersion, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.img")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

func withVersion(good []byte, major uint16) []byte {
	b := bytes.Clone(good)
	b[8], b[9] = byte(major), byte(major>>8)
	return b
}

func TestHostDirRefusesToEscape(t *testing.T) {
	outside := t.TempDir()
	dst := t.TempDir()
	sink, err := NewHostDir(dst, HostDirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if err := sink.Symlink(Header{Path: "evil", Kind: KindSymlink}, outside); err != nil {
		t.Fatal(err)
	}
	if err := sink.File(Header{Path: "evil/x", Kind: KindFile, Size: 1}, strings.NewReader("x")); err == nil {
		t.Fatal("wrote through a symlink")
	}
	if err := sink.Dir(Header{Path: "../up", Kind: KindDir}); err == nil {
		t.Fatal("created ../up")
	}
	if err := sink.Hardlink(Header{Path: "h", Kind: KindHardlink}, "evil"); err == nil {
		t.Fatal("hard-linked a symlink")
	}
	// Replacing the symlink itself with a file is fine and stays inside.
	if err := sink.File(Header{Path: "evil", Kind: KindFile, Perm: 0o644, Size: 1}, strings.NewReader("y")); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("something was written outside: %v", entries)
	}
}

func TestTermBar(t *testing.T) {
	var quiet bytes.Buffer
	bar := NewTermBar(&quiet, false, "pack")
	bar.Report(5, 10)
	bar.Finish()
	if quiet.Len() != 0 {
		t.Fatalf("non-terminal bar wrote %q", quiet.String())
	}
	var term bytes.Buffer
	bar = NewTermBar(&term, true, "pack")
	bar.Report(512<<20, 1<<30)
	bar.Finish()
	if got := term.String(); !strings.Contains(got, " 50% 512.0 MiB / 1.0 GiB") || !strings.HasSuffix(got, "\n") {
		t.Fatalf("bar = %q", got)
	}
}
