package linux

import (
	"sync"

	"golang.org/x/sys/unix"
)

// MmapProt is the PROT_* word of mmap(2) and mprotect(2).
var MmapProt = FlagSet{
	{Name: "PROT_NONE"},
	{Name: "PROT_READ", Value: unix.PROT_READ},
	{Name: "PROT_WRITE", Value: unix.PROT_WRITE},
	{Name: "PROT_EXEC", Value: unix.PROT_EXEC},
	{Name: "PROT_SEM", Value: 0x8},
	{Name: "PROT_GROWSDOWN", Value: unix.PROT_GROWSDOWN},
	{Name: "PROT_GROWSUP", Value: unix.PROT_GROWSUP},
}

// MapTypeMask selects the mapping type (MAP_SHARED, MAP_PRIVATE,
// MAP_SHARED_VALIDATE) from mmap's flags.
const MapTypeMask = 0xf

// MmapFlags is mmap(2)'s flags word; the mapping type is printed first.
var MmapFlags = FlagSet{
	{Name: "MAP_SHARED", Value: unix.MAP_SHARED, Mask: MapTypeMask},
	{Name: "MAP_PRIVATE", Value: unix.MAP_PRIVATE, Mask: MapTypeMask},
	{Name: "MAP_SHARED_VALIDATE", Value: unix.MAP_SHARED_VALIDATE, Mask: MapTypeMask},
	{Name: "MAP_FIXED", Value: unix.MAP_FIXED},
	{Name: "MAP_ANONYMOUS", Value: unix.MAP_ANONYMOUS},
	{Name: "MAP_32BIT", Value: unix.MAP_32BIT},
	{Name: "MAP_GROWSDOWN", Value: unix.MAP_GROWSDOWN},
	{Name: "MAP_DENYWRITE", Value: unix.MAP_DENYWRITE},
	{Name: "MAP_EXECUTABLE", Value: unix.MAP_EXECUTABLE},
	{Name: "MAP_LOCKED", Value: unix.MAP_LOCKED},
	{Name: "MAP_NORESERVE", Value: unix.MAP_NORESERVE},
	{Name: "MAP_POPULATE", Value: unix.MAP_POPULATE},
	{Name: "MAP_NONBLOCK", Value: unix.MAP_NONBLOCK},
	{Name: "MAP_STACK", Value: unix.MAP_STACK},
	{Name: "MAP_HUGETLB", Value: unix.MAP_HUGETLB},
	{Name: "MAP_SYNC", Value: unix.MAP_SYNC},
	{Name: "MAP_FIXED_NOREPLACE", Value: unix.MAP_FIXED_NOREPLACE},
	{Name: "MAP_UNINITIALIZED", Value: 0x4000000},
}

// MremapFlags is mremap(2)'s flags word.
var MremapFlags = FlagSet{
	{Name: "MREMAP_MAYMOVE", Value: unix.MREMAP_MAYMOVE},
	{Name: "MREMAP_FIXED", Value: unix.MREMAP_FIXED},
	{Name: "MREMAP_DONTUNMAP", Value: unix.MREMAP_DONTUNMAP},
}

// MsyncFlags is msync(2)'s flags word.
var MsyncFlags = FlagSet{
	{Name: "MS_ASYNC", Value: unix.MS_ASYNC},
	{Name: "MS_INVALIDATE", Value: unix.MS_INVALIDATE},
	{Name: "MS_SYNC", Value: unix.MS_SYNC},
}

// MadvAdvice returns the names of madvise(2)'s advice.
var MadvAdvice = sync.OnceValue(func() Enum {
	return Enum{
		unix.MADV_NORMAL: "MADV_NORMAL", unix.MADV_RANDOM: "MADV_RANDOM",
		unix.MADV_SEQUENTIAL: "MADV_SEQUENTIAL", unix.MADV_WILLNEED: "MADV_WILLNEED",
		unix.MADV_DONTNEED: "MADV_DONTNEED", unix.MADV_FREE: "MADV_FREE",
		unix.MADV_REMOVE: "MADV_REMOVE", unix.MADV_DONTFORK: "MADV_DONTFORK",
		unix.MADV_DOFORK: "MADV_DOFORK", unix.MADV_MERGEABLE: "MADV_MERGEABLE",
		unix.MADV_UNMERGEABLE: "MADV_UNMERGEABLE", unix.MADV_HUGEPAGE: "MADV_HUGEPAGE",
		unix.MADV_NOHUGEPAGE: "MADV_NOHUGEPAGE", unix.MADV_DONTDUMP: "MADV_DONTDUMP",
		unix.MADV_DODUMP: "MADV_DODUMP", unix.MADV_WIPEONFORK: "MADV_WIPEONFORK",
		unix.MADV_KEEPONFORK: "MADV_KEEPONFORK", unix.MADV_COLD: "MADV_COLD",
		unix.MADV_PAGEOUT: "MADV_PAGEOUT", unix.MADV_POPULATE_READ: "MADV_POPULATE_READ",
		unix.MADV_POPULATE_WRITE: "MADV_POPULATE_WRITE", unix.MADV_HWPOISON: "MADV_HWPOISON",
		101: "MADV_SOFT_OFFLINE", 24: "MADV_DONTNEED_LOCKED",
		25: "MADV_COLLAPSE", 26: "MADV_GUARD_INSTALL", 27: "MADV_GUARD_REMOVE",
	}
})

// MlockallFlags is mlockall(2)'s flags word.
var MlockallFlags = FlagSet{
	{Name: "MCL_CURRENT", Value: unix.MCL_CURRENT},
	{Name: "MCL_FUTURE", Value: unix.MCL_FUTURE},
	{Name: "MCL_ONFAULT", Value: unix.MCL_ONFAULT},
}

// MemfdFlags is memfd_create(2)'s flags word.
var MemfdFlags = FlagSet{
	{Name: "MFD_CLOEXEC", Value: unix.MFD_CLOEXEC},
	{Name: "MFD_ALLOW_SEALING", Value: unix.MFD_ALLOW_SEALING},
	{Name: "MFD_HUGETLB", Value: unix.MFD_HUGETLB},
	{Name: "MFD_NOEXEC_SEAL", Value: 0x8},
	{Name: "MFD_EXEC", Value: 0x10},
}
