package elfloader

import (
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
)

const (
	ntGNUBuildID = 3 // NT_GNU_BUILD_ID
	maxNoteBytes = 1 << 20
)

// readBuildID returns the hex GNU build-id from a PT_NOTE segment, or "".
// Notes are informational, so a malformed note is skipped, not an error.
func readBuildID(f *fileReader, p *elf.Prog64) string {
	if p.Filesz > maxNoteBytes {
		return ""
	}
	raw, err := f.read(p.Off, p.Filesz, "PT_NOTE")
	if err != nil {
		return ""
	}
	align := uint64(4)
	if p.Align == 8 {
		align = 8
	}
	le := binary.LittleEndian
	for off := uint64(0); off+12 <= uint64(len(raw)); {
		namesz := uint64(le.Uint32(raw[off:]))
		descsz := uint64(le.Uint32(raw[off+4:]))
		typ := le.Uint32(raw[off+8:])
		nameOff := off + 12
		descOff := alignUp(nameOff+namesz, align)
		next := alignUp(descOff+descsz, align)
		if descOff+descsz > uint64(len(raw)) {
			return ""
		}
		if typ == ntGNUBuildID && namesz == 4 && string(raw[nameOff:nameOff+4]) == "GNU\x00" {
			return hex.EncodeToString(raw[descOff : descOff+descsz])
		}
		off = next
	}
	return ""
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }
