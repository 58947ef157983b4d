/* Adoption of a host fork of another program as a stub (plat/inproc's fork):
 * the data elfloader leaves in the control memory before the fork. adopt.go
 * mirrors every value; TestAdoptLayoutMatchesHeader checks that they agree.
 *
 * At ADOPT_OFFSET (slot 1 of the control memory; unused until the app
 * creates a second thread):
 *	u64 magic, nkeep, nsites
 *	struct { u64 start, end; } keep[nkeep]     sorted, page-aligned: app memory
 *	struct { u64 addr; u8 orig[5], prot_first, prot_last, pad; } sites[nsites]
 * A site is a rewritten syscall site whose original bytes come back; the
 * protections are those of the pages holding its first and last byte. */
#ifndef ELFLOADER_STUB_ADOPT_H
#define ELFLOADER_STUB_ADOPT_H

#define ADOPT_MAGIC 0x54504f4441425453UL /* "STBADOPT" */
#define ADOPT_HEADER 24
#define ADOPT_KEEP_SIZE 16
#define ADOPT_SITE_SIZE 16
#define ADOPT_SITE_LEN 5
#define ADOPT_MIN_SLOTS 2
/* The highest user address the adopted process may keep. */
#define ADOPT_USER_END 0x7ffffffff000UL

#endif
