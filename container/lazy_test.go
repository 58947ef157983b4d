package container

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// TestLazyImageRoot boots a root filesystem from an indexed image: the
// tree (directories, symlinks, hard links, sizes) comes from the index
// without decompressing anything, and opening one file decompresses only
// the frames that hold it.
func TestLazyImageRoot(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: four or five frames
	src := memSource{
		entry(".", images.KindDir, 0o755, "", ""),
		entry("etc", images.KindDir, 0o755, "", ""),
		entry("etc/hostname", images.KindFile, 0o644, "box\n", ""),
		entry("big1", images.KindFile, 0o644, big, ""),
		entry("big2", images.KindFile, 0o600, strings.ToUpper(big), ""),
		entry("big3", images.KindFile, 0o644, big[1:], ""),
		entry("hard", images.KindHardlink, 0o644, "", "etc/hostname"),
		entry("link", images.KindSymlink, 0o777, "", "etc/hostname"),
	}
	path := filepath.Join(t.TempDir(), "app.img")
	if err := images.WriteFile(context.Background(), path, images.Config{}, src, images.WriteOptions{Compression: images.CompressionFastest}); err != nil {
		t.Fatal(err)
	}
	img, err := images.OpenWithOptions(path, images.OpenOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	ctx, err := unpackLazy(img, ramfs.New(ramfs.Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	read, total := img.FramesRead()
	if read != 0 || total < 12 {
		t.Fatalf("after building the tree: %d of %d frames read, want 0 of at least 12", read, total)
	}
	st, err := vfs.StatAt(ctx, ctx.Root, "/big2", 0)
	if err != nil || st.Size != int64(len(big)) || st.Mode&0o777 != 0o600 {
		t.Fatalf("stat /big2: %+v, %v", st, err)
	}
	if got := readGuest(t, ctx, "/big2"); got != strings.ToUpper(big) {
		t.Fatalf("/big2: %d bytes, not the image's", len(got))
	}
	if read, _ := img.FramesRead(); read < 4 || read > 6 {
		t.Fatalf("reading /big2 (1 MiB) decompressed %d of %d frames", read, total)
	}
	if got := readGuest(t, ctx, "/link") + readGuest(t, ctx, "/hard"); got != "box\nbox\n" {
		t.Fatalf("symlink and hard link read %q", got)
	}
	if read, _ := img.FramesRead(); read > 7 {
		t.Fatalf("after small files: %d of %d frames read", read, total)
	}
}
