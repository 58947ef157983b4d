package netstack

import (
	"context"
	"io"
	"net"
	"strconv"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// outboundDialTimeout bounds a NATed connection's host connect.
const outboundDialTimeout = 30 * time.Second

// maxConnecting bounds the app's connections the gateway handles at once
// before they are established.
const maxConnecting = 256

// serveGateway makes the gateway answer the app's connections to any
// address: a host connection for each with outbound access, a reset
// (ECONNREFUSED in the app) without.
func (n *Network) serveGateway() {
	fwd := tcp.NewForwarder(n.gateway, 0, maxConnecting, n.forwardOutbound)
	n.gateway.SetTransportProtocolHandler(tcp.ProtocolNumber, fwd.HandlePacket)
}

func (n *Network) forwardOutbound(r *tcp.ForwarderRequest) {
	if !n.cfg.Outbound {
		r.Complete(true)
		return
	}
	id := r.ID()
	dst := net.JoinHostPort(id.LocalAddress.String(), strconv.Itoa(int(id.LocalPort)))
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
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.splice(host.(*net.TCPConn), gonet.NewTCPConn(&wq, ep))
	}()
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
