// Command gohttp is a net/http server for the sandbox network tests: it
// listens on the address in its first argument (":8080" is a dual-stack
// IPv6 socket, as Go makes it), serves GET /data with a fixed body of the
// size in its second argument, echoes POST /echo, and exits after GET
// /quit. Go's netpoller (epoll, edge-triggered, non-blocking accept4 and
// connect) drives every socket.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gohttp ADDR SIZE")
		os.Exit(2)
	}
	size, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	l, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr().(*net.TCPAddr).AddrPort().Addr().Unmap())
	srv := &http.Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	mux.HandleFunc("/peer", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.RemoteAddr) })
	// Serve returns as soon as Shutdown closes the listener; main waits
	// for Shutdown itself, which returns once /quit's response is out
	// (exiting before raced the response: the client read EOF).
	shutDown := make(chan struct{})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		go func() {
			srv.Shutdown(context.Background())
			close(shutDown)
		}()
	})
	srv.Handler = mux
	if err := srv.Serve(l); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	<-shutDown
	fmt.Println("done")
}
