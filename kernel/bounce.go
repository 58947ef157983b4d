package kernel

import "bytes"

// Bounce buffers. Handlers get app memory for direct I/O from AppBytes and
// AppBytesPrefix. When the platform lends app memory (in-process), that is
// the app's memory itself. Otherwise (isolated: app memory is in another
// host process) the task lends a copy: the app's bytes are copied in, and a
// buffer the handler may write is remembered; when the handler returns, the
// task loop writes back the smallest range that covers every byte the
// handler changed (flushBounces, right after Dispatch and before signals).
// Writing back only the changed range keeps Linux's copy_to_user result:
// bytes past what a read produced are never touched, even when another
// thread of the app wrote them meanwhile.

// maxPrefixBounce bounds one copied buffer of a transfer that Linux may end
// short (read, write and their relatives): a larger request is served up
// to this length, as a short transfer, instead of copying gigabytes that a
// pipe or socket would never fill.
const maxPrefixBounce = 16 << 20

// bounce is a copied buffer waiting to be written back.
type bounce struct {
	addr uint64
	buf  []byte // what the handler got
	orig []byte // the app's bytes when they were copied in
}

// lend returns app memory [addr, addr+n) for a handler: the memory itself
// when the platform lends it, else a copy (written back after the handler
// when write is set), at most maxPrefixBounce bytes long when short is set
// (the caller may transfer less than asked).
func (t *Task) lend(addr uint64, n int, write, short bool) ([]byte, error) {
	b, err := t.p.mm.Slice(addr, n, write)
	if err != errNoDirectAccess {
		return b, err
	}
	if short {
		n = min(n, maxPrefixBounce)
	}
	buf := make([]byte, n)
	if err := t.p.mm.CopyIn(addr, buf); err != nil {
		if !write {
			return nil, err
		}
		// Writable but not readable (PROT_WRITE alone is readable on
		// x86, but be safe): the handler fills it from zero.
		clear(buf)
	}
	if write {
		t.bounces = append(t.bounces, bounce{addr: addr, buf: buf, orig: append([]byte(nil), buf...)})
	}
	return buf, nil
}

// flushBounces writes back what handlers changed in copied buffers.
func (t *Task) flushBounces() {
	if len(t.bounces) == 0 {
		return
	}
	for i, b := range t.bounces {
		if lo, hi, changed := changedRange(b.buf, b.orig); changed {
			// A range the app unmapped meanwhile is lost, as Linux's
			// copy_to_user would fault on it.
			_ = t.p.mm.CopyOut(b.addr+uint64(lo), b.buf[lo:hi])
		}
		t.bounces[i] = bounce{}
	}
	t.bounces = t.bounces[:0]
}

// dropBounces forgets copied buffers without writing them back (the
// process is gone or its memory was replaced).
func (t *Task) dropBounces() {
	clear(t.bounces)
	t.bounces = t.bounces[:0]
}

// changedRange returns the smallest [lo, hi) outside which buf equals orig.
func changedRange(buf, orig []byte) (lo, hi int, changed bool) {
	const block = 256
	for lo+block <= len(buf) && bytes.Equal(buf[lo:lo+block], orig[lo:lo+block]) {
		lo += block
	}
	for lo < len(buf) && buf[lo] == orig[lo] {
		lo++
	}
	if lo == len(buf) {
		return 0, 0, false
	}
	hi = len(buf)
	for hi-block >= lo && bytes.Equal(buf[hi-block:hi], orig[hi-block:hi]) {
		hi -= block
	}
	for hi > lo && buf[hi-1] == orig[hi-1] {
		hi--
	}
	return lo, hi, true
}
