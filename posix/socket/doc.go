// Package socket serves the socket syscalls. In the host network mode the
// app's AF_INET and AF_INET6 sockets are host sockets (so epoll, sendfile
// and the TCP options behave exactly as Linux); with --net=none they may
// only use loopback addresses. AF_UNIX sockets never appear on the host's
// filesystem: a path the app binds is a socket node in the app's vfs,
// backed by a host abstract-namespace socket private to this kernel, and
// abstract names of the app are namespaced the same way. SCM_RIGHTS passes
// host-backed descriptors (sockets, pipes, eventfds) between app sockets.
//
// AF_NETLINK NETLINK_ROUTE sockets are answered by elfloader (netlink.go):
// the app's socket is one end of a host unix datagram pair the answers are
// written to; only read-only RTM_GET* requests are served (relayed to a
// host rtnetlink socket of elfloader's, or with --net=sandbox built from
// the app's stack, netlink_stack.go), changes get EPERM.
//
// With --net=sandbox the app's AF_INET and AF_INET6 sockets are endpoints
// of its own user-space TCP/IP stack (package netstack) instead: a
// stackSocket is an in-memory file (kernel.Waitable) whose readiness is the
// endpoint's, and each socket call is routed by its descriptor (route) to
// the host half or the stack half (stack_*.go). docs/network.md.
//
// It depends on kernel, shim, vfs and gVisor's tcpip.
package socket
