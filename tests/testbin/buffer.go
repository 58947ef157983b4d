package testbin

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// cappedBuffer keeps the first maxOutput bytes written to it and counts the
// rest, so that a runaway program cannot exhaust the test's memory.
type cappedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	dropped int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := maxOutput - b.buf.Len()
	if room >= len(p) {
		return b.buf.Write(p)
	}
	if room > 0 {
		b.buf.Write(p[:room])
	}
	b.dropped += int64(len(p) - max(room, 0))
	return len(p), nil
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped == 0 {
		return b.buf.String()
	}
	return fmt.Sprintf("%s\n[testbin: %d more bytes dropped]\n", b.buf.String(), b.dropped)
}

func bytesReader(p []byte) io.Reader { return bytes.NewReader(p) }
