package images

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Image file format constants (see docs/image-format.md).
const (
	// Magic opens every image file.
	Magic = "ELFLDIMG"
	// FormatMajor changes when old readers cannot read new files.
	FormatMajor = 1
	// FormatMinor changes for backward-compatible additions. 1.1 adds the
	// rootfs index (FlagRootfsIndexed), 1.2 stored files (FlagStoredFiles).
	// A writer puts the lowest minor its flags need in the header.
	FormatMinor = 2
	// HeaderSize is the size of the fixed header of format 1.x.
	HeaderSize = 160

	// FlagRootfsZstd: the rootfs section is a zstd stream (required in 1.x).
	FlagRootfsZstd uint64 = 1 << 0

	// FlagRootfsIndexed: the rootfs is a sequence of independent zstd
	// frames listed, with every entry, in an index section (1.1), so that
	// a reader can decompress only the files it opens.
	FlagRootfsIndexed uint64 = 1 << 1

	// FlagStoredFiles (1.2, with FlagRootfsIndexed): ELF files are stored
	// uncompressed and page-aligned in a data section after the rootfs,
	// listed in the index (stored.go), so that they can be mapped from the
	// image file.
	FlagStoredFiles uint64 = 1 << 2

	knownFlags = FlagRootfsZstd | FlagRootfsIndexed | FlagStoredFiles
)

// Errors returned by Open. Match them with errors.Is.
var (
	ErrBadMagic       = errors.New("bad magic: not an elfloader image")
	ErrVersion        = errors.New("unsupported image format version")
	ErrTruncated      = errors.New("truncated image")
	ErrHeaderChecksum = errors.New("header checksum mismatch")
	ErrConfigChecksum = errors.New("config checksum mismatch")
	ErrRootfsChecksum = errors.New("rootfs checksum mismatch")
	ErrCorruptHeader  = errors.New("corrupt image header")
)

// errHeaderTooShort is made when needed: a fmt.Errorf at package init cost
// every start 0.37 ms (fmt's first use).
func errHeaderTooShort() error {
	return fmt.Errorf("%w: file shorter than the %d-byte header", ErrTruncated, HeaderSize)
}

// maxIndexBytes bounds the index section a reader loads.
const maxIndexBytes = 1 << 30

// headerCRCOffset is where the CRC-32C of the header's first bytes is stored.
const headerCRCOffset = HeaderSize - 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileHeader is the fixed header at the start of an image file. All integers
// are little-endian; offsets are from the start of the image.
type fileHeader struct {
	Major, Minor  uint16
	HeaderSize    uint32
	Flags         uint64
	ConfigOffset  uint64
	ConfigLength  uint64
	RootfsOffset  uint64
	RootfsLength  uint64 // compressed
	RootfsRawSize uint64 // uncompressed cpio size
	ConfigSHA256  [32]byte
	RootfsSHA256  [32]byte
	Entries       uint64
	IndexOffset   uint64 // FlagRootfsIndexed: the index section
	IndexLength   uint64
}

func (h *fileHeader) marshal() []byte {
	b := make([]byte, HeaderSize)
	le := binary.LittleEndian
	copy(b[0:8], Magic)
	le.PutUint16(b[8:], h.Major)
	le.PutUint16(b[10:], h.Minor)
	le.PutUint32(b[12:], h.HeaderSize)
	le.PutUint64(b[16:], h.Flags)
	le.PutUint64(b[24:], h.ConfigOffset)
	le.PutUint64(b[32:], h.ConfigLength)
	le.PutUint64(b[40:], h.RootfsOffset)
	le.PutUint64(b[48:], h.RootfsLength)
	le.PutUint64(b[56:], h.RootfsRawSize)
	copy(b[64:96], h.ConfigSHA256[:])
	copy(b[96:128], h.RootfsSHA256[:])
	le.PutUint64(b[128:], h.Entries)
	le.PutUint64(b[136:], h.IndexOffset)
	le.PutUint64(b[144:], h.IndexLength)
	// b[152:156] reserved, zero.
	le.PutUint32(b[headerCRCOffset:], crc32.Checksum(b[:headerCRCOffset], castagnoli))
	return b
}

