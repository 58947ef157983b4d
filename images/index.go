package images

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// The rootfs index of format 1.1 (FlagRootfsIndexed; docs/image-format.md):
// the rootfs is written as independent zstd frames of at most frameSize
// uncompressed bytes, and the index section lists the frames and every
// entry with the offset of its content in the uncompressed cpio stream. A
// reader builds the tree from the index alone and decompresses only the
// frames holding the files it reads; each frame carries zstd's checksum of
// its content (XXH64), which the decoder checks.

// frameSize is the uncompressed size of one rootfs frame.
const frameSize = 256 << 10

// indexMagic opens the index section.
const indexMagic = "ELFLDIDX"

// Limits a reader puts on an index before allocating for it.
const (
	maxIndexFrames  = 1 << 24
	maxIndexEntries = 1 << 24
	maxIndexName    = 4096
)

// ErrIndex reports a damaged rootfs index or frame.
var ErrIndex = errors.New("corrupt rootfs index")

// frame is one independently compressed piece of the rootfs.
type frame struct {
	cOff, cLen uint64 // in the rootfs section
	uOff, uLen uint64 // in the uncompressed cpio stream
}

// IndexEntry is one entry of an indexed image: its header and, for a
// KindFile, where its content starts in the uncompressed rootfs.
type IndexEntry struct {
	Header
	// dataOff is where the content starts: in the uncompressed rootfs, or
	// for a stored file (format 1.2) in the data section.
	dataOff uint64
	stored  bool   // the content is a stored extent (stored.go)
	crc     uint32 // the stored extent's CRC-32C
}

// frameWriter compresses what is written to it as independent zstd frames
// of frameSize bytes and records them.
type frameWriter struct {
	w      io.Writer
	enc    *zstd.Encoder
	buf    []byte
	cOff   uint64
	uOff   uint64
	frames []frame
}

func newFrameWriter(w io.Writer, level zstd.EncoderLevel) (*frameWriter, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, err
	}
	return &frameWriter{w: w, enc: enc, buf: make([]byte, 0, frameSize)}, nil
}

