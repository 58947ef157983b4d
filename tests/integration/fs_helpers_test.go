package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// hostScratchParent is where tests put host directories the app must see:
// the app's /tmp is a fresh ramfs, so nothing under the host's /tmp is
// visible inside it.
const hostScratchParent = "/var/tmp"

// hostScratch creates a fresh directory under /var/tmp that the test
// removes when it ends.
func hostScratch(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(hostScratchParent, "elfloader-fs-")
	if err != nil {
		t.Skipf("cannot create a scratch directory under %s: %v", hostScratchParent, err)
	}
	t.Cleanup(func() {
		// Make everything writable again so that RemoveAll succeeds.
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		os.RemoveAll(dir)
	})
	return dir
}

// appScratch returns a path under the app's /tmp (a fresh ramfs) that a
// test program may create; it does not exist on the host side.
func appScratch(name string) string { return "/tmp/elfloader-fs-" + name }

// staticAndGlibcDynamic returns the static variants plus gcc-dynamic, the
// set the file system programs run in.
func staticAndGlibcDynamic(t *testing.T) []testbin.Variant {
	t.Helper()
	list := testbin.StaticVariants()
	if os.Getenv(dynamicEnv) != "0" {
		if v, ok := testbin.VariantByName("gcc-dynamic"); ok {
			list = append(list, v)
		}
	}
	return list
}

// sameDevice reports whether two existing paths are on one file system.
func sameDevice(t *testing.T, a, b string) bool {
	t.Helper()
	var sa, sb fs.FileInfo
	var err error
	if sa, err = os.Stat(a); err != nil {
		t.Fatal(err)
	}
	if sb, err = os.Stat(b); err != nil {
		t.Fatal(err)
	}
	return deviceOf(sa) == deviceOf(sb)
}

// writeTree creates files (path → content; a trailing "/" makes a
// directory) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(root, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot describes every entry under root (name, type, mode, size,
// content hash, link target and, with times, mtime) so that two snapshots
// are equal only if nothing changed.
func snapshot(t *testing.T, root string, times bool) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v size=%d", rel, info.Mode(), info.Size())
		if times && !info.IsDir() {
			line += fmt.Sprintf(" mtime=%d", info.ModTime().UnixNano())
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " sha256=" + hex.EncodeToString(sum[:8])
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", root, err)
	}
	return out
}

// diffSnapshots returns a description of the differences, "" if none.
func diffSnapshots(before, after []string) string {
	in := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	b, a := in(before), in(after)
	var d strings.Builder
	for _, l := range before {
		if !a[l] {
			fmt.Fprintf(&d, "- %s\n", l)
		}
	}
	for _, l := range after {
		if !b[l] {
			fmt.Fprintf(&d, "+ %s\n", l)
		}
	}
	return d.String()
}

// firstLines returns the first n lines of s (each with its newline).
func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

// deviceOf returns the device number in a FileInfo (Linux only).
func deviceOf(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Dev
	}
	return 0
}

// compareRuns reports a test error unless the elfloader run has the native
// run's status, stdout and stderr (elfloader's diagnostics dropped). It is
// CompareWithNative for programs whose arguments differ between the runs.
func compareRuns(t *testing.T, native, loaded testbin.Result) {
	t.Helper()
	if native.TimedOut {
		t.Fatalf("native run timed out; stdout:\n%s\nstderr:\n%s", native.Stdout, native.Stderr)
	}
	if loaded.TimedOut {
		t.Errorf("elfloader run timed out")
	}
	if loaded.Status != native.Status {
		t.Errorf("status: elfloader %d, native %d", loaded.Status, native.Status)
	}
	if loaded.Stdout != native.Stdout {
		t.Errorf("stdout differs\n%s", outputDiff(native.Stdout, loaded.Stdout))
	}
	if got := testbin.StripDiagnostics(loaded.Stderr); got != native.Stderr {
		t.Errorf("stderr differs (elfloader: lines dropped)\n%s", outputDiff(native.Stderr, got))
	}
	if t.Failed() {
		t.Logf("elfloader stderr:\n%s", loaded.Stderr)
	}
	assertNoPanic(t, loaded.Stderr)
}

// outputDiff lists the lines only one side printed, in order.
func outputDiff(native, loaded string) string {
	return diffSnapshots(strings.Split(native, "\n"), strings.Split(loaded, "\n"))
}
