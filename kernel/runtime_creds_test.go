package kernel

import "testing"

// runtimeCredentials: the sets an OCI runtime gives, then execve's
// transformation (root keeps bounding|inheritable, others only ambient).
func TestRuntimeCredentials(t *testing.T) {
	sets := CapabilitySets{Bounding: 0b1111, Effective: 0b0111, Permitted: 0b0011, Inheritable: 0b0100, Ambient: 0b0110}
	root := runtimeCredentials(0, 0, sets)
	if root.Bounding != 0b1111 || root.Permitted != 0b1111 || root.Effective != 0b1111 || root.Ambient != 0 {
		t.Errorf("root: %+v", root)
	}
	sets.Permitted, sets.Inheritable = 0b0111, 0b0110
	user := runtimeCredentials(1000, 1000, sets)
	if user.Permitted != 0b0110 || user.Effective != 0b0110 || user.Ambient != 0b0110 || user.Bounding != 0b1111 {
		t.Errorf("user: %+v", user)
	}
}
