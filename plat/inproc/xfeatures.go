package inproc

import "github.com/elfloader/elfloader/plat"

// XFeatures implements plat.Platform.
func (p *Platform) XFeatures() (supported, permitted uint64) {
	return p.xfeatures.Supported, p.xfeatures.Permitted
}

// PermitXFeature implements plat.Platform: the host grants the permission
// to elfloader's whole process (and so to every app process it runs).
func (p *Platform) PermitXFeature(idx int) error {
	return plat.RequestHostXFeature(idx)
}
