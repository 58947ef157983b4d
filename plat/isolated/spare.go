package isolated

// A spare stub: a program that execs once is likely to exec again (a
// shell runs one command after another, each in a fork child that execs),
// and every exec in a stub needs a fresh stub process. Starting one takes
// a host fork and exec of the stub program and its greeting: 1–3 ms on a
// 2-vCPU guest, a quarter of a shell's fork-and-exec. So the exec that
// takes a stub starts the next one in the background, on another CPU
// while the new program runs, and the next exec finds it ready.
//
// A spare is a stub like any other (registered, so extended-feature
// permissions reach it) that no address space uses yet. It is started from
// an ordinary Go thread, which no Landlock domain confines: only threads
// that drive stubs use it (stubs are reached with process_vm_readv, which
// a domain would forbid towards a process outside it). DropSpares ends
// it when the run ends.

// spareStub is a stub being started, or started, ahead of need.
type spareStub struct {
	ready chan struct{} // closed when as or err is set
	as    *AddressSpace
	err   error
}

// newExecAddressSpace returns a fresh stub for a program an exec loads:
// the spare when there is one (waiting for it if it is still starting,
// which is never longer than starting another), and starts the next
// spare.
func (p *Platform) newExecAddressSpace() (*AddressSpace, error) {
	p.mu.Lock()
	s := p.spare
	p.spare = nil
	p.mu.Unlock()
	var as *AddressSpace
	if s != nil {
		<-s.ready
		as = s.as // nil when it failed: start one now, which says why
	}
	if as == nil {
		var err error
		if as, err = p.NewStubAddressSpace(); err != nil {
			return nil, err
		}
	}
	p.startSpare()
	return as, nil
}

// startSpare starts a spare stub in the background unless one exists or
// the platform stopped making them.
func (p *Platform) startSpare() {
	p.mu.Lock()
	if p.spare != nil || p.noSpares {
		p.mu.Unlock()
		return
	}
	s := &spareStub{ready: make(chan struct{})}
	p.spare = s
	p.mu.Unlock()
	go func() {
		s.as, s.err = p.NewStubAddressSpace()
		close(s.ready)
	}()
}

// DropSpares implements plat.Spares: it ends the spare stub, if any, and
// starts no other (no stub outlives the run).
func (p *Platform) DropSpares() {
	p.mu.Lock()
	s := p.spare
	p.spare, p.noSpares = nil, true
	p.mu.Unlock()
	if s == nil {
		return
	}
	<-s.ready
	if s.as != nil {
		s.as.Release()
	}
}
