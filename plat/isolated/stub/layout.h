/* Memory layout and shared-memory protocol of the isolated platform's stub.
 * layout.go mirrors every value; TestLayoutMatchesHeader checks that they agree. */
#ifndef ELFLOADER_STUB_LAYOUT_H
#define ELFLOADER_STUB_LAYOUT_H

/* The stub region: nothing of the app may be mapped here. */
#define STUB_BASE 0x100000000000UL
#define STUB_END 0x100004000000UL
/* Shared control memory (a memfd also mapped by elfloader): a header page,
 * then one slot per app thread. */
#define STUB_CTRL_BASE 0x100000100000UL
#define STUB_CTRL_MAX 0x1f00000UL
/* Private per-thread memory: a signal stack, then a start stack. */
#define STUB_PRIV_BASE 0x100002000000UL
#define STUB_PRIV_SLOT 0x20000UL
#define STUB_SIGSTACK_SIZE 0x10000UL
#define STUB_MAX_SLOTS 256
#define STUB_MAX_SLOT_SIZE 0x10000UL

/* Header page (elfloader writes it before starting the stub). */
#define HDR_MAGIC 0
#define HDR_SLOT_SIZE 4
#define HDR_NSLOTS 8
#define HDR_KICK_SIGNAL 12
#define HDR_XCOMP_PERM 16
/* The vDSO to keep, around its ELF header (AT_SYSINFO_EHDR): bytes of data
 * pages below it, bytes from it; 0 and 0 keep none. */
#define HDR_VDSO_BEFORE 24
#define HDR_VDSO_SIZE 32
#define HDR_SIZE 4096
#define STUB_MAGIC 0x42555453u /* "STUB" */

/* Slot: one app thread. */
#define SLOT_STATE 0       /* futex word: who holds the thread */
#define SLOT_STUB_WAITING 4 /* the stub sleeps in FUTEX_WAIT */
#define SLOT_GO_WAITING 8   /* elfloader sleeps in FUTEX_WAIT */
#define SLOT_TID 12         /* CLONE_CHILD_SETTID/CLEARTID word */
#define SLOT_EVENT 16
#define SLOT_SIGNO 20
#define SLOT_CODE 24
#define SLOT_ADDR 32
#define SLOT_TRAPNO 40
#define SLOT_ERR 48
#define SLOT_REGS 64        /* struct user_regs_struct, 27 words */
#define SLOT_XSAVE_SIZE 280 /* bytes of the image the signal frame holds */
#define SLOT_XSAVE 320      /* standard-format XSAVE image, 64-byte aligned */

#define ST_IDLE 0
#define ST_RUN 1   /* elfloader gave the thread its registers */
#define ST_EVENT 2 /* the stub posted an event */
#define ST_EXIT 3  /* elfloader asks the thread to exit */

#define EV_SYSCALL 1
#define EV_FAULT 2
#define EV_KICK 3
#define EV_SYSCALL32 4
#define EV_BORN 5

/* Commands on the control socket: struct { u32 op, u32 pad, u64 arg[6] }. */
#define CMD_SIZE 56
#define CMD_MMAP 1     /* addr, len, prot, flags, has_fd, off */
#define CMD_MUNMAP 2   /* addr, len */
#define CMD_MPROTECT 3 /* addr, len, prot */
#define CMD_THREAD 4   /* slot */
#define CMD_FORK 5     /* fds: new socket, new control memfd */
#define CMD_XCOMP 6    /* feature index */
#define CMD_CAS32 7    /* addr, old, new: the value found, or -EFAULT */
/* Reply: struct { i64 result } (negative errno). */
#define REPLY_SIZE 8

#define THREAD_CLONE_FLAGS 0x1250f00UL /* VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|CHILD_CLEARTID|CHILD_SETTID */
#define FORK_CLONE_FLAGS 0x8000UL      /* CLONE_PARENT: the child is elfloader's */

#endif
