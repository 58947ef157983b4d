package netstack

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strings"
)

// HostsFile is the app's /etc/hosts: loopback, and its host name on its
// eth0 addresses.
func HostsFile(hostname string) []byte {
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	if hostname != "" && hostname != "localhost" {
		fmt.Fprintf(&b, "%s\t%s\n%s\t%s\n", AppIPv4, hostname, AppIPv6, hostname)
	}
	return b.Bytes()
}

// ResolvConf is the app's /etc/resolv.conf made from the host's. Without
// outbound access the app can reach no name server, and the file says so;
// with it, the host's servers are kept and loopback ones (a local
// resolver) are reached through the gateway, which stands for the host's
// loopback.
func ResolvConf(host []byte, outbound bool) []byte {
	if !outbound {
		return []byte("# elfloader --net=sandbox: no name server (no route out of the sandbox)\n")
	}
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "nameserver" {
			if a, err := netip.ParseAddr(fields[1]); err == nil && a.IsLoopback() {
				gw := GatewayIPv4.String()
				if a.Is6() && !a.Is4In6() {
					gw = GatewayIPv6.String()
				}
				line = "nameserver " + gw
			}
		}
		b.WriteString(line + "\n")
	}
	return b.Bytes()
}
