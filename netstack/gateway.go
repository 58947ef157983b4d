package netstack

import (
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// outboundDialTimeout bounds a NATed connection's host connect.
const outboundDialTimeout = 30 * time.Second

// maxConnecting bounds the app's connections the gateway handles at once
// before they are established.
const maxConnecting = 256

// serveGateway makes the gateway answer the app's connections to any
// address: a host connection for each with outbound access, a reset
// (ECONNREFUSED in the app) without; and with outbound access, the app's
// UDP flows through host UDP sockets.
func (n *Network) serveGateway() {
	fwd := tcp.NewForwarder(n.gateway, 0, maxConnecting, n.forwardOutbound)
	n.gateway.SetTransportProtocolHandler(tcp.ProtocolNumber, fwd.HandlePacket)
	if n.cfg.Outbound {
		udpFwd := udp.NewForwarder(n.gateway, n.forwardUDP)
		n.gateway.SetTransportProtocolHandler(udp.ProtocolNumber, udpFwd.HandlePacket)
	}
}

// hostDestination is the host address the gateway dials for the app's
// destination: the gateway's own addresses stand for the host's loopback
// (as slirp's 10.0.2.2 does), every other address for itself.
func hostDestination(addr tcpip.Address, port uint16) string {
	host := addr.String()
	switch addr {
	case GatewayIPv4:
		host = "127.0.0.1"
	case GatewayIPv6:
		host = "::1"
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

func (n *Network) forwardOutbound(r *tcp.ForwarderRequest) {
	if !n.cfg.Outbound {
		r.Complete(true)
		return
	}
	id := r.ID()
	dst := hostDestination(id.LocalAddress, id.LocalPort)
	d := net.Dialer{Timeout: outboundDialTimeout}
	host, err := d.DialContext(n.ctx, "tcp", dst)
	if err != nil {
		n.log.Debug("netstack: outbound connect", "dst", dst, "err", err)
		r.Complete(true)
		return
	}
	var wq waiter.Queue
	ep, terr := r.CreateEndpoint(&wq)
	if terr != nil {
		host.Close()
		r.Complete(true)
		return
	}
	r.Complete(false)
	app := gonet.NewTCPConn(&wq, ep)
	if !n.spawn(func() { n.splice(host.(*net.TCPConn), app) }) {
		host.Close()
		app.Close()
	}
}

// forwardUDP gives a new UDP flow of the app a host UDP socket connected
// to its destination, and copies datagrams both ways until the flow is
// idle for udpIdle.
func (n *Network) forwardUDP(r *udp.ForwarderRequest) bool {
	id := r.ID()
	host, err := net.Dial("udp", hostDestination(id.LocalAddress, id.LocalPort))
	if err != nil {
		n.log.Debug("netstack: outbound udp", "dst", id.LocalAddress, "err", err)
		return false
	}
	var wq waiter.Queue
	ep, terr := r.CreateEndpoint(&wq)
	if terr != nil {
		host.Close()
		return false
	}
	app := gonet.NewUDPConn(&wq, ep)
	if !n.spawn(func() { n.pipeDatagrams(app, host) }) {
		app.Close()
		host.Close()
	}
	return true
}

// pipeDatagrams copies datagrams between two connected sockets until
// either is idle for udpIdle or fails; once the network closes, until
// neither has anything queued.
func (n *Network) pipeDatagrams(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyDatagrams(n.ctx, b, writeTo(a))
	}()
	copyDatagrams(n.ctx, a, writeTo(b))
	<-done
	a.Close()
	b.Close()
}

// udpDrain is how long a UDP copy waits for more once the network closes:
// what was queued before (the app's last answers) still goes out.
const udpDrain = 50 * time.Millisecond

// copyDatagrams passes each datagram read from src to send, until src
// is idle for udpIdle (udpDrain once ctx is done) or either fails.
func copyDatagrams(ctx context.Context, src net.Conn, send func([]byte) error) {
	var mu sync.Mutex // orders the deadline of ctx's end after the loop's
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		src.SetReadDeadline(time.Now().Add(udpDrain))
	})
	defer stop()
	buf := make([]byte, 65536)
	for {
		mu.Lock()
		wait := udpIdle
		if ctx.Err() != nil {
			wait = udpDrain
		}
		src.SetReadDeadline(time.Now().Add(wait))
		mu.Unlock()
		m, err := src.Read(buf)
		if err != nil {
			return
		}
		if err := send(buf[:m]); err != nil {
			return
		}
	}
}

// writeTo sends datagrams on a connected socket.
func writeTo(c net.Conn) func([]byte) error {
	return func(p []byte) error {
		_, err := c.Write(p)
		return err
	}
}

// spawn runs fn on a goroutine the network waits for in Close, unless the
// network is closing (false).
func (n *Network) spawn(fn func()) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		return false
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		fn()
	}()
	return true
}

// halfCloser is a stream whose write side closes alone (shutdown SHUT_WR).
type halfCloser interface {
	io.ReadWriteCloser
	CloseWrite() error
}

// splice copies between a host connection and a gateway connection to
// the app until both directions end; the end of one direction's data
// closes the other side's write half, so a half-closed connection stays
// half-closed. The app-to-host direction counts in n.draining: closing the
// network lets it deliver what the app sent before it exited.
func (n *Network) splice(host, app halfCloser) {
	if !n.startDraining() {
		host.Close()
		app.Close()
		return
	}
	stop := context.AfterFunc(n.ctx, func() { host.Close(); app.Close() })
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer n.draining.Done()
		io.Copy(host, app)
		host.CloseWrite()
	}()
	io.Copy(app, host)
	app.CloseWrite()
	<-done
	host.Close()
	app.Close()
}

// startDraining counts a new app-to-host copy, unless the network is
// closing.
func (n *Network) startDraining() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		return false
	}
	n.draining.Add(1)
	return true
}
