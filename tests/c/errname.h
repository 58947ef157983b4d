/* errname.h: errno names for the C test programs' output (the same text
 * natively and under elfloader, whatever the libc's strerror says). */
#ifndef ELFLOADER_TESTS_ERRNAME_H
#define ELFLOADER_TESTS_ERRNAME_H
#include <errno.h>
#include <stdio.h>

static const char *errname(int e)
{
	static char buf[16];
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case EIDRM: return "EIDRM";
	case ENOMSG: return "ENOMSG";
	case ENOSYS: return "ENOSYS";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EFBIG: return "EFBIG";
	case EMSGSIZE: return "EMSGSIZE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOTTY: return "ENOTTY";
	case EROFS: return "EROFS";
	case ENODEV: return "ENODEV";
	case EOVERFLOW: return "EOVERFLOW";
	case EINPROGRESS: return "EINPROGRESS";
	case ENETUNREACH: return "ENETUNREACH";
	case ECONNREFUSED: return "ECONNREFUSED";
	}
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}
#endif
