package linux

// The key management constants of <linux/keyctl.h> and <linux/key.h> that
// golang.org/x/sys/unix does not define (keyrings(7)).
const (
	// KEYCTL_CAPABILITIES reports which keyctl features the kernel has.
	KEYCTL_CAPABILITIES = 31
	// KEYCTL_CAPS0_CAPABILITIES and the others are the feature bits
	// KEYCTL_CAPABILITIES reports in its first byte.
	KEYCTL_CAPS0_CAPABILITIES        = 0x01
	KEYCTL_CAPS0_PERSISTENT_KEYRINGS = 0x02
	KEYCTL_CAPS0_INVALIDATE          = 0x20
	KEYCTL_CAPS0_MOVE                = 0x80

	// KEY_POS_VIEW and the rest are a key's permission bits: one byte
	// each for the possessor, the owning user, the group and others,
	// each byte view, read, write, search, link, setattr.
	KEY_POS_VIEW    = 0x01000000
	KEY_POS_READ    = 0x02000000
	KEY_POS_WRITE   = 0x04000000
	KEY_POS_SEARCH  = 0x08000000
	KEY_POS_LINK    = 0x10000000
	KEY_POS_SETATTR = 0x20000000
	KEY_POS_ALL     = 0x3f000000
	KEY_USR_VIEW    = 0x00010000
	KEY_USR_READ    = 0x00020000
	KEY_USR_WRITE   = 0x00040000
	KEY_USR_SEARCH  = 0x00080000
	KEY_USR_LINK    = 0x00100000
	KEY_USR_SETATTR = 0x00200000
	KEY_USR_ALL     = 0x003f0000
	KEY_GRP_ALL     = 0x00003f00
	KEY_OTH_ALL     = 0x0000003f
)
