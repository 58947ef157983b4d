//go:build !elfloader_lean

package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/netstack"
	"github.com/elfloader/elfloader/vfs"
)

// network reads --net and, for the sandbox, builds the app's network.
//
// The sandbox's /etc/hosts and /etc/resolv.conf go into root (as docker
// does): a failure there is a warning on stderr.
func (o *runOptions) network(root *vfs.VFS, hostname string, stderr io.Writer) (kernel.NetMode, appNetwork, error) {
	mode, outbound, ok := strings.Cut(o.net, ":")
	switch {
	case mode == "sandbox" && (!ok || outbound == "outbound"):
	case ok || mode == "sandbox":
		return 0, nil, usageError{fmt.Errorf("--net %q: want host, none, sandbox or sandbox:outbound", o.net)}
	case o.wantsSandboxNet():
		return 0, nil, usageError{fmt.Errorf("-p/--publish, --pcap and --pcap-filter need --net=sandbox")}
	default:
		m, err := o.hostNetwork()
		return m, nil, err
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
	if err := sandboxEtc(root, hostname, n.Outbound()); err != nil {
		fmt.Fprintf(stderr, "elfloader: %v (the app sees the root's own files)\n", err)
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
