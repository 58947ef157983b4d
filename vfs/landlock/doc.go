// Package landlock is the model of Landlock (Documentation/userspace-api/
// landlock.rst) that elfloader serves to the app: rulesets, the rules they
// gather, and the domains a process restricts itself with. It is
// elfloader's own enforcement over its vfs and its socket and signal
// calls; the host's Landlock, which confines elfloader itself (package
// sandbox), is never asked to enforce the app's policy.
//
// A Ruleset is what landlock_create_ruleset makes and landlock_add_rule
// fills: the handled access rights (filesystem, TCP ports, scopes) and the
// rules, path-beneath rules tied to an inode (vfs.ObjectKey: every hard
// link and bind mount of it) and net-port rules. landlock_restrict_self
// freezes a copy of it as a new layer on top of the process's Domain (at
// most 16 layers). A Domain is immutable: a fork child shares its parent's,
// execve keeps it, and a new layer makes a new Domain.
//
// An access is allowed when every layer that handles it has a rule granting
// it on the file or one of its ancestors (the walk crosses mount points up
// to the root of the mount tree, not the process root). Links and renames
// across directories follow the ABI 2 refer rules (CheckRefer): the
// REFER right on both sides, and no access the file would gain at the
// destination. Denied filesystem and network accesses answer EACCES
// (EXDEV for a refused reparenting); the scopes (abstract unix sockets and
// signals reaching outside the domain) are checked by their callers with
// Scoped and answer EPERM.
//
// ABI 6 is implemented: filesystem rights up to IOCTL_DEV, TCP bind and
// connect, and the two scopes; the ABI 7 logging flags of
// landlock_restrict_self are not (there is no audit log to write to).
//
// Dependencies: vfs and golang.org/x/sys/unix only.
package landlock
