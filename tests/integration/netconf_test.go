package integration

import "testing"

// TestEpollDup: a descriptor and its dups are separate registrations of
// one epoll set (own events, data, MOD and DEL), which stay until the
// file's last descriptor closes (epoll(7), Q6); Go's net.FileListener
// adds such a dup of a registered listener.
func TestEpollDup(t *testing.T) {
	runBreadth(t, "epoll_dup.c", false)
}
