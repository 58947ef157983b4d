package main

import (
	"fmt"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/elfloader/elfloader/kernel"
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

// appNetwork is the app's own network of a run with --net=sandbox (a
// *netstack.Network): the kernel's handle on it and its lifetime. Only
// elfloader-full builds one (netsandbox.go).
type appNetwork interface {
	kernel.SandboxNetwork
	Close()
}

// wantsSandboxNet reports whether the command line asks for the app's own
// network: --net=sandbox[:outbound] or one of its flags.
func (o *runOptions) wantsSandboxNet() bool {
	mode, _, _ := strings.Cut(o.net, ":")
	return mode == "sandbox" || len(o.sandboxNet.publish) > 0 || o.sandboxNet.pcap != "" || o.sandboxNet.pcapFilter != ""
}

// hostNetwork reads --net when it names no network of the app's own.
func (o *runOptions) hostNetwork() (kernel.NetMode, error) {
	switch o.net {
	case "host", "":
		return kernel.NetHost, nil
	case "none":
		return kernel.NetNone, nil
	}
	return 0, usageError{fmt.Errorf("--net %q: want host, none, sandbox or sandbox:outbound", o.net)}
}
