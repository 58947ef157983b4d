// Command httpserver is the go-http benchmark's server: Go's net/http
// serving one 4 KiB page on a loopback address with keep-alive, until
// SIGTERM, after which it shuts down cleanly and exits 0. The benchmark
// builds it with CGO_ENABLED=0 (a static Go program, as users ship them).
package main

import (
	"bytes"
	"context"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// pageSize matches the nginx workload's page.
const pageSize = 4096

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "loopback `address` to listen on")
	flag.Parse()
	page := bytes.Repeat([]byte("elfloader go-http benchmark page\n"), pageSize/33+1)[:pageSize]
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
