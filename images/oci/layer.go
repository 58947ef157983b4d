package oci

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"

	"github.com/elfloader/elfloader/images"
	"github.com/klauspost/compress/zstd"
)

// layerRef locates one layer blob and what it must hash to.
type layerRef struct {
	name      string // blob name in the store
	mediaType string // "" when the format does not say (docker save)
	digest    string // expected digest of the blob as stored, "" if unknown
	size      int64  // expected blob size, -1 if unknown
	diffID    string // expected digest of the uncompressed tar, "" if unknown
}

// label names the layer in errors.
func (l *layerRef) label() string {
	switch {
	case l.digest != "":
		return l.digest
	case l.diffID != "":
		return l.diffID
	}
	return l.name
}

// layerStream is an open layer: a tar reader over the decompressed blob,
// hashing both the blob and the tar as they stream.
type layerStream struct {
	ref      *layerRef
	raw      io.ReadCloser
	rawHash  hash.Hash
	rawBytes *countReader
	buffered *bufio.Reader
	decomp   io.Reader
	closeDec func()
	diffHash hash.Hash
	tar      *tar.Reader
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openLayer opens a layer; with hashing off (the second pass, which stops
// early) verify must not be called.
func openLayer(store blobStore, ref *layerRef, hashing bool) (*layerStream, error) {
	if ref.mediaType != "" && !layerMediaTypes[ref.mediaType] {
		return nil, unsupportedMediaType("layer", ref.mediaType, ref.digest)
	}
	raw, err := store.open(ref.name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("layer %s: blob missing from the image", ref.label())
		}
		return nil, fmt.Errorf("layer %s: %w", ref.label(), err)
	}
	s := &layerStream{ref: ref, raw: raw, rawHash: sha256.New(), diffHash: sha256.New(), closeDec: func() {}}
	if !hashing {
		s.rawHash, s.diffHash = discardHash{}, discardHash{}
	}
	s.rawBytes = &countReader{r: io.TeeReader(raw, s.rawHash)}
	s.buffered = bufio.NewReaderSize(s.rawBytes, 64<<10)
	magic, _ := s.buffered.Peek(4)
	switch {
	case isGzip(magic):
		zr, err := gzip.NewReader(s.buffered)
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("layer %s: gzip: %w", ref.label(), err)
		}
		s.decomp = zr
	case isZstd(magic):
		zr, err := zstd.NewReader(s.buffered, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(images.MaxZstdWindow))
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("layer %s: zstd: %w", ref.label(), err)
		}
		s.decomp, s.closeDec = zr, zr.Close
	default:
		s.decomp = s.buffered
	}
	s.tar = tar.NewReader(io.TeeReader(s.decomp, s.diffHash))
	return s, nil
}

// next returns the next tar header, wrapping decompression errors.
func (s *layerStream) next() (*tar.Header, error) {
	hdr, err := s.tar.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, s.corrupt(err)
	}
	return hdr, err
}

func (s *layerStream) corrupt(err error) error {
	return fmt.Errorf("layer %s: corrupt or truncated: %w", s.ref.label(), err)
}

// verify reads the rest of the blob and checks its digests and size.
func (s *layerStream) verify() error {
	// The tar reader stops at the end-of-archive marker; hash what follows.
	if _, err := io.Copy(io.Discard, io.TeeReader(s.decomp, s.diffHash)); err != nil {
		return s.corrupt(err)
	}
	if _, err := io.Copy(io.Discard, s.buffered); err != nil {
		return fmt.Errorf("layer %s: %w", s.ref.label(), err)
	}
	if s.ref.digest != "" {
		if got := "sha256:" + hex.EncodeToString(s.rawHash.Sum(nil)); got != s.ref.digest {
			return fmt.Errorf("digest mismatch for layer %s (content is %s)", s.ref.digest, got)
		}
	}
	if s.ref.size >= 0 && s.rawBytes.n != s.ref.size {
		return fmt.Errorf("size mismatch for layer %s: %d bytes, descriptor says %d", s.ref.label(), s.rawBytes.n, s.ref.size)
	}
	if s.ref.diffID != "" {
		if got := "sha256:" + hex.EncodeToString(s.diffHash.Sum(nil)); got != s.ref.diffID {
			return fmt.Errorf("digest mismatch for layer %s: uncompressed content is %s, config diff_id says %s",
				s.ref.label(), got, s.ref.diffID)
		}
	}
	return nil
}

func (s *layerStream) Close() error {
	s.closeDec()
	return s.raw.Close()
}

// discardHash stands in for a hash that nobody will read.
type discardHash struct{}

func (discardHash) Write(p []byte) (int, error) { return len(p), nil }
func (discardHash) Sum(b []byte) []byte         { return b }
func (discardHash) Reset()                      {}
func (discardHash) Size() int                   { return 0 }
func (discardHash) BlockSize() int              { return 1 }
