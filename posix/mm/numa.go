package mm

import (
	"math/bits"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// NUMA memory policies (set_mempolicy(2), mbind(2), get_mempolicy(2),
// migrate_pages(2), move_pages(2)), with Linux's rules, over the host's
// memory nodes: the policies are kept (per thread, per range) and
// reported back; the host places the pages, and on a machine of one node
// every page is on node 0 anyway.

func registerNUMA(tb *shim.Table) {
	tb.Register(unix.SYS_SET_MEMPOLICY, shim.Full, "kept per thread, inherited by clone and fork, reported by get_mempolicy; the host places the pages", sysSetMempolicy)
	tb.Register(unix.SYS_GET_MEMPOLICY, shim.Full, "", sysGetMempolicy)
	tb.Register(unix.SYS_MBIND, shim.Full, "kept per range in the address space (split, moved and freed with it); the host places the pages", sysMbind)
	tb.Register(unix.SYS_SET_MEMPOLICY_HOME_NODE, shim.Full, "the ranges' rules; the node itself only steers the host's placement", sysSetMempolicyHomeNode)
	tb.Register(unix.SYS_MIGRATE_PAGES, shim.Full, "the host's nodes; nothing to move on a machine of one node", sysMigratePages)
	tb.Register(unix.SYS_MOVE_PAGES, shim.Partial, "the host's nodes; a page counts as present when mincore says so (file pages in the host's cache count; on isolated, every mapped page)", sysMovePages)
}

// Policy modes and flags (<linux/mempolicy.h>).
const (
	mpolDefault            = 0
	mpolPreferred          = 1
	mpolBind               = 2
	mpolInterleave         = 3
	mpolLocal              = 4
	mpolPreferredMany      = 5
	mpolWeightedInterleave = 6
	mpolMax                = 7

	mpolFStaticNodes   = 1 << 15
	mpolFRelativeNodes = 1 << 14
	mpolFNumaBalancing = 1 << 13
	mpolModeFlags      = mpolFStaticNodes | mpolFRelativeNodes | mpolFNumaBalancing

	mpolFNode        = 1
	mpolFAddr        = 2
	mpolFMemsAllowed = 4

	mpolMfStrict  = 1
	mpolMfMove    = 2
	mpolMfMoveAll = 4

	maxNumNodes = 1 << 10 // CONFIG_NODES_SHIFT=10
)

// nodemask is a set of node numbers below maxNumNodes.
type nodemask [maxNumNodes / 64]uint64

func (n *nodemask) empty() bool {
	for _, w := range n {
		if w != 0 {
			return false
		}
	}
	return true
}

func (n *nodemask) and(o *nodemask) (r nodemask) {
	for i := range n {
		r[i] = n[i] & o[i]
	}
	return r
}

func (n *nodemask) subsetOf(o *nodemask) bool {
	for i := range n {
		if n[i]&^o[i] != 0 {
			return false
		}
	}
	return true
}

func (n *nodemask) first() int {
	for i, w := range n {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

func (n *nodemask) has(node int) bool {
	return node >= 0 && node < maxNumNodes && n[node/64]&(1<<(node%64)) != 0
}

type onlineNodesKey struct{}

// onlineNodes are the host's memory nodes, read once per kernel.
func onlineNodes(t *kernel.Task) nodemask {
	return t.Kernel().LibraryState(onlineNodesKey{}, func() any { return readOnlineNodes() }).(nodemask)
}

// readOnlineNodes reads the host's memory nodes
// (/sys/devices/system/node/has_memory).
func readOnlineNodes() nodemask {
	var n nodemask
	n[0] = 1
	b, err := os.ReadFile("/sys/devices/system/node/has_memory")
	if err != nil {
		return n
	}
	var parsed nodemask
	for _, part := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, ok := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		z := a
		var err2 error
		if ok {
			z, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || z >= maxNumNodes {
			return n
		}
		for i := a; i <= z; i++ {
			parsed[i/64] |= 1 << (i % 64)
		}
	}
	if parsed.empty() {
		return n
	}
	return parsed
}

// nodeIDs is nr_node_ids: one past the highest possible node.
func nodeIDs(online *nodemask) int {
	last := 0
	for i := 0; i < maxNumNodes; i++ {
		if online.has(i) {
			last = i
		}
	}
	return last + 1
}

// mempolicy is a policy as set_mempolicy and mbind keep it.
type mempolicy struct {
	mode  int
	flags int // MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, MPOL_F_NUMA_BALANCING
	nodes nodemask
	user  nodemask // as given, for the static and relative flags
}

type mempolicyKey struct{}

// sanitizeMode splits mode flags off and checks them (sanitize_mpol_flags).
func sanitizeMode(m int) (mode, flags int, err error) {
	flags, mode = m&mpolModeFlags, m&^mpolModeFlags
	if uint(mode) >= mpolMax || flags&mpolFStaticNodes != 0 && flags&mpolFRelativeNodes != 0 {
		return 0, 0, unix.EINVAL
	}
	if flags&mpolFNumaBalancing != 0 && mode != mpolBind && mode != mpolPreferredMany {
		return 0, 0, unix.EINVAL
	}
	return mode, flags, nil
}

// getNodes reads a user node mask of maxnode-1 bits (get_nodes).
func getNodes(t *kernel.Task, addr, maxnode uint64) (nodemask, error) {
	var n nodemask
	maxnode--
	if maxnode == 0 || addr == 0 {
		return n, nil
	}
	if maxnode > 4096*8 {
		return n, unix.EINVAL
	}
	words := (maxnode + 63) / 64
	buf := make([]uint64, words)
	if err := kernel.CopyInStructs(t, addr, buf); err != nil {
		return n, unix.EFAULT
	}
	if r := maxnode % 64; r != 0 {
		buf[words-1] &= 1<<r - 1
	}
	for i, w := range buf {
		if i < len(n) {
			n[i] = w
		} else if w != 0 {
			return n, unix.EINVAL // bits beyond MAX_NUMNODES
		}
	}
	return n, nil
}

// newPolicy is mpol_new with mpol_set_nodemask: nil for MPOL_DEFAULT.
func newPolicy(t *kernel.Task, mode, flags int, nodes nodemask) (*mempolicy, error) {
	if mode == mpolDefault {
		if !nodes.empty() {
			return nil, unix.EINVAL
		}
		return nil, nil
	}
	switch mode {
	case mpolPreferred:
		if nodes.empty() {
			if flags&(mpolFStaticNodes|mpolFRelativeNodes) != 0 {
				return nil, unix.EINVAL
			}
			mode = mpolLocal
		}
	case mpolLocal:
		if !nodes.empty() || flags&(mpolFStaticNodes|mpolFRelativeNodes) != 0 {
			return nil, unix.EINVAL
		}
	default:
		if nodes.empty() {
			return nil, unix.EINVAL
		}
	}
	p := &mempolicy{mode: mode, flags: flags, user: nodes}
	if mode == mpolLocal {
		return p, nil
	}
	allowed := onlineNodes(t)
	var eff nodemask
	if flags&mpolFRelativeNodes != 0 {
		eff = relativeNodes(&nodes, &allowed)
	} else {
		eff = nodes.and(&allowed)
	}
	if eff.empty() {
		return nil, unix.EINVAL
	}
	if mode == mpolPreferred {
		var one nodemask
		f := eff.first()
		one[f/64] = 1 << (f % 64)
		eff = one
	}
	p.nodes = eff
	return p, nil
}

// relativeNodes folds a relative mask onto the allowed nodes
// (mpol_relative_nodemask): bit i means the i-th allowed node, modulo
// their number.
func relativeNodes(rel, allowed *nodemask) nodemask {
	var list []int
	for i := 0; i < maxNumNodes; i++ {
		if allowed.has(i) {
			list = append(list, i)
		}
	}
	var out nodemask
	for i := 0; i < maxNumNodes && len(list) > 0; i++ {
		if rel.has(i) {
			n := list[i%len(list)]
			out[n/64] |= 1 << (n % 64)
		}
	}
	return out
}

func sysSetMempolicy(t *kernel.Task, a shim.Args) (uint64, error) {
	mode, flags, err := sanitizeMode(a.Int(0))
	if err != nil {
		return 0, err
	}
	nodes, err := getNodes(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	p, err := newPolicy(t, mode, flags, nodes)
	if err != nil {
		return 0, err
	}
	if p == nil {
		t.SetTaskValue(mempolicyKey{}, nil)
	} else {
		t.SetTaskValue(mempolicyKey{}, p)
	}
	return 0, nil
}

// taskPolicy is the thread's policy (nil: the default).
func taskPolicy(t *kernel.Task) *mempolicy {
	if v, ok := t.TaskValue(mempolicyKey{}); ok {
		return v.(*mempolicy)
	}
	return nil
}

// sysGetMempolicy is get_mempolicy(mode, nmask, maxnode, addr, flags).
func sysGetMempolicy(t *kernel.Task, a shim.Args) (uint64, error) {
	modeAddr, maskAddr, maxnode, addr, flags := a[0], a[1], a[2], a[3], a[4]
	online := onlineNodes(t)
	if maskAddr != 0 && maxnode < uint64(nodeIDs(&online)) {
		return 0, unix.EINVAL
	}
	if flags&^(mpolFNode|mpolFAddr|mpolFMemsAllowed) != 0 {
		return 0, unix.EINVAL
	}
	var mode int
	var mask nodemask
	switch {
	case flags&mpolFMemsAllowed != 0:
		if flags&(mpolFNode|mpolFAddr) != 0 {
			return 0, unix.EINVAL
		}
		mask = online
	default:
		pol := taskPolicy(t)
		if flags&mpolFAddr != 0 {
			v, ok := t.MM().Find(addr)
			if !ok {
				return 0, unix.EFAULT
			}
			if v.MemPolicy != nil {
				pol = v.MemPolicy.(*mempolicy)
			}
		} else if addr != 0 {
			return 0, unix.EINVAL
		}
		if flags&mpolFNode != 0 {
			switch {
			case flags&mpolFAddr != 0:
				mode = online.first() // the page's node: the host's first

			case pol != nil && pol == taskPolicy(t) && (pol.mode == mpolInterleave || pol.mode == mpolWeightedInterleave):
				mode = pol.nodes.first()
			default:
				return 0, unix.EINVAL
			}
		} else if pol != nil {
			mode = pol.mode | pol.flags
		}
		if pol != nil {
			if pol.flags&(mpolFStaticNodes|mpolFRelativeNodes) != 0 {
				mask = pol.user
			} else if pol.mode != mpolLocal {
				mask = pol.nodes
			}
		}
	}
	if modeAddr != 0 {
		m := int32(mode)
		if err := kernel.CopyOutStruct(t, modeAddr, &m); err != nil {
			return 0, err
		}
	}
	if maskAddr != 0 {
		return 0, copyNodes(t, maskAddr, maxnode, &mask, nodeIDs(&online))
	}
	return 0, nil
}

// copyNodes writes a node mask of maxnode bits (copy_nodes_to_user): the
// kernel's words, then zeros.
func copyNodes(t *kernel.Task, addr, maxnode uint64, mask *nodemask, nrNodeIDs int) error {
	nlongs := (maxnode + 63) / 64
	klongs := uint64((nrNodeIDs + 63) / 64)
	out := make([]uint64, nlongs)
	copy(out, mask[:min(klongs, nlongs)])
	return kernel.CopyOutStructs(t, addr, out)
}

// sysMbind is mbind(addr, len, mode, nodemask, maxnode, flags).
func sysMbind(t *kernel.Task, a shim.Args) (uint64, error) {
	start, length, flags := a[0], a[1], a[5]
	mode, mflags, err := sanitizeMode(a.Int(2))
	if err != nil {
		return 0, err
	}
	nodes, err := getNodes(t, a[3], a[4])
	if err != nil {
		return 0, err
	}
	if flags&^(mpolMfStrict|mpolMfMove|mpolMfMoveAll) != 0 {
		return 0, unix.EINVAL
	}
	if flags&mpolMfMoveAll != 0 && !t.Process().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	if start%4096 != 0 {
		return 0, unix.EINVAL
	}
	end := start + (length+4095)&^4095
	if end < start {
		return 0, unix.EINVAL
	}
	if end == start {
		return 0, nil
	}
	p, err := newPolicy(t, mode, mflags, nodes)
	if err != nil {
		return 0, err
	}
	var v any
	if p != nil {
		v = p
	}
	return 0, t.MM().SetMemPolicy(start, end, v)
}

// sysSetMempolicyHomeNode is set_mempolicy_home_node(start, len, node,
// flags): only ranges bound by MPOL_BIND or MPOL_PREFERRED_MANY take one.
func sysSetMempolicyHomeNode(t *kernel.Task, a shim.Args) (uint64, error) {
	start, length, home, flags := a[0], a[1], a[2], a[3]
	online := onlineNodes(t)
	if start%4096 != 0 || flags != 0 || home >= maxNumNodes || !online.has(int(home)) {
		return 0, unix.EINVAL
	}
	end := start + (length+4095)&^4095
	if end < start {
		return 0, unix.EINVAL
	}
	if end == start {
		return 0, nil
	}
	for _, v := range t.MM().MemPolicies(start, end) {
		if v == nil {
			continue
		}
		p := v.(*mempolicy)
		if p.mode != mpolBind && p.mode != mpolPreferredMany {
			return 0, unix.EOPNOTSUPP
		}
	}
	// The home node would only steer where new pages go, which the host
	// decides: nothing else about the ranges changes.
	return 0, nil
}

// numaTarget finds the process a migrate_pages/move_pages call is about,
// with ptrace's read access rule.
func numaTarget(t *kernel.Task, pid int) (*kernel.Process, error) {
	if pid == 0 {
		return t.Process(), nil
	}
	p := t.Kernel().ProcessByPID(pid)
	if p == nil {
		return nil, unix.ESRCH
	}
	if !t.Process().MayPtrace(p) {
		return nil, unix.EPERM
	}
	return p, nil
}

// sysMigratePages is migrate_pages(pid, maxnode, old, new): the number of
// pages that could not be moved.
func sysMigratePages(t *kernel.Task, a shim.Args) (uint64, error) {
	if _, err := getNodes(t, a[2], a[1]); err != nil {
		return 0, err
	}
	to, err := getNodes(t, a[3], a[1])
	if err != nil {
		return 0, err
	}
	if _, err := numaTarget(t, a.Int(0)); err != nil {
		return 0, err
	}
	online := onlineNodes(t)
	if !to.subsetOf(&online) && !t.Process().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	if to = to.and(&online); to.empty() {
		return 0, unix.EINVAL
	}
	return 0, nil
}

// sysMovePages is move_pages(pid, count, pages, nodes, status, flags).
func sysMovePages(t *kernel.Task, a shim.Args) (uint64, error) {
	count, flags := a[1], a[5]
	if flags&^(mpolMfMove|mpolMfMoveAll) != 0 {
		return 0, unix.EINVAL
	}
	if flags&mpolMfMoveAll != 0 && !t.Process().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	target, err := numaTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if count > 1<<20 {
		return 0, unix.EINVAL
	}
	pages := make([]uint64, count)
	if err := kernel.CopyInStructs(t, a[2], pages); err != nil {
		return 0, err
	}
	var nodes []int32
	if a[3] != 0 {
		nodes = make([]int32, count)
		if err := kernel.CopyInStructs(t, a[3], nodes); err != nil {
			return 0, err
		}
	}
	online := onlineNodes(t)
	status := make([]int32, count)
	for i, page := range pages {
		// A target node that has no memory ends the whole call.
		if nodes != nil && !online.has(int(nodes[i])) {
			return 0, unix.ENODEV
		}
		status[i] = pageStatus(target.MM(), page&^4095, online.first())
	}
	if count > 0 {
		if err := kernel.CopyOutStructs(t, a[4], status); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// pageStatus is a page's move_pages status: its node when present,
// -ENOENT when not, -EFAULT outside the address space.
func pageStatus(m *kernel.MM, page uint64, node int) int32 {
	if _, ok := m.Find(page); !ok {
		return -int32(unix.EFAULT)
	}
	vec, err := m.Residency(page, 4096)
	if err != nil || len(vec) == 0 {
		return -int32(unix.EFAULT)
	}
	if vec[0]&1 == 0 {
		return -int32(unix.ENOENT)
	}
	return int32(node)
}
