package oci

import (
	"os"
	"syscall"
)

func statOwner(st os.FileInfo) (uint32, uint32) {
	s := st.Sys().(*syscall.Stat_t)
	return s.Uid, s.Gid
}