func (fw *frameWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), frameSize-len(fw.buf))
		fw.buf = append(fw.buf, p[:k]...)
		p = p[k:]
		if len(fw.buf) == frameSize {
			if err := fw.flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// flush writes the buffered bytes as one frame.
func (fw *frameWriter) flush() error {
	if len(fw.buf) == 0 {
		return nil
	}
	c := fw.enc.EncodeAll(fw.buf, nil)
	if _, err := fw.w.Write(c); err != nil {
		return err
	}
	fw.frames = append(fw.frames, frame{cOff: fw.cOff, cLen: uint64(len(c)), uOff: fw.uOff, uLen: uint64(len(fw.buf))})
	fw.cOff += uint64(len(c))
	fw.uOff += uint64(len(fw.buf))
	fw.buf = fw.buf[:0]
	return nil
}

// Close writes the last frame.
func (fw *frameWriter) Close() error {
	err := fw.flush()
	fw.enc.Close()
	return err
}

// marshalIndex encodes the index section: magic, frames, entries, then
// the SHA-256 of everything before it.
// A 1.2 index (stored != nil) has the stored-files part after the entries.
func marshalIndex(frames []frame, entries []IndexEntry, stored *storedSection) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	put := func(v any) { binary.Write(&b, le, v) }
	b.WriteString(indexMagic)
	put(uint32(len(frames)))
	for _, f := range frames {
		put([4]uint64{f.cOff, f.cLen, f.uOff, f.uLen})
	}
	put(uint32(len(entries)))
	for _, e := range entries {
		put(struct {
			Kind                 uint8
			Perm, UID, GID       uint32
			Mtime                int64
			Size                 int64
			Nlink                uint32
			DataOff              uint64
			NameLen, LinknameLen uint16
		}{uint8(e.Kind), e.Perm, e.UID, e.GID, unixSecondsOf(e.ModTime), e.Size, e.Nlink, e.dataOff, uint16(len(e.Path)), uint16(len(e.Linkname))})
		b.WriteString(e.Path)
		b.WriteString(e.Linkname)
	}
	if stored != nil {
		marshalStored(&b, stored)
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

func unixSecondsOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// indexReader decodes an index section with bounds checks.
type indexReader struct {
	b   []byte
	err error
}

func (r *indexReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("%w: truncated", ErrIndex)
		return make([]byte, max(n, 0))
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *indexReader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *indexReader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *indexReader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }

// unmarshalIndex checks and decodes an index section; rootfsLen and rawSize
// bound the frames. withStored (FlagStoredFiles) reads the stored-files
// part, which must start at or after sectionsEnd.
func unmarshalIndex(b []byte, rootfsLen, rawSize uint64, withStored bool, sectionsEnd uint64) ([]frame, []IndexEntry, *storedSection, error) {
	if len(b) < len(indexMagic)+32 || string(b[:len(indexMagic)]) != indexMagic {
		return nil, nil, nil, fmt.Errorf("%w: bad magic", ErrIndex)
	}
	body, sum := b[:len(b)-32], b[len(b)-32:]
	if sha256.Sum256(body) != [32]byte(sum) {
		return nil, nil, nil, fmt.Errorf("%w: checksum mismatch", ErrIndex)
	}
	r := &indexReader{b: body[len(indexMagic):]}
	n := r.u32()
	if n > maxIndexFrames || uint64(n)*32 > uint64(len(r.b)) {
		return nil, nil, nil, fmt.Errorf("%w: %d frames", ErrIndex, n)
	}
	frames := make([]frame, n)
	var cNext, uNext uint64
	for i := range frames {
		f := &frames[i]
		f.cOff, f.cLen, f.uOff, f.uLen = r.u64(), r.u64(), r.u64(), r.u64()
		if f.cOff != cNext || f.uOff != uNext || f.uLen == 0 || f.uLen > frameSize || f.cLen == 0 || f.cOff+f.cLen > rootfsLen {
			return nil, nil, nil, fmt.Errorf("%w: frame %d out of place", ErrIndex, i)
		}
		cNext, uNext = f.cOff+f.cLen, f.uOff+f.uLen
	}
	if cNext != rootfsLen || uNext != rawSize {
		return nil, nil, nil, fmt.Errorf("%w: frames cover %d of %d bytes", ErrIndex, cNext, rootfsLen)
	}
	m := r.u32()
	if m > maxIndexEntries || uint64(m)*45 > uint64(len(r.b)) {
		return nil, nil, nil, fmt.Errorf("%w: %d entries", ErrIndex, m)
	}
	entries := make([]IndexEntry, m)
	for i := range entries {
		e := &entries[i]
		e.Kind = Kind(r.take(1)[0])
		e.Perm, e.UID, e.GID = r.u32(), r.u32(), r.u32()
		e.ModTime = time.Unix(int64(r.u64()), 0).UTC()
		e.Size = int64(r.u64())
		e.Nlink = r.u32()
		e.dataOff = r.u64()
		nameLen, linkLen := int(r.u16()), int(r.u16())
		if nameLen > maxIndexName || linkLen > maxIndexName {
			return nil, nil, nil, fmt.Errorf("%w: entry %d: name too long", ErrIndex, i)
		}
		e.Path, e.Linkname = string(r.take(nameLen)), string(r.take(linkLen))
		if r.err != nil {
			return nil, nil, nil, r.err
		}
		if err := e.validate(); err != nil {
			return nil, nil, nil, fmt.Errorf("%w: entry %d: %v", ErrIndex, i, err)
		}
		if e.Kind == KindFile && e.Size < 0 {
			return nil, nil, nil, fmt.Errorf("%w: entry %d (%s): size %d", ErrIndex, i, e.Path, e.Size)
		}
	}
	var stored *storedSection
	if withStored {
		var err error
		if stored, err = unmarshalStored(r, entries, sectionsEnd); err != nil {
			return nil, nil, nil, err
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, nil, nil, fmt.Errorf("%w: %d bytes left over", ErrIndex, len(r.b))
	}
	for i, e := range entries {
		// Stored files were placed by unmarshalStored; the others' content
		// lies in the uncompressed rootfs.
		if e.Kind == KindFile && !e.stored && (e.dataOff+uint64(e.Size) > rawSize || e.dataOff+uint64(e.Size) < e.dataOff) {
			return nil, nil, nil, fmt.Errorf("%w: entry %d (%s): content outside the rootfs", ErrIndex, i, e.Path)
		}
	}
	return frames, entries, stored, nil
}

// frameCache decompresses the frames of an indexed image on demand and
// keeps the last few. The frames one read needs are decompressed in
// parallel (they are independent).
type frameCache struct {
	mu      sync.Mutex
	section *io.SectionReader
	frames  []frame
	dec     *zstd.Decoder // safe for concurrent DecodeAll
	recent  map[int][]byte
	order   []int
	reads   int // frames decompressed
}

// cachedFrames is how many decompressed frames a frameCache keeps.
const cachedFrames = 4

// pieces returns the n bytes of the uncompressed rootfs from off as slices
// of the decompressed frames that hold them (not copied).
func (c *frameCache) pieces(off, n uint64) ([][]byte, error) {
	first := sort.Search(len(c.frames), func(i int) bool { return c.frames[i].uOff+c.frames[i].uLen > off })
	last := first
	for last < len(c.frames) && c.frames[last].uOff < off+n {
		last++
	}
	data, err := c.decode(first, last)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, last-first)
	got := uint64(0)
	for i := first; i < last; i++ {
		f := c.frames[i]
		from := off + got - f.uOff
		take := min(n-got, f.uLen-from)
		out = append(out, data[i-first][from:from+take])
		got += take
	}
	if got != n {
		return nil, fmt.Errorf("%w: content at %d runs past the last frame", ErrIndex, off)
	}
	return out, nil
}

// decode returns frames [first, last) decompressed, from the cache or
// decompressed side by side.
func (c *frameCache) decode(first, last int) ([][]byte, error) {
	out := make([][]byte, last-first)
	errs := make([]error, last-first)
	var wg sync.WaitGroup
	c.mu.Lock()
	for i := first; i < last; i++ {
		if d, ok := c.recent[i]; ok {
			out[i-first] = d
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i-first], errs[i-first] = c.decompress(i)
		}()
	}
	c.mu.Unlock()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := first; i < last; i++ {
		c.remember(i, out[i-first])
	}
	return out, nil
}

// decompress reads and decompresses frame i; zstd checks its checksum.
func (c *frameCache) decompress(i int) ([]byte, error) {
	f := c.frames[i]
	comp := make([]byte, f.cLen)
	if _, err := c.section.ReadAt(comp, int64(f.cOff)); err != nil {
		return nil, fmt.Errorf("rootfs frame %d: %w", i, err)
	}
	data, err := c.dec.DecodeAll(comp, nil) // sized by the frame header; a buffer of exactly uLen bytes pushed zstd onto its slow path
	if err != nil || uint64(len(data)) != f.uLen {
		return nil, fmt.Errorf("%w: rootfs frame %d does not decompress to its %d bytes: %v", ErrRootfsChecksum, i, f.uLen, err)
	}
	return data, nil
}

// remember keeps frame i in the cache. Caller holds c.mu.
func (c *frameCache) remember(i int, data []byte) {
	if _, ok := c.recent[i]; ok {
		return
	}
	c.reads++
	if c.recent == nil {
		c.recent = make(map[int][]byte)
	}
	if len(c.order) == cachedFrames {
		delete(c.recent, c.order[0])
		c.order = c.order[1:]
	}
	c.recent[i] = data
	c.order = append(c.order, i)
}
