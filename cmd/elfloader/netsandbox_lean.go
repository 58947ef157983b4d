//go:build elfloader_lean

package main

import (
	"errors"
	"io"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// network reads --net. The lean runner has no network of the app's own:
// a command line that asks for one was handed to elfloader-full before
// anything started (needsFull, execFull), so this only sees host and none.
func (o *runOptions) network(*vfs.VFS, string, io.Writer) (kernel.NetMode, appNetwork, error) {
	if o.wantsSandboxNet() {
		return 0, nil, errors.New("--net=sandbox is served by elfloader-full (see docs/binaries.md)")
	}
	m, err := o.hostNetwork()
	return m, nil, err
}
