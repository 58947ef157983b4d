package linux

import "sync"

// I386Call is an i386 system call (int $0x80 from 64-bit code) that the
// x86-64 call of the same name serves unchanged: its arguments are plain
// integers, file descriptors or pointers to bytes and strings, never
// structures whose i386 layout differs.
type I386Call struct {
	Name  string
	AMD64 uint64 // the x86-64 number
	// Signed has bit i set when argument i is a signed int that Linux's
	// compat entry sign-extends (the others are zero-extended).
	Signed uint8
}

// i386Calls holds the i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl)
// elfloader serves through int $0x80.
var i386Calls = sync.OnceValue(func() map[uint32]I386Call {
	return map[uint32]I386Call{
		1:   {"exit", 60, 1},
		3:   {"read", 0, 0},
		4:   {"write", 1, 0},
		5:   {"open", 2, 2},
		6:   {"close", 3, 0},
		10:  {"unlink", 87, 0},
		12:  {"chdir", 80, 0},
		20:  {"getpid", 39, 0},
		33:  {"access", 21, 2},
		37:  {"kill", 62, 3},
		39:  {"mkdir", 83, 0},
		40:  {"rmdir", 84, 0},
		41:  {"dup", 32, 0},
		63:  {"dup2", 33, 0},
		64:  {"getppid", 110, 0},
		199: {"getuid32", 102, 0},
		200: {"getgid32", 104, 0},
		201: {"geteuid32", 107, 0},
		202: {"getegid32", 108, 0},
		224: {"gettid", 186, 0},
		252: {"exit_group", 231, 1},
	}
})

// I386 returns the i386 call nr when elfloader serves it through int $0x80.
func I386(nr uint32) (I386Call, bool) {
	c, ok := i386Calls()[nr]
	return c, ok
}

// I386Args converts the i386 argument registers (ebx, ecx, edx, esi, edi,
// ebp) into x86-64 arguments as Linux's compat entry does.
func (c I386Call) I386Args(regs [6]uint64) [6]uint64 {
	var out [6]uint64
	for i, v := range regs {
		if c.Signed&(1<<i) != 0 {
			out[i] = uint64(int64(int32(uint32(v))))
		} else {
			out[i] = uint64(uint32(v))
		}
	}
	return out
}
