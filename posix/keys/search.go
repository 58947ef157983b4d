package keys

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// maxDepth is KEYRING_SEARCH_MAX_DEPTH: how deep a search descends into
// nested keyrings.
const maxDepth = 6

// search is one keyring search (Linux's keyring_search_context).
type search struct {
	c         caller
	possessed bool // the starting keyring is possessed, so is all it reaches
	typ       *keyType
	desc      string
	target    *key // when set, only this key matches (a possession check)
	state     bool // skip revoked, invalidated and expired keys (and say so)
	skipExp   bool // skip expired keys silently
	now       int64
	err       error // why the last candidate was skipped; nil: not found
}

// try is keyring_search_iterator: whether candidate k is the answer.
func (sc *search) try(k *key) bool {
	if k.typ != sc.typ || k.desc != sc.desc {
		return false
	}
	if sc.state {
		if k.invalid || k.revoked {
			sc.err = unix.EKEYREVOKED
			return false
		}
		if k.expiry != 0 && sc.now >= k.expiry {
			if !sc.skipExp {
				sc.err = unix.EKEYEXPIRED
			}
			return false
		}
	}
	if sc.target != nil && k != sc.target {
		return false
	}
	if !sc.c.permits(k, sc.possessed, needSearch) {
		sc.err = unix.EACCES
		return false
	}
	return true
}

