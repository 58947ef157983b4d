// Package random serves getrandom from the host's CSPRNG.
//
// It depends on kernel and shim only.
package random
