package keys

import "github.com/elfloader/elfloader/kernel"

// gcEvery is how many keys may be made between collections.
const gcEvery = 128

// maybeCollect collects when enough keys were made since the last time
// (or always, when force): it must be called without s.mu held.
func (s *state) maybeCollect(k *kernel.Kernel, force bool) {
	s.mu.Lock()
	due := force || s.sinceGC >= gcEvery
	start := s.gen
	s.mu.Unlock()
	if due {
		s.collect(k, start)
	}
}

// collect forgets the keys nothing refers to any more, as Linux's key
// garbage collector destroys a key whose last reference went: a key is
// live when a live task's session keyring, a live thread's or process's
// keyring, a user or persistent keyring, or a keyring linking a live key
// holds it. Keys made after start are spared (they may not be linked
// yet). The tasks' session keyrings are read before s.mu is taken: the
// kernel's locks are never taken under s.mu.
func (s *state) collect(k *kernel.Kernel, start uint64) {
	var roots []*key
	live := map[*kernel.Task]bool{}
	procs := map[*kernel.Process]bool{}
	for _, p := range k.Processes() {
		procs[p] = true
		for _, t := range p.Tasks() {
			live[t] = true
			if v, ok := t.TaskValue(credKey{}); ok {
				if tc, _ := v.(*taskCred); tc != nil && tc.session != nil {
					roots = append(roots, tc.session)
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, pr := range s.procs {
		if !procs[p] || pr.mm != p.MM() {
			continue // gone, or its keyrings went with an execve
		}
		if pr.process != nil {
			roots = append(roots, pr.process)
		}
		for t, kr := range pr.threads {
			// A thread that made its keyring before the walk of the
			// tasks and was not found by it has exited.
			if !live[t] && kr.gen <= start {
				delete(pr.threads, t)
				continue
			}
			roots = append(roots, kr)
		}
	}
	for _, ur := range s.users {
		roots = append(roots, ur.user, ur.session)
	}
	for _, kr := range s.persistent {
		roots = append(roots, kr)
	}
	marked := map[*key]bool{}
	var mark func(*key)
	mark = func(k *key) {
		if marked[k] {
			return
		}
		marked[k] = true
		for _, l := range k.links {
			mark(l)
		}
	}
	for _, r := range roots {
		mark(r)
	}
	for _, k := range s.keys {
		if k.gen > start {
			mark(k) // new keys, and what they already link, are spared
		}
	}
	for sn, k := range s.keys {
		if marked[k] || k.gen > start {
			continue
		}
		s.forget(k)
		delete(s.keys, sn)
	}
	s.sinceGC = 0
}

// forget gives back what a key charged its owner.
func (s *state) forget(k *key) {
	if k.quota != 0 {
		u := s.usageOf(k.owner)
		u.keys--
		u.bytes -= k.quota
		k.quota = 0
	}
}

// touch makes an existing key count as new for a collection under way:
// it just became a task's session keyring, which that collection's walk
// of the tasks may have missed.
func (s *state) touch(k *key) {
	s.gen++
	k.gen = s.gen
}
