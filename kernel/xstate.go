package kernel

// Extended state in signal frames, sized and shaped like Linux's: the
// standard-format XSAVE image holds the features every process may use,
// plus the dynamic ones (AMX tile data) only once the process was permitted
// them (arch_prctl ARCH_REQ_XCOMP_PERM) and the thread used them — until
// then Linux keeps them out of the frame, and so does elfloader.

// XFeaturePerm reports the extended features the process may use
// (ARCH_GET_XCOMP_PERM).
func (p *Process) XFeaturePerm() uint64 {
	_, base := p.k.cfg.Platform.XFeatures()
	return base | p.xfeatureExtra.Load()
}

// PermitXFeature grants the process the dynamic feature idx
// (ARCH_REQ_XCOMP_PERM), after the platform made it usable.
func (p *Process) PermitXFeature(idx int) error {
	if err := p.k.cfg.Platform.PermitXFeature(idx); err != nil {
		return err
	}
	for {
		old := p.xfeatureExtra.Load()
		if p.xfeatureExtra.CompareAndSwap(old, old|1<<idx) {
			return nil
		}
	}
}

// frameFeatures is the set of components a signal frame of t carries,
// given the XSTATE_BV of its current state.
func (t *Task) frameFeatures(xstateBV uint64) uint64 {
	xs := t.k.cfg.Platform.XState()
	_, base := t.k.cfg.Platform.XFeatures()
	t.xdynUsed |= xstateBV & t.p.xfeatureExtra.Load()
	return xs.UserFeatures() & (base | t.xdynUsed)
}

// restoreFeatures is the set of components sigreturn may load for t.
func (t *Task) restoreFeatures() uint64 {
	return t.k.cfg.Platform.XState().UserFeatures() & t.p.XFeaturePerm()
}
