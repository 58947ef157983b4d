// Command gothreads makes the Go runtime use many OS threads: goroutines
// locked to their threads (runtime.LockOSThread) block in read on pipes, so
// the scheduler must start new threads for the rest; a goroutine that
// exits while locked takes its thread down with it. It also reads its own
// thread IDs with syscall.Gettid. Output is deterministic.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
)

const blockers = 32

func main() {
	var wg, started sync.WaitGroup
	tids := make([]int, blockers)
	writers := make([]*os.File, blockers)
	got := make([]byte, blockers)
	for i := 0; i < blockers; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			fmt.Println("pipe:", err)
			os.Exit(1)
		}
		writers[i] = w
		wg.Add(1)
		started.Add(1)
		go func(i int, r *os.File) {
			defer wg.Done()
			runtime.LockOSThread()
			tids[i] = syscall.Gettid()
			started.Done()
			fd := int(r.Fd()) // Fd puts the file in blocking mode: read blocks the thread
			buf := make([]byte, 1)
			n, err := syscall.Read(fd, buf)
			if err != nil || n != 1 {
				fmt.Println("read:", n, err)
				os.Exit(1)
			}
			got[i] = buf[0]
			r.Close()
			if i%2 == 0 {
				return // exits while locked: the thread is terminated
			}
			runtime.UnlockOSThread()
		}(i, r)
	}
	// Meanwhile the rest of the program keeps running on other threads.
	sum := 0
	for i := 0; i < 1000000; i++ {
		sum += i % 7
	}
	// Every goroutine holds its own thread before any read can finish.
	started.Wait()
	for i, w := range writers {
		w.Write([]byte{byte('A' + i%26)})
		w.Close()
	}
	wg.Wait()
	distinct := map[int]bool{}
	for _, t := range tids {
		distinct[t] = true
	}
	fmt.Printf("sum=%d bytes=%s\n", sum, got)
	fmt.Printf("locked goroutines=%d distinct tids=%d\n", blockers, len(distinct))
	runtime.GC()
	fmt.Println("done")
}
