// Command sysloop times a Go system-call loop, start-up excluded, and
// prints "X ns/call" like the C loops of bench/c.
//
//	sysloop getppid N   syscall.Getppid() N times
//	sysloop readat N    (*os.File).ReadAt of 4 KiB from a 1 MiB file in
//	                    the temporary directory, N times at rotating offsets
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sysloop getppid|readat N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "sysloop: N must be a positive number")
		os.Exit(2)
	}
	var took time.Duration
	var check int
	switch os.Args[1] {
	case "getppid":
		start := time.Now()
		for i := 0; i < n; i++ {
			check += syscall.Getppid()
		}
		took = time.Since(start)
	case "readat":
		took, check, err = readAt(n)
	default:
		err = fmt.Errorf("unknown loop %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sysloop:", err)
		os.Exit(1)
	}
	fmt.Printf("%.1f ns/call (%d calls, checksum %d)\n", float64(took.Nanoseconds())/float64(n), n, check%7)
}

func readAt(n int) (time.Duration, int, error) {
	const size, chunk = 1 << 20, 4096
	f, err := os.CreateTemp("", "sysloop")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if _, err := f.Write(data); err != nil {
		return 0, 0, err
	}
	buf := make([]byte, chunk)
	check := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		off := int64(i*chunk) % (size - chunk)
		if _, err := f.ReadAt(buf, off); err != nil {
			return 0, 0, err
		}
		check += int(buf[0])
	}
	return time.Since(start), check, nil
}
