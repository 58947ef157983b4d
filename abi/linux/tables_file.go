package linux

import (
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// AT_FDCWD as the unsigned value a syscall argument register holds.
const AtFdcwd = uint64(0xffffffffffffff9c) // int(-100)

// Open flags whose amd64 values golang.org/x/sys/unix does not spell out:
// glibc defines O_LARGEFILE as 0 on 64-bit, but the kernel bit exists and
// strace names it.
const (
	O_LARGEFILE = 0x8000
	O_ACCMODE   = 0x3
)

// OpenFlags is open(2)/openat(2)'s flags word. The access mode is printed
// first, as strace does ("O_RDONLY|O_CLOEXEC").
var OpenFlags = FlagSet{
	{Name: "O_RDONLY", Value: unix.O_RDONLY, Mask: O_ACCMODE},
	{Name: "O_WRONLY", Value: unix.O_WRONLY, Mask: O_ACCMODE},
	{Name: "O_RDWR", Value: unix.O_RDWR, Mask: O_ACCMODE},
	{Name: "O_ACCMODE", Value: O_ACCMODE, Mask: O_ACCMODE},
	{Name: "O_CREAT", Value: unix.O_CREAT},
	{Name: "O_EXCL", Value: unix.O_EXCL},
	{Name: "O_NOCTTY", Value: unix.O_NOCTTY},
	{Name: "O_TRUNC", Value: unix.O_TRUNC},
	{Name: "O_APPEND", Value: unix.O_APPEND},
	{Name: "O_NONBLOCK", Value: unix.O_NONBLOCK},
	{Name: "O_SYNC", Value: unix.O_SYNC},
	{Name: "O_DSYNC", Value: unix.O_DSYNC},
	{Name: "O_DIRECT", Value: unix.O_DIRECT},
	{Name: "O_LARGEFILE", Value: O_LARGEFILE},
	{Name: "O_NOFOLLOW", Value: unix.O_NOFOLLOW},
	{Name: "O_NOATIME", Value: unix.O_NOATIME},
	{Name: "O_CLOEXEC", Value: unix.O_CLOEXEC},
	{Name: "O_PATH", Value: unix.O_PATH},
	{Name: "O_TMPFILE", Value: unix.O_TMPFILE},
	{Name: "O_DIRECTORY", Value: unix.O_DIRECTORY},
	{Name: "FASYNC", Value: unix.O_ASYNC},
}

// AtFlags is the AT_* flags word of the *at syscalls.
var AtFlags = FlagSet{
	{Name: "AT_SYMLINK_NOFOLLOW", Value: unix.AT_SYMLINK_NOFOLLOW},
	{Name: "AT_REMOVEDIR", Value: unix.AT_REMOVEDIR},
	{Name: "AT_SYMLINK_FOLLOW", Value: unix.AT_SYMLINK_FOLLOW},
	{Name: "AT_NO_AUTOMOUNT", Value: unix.AT_NO_AUTOMOUNT},
	{Name: "AT_EMPTY_PATH", Value: unix.AT_EMPTY_PATH},
	{Name: "AT_STATX_FORCE_SYNC", Value: unix.AT_STATX_FORCE_SYNC},
	{Name: "AT_STATX_DONT_SYNC", Value: unix.AT_STATX_DONT_SYNC},
	{Name: "AT_RECURSIVE", Value: unix.AT_RECURSIVE},
}

// AccessAtFlags is faccessat2(2)'s flags word, where 0x200 means
// AT_EACCESS (AT_REMOVEDIR elsewhere).
var AccessAtFlags = FlagSet{
	{Name: "AT_SYMLINK_NOFOLLOW", Value: unix.AT_SYMLINK_NOFOLLOW},
	{Name: "AT_EACCESS", Value: unix.AT_EACCESS},
	{Name: "AT_EMPTY_PATH", Value: unix.AT_EMPTY_PATH},
}

// AccessMode is access(2)'s mode argument.
var AccessMode = FlagSet{
	{Name: "F_OK"},
	{Name: "R_OK", Value: unix.R_OK},
	{Name: "W_OK", Value: unix.W_OK},
	{Name: "X_OK", Value: unix.X_OK},
}

// Whence returns the names of lseek(2)'s whence.
var Whence = sync.OnceValue(func() Enum {
	return Enum{
		unix.SEEK_SET: "SEEK_SET", unix.SEEK_CUR: "SEEK_CUR", unix.SEEK_END: "SEEK_END",
		unix.SEEK_DATA: "SEEK_DATA", unix.SEEK_HOLE: "SEEK_HOLE",
	}
})

// FcntlCmd returns the names of fcntl(2)'s cmd.
var FcntlCmd = sync.OnceValue(func() Enum {
	return Enum{
		unix.F_DUPFD: "F_DUPFD", unix.F_GETFD: "F_GETFD", unix.F_SETFD: "F_SETFD",
		unix.F_GETFL: "F_GETFL", unix.F_SETFL: "F_SETFL", unix.F_GETLK: "F_GETLK",
		unix.F_SETLK: "F_SETLK", unix.F_SETLKW: "F_SETLKW", unix.F_SETOWN: "F_SETOWN",
		unix.F_GETOWN: "F_GETOWN", unix.F_SETSIG: "F_SETSIG", unix.F_GETSIG: "F_GETSIG",
		unix.F_SETOWN_EX: "F_SETOWN_EX", unix.F_GETOWN_EX: "F_GETOWN_EX",
		unix.F_OFD_GETLK: "F_OFD_GETLK", unix.F_OFD_SETLK: "F_OFD_SETLK",
		unix.F_OFD_SETLKW: "F_OFD_SETLKW", unix.F_SETLEASE: "F_SETLEASE",
		unix.F_GETLEASE: "F_GETLEASE", unix.F_NOTIFY: "F_NOTIFY",
		unix.F_DUPFD_CLOEXEC: "F_DUPFD_CLOEXEC", unix.F_SETPIPE_SZ: "F_SETPIPE_SZ",
		unix.F_GETPIPE_SZ: "F_GETPIPE_SZ", unix.F_ADD_SEALS: "F_ADD_SEALS",
		unix.F_GET_SEALS: "F_GET_SEALS", unix.F_GET_RW_HINT: "F_GET_RW_HINT",
		unix.F_SET_RW_HINT: "F_SET_RW_HINT", unix.F_GET_FILE_RW_HINT: "F_GET_FILE_RW_HINT",
		unix.F_SET_FILE_RW_HINT: "F_SET_FILE_RW_HINT",
	}
})

// FdFlags is the F_GETFD/F_SETFD word.
var FdFlags = FlagSet{{Name: "FD_CLOEXEC", Value: unix.FD_CLOEXEC}}

// FlockOp is flock(2)'s operation.
var FlockOp = FlagSet{
	{Name: "LOCK_SH", Value: unix.LOCK_SH},
	{Name: "LOCK_EX", Value: unix.LOCK_EX},
	{Name: "LOCK_NB", Value: unix.LOCK_NB},
	{Name: "LOCK_UN", Value: unix.LOCK_UN},
}

// RenameFlags is renameat2(2)'s flags word.
var RenameFlags = FlagSet{
	{Name: "RENAME_NOREPLACE", Value: unix.RENAME_NOREPLACE},
	{Name: "RENAME_EXCHANGE", Value: unix.RENAME_EXCHANGE},
	{Name: "RENAME_WHITEOUT", Value: unix.RENAME_WHITEOUT},
}

// FallocateMode is fallocate(2)'s mode word.
var FallocateMode = FlagSet{
	{Name: "FALLOC_FL_KEEP_SIZE", Value: unix.FALLOC_FL_KEEP_SIZE},
	{Name: "FALLOC_FL_PUNCH_HOLE", Value: unix.FALLOC_FL_PUNCH_HOLE},
	{Name: "FALLOC_FL_NO_HIDE_STALE", Value: unix.FALLOC_FL_NO_HIDE_STALE},
	{Name: "FALLOC_FL_COLLAPSE_RANGE", Value: unix.FALLOC_FL_COLLAPSE_RANGE},
	{Name: "FALLOC_FL_ZERO_RANGE", Value: unix.FALLOC_FL_ZERO_RANGE},
	{Name: "FALLOC_FL_INSERT_RANGE", Value: unix.FALLOC_FL_INSERT_RANGE},
	{Name: "FALLOC_FL_UNSHARE_RANGE", Value: unix.FALLOC_FL_UNSHARE_RANGE},
}

// FileType returns the names of the S_IFMT field of a mode.
var FileType = sync.OnceValue(func() Enum {
	return Enum{
		unix.S_IFSOCK: "S_IFSOCK", unix.S_IFLNK: "S_IFLNK", unix.S_IFREG: "S_IFREG",
		unix.S_IFBLK: "S_IFBLK", unix.S_IFDIR: "S_IFDIR", unix.S_IFCHR: "S_IFCHR",
		unix.S_IFIFO: "S_IFIFO",
	}
})

// FormatOctal renders a permission mode as strace does for open(2)'s and
// umask(2)'s mode: a leading 0 and at least three digits ("0644", "022",
// "000").
func FormatOctal(v uint64) string {
	s := strconv.FormatUint(v, 8)
	for len(s) < 2 {
		s = "0" + s
	}
	return "0" + s
}

// FormatMode renders a full mode as strace does for mknod(2) and stat
// results: "S_IFREG|0644", "S_IFIFO|S_ISUID|0755", or just "0644" when no
// file type is set.
func FormatMode(v uint64) string {
	var parts []string
	if t := v & unix.S_IFMT; t != 0 {
		parts = append(parts, FormatEnum(FileType(), t))
	}
	for _, bit := range []Flag{
		{Name: "S_ISUID", Value: unix.S_ISUID},
		{Name: "S_ISGID", Value: unix.S_ISGID},
		{Name: "S_ISVTX", Value: unix.S_ISVTX},
	} {
		if v&bit.Value != 0 {
			parts = append(parts, bit.Name)
		}
	}
	parts = append(parts, FormatOctal(v&0o777))
	if rest := v &^ (unix.S_IFMT | 0o7777); rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(rest, 16))
	}
	return strings.Join(parts, "|")
}
