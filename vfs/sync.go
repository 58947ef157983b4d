package vfs

// FSSyncer is implemented by filesystems whose data can reach stable
// storage (host directories); in-memory ones have nothing to flush.
type FSSyncer interface {
	SyncFS() error
}

// SyncFS implements syncfs(2) for the filesystem that holds loc.
func SyncFS(loc Location) error {
	if s, ok := loc.Mount.fs.(FSSyncer); ok {
		return s.SyncFS()
	}
	return nil
}

// SyncAll implements sync(2): every filesystem of ctx's mount tree is
// flushed; like Linux's sync, errors are not reported.
func SyncAll(ctx *Context) {
	if !ctx.Root.Valid() {
		return
	}
	v := ctx.Root.Mount.vfs
	v.treeMu.RLock()
	mounts := make([]*Mount, 0, len(v.mounts)+1)
	mounts = append(mounts, v.root)
	for _, m := range v.mounts {
		mounts = append(mounts, m)
	}
	v.treeMu.RUnlock()
	for _, m := range mounts {
		SyncFS(m.Root())
	}
}
