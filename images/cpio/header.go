package cpio

import (
	"fmt"
	"path"
	"strings"
)

// File type bits of Header.Mode (the st_mode values of Linux).
const (
	TypeMask    = 0o170000
	TypeSocket  = 0o140000
	TypeSymlink = 0o120000
	TypeRegular = 0o100000
	TypeBlock   = 0o060000
	TypeDir     = 0o040000
	TypeChar    = 0o020000
	TypeFIFO    = 0o010000

	// PermMask covers the permission bits including setuid, setgid and sticky.
	PermMask = 0o7777
)

// Format limits.
const (
	// MaxNameSize bounds a record name (including its NUL), like PATH_MAX.
	MaxNameSize = 4096
	// MaxSymlinkSize bounds the target of a symbolic link.
	MaxSymlinkSize = 4095
	// MaxFileSize is the largest file a newc record can describe (32-bit size field).
	MaxFileSize = 1<<32 - 1

	magicNewc    = "070701"
	magicNewcCRC = "070702"
	headerSize   = 110
	trailerName  = "TRAILER!!!"
)

// Header is one newc record header. Name is relative and slash-separated;
// "." names the archive's root directory.
type Header struct {
	Name      string
	Ino       uint32
	Mode      uint32 // type bits | permission bits
	UID       uint32
	GID       uint32
	Nlink     uint32
	Mtime     uint32 // seconds since the Unix epoch
	Size      int64  // data length; for a symlink, the length of its target
	DevMajor  uint32
	DevMinor  uint32
	RDevMajor uint32
	RDevMinor uint32
	Check     uint32 // only meaningful in "070702" archives
}

// Type returns the file type bits of the mode.
func (h *Header) Type() uint32 { return h.Mode & TypeMask }

// IsDir, IsRegular and IsSymlink report the record's file type.
func (h *Header) IsDir() bool     { return h.Type() == TypeDir }
func (h *Header) IsRegular() bool { return h.Type() == TypeRegular }
func (h *Header) IsSymlink() bool { return h.Type() == TypeSymlink }

// CleanName validates a record name and returns its canonical form: relative,
// slash-separated, without "." or ".." components ("." for the root itself).
// Absolute names and names that climb out of the root are rejected.
func CleanName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty name")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("name %q contains a NUL byte", name)
	}
	clean := path.Clean(name)
	if path.IsAbs(clean) {
		return "", fmt.Errorf("name %q is absolute", name)
	}
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("name %q climbs out of the root with \"..\"", name)
	}
	return clean, nil
}
