package images

import (
	"fmt"
	"io"
)

// Sink receives a root filesystem entry by entry, parents before children.
//
// File's content yields exactly hdr.Size bytes and is valid only during the
// call. Hardlink's target is the Path of an entry delivered earlier.
// A sink replaces a non-directory that already exists at hdr.Path (archives
// written by other cpio tools may deliver a hard-link group's data on its
// last name, after its other names were delivered as empty files).
type Sink interface {
	Dir(hdr Header) error
	File(hdr Header, content io.Reader) error
	Symlink(hdr Header, target string) error
	Hardlink(hdr Header, target string) error
}

func deliver(dst Sink, hdr Header, content io.Reader) error {
	var err error
	switch hdr.Kind {
	case KindDir:
		err = dst.Dir(hdr)
	case KindFile:
		err = dst.File(hdr, content)
	case KindSymlink:
		err = dst.Symlink(hdr, hdr.Linkname)
	case KindHardlink:
		err = dst.Hardlink(hdr, hdr.Linkname)
	default:
		err = fmt.Errorf("unknown kind %v", hdr.Kind)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", hdr.Path, err)
	}
	return nil
}