// in searches keyring r: the keyring itself when it matches, then its
// keys, then, depth first, the keyrings it links that grant search.
// EAGAIN means nothing matched; another error is why a match was skipped.
func (sc *search) in(r *key) (*key, error) {
	if r.typ != typeKeyring {
		return nil, unix.ENOTDIR
	}
	if !sc.c.permits(r, sc.possessed, needSearch) {
		return nil, unix.EACCES
	}
	sc.err = nil
	if sc.try(r) {
		return r, nil
	}
	if k := sc.nested(r, 0); k != nil {
		return k, nil
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return nil, unix.EAGAIN
}

func (sc *search) nested(r *key, depth int) *key {
	if _, k := r.find(sc.typ, sc.desc); k != nil && sc.try(k) {
		return k
	}
	if depth >= maxDepth {
		return nil
	}
	for _, l := range r.links {
		if l.typ != typeKeyring || !sc.c.permits(l, sc.possessed, needSearch) {
			continue
		}
		if k := sc.nested(l, depth+1); k != nil {
			return k
		}
	}
	return nil
}

// searchProcess is search_process_keyrings_rcu: the thread, process and
// session keyrings in turn; a key found wins, then "not found" from any
// keyring (EAGAIN), then another error.
func (s *state) searchProcess(t *kernel.Task, sc *search) (*key, error) {
	thread, process, session := s.rings(t, sc.c)
	var notFound bool
	err := error(unix.EAGAIN)
	for _, r := range []*key{thread, process, session} {
		if r == nil {
			continue
		}
		k, e := sc.in(r)
		if e == nil {
			return k, nil
		}
		if e == unix.EAGAIN || e == unix.ENOKEY {
			notFound = true
		} else {
			err = e
		}
	}
	if notFound {
		return nil, unix.EAGAIN
	}
	return nil, err
}

// possesses reports whether the task possesses k: whether a search of its
// keyrings that grant search reaches k, with k granting search too.
func (s *state) possesses(t *kernel.Task, c caller, k *key) bool {
	sc := &search{c: c, possessed: true, typ: k.typ, desc: k.desc, target: k}
	found, _ := s.searchProcess(t, sc)
	return found != nil
}

// Lookup flags (KEY_LOOKUP_CREATE, KEY_LOOKUP_PARTIAL).
const (
	lookupCreate = 1 << iota
	lookupPartial
)

// lookup is Linux's lookup_user_key: the key an id names (a serial or a
// KEY_SPEC_* keyring, made on demand as Linux makes it), whether the
// caller possesses it, after checking its state and the permission need
// (needNone, needDefer or a need* bit).
func (s *state) lookup(t *kernel.Task, c caller, id int32, flags int, need int) (*key, bool, error) {
	var k *key
	possessed := true
	s.cred(t, c) // settle what a new task inherited (its thread keyring)
	switch id {
	case unix.KEY_SPEC_THREAD_KEYRING:
		pr := s.procRingsOf(t)
		k = pr.threads[t]
		if k == nil {
			if flags&lookupCreate == 0 {
				return nil, false, unix.ENOKEY
			}
			var err error
			if k, err = s.installThread(t, c.real()); err != nil {
				return nil, false, err
			}
		}
	case unix.KEY_SPEC_PROCESS_KEYRING:
		pr := s.procRingsOf(t)
		k = pr.process
		if k == nil {
			if flags&lookupCreate == 0 {
				return nil, false, unix.ENOKEY
			}
			var err error
			if k, err = s.installProcess(t, c.real()); err != nil {
				return nil, false, err
			}
		}
	case unix.KEY_SPEC_SESSION_KEYRING:
		tc := s.cred(t, c)
		ur, err := s.userRingsOf(c)
		if err != nil {
			return nil, false, err
		}
		switch {
		case tc.session == nil && flags&lookupCreate == 0:
			// Access installs the user session keyring as the session.
			tc = setCred(t, tc, func(n *taskCred) { n.session = ur.session })
		case tc.session == nil || tc.session == ur.session && flags&lookupCreate != 0:
			if _, err := s.joinAnon(t, c.real()); err != nil {
				return nil, false, err
			}
			tc = s.cred(t, c)
		}
		k = tc.session
	case unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_USER_SESSION_KEYRING:
		ur, err := s.userRingsOf(c)
		if err != nil {
			return nil, false, err
		}
		k = ur.user
		if id == unix.KEY_SPEC_USER_SESSION_KEYRING {
			k = ur.session
		}
	case unix.KEY_SPEC_REQKEY_AUTH_KEY, unix.KEY_SPEC_REQUESTOR_KEYRING:
		// No request_key upcall runs, so no task holds an
		// authorisation key.
		return nil, false, unix.ENOKEY
	default:
		if id < 1 {
			return nil, false, unix.EINVAL
		}
		k = s.keys[id]
		if k == nil {
			return nil, false, unix.ENOKEY
		}
		possessed = s.possesses(t, c, k)
	}
	if need == needDefer {
		return k, possessed, nil
	}
	if err := k.validate(now()); err != nil {
		return nil, false, err
	}
	if need != needNone && !c.permits(k, possessed, uint32(need)) {
		return nil, false, unix.EACCES
	}
	return k, possessed, nil
}

// installThread gives the task a thread keyring (when it has none).
func (s *state) installThread(t *kernel.Task, c caller) (*key, error) {
	pr := s.procRingsOf(t)
	if k := pr.threads[t]; k != nil {
		return k, nil
	}
	k, err := s.alloc(c, typeKeyring, "_tid", permAnon, nil, false)
	if err != nil {
		return nil, err
	}
	pr.threads[t] = k
	setCred(t, s.cred(t, c), func(n *taskCred) { n.hadThread = true })
	return k, nil
}

// installProcess gives the process a process keyring (when it has none).
func (s *state) installProcess(t *kernel.Task, c caller) (*key, error) {
	pr := s.procRingsOf(t)
	if pr.process != nil {
		return pr.process, nil
	}
	k, err := s.alloc(c, typeKeyring, "_pid", permAnon, nil, false)
	if err != nil {
		return nil, err
	}
	pr.process = k
	return k, nil
}

// joinAnon gives the task a new anonymous session keyring "_ses".
func (s *state) joinAnon(t *kernel.Task, c caller) (*key, error) {
	k, err := s.alloc(c, typeKeyring, "_ses", permSession, nil, false)
	if err != nil {
		return nil, err
	}
	setCred(t, s.cred(t, c), func(n *taskCred) { n.session = k })
	return k, nil
}

// findByName is find_keyring_by_name: a live keyring of that name the
// caller may search without possessing it (never a user keyring).
func (s *state) findByName(c caller, name string) *key {
	var found *key
	for _, k := range s.keys {
		if k.typ != typeKeyring || k.desc != name || k.revoked || k.invalid || k.special {
			continue
		}
		if !c.permits(k, false, needSearch) {
			continue
		}
		if found == nil || k.gen < found.gen {
			found = k
		}
	}
	return found
}
