package elfloader

import (
	"debug/elf"
	"encoding/json"
)

// PageSize is the x86-64 page size that segments are aligned to.
const PageSize = 4096

// UserAddressLimit is the end of the x86-64 user address space with 4-level
// paging (Linux's TASK_SIZE_MAX): no mapping may reach past it.
const UserAddressLimit = 0x7ffffffff000

// Segment is one PT_LOAD, already widened to whole pages for mapping.
//
// To map it at bias B: map Memsz bytes at B+Vaddr with protection Prot,
// copy Filesz bytes from file offset FileOff to B+Vaddr, and make sure the
// bytes from B+Vaddr+Filesz to B+Vaddr+Memsz read as zero (the bss and the
// tail of the last file page). Two consecutive segments may share one page
// when the linker packed them; the later segment's contents win there, as
// with Linux's MAP_FIXED mappings.
type Segment struct {
	Vaddr   uint64 `json:"vaddr"`    // page-aligned start, unbiased
	Memsz   uint64 `json:"memsz"`    // page-aligned length of the mapping
	FileOff uint64 `json:"file_off"` // page-aligned file offset of the byte at Vaddr
	Filesz  uint64 `json:"filesz"`   // file bytes to copy from FileOff (0 for an all-bss segment)
	Prot    int    `json:"prot"`     // unix.PROT_READ|PROT_WRITE|PROT_EXEC from p_flags

	// The program header as written in the file.
	Prog ProgHeader `json:"prog"`
}

// ProgHeader holds the raw PT_LOAD fields a Segment was computed from.
type ProgHeader struct {
	Off    uint64 `json:"p_offset"`
	Vaddr  uint64 `json:"p_vaddr"`
	Filesz uint64 `json:"p_filesz"`
	Memsz  uint64 `json:"p_memsz"`
	Align  uint64 `json:"p_align"`
	Flags  uint32 `json:"p_flags"`
}

// End returns the page-aligned end of the mapping, unbiased.
func (s Segment) End() uint64 { return s.Vaddr + s.Memsz }

// Perm returns the protection as "rwx" letters, e.g. "r-x".
func (s Segment) Perm() string { return protString(s.Prot) }

// MarshalJSON adds the "perm" letters to the JSON form.
func (s Segment) MarshalJSON() ([]byte, error) {
	type plain Segment
	return json.Marshal(struct {
		plain
		Perm string `json:"perm"`
	}{plain(s), s.Perm()})
}

// TLS describes the PT_TLS template: Filesz initialised bytes at Vaddr
// followed by zeroes up to Memsz, aligned to Align.
type TLS struct {
	Vaddr  uint64 `json:"vaddr"` // unbiased address of the initialisation image
	Offset uint64 `json:"offset"`
	Filesz uint64 `json:"filesz"`
	Memsz  uint64 `json:"memsz"`
	Align  uint64 `json:"align"`
}

// Binary is a parsed and validated ELF executable or shared object.
// All addresses are unbiased: for a PIE add the load bias chosen in NewPlan.
type Binary struct {
	Path    string      `json:"path"`
	Kind    Kind        `json:"kind"`
	Type    elf.Type    `json:"-"` // in JSON as "type": "ET_DYN"
	Machine elf.Machine `json:"-"` // in JSON as "machine": "EM_X86_64"

	Entry  uint64 `json:"entry"`  // e_entry; 0 for a shared library without one
	Interp string `json:"interp"` // PT_INTERP path, "" if none

	Segments []Segment `json:"segments"`  // PT_LOADs in file order (sorted by address)
	MinVaddr uint64    `json:"min_vaddr"` // page-aligned start of the lowest PT_LOAD
	MaxVaddr uint64    `json:"max_vaddr"` // page-aligned end of the highest PT_LOAD

	PhdrVaddr uint64 `json:"phdr_vaddr"` // address of the program headers once loaded
	Phent     uint64 `json:"phent"`      // e_phentsize
	Phnum     uint64 `json:"phnum"`      // e_phnum

	TLS       *TLS `json:"tls"`        // PT_TLS, nil if none
	ExecStack bool `json:"exec_stack"` // PT_GNU_STACK has PF_X, or there is no PT_GNU_STACK

	Dynamic bool     `json:"dynamic"` // has PT_DYNAMIC
	Needed  []string `json:"needed"`  // DT_NEEDED in order
	RPath   []string `json:"rpath"`   // DT_RPATH split at ':'
	RunPath []string `json:"runpath"` // DT_RUNPATH split at ':'
	SOName  string   `json:"soname"`  // DT_SONAME

	BuildID string `json:"build_id"` // hex NT_GNU_BUILD_ID, "" if none
}

// MarshalJSON writes the type and machine by name ("ET_DYN", "EM_X86_64").
func (b *Binary) MarshalJSON() ([]byte, error) {
	type plain Binary
	return json.Marshal(struct {
		*plain
		Type    string `json:"type"`
		Machine string `json:"machine"`
	}{(*plain)(b), b.Type.String(), b.Machine.String()})
}

// Size returns the page-aligned span MaxVaddr-MinVaddr the segments occupy.
func (b *Binary) Size() uint64 { return b.MaxVaddr - b.MinVaddr }
