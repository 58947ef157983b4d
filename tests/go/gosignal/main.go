// Command gosignal uses time.Ticker, time.AfterFunc and os/signal: it
// counts ticks, catches a SIGUSR1 it sends to itself with syscall.Kill
// (several times), ignores SIGUSR2, stops catching with signal.Stop and
// exits with status 3.
// It prints only facts that do not depend on timing.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ticker := time.NewTicker(10 * time.Millisecond)
	ticks := 0
	for range ticker.C {
		ticks++
		if ticks == 10 {
			break
		}
	}
	ticker.Stop()
	fmt.Println("ticks:", ticks)

	fired := make(chan string, 1)
	time.AfterFunc(20*time.Millisecond, func() { fired <- "after func" })
	fmt.Println("timer:", <-fired)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	for i := 1; i <= 3; i++ {
		if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
			fmt.Println("kill:", err)
			os.Exit(1)
		}
		select {
		case s := <-sigs:
			fmt.Printf("signal %d: %v\n", i, s)
		case <-time.After(10 * time.Second):
			fmt.Println("signal never arrived")
			os.Exit(1)
		}
	}

	signal.Ignore(syscall.SIGUSR2)
	syscall.Kill(os.Getpid(), syscall.SIGUSR2)
	time.Sleep(20 * time.Millisecond)
	fmt.Println("ignored SIGUSR2: still alive, ignored =", signal.Ignored(syscall.SIGUSR2))

	// Tick while a goroutine is spinning: asynchronous preemption keeps the
	// ticker goroutine running on GOMAXPROCS=1 too.
	stop := make(chan struct{})
	spun := make(chan uint64)
	go func() {
		var n uint64
		for {
			select {
			case <-stop:
				spun <- n
				return
			default:
				n++
			}
		}
	}()
	t2 := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-t2.C
	}
	t2.Stop()
	close(stop)
	fmt.Println("spinner ran:", <-spun > 0)

	signal.Stop(sigs)
	signal.Reset(syscall.SIGUSR1)
	fmt.Println("done")
	os.Exit(3) // a distinctive status, compared with the native run
}
