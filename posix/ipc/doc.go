// Package ipc serves System V IPC: shared memory (shmget, shmat, shmdt,
// shmctl), semaphore sets (semget, semop, semtimedop, semctl) and message
// queues (msgget, msgsnd, msgrcv, msgctl), in one IPC namespace per
// kernel, shared by all the app's processes; and POSIX message queues
// (mq_open, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr,
// mq_unlink: mq.go), whose descriptors poll and epoll watch as in-memory
// files (kernel.Waitable).
//
// Shared memory segments are host memfds mapped MAP_SHARED through the
// process's kernel.MM, so every process that attaches one sees the same
// pages on any platform; an attachment belongs to an address space and
// follows it (kernel.MMObserver): a fork child inherits it, exit and
// execve detach it. Blocking semop and msgsnd/msgrcv wait with
// Task.Block and end with EINTR when a signal arrives (they are never
// restarted, as in Linux). It depends on kernel and shim only.
package ipc
