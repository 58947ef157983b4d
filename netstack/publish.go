package netstack

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
)

// Publish is one -p/--publish rule: a host port forwarded to an app port.
type Publish struct {
	HostIP   string // the host address to listen on
	HostPort uint16
	AppPort  uint16
	Proto    string // "tcp" or "udp"
}

// DefaultPublishIP is the host address of a rule that names none: unlike
// docker, the published port is reachable from this host only unless the
// rule says otherwise.
const DefaultPublishIP = "127.0.0.1"

// ParsePublish reads docker's [HOSTIP:]HOSTPORT:APPPORT[/tcp|udp]; an IPv6
// HOSTIP is written in brackets.
func ParsePublish(s string) (Publish, error) {
	p := Publish{HostIP: DefaultPublishIP, Proto: "tcp"}
	spec := s
	if i := strings.LastIndexByte(spec, '/'); i >= 0 {
		p.Proto = spec[i+1:]
		spec = spec[:i]
		if p.Proto != "tcp" && p.Proto != "udp" {
			return p, fmt.Errorf("publish %q: protocol %q: want tcp or udp", s, p.Proto)
		}
	}
	i := strings.LastIndexByte(spec, ':')
	if i < 0 {
		return p, fmt.Errorf("publish %q: want [HOSTIP:]HOSTPORT:APPPORT[/tcp|udp]", s)
	}
	appPort, hostPart := spec[i+1:], spec[:i]
	hostPort := hostPart
	if j := strings.LastIndexByte(hostPart, ':'); j >= 0 {
		p.HostIP, hostPort = strings.Trim(hostPart[:j], "[]"), hostPart[j+1:]
		if net.ParseIP(p.HostIP) == nil {
			return p, fmt.Errorf("publish %q: host address %q is not an IP address", s, p.HostIP)
		}
	}
	var err error
	if p.HostPort, err = parsePort(hostPort); err != nil {
		return p, fmt.Errorf("publish %q: host port: %w", s, err)
	}
	if p.AppPort, err = parsePort(appPort); err != nil {
		return p, fmt.Errorf("publish %q: app port: %w", s, err)
	}
	if p.AppPort == 0 {
		return p, fmt.Errorf("publish %q: app port 0", s)
	}
	return p, nil
}

func parsePort(s string) (uint16, error) {
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q: %w", s, err)
	}
	return uint16(v), nil
}

// String is the rule in docker's syntax.
func (p Publish) String() string {
	host := p.HostIP
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%d:%d/%s", host, p.HostPort, p.AppPort, p.Proto)
}

func (n *Network) publishAll() error {
	for _, p := range n.cfg.Publish {
		addr := net.JoinHostPort(p.HostIP, strconv.Itoa(int(p.HostPort)))
		if p.Proto == "udp" {
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				return fmt.Errorf("netstack: publish %s: %w", p, err)
			}
			n.mu.Lock()
			n.packets = append(n.packets, pc)
			n.mu.Unlock()
			n.spawn(func() { n.relayUDP(pc, p.AppPort) })
			continue
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("netstack: publish %s: %w", p, err)
		}
		n.mu.Lock()
		n.listeners = append(n.listeners, l)
		n.mu.Unlock()
		n.spawn(func() { n.acceptPublished(l, p.AppPort) })
	}
	return nil
}

// appAddr is the app's eth0 IPv4 address at port.
func appAddr(port uint16) tcpip.FullAddress {
	return tcpip.FullAddress{NIC: gatewayNIC, Addr: AppIPv4, Port: port}
}

// dialApp connects to the app's port over IPv4, or over IPv6 when nothing
// listens for IPv4 there (an IPV6_V6ONLY listener, nginx's [::]:PORT).
func (n *Network) dialApp(port uint16) (*gonet.TCPConn, error) {
	c, err := gonet.DialContextTCP(n.ctx, n.gateway, appAddr(port), ipv4.ProtocolNumber)
	if err == nil {
		return c, nil
	}
	v6 := tcpip.FullAddress{NIC: gatewayNIC, Addr: AppIPv6, Port: port}
	if c6, err6 := gonet.DialContextTCP(n.ctx, n.gateway, v6, ipv6.ProtocolNumber); err6 == nil {
		return c6, nil
	}
	return nil, err
}

// acceptPublished turns each host connection into a gateway connection to
// the app's port (refused like the app refuses it: the host side is closed).
func (n *Network) acceptPublished(l net.Listener, appPort uint16) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		n.spawn(func() {
			app, err := n.dialApp(appPort)
			if err != nil {
				n.log.Debug("netstack: published port", "port", appPort, "err", err)
				c.Close()
				return
			}
			n.splice(c.(*net.TCPConn), app)
		})
	}
}

// udpIdle is how long a published UDP flow lives without traffic.
const udpIdle = 2 * time.Minute

// relayUDP forwards each host client's datagrams to the app's port from a
// gateway socket of its own, and the app's answers back to the client.
func (n *Network) relayUDP(pc net.PacketConn, appPort uint16) {
	// The flows end by themselves: idle, or drained when the network
	// closes.
	flows := &udpFlows{byClient: map[string]*gonet.UDPConn{}}
	buf := make([]byte, 65536)
	for {
		m, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		flow := flows.get(from.String())
		if flow == nil {
			if flow = n.newUDPFlow(pc, flows, from, appPort); flow == nil {
				continue
			}
		}
		flow.Write(buf[:m])
	}
}

// udpFlows are a published UDP port's gateway sockets by host client.
type udpFlows struct {
	mu       sync.Mutex
	byClient map[string]*gonet.UDPConn
}

func (f *udpFlows) get(client string) *gonet.UDPConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byClient[client]
}

// drop forgets flow, unless the client has a newer one.
func (f *udpFlows) drop(client string, flow *gonet.UDPConn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byClient[client] == flow {
		delete(f.byClient, client)
	}
}

// newUDPFlow opens the gateway socket of a new client and relays the
// app's answers to it until the flow is idle.
func (n *Network) newUDPFlow(pc net.PacketConn, flows *udpFlows, from net.Addr, appPort uint16) *gonet.UDPConn {
	dst := appAddr(appPort)
	flow, err := gonet.DialUDP(n.gateway, nil, &dst, ipv4.ProtocolNumber)
	if err != nil {
		return nil
	}
	flows.mu.Lock()
	flows.byClient[from.String()] = flow
	flows.mu.Unlock()
	if !n.spawn(func() {
		defer flows.drop(from.String(), flow)
		n.udpReplies(pc, flow, from)
	}) {
		flow.Close()
		return nil
	}
	return flow
}

// udpReplies copies the app's answers on flow to the client to.
func (n *Network) udpReplies(pc net.PacketConn, flow *gonet.UDPConn, to net.Addr) {
	defer flow.Close()
	copyDatagrams(n.ctx, flow, func(p []byte) error {
		_, err := pc.WriteTo(p, to)
		return err
	})
}
