package sysfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

func mountSys(t *testing.T, fs vfs.FileSystem) *vfs.Context {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	if err := vfs.MkdirAt(ctx, ctx.Root, "/sys", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := v.MountAt(ctx, "/sys", fs, vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func readFile(t *testing.T, ctx *vfs.Context, path string) string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.DecRef()
	buf := make([]byte, 4096)
	n, err := f.Read(context.Background(), buf)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(buf[:n])
}

func readDir(t *testing.T, ctx *vfs.Context, path string) []string {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.DecRef()
	buf := make([]byte, 4096)
	n, err := f.Getdents64(buf)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range vfs.ParseDirents64(buf[:n]) {
		names = append(names, e.Name)
	}
	return names
}

// fakeHostSys writes a host /sys with 4 possible CPUs of which 0, 1 and 3
// are online.
func fakeHostSys(t *testing.T) string {
	dir := t.TempDir()
	for rel, contents := range map[string]string{
		"devices/system/cpu/possible":            "0-3\n",
		"devices/system/cpu/online":              "0-1,3\n",
		"kernel/mm/transparent_hugepage/enabled": "[always] madvise never\n",
	} {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(contents), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFromFakeHost(t *testing.T) {
	fs, err := newFS(9, fakeHostSys(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := mountSys(t, fs)
	for path, want := range map[string]string{
		"/sys/devices/system/cpu/possible":                   "0-3\n",
		"/sys/devices/system/cpu/online":                     "0-1,3\n",
		"/sys/devices/system/cpu/present":                    "0-3\n",
		"/sys/devices/system/cpu/cpu1/online":                "1\n",
		"/sys/devices/system/cpu/cpu2/online":                "0\n",
		"/sys/kernel/mm/transparent_hugepage/enabled":        "[always] madvise never\n",
		"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size": "2097152\n",
	} {
		if got := readFile(t, ctx, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	names := readDir(t, ctx, "/sys/devices/system/cpu")
	for _, want := range []string{"cpu0", "cpu1", "cpu2", "cpu3", "online", "possible"} {
		if !slices.Contains(names, want) {
			t.Errorf("cpu dir lacks %s: %q", want, names)
		}
	}
	if _, err := vfs.StatAt(ctx, ctx.Root, "/sys/devices/system/cpu/cpu0/online", 0); !errors.Is(err, unix.ENOENT) {
		t.Errorf("cpu0/online: %v", err)
	}
	_, err = vfs.OpenAt(ctx, ctx.Root, "/sys/devices/system/cpu/online", vfs.OpenHow{Flags: unix.O_WRONLY})
	if !errors.Is(err, unix.EROFS) {
		t.Errorf("open for writing: %v", err)
	}
	if err := vfs.MkdirAt(ctx, ctx.Root, "/sys/x", 0o755); !errors.Is(err, unix.EROFS) {
		t.Errorf("mkdir: %v", err)
	}
	st, err := vfs.StatfsAt(ctx, ctx.Root, "/sys")
	if err != nil || st.Type != sysfsMagic {
		t.Errorf("statfs %#x %v", st.Type, err)
	}
}

func TestFallbacks(t *testing.T) {
	fs, err := newFS(9, t.TempDir()) // an empty host /sys
	if err != nil {
		t.Fatal(err)
	}
	ctx := mountSys(t, fs)
	if got := readFile(t, ctx, "/sys/kernel/mm/transparent_hugepage/enabled"); got != defaultTHP {
		t.Errorf("thp %q", got)
	}
	ids, err := parseCPUList(readFile(t, ctx, "/sys/devices/system/cpu/online"))
	if err != nil || len(ids) < 1 || ids[0] != 0 {
		t.Errorf("online ids %v %v", ids, err)
	}
}

func TestRealHost(t *testing.T) {
	want, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		t.Skip("no host sysfs")
	}
	ctx := mountSys(t, New(9))
	if got := readFile(t, ctx, "/sys/devices/system/cpu/online"); got != string(want) {
		t.Errorf("online %q, want %q", got, want)
	}
}

func TestParseCPUList(t *testing.T) {
	ids, err := parseCPUList("0-2,5,4\n")
	if err != nil || !slices.Equal(ids, []int{0, 1, 2, 4, 5}) {
		t.Errorf("ids %v %v", ids, err)
	}
	for _, bad := range []string{"", "x", "3-1", "-1"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q) succeeded", bad)
		}
	}
}
