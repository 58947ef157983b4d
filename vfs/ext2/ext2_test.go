package ext2_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ext2"
)

// image builds an ext2 image of files with mke2fs -d (e2fsprogs).
func image(t *testing.T, blockSize string, files map[string]string) string {
	t.Helper()
	mke2fs, err := exec.LookPath("mke2fs")
	if err != nil {
		t.Skip("mke2fs (e2fsprogs) is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(data, "->") {
			err = os.Symlink(data[2:], p)
		} else {
			err = os.WriteFile(p, []byte(data), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(dir, "img")
	if out, err := exec.Command(mke2fs, "-q", "-F", "-t", "ext2", "-b", blockSize, "-d", src, img, "4096").CombinedOutput(); err != nil {
		t.Fatalf("mke2fs: %v\n%s", err, out)
	}
	return img
}

func TestReadImage(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 20000) // 320 KB: double indirect with 1 KiB blocks
	long := "/" + strings.Repeat("x", 100)
	for _, bs := range []string{"1024", "4096"} {
		t.Run(bs, func(t *testing.T) {
			img := image(t, bs, map[string]string{"hello.txt": "hello\n", "dir/n.txt": "nested", "big": big,
				"link": "->hello.txt", "longlink": "->" + long})
			f, err := os.Open(img)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fs, err := ext2.New(f, 7)
			if err != nil {
				t.Fatal(err)
			}
			v, err := vfs.New(fs, vfs.MountOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := v.NewContext()
			read := func(p string) string {
				t.Helper()
				file, err := vfs.OpenAt(ctx, ctx.Root, p, vfs.OpenHow{Flags: unix.O_RDONLY})
				if err != nil {
					t.Fatalf("open %s: %v", p, err)
				}
				defer file.DecRef()
				var buf bytes.Buffer
				chunk := make([]byte, 7000)
				for {
					n, err := file.Read(t.Context(), chunk)
					buf.Write(chunk[:n])
					if n == 0 || err != nil {
						return buf.String()
					}
				}
			}
			if got := read("/hello.txt"); got != "hello\n" {
				t.Errorf("hello.txt = %q", got)
			}
			if got := read("/dir/n.txt"); got != "nested" {
				t.Errorf("dir/n.txt = %q", got)
			}
			if got := read("/big"); got != big {
				t.Errorf("big: %d bytes, want %d", len(got), len(big))
			}
			if got := read("/link"); got != "hello\n" {
				t.Errorf("link = %q", got)
			}
			if target, err := vfs.ReadlinkAt(ctx, ctx.Root, "/longlink"); err != nil || target != long {
				t.Errorf("longlink = %q, %v", target, err)
			}
			if _, err := vfs.OpenAt(ctx, ctx.Root, "/new", vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT, Mode: 0o644}); err != unix.EROFS {
				t.Errorf("create: %v, want EROFS", err)
			}
			if _, err := vfs.StatAt(ctx, ctx.Root, "/missing", 0); err != unix.ENOENT {
				t.Errorf("missing: %v, want ENOENT", err)
			}
		})
	}
}

func TestNotExt2(t *testing.T) {
	if _, err := ext2.New(bytes.NewReader(make([]byte, 8192)), 0); err == nil {
		t.Fatal("a zeroed image mounted")
	}
}

// TestCorruptImages walks images with bytes of their metadata changed:
// errors are fine, panics and endless loops are not.
func TestCorruptImages(t *testing.T) {
	img := image(t, "1024", map[string]string{"a": "x", "d/b": strings.Repeat("y", 70000), "l": "->a"})
	orig, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		data := bytes.Clone(orig)
		for range 1 + rng.IntN(8) {
			off := 1024 + rng.IntN(64*1024) // the superblock, descriptors, bitmaps and inode tables
			data[off] = byte(rng.Uint32())
		}
		fs, err := ext2.New(bytes.NewReader(data), 0)
		if err != nil {
			continue
		}
		v, err := vfs.New(fs, vfs.MountOptions{})
		if err != nil {
			continue
		}
		walk(v.NewContext(), "/", 0)
	}
}

// walk reads every file and directory below p, to a bounded depth.
func walk(ctx *vfs.Context, p string, depth int) {
	if depth > 4 {
		return
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, p, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		return
	}
	defer f.DecRef()
	buf := make([]byte, 8192)
	for range 16 {
		if n, err := f.Read(context.Background(), buf); n == 0 || err != nil {
			break
		}
	}
	var names []string
	if dr, ok := f.Impl().(vfs.DirReader); ok {
		dr.ReadDir(0, func(e vfs.DirEntry) bool {
			names = append(names, e.Name)
			return len(names) < 64
		})
	}
	for _, name := range names {
		if name != "." && name != ".." && !strings.Contains(name, "/") && name != "" {
			vfs.ReadlinkAt(ctx, ctx.Root, path.Join(p, name))
			walk(ctx, path.Join(p, name), depth+1)
		}
	}
}
