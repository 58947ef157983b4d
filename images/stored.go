package images

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"runtime/debug"
	"sync"

	"golang.org/x/sys/unix"
)

// Stored files (format 1.2, FlagStoredFiles; docs/image-format.md): regular
// files that are ELF objects are not compressed into the rootfs frames but
// stored as they are, each at a page-aligned offset of a data section
// after the rootfs, so that `run` maps a program and its libraries straight
// from the image file instead of decompressing them into memory. Their
// cpio records carry no data (size 0); the index says where the bytes are.
//
// Checksums: the index (itself under its SHA-256) holds the SHA-256 of the
// whole data section, checked whenever the image is opened whole (inspect,
// pack, Open without Lazy), and a CRC-32C of each stored extent (the
// file's bytes and the zeros up to the next page), checked lazily the
// first time a boot uses the file. SHA-256 runs at about 1.9 GB/s here:
// hashing busybox's 2 MB at every boot would cost 1 ms of the 4 ms this
// saves, where CRC-32C costs 0.08 ms; it detects the accidental damage
// the lazy check is for, as the frames' XXH64 does for compressed files.

// StorePage is the alignment of stored files in the image file.
const StorePage = 4096

// storeMin is the smallest file worth storing (an ELF header is 64 bytes).
const storeMin = 64

// storedFile is one stored extent: its entry and where it lies.
type storedFile struct {
	entry uint32 // index of the entry in the index's entry list
	off   uint64 // from the start of the data section; a multiple of StorePage
	crc   uint32 // CRC-32C of the extent rounded up to StorePage (zero padded)
}

// storedSection locates the data section and its files.
type storedSection struct {
	off, length uint64 // in the image; off is a multiple of StorePage
	sha         [32]byte
	files       []storedFile
}

// isELF reports whether head starts with the ELF magic.
func isELF(head []byte) bool { return bytes.HasPrefix(head, []byte("\x7fELF")) }

// storeSpool collects the stored files' bytes while the rootfs is packed
// (the data section is written after the rootfs, whose length is not
// known until the end): into an unlinked temporary file.
type storeSpool struct {
	f     *os.File
	n     uint64
	sha   hash.Hash
	files []storedFile
}

func newStoreSpool() (*storeSpool, error) {
	f, err := os.CreateTemp("", "elfloader-pack-*")
	if err != nil {
		return nil, fmt.Errorf("stored files spool: %w", err)
	}
	os.Remove(f.Name()) // unlinked: gone when closed
	return &storeSpool{f: f, sha: sha256.New()}, nil
}

// add stores size bytes of r for entry number entry, padded with zeros to
// the next page; it returns the offset in the data section.
func (s *storeSpool) add(entry int, r io.Reader, size int64) (uint64, error) {
	off := s.n
	crc := crc32.New(castagnoli)
	w := io.MultiWriter(s.f, s.sha, crc)
	n, err := io.Copy(w, io.LimitReader(r, size))
	if err != nil {
		return 0, err
	}
	if n < size {
		return 0, fmt.Errorf("%w (%d of %d bytes)", errShortContent, n, size)
	}
	if pad := (StorePage - size%StorePage) % StorePage; pad > 0 {
		if _, err := w.Write(make([]byte, pad)); err != nil {
			return 0, err
		}
		n += pad
	}
	s.n += uint64(n)
	s.files = append(s.files, storedFile{entry: uint32(entry), off: off, crc: crc.Sum32()})
	return off, nil
}

func (s *storeSpool) close() { s.f.Close() }

// marshalStored appends the stored-files part of the index.
func marshalStored(b *bytes.Buffer, st *storedSection) {
	le := binary.LittleEndian
	binary.Write(b, le, [2]uint64{st.off, st.length})
	b.Write(st.sha[:])
	binary.Write(b, le, uint32(len(st.files)))
	for _, f := range st.files {
		binary.Write(b, le, f.entry)
		binary.Write(b, le, f.off)
		binary.Write(b, le, f.crc)
	}
}

// unmarshalStored decodes and checks the stored-files part of the index
// and marks the entries it names; sectionsEnd is where the rootfs ends.
func unmarshalStored(r *indexReader, entries []IndexEntry, sectionsEnd uint64) (*storedSection, error) {
	st := &storedSection{off: r.u64(), length: r.u64()}
	copy(st.sha[:], r.take(32))
	n := r.u32()
	if r.err != nil {
		return nil, r.err
	}
	if st.off%StorePage != 0 || st.off < sectionsEnd || st.off+st.length < st.off {
		return nil, fmt.Errorf("%w: data section at %d", ErrIndex, st.off)
	}
	if uint64(n) > uint64(len(entries)) || uint64(n)*16 > uint64(len(r.b)) {
		return nil, fmt.Errorf("%w: %d stored files", ErrIndex, n)
	}
	st.files = make([]storedFile, n)
	next := uint64(0)
	for i := range st.files {
		f := &st.files[i]
		f.entry, f.off, f.crc = r.u32(), r.u64(), r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if f.entry >= uint32(len(entries)) {
			return nil, fmt.Errorf("%w: stored file %d names entry %d", ErrIndex, i, f.entry)
		}
		e := &entries[f.entry]
		if e.Kind != KindFile || e.stored {
			return nil, fmt.Errorf("%w: stored file %d (%s) is not a file, or stored twice", ErrIndex, i, e.Path)
		}
		end := f.off + pageUp(uint64(e.Size))
		if f.off%StorePage != 0 || f.off < next || end < f.off || end > st.length {
			return nil, fmt.Errorf("%w: stored file %d (%s) out of place", ErrIndex, i, e.Path)
		}
		next = end
		e.stored, e.dataOff, e.crc = true, f.off, f.crc
	}
	return st, nil
}

