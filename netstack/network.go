package netstack

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/link/pipe"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// The sandbox's addresses: they exist only inside the two stacks.
var (
	AppIPv4     = tcpip.AddrFrom4([4]byte{10, 0, 2, 15})
	GatewayIPv4 = tcpip.AddrFrom4([4]byte{10, 0, 2, 2})
	AppIPv6     = tcpip.AddrFrom16([16]byte{0: 0xfd, 15: 0x15})
	GatewayIPv6 = tcpip.AddrFrom16([16]byte{0: 0xfd, 15: 0x02})
)

const (
	subnetPrefix4 = 24
	subnetPrefix6 = 64
	// wireMTU is eth0's MTU, a loopback's: the wire is in memory, and
	// fewer, larger packets cost less (a third more nginx requests/s than
	// with an Ethernet's 1500).
	wireMTU = 65520
	// LoopbackNIC and EthernetNIC are the NIC ids of the app's stack.
	LoopbackNIC tcpip.NICID = 1
	EthernetNIC tcpip.NICID = 2
	gatewayNIC  tcpip.NICID = 1
)

// Config is what a sandbox network is built from.
type Config struct {
	// Outbound lets the app's connections leave through host sockets.
	Outbound bool
	// Publish lists the host ports forwarded into the sandbox.
	Publish []Publish
	// Capture, when set, receives every packet of the app's interfaces.
	Capture *Capture
	Log     *slog.Logger
}

// Network is a running sandbox network: the app's stack, the gateway and
// the published ports' host listeners.
type Network struct {
	app, gateway *stack.Stack
	cfg          Config
	log          *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine of the network
	// draining counts the copies of app data to host connections.
	draining sync.WaitGroup

	mu        sync.Mutex
	closing   bool // Close has begun: no new connections
	listeners []net.Listener
	packets   []net.PacketConn
}

// New builds the two stacks, the wire between them, and starts serving the
// published ports.
func New(cfg Config) (*Network, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Network{cfg: cfg, log: log, ctx: ctx, cancel: cancel}
	appEnd, gwEnd := pipe.New("\x02\x00\x00\x00\x00\x0f", "\x02\x00\x00\x00\x00\x02", wireMTU)
	var err error
	if n.app, err = newAppStack(appEnd, cfg); err != nil {
		cancel()
		return nil, err
	}
	if n.gateway, err = newGatewayStack(gwEnd); err != nil {
		n.app.Close()
		cancel()
		return nil, err
	}
	n.serveGateway()
	if err := n.publishAll(); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// Stack is the app's stack; the socket layer makes its endpoints.
func (n *Network) Stack() *stack.Stack { return n.app }

// Outbound reports whether the app may reach addresses beyond the sandbox.
func (n *Network) Outbound() bool { return n.cfg.Outbound }

// drainTimeout bounds how long Close lets the app's last data reach host
// connections (the app has exited; its stack still sends what it queued).
const drainTimeout = 5 * time.Second

// Close stops the published ports, lets the app's data in flight reach
// the host (within drainTimeout), then ends every connection, both stacks
// and the capture.
func (n *Network) Close() {
	n.mu.Lock()
	n.closing = true
	for _, l := range n.listeners {
		l.Close()
	}
	for _, p := range n.packets {
		// No more datagrams in; the app's answers still go out.
		p.SetReadDeadline(time.Now())
	}
	n.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		n.draining.Wait()
		close(drained)
	}()
	timer := time.NewTimer(drainTimeout)
	select {
	case <-drained:
	case <-timer.C:
	}
	timer.Stop()
	n.cancel()
	n.wg.Wait()
	for _, p := range n.packets {
		p.Close()
	}
	n.gateway.Close()
	n.app.Close()
	n.gateway.Wait()
	n.app.Wait()
	if n.cfg.Capture != nil {
		n.cfg.Capture.Close()
	}
}

// newStack makes a stack; handleLocal delivers packets to its own
// addresses without a link (the app's stack; the gateway, promiscuous,
// would take every source address for its own with it).
func newStack(handleLocal bool) *stack.Stack {
	return stack.New(stack.Options{
		NetworkProtocols: []stack.NetworkProtocolFactory{
			ipv4.NewProtocol,
			ipv6.NewProtocolWithOptions(ipv6.Options{DADConfigs: stack.DADConfigurations{DupAddrDetectTransmits: 0}}),
		},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		HandleLocal:        handleLocal,
	})
}

func netErr(what string, err tcpip.Error) error {
	return fmt.Errorf("netstack: %s: %s", what, err)
}

