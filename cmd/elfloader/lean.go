//go:build elfloader_lean

package main

import "io"

// leanBuild: this is the lean runner, elfloader without a TCP/IP stack of
// the app's own and without the registry client (docs/binaries.md).
const leanBuild = true

// cmdPack is served by elfloader-full.
func cmdPack(_ []string, _, stderr io.Writer) int { return execFull("pack", stderr) }