func pageUp(n uint64) uint64 { return (n + StorePage - 1) &^ (StorePage - 1) }

// storedState remembers which stored extents were checked.
type storedState struct {
	sec     *storedSection
	mu      sync.Mutex
	checked map[uint64]bool // by offset in the section
}

// Stored reports whether an entry of an indexed image is a stored file
// (format 1.2): its bytes lie uncompressed in the image (StoredExtent).
func (e IndexEntry) Stored() bool { return e.stored }

// StoredExtent returns where a stored file's bytes begin in the image file
// (a multiple of StorePage; the zeros after its last byte run to the next
// page), after checking the extent's CRC-32C the first time it is asked
// for.
func (img *Image) StoredExtent(e IndexEntry) (int64, error) {
	if img.stored == nil || !e.stored {
		return 0, fmt.Errorf("%s: not a stored file", e.Path)
	}
	s := img.stored
	abs := s.sec.off + e.dataOff
	s.mu.Lock()
	ok := s.checked[e.dataOff]
	s.mu.Unlock()
	if ok {
		return int64(abs), nil
	}
	sum, err := extentCRC(img.r, int64(abs), int64(pageUp(uint64(e.Size))))
	if err != nil {
		return 0, fmt.Errorf("%s: read stored file: %w", e.Path, err)
	}
	if sum != e.crc {
		return 0, fmt.Errorf("%w: stored file %s (crc32c %08x, index says %08x)", ErrRootfsChecksum, e.Path, sum, e.crc)
	}
	s.mu.Lock()
	s.checked[e.dataOff] = true
	s.mu.Unlock()
	return int64(abs), nil
}

// crcWindow is how much of an image file extentCRC maps at a time: the
// mapped pages count as resident while they are mapped.
const crcWindow = 8 << 20

// extentCRC is the CRC-32C of n bytes of r at off. An image file's range is
// summed where the host maps it (its page cache, read-only, populated at
// once, crcWindow at a time): reading nginx's libraries through a buffer
// cost a millisecond of its boot in copies and 300 reads.
func extentCRC(r io.ReaderAt, off, n int64) (uint32, error) {
	if f, ok := r.(*os.File); ok && n > 0 && off%StorePage == 0 {
		var sum uint32
		for done := int64(0); done < n; {
			w := min(n-done, crcWindow)
			b, err := unix.Mmap(int(f.Fd()), off+done, int(w), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE)
			if err != nil {
				break // read it instead, from the start
			}
			sum, err = mappedCRC(sum, b)
			unix.Munmap(b)
			if err != nil {
				return 0, err
			}
			if done += w; done == n {
				return sum, nil
			}
		}
	}
	crc := crc32.New(castagnoli)
	got, err := io.CopyBuffer(crc, io.NewSectionReader(r, off, n), make([]byte, 1<<20))
	if err != nil {
		return 0, err
	}
	if got != n {
		return 0, io.ErrUnexpectedEOF
	}
	return crc.Sum32(), nil
}

// mappedCRC adds mapped file bytes to a CRC-32C; a file truncated
// meanwhile by someone else faults (SIGBUS), which becomes an error
// instead of a crash.
func mappedCRC(crc uint32, b []byte) (sum uint32, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the image file changed while it was read: %v", r)
		}
	}()
	return crc32.Update(crc, castagnoli, b), nil
}

// verifyStored checks the SHA-256 of the whole data section (and, through
// it, every stored extent): the check of an image opened whole.
func (img *Image) verifyStored() error {
	s := img.stored
	digest := sha256.New()
	if _, err := io.Copy(digest, io.NewSectionReader(img.r, int64(s.sec.off), int64(s.sec.length))); err != nil {
		return fmt.Errorf("read stored files: %w", err)
	}
	if [32]byte(digest.Sum(nil)) != s.sec.sha {
		return fmt.Errorf("%w: stored files section", ErrRootfsChecksum)
	}
	s.mu.Lock()
	for _, f := range s.sec.files {
		s.checked[f.off] = true // the section's sum covers their bytes
	}
	s.mu.Unlock()
	return nil
}

// HostFile returns the image's open file when it was opened by path (Open),
// for mapping stored files from it; ok is false otherwise.
func (img *Image) HostFile() (*os.File, bool) {
	f, ok := img.r.(*os.File)
	return f, ok
}

// storedReader returns a stored file's content, checked.
func (img *Image) storedReader(e IndexEntry) (io.Reader, error) {
	off, err := img.StoredExtent(e)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(img.r, off, e.Size), nil
}
