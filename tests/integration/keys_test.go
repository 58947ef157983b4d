package integration

import "testing"

// TestKeys: the key management calls (add_key, request_key, keyctl) served
// from elfloader's own key table: the special keyrings, create and update,
// the payload and description rules, nested keyrings, search, link,
// unlink, move, clear, read, permissions with and without possession,
// revoke, invalidate, timeouts, request_key, a new thread's thread
// keyring, a fork child and an exec keeping the session keyring, named
// sessions and SESSION_TO_PARENT. Root for the native run: chown to
// another uid needs CAP_SYS_ADMIN.
func TestKeys(t *testing.T) { runBreadth(t, "keys.c", true) }
