package kernel

import (
	"io"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/elfloader"
)

// symbolCache holds the function tables of the objects a process maps.
type symbolCache struct {
	mu      sync.Mutex
	objects map[string]*elfloader.FuncTable // by path; nil: no symbols
	biases  map[VMA]biasEntry               // by mapping
}

type biasEntry struct {
	bias uint64
	ok   bool
}

// codeMemory is a process's address space as the fast-path rewriter
// sees it.
type codeMemory struct{ p *Process }

func (c codeMemory) Prot(addr uint64) (int, bool) { return c.p.mm.Prot(addr) }

// FuncStart finds the function containing addr through the symbols of the
// object mapped there. The object's link-time address of addr is derived
// from the mapping's file offset and the object's PT_LOAD layout, which
// for the objects ld.so and the loader map equals vaddr - bias.
func (c codeMemory) FuncStart(addr uint64) (uint64, bool) {
	start, _, ok := c.FuncExtent(addr)
	return start, ok
}

// FuncExtent is FuncStart with the function's size from its symbol.
func (c codeMemory) FuncExtent(addr uint64) (start, size uint64, ok bool) {
	v, ok := c.p.mm.Find(addr)
	if !ok || v.Name == "" || isSpecial(v.Name) || v.Prot&unix.PROT_EXEC == 0 {
		return 0, 0, false
	}
	funcs, bias, ok := c.p.objectFuncs(v)
	if !ok {
		return 0, 0, false
	}
	f, ok := funcs.Containing(addr-bias, func(linkAddr uint64, b []byte) error {
		return c.p.mm.CopyIn(linkAddr+bias, b)
	})
	if !ok {
		return 0, 0, false
	}
	return f.Start + bias, f.Size, true
}

// objectFuncs returns the function table of the object behind a mapping
// and its load bias.
func (p *Process) objectFuncs(v VMA) (*elfloader.FuncTable, uint64, bool) {
	p.syms.mu.Lock()
	defer p.syms.mu.Unlock()
	if p.syms.objects == nil {
		p.syms.objects = map[string]*elfloader.FuncTable{}
	}
	if p.syms.biases == nil {
		p.syms.biases = map[VMA]biasEntry{}
	}
	funcs, seen := p.syms.objects[v.Name]
	if b, ok := p.syms.biases[v]; ok && seen {
		return funcs, b.bias, b.ok && funcs != nil && funcs.Len() > 0
	}
	if !seen {
		r, id, err := p.openObject(v.Name)
		if err != nil {
			return nil, 0, false
		}
		funcs = p.k.funcs.get(id, r)
		r.Close()
		p.syms.objects[v.Name] = funcs
	}
	if funcs == nil {
		p.syms.biases[v] = biasEntry{}
		return nil, 0, false
	}
	// The mapping holds file offset v.FileOff at v.Start; the PT_LOAD
	// covering that offset says which address it links at (the table
	// keeps the object's PT_LOADs: no second parse of its headers).
	link, found := funcs.LinkAddr(v.FileOff)
	bias := v.Start - link
	p.syms.biases[v] = biasEntry{bias, found}
	return funcs, bias, found && funcs.Len() > 0
}

// objectID identifies a file's contents for the function-table cache: the
// same inode, unchanged since (size and times), has the same functions.
type objectID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime unix.Timespec
}

// funcTableCache keeps the function tables of the objects processes map,
// so that every exec of a dynamic program does not read libc's call-frame
// information again (posix_spawn of /bin/true doubled in cost without
// it). It holds at most maxCachedObjects tables.
type funcTableCache struct {
	mu sync.Mutex
	m  map[objectID]*elfloader.FuncTable
}

const maxCachedObjects = 256

// get returns the object's table, reading it from r the first time.
func (c *funcTableCache) get(id objectID, r io.ReaderAt) *elfloader.FuncTable {
	c.mu.Lock()
	funcs, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return funcs
	}
	funcs, _ = elfloader.ReadFuncTable(r) // nil: no table, remembered too
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedObjects {
		c.m = map[objectID]*elfloader.FuncTable{}
	}
	c.m[id] = funcs
	return funcs
}

// openObject opens a mapped object by its path, through the app's
// filesystem when there is one.
func (p *Process) openObject(path string) (ReaderAtCloser, objectID, error) {
	if p.FS != nil {
		return openVFS(p.FS, path)
	}
	return openHost(path)
}
