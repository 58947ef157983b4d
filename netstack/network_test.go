package netstack

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
)

func TestGatewayReachesApp(t *testing.T) {
	n, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	l, err := gonet.ListenTCP(n.Stack(), tcpip.FullAddress{Port: 8000}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("hi"))
		c.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := gonet.DialContextTCP(ctx, n.gateway, appAddr(8000), ipv4.ProtocolNumber)
	if err != nil {
		t.Logf("gw stats: %+v", n.gateway.Stats().IP)
		t.Logf("gw tcp: %+v", n.gateway.Stats().TCP)
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	if string(b) != "hi" {
		t.Fatalf("got %q", b)
	}
}

// TestCaptureRecordsHandshake captures a gateway-to-app connection and
// reads the file back: a SYN to the app, its SYN-ACK, and the payload.
func TestCaptureRecordsHandshake(t *testing.T) {
	var file bytes.Buffer
	filter, err := ParseFilter("tcp and port 8001")
	if err != nil {
		t.Fatal(err)
	}
	capture, err := NewCapture(&file, filter)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	l, err := gonet.ListenTCP(n.Stack(), tcpip.FullAddress{Port: 8001}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if c, err := l.Accept(); err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := gonet.DialContextTCP(ctx, n.gateway, appAddr(8001), ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("captured payload"))
	c.Close()
	l.Close()
	n.Close()

	r, err := pcapgo.NewReader(&file)
	if err != nil {
		t.Fatalf("pcap header: %v", err)
	}
	var syn, synAck, payload bool
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		ip := header.IPv4(data)
		tcp := header.TCP(ip.Payload())
		flags := tcp.Flags()
		syn = syn || flags == header.TCPFlagSyn && ip.DestinationAddress() == AppIPv4
		synAck = synAck || flags == header.TCPFlagSyn|header.TCPFlagAck && ip.SourceAddress() == AppIPv4
		payload = payload || bytes.Contains(tcp.Payload(), []byte("captured payload"))
	}
	if !syn || !synAck || !payload {
		t.Errorf("capture: SYN %v, SYN-ACK %v, payload %v", syn, synAck, payload)
	}
}
