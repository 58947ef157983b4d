package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"time"

	"github.com/elfloader/elfloader/images/cpio"
	"github.com/klauspost/compress/zstd"
)

// MaxZstdWindow is the largest zstd window the readers accept (zstd's
// --long default, 128 MiB; elfloader writes 8 MiB windows). The decoder
// allocates the window a frame header asks for before it reads any data,
// so without a bound a 1 KiB stream could claim 512 MiB.
const MaxZstdWindow = 1 << 27

// Image is an opened image file. It is safe for sequential use; Walk and
// Extract re-read the rootfs section each time.
type Image struct {
	r      io.ReaderAt
	closer io.Closer
	hdr    *fileHeader
	cfg    Config
	log    *slog.Logger

	// Indexed images opened with OpenOptions.Lazy: the entries, and the
	// frames read on demand.
	entries []IndexEntry
	frames  *frameCache
	// stored is the data section of a 1.2 image's stored files.
	stored *storedState
	size   int64 // of the image file
}

// Info summarises an image's header.
type Info struct {
	FormatMajor, FormatMinor int
	ConfigDigest             string // "sha256:…"
	RootfsDigest             string // "sha256:…" of the compressed rootfs
	RootfsCompressed         int64
	RootfsSize               int64 // uncompressed cpio bytes
	Entries                  int64
	StoredFiles              int64 // 1.2: files stored uncompressed (ELF objects)
	StoredBytes              int64 // their bytes, without the page padding
}

// OpenOptions tune OpenWithOptions. The zero value is ready to use.
type OpenOptions struct {
	// Progress receives compressed rootfs bytes checked against the
	// section's length while the rootfs checksum is verified.
	Progress Progress
	// Logger receives warnings (entries of kinds images do not carry).
	Logger *slog.Logger
	// Lazy, for an indexed image (format 1.1), reads only the index at
	// open: the rootfs is checked frame by frame as Content reads it,
	// instead of being read whole once (see Indexed). Other images are
	// verified whole as without it.
	Lazy bool
}

// Open opens an image file and verifies its magic, version, header checksum,
// config checksum and rootfs checksum (the whole rootfs is read once).
func Open(path string) (*Image, error) {
	return OpenWithOptions(path, OpenOptions{})
}

// OpenWithOptions is Open with options.
func OpenWithOptions(path string, opts OpenOptions) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open image: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open image: %w", err)
	}
	img, err := NewImage(f, st.Size(), opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open image %s: %w", path, err)
	}
	img.closer = f
	return img, nil
}

