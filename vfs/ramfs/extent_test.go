package ramfs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

// TestExtentContent: a file whose bytes are a page-aligned range of a host
// file reads from it, maps privately from it (within its pages), and is
// copied into its own memory before a write, which leaves the host file
// as it was; a failing open is EIO.
func TestExtentContent(t *testing.T) {
	for _, size := range []int{5000, ramfs.SmallFileMax + 5000} { // into Go memory, into a memfd
		ctx := setup(t)
		host := filepath.Join(t.TempDir(), "image")
		want := bytes.Repeat([]byte("extent!"), size/7+1)[:size]
		img := append(bytes.Repeat([]byte{0xee}, 8192), want...)
		img = append(img, bytes.Repeat([]byte{0xff}, 3*4096)...) // the next file's bytes
		must(t, os.WriteFile(host, img, 0o644))
		hf, err := os.Open(host)
		must(t, err)
		defer hf.Close()

		must(t, vfs.MknodAt(ctx, ctx.Root, "/f", unix.S_IFREG|0o755, 0))
		loc, err := vfs.ResolveAt(ctx, ctx.Root, "/f", 0)
		must(t, err)
		fail := true
		must(t, loc.Inode().(*ramfs.Inode).SetExtentContent(int64(size), func() (ramfs.Extent, error) {
			if fail {
				return ramfs.Extent{}, errors.New("bad crc")
			}
			return ramfs.Extent{FD: int(hf.Fd()), Off: 8192}, nil
		}))
		if _, err := vfs.OpenAt(ctx, ctx.Root, "/f", vfs.OpenHow{Flags: unix.O_RDONLY}); !errors.Is(err, unix.EIO) {
			t.Fatalf("open with a failing check: %v, want EIO", err)
		}
		fail = false
		f, err := vfs.OpenAt(ctx, ctx.Root, "/f", vfs.OpenHow{Flags: unix.O_RDWR})
		must(t, err)
		got := make([]byte, size+10)
		k, err := f.Pread(context.Background(), got, 0)
		if err != nil || !bytes.Equal(got[:k], want) {
			t.Fatalf("size %d: read %d bytes, %v", size, k, err)
		}
		pages := int64((size + 4095) &^ 4095)
		if fd, base, end, ok := f.PrivateMapFD(0, pages); !ok || fd != int(hf.Fd()) || base != 8192 || end != pages {
			t.Fatalf("PrivateMapFD = %d, %d, %d, %v; want the host file at 8192, its pages ending at %d", fd, base, end, ok, pages)
		}
		// Past the file's pages the mapping must fault (SIGBUS), not show
		// the host file's next bytes, which belong to something else: end
		// tells the caller where to stop.
		if fd, _, end, ok := f.PrivateMapFD(0, pages+4096); !ok || fd != int(hf.Fd()) || end != pages {
			t.Fatalf("PrivateMapFD past the file's pages = %d, end %d, %v; want the host file, end %d", fd, end, ok, pages)
		}
		if _, err := f.Pwrite(context.Background(), []byte("NEW"), 1); err != nil {
			t.Fatal(err)
		}
		k, _ = f.Pread(context.Background(), got, 0)
		if string(got[:4]) != "eNEW" || k != size {
			t.Fatalf("after a write: %q..., %d bytes", got[:4], k)
		}
		if fd, base, end, ok := f.PrivateMapFD(0, pages); !ok || fd == int(hf.Fd()) || base != 0 || end != -1 {
			t.Fatalf("after a write PrivateMapFD = %d, %d, %d, %v; want the file's memfd", fd, base, end, ok)
		}
		f.DecRef()
		if after, _ := os.ReadFile(host); !bytes.Equal(after, img) {
			t.Fatalf("the host file changed")
		}
	}
}
