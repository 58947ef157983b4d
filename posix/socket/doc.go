// Package socket serves the socket syscalls. In the host network mode the
// app's AF_INET and AF_INET6 sockets are host sockets (so epoll, sendfile
// and the TCP options behave exactly as Linux); with --net=none they may
// only use loopback addresses. AF_UNIX sockets never appear on the host's
// filesystem: a path the app binds is a socket node in the app's vfs,
// backed by a host abstract-namespace socket private to this kernel, and
// abstract names of the app are namespaced the same way. SCM_RIGHTS passes
// host-backed descriptors (sockets, pipes, eventfds) between app sockets.
//
// The layer is one interface away from an isolated user-space TCP/IP stack:
// every host call goes through the hostStack type.
//
// It depends on kernel, shim and vfs.
package socket
