package kernel

import "github.com/elfloader/elfloader/plat"

// hostAuxv returns the value the host gave elfloader for an auxv type (the
// CPU's hardware capabilities are the same for the app).
func hostAuxv(typ uint64) uint64 { return plat.HostAuxv(typ) }
