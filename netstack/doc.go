// Package netstack is the sandbox network of --net=sandbox: a user-space
// TCP/IP stack (gVisor's tcpip) that serves the app's AF_INET and AF_INET6
// sockets, so that the app never holds a host network socket.
//
// The app's stack has a loopback interface (127.0.0.1/8, ::1) and one
// interface, eth0 (10.0.2.15/24, fd00::15/64). eth0 is one end of a
// virtual wire; at the other end sits a second stack of elfloader's own,
// the gateway (10.0.2.2, fd00::2). The addresses exist only inside the two
// stacks. The gateway:
//
//   - serves published ports (-p HOSTIP:HOSTPORT:APPPORT): a host listening
//     socket whose every accepted connection becomes a gateway connection
//     to the app's port, bytes copied both ways, half-close kept;
//   - with outbound access (--net=sandbox:outbound) terminates the app's
//     TCP connections and UDP flows to other addresses and opens host
//     sockets for them (NAT), its own addresses standing for the host's
//     loopback; without it the app has no default route (ENETUNREACH) and
//     the gateway refuses connections on the subnet (ECONNREFUSED).
//
// The stacks serve TCP, UDP and ICMP echo (ping sockets). HostsFile and
// ResolvConf are the app's /etc/hosts and /etc/resolv.conf.
//
// Every packet on the app's interfaces can be written to a pcap file
// (--pcap, with a small --pcap-filter of host, port and protocol terms),
// one write per packet so the file stays readable if elfloader is killed.
//
// It depends on gVisor's tcpip (and, in its tests, gopacket's pcapgo), not
// on the kernel.
package netstack
