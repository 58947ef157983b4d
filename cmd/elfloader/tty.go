package main

import (
	"io"
	"os"
	"sync"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// attachTerminal gives the app a terminal for -t/--tty: elfloader's own
// when its stdin is one, else a new pseudo-terminal whose other side
// elfloader relays to its stdin and stdout. release waits for the app's
// last output and closes the pseudo-terminal.
func (o *runOptions) attachTerminal() (release func(), err error) {
	if _, err := unix.IoctlGetTermios(int(os.Stdin.Fd()), unix.TCGETS); err == nil {
		return func() {}, nil
	}
	master, slave, err := pty.Open()
	if err != nil {
		return nil, err
	}
	o.term = slave
	go func() {
		io.Copy(master, os.Stdin)
		master.Write([]byte{4}) // the end of stdin is the terminal's end of file (^D)
	}()
	var output sync.WaitGroup
	output.Add(1)
	go func() {
		defer output.Done()
		io.Copy(os.Stdout, master) // ends with EIO once every app side is closed
	}()
	return func() {
		slave.Close()
		output.Wait()
		master.Close()
	}, nil
}

// stdio is the file the app gets as fd n: the --tty terminal, or f.
func (o *runOptions) stdio(f *os.File, n int) *os.File {
	if o.term != nil {
		return o.term
	}
	return f
}
