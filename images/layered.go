package images

import (
	"context"
	"fmt"
	"io"
)

// PrefixSource places another source's tree under a directory.
type PrefixSource struct {
	Src    FileSource
	Prefix string // clean, relative; "." for the root
}

func (s *PrefixSource) join(p string) string {
	if s.Prefix == "." {
		return p
	}
	if p == "." {
		return s.Prefix
	}
	return s.Prefix + "/" + p
}

// Walk implements FileSource.
func (s *PrefixSource) Walk(ctx context.Context, fn WalkFunc) error {
	return s.Src.Walk(ctx, func(hdr Header, content io.Reader) error {
		hdr.Path = s.join(hdr.Path)
		if hdr.Kind == KindHardlink {
			hdr.Linkname = s.join(hdr.Linkname)
		}
		return fn(hdr, content)
	})
}

// ContentSize implements Sizer.
func (s *PrefixSource) ContentSize(ctx context.Context) (int64, error) {
	if sz, ok := s.Src.(Sizer); ok {
		return sz.ContentSize(ctx)
	}
	return -1, nil
}

// LayeredSource stacks sources: an entry of a later layer replaces the
// entry at the same path in earlier layers; directories merge (the first
// one's metadata wins). A first pass over the headers finds which layer
// owns each path; the second streams the owners' entries.
type LayeredSource struct {
	Layers []FileSource
}

// Walk implements FileSource.
func (s *LayeredSource) Walk(ctx context.Context, fn WalkFunc) error {
	owner := map[string]int{} // path → last layer holding a non-directory there
	for i, l := range s.Layers {
		err := l.Walk(ctx, func(hdr Header, _ io.Reader) error {
			if hdr.Kind == KindDir {
				delete(owner, hdr.Path)
			} else {
				owner[hdr.Path] = i
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	emitted := map[string]bool{} // paths delivered (directories and files)
	for i, l := range s.Layers {
		err := l.Walk(ctx, func(hdr Header, content io.Reader) error {
			if hdr.Kind == KindDir {
				if o, ok := owner[hdr.Path]; ok && o > i || emitted[hdr.Path] {
					return nil
				}
				emitted[hdr.Path] = true
				return fn(hdr, content)
			}
			if o, ok := owner[hdr.Path]; !ok || o != i {
				return nil
			}
			if hdr.Kind == KindHardlink && !emitted[hdr.Linkname] {
				return fmt.Errorf("%s: hard link to %s, which a later source replaced", hdr.Path, hdr.Linkname)
			}
			emitted[hdr.Path] = true
			return fn(hdr, content)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ContentSize implements Sizer (an upper bound: replaced files
// count too).
func (s *LayeredSource) ContentSize(ctx context.Context) (int64, error) {
	var total int64
	for _, l := range s.Layers {
		sz, ok := l.(Sizer)
		if !ok {
			return -1, nil
		}
		n, err := sz.ContentSize(ctx)
		if err != nil || n < 0 {
			return -1, err
		}
		total += n
	}
	return total, nil
}
