package netstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/nested"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// snapLen is the capture length of a packet: all of it.
const snapLen = 65536

// Capture writes packets in pcap format (raw IP link type). Each packet is
// one write to the destination, so that a reader sees whole packets even
// when elfloader dies between two of them.
type Capture struct {
	mu     sync.Mutex
	dst    io.Writer
	buf    bytes.Buffer
	filter Filter
	err    error
}

// NewCapture writes the pcap file header to dst and returns a capture that
// keeps the packets filter matches.
func NewCapture(dst io.Writer, filter Filter) (*Capture, error) {
	c := &Capture{dst: dst, filter: filter}
	writePcapHeader(&c.buf, snapLen)
	if err := c.flushLocked(); err != nil {
		return nil, fmt.Errorf("netstack: pcap header: %w", err)
	}
	return c, nil
}

func (c *Capture) flushLocked() error {
	_, err := c.dst.Write(c.buf.Bytes())
	c.buf.Reset()
	return err
}

// Close stops the capture and closes its destination when it is a file
// (or any io.Closer); packets after it are dropped.
func (c *Capture) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = errCaptureClosed
	}
	if cl, ok := c.dst.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

var errCaptureClosed = errors.New("netstack: capture closed")

// packet records one packet (its network header onwards).
func (c *Capture) packet(pkt *stack.PacketBuffer) {
	buf := pkt.ToBuffer()
	buf.TrimFront(int64(len(pkt.LinkHeader().Slice())))
	b := buf.Flatten()
	buf.Release()
	if !c.filter.Match(b) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return // the destination failed once (disk full): stop writing
	}
	n := min(len(b), snapLen)
	writePcapRecord(&c.buf, time.Now(), b[:n], len(b))
	c.err = c.flushLocked()
}

// captureEndpoint records the packets through a link endpoint: those the
// stack sends, and with recv those it receives (a loopback's received
// packets are its sent ones, recorded once).
type captureEndpoint struct {
	nested.Endpoint
	c    *Capture
	recv bool
}

func (c *Capture) wrap(lower stack.LinkEndpoint, recv bool) stack.LinkEndpoint {
	e := &captureEndpoint{c: c, recv: recv}
	e.Endpoint.Init(lower, e)
	return e
}

// DeliverNetworkPacket implements stack.NetworkDispatcher.
func (e *captureEndpoint) DeliverNetworkPacket(proto tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	if e.recv {
		e.c.packet(pkt)
	}
	e.Endpoint.DeliverNetworkPacket(proto, pkt)
}

// WritePackets implements stack.LinkEndpoint.
func (e *captureEndpoint) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	for _, pkt := range pkts.AsSlice() {
		e.c.packet(pkt)
	}
	return e.Endpoint.WritePackets(pkts)
}

// Filter is a small pcap filter: terms joined by "and", each one of tcp,
// udp, icmp, "host ADDR" or "port N"; the empty filter keeps everything.
type Filter struct {
	protos []uint8
	hosts  []tcpip.Address
	ports  []uint16
}

// ParseFilter reads a filter expression.
func ParseFilter(expr string) (Filter, error) {
	var f Filter
	words := strings.Fields(expr)
	for i := 0; i < len(words); i++ {
		switch w := words[i]; w {
		case "and":
		case "tcp":
			f.protos = append(f.protos, uint8(header.TCPProtocolNumber))
		case "udp":
			f.protos = append(f.protos, uint8(header.UDPProtocolNumber))
		case "icmp":
			f.protos = append(f.protos, uint8(header.ICMPv4ProtocolNumber), uint8(header.ICMPv6ProtocolNumber))
		case "host", "port":
			if i+1 == len(words) {
				return f, fmt.Errorf("pcap filter %q: %s needs a value", expr, w)
			}
			i++
			if err := f.addValue(w, words[i]); err != nil {
				return f, fmt.Errorf("pcap filter %q: %w", expr, err)
			}
		default:
			return f, fmt.Errorf("pcap filter %q: unknown term %q (want tcp, udp, icmp, host ADDR, port N, and)", expr, w)
		}
	}
	return f, nil
}

func (f *Filter) addValue(kind, v string) error {
	if kind == "port" {
		p, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return fmt.Errorf("port %q: %w", v, err)
		}
		f.ports = append(f.ports, uint16(p))
		return nil
	}
	ip, err := parseIP(v)
	if err != nil {
		return err
	}
	f.hosts = append(f.hosts, ip)
	return nil
}

// packetFields are what a filter looks at in a packet.
type packetFields struct {
	proto            uint8
	src, dst         tcpip.Address
	srcPort, dstPort uint16
	hasPorts         bool
}

func parsePacket(b []byte) (packetFields, bool) {
	var p packetFields
	var transport []byte
	switch header.IPVersion(b) {
	case header.IPv4Version:
		ip := header.IPv4(b)
		if !ip.IsValid(len(b)) {
			return p, false
		}
		p.proto, p.src, p.dst, transport = ip.Protocol(), ip.SourceAddress(), ip.DestinationAddress(), ip.Payload()
	case header.IPv6Version:
		if len(b) < header.IPv6MinimumSize {
			return p, false
		}
		ip := header.IPv6(b)
		p.proto, p.src, p.dst, transport = ip.NextHeader(), ip.SourceAddress(), ip.DestinationAddress(), ip.Payload()
	default:
		return p, false
	}
	if (p.proto == uint8(header.TCPProtocolNumber) || p.proto == uint8(header.UDPProtocolNumber)) && len(transport) >= 4 {
		p.srcPort, p.dstPort, p.hasPorts = uint16(transport[0])<<8|uint16(transport[1]), uint16(transport[2])<<8|uint16(transport[3]), true
	}
	return p, true
}

// Match reports whether the packet b (an IP packet) passes the filter.
func (f Filter) Match(b []byte) bool {
	if len(f.protos) == 0 && len(f.hosts) == 0 && len(f.ports) == 0 {
		return true
	}
	p, ok := parsePacket(b)
	if !ok {
		return false
	}
	if len(f.protos) > 0 && !contains(f.protos, p.proto) {
		return false
	}
	for _, h := range f.hosts {
		if p.src != h && p.dst != h {
			return false
		}
	}
	for _, port := range f.ports {
		if !p.hasPorts || (p.srcPort != port && p.dstPort != port) {
			return false
		}
	}
	return true
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
