package main

import (
	"github.com/elfloader/elfloader/posix/creds"
	"github.com/elfloader/elfloader/posix/event"
	"github.com/elfloader/elfloader/posix/fs"
	"github.com/elfloader/elfloader/posix/ipc"
	"github.com/elfloader/elfloader/posix/keys"
	"github.com/elfloader/elfloader/posix/landlock"
	"github.com/elfloader/elfloader/posix/mm"
	"github.com/elfloader/elfloader/posix/power"
	"github.com/elfloader/elfloader/posix/process"
	"github.com/elfloader/elfloader/posix/random"
	"github.com/elfloader/elfloader/posix/signal"
	"github.com/elfloader/elfloader/posix/socket"
	"github.com/elfloader/elfloader/posix/sysinfo"
	"github.com/elfloader/elfloader/posix/thread"
	"github.com/elfloader/elfloader/posix/timer"
	"github.com/elfloader/elfloader/shim"
)

// newSyscallTable registers every handler library: the set of libraries
// linked here is the set of syscalls that exist for the app.
func newSyscallTable() *shim.Table {
	tb := shim.New()
	process.Register(tb)
	creds.Register(tb)
	ipc.Register(tb)
	keys.Register(tb)
	landlock.Register(tb)
	mm.Register(tb)
	timer.Register(tb)
	random.Register(tb)
	signal.Register(tb)
	sysinfo.Register(tb)
	fs.Register(tb)
	thread.Register(tb)
	event.Register(tb)
	socket.Register(tb)
	power.Register(tb)
	return tb
}
