package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// hostopsTree is the directory tests/c/fs_hostops.c expects.
var hostopsTree = map[string]string{
	"keep.txt":       "keep\n",
	"trunc.txt":      "truncate me\n",
	"mode.txt":       "mode\n",
	"gone.txt":       "gone\n",
	"old.txt":        "old\n",
	"emptydir/":      "",
	"sub/nested.txt": "nested\n",
}

// hostopsSetup builds fs_hostops and a seeded directory under /var/tmp.
func hostopsSetup(t *testing.T) (bin, dir string) {
	t.Helper()
	v, _ := testbin.VariantByName("gcc-static")
	bin = testbin.Build(t, testbin.CSource(t, "fs_hostops.c"), v)
	dir = filepath.Join(hostScratch(t), "data")
	writeTree(t, dir, hostopsTree)
	return bin, dir
}

// nativeHostops runs fs_hostops natively on a fresh copy of the tree and
// returns the run and the copy.
func nativeHostops(t *testing.T, bin string) (testbin.Result, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	writeTree(t, dir, hostopsTree)
	return testbin.RunNative(t, testTimeout, []string{bin, dir}, nil, nil), dir
}

// TestOverlayNeverWritesHost runs a program that creates, writes, renames,
// chmods and deletes files in a host directory it sees through the default
// root: the program must see its changes (same output as a native run on a
// copy) while the host directory stays byte-for-byte unchanged.
func TestOverlayNeverWritesHost(t *testing.T) {
	bin, dir := hostopsSetup(t)
	before := snapshot(t, dir, true)
	native, _ := nativeHostops(t, bin)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, dir}, nil, nil)
	compareRuns(t, native, loaded)
	if d := diffSnapshots(before, snapshot(t, dir, true)); d != "" {
		t.Errorf("the app changed the host directory through the default root:\n%s", d)
	}
}

// TestVolumeReadWrite mounts the directory with --volume DIR:/data:rw: the
// explicit rw mount does change the host, exactly as the native run changes
// its copy.
func TestVolumeReadWrite(t *testing.T) {
	bin, dir := hostopsSetup(t)
	native, nativeDir := nativeHostops(t, bin)
	flags := append(testbin.EnvFlags(), "--volume", dir+":/data:rw")
	loaded := testbin.RunElfloader(t, testTimeout, flags, []string{bin, "/data"}, nil, nil)
	compareRuns(t, native, loaded)
	if d := diffSnapshots(snapshot(t, nativeDir, false), snapshot(t, dir, false)); d != "" {
		t.Errorf("host directory after the rw volume run differs from the native run's (- native, + elfloader):\n%s", d)
	}
}

// TestVolumeReadOnly mounts the directory with --volume DIR:/data: every
// change fails with EROFS (X_OK on a 0644 file is EACCES), reads work, and
// the host is untouched. A read-only mount cannot be made natively without
// privileges, so the expected output is spelled out.
func TestVolumeReadOnly(t *testing.T) {
	bin, dir := hostopsSetup(t)
	before := snapshot(t, dir, true)
	flags := append(testbin.EnvFlags(), "--volume", dir+":/data")
	loaded := testbin.RunElfloader(t, testTimeout, flags, []string{bin, "/data"}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	want := `read keep.txt: OK
access W_OK keep.txt: EROFS
access X_OK keep.txt: EACCES
append keep.txt: EROFS
truncate trunc.txt: EROFS
chmod mode.txt: EROFS
chown mode.txt: EROFS
utimensat mode.txt: EROFS
unlink gone.txt: EROFS
rename old.txt: EROFS
rmdir emptydir: EROFS
rewrite sub/nested.txt: EROFS
create created.txt: EROFS
mkdir newdir: EROFS
symlink: EROFS
link: EROFS
emptydir/ dir 755
gone.txt file 644 size 5 nlink 1 content "gone
"
keep.txt file 644 size 5 nlink 1 content "keep
"
mode.txt file 644 size 5 nlink 1 content "mode
"
old.txt file 644 size 4 nlink 1 content "old
"
sub/ dir 755
sub/nested.txt file 644 size 7 nlink 1 content "nested
"
trunc.txt file 644 size 12 nlink 1 content "truncate me
"
`
	if loaded.Status != 0 || loaded.Stdout != want {
		t.Errorf("status %d, stdout differs from the expected one:\n%s\nstderr:\n%s",
			loaded.Status, outputDiff(want, loaded.Stdout), loaded.Stderr)
	}
	if d := diffSnapshots(before, snapshot(t, dir, true)); d != "" {
		t.Errorf("the app changed a read-only volume on the host:\n%s", d)
	}
}

// TestVolumeEscape checks that no path reaches a host file outside a
// --volume directory: not "..", not a relative symlink climbing out, not an
// absolute symlink naming the host path (it resolves in the app's root),
// and that a symlink to /etc/passwd inside the volume reads the app's
// /etc/passwd. The app's root is a separate host directory (--root) whose
// etc/passwd differs from the host's, and the marker lies outside both.
func TestVolumeEscape(t *testing.T) {
	v, _ := testbin.VariantByName("gcc-static")
	bin := testbin.Build(t, testbin.CSource(t, "fs_cat.c"), v)
	base := hostScratch(t)
	marker := filepath.Join(base, "marker.txt")
	writeTree(t, base, map[string]string{
		"marker.txt":       "SECRET host marker outside the volume\n",
		"vol/inside.txt":   "inside the volume\n",
		"vol/sub/deep.txt": "deep\n",
		"root/etc/passwd":  "app passwd\n",
	})
	links := map[string]string{
		"vol/passwd":     "/etc/passwd",
		"vol/up":         "../../../../..",
		"vol/dotdot":     "../marker.txt",
		"vol/abs":        marker,
		"vol/sub/parent": "..",
		"root/rootup":    "../../../..",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(base, name)); err != nil {
			t.Fatal(err)
		}
	}
	rel := strings.TrimPrefix(marker, "/")
	paths := []string{
		"/data/inside.txt",
		"/data/sub/parent/inside.txt",
		"/data/passwd",
		"/data/../marker.txt",
		"/data/../../../../../" + rel,
		"/data/up/marker.txt",
		"/data/up/" + rel,
		"/data/dotdot",
		"/data/abs",
		"/data/sub/../../marker.txt",
		"/rootup/" + rel,
		"/../../" + rel,
		marker,
	}
	flags := append(testbin.EnvFlags(), "--root", filepath.Join(base, "root"), "--volume", filepath.Join(base, "vol")+":/data")
	loaded := testbin.RunElfloader(t, testTimeout, flags, append([]string{bin}, paths...), nil, nil)
	assertNoPanic(t, loaded.Stderr)
	var want strings.Builder
	for _, p := range paths {
		switch p {
		case "/data/inside.txt", "/data/sub/parent/inside.txt":
			want.WriteString(p + ": inside the volume\n")
		case "/data/passwd":
			want.WriteString(p + ": app passwd\n")
		default:
			want.WriteString(p + ": ENOENT\n")
		}
	}
	if loaded.Status != 0 || loaded.Stdout != want.String() {
		t.Errorf("status %d; stdout differs (- want, + elfloader):\n%s\nstderr:\n%s",
			loaded.Status, outputDiff(want.String(), loaded.Stdout), loaded.Stderr)
	}
	if strings.Contains(loaded.Stdout, "SECRET") {
		t.Errorf("the marker outside the volume was read:\n%s", loaded.Stdout)
	}
}
