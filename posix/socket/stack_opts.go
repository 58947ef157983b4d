//go:build !elfloader_lean

package socket

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
)

// optKey is a socket option: its level and name.
type optKey struct{ level, name int }

// boolOpt is an on/off option of the endpoint's SocketOptions.
type boolOpt struct {
	get func(*tcpip.SocketOptions) bool
	set func(*tcpip.SocketOptions, bool)
}

// boolOpts are the on/off options the sandbox's sockets serve.
var boolOpts = map[optKey]boolOpt{
	{unix.SOL_SOCKET, unix.SO_REUSEADDR}: {(*tcpip.SocketOptions).GetReuseAddress, (*tcpip.SocketOptions).SetReuseAddress},
	{unix.SOL_SOCKET, unix.SO_REUSEPORT}: {(*tcpip.SocketOptions).GetReusePort, (*tcpip.SocketOptions).SetReusePort},
	{unix.SOL_SOCKET, unix.SO_KEEPALIVE}: {(*tcpip.SocketOptions).GetKeepAlive, (*tcpip.SocketOptions).SetKeepAlive},
	{unix.SOL_SOCKET, unix.SO_BROADCAST}: {(*tcpip.SocketOptions).GetBroadcast, (*tcpip.SocketOptions).SetBroadcast},
	{unix.IPPROTO_TCP, unix.TCP_NODELAY}: {
		func(o *tcpip.SocketOptions) bool { return !o.GetDelayOption() },
		func(o *tcpip.SocketOptions, v bool) { o.SetDelayOption(!v) },
	},
	{unix.IPPROTO_TCP, unix.TCP_CORK}:     {(*tcpip.SocketOptions).GetCorkOption, (*tcpip.SocketOptions).SetCorkOption},
	{unix.IPPROTO_TCP, unix.TCP_QUICKACK}: {(*tcpip.SocketOptions).GetQuickAck, (*tcpip.SocketOptions).SetQuickAck},
	{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY}: {(*tcpip.SocketOptions).GetV6Only, (*tcpip.SocketOptions).SetV6Only},
}

// intOpts are the integer options the endpoint keeps itself.
var intOpts = map[optKey]tcpip.SockOptInt{
	{unix.IPPROTO_TCP, unix.TCP_KEEPCNT}:          tcpip.KeepaliveCountOption,
	{unix.IPPROTO_TCP, unix.TCP_MAXSEG}:           tcpip.MaxSegOption,
	{unix.IPPROTO_TCP, unix.TCP_SYNCNT}:           tcpip.TCPSynCountOption,
	{unix.IPPROTO_TCP, unix.TCP_WINDOW_CLAMP}:     tcpip.TCPWindowClampOption,
	{unix.IPPROTO_IP, unix.IP_TOS}:                tcpip.IPv4TOSOption,
	{unix.IPPROTO_IP, unix.IP_TTL}:                tcpip.IPv4TTLOption,
	{unix.IPPROTO_IPV6, unix.IPV6_TCLASS}:         tcpip.IPv6TrafficClassOption,
	{unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS}:   tcpip.IPv6HopLimitOption,
	{unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS}: tcpip.MulticastTTLOption,
}

// Linux's limits of TCP_KEEPCNT and TCP_SYNCNT (MAX_TCP_KEEPCNT,
// MAX_TCP_SYNCNT of include/net/tcp.h).
const (
	maxTCPKeepcnt = 127
	maxTCPSyncnt  = 127
)

// intRanges are the values Linux accepts for integer options it checks
// before the stack sees them.
var intRanges = map[optKey]struct{ min, max int32 }{
	{unix.IPPROTO_TCP, unix.TCP_KEEPCNT}: {1, maxTCPKeepcnt},
	{unix.IPPROTO_TCP, unix.TCP_SYNCNT}:  {1, maxTCPSyncnt},
}

// durationOpts are the TCP options that are times, in the unit the app
// uses for them.
var durationOpts = map[optKey]time.Duration{
	{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE}:     time.Second,
	{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL}:    time.Second,
	{unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT}: time.Millisecond,
	{unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT}: time.Second,
}

func durationOption(name int, d time.Duration) tcpip.SettableSocketOption {
	switch name {
	case unix.TCP_KEEPIDLE:
		o := tcpip.KeepaliveIdleOption(d)
		return &o
	case unix.TCP_KEEPINTVL:
		o := tcpip.KeepaliveIntervalOption(d)
		return &o
	case unix.TCP_USER_TIMEOUT:
		o := tcpip.TCPUserTimeoutOption(d)
		return &o
	default:
		o := tcpip.TCPDeferAcceptOption(d)
		return &o
	}
}

