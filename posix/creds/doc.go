// Package creds serves the identity syscalls: the get/set families of
// real, effective, saved and filesystem user and group ids, supplementary
// groups, and capabilities (capget, capset and the capability options of
// prctl), with the transition rules of credentials(7) and capabilities(7).
//
// The state is the process's kernel.Credentials; this package only
// decides which changes are allowed. It depends on kernel and shim only.
package creds
