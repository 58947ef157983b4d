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

func termiosBytes(t *unix.Termios) []byte { return append([]byte(nil), rawBytes(t)...) }
func winsizeBytes(w *unix.Winsize) []byte { return append([]byte(nil), rawBytes(w)...) }

// StructBytes returns a copy of the bytes of an ABI struct value.
func StructBytes[T any](v *T) []byte { return append([]byte(nil), rawBytes(v)...) }

// CopyInStruct reads an ABI struct from app memory.
func CopyInStruct[T any](t *Task, addr uint64, v *T) error { return t.CopyIn(addr, rawBytes(v)) }

// CopyOutStruct writes an ABI struct to app memory.
func CopyOutStruct[T any](t *Task, addr uint64, v *T) error { return t.CopyOut(addr, rawBytes(v)) }

// CopyOutStructs writes ABI structs to app memory back to back, as an
// array of the kernel's struct.
func CopyOutStructs[T any](t *Task, addr uint64, v []T) error {
	if len(v) == 0 {
		return nil
	}
	return t.CopyOut(addr, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), uintptr(len(v))*unsafe.Sizeof(v[0])))
}
