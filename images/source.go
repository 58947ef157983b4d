package images

import (
	"context"
	"io"
)

// FileSource produces a root filesystem.
//
// Walk calls fn once per entry. Sources guarantee that a directory comes
// before anything inside it (missing parents are created by writers with mode
// 0755, owner 0:0) and that a hard link comes after the entry it names.
// The root directory, when the source has one, comes first with Path ".".
type FileSource interface {
	Walk(ctx context.Context, fn WalkFunc) error
}

// Sizer is implemented by sources that can tell the total content size in
// advance, for progress reporting.
type Sizer interface {
	ContentSize(ctx context.Context) (int64, error)
}

// Copy streams every entry of src into dst.
func Copy(ctx context.Context, dst Sink, src FileSource) error {
	return src.Walk(ctx, func(hdr Header, content io.Reader) error {
		return deliver(dst, hdr, content)
	})
}
