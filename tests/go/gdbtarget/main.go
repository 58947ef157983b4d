// Command gdbtarget is debugged with gdb through elfloader's stub
// (integration/gdb_test.go): a static Go program with goroutines.
package main

import (
	"fmt"
	"sync"
)

//go:noinline
func square(n int) int { return n * n }

func main() {
	var wg sync.WaitGroup
	results := make([]int, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = square(i)
		}()
	}
	wg.Wait()
	fmt.Println("squares", results)
}
