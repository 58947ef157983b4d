/* The pass-through tables' layout, as plat/passthrough.go defines it
 * (checked by TestPassLayout). */
#ifndef ELFLOADER_INPROC_PASS_H
#define ELFLOADER_INPROC_PASS_H

#define EP_PASS_FD_CAP (1 << 16)
#define EP_PASS_OFD_CAP (1 << 16)
#define EP_PASS_FD_MASK 0xffffffffull
#define EP_PASS_VALID (1ull << 32)
#define EP_PASS_SOCKET (1ull << 33)
#define EP_PASS_NONBLOCK (1ull << 34)
#define EP_PASS_EPOLL (1ull << 35)
#define EP_PASS_FILE (1ull << 36)
#define EP_PASS_TIMED (1ull << 37)
#define EP_PASS_PREAD (1ull << 38)
#define EP_PASS_CLOSABLE (1ull << 39)
#define EP_PASS_INFLIGHT_ONE (1ull << 40)
/* The file entries after the description table (word offsets). */
#define EP_PASS_FILE_DEV EP_PASS_OFD_CAP
#define EP_PASS_FILE_GATE (2 * EP_PASS_OFD_CAP)
#define EP_PASS_FILE_ACCESS (3 * EP_PASS_OFD_CAP)
/* The access word's bits. */
#define EP_ACCESS_WATCHED 1ull
#define EP_ACCESS_LOCKED 2ull
/* The close queue after the descriptor table. */
#define EP_PASS_CLOSE_SLOTS 256
/* The revival generation after the file entries (a word offset). */
#define EP_PASS_REVIVE_GEN (4 * EP_PASS_OFD_CAP)
/* The revival word and records after the close queue (byte offsets). */
#define EP_PASS_REVIVE_RECORDS 8
#define EP_PASS_REVIVE_RECORD_WORDS 72
#define EP_PASS_REVIVE_PATH_MAX 255
#define EP_PASS_REVIVE (EP_PASS_FD_CAP * 4 + (EP_PASS_CLOSE_SLOTS + 1) * 8)
#define EP_PASS_REVIVE_RECORDS_AT (EP_PASS_REVIVE + 8)
#define EP_PASS_FD_TABLE_BYTES (EP_PASS_REVIVE_RECORDS_AT + EP_PASS_REVIVE_RECORDS * EP_PASS_REVIVE_RECORD_WORDS * 8)

#endif
