package kernel

import "sync"

// uts is the kernel's UTS namespace: the host and domain names the app
// sees (uname, /proc/sys/kernel), which sethostname and setdomainname
// change for the app only.
type uts struct {
	mu                   sync.Mutex
	hostname, domainname string
}

type utsKey struct{}

func (k *Kernel) uts() *uts {
	return k.LibraryState(utsKey{}, func() any { return &uts{hostname: k.cfg.Hostname, domainname: "(none)"} }).(*uts)
}

// SetHostname changes the node name the app sees.
func (k *Kernel) SetHostname(name string) {
	u := k.uts()
	u.mu.Lock()
	u.hostname = name
	u.mu.Unlock()
}

// Domainname is the NIS domain name the app sees ("(none)" until set).
func (k *Kernel) Domainname() string {
	u := k.uts()
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.domainname
}

// SetDomainname changes the domain name the app sees.
func (k *Kernel) SetDomainname(name string) {
	u := k.uts()
	u.mu.Lock()
	u.domainname = name
	u.mu.Unlock()
}

func (k *Kernel) hostname() string {
	u := k.uts()
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hostname
}

// Domainname implements procfs's optional domain name.
func (pp procProvider) Domainname() string { return pp.k.Domainname() }
