package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/elfloader/elfloader/images"
)

// largeImage is the image of the boot-large-image and rss-large-image
// workloads: busybox and largeImageBytes of other files, the size of a
// distribution's /usr, so that booting shows whether it reads only what
// the app opens.
// It is kept between runs (writing it takes tens of seconds): the version
// in its name changes whenever its content does.
const largeImage = "/var/tmp/elfloader-bench-large/large-v2.img"

const (
	largeImageBytes = 2 << 30
	largeFileBytes  = 4 << 20
)

// largeImageOnce makes the image at most once per benchall run, for both
// workloads, unless an earlier run left a valid one.
var largeImageOnce = sync.OnceValue(func() error {
	if img, err := images.Open(largeImage); err == nil {
		img.Close()
		return nil
	}
	return writeLargeImage(context.Background())
})

// packLargeImage makes largeImage if it is not there. Its cleanup leaves the
// image for the next run (remove /var/tmp/elfloader-bench-large to get the
// space back).
func packLargeImage(context.Context, string) (func(), error) {
	if err := largeImageOnce(); err != nil {
		return nil, fmt.Errorf("boot-large-image: %w", err)
	}
	return func() {}, nil
}

// writeLargeImage writes the tree (busybox and files of text-like bytes,
// compressible about as much as programs and libraries) and packs it with
// the fastest compression, then removes the tree.
func writeLargeImage(ctx context.Context) error {
	dir := filepath.Dir(largeImage)
	os.RemoveAll(dir)
	tree := filepath.Join(dir, "tree")
	defer os.RemoveAll(tree)
	if err := os.MkdirAll(filepath.Join(tree, "bin"), 0o755); err != nil {
		return err
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tree, "bin", "busybox"), bb, 0o755); err != nil {
		return err
	}
	buf := make([]byte, largeFileBytes)
	state := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < largeImageBytes/largeFileBytes; i++ {
		sub := filepath.Join(tree, "usr", "share", fmt.Sprintf("d%02d", i%32))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		for j := range buf {
			// xorshift64, folded onto four letters (two bits of entropy
			// a byte: zstd's fastest level keeps about a third).
			state ^= state << 13
			state ^= state >> 7
			state ^= state << 17
			buf[j] = 'a' + byte(state>>62)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%04d", i)), buf, 0o644); err != nil {
			return err
		}
	}
	cfg := images.Config{Entrypoint: []string{"/bin/busybox"}, Env: []string{"PATH=/bin"}}
	src := images.NewDirSource(tree, images.DirOptions{SquashOwners: true})
	return images.WriteFile(ctx, largeImage, cfg, src, images.WriteOptions{Compression: images.CompressionFastest})
}
