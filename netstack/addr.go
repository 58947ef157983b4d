package netstack

import (
	"fmt"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// parseIP reads an IPv4 or IPv6 address into the stack's form.
func parseIP(s string) (tcpip.Address, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return tcpip.Address{}, fmt.Errorf("address %q: %w", s, err)
	}
	return tcpip.AddrFromSlice(a.Unmap().AsSlice()), nil
}
