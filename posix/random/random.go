package random

import (
	"crypto/rand"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_GETRANDOM, shim.Full, "GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE accepted; the pool is always ready", sysGetrandom)
}

const maxChunk = 1 << 20

func sysGetrandom(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, n, flags := a[0], a[1], a.Int(2)
	if flags&^(unix.GRND_NONBLOCK|unix.GRND_RANDOM|unix.GRND_INSECURE) != 0 ||
		flags&(unix.GRND_RANDOM|unix.GRND_INSECURE) == unix.GRND_RANDOM|unix.GRND_INSECURE {
		return 0, unix.EINVAL
	}
	n = min(n, 1<<25-1)
	buf := make([]byte, min(n, maxChunk))
	var done uint64
	for done < n {
		chunk := buf[:min(n-done, uint64(len(buf)))]
		rand.Read(chunk)
		if err := t.CopyOut(addr+done, chunk); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		done += uint64(len(chunk))
	}
	return done, nil
}
