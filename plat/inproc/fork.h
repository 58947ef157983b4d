#ifndef ELFLOADER_INPROC_FORK_H
#define ELFLOADER_INPROC_FORK_H
#include <stdint.h>

// What the child of ep_fork needs, in C memory: the stub program's memory
// picture and page protections, its adoption entry and its arguments.
struct ep_fork_plan {
	uint64_t image_start, image_end, entry;
	const uint8_t *picture;   // image_end - image_start bytes
	uint64_t data_len;        // of them, the first ones not all zero
	const uint8_t *page_prot; // one PROT_* per page
	int64_t sock, ctrl;
	uint64_t hwcap2;
};

// A host range the fork child does not need (MADV_DONTFORK candidates).
struct ep_range {
	uint64_t start, end;
};

int64_t ep_fork(const struct ep_fork_plan *pl, int32_t *pidfd, const struct ep_range *skip, int64_t nskip);
#endif
