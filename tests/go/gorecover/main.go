// Command gorecover recovers from runtime panics that the Go runtime raises
// from hardware faults (a nil-pointer dereference is a SIGSEGV, an integer
// division by zero a SIGFPE) and from an explicit check, on the main
// goroutine and on other goroutines, and from a fault at a chosen unmapped
// address with debug.SetPanicOnFault, whose runtime.Error reports the
// address. Everything it prints is deterministic.
package main

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"unsafe"
)

type node struct {
	next  *node
	value int
}

//go:noinline
func nilDeref(n *node) int { return n.value }

//go:noinline
func divide(a, b int) int { return a / b }

//go:noinline
func index(s []int, i int) int { return s[i] }

func try(name string, f func()) {
	defer func() {
		r := recover()
		var re runtime.Error
		isRuntime := false
		if err, ok := r.(error); ok && errors.As(err, &re) {
			isRuntime = true
		}
		fmt.Printf("%s: recovered=%v runtime.Error=%v\n", name, r, isRuntime)
	}()
	f()
}

func main() {
	try("nil pointer", func() { nilDeref(nil) })
	try("nil pointer again", func() { nilDeref(nil) })
	try("divide by zero", func() { divide(1, 0) })
	try("index out of range", func() { index([]int{1, 2}, 5) })
	try("nil map write", func() {
		var m map[string]int
		m["x"] = 1
	})

	// The same faults on many goroutines at once.
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { results[i] = fmt.Sprint(recover()) }()
			if i%2 == 0 {
				nilDeref(nil)
			}
			divide(i, 0)
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		fmt.Printf("goroutine %d: %s\n", i, r)
	}

	// A fault at an address the program chose, reported through Addr.
	mem, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_NONE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fmt.Println("mmap:", err)
		return
	}
	debug.SetPanicOnFault(true)
	ptr := unsafe.Add(unsafe.Pointer(&mem[0]), 0x80)
	target := uintptr(ptr)
	func() {
		defer func() {
			r := recover()
			addrOK := false
			if e, ok := r.(interface{ Addr() uintptr }); ok {
				addrOK = e.Addr() == target
			}
			fmt.Printf("fault at chosen address: recovered=%v addr matches=%v\n", r != nil, addrOK)
		}()
		_ = *(*byte)(ptr)
	}()
	debug.SetPanicOnFault(false)
	fmt.Println("done")
}
