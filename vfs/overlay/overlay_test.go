package overlay_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/hostfs"
	"github.com/elfloader/elfloader/vfs/overlay"
	"golang.org/x/sys/unix"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot describes every entry of a host tree: type, mode, size,
// mtime, symlink target and contents.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("%s mode=%o size=%d mtime=%d.%d nlink=%d", p, st.Mode, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Nlink)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += " data=" + string(b)
		}
		lines = append(lines, line)
		return nil
	})
	must(t, err)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func lowerTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "etc/conf.d"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "var/empty"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "gone/deep"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "gone/deep/x"), []byte("x"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "etc/hosts"), []byte("127.0.0.1 localhost\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "etc/conf.d/a"), []byte("a"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "etc/conf.d/b"), []byte("b"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat("0123456789", 300000)), 0o644))
	must(t, os.Symlink("hosts", filepath.Join(dir, "etc/hostlink")))
	return dir
}

func newOverlay(t *testing.T, dir string) *vfs.Context {
	t.Helper()
	lower, err := hostfs.New(dir, hostfs.Options{})
	must(t, err)
	ov, err := overlay.New(lower, overlay.Options{Dev: 42})
	must(t, err)
	v, err := vfs.New(ov, vfs.MountOptions{})
	must(t, err)
	return v.NewContext()
}

func read(t *testing.T, ctx *vfs.Context, path string) (string, error) {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		return "", err
	}
	defer f.DecRef()
	var sb strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := f.Read(context.Background(), buf)
		if err != nil {
			return "", err
		}
		if n == 0 {
			return sb.String(), nil
		}
		sb.Write(buf[:n])
	}
}