// NewImage reads an image held in r (size bytes long), verifying it like Open.
func NewImage(r io.ReaderAt, size int64, opts OpenOptions) (*Image, error) {
	buf := make([]byte, HeaderSize)
	n, err := r.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read header: %w", err)
	}
	hdr, err := unmarshalHeader(buf[:n], size)
	if err != nil {
		return nil, err
	}
	cfgJSON := make([]byte, hdr.ConfigLength)
	if _, err := r.ReadAt(cfgJSON, int64(hdr.ConfigOffset)); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if sha256.Sum256(cfgJSON) != hdr.ConfigSHA256 {
		return nil, ErrConfigChecksum
	}
	img := &Image{r: r, hdr: hdr, log: opts.Logger, size: size}
	if img.log == nil {
		img.log = slog.New(slog.DiscardHandler)
	}
	if err := json.Unmarshal(cfgJSON, &img.cfg); err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	if opts.Lazy && hdr.Flags&FlagRootfsIndexed != 0 {
		if err := img.loadIndex(); err != nil {
			return nil, err
		}
		return img, nil
	}
	progress := newProgressCounter(opts.Progress, int64(hdr.RootfsLength))
	digest := sha256.New()
	if _, err := io.Copy(digest, progressReader{img.rootfsSection(), progress}); err != nil {
		return nil, fmt.Errorf("read rootfs: %w", err)
	}
	progress.finish()
	if [32]byte(digest.Sum(nil)) != hdr.RootfsSHA256 {
		return nil, ErrRootfsChecksum
	}
	if hdr.Flags&FlagRootfsIndexed != 0 {
		if err := img.loadIndex(); err != nil {
			return nil, err
		}
	}
	if img.stored != nil {
		if err := img.verifyStored(); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// loadIndex reads and checks the index of an indexed image.
func (img *Image) loadIndex() error {
	raw := make([]byte, img.hdr.IndexLength)
	if _, err := img.r.ReadAt(raw, int64(img.hdr.IndexOffset)); err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	withStored := img.hdr.Flags&FlagStoredFiles != 0
	frames, entries, stored, err := unmarshalIndex(raw, img.hdr.RootfsLength, img.hdr.RootfsRawSize, withStored, img.hdr.RootfsOffset+img.hdr.RootfsLength)
	if err != nil {
		return err
	}
	if stored != nil {
		if err := checkSection("stored files", stored.off, stored.length, uint64(img.hdr.HeaderSize), img.size); err != nil {
			return err
		}
		img.stored = &storedState{sec: stored, checked: make(map[uint64]bool)}
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxWindow(MaxZstdWindow), zstd.WithDecoderMaxMemory(frameSize))
	if err != nil {
		return fmt.Errorf("rootfs: zstd: %w", err)
	}
	img.entries = entries
	img.frames = &frameCache{section: img.rootfsSection(), frames: frames, dec: dec}
	return nil
}

// Indexed reports whether the image was opened lazily from its index
// (OpenOptions.Lazy on a format 1.1 image): Entries and Content work.
func (img *Image) Indexed() bool { return img.frames != nil }

// Entries lists an indexed image's entries in archive order (parents
// before their contents, hard-link targets before their links).
func (img *Image) Entries() []IndexEntry { return img.entries }

// ContentReader returns the content of a KindFile entry of an indexed
// image, decompressing (and checking) only the frames that hold it, all
// before it returns; the reader hands out the decompressed frames' bytes
// without copying them again (bytes.Reader's WriteTo).
func (img *Image) ContentReader(e IndexEntry) (io.Reader, error) {
	if img.frames == nil || e.Kind != KindFile {
		return nil, fmt.Errorf("%s: no content in the index", e.Path)
	}
	if e.stored {
		return img.storedReader(e)
	}
	pieces, err := img.frames.pieces(e.dataOff, uint64(e.Size))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	readers := make([]io.Reader, len(pieces))
	for i, p := range pieces {
		readers[i] = bytes.NewReader(p)
	}
	return io.MultiReader(readers...), nil
}

// Content reads the content of a KindFile entry of an indexed image
// (ContentReader) into memory.
func (img *Image) Content(e IndexEntry) ([]byte, error) {
	r, err := img.ContentReader(e)
	if err != nil {
		return nil, err
	}
	data := make([]byte, e.Size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	return data, nil
}

// FramesRead says how many rootfs frames Content decompressed, and how
// many the image has (tests check that a boot reads only what it opens).
func (img *Image) FramesRead() (read, total int) {
	if img.frames == nil {
		return 0, 0
	}
	img.frames.mu.Lock()
	defer img.frames.mu.Unlock()
	return img.frames.reads, len(img.frames.frames)
}

// Close releases the file opened by Open.
func (img *Image) Close() error {
	if img.closer == nil {
		return nil
	}
	return img.closer.Close()
}

// Config returns the runtime configuration stored in the image.
func (img *Image) Config() Config { return img.cfg }

// Info returns facts from the image header.
func (img *Image) Info() Info {
	var n int
	var storedBytes int64
	if img.stored != nil {
		n = len(img.stored.sec.files)
		for _, f := range img.stored.sec.files {
			storedBytes += img.entries[f.entry].Size
		}
	}
	return Info{
		FormatMajor: int(img.hdr.Major), FormatMinor: int(img.hdr.Minor),
		ConfigDigest:     "sha256:" + hex.EncodeToString(img.hdr.ConfigSHA256[:]),
		RootfsDigest:     "sha256:" + hex.EncodeToString(img.hdr.RootfsSHA256[:]),
		RootfsCompressed: int64(img.hdr.RootfsLength),
		RootfsSize:       int64(img.hdr.RootfsRawSize),
		Entries:          int64(img.hdr.Entries),
		StoredFiles:      int64(n),
		StoredBytes:      storedBytes,
	}
}

func (img *Image) rootfsSection() *io.SectionReader {
	return io.NewSectionReader(img.r, int64(img.hdr.RootfsOffset), int64(img.hdr.RootfsLength))
}

// Walk streams the rootfs entries in archive order. It makes Image a
// FileSource, so an image can be repacked. The rootfs checksum is verified
// again while streaming; a mismatch is reported after the last entry.
func (img *Image) Walk(ctx context.Context, fn WalkFunc) error {
	digest := sha256.New()
	dec, err := zstd.NewReader(io.TeeReader(img.rootfsSection(), digest),
		zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(MaxZstdWindow))
	if err != nil {
		return fmt.Errorf("rootfs: zstd: %w", err)
	}
	defer dec.Close()
	if img.stored != nil {
		fn = img.withStored(fn)
	}
	if err := walkCPIO(ctx, cpio.NewReader(dec), fn, img.log); err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	if err := drain(dec); err != nil {
		return err
	}
	if [32]byte(digest.Sum(nil)) != img.hdr.RootfsSHA256 {
		return ErrRootfsChecksum
	}
	return nil
}

// drain reads the rest of the zstd stream so the digest covers the section.
func drain(dec *zstd.Decoder) error {
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return fmt.Errorf("rootfs: zstd: %w", err)
	}
	return nil
}

// Files iterates over the entry headers, for listings such as
// `elfloader inspect --files`. Stop early by breaking out of the loop.
func (img *Image) Files(ctx context.Context) iter.Seq2[Header, error] {
	return func(yield func(Header, error) bool) {
		errStop := errors.New("stop")
		err := img.Walk(ctx, func(hdr Header, _ io.Reader) error {
			if !yield(hdr, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(Header{}, err)
		}
	}
}

// Extract streams the rootfs into dst.
func (img *Image) Extract(ctx context.Context, dst Sink) error {
	return Copy(ctx, dst, img)
}

// walkCPIO turns cpio records into Headers. Hard-link groups (regular files
// with nlink > 1 sharing an inode) become one KindFile and KindHardlink
// entries naming it. When a group's data comes on a later name (GNU cpio's
// convention), that name is delivered as the file and the earlier names are
// re-delivered as hard links to it.
func walkCPIO(ctx context.Context, r *cpio.Reader, fn WalkFunc, log *slog.Logger) error {
	type inodeKey struct{ ino, major, minor uint32 }
	groups := make(map[inodeKey][]string) // names of a hard-link group, data holder first
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		hdr := Header{
			Path: rec.Name, Perm: rec.Mode & cpio.PermMask, UID: rec.UID, GID: rec.GID,
			ModTime: time.Unix(int64(rec.Mtime), 0).UTC(), Nlink: rec.Nlink,
		}
		switch rec.Type() {
		case cpio.TypeDir:
			hdr.Kind = KindDir
			hdr.Nlink = 0
			if err := fn(hdr, nil); err != nil {
				return err
			}
		case cpio.TypeSymlink:
			target, err := r.ReadLink()
			if err != nil {
				return err
			}
			hdr.Kind, hdr.Linkname, hdr.Nlink = KindSymlink, target, 0
			if err := fn(hdr, nil); err != nil {
				return err
			}
		case cpio.TypeRegular:
			hdr.Kind, hdr.Size = KindFile, rec.Size
			if rec.Nlink < 2 {
				if err := fn(hdr, r); err != nil {
					return err
				}
				continue
			}
			key := inodeKey{rec.Ino, rec.DevMajor, rec.DevMinor}
			names, seen := groups[key]
			switch {
			case !seen:
				groups[key] = []string{rec.Name}
				if err := fn(hdr, r); err != nil {
					return err
				}
			case rec.Size == 0:
				groups[key] = append(names, rec.Name)
				hdr.Kind, hdr.Linkname = KindHardlink, names[0]
				if err := fn(hdr, nil); err != nil {
					return err
				}
			default:
				if err := fn(hdr, r); err != nil {
					return err
				}
				for _, old := range names {
					link := hdr
					link.Path, link.Kind, link.Size, link.Linkname = old, KindHardlink, 0, rec.Name
					if err := fn(link, nil); err != nil {
						return err
					}
				}
				groups[key] = append([]string{rec.Name}, names...)
			}
		default:
			log.Warn("skipping rootfs entry of a kind images do not carry", "path", rec.Name, "mode", fmt.Sprintf("%#o", rec.Mode))
		}
	}
}

// withStored wraps a WalkFunc so that a stored file's record, which has no
// data in the cpio archive, is delivered with its size and content.
func (img *Image) withStored(fn WalkFunc) WalkFunc {
	byPath := make(map[string]IndexEntry, len(img.stored.sec.files))
	for _, f := range img.stored.sec.files {
		e := img.entries[f.entry]
		byPath[e.Path] = e
	}
	return func(hdr Header, content io.Reader) error {
		e, ok := byPath[hdr.Path]
		if !ok || hdr.Kind != KindFile {
			return fn(hdr, content)
		}
		r, err := img.storedReader(e)
		if err != nil {
			return err
		}
		hdr.Size = e.Size
		return fn(hdr, r)
	}
}
