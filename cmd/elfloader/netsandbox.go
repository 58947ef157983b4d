package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	flag "github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/netstack"
	"github.com/elfloader/elfloader/vfs"
)

// sandboxNetOptions are the flags of --net=sandbox (docs/network.md).
type sandboxNetOptions struct {
	publish    multiFlag // -p/--publish
	pcap       string    // --pcap FILE
	pcapFilter string    // --pcap-filter
}

func (o *sandboxNetOptions) register(fs *flag.FlagSet) {
	fs.VarP(&o.publish, "publish", "p", "with --net=sandbox, forward host port to app port: `[HOSTIP:]HOSTPORT:APPPORT[/tcp|udp]` (HOSTIP defaults to 127.0.0.1; repeatable)")
	fs.StringVar(&o.pcap, "pcap", "", "with --net=sandbox, write every packet of the app's interfaces to `FILE` (pcap)")
	fs.StringVar(&o.pcapFilter, "pcap-filter", "", "keep only the packets this `FILTER` matches: tcp, udp, icmp, host ADDR, port N, joined by and")
}

// usageError is a command line elfloader cannot use (status 2); other
// errors of network are failures to build what it asks for (status 125).
type usageError struct{ error }

// network reads --net and, for the sandbox, builds the app's network.
func (o *runOptions) network() (kernel.NetMode, *netstack.Network, error) {
	mode, outbound, ok := strings.Cut(o.net, ":")
	sandboxOnly := len(o.sandboxNet.publish) > 0 || o.sandboxNet.pcap != "" || o.sandboxNet.pcapFilter != ""
	switch {
	case mode == "sandbox" && (!ok || outbound == "outbound"):
	case ok:
		return 0, nil, usageError{fmt.Errorf("--net %q: want host, none, sandbox or sandbox:outbound", o.net)}
	case sandboxOnly:
		return 0, nil, usageError{fmt.Errorf("-p/--publish, --pcap and --pcap-filter need --net=sandbox")}
	case mode == "host" || mode == "":
		return kernel.NetHost, nil, nil
	case mode == "none":
		return kernel.NetNone, nil, nil
	default:
		return 0, nil, usageError{fmt.Errorf("--net %q: want host, none, sandbox or sandbox:outbound", o.net)}
	}
	cfg := netstack.Config{Outbound: ok}
	for _, p := range o.sandboxNet.publish {
		rule, err := netstack.ParsePublish(p)
		if err != nil {
			return 0, nil, usageError{err}
		}
		cfg.Publish = append(cfg.Publish, rule)
	}
	if o.debug {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var err error
	if cfg.Capture, err = o.sandboxNet.capture(); err != nil {
		return 0, nil, err
	}
	n, err := netstack.New(cfg)
	if err != nil {
		return 0, nil, err
	}
	return kernel.NetSandbox, n, nil
}

// capture opens the --pcap file (nil without one). The file stays open for
// the run; each packet is one write, so it needs no closing to be valid.
func (o *sandboxNetOptions) capture() (*netstack.Capture, error) {
	filter, err := netstack.ParseFilter(o.pcapFilter)
	if err != nil {
		return nil, usageError{err}
	}
	if o.pcap == "" {
		return nil, nil
	}
	f, err := os.OpenFile(o.pcap, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--pcap: %w", err)
	}
	return netstack.NewCapture(f, filter)
}

// maxResolvConf bounds the resolv.conf elfloader reads.
const maxResolvConf = 64 << 10

// sandboxEtc gives the app its network's /etc/hosts and /etc/resolv.conf
// (as docker does), in the root's memory layer: the files under them are
// never written.
func sandboxEtc(root *vfs.VFS, hostname string, outbound bool) error {
	ctx := root.NewContext()
	if err := container.MkdirAll(ctx, "/etc"); err != nil {
		return fmt.Errorf("sandbox /etc: %w", err)
	}
	resolv, err := container.ReadFile(ctx, "/etc/resolv.conf", maxResolvConf)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("sandbox /etc/resolv.conf: %w", err)
	}
	if err := container.WriteFile(ctx, "/etc/resolv.conf", netstack.ResolvConf(resolv, outbound)); err != nil {
		return fmt.Errorf("sandbox /etc/resolv.conf: %w", err)
	}
	if err := container.WriteFile(ctx, "/etc/hosts", netstack.HostsFile(hostname)); err != nil {
		return fmt.Errorf("sandbox /etc/hosts: %w", err)
	}
	return nil
}
