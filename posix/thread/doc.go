// Package thread serves thread creation and synchronisation: clone and
// clone3 (threads), futex (every operation, PI as plain locks) and
// futex_waitv.
//
// It depends on kernel and shim only.
package thread