// unmarshalHeader parses and checks a header; fileSize bounds the sections.
func unmarshalHeader(b []byte, fileSize int64) (*fileHeader, error) {
	if len(b) < len(Magic) || string(b[:len(Magic)]) != Magic {
		return nil, ErrBadMagic
	}
	if len(b) < 16 {
		return nil, errHeaderTooShort()
	}
	le := binary.LittleEndian
	h := &fileHeader{Major: le.Uint16(b[8:]), Minor: le.Uint16(b[10:]), HeaderSize: le.Uint32(b[12:])}
	if h.Major != FormatMajor {
		return nil, fmt.Errorf("%w %d.%d (this elfloader reads %d.x)", ErrVersion, h.Major, h.Minor, FormatMajor)
	}
	if h.HeaderSize < HeaderSize {
		return nil, fmt.Errorf("%w: header size %d is below %d", ErrCorruptHeader, h.HeaderSize, HeaderSize)
	}
	if len(b) < HeaderSize {
		return nil, errHeaderTooShort()
	}
	if got, want := crc32.Checksum(b[:headerCRCOffset], castagnoli), le.Uint32(b[headerCRCOffset:]); got != want {
		return nil, fmt.Errorf("%w: crc32c %08x, header says %08x", ErrHeaderChecksum, got, want)
	}
	h.Flags = le.Uint64(b[16:])
	h.ConfigOffset = le.Uint64(b[24:])
	h.ConfigLength = le.Uint64(b[32:])
	h.RootfsOffset = le.Uint64(b[40:])
	h.RootfsLength = le.Uint64(b[48:])
	h.RootfsRawSize = le.Uint64(b[56:])
	copy(h.ConfigSHA256[:], b[64:96])
	copy(h.RootfsSHA256[:], b[96:128])
	h.Entries = le.Uint64(b[128:])
	h.IndexOffset = le.Uint64(b[136:])
	h.IndexLength = le.Uint64(b[144:])
	if unknown := h.Flags &^ knownFlags; unknown != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x (written by a newer elfloader?)", ErrVersion, unknown)
	}
	if h.Flags&FlagRootfsZstd == 0 {
		return nil, fmt.Errorf("%w: rootfs is not zstd-compressed", ErrCorruptHeader)
	}
	if err := checkSection("config", h.ConfigOffset, h.ConfigLength, uint64(h.HeaderSize), fileSize); err != nil {
		return nil, err
	}
	if err := checkSection("rootfs", h.RootfsOffset, h.RootfsLength, uint64(h.HeaderSize), fileSize); err != nil {
		return nil, err
	}
	if h.Flags&FlagStoredFiles != 0 && h.Flags&FlagRootfsIndexed == 0 {
		return nil, fmt.Errorf("%w: stored files without an index", ErrCorruptHeader)
	}
	if h.Flags&FlagRootfsIndexed != 0 {
		if err := checkSection("index", h.IndexOffset, h.IndexLength, uint64(h.HeaderSize), fileSize); err != nil {
			return nil, err
		}
		if h.IndexLength > maxIndexBytes {
			return nil, fmt.Errorf("%w: index of %d bytes", ErrCorruptHeader, h.IndexLength)
		}
	}
	return h, nil
}

func checkSection(name string, off, length, minOff uint64, fileSize int64) error {
	if off < minOff {
		return fmt.Errorf("%w: %s section at offset %d overlaps the header", ErrCorruptHeader, name, off)
	}
	end := off + length
	if end < off || end > uint64(fileSize) {
		return fmt.Errorf("%w: %s section [%d, %d) runs past the end of the file (%d bytes)",
			ErrTruncated, name, off, end, fileSize)
	}
	return nil
}