func getDuration(ep tcpip.Endpoint, name int) (time.Duration, tcpip.Error) {
	switch name {
	case unix.TCP_KEEPIDLE:
		var o tcpip.KeepaliveIdleOption
		err := ep.GetSockOpt(&o)
		return time.Duration(o), err
	case unix.TCP_KEEPINTVL:
		var o tcpip.KeepaliveIntervalOption
		err := ep.GetSockOpt(&o)
		return time.Duration(o), err
	case unix.TCP_USER_TIMEOUT:
		var o tcpip.TCPUserTimeoutOption
		err := ep.GetSockOpt(&o)
		return time.Duration(o), err
	default:
		var o tcpip.TCPDeferAcceptOption
		err := ep.GetSockOpt(&o)
		return time.Duration(o), err
	}
}

// levelServed reports whether the socket has options at level: TCP's only
// on stream sockets, IPv6's only on IPv6 sockets.
func (s *stackSocket) levelServed(level int) bool {
	switch level {
	case unix.SOL_SOCKET, unix.IPPROTO_IP:
		return true
	case unix.IPPROTO_TCP:
		return s.typ == unix.SOCK_STREAM
	case unix.IPPROTO_IPV6:
		return s.family == unix.AF_INET6
	}
	return false
}

func int32Of(buf []byte) (int32, error) {
	if len(buf) < 4 {
		return 0, unix.EINVAL
	}
	return int32(binary.LittleEndian.Uint32(buf)), nil
}

func int32Bytes(v int32) []byte {
	return binary.LittleEndian.AppendUint32(nil, uint32(v))
}

// hostRoundedTimeout is the SO_RCVTIMEO or SO_SNDTIMEO the host kernel
// keeps for the app's timeval: set on a host socket of the moment and
// read back, so that its checks (EDOM, EINVAL) and its rounding to the
// kernel's clock ticks are the host's own.
func hostRoundedTimeout(name int, buf []byte) (time.Duration, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	if err := rawSetsockopt(fd, unix.SOL_SOCKET, name, buf); err != nil {
		return 0, err
	}
	tv, err := unix.GetsockoptTimeval(fd, unix.SOL_SOCKET, name)
	if err != nil {
		return 0, err
	}
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond, nil
}

func timevalBytes(d time.Duration) []byte {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	buf := make([]byte, linux.SizeofTimeval)
	kernel.EncodeStruct(buf, &tv)
	return buf
}

// setsockopt applies an option the app set.
func (s *stackSocket) setsockopt(level, name int, buf []byte) error {
	if !s.levelServed(level) {
		return unix.ENOPROTOOPT
	}
	k := optKey{level, name}
	opts := s.ep.SocketOptions()
	switch k {
	case optKey{unix.SOL_SOCKET, unix.SO_RCVTIMEO}, optKey{unix.SOL_SOCKET, unix.SO_SNDTIMEO}:
		d, err := hostRoundedTimeout(name, buf)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if name == unix.SO_RCVTIMEO {
			s.rcvTimeo = d
		} else {
			s.sndTimeo = d
		}
		s.mu.Unlock()
		return nil
	case optKey{unix.SOL_SOCKET, unix.SO_LINGER}:
		var l unix.Linger
		if len(buf) < unix.SizeofLinger {
			return unix.EINVAL
		}
		kernel.DecodeStruct(buf, &l)
		opts.SetLinger(tcpip.LingerOption{Enabled: l.Onoff != 0, Timeout: time.Duration(l.Linger) * time.Second})
		return nil
	}
	v, err := int32Of(buf)
	if err != nil {
		return err
	}
	if b, ok := boolOpts[k]; ok {
		b.set(opts, v != 0)
		if k == (optKey{unix.IPPROTO_TCP, unix.TCP_CORK}) && v == 0 && opts.GetDelayOption() {
			// Linux pushes what the cork held at once, Nagle or not:
			// turn Nagle off for the moment, which sends it.
			opts.SetDelayOption(false)
			opts.SetDelayOption(true)
		}
		return nil
	}
	if o, ok := intOpts[k]; ok {
		if r, ok := intRanges[k]; ok && (v < r.min || v > r.max) {
			return unix.EINVAL
		}
		return errnoOf(s.ep.SetSockOptInt(o, int(v)))
	}
	if unit, ok := durationOpts[k]; ok {
		if v < 0 {
			return unix.EINVAL
		}
		return errnoOf(s.ep.SetSockOpt(durationOption(name, time.Duration(v)*unit)))
	}
	switch k {
	case optKey{unix.SOL_SOCKET, unix.SO_SNDBUF}:
		opts.SetSendBufferSize(int64(max(v, 0))*2, true) // Linux doubles it for bookkeeping
		return nil
	case optKey{unix.SOL_SOCKET, unix.SO_RCVBUF}:
		opts.SetReceiveBufferSize(int64(max(v, 0))*2, true)
		return nil
	case optKey{unix.SOL_SOCKET, unix.SO_RCVLOWAT}:
		return errnoOf(opts.SetRcvlowat(max(v, 1)))
	}
	return unix.ENOPROTOOPT
}

