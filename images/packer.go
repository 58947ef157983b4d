package images

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"

	"github.com/elfloader/elfloader/images/cpio"
)

// packer turns a stream of Headers into cpio records: it assigns inode
// numbers, creates missing parent directories, checks ordering and writes
// hard links the newc way (same inode, data on the first name).
type packer struct {
	cw       *cpio.Writer
	log      *slog.Logger
	progress *progressCounter
	nextIno  uint32
	seen     map[string]seenEntry
	entries  uint64
	// index, when not nil, collects every entry with the offset of its
	// content in the cpio stream (indexed images).
	index *[]IndexEntry
	// store, when not nil, takes the ELF files out of the cpio stream into
	// the data section of stored files (format 1.2, stored.go).
	store *storeSpool
}

type seenEntry struct {
	kind  Kind
	ino   uint32
	nlink uint32
	hdr   cpio.Header
}

func newPacker(w io.Writer, log *slog.Logger, progress *progressCounter) *packer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &packer{cw: cpio.NewWriter(w), log: log, progress: progress, nextIno: 1, seen: make(map[string]seenEntry)}
}

func (p *packer) add(hdr Header, content io.Reader) error {
	if err := hdr.validate(); err != nil {
		return err
	}
	if hdr.Path == "." {
		if _, done := p.seen["."]; done {
			return errors.New("root entry \".\" must come first and only once")
		}
	} else if err := p.ensureParents(hdr.Path); err != nil {
		return err
	}
	if _, dup := p.seen[hdr.Path]; dup {
		return fmt.Errorf("duplicate entry %q", hdr.Path)
	}
	rec := cpio.Header{
		Name:  hdr.Path,
		UID:   hdr.UID,
		GID:   hdr.GID,
		Mtime: unixSeconds(hdr),
		Nlink: 1,
	}
	switch hdr.Kind {
	case KindDir:
		rec.Mode = cpio.TypeDir | hdr.Perm
		rec.Nlink = 2
	case KindFile:
		if hdr.Size > cpio.MaxFileSize {
			return fmt.Errorf("%s: %d bytes is over the 4 GiB per-file limit of cpio newc", hdr.Path, hdr.Size)
		}
		rec.Mode = cpio.TypeRegular | hdr.Perm
		rec.Size = hdr.Size
		rec.Nlink = max(hdr.Nlink, 1)
	case KindSymlink:
		rec.Mode = cpio.TypeSymlink | 0o777
		rec.Size = int64(len(hdr.Linkname))
	case KindHardlink:
		target, ok := p.seen[hdr.Linkname]
		if !ok || target.kind != KindFile {
			return fmt.Errorf("%s: hard link target %q is not a file written earlier", hdr.Path, hdr.Linkname)
		}
		rec = target.hdr
		rec.Name = hdr.Path
		rec.Size = 0
		rec.Nlink = max(target.nlink, 2)
		rec.Ino = target.ino
	}
	if hdr.Kind != KindHardlink {
		rec.Ino = p.allocIno()
	}
	stored := false
	if p.store != nil && p.index != nil && hdr.Kind == KindFile && hdr.Size >= storeMin && content != nil {
		// Sniff the ELF magic; the bytes read go back in front.
		head := make([]byte, 4)
		k, err := io.ReadFull(content, head)
		if err != nil {
			return fmt.Errorf("%s: %w", hdr.Path, err)
		}
		content = io.MultiReader(bytes.NewReader(head[:k]), content)
		if stored = isELF(head); stored {
			rec.Size = 0 // the bytes are in the data section
		}
	}
	if err := p.cw.WriteHeader(&rec); err != nil {
		return err
	}
	p.entries++
	if p.index != nil {
		*p.index = append(*p.index, IndexEntry{Header: hdr, dataOff: uint64(p.cw.Written())})
	}
	switch hdr.Kind {
	case KindFile:
		if stored {
			e := &(*p.index)[len(*p.index)-1]
			off, err := p.store.add(len(*p.index)-1, progressReader{content, p.progress}, hdr.Size)
			if err != nil {
				return fmt.Errorf("%s: %w", hdr.Path, err)
			}
			e.stored, e.dataOff = true, off
		} else if hdr.Size > 0 {
			if content == nil {
				return fmt.Errorf("%s: no content for a %d-byte file", hdr.Path, hdr.Size)
			}
			n, err := io.Copy(p.cw, progressReader{io.LimitReader(content, hdr.Size), p.progress})
			if err != nil {
				return fmt.Errorf("%s: %w", hdr.Path, err)
			}
			if n < hdr.Size {
				return fmt.Errorf("%s: %w (%d of %d bytes)", hdr.Path, errShortContent, n, hdr.Size)
			}
		}
	case KindSymlink:
		if _, err := io.WriteString(p.cw, hdr.Linkname); err != nil {
			return err
		}
	}
	kind := hdr.Kind
	if kind == KindHardlink {
		kind = KindFile
	}
	p.seen[hdr.Path] = seenEntry{kind: kind, ino: rec.Ino, nlink: rec.Nlink, hdr: rec}
	return nil
}

// ensureParents writes the root and any missing ancestor directories of p.
func (p *packer) ensureParents(name string) error {
	if _, ok := p.seen["."]; !ok {
		if err := p.add(Header{Path: ".", Kind: KindDir, Perm: 0o755}, nil); err != nil {
			return err
		}
	}
	dir := path.Dir(name)
	if dir == "." {
		return nil
	}
	if e, ok := p.seen[dir]; ok {
		if e.kind != KindDir {
			return fmt.Errorf("%s: parent %q is a %v, not a directory", name, dir, e.kind)
		}
		return nil
	}
	p.log.Debug("creating missing parent directory", "path", dir, "for", name)
	return p.add(Header{Path: dir, Kind: KindDir, Perm: 0o755}, nil)
}

func (p *packer) allocIno() uint32 {
	ino := p.nextIno
	p.nextIno++
	return ino
}

func (p *packer) close() error {
	if _, ok := p.seen["."]; !ok {
		if err := p.add(Header{Path: ".", Kind: KindDir, Perm: 0o755}, nil); err != nil {
			return err
		}
	}
	return p.cw.Close()
}

func unixSeconds(h Header) uint32 {
	if h.ModTime.IsZero() {
		return 0
	}
	s := h.ModTime.Unix()
	switch {
	case s < 0:
		return 0
	case s > 1<<32-1:
		return 1<<32 - 1
	}
	return uint32(s)
}
