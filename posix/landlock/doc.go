// Package landlock serves landlock_create_ruleset, landlock_add_rule and
// landlock_restrict_self (ABI 6) for the app. The policy model is
// vfs/landlock; a ruleset is an in-memory anon-inode descriptor
// ("anon_inode:[landlock-ruleset]") and a domain is set on the kernel's
// Process (kernel.Process.SetLandlock), where the vfs, posix/socket and
// posix/signal enforce it. The host's Landlock is not involved.
//
// It depends on kernel, shim, vfs and vfs/landlock.
package landlock
