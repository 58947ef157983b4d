// Command goroutines runs 1,000 goroutines in 500 ping-pong pairs. Each
// message carries a freshly allocated buffer whose content both sides fold
// into a checksum, so the run exercises the scheduler, channels, the
// allocator and the garbage collector. The work is fixed (not timed), so the
// printed checksum is the same on every run.
package main

import (
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"sync"
)

const (
	pairs  = 500
	rounds = 2000
)

type message struct {
	round int
	data  []byte
}

func fill(seed, round int) []byte {
	buf := make([]byte, 64+(seed*31+round*17)%960)
	for i := range buf {
		buf[i] = byte(seed + round + i)
	}
	return buf
}

func digest(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// pingPong runs one pair and returns the pair's checksum.
func pingPong(id int) uint64 {
	ping := make(chan message)
	pong := make(chan message)
	var ponger uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range ping {
			ponger += digest(m.data)
			pong <- message{round: m.round, data: fill(id+1, m.round)}
		}
	}()
	var pinger uint64
	for r := 0; r < rounds; r++ {
		ping <- message{round: r, data: fill(id, r)}
		m := <-pong
		if m.round != r {
			fmt.Fprintf(os.Stderr, "pair %d: round %d came back as %d\n", id, r, m.round)
			os.Exit(1)
		}
		pinger ^= digest(m.data) * uint64(r+1)
	}
	close(ping)
	<-done
	return pinger ^ ponger
}

func main() {
	sums := make([]uint64, pairs)
	var wg sync.WaitGroup
	for i := 0; i < pairs; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sums[i] = pingPong(i)
		}(i)
	}
	wg.Wait()
	var total uint64
	for i, s := range sums {
		total = total*1099511628211 ^ s ^ uint64(i)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("goroutines=%d rounds=%d checksum=%016x\n", 2*pairs, rounds, total)
	fmt.Printf("gc ran=%v\n", ms.NumGC > 0)
	fmt.Printf("goroutines left=%d\n", runtime.NumGoroutine())
}
