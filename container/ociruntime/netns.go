package ociruntime

// Joining a network namespace by path (the pod's, which Kubernetes' CRI
// plugin makes): setns(CLONE_NEWNET) moves only the calling thread, and Go
// starts threads before main, so the container's init joins it in a C
// constructor that runs while the process still has one thread, before the
// Go runtime starts (as runc's nsexec does). Every socket elfloader then
// opens for the app, from any thread or stub process, is in the namespace.

/*
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void elfloader_join_netns(void) {
	const char *path = getenv("ELFLOADER_OCI_NETNS");
	if (path == NULL || path[0] == 0) {
		return;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		close(fd);
		unsetenv("ELFLOADER_OCI_NETNS");
		return;
	}
	char msg[600];
	int n = snprintf(msg, sizeof msg, "elfloader: joining the network namespace %.400s: %s\n", path, strerror(errno));
	const char *sync = getenv("ELFLOADER_OCI_INIT_SYNC");
	// An init tells create (fd 3); a foreground run its stderr.
	if (write(sync != NULL && strcmp(sync, "3") == 0 ? 3 : 2, msg, n) < 0) {
		_exit(125);
	}
	_exit(125);
}
*/
import "C"

import (
	"os"

	"golang.org/x/sys/unix"
)

// NetnsEnv names the network namespace the process joins as it starts.
const NetnsEnv = "ELFLOADER_OCI_NETNS"

// InNetns reports whether this process is in the network namespace at
// path.
func InNetns(path string) bool {
	var self, target unix.Stat_t
	if unix.Stat("/proc/self/ns/net", &self) != nil || unix.Stat(path, &target) != nil {
		return false
	}
	return self.Dev == target.Dev && self.Ino == target.Ino
}

// JoinNetnsByExec runs this program again, with the same arguments, in the
// network namespace at path (a foreground run has threads already: only a
// new program can join it as a whole). It returns only on error.
func JoinNetnsByExec(path string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return unix.Exec(self, os.Args, append(os.Environ(), NetnsEnv+"="+path))
}
