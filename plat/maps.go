package plat

import (
	"bytes"
	"strconv"
)

// HostMapping is one line of a /proc/PID/maps listing.
type HostMapping struct {
	Start, End uint64
	Perms      string // "r-xp"
	Name       string // a path, "[vdso]", "[stack]", ...; "" for anonymous memory
}

// ParseMaps reads a /proc/PID/maps listing, in its (ascending) order;
// lines that do not parse are left out.
func ParseMaps(maps []byte) []HostMapping {
	var out []HostMapping
	for line := range bytes.SplitSeq(maps, []byte("\n")) {
		if m, ok := parseMapsLine(line); ok {
			out = append(out, m)
		}
	}
	return out
}

// parseMapsLine reads one line of a maps listing.
func parseMapsLine(line []byte) (HostMapping, bool) {
	fields := bytes.Fields(line)
	if len(fields) < 5 {
		return HostMapping{}, false
	}
	lo, hi, ok := bytes.Cut(fields[0], []byte("-"))
	if !ok {
		return HostMapping{}, false
	}
	start, err1 := strconv.ParseUint(string(lo), 16, 64)
	end, err2 := strconv.ParseUint(string(hi), 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return HostMapping{}, false
	}
	m := HostMapping{Start: start, End: end, Perms: string(fields[1])}
	if len(fields) > 5 {
		m.Name = string(bytes.Join(fields[5:], []byte(" ")))
	}
	return m, true
}
