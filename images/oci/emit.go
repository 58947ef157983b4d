package oci

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/elfloader/elfloader/images"
)

// emit streams the merged tree (pass 2): directories, then symlinks, then
// files in layer order, each file followed by its other hard-linked names.
func (t *mergedTree) emit(ctx context.Context, store blobStore, layers []layerRef, fn images.WalkFunc) error {
	for _, hdr := range t.dirs {
		if err := fn(hdr, nil); err != nil {
			return err
		}
	}
	for _, hdr := range t.symlinks {
		if err := fn(hdr, nil); err != nil {
			return err
		}
	}
	for i := range layers {
		if len(t.wanted[i]) == 0 {
			continue
		}
		if err := t.emitLayer(ctx, store, &layers[i], t.wanted[i], fn); err != nil {
			return err
		}
	}
	return nil
}

func (t *mergedTree) emitLayer(ctx context.Context, store blobStore, ref *layerRef, wanted map[int]*inode, fn images.WalkFunc) error {
	ls, err := openLayer(store, ref, false)
	if err != nil {
		return err
	}
	defer ls.Close()
	left := len(wanted)
	for ordinal := 0; left > 0; ordinal++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		th, err := ls.next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("layer %s changed since it was scanned: it ends before entry %d", ref.label(), ordinal)
		}
		if err != nil {
			return err
		}
		ino := wanted[ordinal]
		if ino == nil {
			continue
		}
		left--
		if name, _ := cleanEntryName(th.Name); name != ino.srcName || th.Size != ino.hdr.Size {
			return fmt.Errorf("layer %s changed since it was scanned: entry %d is %q", ref.label(), ordinal, th.Name)
		}
		hdr := ino.hdr
		hdr.Path = ino.names[0]
		hdr.Nlink = uint32(len(ino.names))
		if err := fn(hdr, ls.tar); err != nil {
			return err
		}
		for _, name := range ino.names[1:] {
			link := hdr
			link.Path, link.Kind, link.Size, link.Linkname = name, images.KindHardlink, 0, ino.names[0]
			if err := fn(link, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