func addAddress(s *stack.Stack, nic tcpip.NICID, addr tcpip.Address, prefix int) error {
	proto := ipv4.ProtocolNumber
	if addr.Len() == 16 {
		proto = ipv6.ProtocolNumber
	}
	pa := tcpip.ProtocolAddress{Protocol: proto, AddressWithPrefix: tcpip.AddressWithPrefix{Address: addr, PrefixLen: prefix}}
	if err := s.AddProtocolAddress(nic, pa, stack.AddressProperties{}); err != nil {
		return netErr(fmt.Sprintf("address %s on nic %d", addr, nic), err)
	}
	return nil
}

func subnet(addr tcpip.Address, prefix int) tcpip.Subnet {
	return tcpip.AddressWithPrefix{Address: addr, PrefixLen: prefix}.Subnet()
}

// newAppStack is the app's stack: loopback, eth0, and a default route
// through the gateway only when outbound access is on.
func newAppStack(wire stack.LinkEndpoint, cfg Config) (*stack.Stack, error) {
	s := newStack(true)
	// Nagle's algorithm on by default, as on Linux (TCP_NODELAY is 0).
	nagle := tcpip.TCPDelayEnabled(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &nagle); err != nil {
		return nil, netErr("tcp delay", err)
	}
	var lo stack.LinkEndpoint = loopback.New()
	if cfg.Capture != nil {
		lo = cfg.Capture.wrap(lo, false)
		wire = cfg.Capture.wrap(wire, true)
	}
	if err := s.CreateNICWithOptions(LoopbackNIC, lo, stack.NICOptions{Name: "lo"}); err != nil {
		return nil, netErr("loopback nic", err)
	}
	if err := s.CreateNICWithOptions(EthernetNIC, wire, stack.NICOptions{Name: "eth0"}); err != nil {
		return nil, netErr("eth0", err)
	}
	for _, a := range []struct {
		nic    tcpip.NICID
		addr   tcpip.Address
		prefix int
	}{
		{LoopbackNIC, tcpip.AddrFrom4([4]byte{127, 0, 0, 1}), 8},
		{LoopbackNIC, header.IPv6Loopback, 128},
		{EthernetNIC, AppIPv4, subnetPrefix4},
		{EthernetNIC, AppIPv6, subnetPrefix6},
	} {
		if err := addAddress(s, a.nic, a.addr, a.prefix); err != nil {
			return nil, err
		}
	}
	routes := []tcpip.Route{
		{Destination: subnet(tcpip.AddrFrom4([4]byte{127}), 8), NIC: LoopbackNIC},
		{Destination: subnet(header.IPv6Loopback, 128), NIC: LoopbackNIC},
		{Destination: subnet(AppIPv4, subnetPrefix4), NIC: EthernetNIC},
		{Destination: subnet(AppIPv6, subnetPrefix6), NIC: EthernetNIC},
	}
	if cfg.Outbound {
		routes = append(routes,
			tcpip.Route{Destination: header.IPv4EmptySubnet, Gateway: GatewayIPv4, NIC: EthernetNIC},
			tcpip.Route{Destination: header.IPv6EmptySubnet, Gateway: GatewayIPv6, NIC: EthernetNIC})
	}
	s.SetRouteTable(routes)
	return s, nil
}

// newGatewayStack is elfloader's end of the wire. It accepts packets for
// any address (promiscuous) and answers as any address (spoofing), so that
// it can stand for every host beyond the sandbox.
func newGatewayStack(wire stack.LinkEndpoint) (*stack.Stack, error) {
	s := newStack(false)
	if err := s.CreateNICWithOptions(gatewayNIC, wire, stack.NICOptions{Name: "gw0"}); err != nil {
		return nil, netErr("gateway nic", err)
	}
	if err := addAddress(s, gatewayNIC, GatewayIPv4, subnetPrefix4); err != nil {
		return nil, err
	}
	if err := addAddress(s, gatewayNIC, GatewayIPv6, subnetPrefix6); err != nil {
		return nil, err
	}
	if err := s.SetPromiscuousMode(gatewayNIC, true); err != nil {
		return nil, netErr("promiscuous", err)
	}
	if err := s.SetSpoofing(gatewayNIC, true); err != nil {
		return nil, netErr("spoofing", err)
	}
	s.SetRouteTable([]tcpip.Route{
		{Destination: header.IPv4EmptySubnet, NIC: gatewayNIC},
		{Destination: header.IPv6EmptySubnet, NIC: gatewayNIC},
	})
	return s, nil
}
