package kernel

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawBytes views a fixed-layout value as its bytes (the ABI structs from
// x/sys/unix have Linux's x86-64 layout).
func rawBytes[T any](v *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
}

// Terminal structs. unix.Termios has the layout of the kernel's struct
// termios2 (TCGETS2, TCSETS2…): c_iflag, c_oflag, c_cflag, c_lflag, c_line,
// c_cc[NCCS = 19], c_ispeed and c_ospeed, 44 bytes. TCGETS and TCSETS use
// the kernel's struct termios, which ends before c_ispeed (36 bytes):
// copying a whole unix.Termios there would write past the app's struct.
// struct winsize (four u16) is unix.Winsize exactly.
const (
	termiosSize  = int(unsafe.Offsetof(unix.Termios{}.Ispeed))
	termios2Size = int(unsafe.Sizeof(unix.Termios{}))
)

// termiosBytes encodes tio as the kernel's struct termios (size
// termiosSize) or struct termios2 (termios2Size).
func termiosBytes(tio *unix.Termios, size int) []byte {
	return append([]byte(nil), rawBytes(tio)[:size]...)
}

// copyInTermios reads a struct termios or termios2 (by size) from app
// memory; the speeds stay zero for the shorter struct.
func copyInTermios(t *Task, addr uint64, size int) (*unix.Termios, error) {
	var tio unix.Termios
	if err := t.CopyIn(addr, rawBytes(&tio)[:size]); err != nil {
		return nil, err
	}
	return &tio, nil
}

func winsizeBytes(w *unix.Winsize) []byte { return append([]byte(nil), rawBytes(w)...) }

// StructBytes returns a copy of the bytes of an ABI struct value.
func StructBytes[T any](v *T) []byte { return append([]byte(nil), rawBytes(v)...) }

// DecodeStruct fills v from the start of b, a buffer already copied from
// app memory (a control message, a sockaddr); bytes of v past len(b) are
// left as they are.
func DecodeStruct[T any](b []byte, v *T) { copy(rawBytes(v), b) }

// EncodeStruct writes v at the start of b (as much of it as fits).
func EncodeStruct[T any](b []byte, v *T) { copy(b, rawBytes(v)) }

// structBytes returns n bytes to carry a struct between a handler and app
// memory: the task's own buffer, or a new one for an unusually large
// struct.
func (t *Task) structBytes(n int) []byte {
	if n <= len(t.structBuf) {
		return t.structBuf[:n]
	}
	return make([]byte, n)
}

// CopyInStruct reads an ABI struct from app memory.
func CopyInStruct[T any](t *Task, addr uint64, v *T) error {
	// Through the task's buffer: v itself is only touched by copy, so
	// the handler's struct stays on its stack (the copy to the address
	// space goes through an interface, where it would escape).
	b := t.structBytes(int(unsafe.Sizeof(*v)))
	if err := t.CopyIn(addr, b); err != nil {
		return err
	}
	copy(rawBytes(v), b)
	return nil
}

// CopyOutStruct writes an ABI struct to app memory.
func CopyOutStruct[T any](t *Task, addr uint64, v *T) error {
	b := t.structBytes(int(unsafe.Sizeof(*v))) // as in CopyInStruct
	copy(b, rawBytes(v))
	return t.CopyOut(addr, b)
}

// CopyOutValue writes one ABI value (a u32 TID, a u64 word) to app memory.
func CopyOutValue[T any](t *Task, addr uint64, v T) error { return CopyOutStruct(t, addr, &v) }

// CopyInStructs reads an array of ABI structs from app memory into v.
func CopyInStructs[T any](t *Task, addr uint64, v []T) error {
	if len(v) == 0 {
		return nil
	}
	return t.CopyIn(addr, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), uintptr(len(v))*unsafe.Sizeof(v[0])))
}

// CopyOutStructs writes ABI structs to app memory back to back, as an
// array of the kernel's struct.
func CopyOutStructs[T any](t *Task, addr uint64, v []T) error {
	if len(v) == 0 {
		return nil
	}
	return t.CopyOut(addr, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), uintptr(len(v))*unsafe.Sizeof(v[0])))
}