func list(t *testing.T, ctx *vfs.Context, path string) []string {
	t.Helper()
	d, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	must(t, err)
	defer d.DecRef()
	var names []string
	buf := make([]byte, 256)
	for {
		n, err := d.Getdents64(buf)
		must(t, err)
		if n == 0 {
			break
		}
		for _, e := range vfs.ParseDirents64(buf[:n]) {
			if e.Name != "." && e.Name != ".." {
				names = append(names, e.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

func write(t *testing.T, ctx *vfs.Context, path string, flags int, data string) {
	t.Helper()
	f, err := vfs.OpenAt(ctx, ctx.Root, path, vfs.OpenHow{Flags: unix.O_WRONLY | flags, Mode: 0o644})
	must(t, err)
	defer f.DecRef()
	_, err = f.Write(context.Background(), []byte(data))
	must(t, err)
}

func TestLowerNeverModified(t *testing.T) {
	dir := lowerTree(t)
	before := snapshot(t, dir)
	ctx := newOverlay(t, dir)
	r := ctx.Root

	// Reads fall through.
	got, err := read(t, ctx, "/etc/hostlink")
	must(t, err)
	if got != "127.0.0.1 localhost\n" {
		t.Fatalf("read through = %q", got)
	}
	st0, err := vfs.StatAt(ctx, r, "/etc/hosts", 0)
	must(t, err)

	// Writes copy up, keeping the inode number and attributes.
	write(t, ctx, "/etc/hosts", unix.O_APPEND, "10.0.0.1 other\n")
	got, _ = read(t, ctx, "/etc/hosts")
	if got != "127.0.0.1 localhost\n10.0.0.1 other\n" {
		t.Fatalf("after append = %q", got)
	}
	st1, err := vfs.StatAt(ctx, r, "/etc/hosts", 0)
	must(t, err)
	if st1.Ino != st0.Ino || st1.Mode != st0.Mode || st1.Dev != 42 {
		t.Fatalf("copy-up changed identity: %+v vs %+v", st1, st0)
	}
	write(t, ctx, "/big", 0, "X") // large copy-up, overwrite first byte
	got, _ = read(t, ctx, "/big")
	if len(got) != 3000000 || got[:3] != "X12" {
		t.Fatalf("big copy-up: len %d prefix %q", len(got), got[:3])
	}
	must(t, vfs.TruncateAt(ctx, r, "/etc/conf.d/b", 0))

	// New files, dirs, chmod, chown, utimens, rename, link, delete.
	must(t, vfs.MkdirAt(ctx, r, "/etc/new", 0o755))
	write(t, ctx, "/etc/new/f", unix.O_CREAT, "new")
	must(t, vfs.ChmodAt(ctx, r, "/etc/conf.d/a", 0o644, 0))
	must(t, vfs.ChownAt(ctx, r, "/etc/conf.d/a", 1000, 1000, 0))
	must(t, vfs.UtimensAt(ctx, r, "/var/empty", nil, 0))
	must(t, vfs.RenameAt(ctx, r, "/etc/conf.d/a", r, "/etc/a-moved", 0))
	must(t, vfs.LinkAt(ctx, r, "/etc/hostlink", r, "/hl", 0))
	must(t, vfs.UnlinkAt(ctx, r, "/etc/conf.d/b", 0))
	must(t, vfs.UnlinkAt(ctx, r, "/etc/conf.d", unix.AT_REMOVEDIR))
	must(t, vfs.UnlinkAt(ctx, r, "/gone/deep/x", 0))
	must(t, vfs.UnlinkAt(ctx, r, "/gone/deep", unix.AT_REMOVEDIR))
	must(t, vfs.SymlinkAt(ctx, "etc", r, "/etclink"))

	// The overlay view.
	if names := list(t, ctx, "/etc"); strings.Join(names, ",") != "a-moved,hostlink,hosts,new" {
		t.Fatalf("/etc = %v", names)
	}
	if names := list(t, ctx, "/gone"); len(names) != 0 {
		t.Fatalf("/gone = %v", names)
	}
	if _, err := vfs.StatAt(ctx, r, "/etc/conf.d", 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("removed dir: %v", err)
	}
	st, err := vfs.StatAt(ctx, r, "/etc/a-moved", 0)
	must(t, err)
	if st.Mode&0o777 != 0o644 || st.UID != 1000 {
		t.Fatalf("moved file attrs: mode %o uid %d", st.Mode, st.UID)
	}
	if got, _ := read(t, ctx, "/etc/a-moved"); got != "a" {
		t.Fatalf("moved file = %q", got)
	}
	// A directory recreated over a whiteout is opaque: the lower's
	// contents do not come back.
	must(t, vfs.MkdirAt(ctx, r, "/etc/conf.d", 0o755))
	if names := list(t, ctx, "/etc/conf.d"); len(names) != 0 {
		t.Fatalf("recreated dir shows %v", names)
	}
	if _, err := vfs.StatAt(ctx, r, "/etc/conf.d/b", 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("lower file visible through opaque dir: %v", err)
	}
	// Renaming a lower directory is refused like overlayfs without
	// redirect_dir.
	if err := vfs.RenameAt(ctx, r, "/var", r, "/var2", 0); !errors.Is(err, unix.EXDEV) {
		t.Fatalf("rename lower dir: %v", err)
	}
	if err := vfs.UnlinkAt(ctx, r, "/etc", unix.AT_REMOVEDIR); !errors.Is(err, unix.ENOTEMPTY) {
		t.Fatalf("rmdir merged non-empty: %v", err)
	}

	if after := snapshot(t, dir); after != before {
		t.Fatalf("lower directory changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestWhiteoutThenRecreateFile(t *testing.T) {
	dir := lowerTree(t)
	ctx := newOverlay(t, dir)
	r := ctx.Root
	must(t, vfs.UnlinkAt(ctx, r, "/etc/hosts", 0))
	if _, err := read(t, ctx, "/etc/hosts"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("whiteout: %v", err)
	}
	write(t, ctx, "/etc/hosts", unix.O_CREAT|unix.O_EXCL, "fresh")
	if got, _ := read(t, ctx, "/etc/hosts"); got != "fresh" {
		t.Fatalf("recreated = %q", got)
	}
	// Rename onto a lower file replaces it; the old name disappears.
	must(t, vfs.RenameAt(ctx, r, "/etc/hosts", r, "/big", 0))
	if got, _ := read(t, ctx, "/big"); got != "fresh" {
		t.Fatalf("renamed over = %q", got)
	}
	if _, err := read(t, ctx, "/etc/hosts"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("old name after rename: %v", err)
	}
}

// TestStatfs: the overlay's magic, the upper layer's free space, and the
// lower layer's used blocks counted as used.
func TestStatfs(t *testing.T) {
	dir := lowerTree(t)
	ctx := newOverlay(t, dir)
	st, err := vfs.StatfsAt(ctx, ctx.Root, "/")
	must(t, err)
	var host unix.Statfs_t
	must(t, unix.Statfs(dir, &host))
	if st.Type != unix.OVERLAYFS_SUPER_MAGIC {
		t.Errorf("f_type %#x", st.Type)
	}
	hostUsed := (host.Blocks - host.Bfree) * uint64(host.Frsize) / uint64(st.Frsize)
	// The host's disk is shared: allow what others write meanwhile.
	if used := st.Blocks - st.Bfree; used+used/100 < hostUsed || hostUsed+hostUsed/100 < used {
		t.Errorf("used blocks %d, want about the lower's %d", used, hostUsed)
	}
	if st.Bfree == 0 || st.Bavail != st.Bfree {
		t.Errorf("free %d, available %d: want the upper's free space", st.Bfree, st.Bavail)
	}
}

// TestLookupCacheFollowsLowerChanges: a path walked again hits the
// overlay's lookup cache, which still shows what the host changes in the
// lower layer (after hostfs's LookupTTL), and what the app changes
// through the overlay at once.
func TestLookupCacheFollowsLowerChanges(t *testing.T) {
	dir := lowerTree(t)
	ctx := newOverlay(t, dir)
	r := ctx.Root
	for range 3 {
		if got, err := read(t, ctx, "/etc/conf.d/a"); err != nil || got != "a" {
			t.Fatalf("read /etc/conf.d/a = %q, %v", got, err)
		}
	}
	// The host replaces a file and removes another behind the overlay.
	must(t, os.Remove(filepath.Join(dir, "etc/conf.d/a")))
	must(t, os.WriteFile(filepath.Join(dir, "etc/conf.d/a"), []byte("host's new a"), 0o600))
	must(t, os.Remove(filepath.Join(dir, "etc/conf.d/b")))
	time.Sleep(hostfs.LookupTTL + 100*time.Millisecond)
	if got, err := read(t, ctx, "/etc/conf.d/a"); err != nil || got != "host's new a" {
		t.Errorf("after the host replaced it: %q, %v", got, err)
	}
	if _, err := read(t, ctx, "/etc/conf.d/b"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("after the host removed it: %v, want ENOENT", err)
	}
	// Changes through the overlay show at once.
	must(t, vfs.UnlinkAt(ctx, r, "/etc/conf.d/a", 0))
	if _, err := read(t, ctx, "/etc/conf.d/a"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("after unlink: %v, want ENOENT", err)
	}
	write(t, ctx, "/etc/conf.d/a", unix.O_CREAT|unix.O_EXCL, "app's a")
	if got, err := read(t, ctx, "/etc/conf.d/a"); err != nil || got != "app's a" {
		t.Errorf("after create: %q, %v", got, err)
	}
	must(t, vfs.RenameAt(ctx, r, "/etc/conf.d/a", r, "/etc/moved", 0))
	if got, err := read(t, ctx, "/etc/moved"); err != nil || got != "app's a" {
		t.Errorf("after rename: %q, %v", got, err)
	}
	if _, err := read(t, ctx, "/etc/conf.d/a"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("old name after rename: %v, want ENOENT", err)
	}
	// A directory the app made, then the host made in the lower too:
	// the two merge, as a fresh lookup would show them.
	must(t, vfs.MkdirAt(ctx, r, "/newdir", 0o755))
	write(t, ctx, "/newdir/app", unix.O_CREAT, "")
	if got := list(t, ctx, "/newdir"); strings.Join(got, " ") != "app" {
		t.Errorf("new upper directory lists %v", got)
	}
	must(t, os.MkdirAll(filepath.Join(dir, "newdir"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "newdir/host"), nil, 0o644))
	time.Sleep(hostfs.LookupTTL + 100*time.Millisecond)
	if got := list(t, ctx, "/newdir"); strings.Join(got, " ") != "app host" {
		t.Errorf("merged directory lists %v, want app host", got)
	}
}

// BenchmarkOpenLowerFile opens and closes a lower file three directories
// deep, as a server opening the file it serves per request does.
func BenchmarkOpenLowerFile(b *testing.B) {
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "srv/www/site"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "srv/www/site/index.html"), []byte("page"), 0o644); err != nil {
		b.Fatal(err)
	}
	lower, err := hostfs.New(dir, hostfs.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ov, err := overlay.New(lower, overlay.Options{Dev: 42})
	if err != nil {
		b.Fatal(err)
	}
	v, err := vfs.New(ov, vfs.MountOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := v.NewContext()
	b.ReportAllocs()
	for b.Loop() {
		f, err := vfs.OpenAt(ctx, ctx.Root, "/srv/www/site/index.html", vfs.OpenHow{Flags: unix.O_RDONLY})
		if err != nil {
			b.Fatal(err)
		}
		f.DecRef()
	}
}

// TestPureLowerListing lists a directory that has no upper directory
// straight from the lower one: every entry once, "." and ".." with the
// overlay's inode numbers, also across a copy-up in the middle of the
// listing; a listing restarted at 0 then shows the merged directory.
func TestPureLowerListing(t *testing.T) {
	ctx := newOverlay(t, lowerTree(t))
	if got, want := list(t, ctx, "/etc"), []string{"conf.d", "hostlink", "hosts"}; !slices.Equal(got, want) {
		t.Fatalf("/etc lists %q, want %q", got, want)
	}
	etc, err := vfs.StatAt(ctx, ctx.Root, "/etc", 0)
	must(t, err)
	root, err := vfs.StatAt(ctx, ctx.Root, "/", 0)
	must(t, err)

	d, err := vfs.OpenAt(ctx, ctx.Root, "/etc", vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY})
	must(t, err)
	defer d.DecRef()
	seen := map[string]uint64{}
	readSome := func(size int) int {
		buf := make([]byte, size)
		n, err := d.Getdents64(buf)
		must(t, err)
		entries := vfs.ParseDirents64(buf[:n])
		for _, e := range entries {
			if _, dup := seen[e.Name]; dup {
				t.Errorf("%q listed twice", e.Name)
			}
			seen[e.Name] = e.Ino
		}
		return len(entries)
	}
	if readSome(40) != 1 {
		t.Fatal("a 40-byte buffer should take one entry")
	}
	write(t, ctx, "/etc/new", unix.O_CREAT, "n") // copies /etc up
	for readSome(256) > 0 {
	}
	if len(seen) != 5 || seen["."] != etc.Ino || seen[".."] != root.Ino {
		t.Errorf("listing across the copy-up: %v (want ., .., conf.d, hostlink, hosts; . = %d, .. = %d)", seen, etc.Ino, root.Ino)
	}
	if _, err := d.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	clear(seen)
	for readSome(256) > 0 {
	}
	if _, ok := seen["new"]; !ok || len(seen) != 6 {
		t.Errorf("after a rewind: %v, want the new file too", seen)
	}
	must(t, vfs.UnlinkAt(ctx, ctx.Root, "/etc/hosts", 0))
	if got, want := list(t, ctx, "/etc"), []string{"conf.d", "hostlink", "new"}; !slices.Equal(got, want) {
		t.Errorf("/etc lists %q after an unlink, want %q", got, want)
	}
	if got, want := list(t, ctx, "/var"), []string{"empty"}; !slices.Equal(got, want) {
		t.Errorf("/var lists %q, want %q", got, want)
	}
}
