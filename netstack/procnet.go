package netstack

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// ProcNet is the text of the app's /proc/net/NAME for the app's stack, in
// Linux's formats: dev (interface counters), if_inet6 (IPv6 addresses),
// igmp and igmp6 (multicast memberships: the all-hosts groups every
// interface of the stack joins, 224.0.0.1, ff02::1 and ff01::1).
func (n *Network) ProcNet(name string) ([]byte, bool) {
	nics := n.app.NICInfo()
	ids := make([]int, 0, len(nics))
	for id := range nics {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	var b bytes.Buffer
	switch name {
	case "dev":
		b.WriteString("Inter-|   Receive                                                |  Transmit\n")
		b.WriteString(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n")
		for _, id := range ids {
			nic := nics[tcpip.NICID(id)]
			rx, tx := nic.Stats.Rx, nic.Stats.Tx
			fmt.Fprintf(&b, "%6s: %7d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d %4d %5d %7d %10d\n",
				nic.Name, rx.Bytes.Value(), rx.Packets.Value(), 0, nic.Stats.MalformedL4RcvdPackets.Value(), 0, 0, 0, 0,
				tx.Bytes.Value(), tx.Packets.Value(), 0, nic.Stats.TxPacketsDroppedNoBufferSpace.Value(), 0, 0, 0, 0)
		}
	case "if_inet6":
		for _, id := range ids {
			nic := nics[tcpip.NICID(id)]
			for _, pa := range nic.ProtocolAddresses {
				if pa.Protocol != ipv6.ProtocolNumber {
					continue
				}
				ip := pa.AddressWithPrefix.Address.AsSlice()
				scope := 0x00
				switch {
				case nic.Flags.Loopback:
					scope = 0x10
				case ip[0] == 0xfe && ip[1]&0xc0 == 0x80:
					scope = 0x20
				}
				fmt.Fprintf(&b, "%s %02x %02x %02x %02x %8s\n", hex.EncodeToString(ip), id, pa.AddressWithPrefix.PrefixLen, scope, 0x80, nic.Name)
			}
		}
	case "igmp":
		b.WriteString("Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n")
		for _, id := range ids {
			nic := nics[tcpip.NICID(id)]
			if !hasProtocol(nic, ipv4.ProtocolNumber) {
				continue
			}
			fmt.Fprintf(&b, "%d\t%-10s: %5d %7s\n", id, nic.Name, 1, "V3")
			// 224.0.0.1 in the kernel's (network-order) word, as %08X.
			fmt.Fprintf(&b, "\t\t\t\t%08X %5d %d:%08X\t\t%d\n", 0x010000E0, 1, 0, 0, 0)
		}
	case "igmp6":
		for _, id := range ids {
			nic := nics[tcpip.NICID(id)]
			if !hasProtocol(nic, ipv6.ProtocolNumber) {
				continue
			}
			fmt.Fprintf(&b, "%-4d %-15s %s %5d %08X %d\n", id, nic.Name, "ff020000000000000000000000000001", 1, 0xC, 0)
			fmt.Fprintf(&b, "%-4d %-15s %s %5d %08X %d\n", id, nic.Name, "ff010000000000000000000000000001", 1, 0x8, 0)
		}
	default:
		return nil, false
	}
	return b.Bytes(), true
}

func hasProtocol(nic stack.NICInfo, p tcpip.NetworkProtocolNumber) bool {
	for _, pa := range nic.ProtocolAddresses {
		if pa.Protocol == p {
			return true
		}
	}
	return false
}
