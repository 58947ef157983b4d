package linux

import (
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// Kernel-internal restart codes. A syscall interrupted by a signal returns
// one of these to the kernel's signal-delivery path, which either restarts
// the call or turns the code into EINTR; an application never sees them,
// but a tracer does (strace prints them with "= ?").
const (
	ERESTARTSYS           = unix.Errno(512) // restart if the handler has SA_RESTART
	ERESTARTNOINTR        = unix.Errno(513) // always restart
	ERESTARTNOHAND        = unix.Errno(514) // restart if no handler runs
	ENOIOCTLCMD           = unix.Errno(515) // ioctl not handled by this driver
	ERESTART_RESTARTBLOCK = unix.Errno(516) // restart through restart_syscall
)

// MaxErrno is the largest value a syscall may return negated as an error:
// raw returns in [-MaxErrno, -1] are errors.
const MaxErrno = 4095

type errnoInfo struct {
	name    string
	message string
}

// errnoTable holds the name of each errno and its message as glibc's
// strerror prints it (the text strace shows in parentheses). Where Linux has
// two names for one number (EAGAIN/EWOULDBLOCK, EDEADLK/EDEADLOCK,
// EOPNOTSUPP/ENOTSUP) the table uses the one strace prints.
var errnoTable = sync.OnceValue(func() map[unix.Errno]errnoInfo {
	return map[unix.Errno]errnoInfo{
		unix.EPERM:            {"EPERM", "Operation not permitted"},
		unix.ENOENT:           {"ENOENT", "No such file or directory"},
		unix.ESRCH:            {"ESRCH", "No such process"},
		unix.EINTR:            {"EINTR", "Interrupted system call"},
		unix.EIO:              {"EIO", "Input/output error"},
		unix.ENXIO:            {"ENXIO", "No such device or address"},
		unix.E2BIG:            {"E2BIG", "Argument list too long"},
		unix.ENOEXEC:          {"ENOEXEC", "Exec format error"},
		unix.EBADF:            {"EBADF", "Bad file descriptor"},
		unix.ECHILD:           {"ECHILD", "No child processes"},
		unix.EAGAIN:           {"EAGAIN", "Resource temporarily unavailable"},
		unix.ENOMEM:           {"ENOMEM", "Cannot allocate memory"},
		unix.EACCES:           {"EACCES", "Permission denied"},
		unix.EFAULT:           {"EFAULT", "Bad address"},
		unix.ENOTBLK:          {"ENOTBLK", "Block device required"},
		unix.EBUSY:            {"EBUSY", "Device or resource busy"},
		unix.EEXIST:           {"EEXIST", "File exists"},
		unix.EXDEV:            {"EXDEV", "Invalid cross-device link"},
		unix.ENODEV:           {"ENODEV", "No such device"},
		unix.ENOTDIR:          {"ENOTDIR", "Not a directory"},
		unix.EISDIR:           {"EISDIR", "Is a directory"},
		unix.EINVAL:           {"EINVAL", "Invalid argument"},
		unix.ENFILE:           {"ENFILE", "Too many open files in system"},
		unix.EMFILE:           {"EMFILE", "Too many open files"},
		unix.ENOTTY:           {"ENOTTY", "Inappropriate ioctl for device"},
		unix.ETXTBSY:          {"ETXTBSY", "Text file busy"},
		unix.EFBIG:            {"EFBIG", "File too large"},
		unix.ENOSPC:           {"ENOSPC", "No space left on device"},
		unix.ESPIPE:           {"ESPIPE", "Illegal seek"},
		unix.EROFS:            {"EROFS", "Read-only file system"},
		unix.EMLINK:           {"EMLINK", "Too many links"},
		unix.EPIPE:            {"EPIPE", "Broken pipe"},
		unix.EDOM:             {"EDOM", "Numerical argument out of domain"},
		unix.ERANGE:           {"ERANGE", "Numerical result out of range"},
		unix.EDEADLK:          {"EDEADLK", "Resource deadlock avoided"},
		unix.ENAMETOOLONG:     {"ENAMETOOLONG", "File name too long"},
		unix.ENOLCK:           {"ENOLCK", "No locks available"},
		unix.ENOSYS:           {"ENOSYS", "Function not implemented"},
		unix.ENOTEMPTY:        {"ENOTEMPTY", "Directory not empty"},
		unix.ELOOP:            {"ELOOP", "Too many levels of symbolic links"},
		unix.ENOMSG:           {"ENOMSG", "No message of desired type"},
		unix.EIDRM:            {"EIDRM", "Identifier removed"},
		unix.ECHRNG:           {"ECHRNG", "Channel number out of range"},
		unix.EL2NSYNC:         {"EL2NSYNC", "Level 2 not synchronized"},
		unix.EL3HLT:           {"EL3HLT", "Level 3 halted"},
		unix.EL3RST:           {"EL3RST", "Level 3 reset"},
		unix.ELNRNG:           {"ELNRNG", "Link number out of range"},
		unix.EUNATCH:          {"EUNATCH", "Protocol driver not attached"},
		unix.ENOCSI:           {"ENOCSI", "No CSI structure available"},
		unix.EL2HLT:           {"EL2HLT", "Level 2 halted"},
		unix.EBADE:            {"EBADE", "Invalid exchange"},
		unix.EBADR:            {"EBADR", "Invalid request descriptor"},
		unix.EXFULL:           {"EXFULL", "Exchange full"},
		unix.ENOANO:           {"ENOANO", "No anode"},
		unix.EBADRQC:          {"EBADRQC", "Invalid request code"},
		unix.EBADSLT:          {"EBADSLT", "Invalid slot"},
		unix.EBFONT:           {"EBFONT", "Bad font file format"},
		unix.ENOSTR:           {"ENOSTR", "Device not a stream"},
		unix.ENODATA:          {"ENODATA", "No data available"},
		unix.ETIME:            {"ETIME", "Timer expired"},
		unix.ENOSR:            {"ENOSR", "Out of streams resources"},
		unix.ENONET:           {"ENONET", "Machine is not on the network"},
		unix.ENOPKG:           {"ENOPKG", "Package not installed"},
		unix.EREMOTE:          {"EREMOTE", "Object is remote"},
		unix.ENOLINK:          {"ENOLINK", "Link has been severed"},
		unix.EADV:             {"EADV", "Advertise error"},
		unix.ESRMNT:           {"ESRMNT", "Srmount error"},
		unix.ECOMM:            {"ECOMM", "Communication error on send"},
		unix.EPROTO:           {"EPROTO", "Protocol error"},
		unix.EMULTIHOP:        {"EMULTIHOP", "Multihop attempted"},
		unix.EDOTDOT:          {"EDOTDOT", "RFS specific error"},
		unix.EBADMSG:          {"EBADMSG", "Bad message"},
		unix.EOVERFLOW:        {"EOVERFLOW", "Value too large for defined data type"},
		unix.ENOTUNIQ:         {"ENOTUNIQ", "Name not unique on network"},
		unix.EBADFD:           {"EBADFD", "File descriptor in bad state"},
		unix.EREMCHG:          {"EREMCHG", "Remote address changed"},
		unix.ELIBACC:          {"ELIBACC", "Can not access a needed shared library"},
		unix.ELIBBAD:          {"ELIBBAD", "Accessing a corrupted shared library"},
		unix.ELIBSCN:          {"ELIBSCN", ".lib section in a.out corrupted"},
		unix.ELIBMAX:          {"ELIBMAX", "Attempting to link in too many shared libraries"},
		unix.ELIBEXEC:         {"ELIBEXEC", "Cannot exec a shared library directly"},
		unix.EILSEQ:           {"EILSEQ", "Invalid or incomplete multibyte or wide character"},
		unix.ERESTART:         {"ERESTART", "Interrupted system call should be restarted"},
		unix.ESTRPIPE:         {"ESTRPIPE", "Streams pipe error"},
		unix.EUSERS:           {"EUSERS", "Too many users"},
		unix.ENOTSOCK:         {"ENOTSOCK", "Socket operation on non-socket"},
		unix.EDESTADDRREQ:     {"EDESTADDRREQ", "Destination address required"},
		unix.EMSGSIZE:         {"EMSGSIZE", "Message too long"},
		unix.EPROTOTYPE:       {"EPROTOTYPE", "Protocol wrong type for socket"},
		unix.ENOPROTOOPT:      {"ENOPROTOOPT", "Protocol not available"},
		unix.EPROTONOSUPPORT:  {"EPROTONOSUPPORT", "Protocol not supported"},
		unix.ESOCKTNOSUPPORT:  {"ESOCKTNOSUPPORT", "Socket type not supported"},
		unix.EOPNOTSUPP:       {"EOPNOTSUPP", "Operation not supported"},
		unix.EPFNOSUPPORT:     {"EPFNOSUPPORT", "Protocol family not supported"},
		unix.EAFNOSUPPORT:     {"EAFNOSUPPORT", "Address family not supported by protocol"},
		unix.EADDRINUSE:       {"EADDRINUSE", "Address already in use"},
		unix.EADDRNOTAVAIL:    {"EADDRNOTAVAIL", "Cannot assign requested address"},
		unix.ENETDOWN:         {"ENETDOWN", "Network is down"},
		unix.ENETUNREACH:      {"ENETUNREACH", "Network is unreachable"},
		unix.ENETRESET:        {"ENETRESET", "Network dropped connection on reset"},
		unix.ECONNABORTED:     {"ECONNABORTED", "Software caused connection abort"},
		unix.ECONNRESET:       {"ECONNRESET", "Connection reset by peer"},
		unix.ENOBUFS:          {"ENOBUFS", "No buffer space available"},
		unix.EISCONN:          {"EISCONN", "Transport endpoint is already connected"},
		unix.ENOTCONN:         {"ENOTCONN", "Transport endpoint is not connected"},
		unix.ESHUTDOWN:        {"ESHUTDOWN", "Cannot send after transport endpoint shutdown"},
		unix.ETOOMANYREFS:     {"ETOOMANYREFS", "Too many references: cannot splice"},
		unix.ETIMEDOUT:        {"ETIMEDOUT", "Connection timed out"},
		unix.ECONNREFUSED:     {"ECONNREFUSED", "Connection refused"},
		unix.EHOSTDOWN:        {"EHOSTDOWN", "Host is down"},
		unix.EHOSTUNREACH:     {"EHOSTUNREACH", "No route to host"},
		unix.EALREADY:         {"EALREADY", "Operation already in progress"},
		unix.EINPROGRESS:      {"EINPROGRESS", "Operation now in progress"},
		unix.ESTALE:           {"ESTALE", "Stale file handle"},
		unix.EUCLEAN:          {"EUCLEAN", "Structure needs cleaning"},
		unix.ENOTNAM:          {"ENOTNAM", "Not a XENIX named type file"},
		unix.ENAVAIL:          {"ENAVAIL", "No XENIX semaphores available"},
		unix.EISNAM:           {"EISNAM", "Is a named type file"},
		unix.EREMOTEIO:        {"EREMOTEIO", "Remote I/O error"},
		unix.EDQUOT:           {"EDQUOT", "Disk quota exceeded"},
		unix.ENOMEDIUM:        {"ENOMEDIUM", "No medium found"},
		unix.EMEDIUMTYPE:      {"EMEDIUMTYPE", "Wrong medium type"},
		unix.ECANCELED:        {"ECANCELED", "Operation canceled"},
		unix.ENOKEY:           {"ENOKEY", "Required key not available"},
		unix.EKEYEXPIRED:      {"EKEYEXPIRED", "Key has expired"},
		unix.EKEYREVOKED:      {"EKEYREVOKED", "Key has been revoked"},
		unix.EKEYREJECTED:     {"EKEYREJECTED", "Key was rejected by service"},
		unix.EOWNERDEAD:       {"EOWNERDEAD", "Owner died"},
		unix.ENOTRECOVERABLE:  {"ENOTRECOVERABLE", "State not recoverable"},
		unix.ERFKILL:          {"ERFKILL", "Operation not possible due to RF-kill"},
		unix.EHWPOISON:        {"EHWPOISON", "Memory page has hardware error"},
		ERESTARTSYS:           {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
		ERESTARTNOINTR:        {"ERESTARTNOINTR", "To be restarted"},
		ERESTARTNOHAND:        {"ERESTARTNOHAND", "To be restarted if no handler"},
		ENOIOCTLCMD:           {"ENOIOCTLCMD", "No ioctl command"},
		ERESTART_RESTARTBLOCK: {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
	}
})

// ErrnoName returns the symbolic name of e ("ENOENT"), or "ERRNO_NNN" when
// e is not a Linux errno.
func ErrnoName(e unix.Errno) string {
	if info, ok := errnoTable()[e]; ok {
		return info.name
	}
	return "ERRNO_" + strconv.FormatUint(uint64(e), 10)
}

// ErrnoMessage returns glibc's strerror text for e ("No such file or
// directory"), or "Unknown error NNN" as glibc does for unknown values.
func ErrnoMessage(e unix.Errno) string {
	if info, ok := errnoTable()[e]; ok {
		return info.message
	}
	return "Unknown error " + strconv.FormatUint(uint64(e), 10)
}

// IsRestartErrno reports whether e is one of the kernel-internal restart
// codes (ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK).
func IsRestartErrno(e unix.Errno) bool {
	switch e {
	case ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK:
		return true
	}
	return false
}
