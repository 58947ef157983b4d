package linux

// sigSpec is one row of the signature table; the name comes from the
// syscall table.
type sigSpec struct {
	args []Arg
	ret  RetKind
}

// a builds an argument that depends on no other argument.
func a(name string, kind ArgKind) Arg { return Arg{Name: name, Kind: kind, LenArg: -1} }

// dep builds an argument that depends on argument index other.
func dep(name string, kind ArgKind, other int) Arg {
	return Arg{Name: name, Kind: kind, LenArg: other}
}

func args(list ...Arg) sigSpec { return sigSpec{args: list} }

func argsRet(ret RetKind, list ...Arg) sigSpec { return sigSpec{args: list, ret: ret} }

// genericArgCount is the number of placeholder arguments of a syscall this
// package has no signature for.
const genericArgCount = 6

// SignatureOf returns the tracing signature of syscall nr. Syscalls without
// a known signature get six ArgUnknown arguments and Generic set.
func SignatureOf(nr uint64) Signature {
	name := SyscallName(nr)
	spec, ok := signatureTable()[nr]
	if !ok {
		generic := make([]Arg, genericArgCount)
		for i := range generic {
			generic[i] = Arg{Name: "arg" + formatDecimal(uint64(i)), Kind: ArgUnknown, LenArg: -1}
		}
		return Signature{Name: name, Args: generic, Generic: true}
	}
	list := make([]Arg, len(spec.args))
	copy(list, spec.args)
	return Signature{Name: name, Args: list, Ret: spec.ret}
}

// HasSignature reports whether SignatureOf(nr) describes real arguments.
func HasSignature(nr uint64) bool {
	_, ok := signatureTable()[nr]
	return ok
}
