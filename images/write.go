package images

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
)

// Compression selects the zstd level of the rootfs.
type Compression int

// Compression levels, from fastest to smallest output.
const (
	CompressionDefault Compression = iota
	CompressionFastest
	CompressionBetter
	CompressionBest
)

func (c Compression) zstdLevel() zstd.EncoderLevel {
	switch c {
	case CompressionFastest:
		return zstd.SpeedFastest
	case CompressionBetter:
		return zstd.SpeedBetterCompression
	case CompressionBest:
		return zstd.SpeedBestCompression
	}
	return zstd.SpeedDefault
}

// WriteOptions tune Write. The zero value is ready to use.
type WriteOptions struct {
	Compression Compression
	// Progress, if set, receives content bytes packed against the source's
	// ContentSize (-1 when the source is not a Sizer).
	Progress Progress
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// NoStore compresses ELF files with everything else instead of
	// storing them for mapping (format 1.2's stored files): the image is
	// then a 1.1 image, which older elfloaders read.
	NoStore bool
}

// Write writes an image: the header, cfg as JSON, then the entries of root as
// a zstd-compressed cpio archive, ELF files stored apart (format 1.2, unless
// opts.NoStore). w is written from its current offset, which becomes offset
// 0 of the image (stored files are page-aligned from there); Write seeks
// back to fill in the header.
func Write(ctx context.Context, w io.WriteSeeker, cfg Config, root FileSource, opts WriteOptions) error {
	base, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	cfgJSON, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("write image: encode config: %w", err)
	}
	hdr := fileHeader{
		Major: FormatMajor, Minor: 1, HeaderSize: HeaderSize, Flags: FlagRootfsZstd | FlagRootfsIndexed,
		ConfigOffset: HeaderSize, ConfigLength: uint64(len(cfgJSON)),
		ConfigSHA256: sha256.Sum256(cfgJSON),
	}
	hdr.RootfsOffset = hdr.ConfigOffset + hdr.ConfigLength
	// The header is written twice: zeroed first (an interrupted write leaves
	// a file that fails the magic check), complete at the end.
	if _, err := w.Write(make([]byte, HeaderSize)); err != nil {
		return fmt.Errorf("write image header: %w", err)
	}
	if _, err := w.Write(cfgJSON); err != nil {
		return fmt.Errorf("write image config: %w", err)
	}

	total := int64(-1)
	if s, ok := root.(Sizer); ok && opts.Progress != nil {
		if total, err = s.ContentSize(ctx); err != nil {
			return fmt.Errorf("write image: size the source: %w", err)
		}
	}
	digest := sha256.New()
	compressed := &countingWriter{w: io.MultiWriter(w, digest)}
	enc, err := newFrameWriter(compressed, opts.Compression.zstdLevel())
	if err != nil {
		return fmt.Errorf("write image: zstd: %w", err)
	}
	p := newPacker(enc, opts.Logger, newProgressCounter(opts.Progress, total))
	var entries []IndexEntry
	p.index = &entries
	if !opts.NoStore {
		if p.store, err = newStoreSpool(); err != nil {
			enc.Close()
			return fmt.Errorf("write image: %w", err)
		}
		defer p.store.close()
	}
	if err := root.Walk(ctx, p.add); err != nil {
		enc.Close()
		return fmt.Errorf("write image rootfs: %w", err)
	}
	if err := p.close(); err != nil {
		enc.Close()
		return fmt.Errorf("write image rootfs: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write image rootfs: zstd: %w", err)
	}
	p.progress.finish()

	hdr.RootfsLength = uint64(compressed.n)
	hdr.RootfsRawSize = uint64(p.cw.Written())
	hdr.Entries = p.entries
	copy(hdr.RootfsSHA256[:], digest.Sum(nil))
	hdr.IndexOffset = hdr.RootfsOffset + hdr.RootfsLength
	var stored *storedSection
	if p.store != nil && len(p.store.files) > 0 {
		if stored, err = writeStored(w, p.store, hdr.IndexOffset); err != nil {
			return fmt.Errorf("write image stored files: %w", err)
		}
		hdr.Flags |= FlagStoredFiles
		hdr.Minor = 2
		hdr.IndexOffset = stored.off + stored.length
	}
	index := marshalIndex(enc.frames, entries, stored)
	if _, err := w.Write(index); err != nil {
		return fmt.Errorf("write image index: %w", err)
	}
	hdr.IndexLength = uint64(len(index))
	end := base + int64(hdr.IndexOffset+hdr.IndexLength)
	if _, err := w.Seek(base, io.SeekStart); err != nil {
		return fmt.Errorf("write image header: %w", err)
	}
	if _, err := w.Write(hdr.marshal()); err != nil {
		return fmt.Errorf("write image header: %w", err)
	}
	if _, err := w.Seek(end, io.SeekStart); err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	return nil
}

// writeStored writes the data section of stored files at the first page
// boundary from end (where the rootfs ends, relative to the image's
// start): zeros up to it, then the spooled files.
func writeStored(w io.Writer, s *storeSpool, end uint64) (*storedSection, error) {
	off := pageUp(end)
	if _, err := w.Write(make([]byte, off-end)); err != nil {
		return nil, err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	n, err := io.Copy(w, s.f)
	if err != nil {
		return nil, err
	}
	if uint64(n) != s.n {
		return nil, fmt.Errorf("spool holds %d bytes, want %d", n, s.n)
	}
	st := &storedSection{off: off, length: s.n, files: s.files}
	copy(st.sha[:], s.sha.Sum(nil))
	return st, nil
}

// WriteFile writes an image to path atomically: into a temporary file in the
// same directory, renamed over path on success.
func WriteFile(ctx context.Context, path string, cfg Config, root FileSource, opts WriteOptions) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Write(ctx, f, cfg, root, opts); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

var errShortContent = errors.New("content shorter than the size in its header")
