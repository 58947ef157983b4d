package main

import (
	"fmt"
	"io"

	flag "github.com/spf13/pflag"

	"github.com/elfloader/elfloader/debug/gdbstub"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/plat"
)

// gdbOptions are the run flags of the GDB remote stub.
type gdbOptions struct {
	addr string // --gdb HOST:PORT
	wait bool   // --gdb-wait
}

func (g *gdbOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&g.addr, "gdb", "", "serve the GDB remote protocol on `HOST:PORT` (gdb: target remote HOST:PORT); implies --rewrite=off")
	fs.BoolVar(&g.wait, "gdb-wait", false, "with --gdb: stop the program before its first instruction until gdb continues it")
}

// startGDB opens the stub when --gdb was given; nil otherwise.
func (g *gdbOptions) start(p plat.Platform, stderr io.Writer) (*gdbstub.Stub, error) {
	if g.addr == "" {
		if g.wait {
			return nil, fmt.Errorf("--gdb-wait needs --gdb HOST:PORT")
		}
		return nil, nil
	}
	stub, err := gdbstub.Listen(g.addr, g.wait, p.XState(), stderr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "elfloader: gdb stub listening on %s\n", stub.Addr())
	go stub.Serve()
	return stub, nil
}

// debugger returns the stub as the kernel's debugger (nil interface when off).
func debugger(stub *gdbstub.Stub) kernel.Debugger {
	if stub == nil {
		return nil
	}
	return stub
}
