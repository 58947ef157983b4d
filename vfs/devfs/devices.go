package devfs

import (
	"context"
	"crypto/rand"

	"golang.org/x/sys/unix"
)

// deviceBase gives the memory devices lseek (always position-independent)
// and a no-op Release.
type deviceBase struct{}

func (deviceBase) Release()             {}
func (deviceBase) Size() (int64, error) { return 0, nil }

// nullFile is /dev/null: reads return EOF, writes succeed.
type nullFile struct{ deviceBase }

func (nullFile) Read(context.Context, []byte, int64, bool) (int, error) { return 0, nil }
func (nullFile) Write(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	return len(p), nil
}

// zeroFile is /dev/zero: reads return zeros, writes succeed.
type zeroFile struct{ deviceBase }

func (zeroFile) Read(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	clear(p)
	return len(p), nil
}
func (zeroFile) Write(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	return len(p), nil
}

// fullFile is /dev/full: reads return zeros, writes fail with ENOSPC.
type fullFile struct{ deviceBase }

func (fullFile) Read(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	clear(p)
	return len(p), nil
}
func (fullFile) Write(context.Context, []byte, int64, bool) (int, error) { return 0, unix.ENOSPC }

// randomFile is /dev/random and /dev/urandom (crypto/rand); writes are
// accepted and ignored, as they only mix entropy on Linux.
type randomFile struct{ deviceBase }

func (randomFile) Read(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	n, err := rand.Read(p)
	if err != nil {
		return 0, unix.EIO
	}
	return n, nil
}
func (randomFile) Write(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	return len(p), nil
}