// getsockopt reads an option.
func (s *stackSocket) getsockopt(level, name int) ([]byte, error) {
	if !s.levelServed(level) {
		return nil, unix.ENOPROTOOPT
	}
	k := optKey{level, name}
	opts := s.ep.SocketOptions()
	if b, ok := boolOpts[k]; ok {
		v := int32(0)
		if b.get(opts) {
			v = 1
		}
		return int32Bytes(v), nil
	}
	if o, ok := intOpts[k]; ok {
		v, err := s.ep.GetSockOptInt(o)
		return int32Bytes(int32(v)), errnoOf(err)
	}
	if unit, ok := durationOpts[k]; ok {
		d, err := getDuration(s.ep, name)
		return int32Bytes(int32(d / unit)), errnoOf(err)
	}
	if k == (optKey{unix.IPPROTO_TCP, unix.TCP_INFO}) {
		return s.tcpInfo()
	}
	return s.socketLevelOpt(k, opts)
}

// linuxTCPState is Linux's TCP_* state of an endpoint state: the stack's
// protocol states are Linux's numbers; its own (initial, bound,
// connecting, error) are what Linux reports for them.
func linuxTCPState(st tcp.EndpointState) uint8 {
	switch st {
	case tcp.StateInitial, tcp.StateBound, tcp.StateError:
		return unix.BPF_TCP_CLOSE
	case tcp.StateConnecting:
		return unix.BPF_TCP_SYN_SENT
	}
	return uint8(st)
}

// linuxCAState is Linux's tcpi_ca_state of the congestion control state.
func linuxCAState(st tcpip.CongestionControlState) uint8 {
	switch st {
	case tcpip.Disorder:
		return 1 // TCP_CA_Disorder
	case tcpip.FastRecovery, tcpip.SACKRecovery:
		return 3 // TCP_CA_Recovery
	case tcpip.RTORecovery:
		return 4 // TCP_CA_Loss
	}
	return 0 // TCP_CA_Open
}

// tcpInfo is struct tcp_info with what the stack keeps: state, congestion
// state, RTO, RTT and its variance, the congestion window and threshold.
func (s *stackSocket) tcpInfo() ([]byte, error) {
	var o tcpip.TCPInfoOption
	if err := s.ep.GetSockOpt(&o); err != nil {
		return nil, errnoOf(err)
	}
	info := unix.TCPInfo{
		State:        linuxTCPState(tcp.EndpointState(s.ep.State())),
		Ca_state:     linuxCAState(o.CcState),
		Rto:          uint32(o.RTO.Microseconds()),
		Rtt:          uint32(o.RTT.Microseconds()),
		Rttvar:       uint32(o.RTTVar.Microseconds()),
		Snd_ssthresh: o.SndSsthresh,
		Snd_cwnd:     o.SndCwnd,
	}
	buf := make([]byte, unix.SizeofTCPInfo)
	kernel.EncodeStruct(buf, &info)
	return buf, nil
}

func (s *stackSocket) socketLevelOpt(k optKey, opts *tcpip.SocketOptions) ([]byte, error) {
	if k.level != unix.SOL_SOCKET {
		return nil, unix.ENOPROTOOPT
	}
	switch k.name {
	case unix.SO_TYPE:
		return int32Bytes(int32(s.typ)), nil
	case unix.SO_DOMAIN:
		return int32Bytes(int32(s.family)), nil
	case unix.SO_PROTOCOL:
		return int32Bytes(int32(s.proto)), nil
	case unix.SO_ERROR:
		v := int32(0)
		if err := errnoOf(opts.GetLastError()); err != nil {
			v = int32(err.(unix.Errno))
		}
		return int32Bytes(v), nil
	case unix.SO_ACCEPTCONN:
		v := int32(0)
		if opts.GetAcceptConn() {
			v = 1
		}
		return int32Bytes(v), nil
	case unix.SO_SNDBUF:
		return int32Bytes(int32(opts.GetSendBufferSize())), nil
	case unix.SO_RCVBUF:
		return int32Bytes(int32(opts.GetReceiveBufferSize())), nil
	case unix.SO_RCVLOWAT:
		return int32Bytes(opts.GetRcvlowat()), nil
	case unix.SO_RCVTIMEO, unix.SO_SNDTIMEO:
		return timevalBytes(s.timeout(k.name == unix.SO_RCVTIMEO)), nil
	case unix.SO_LINGER:
		lo := opts.GetLinger()
		l := unix.Linger{Linger: int32(lo.Timeout / time.Second)}
		if lo.Enabled {
			l.Onoff = 1
		}
		buf := make([]byte, unix.SizeofLinger)
		kernel.EncodeStruct(buf, &l)
		return buf, nil
	}
	return nil, unix.ENOPROTOOPT
}
